/*
 * rpc_client.c - the client of the multi-process RPC tests (run.sh), one
 * scenario per run against rpc_server:
 *   basic    sync calls, arena, errors, ENOMETHOD, callback on the calling
 *            thread, a timeout the server observes
 *   threads  10 threads x a 1-second call on one endpoint (~1 s)
 *   load     add() in a loop for SECONDS, checking every result
 *   hostile  garbage and a truncated hello on the server's port while
 *            this client's endpoint keeps working
 *   hang     one long call; prints CALLING; expects ALR_ECLOSED when the
 *            server is killed (run.sh kills it with -9)
 *
 *   rpc_client BLOB.alrs ADDR SCENARIO [SECONDS]
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "rpc/rpctest.h"
#include "test.h"

static alr_iface ifc;
static rpctest_ctx ctx;
static const char *addr;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_fn(void *user, alr_log_level level, const char *msg)
{
    (void)user;
    fprintf(stderr, "client[%d]: %s\n", (int)level, msg);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

static alr_endpoint *connect_ep(void)
{
    alr_config cfg;
    alr_config_init(&cfg);
    if (getenv("RPC_LOG"))
        cfg.log = log_fn;
    alr_endpoint *ep = NULL;
    alr_err e = alr_endpoint_connect(addr, &ifc, &cfg, &ep);
    if (e != ALR_OK)
        fprintf(stderr, "client: connect %s: %s: %s\n", addr, alr_strerror(e),
                alr_last_error_text());
    return ep;
}

static void scenario_basic(alr_endpoint *ep)
{
    uint64_t r = 0;
    CHECK(rpctest_add(&ifc, 20, 22, &r) == ALR_OK && r == 42);
    alr_arena *arena = alr_arena_new();
    char *out = NULL;
    CHECK(rpctest_echo(&ifc, "across processes", &out, arena) == ALR_OK);
    CHECK_EQ_STR(out, "across processes");
    alr_arena_free(arena);
    CHECK(rpctest_noargs(&ifc, RPCTEST_M_PID, &r) == ALR_OK);
    CHECK(r != 0 && r != (uint64_t)getpid());
    CHECK(rpctest_fail(&ifc, 1) == ALR_EAPP);
    CHECK_EQ_INT(alr_last_app_code(), RPCTEST_CalcError_too_big);
    CHECK_EQ_STR(alr_last_error_text(), "1 is too big");
    CHECK(alr_call_sync(&ifc, RPCTEST_M_NOTHING, NULL, NULL, NULL) == ALR_ENOMETHOD);
    /* the server calls back into this client; it runs on this thread */
    CHECK(alr_endpoint_serve(ep, RPCTEST_SVC_CALCCLIENT, rpctest_client_impl(), &ctx) == ALR_OK);
    CHECK(rpctest_u32_call(&ifc, RPCTEST_M_CALL_BACK, 5, &r) == ALR_OK);
    CHECK_EQ_INT(r, 1007);
    CHECK(pthread_equal(ctx.notify_thread, pthread_self()));
    CHECK_EQ_INT(atomic_load(&ctx.notify_calls), 1);
    /* a timeout the server observes */
    uint64_t seen0 = 0, seen = 0;
    CHECK(rpctest_noargs(&ifc, RPCTEST_M_TIMEOUTS_SEEN, &seen0) == ALR_OK);
    alr_timeout_push(200);
    CHECK(rpctest_u32_call(&ifc, RPCTEST_M_WAIT_TIMEOUT, 5000, &r) == ALR_ETIMEDOUT);
    alr_timeout_pop();
    for (int i = 0; i < 60; i++) {
        if (rpctest_noargs(&ifc, RPCTEST_M_TIMEOUTS_SEEN, &seen) != ALR_OK || seen > seen0)
            break;
        rpctest_sleep_ms(50);
    }
    CHECK_EQ_INT(seen, seen0 + 1);
    CHECK(alr_endpoint_status(ep) == ALR_OK);
}

static void *sleeper(void *p)
{
    alr_endpoint_push(p);
    intptr_t ok = rpctest_u32_call(&ifc, RPCTEST_M_SLEEP_MS, 1000, NULL) == ALR_OK;
    alr_endpoint_pop();
    return (void *)ok;
}

