/*
 * test_rpc.c - endpoints, servers and calls (runtime/endpoint.c, call.c,
 * server.c, net.c) in one process over loopback: sync calls, arenas,
 * IPv4/IPv6/names, many threads on one endpoint, callbacks on the calling
 * thread, timeouts seen by the callee, ENOMETHOD, handler errors, hostile
 * bytes on the server's port, limits, closing under load.  The schema is
 * tests/rpc/rpctest.alr with the hand-written descriptors of
 * tests/rpc/rpctest.h.  Only the main thread uses CHECK.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alr/rpc.h"
#include "ast.h"
#include "diag.h"
#include "frame.h"
#include "handshake.h"
#include "load.h"
#include "lower.h"
#include "net.h"
#include "rpc/rpctest.h"
#include "rpc_internal.h"
#include "schema_ir.h"
#include "sema.h"
#include "compile_blob.h"
#include "test.h"

/* ------------------------------------------------------------ setup */

static uint8_t *blob1, *blob2;
static size_t len1, len2;
static alr_iface IF1, IF2;
static rpctest_ctx srv_ctx, cli_ctx;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1 << 16];
static size_t log_len;

static void log_fn(void *user, alr_log_level level, const char *msg)
{
    (void)user;
    pthread_mutex_lock(&log_mu);
    int n = snprintf(log_text + log_len, sizeof log_text - log_len, "[%d] %s\n", (int)level, msg);
    if (n > 0 && log_len + (size_t)n < sizeof log_text)
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_mu);
    if (getenv("RPC_TEST_LOG"))
        fprintf(stderr, "log[%d]: %s\n", (int)level, msg);
}

static bool log_has(const char *needle)
{
    pthread_mutex_lock(&log_mu);
    bool r = strstr(log_text, needle) != NULL;
    pthread_mutex_unlock(&log_mu);
    return r;
}

static void log_clear(void)
{
    pthread_mutex_lock(&log_mu);
    log_len = 0;
    log_text[0] = '\0';
    pthread_mutex_unlock(&log_mu);
}

/* Waits up to ms for log_has(needle). */
static bool log_wait(const char *needle, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 10) {
        if (log_has(needle))
            return true;
        rpctest_sleep_ms(10);
    }
    return log_has(needle);
}

static alr_config test_cfg(void)
{
    alr_config c;
    alr_config_init(&c);
    c.log = log_fn;
    c.call_timeout_ms = 10000;
    return c;
}

static alr_server *start_server(const char *addr, const alr_config *cfg)
{
    alr_server *srv = NULL;
    alr_config c = cfg ? *cfg : test_cfg();
    if (alr_server_new(&IF1, &c, &srv) != ALR_OK)
        return NULL;
    alr_server_serve(srv, RPCTEST_SVC_CALC, rpctest_calc_impl(), &srv_ctx);
    if (alr_server_listen(srv, addr) != ALR_OK) {
        fprintf(stderr, "listen %s: %s\n", addr, alr_last_error_text());
        alr_server_close(srv);
        return NULL;
    }
    return srv;
}

static alr_endpoint *connect_port(const char *host, uint16_t port, const alr_iface *ifc,
                                  const alr_config *cfg)
{
    char addr[128];
    snprintf(addr, sizeof addr, "%s:%u", host, port);
    alr_config c = cfg ? *cfg : test_cfg();
    alr_endpoint *ep = NULL;
    alr_err e = alr_endpoint_connect(addr, ifc, &c, &ep);
    if (e != ALR_OK)
        fprintf(stderr, "connect %s: %s: %s\n", addr, alr_strerror(e), alr_last_error_text());
    return ep;
}

/* ------------------------------------------------------------ raw sockets */

static int raw_connect(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static void raw_send(int s, const void *p, size_t n)
{
    ssize_t w = send(s, p, n, MSG_NOSIGNAL);
    (void)w;
}

/* Reads until the peer closes (true) or ms pass (false). */
static bool raw_wait_eof(int s, unsigned ms)
{
    uint64_t end = alri_now_ms() + ms;
    char buf[4096];
    for (;;) {
        uint64_t now = alri_now_ms();
        if (now >= end)
            return false;
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, (int)(end - now)) <= 0)
            return false;
        ssize_t r = recv(s, buf, sizeof buf, 0);
        if (r <= 0)
            return true;
    }
}

/* ------------------------------------------------------------ tests */

static void test_config_and_addresses(void)
{
    alr_config c;
    alr_config_init(&c);
    CHECK_EQ_INT(c.call_timeout_ms, 30000);
    CHECK_EQ_INT(c.handshake_timeout_ms, 10000);
    CHECK_EQ_INT(c.workers, 64);
    CHECK_EQ_INT(c.max_message, 64u * 1024 * 1024);
    CHECK(c.log == NULL);

    char host[ALRI_NET_HOST_MAX], port[ALRI_NET_PORT_MAX], err[200];
    CHECK(alri_net_split("127.0.0.1:80", host, port, err, sizeof err) == ALR_OK);
    CHECK_EQ_STR(host, "127.0.0.1");
    CHECK_EQ_STR(port, "80");
    CHECK(alri_net_split("[::1]:0", host, port, err, sizeof err) == ALR_OK);
    CHECK_EQ_STR(host, "::1");
    CHECK(alri_net_split(":9", host, port, err, sizeof err) == ALR_OK);
    CHECK_EQ_STR(host, "");
    CHECK(alri_net_split("::1:80", host, port, err, sizeof err) == ALR_EINVAL);
    CHECK(alri_net_split("host", host, port, err, sizeof err) == ALR_EINVAL);
    CHECK(alri_net_split("host:70000", host, port, err, sizeof err) == ALR_EINVAL);
    CHECK(alri_net_split("host:", host, port, err, sizeof err) == ALR_EINVAL);
    CHECK(alri_net_split("[::1]80", host, port, err, sizeof err) == ALR_EINVAL);

    alr_endpoint *ep = (alr_endpoint *)1;
    CHECK(alr_endpoint_connect("nonsense", &IF1, NULL, &ep) == ALR_EINVAL);
    CHECK(ep == NULL);
    /* a port nobody listens on */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &al);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(a.sin_port));
    CHECK(alr_endpoint_connect(addr, &IF1, NULL, &ep) == ALR_EIO);
    CHECK(strstr(alr_last_error_text(), "refused") != NULL);
    close(s);
    CHECK(alr_endpoint_connect("no-such-host.invalid:80", &IF1, NULL, &ep) == ALR_ENOTFOUND);

    /* an iface that does not describe its blob */
    alr_iface bad = IF1;
    bad.nmethods = 3;
    CHECK(alr_endpoint_connect("127.0.0.1:1", &bad, NULL, &ep) == ALR_EINVAL);
    alr_server *srv = NULL;
    CHECK(alr_server_new(&bad, NULL, &srv) == ALR_EINVAL);
    CHECK(srv == NULL);
    alr_endpoint_close(NULL);
    alr_server_close(NULL);

    /* no current endpoint */
    uint64_t r;
    CHECK(alr_endpoint_current() == NULL);
    CHECK(rpctest_add(&IF1, 1, 2, &r) == ALR_ENOENDPOINT);
    CHECK(strlen(alr_last_error_text()) > 0);
}

static void test_basic(void)
{
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    uint16_t port = alr_server_port(srv);
    CHECK(port != 0);
    alr_endpoint *ep = connect_port("127.0.0.1", port, &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    CHECK(alr_endpoint_status(ep) == ALR_OK);
    CHECK_EQ_STR(alr_endpoint_error(ep), "");
    CHECK(alr_endpoint_plan(ep) != NULL);
    CHECK(alr_endpoint_iface(ep) == &IF1);
    CHECK(alr_endpoint_iface(NULL) == NULL);
    alr_endpoint_push(ep);
    CHECK(alr_endpoint_current() == ep);
    uint64_t r = 0;
    CHECK(rpctest_add(&IF1, 20, 22, &r) == ALR_OK);
    CHECK_EQ_INT(r, 42);
    CHECK_EQ_STR(alr_last_error_text(), "");
    CHECK(rpctest_add(&IF1, UINT64_MAX, 1, &r) == ALR_OK);
    CHECK_EQ_INT(r, 0);

    alr_arena *arena = alr_arena_new();
    char *out = NULL;
    CHECK(rpctest_echo(&IF1, "hello, world", &out, arena) == ALR_OK);
    CHECK_EQ_STR(out, "hello, world");
    size_t big = 200000;
    char *s = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    s[big] = '\0';
    CHECK(rpctest_echo(&IF1, s, &out, arena) == ALR_OK);
    CHECK(out && strcmp(out, s) == 0);
    free(s);
    CHECK(rpctest_echo(&IF1, "", &out, arena) == ALR_OK);
    CHECK(out == NULL || out[0] == '\0');
    /* a string result needs an arena */
    CHECK(rpctest_echo(&IF1, "x", &out, NULL) == ALR_EINVAL);
    alr_arena_free(arena);

    CHECK(rpctest_noargs(&IF1, RPCTEST_M_PID, &r) == ALR_OK);
    CHECK_EQ_INT(r, getpid());
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_SLEEP_MS, 1, NULL) == ALR_OK);

    /* the wrong iface for the current endpoint */
    CHECK(rpctest_add(&IF2, 1, 2, &r) == ALR_EWRONGENDPOINT);
    CHECK(alr_call_sync(&IF1, 99, NULL, NULL, NULL) == ALR_EINVAL);

    /* latency of a sync round trip */
    unsigned n = 20000;
    uint64_t t0 = alri_now_ms();
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += rpctest_add(&IF1, i, 1, &r) == ALR_OK && r == i + 1u;
    uint64_t dt = alri_now_ms() - t0;
    CHECK_EQ_INT(ok, n);
    printf("sync round trip on loopback: %.1f us (%u calls in %llu ms)\n",
           dt * 1000.0 / n, n, (unsigned long long)dt);
    alr_endpoint_pop();
    CHECK(alr_endpoint_current() == NULL);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