static void scenario_threads(alr_endpoint *ep)
{
    enum { N = 10 };
    pthread_t th[N];
    uint64_t t0 = now_ms();
    for (int i = 0; i < N; i++)
        pthread_create(&th[i], NULL, sleeper, ep);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(th[i], &r);
        ok += r != NULL;
    }
    uint64_t dt = now_ms() - t0;
    CHECK_EQ_INT(ok, N);
    CHECK(dt < 3000);
    printf("%d threads x 1-second call: %llu ms\n", N, (unsigned long long)dt);
}

static void scenario_load(unsigned seconds)
{
    uint64_t end = now_ms() + seconds * 1000u;
    unsigned n = 0, bad = 0;
    while (now_ms() < end) {
        uint64_t r = 0;
        if (rpctest_add(&ifc, n, 7, &r) != ALR_OK || r != n + 7u)
            bad++;
        n++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(n > 100);
    printf("load: %u calls, %u bad\n", n, bad);
}

static int raw_connect(void)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    size_t hl = (size_t)(colon - addr);
    if (addr[0] == '[') {
        memcpy(host, addr + 1, hl - 2);
        host[hl - 2] = '\0';
    } else {
        memcpy(host, addr, hl);
        host[hl] = '\0';
    }
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    int s = socket(res->ai_family, SOCK_STREAM, 0);
    if (connect(s, res->ai_addr, res->ai_addrlen) != 0) {
        close(s);
        s = -1;
    }
    freeaddrinfo(res);
    return s;
}

static bool wait_eof(int s, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    char buf[4096];
    while (now_ms() < end) {
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, 50) > 0 && recv(s, buf, sizeof buf, 0) <= 0)
            return true;
    }
    return false;
}

static void scenario_hostile(void)
{
    uint64_t r = 0;
    int s = raw_connect();
    CHECK(s >= 0);
    ssize_t w = send(s, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL);
    (void)w;
    CHECK(rpctest_add(&ifc, 1, 2, &r) == ALR_OK && r == 3);
    CHECK(wait_eof(s, 3000)); /* the server dropped it */
    close(s);
    s = raw_connect();
    w = send(s, "ALR\x01\x01\x00\x00\x00", 8, MSG_NOSIGNAL); /* a hello cut short */
    CHECK(rpctest_add(&ifc, 2, 2, &r) == ALR_OK && r == 4);
    CHECK(wait_eof(s, 5000)); /* the server's handshake deadline (1 s in rpc_server) */
    close(s);
    CHECK(rpctest_add(&ifc, 3, 2, &r) == ALR_OK && r == 5);
}

static void scenario_hang(alr_endpoint *ep)
{
    alr_timeout_push(120000);
    printf("CALLING\n");
    fflush(stdout);
    uint64_t t0 = now_ms();
    alr_err e = rpctest_u32_call(&ifc, RPCTEST_M_SLEEP_MS, 60000, NULL);
    uint64_t dt = now_ms() - t0;
    alr_timeout_pop();
    printf("call ended after %llu ms: %s (%s)\n", (unsigned long long)dt, alr_strerror(e),
           alr_last_error_text());
    CHECK(e == ALR_ECLOSED);
    CHECK(alr_endpoint_status(ep) == ALR_ECLOSED);
    uint64_t r;
    CHECK(rpctest_add(&ifc, 1, 1, &r) == ALR_ECLOSED);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: rpc_client BLOB.alrs ADDR basic|threads|load|hostile|hang [S]\n");
        return 2;
    }
    size_t len = 0;
    uint8_t *blob = read_file(argv[1], &len);
    if (!blob || !len) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    addr = argv[2];
    rpctest_iface_init(&ifc, blob, len, false);
    ctx.ifc = &ifc;
    alr_endpoint *ep = connect_ep();
    CHECK(ep != NULL);
    if (ep) {
        alr_endpoint_push(ep);
        const char *sc = argv[3];
        if (strcmp(sc, "basic") == 0)
            scenario_basic(ep);
        else if (strcmp(sc, "threads") == 0)
            scenario_threads(ep);
        else if (strcmp(sc, "load") == 0)
            scenario_load(argc > 4 ? (unsigned)atoi(argv[4]) : 2);
        else if (strcmp(sc, "hostile") == 0)
            scenario_hostile();
        else if (strcmp(sc, "hang") == 0)
            scenario_hang(ep);
        else
            CHECK(!"unknown scenario");
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    free(blob);
    TEST_MAIN_END();
}