static void test_v6_and_names(void)
{
    alr_server *srv = start_server("[::1]:0", NULL);
    if (!srv) {
        printf("skipped: no IPv6 loopback\n");
    } else {
        alr_endpoint *ep = connect_port("[::1]", alr_server_port(srv), &IF1, NULL);
        CHECK(ep != NULL);
        if (ep) {
            CHECK(strstr(ep->peer, "[::1]:") == ep->peer);
            alr_endpoint_push(ep);
            uint64_t r = 0;
            CHECK(rpctest_add(&IF1, 2, 3, &r) == ALR_OK);
            CHECK_EQ_INT(r, 5);
            alr_endpoint_pop();
            alr_endpoint_close(ep);
        }
        alr_server_close(srv);
    }
    /* wildcard (dual stack where available), reached through a name */
    srv = start_server(":0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    uint16_t port = alr_server_port(srv);
    const char *hosts[] = {"localhost", "127.0.0.1"};
    for (unsigned i = 0; i < 2; i++) {
        alr_endpoint *ep = connect_port(hosts[i], port, &IF1, NULL);
        CHECK(ep != NULL);
        if (!ep)
            continue;
        alr_endpoint_push(ep);
        uint64_t r = 0;
        CHECK(rpctest_add(&IF1, 40, 2, &r) == ALR_OK);
        CHECK_EQ_INT(r, 42);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    alr_server_close(srv);
}

static void test_errors(void)
{
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    alr_endpoint_push(ep);
    /* the server has the method but does not serve its service */
    CHECK(alr_call_sync(&IF1, RPCTEST_M_NOTHING, NULL, NULL, NULL) == ALR_ENOMETHOD);
    CHECK(strstr(alr_last_error_text(), "not served") != NULL);
    /* handler errors */
    CHECK(rpctest_fail(&IF1, 1) == ALR_EAPP);
    CHECK_EQ_INT(alr_last_app_code(), RPCTEST_CalcError_too_big);
    CHECK_EQ_STR(alr_last_error_text(), "1 is too big");
    CHECK(rpctest_fail(&IF1, 2) == ALR_EINVAL);
    CHECK_EQ_INT(alr_last_app_code(), 0);
    CHECK_EQ_STR(alr_last_error_text(), "bad how 2");
    CHECK(rpctest_fail(&IF1, 3) == ALR_EAPP);
    CHECK_EQ_INT(alr_last_app_code(), RPCTEST_CalcError_negative);
    CHECK_EQ_STR(alr_last_error_text(), alr_strerror(ALR_EAPP)); /* no text: the code's */
    CHECK(rpctest_fail(&IF1, 0) == ALR_OK);
    CHECK_EQ_INT(alr_last_app_code(), 0);
    CHECK_EQ_STR(alr_last_error_text(), "");
    /* a NULL entry in the handler table */
    static rpctest_Calc_handlers partial;
    partial = *rpctest_calc_impl();
    partial.pid = NULL;
    alr_server *srv2 = NULL;
    alr_config c2 = test_cfg();
    CHECK(alr_server_new(&IF1, &c2, &srv2) == ALR_OK);
    CHECK(alr_server_serve(srv2, RPCTEST_SVC_CALC, &partial, &srv_ctx) == ALR_OK);
    CHECK(alr_server_serve(srv2, 9, &partial, &srv_ctx) == ALR_EINVAL);
    CHECK(alr_server_listen(srv2, "127.0.0.1:0") == ALR_OK);
    CHECK(alr_server_serve(srv2, RPCTEST_SVC_CALC, &partial, &srv_ctx) == ALR_EINVAL);
    alr_endpoint *ep2 = connect_port("127.0.0.1", alr_server_port(srv2), &IF1, NULL);
    CHECK(ep2 != NULL);
    if (ep2) {
        alr_endpoint_push(ep2);
        uint64_t pid = 0;
        CHECK(rpctest_noargs(&IF1, RPCTEST_M_PID, &pid) == ALR_ENOMETHOD);
        CHECK_EQ_STR(alr_last_error_text(), "rpctest.Calc.pid has no handler here");
        CHECK(rpctest_add(&IF1, 1, 1, &pid) == ALR_OK && pid == 2);
        alr_endpoint_pop();
        alr_endpoint_close(ep2);
    }
    alr_server_close(srv2);
    /* a callback the client does not serve */
    uint64_t r = 0;
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_CALL_BACK, 1, &r) == ALR_ENOMETHOD);
    CHECK(strstr(alr_last_error_text(), "callback failed") != NULL);
    CHECK(alr_endpoint_status(ep) == ALR_OK);
    alr_endpoint_pop();
    alr_endpoint_close(ep);

    /* a newer client: its extra method is absent on the server, so it
     * fails without a frame being sent; the shared ones work */
    ep = connect_port("127.0.0.1", alr_server_port(srv), &IF2, NULL);
    CHECK(ep != NULL);
    if (ep) {
        alr_endpoint_push(ep);
        unsigned long sent = atomic_load(&ep->frames_sent);
        rpctest_newer_args na = {7};
        rpctest_u64_ret nr;
        CHECK(alr_call_sync(&IF2, RPCTEST_M_NEWER, &na, &nr, NULL) == ALR_ENOMETHOD);
        CHECK(strstr(alr_last_error_text(), "rpctest.Zeta.newer") != NULL);
        CHECK_EQ_INT(atomic_load(&ep->frames_sent), sent);
        CHECK(rpctest_add(&IF2, 1, 2, &r) == ALR_OK);
        CHECK_EQ_INT(r, 3);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    alr_server_close(srv);
}

/* ---- many threads on one endpoint ---- */

typedef struct {
    alr_endpoint *ep;
    unsigned n, ok;
    uint32_t method;
    uint64_t t_ms;
} worker_arg;

static void *sleeper(void *p)
{
    worker_arg *w = p;
    alr_endpoint_push(w->ep);
    uint64_t t0 = alri_now_ms();
    w->ok = rpctest_u32_call(&IF1, RPCTEST_M_SLEEP_MS, 1000, NULL) == ALR_OK;
    w->t_ms = alri_now_ms() - t0;
    alr_endpoint_pop();
    return NULL;
}

static void *adder(void *p)
{
    worker_arg *w = p;
    alr_endpoint_push(w->ep);
    for (unsigned i = 0; i < w->n; i++) {
        uint64_t r = 0;
        if (rpctest_add(&IF1, i, (uintptr_t)w, &r) == ALR_OK && r == i + (uintptr_t)w)
            w->ok++;
    }
    alr_endpoint_pop();
    return NULL;
}

static void test_many_threads(void)
{
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    enum { N = 10 };
    pthread_t th[N];
    worker_arg w[N];
    uint64_t t0 = alri_now_ms();
    for (int i = 0; i < N; i++) {
        w[i] = (worker_arg){.ep = ep};
        pthread_create(&th[i], NULL, sleeper, &w[i]);
    }
    unsigned ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    uint64_t dt = alri_now_ms() - t0;
    CHECK_EQ_INT(ok, N);
    printf("%d threads x 1-second call on one endpoint: %llu ms\n", N, (unsigned long long)dt);
    CHECK(dt < 5000); /* acceptance: ~1 s; generous for loaded machines and sanitizers */
    CHECK(ep->nslots >= N); /* each thread had its own slot */

    enum { M = 8 };
    pthread_t th2[M];
    worker_arg w2[M];
    for (int i = 0; i < M; i++) {
        w2[i] = (worker_arg){.ep = ep, .n = 300};
        pthread_create(&th2[i], NULL, adder, &w2[i]);
    }
    ok = 0;
    for (int i = 0; i < M; i++) {
        pthread_join(th2[i], NULL);
        ok += w2[i].ok;
    }
    CHECK_EQ_INT(ok, M * 300);
    CHECK(alr_endpoint_status(ep) == ALR_OK);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ---- callbacks run on the calling thread ---- */

static _Thread_local unsigned tl_notified;

/* notify for concurrent callers: counts per thread (no shared writes) */
static alr_err notify_counting(alr_call *c, uint32_t n, uint64_t *ret)
{
    rpctest_ctx *x = alr_call_user(c);
    tl_notified++;
    uint64_t v = n;
    if (n > 0) {
        alr_err e = rpctest_add(x->ifc, n, 1, &v);
        if (e != ALR_OK)
            return e;
    }
    *ret = v + 1;
    return ALR_OK;
}

static const rpctest_CalcClient_handlers counting_client = {notify_counting};

static void *call_backer(void *p)
{
    worker_arg *w = p;
    alr_endpoint_push(w->ep);
    tl_notified = 0;
    for (unsigned i = 0; i < w->n; i++) {
        uint64_t r = 0;
        if (rpctest_u32_call(&IF1, RPCTEST_M_CALL_BACK, i % 3, &r) == ALR_OK &&
            r == 1000 + (i % 3 ? i % 3 + 2 : 1))
            w->ok++;
    }
    w->t_ms = tl_notified; /* every callback ran on this thread */
    alr_endpoint_pop();
    return NULL;
}

static void test_callback(void)
{
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    CHECK(alr_endpoint_serve(ep, RPCTEST_SVC_CALCCLIENT, rpctest_client_impl(), &cli_ctx) ==
          ALR_OK);
    CHECK(alr_endpoint_serve(ep, 17, rpctest_client_impl(), &cli_ctx) == ALR_EINVAL);
    alr_endpoint_push(ep);
    atomic_store(&cli_ctx.notify_calls, 0);
    atomic_store(&srv_ctx.handler_ep_ok, 0);
    uint64_t r = 0;
    /* call_back(0): the server calls notify(0) on this thread: 1000 + 1 */
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_CALL_BACK, 0, &r) == ALR_OK);
    CHECK_EQ_INT(r, 1001);
    CHECK_EQ_INT(atomic_load(&cli_ctx.notify_calls), 1);
    CHECK(pthread_equal(cli_ctx.notify_thread, pthread_self()));
    CHECK_EQ_INT(atomic_load(&srv_ctx.handler_ep_ok), 1);
    /* call_back(5): notify(5) calls add(5, 1) back on the server from inside
     * the callback (served by the server thread that waits for notify) */
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_CALL_BACK, 5, &r) == ALR_OK);
    CHECK_EQ_INT(r, 1007);
    CHECK(pthread_equal(cli_ctx.notify_thread, pthread_self()));
    alr_endpoint_pop();

    /* several threads at once: each one's callbacks run on itself */
    CHECK(alr_endpoint_serve(ep, RPCTEST_SVC_CALCCLIENT, &counting_client, &cli_ctx) == ALR_OK);
    enum { N = 4 };
    pthread_t th[N];
    worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker_arg){.ep = ep, .n = 100};
        pthread_create(&th[i], NULL, call_backer, &w[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].ok, 100);
        CHECK_EQ_INT(w[i].t_ms, 100);
    }
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ---- timeouts ---- */

static void test_timeouts(void)
{
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    alr_endpoint_push(ep);
    atomic_store(&srv_ctx.timeouts_seen, 0);
    uint64_t r = 0, t0 = alri_now_ms();
    alr_timeout_push(200);
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_WAIT_TIMEOUT, 5000, &r) == ALR_ETIMEDOUT);
    alr_timeout_pop();
    uint64_t dt = alri_now_ms() - t0;
    CHECK(dt >= 190 && dt < 2000);
    CHECK(strstr(alr_last_error_text(), "200 ms") != NULL);
    /* the callee observes its deadline (the CANCEL) */
    for (int i = 0; i < 300 && atomic_load(&srv_ctx.timeouts_seen) == 0; i++)
        rpctest_sleep_ms(10);
    CHECK_EQ_INT(atomic_load(&srv_ctx.timeouts_seen), 1);
    /* the late reply was discarded; the endpoint is healthy */
    CHECK(rpctest_add(&IF1, 1, 1, &r) == ALR_OK);
    CHECK_EQ_INT(r, 2);
    CHECK(rpctest_noargs(&IF1, RPCTEST_M_TIMEOUTS_SEEN, &r) == ALR_OK);
    CHECK_EQ_INT(r, 1);
    /* nested scopes */
    alr_timeout_push(5000);
    alr_timeout_push(100);
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_SLEEP_MS, 1000, NULL) == ALR_ETIMEDOUT);
    alr_timeout_pop();
    CHECK(rpctest_u32_call(&IF1, RPCTEST_M_SLEEP_MS, 10, NULL) == ALR_OK);
    alr_timeout_pop();
    alr_endpoint_pop();
    alr_endpoint_close(ep);

    /* config.call_timeout_ms as the default; a late reply arrives after
     * the caller gave up and must not be taken for a newer call's */
    alr_config c = test_cfg();
    c.call_timeout_ms = 150;
    ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, &c);
    CHECK(ep != NULL);
    if (ep) {
        alr_endpoint_push(ep);
        CHECK(rpctest_u32_call(&IF1, RPCTEST_M_WAIT_TIMEOUT, 400, &r) == ALR_ETIMEDOUT);
        unsigned ok = 0;
        for (int i = 0; i < 40; i++) { /* spans the late reply */
            ok += rpctest_add(&IF1, (uint64_t)i, 100, &r) == ALR_OK && r == (uint64_t)i + 100;
            rpctest_sleep_ms(10);
        }
        CHECK_EQ_INT(ok, 40);
        CHECK(alr_endpoint_status(ep) == ALR_OK);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    alr_server_close(srv);
}

/* ---- hostile bytes on the server's port ---- */

static void check_still_works(alr_endpoint *ep, const char *what)
{
    uint64_t r = 0;
    alr_endpoint_push(ep);
    alr_err e = rpctest_add(&IF1, 3, 4, &r);
    alr_endpoint_pop();
    if (e != ALR_OK || r != 7)
        fprintf(stderr, "after %s: %s\n", what, alr_strerror(e));
    CHECK(e == ALR_OK && r == 7);
}

static bool hostile_inline; /* the server runs calls on its readers (inline_calls) */

static void test_hostile_peers(void)
{
    alr_config cfg = test_cfg();
    cfg.handshake_timeout_ms = 300;
    cfg.inline_calls = hostile_inline;
    alr_server *srv = start_server("127.0.0.1:0", &cfg);
    CHECK(srv != NULL);
    if (!srv)
        return;
    uint16_t port = alr_server_port(srv);
    alr_endpoint *good = connect_port("127.0.0.1", port, &IF1, NULL);
    CHECK(good != NULL);
    if (!good) {
        alr_server_close(srv);
        return;
    }
    check_still_works(good, "connect");

    /* 1. not an ALR peer at all */
    log_clear();
    int s = raw_connect(port);
    CHECK(s >= 0);
    raw_send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    CHECK(raw_wait_eof(s, 3000));
    close(s);
    CHECK(log_wait("bad hello magic", 2000));
    CHECK(log_has("handshake failed: peer=127.0.0.1:"));
    check_still_works(good, "garbage");

    /* 2. a truncated hello: the handshake deadline closes it */
    alr_buf hello = {0};
    CHECK(alri_hello_encode(&hello, ALR_ROLE_CONNECTOR, 0, blob1, len1) == ALR_OK);
    log_clear();
    s = raw_connect(port);
    raw_send(s, hello.data, 20);
    uint64_t t0 = alri_now_ms();
    CHECK(raw_wait_eof(s, 3000));
    CHECK(alri_now_ms() - t0 >= 200);
    close(s);
    CHECK(log_wait("no complete hello within 300 ms", 2000));
    check_still_works(good, "truncated hello");

    /* 3. a valid hello, then a frame of a reserved kind */
    log_clear();
    s = raw_connect(port);
    raw_send(s, hello.data, hello.len);
    static const uint8_t bad_frame[] = {0x02, 0x0C, 0x00};
    raw_send(s, bad_frame, sizeof bad_frame);
    CHECK(raw_wait_eof(s, 3000));
    close(s);
    CHECK(log_wait("invalid frame from the peer", 2000));
    check_still_works(good, "bad frame");

    /* 4. a valid hello, then a CALL of add whose body does not decode */
    log_clear();
    s = raw_connect(port);
    raw_send(s, hello.data, hello.len);
    static const uint8_t bad_body[] = {0x04, 0x20, 0x00, 0x00, 0x00}; /* 00 is reserved */
    raw_send(s, bad_body, sizeof bad_body);
    CHECK(raw_wait_eof(s, 3000));
    close(s);
    CHECK(log_wait("undecodable arguments for rpctest.Calc.add", 2000));
    check_still_works(good, "bad body");

    /* 5. a frame announcing more than max_message */
    log_clear();
    s = raw_connect(port);
    raw_send(s, hello.data, hello.len);
    static const uint8_t huge[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x20, 0x00, 0x00};
    raw_send(s, huge, sizeof huge);
    CHECK(raw_wait_eof(s, 3000));
    close(s);
    CHECK(log_wait("invalid frame from the peer: limit exceeded", 2000));

    /* 6. a well-formed call from a raw peer is answered */
    s = raw_connect(port);
    raw_send(s, hello.data, hello.len);
    static const uint8_t add_call[] = {0x05, 0x20, 0x00, 0x00, 0x14, 0x16}; /* add(20, 22) */
    raw_send(s, add_call, sizeof add_call);
    uint8_t buf[8192];
    size_t got = 0;
    uint64_t end = alri_now_ms() + 3000;
    /* the server's hello, then 03 24 00 2A */
    while (alri_now_ms() < end) {
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            ssize_t r = recv(s, buf + got, sizeof buf - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got >= 4 && memcmp(buf + got - 4, "\x03\x24\x00\x2A", 4) == 0)
            break;
    }
    CHECK(got >= 4 && memcmp(buf + got - 4, "\x03\x24\x00\x2A", 4) == 0);
    close(s);
    free(hello.data);

    check_still_works(good, "everything");
    CHECK(alr_endpoint_status(good) == ALR_OK);
    /* a new client is still accepted */
    alr_endpoint *again = connect_port("127.0.0.1", port, &IF1, NULL);
    CHECK(again != NULL);
    if (again)
        check_still_works(again, "reconnect");
    alr_endpoint_close(again);
    alr_endpoint_close(good);
    /* the server reaps every connection that ended */
    unsigned live = 99;
    for (int i = 0; i < 200 && live; i++) {
        pthread_mutex_lock(&srv->mu);
        live = 0;
        for (alr_endpoint *e = srv->conns; e; e = e->snext)
            live++;
        pthread_mutex_unlock(&srv->mu);
        if (live)
            rpctest_sleep_ms(10);
    }
    CHECK_EQ_INT(live, 0);
    alr_server_close(srv);
}

/* ---- a hostile server ---- */

typedef struct {
    int lfd;
    const void *send;
    size_t len;
    unsigned hold_ms;
} fake_server;

static void *fake_serve(void *p)
{
    fake_server *f = p;
    int s = accept(f->lfd, NULL, NULL);
    if (s >= 0) {
        if (f->len)
            raw_send(s, f->send, f->len);
        raw_wait_eof(s, f->hold_ms);
        close(s);
    }
    return NULL;
}

static void test_hostile_server(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(lfd, 4) == 0);
    getsockname(lfd, (struct sockaddr *)&a, &al);
    uint16_t port = ntohs(a.sin_port);

    /* garbage instead of a hello */
    fake_server f = {lfd, "SSH-2.0-OpenSSH_9.2\r\n", 21, 2000};
    pthread_t th;
    pthread_create(&th, NULL, fake_serve, &f);
    alr_config c = test_cfg();
    c.handshake_timeout_ms = 1000;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    alr_endpoint *ep = NULL;
    CHECK(alr_endpoint_connect(addr, &IF1, &c, &ep) == ALR_EPROTO);
    CHECK(ep == NULL);
    CHECK(strstr(alr_last_error_text(), "bad hello magic") != NULL);
    pthread_join(th, NULL);

    /* silence: the handshake deadline */
    f = (fake_server){lfd, NULL, 0, 2000};
    pthread_create(&th, NULL, fake_serve, &f);
    c.handshake_timeout_ms = 200;
    uint64_t t0 = alri_now_ms();
    CHECK(alr_endpoint_connect(addr, &IF1, &c, &ep) == ALR_ETIMEDOUT);
    CHECK(alri_now_ms() - t0 < 1500);
    pthread_join(th, NULL);

    /* another connector (both sides connectors) */
    alr_buf hello = {0};
    alri_hello_encode(&hello, ALR_ROLE_CONNECTOR, 0, blob1, len1);
    f = (fake_server){lfd, hello.data, hello.len, 2000};
    pthread_create(&th, NULL, fake_serve, &f);
    c.handshake_timeout_ms = 1000;
    CHECK(alr_endpoint_connect(addr, &IF1, &c, &ep) == ALR_EPROTO);
    CHECK(strstr(alr_last_error_text(), "both sides are connectors") != NULL);
    pthread_join(th, NULL);
    free(hello.data);
    close(lfd);
}

/* ---- a server that turns hostile after the handshake ---- */

typedef struct {
    int lfd;
    const uint8_t *script; /* sent once the client's first call has arrived */
    size_t len;
} scripted_server;

static void *scripted_serve(void *p)
{
    scripted_server *f = p;
    int s = accept(f->lfd, NULL, NULL);
    if (s < 0)
        return NULL;
    alr_buf hello = {0};
    alri_hello_encode(&hello, ALR_ROLE_ACCEPTOR, 0, blob1, len1);
    raw_send(s, hello.data, hello.len);
    free(hello.data);
    /* the client's hello, then its first frame */
    size_t want = ALRI_HELLO_HEADER_SIZE + len1 + 3, got = 0;
    uint8_t buf[8192];
    uint64_t end = alri_now_ms() + 3000;
    while (got < want && alri_now_ms() < end) {
        struct pollfd pf = {s, POLLIN, 0};
        if (poll(&pf, 1, 50) > 0) {
            ssize_t r = recv(s, buf, sizeof buf, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
    }
    raw_send(s, f->script, f->len);
    raw_wait_eof(s, 3000);
    close(s);
    return NULL;
}

static void test_hostile_server_frames(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(lfd, 4) == 0);
    getsockname(lfd, (struct sockaddr *)&a, &al);
    uint16_t port = ntohs(a.sin_port);
    static const struct {
        const char *what;
        uint8_t bytes[8];
        size_t len;
        alr_err call, status;
        const char *text;
    } cases[] = {
        /* a reserved frame kind while the call waits */
        {"bad frame", {0x02, 0x0C, 0x00}, 3, ALR_EFAULTED, ALR_EPROTO, "invalid frame"},
        /* REPLY slot 0 call 0 whose body does not decode as add's result */
        {"bad reply", {0x03, 0x04, 0x00, 0x00}, 4, ALR_EPROTO, ALR_EPROTO, "undecodable reply"},
        /* an answer to a call nobody made */
        {"stray reply", {0x03, 0x04, 0x09, 0x2A}, 4, ALR_EFAULTED, ALR_EPROTO, "not pending"},
        /* the peer reports a failed oneway call */
        {"fault", {0x04, 0x07, 0x00, 0x0C, 0x00}, 5, ALR_EFAULTED, ALR_EFAULTED, "oneway"},
        /* an orderly CLOSE */
        {"close", {0x02, 0x0A, 0x00}, 3, ALR_ECLOSED, ALR_ECLOSED, "closed the connection"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scripted_server f = {lfd, cases[i].bytes, cases[i].len};
        pthread_t th;
        pthread_create(&th, NULL, scripted_serve, &f);
        alr_endpoint *ep = connect_port("127.0.0.1", port, &IF1, NULL);
        CHECK(ep != NULL);
        if (ep) {
            alr_endpoint_push(ep);
            uint64_t r = 0, t0 = alri_now_ms();
            alr_err e = rpctest_add(&IF1, 1, 2, &r);
            if (e != cases[i].call)
                fprintf(stderr, "%s: %s\n", cases[i].what, alr_strerror(e));
            CHECK(e == cases[i].call);
            CHECK(alri_now_ms() - t0 < 2000);
            CHECK(alr_endpoint_status(ep) == cases[i].status);
            if (!strstr(alr_endpoint_error(ep), cases[i].text))
                fprintf(stderr, "%s: %s\n", cases[i].what, alr_endpoint_error(ep));
            CHECK(strstr(alr_endpoint_error(ep), cases[i].text) != NULL);
            /* later calls fail fast */
            CHECK(rpctest_add(&IF1, 1, 2, &r) == (cases[i].status == ALR_ECLOSED ? ALR_ECLOSED
                                                                                : ALR_EFAULTED));
            alr_endpoint_pop();
            alr_endpoint_close(ep);
        }
        pthread_join(th, NULL);
    }
    close(lfd);
}

/* ---- limits ---- */

static void test_limits(void)
{
    alr_config sc = test_cfg();
    sc.max_message = 4096;
    alr_server *srv = start_server("127.0.0.1:0", &sc);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_config cc = test_cfg();
    cc.max_message = 1000;
    alr_endpoint *small = connect_port("127.0.0.1", alr_server_port(srv), &IF1, &cc);
    alr_endpoint *big = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(small && big);
    if (small && big) {
        char s[8000];
        memset(s, 'x', sizeof s - 1);
        s[sizeof s - 1] = '\0';
        alr_arena *arena = alr_arena_new();
        char *out;
        /* refused locally, nothing sent */
        alr_endpoint_push(small);
        s[2000] = '\0';
        CHECK(rpctest_echo(&IF1, s, &out, arena) == ALR_ELIMIT);
        CHECK(alr_endpoint_status(small) == ALR_OK);
        s[2000] = 'x';
        alr_endpoint_pop();
        /* past the server's limit: the server drops the connection */
        log_clear();
        alr_endpoint_push(big);
        CHECK(rpctest_echo(&IF1, s, &out, arena) == ALR_ECLOSED);
        CHECK(alr_endpoint_status(big) == ALR_ECLOSED);
        CHECK(rpctest_echo(&IF1, "x", &out, arena) == ALR_ECLOSED);
        alr_endpoint_pop();
        CHECK(log_wait("limit exceeded", 2000));
        alr_arena_free(arena);
    }
    alr_endpoint_close(small);
    alr_endpoint_close(big);
    alr_server_close(srv);
}

/* ---- closing under load ---- */

typedef struct {
    alr_endpoint *ep;
    alr_err e;
    uint64_t done_ms;
} close_arg;

static void *long_call(void *p)
{
    close_arg *a = p;
    alr_endpoint_push(a->ep);
    a->e = rpctest_u32_call(&IF1, RPCTEST_M_SLEEP_MS, 4000, NULL);
    a->done_ms = alri_now_ms();
    alr_endpoint_pop();
    return NULL;
}

static void test_close_mid_call(void)
{
    /* the server goes away while a call runs */
    alr_server *srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    close_arg a = {ep, ALR_OK, 0};
    pthread_t th;
    pthread_create(&th, NULL, long_call, &a);
    rpctest_sleep_ms(200);
    uint64_t t0 = alri_now_ms();
    alr_server_close(srv);
    uint64_t t_close = alri_now_ms() - t0;
    pthread_join(th, NULL);
    CHECK(a.e == ALR_ECLOSED);
    CHECK(a.done_ms - t0 < 1500);
    printf("server closed mid-call: caller failed after %llu ms, close took %llu ms\n",
           (unsigned long long)(a.done_ms - t0), (unsigned long long)t_close);
    CHECK(alr_endpoint_status(ep) == ALR_ECLOSED);
    CHECK(strlen(alr_endpoint_error(ep)) > 0);
    alr_endpoint_push(ep);
    uint64_t r;
    CHECK(rpctest_add(&IF1, 1, 1, &r) == ALR_ECLOSED);
    alr_endpoint_pop();
    alr_endpoint_close(ep);

    /* the client closes its endpoint while another thread waits on it */
    srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    ep = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep != NULL);
    if (ep) {
        a = (close_arg){ep, ALR_OK, 0};
        pthread_create(&th, NULL, long_call, &a);
        rpctest_sleep_ms(200);
        t0 = alri_now_ms();
        alr_endpoint_close(ep);
        pthread_join(th, NULL);
        CHECK(a.e == ALR_ECLOSED);
        CHECK(a.done_ms - t0 < 1500);
    }
    /* the server notices and still serves others */
    alr_endpoint *ep2 = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
    CHECK(ep2 != NULL);
    if (ep2)
        check_still_works(ep2, "client close");
    alr_endpoint_close(ep2);
    alr_server_close(srv);

    /* many connections and idle threads, closed all at once */
    srv = start_server("127.0.0.1:0", NULL);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *eps[8];
    for (int i = 0; i < 8; i++) {
        eps[i] = connect_port("127.0.0.1", alr_server_port(srv), &IF1, NULL);
        CHECK(eps[i] != NULL);
        if (eps[i])
            check_still_works(eps[i], "many");
    }
    alr_server_close(srv);
    for (int i = 0; i < 8; i++)
        alr_endpoint_close(eps[i]);
}

int main(void)
{
    blob1 = compile_path("tests/rpc/rpctest.alr", &len1);
    blob2 = compile_path("tests/rpc/rpctest_v2.alr", &len2);
    if (!blob1 || !blob2) {
        fprintf(stderr, "cannot compile tests/rpc/rpctest*.alr (run from the repository root)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    rpctest_iface_init(&IF1, blob1, len1, false);
    rpctest_iface_init(&IF2, blob2, len2, true);
    srv_ctx.ifc = &IF1;
    cli_ctx.ifc = &IF1;

    TEST_RUN(test_config_and_addresses);
    TEST_RUN(test_basic);
    TEST_RUN(test_v6_and_names);
    TEST_RUN(test_errors);
    TEST_RUN(test_many_threads);
    TEST_RUN(test_callback);
    TEST_RUN(test_timeouts);
    TEST_RUN(test_hostile_peers);
    hostile_inline = true; /* the same bytes against a server running calls inline */
    TEST_RUN(test_hostile_peers);
    hostile_inline = false;
    TEST_RUN(test_hostile_server);
    TEST_RUN(test_hostile_server_frames);
    TEST_RUN(test_limits);
    TEST_RUN(test_close_mid_call);

    free(blob1);
    free(blob2);
    TEST_MAIN_END();
}
