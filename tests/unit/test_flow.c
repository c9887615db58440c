/*
 * test_flow.c - batching, flow control and statistics of the write path
 * (runtime/endpoint.c "the write path"), the async cap (async.c) and the
 * latency recorder (latency.c), in one process over loopback.  Assertions
 * are on counters (alr_endpoint_stats), never on timings:
 *  - a one-way flood from one thread takes < 1 socket write per 1000 calls;
 *  - a lone sync (and async) call on an idle connection is written at once
 *    by its caller, in one write;
 *  - a producer against a peer that does not read (then reads slowly) is
 *    throttled: staged bytes never exceed the endpoint budget, a call whose
 *    deadline passes gets ALR_ETIMEDOUT, and once the peer reads every call
 *    completes;
 *  - max_async_outstanding: the call past the cap gets ALR_EAGAIN;
 *  - percentiles of the latency recorder on known data.
 * The schema is compiled from text; descriptors are written by hand.
 * Only the main thread uses CHECK.
 */
#include <poll.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alr/rpc.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "lower.h"
#include "net.h"
#include "rpc_internal.h"
#include "schema_ir.h"
#include "sema.h"
#include "test.h"

#define FIXTURE_PKG "flowtest"
#include "svc_fixture.h"

static alr_server *srv;
static uint16_t port;

static alr_server *start_server(void)
{
    alr_server *s = NULL;
    alr_config c;
    alr_config_init(&c);
    if (alr_server_new(&IF, &c, &s) != ALR_OK)
        return NULL;
    alr_server_serve(s, 0, &HANDLERS, NULL);
    if (alr_server_listen(s, "127.0.0.1:0") != ALR_OK) {
        alr_server_close(s);
        return NULL;
    }
    return s;
}

#define WAIT_FOR(cond, ms)                                            \
    do {                                                              \
        for (unsigned w_ = 0; w_ < (ms) && !(cond); w_ += 2)          \
            sleep_ms(2);                                              \
    } while (0)

static alr_endpoint *connect_cfg(const alr_config *c)
{
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    alr_endpoint *ep = NULL;
    if (alr_endpoint_connect(addr, &IF, c, &ep) != ALR_OK)
        fprintf(stderr, "connect: %s\n", alr_last_error_text());
    return ep;
}

static alr_stats stats_of(alr_endpoint *ep)
{
    alr_stats s;
    memset(&s, 0, sizeof s);
    alr_endpoint_stats(ep, &s);
    return s;
}

/* ------------------------------------------------------------ batching */

#define FLOOD 200000u

static void test_flood(void)
{
    alr_config c;
    alr_config_init(&c);
    c.flush_delay_us = 100000; /* a slow (sanitized) producer still fills big batches */
    alr_endpoint *ep = connect_cfg(&c);
    CHECK(ep != NULL);
    if (!ep)
        return;
    alr_endpoint_push(ep);
    atomic_store(&logs_run, 0);
    alr_stats s0 = stats_of(ep);
    unsigned ok = 0;
    for (uint32_t i = 0; i < FLOOD; i++) {
        u32_args a = {i == 666 ? 1 : i};
        ok += alr_call_oneway(&IF, M_LOG, &a) == ALR_OK;
    }
    CHECK_EQ_INT(ok, FLOOD);
    WAIT_FOR(atomic_load(&logs_run) == (int)FLOOD, 60000);
    CHECK_EQ_INT(atomic_load(&logs_run), FLOOD);
    /* the writer counts a batch after its sendmsg returns, which can be after
     * the peer has already run it: let the counters settle */
    alr_stats s1;
    WAIT_FOR((s1 = stats_of(ep)).staged_bytes == 0 && s1.messages_sent - s0.messages_sent >= FLOOD,
             10000);
    s1 = stats_of(ep);
    uint64_t writes = s1.writes - s0.writes;
    printf("  flood: %u oneway calls, %llu writes, %llu batches (%llu by the flusher, %llu "
           "inline), staged max %llu bytes\n",
           FLOOD, (unsigned long long)writes, (unsigned long long)(s1.batches - s0.batches),
           (unsigned long long)(s1.flusher_flushes - s0.flusher_flushes),
           (unsigned long long)(s1.inline_flushes - s0.inline_flushes),
           (unsigned long long)s1.staged_bytes_max);
    CHECK_EQ_INT(s1.messages_sent - s0.messages_sent, FLOOD);
    CHECK(writes * 1000u < FLOOD); /* < 1 write per 1000 calls */
    uint64_t big = 0; /* batches of 1024 frames or more */
    for (unsigned i = 10; i < ALR_STATS_BATCH_BUCKETS; i++)
        big += s1.batch_frames[i];
    CHECK(big > 0);
    CHECK_EQ_INT(s1.staged_bytes, 0);
    CHECK(s1.bytes_sent > s0.bytes_sent);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_pop();
    alr_endpoint_close(ep);

    /* the same with the default knobs: printed, not asserted */
    ep = connect_cfg(NULL);
    CHECK(ep != NULL);
    if (!ep)
        return;
    alr_endpoint_push(ep);
    atomic_store(&logs_run, 0);
    s0 = stats_of(ep);
    for (uint32_t i = 0; i < FLOOD; i++) {
        u32_args a = {i == 666 ? 1 : i};
        (void)alr_call_oneway(&IF, M_LOG, &a);
    }
    WAIT_FOR(atomic_load(&logs_run) == (int)FLOOD, 60000);
    s1 = stats_of(ep);
    printf("  flood, default knobs: %u oneway calls, %llu writes\n", FLOOD,
           (unsigned long long)(s1.writes - s0.writes));
    alr_endpoint_pop();
    alr_endpoint_close(ep);
}

static void test_lone_calls(void)
{
    alr_endpoint *ep = connect_cfg(NULL);
    CHECK(ep != NULL);
    if (!ep)
        return;
    alr_endpoint_push(ep);
    sleep_ms(5); /* idle */
    alr_stats s0 = stats_of(ep);
    add_args a = {20, 22};
    u64_ret r = {0};
    CHECK_EQ_INT(alr_call_sync(&IF, M_ADD, &a, &r, NULL), ALR_OK);
    CHECK_EQ_INT(r.ret, 42);
    alr_stats s1 = stats_of(ep);
    CHECK_EQ_INT(s1.messages_sent - s0.messages_sent, 1);
    CHECK_EQ_INT(s1.writes - s0.writes, 1);
    CHECK_EQ_INT(s1.inline_flushes - s0.inline_flushes, 1); /* by the caller */
    CHECK_EQ_INT(s1.flusher_flushes - s0.flusher_flushes, 0);
    CHECK(s1.messages_received - s0.messages_received == 1);
    CHECK(s1.reads > s0.reads);
    CHECK(s1.batch_frames[0] >= 1);
    /* a lone async call after a pause: written by its caller too */
    sleep_ms(5);
    alr_async *h = NULL;
    CHECK_EQ_INT(alr_call_async(&IF, M_ADD, &a, &h), ALR_OK);
    alr_stats s2 = stats_of(ep);
    CHECK_EQ_INT(s2.writes - s1.writes, 1);
    CHECK_EQ_INT(s2.inline_flushes - s1.inline_flushes, 1);
    if (h) {
        CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
        const u64_ret *v = alr_async_value(h);
        CHECK(v && v->ret == 42);
        alr_async_release(h);
    }
    /* sync round trips, recorded (printed, not asserted) */
    alr_latency *l = alr_latency_new();
    for (unsigned i = 0; l && i < 2000; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        (void)alr_call_sync(&IF, M_ADD, &a, &r, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        alr_latency_add(l, (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000L +
                                      (t1.tv_nsec - t0.tv_nsec)));
    }
    alr_latency_report rep;
    alr_latency_summary(l, &rep);
    printf("  sync add round trip: p50 %llu ns, p90 %llu, p99 %llu, max %llu\n",
           (unsigned long long)rep.p50, (unsigned long long)rep.p90,
           (unsigned long long)rep.p99, (unsigned long long)rep.max);
    alr_latency_free(l);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
}

/* ------------------------------------------------------------ flow control */

typedef struct raw_peer {
    int lfd;
    alr_endpoint *ep;     /* handshaken, no reader: nobody reads its socket */
    atomic_int go;        /* 1: start reading, slowly */
    atomic_ullong nread;
    pthread_t th;
} raw_peer;

static void *raw_accept(void *arg)
{
    raw_peer *p = arg;
    int fd = -1;
    for (int i = 0; i < 5000 && fd < 0; i++) {
        struct pollfd pfd = {p->lfd, POLLIN, 0};
        poll(&pfd, 1, 2);
        fd = alri_net_accept(p->lfd);
    }
    if (fd < 0)
        return NULL;
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    char err[256];
    alr_schema *schema = NULL;
    if (alr_schema_load(IF.blob, IF.blob_len, &schema, err, sizeof err) != ALR_OK) {
        close(fd);
        return NULL;
    }
    alr_config c;
    alri_config_fix(&c, NULL);
    alr_endpoint *ep = NULL;
    if (alri_ep_new(&IF, &c, ALR_ROLE_ACCEPTOR, fd, schema, NULL, &ep) != ALR_OK) {
        close(fd);
        alr_schema_free(schema);
        return NULL;
    }
    if (alri_ep_handshake(ep, err, sizeof err) != ALR_OK) {
        alri_pool_stop(&ep->own_pool);
        alri_ep_unref(ep);
        return NULL;
    }
    p->ep = ep;
    return NULL;
}

/* The slow consumer: nothing until go, then 4 KiB per ms, until EOF. */
static void *raw_consume(void *arg)
{
    raw_peer *p = arg;
    while (!atomic_load(&p->go))
        sleep_ms(1);
    char buf[4096];
    for (;;) {
        long n = alri_net_read(p->ep->fd, buf, sizeof buf, alri_now_ms() + 20000);
        if (n <= 0)
            break;
        atomic_fetch_add(&p->nread, (unsigned long long)n);
        if (atomic_load(&p->go) == 1)
            sleep_ms(1);
    }
    return NULL;
}

#define BUDGET (64u * 1024u)
#define TBUDGET (16u * 1024u)

static void test_flow_control(void)
{
    static raw_peer p;
    memset(&p, 0, sizeof p);
    char err[256];
    uint16_t rport = 0;
    CHECK_EQ_INT(alri_net_listen("127.0.0.1", "0", &p.lfd, &rport, err, sizeof err), ALR_OK);
    pthread_t acc;
    pthread_create(&acc, NULL, raw_accept, &p);
    alr_config c;
    alr_config_init(&c);
    c.endpoint_send_budget = BUDGET;
    c.thread_send_budget = TBUDGET;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", rport);
    alr_endpoint *ep = NULL;
    CHECK_EQ_INT(alr_endpoint_connect(addr, &IF, &c, &ep), ALR_OK);
    pthread_join(acc, NULL);
    close(p.lfd);
    CHECK(p.ep != NULL);
    if (!ep || !p.ep) {
        alr_endpoint_close(ep);
        return;
    }
    int small = 4096;
    setsockopt(ep->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    pthread_create(&p.th, NULL, raw_consume, &p);
    alr_endpoint_push(ep);

    /* the peer does not read: the producer fills the budget, then a call
     * whose deadline passes fails with nothing sent */
    alr_timeout_push(100);
    alr_err e = ALR_OK;
    unsigned sent = 0;
    for (unsigned i = 0; i < 2000000u && e == ALR_OK; i++) {
        u32_args a = {i};
        e = alr_call_oneway(&IF, M_LOG, &a);
        sent += e == ALR_OK;
    }
    alr_timeout_pop();
    CHECK_EQ_INT(e, ALR_ETIMEDOUT);
    CHECK(strstr(alr_last_error_text(), "send budget") != NULL);
    alr_stats s = stats_of(ep);
    printf("  flow: %u calls staged or sent before the budget stopped the producer; staged max "
           "%llu (budget %u), throttled %llu\n",
           sent, (unsigned long long)s.staged_bytes_max, BUDGET,
           (unsigned long long)s.throttled);
    CHECK(s.throttled > 0);
    CHECK(s.staged_bytes_max <= BUDGET);
    CHECK(s.staged_bytes > 0);
    if (alr_endpoint_status(ep) != ALR_OK)
        fprintf(stderr, "flow: endpoint failed: %s\n", alr_endpoint_error(ep));
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    /* async calls are throttled the same way */
    alr_timeout_push(50);
    alr_async *h = NULL;
    e = ALR_OK;
    for (unsigned i = 0; i < 100000u && e == ALR_OK; i++) {
        add_args a = {i, 1};
        e = alr_call_async(&IF, M_ADD, &a, &h);
        if (e == ALR_OK)
            alr_async_release(h);
    }
    alr_timeout_pop();
    CHECK_EQ_INT(e, ALR_ETIMEDOUT);

    /* the peer reads slowly: every call completes, within the budget */
    atomic_store(&p.go, 1);
    unsigned ok = 0;
    for (unsigned i = 0; i < 20000u; i++) {
        u32_args a = {i};
        ok += alr_call_oneway(&IF, M_LOG, &a) == ALR_OK;
    }
    CHECK_EQ_INT(ok, 20000);
    atomic_store(&p.go, 2); /* full speed */
    s = stats_of(ep);
    CHECK(s.staged_bytes_max <= BUDGET);
    WAIT_FOR(stats_of(ep).staged_bytes == 0, 20000);
    CHECK_EQ_INT(stats_of(ep).staged_bytes, 0);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    alri_ep_fail(p.ep, ALR_ECLOSED, "test over");
    pthread_join(p.th, NULL);
    CHECK(atomic_load(&p.nread) > 20000u);
    alri_pool_stop(&p.ep->own_pool);
    alri_ep_unref(p.ep);
}

/* ------------------------------------------------------------ async cap */

/* Several threads flood one endpoint with one-way calls (each through its
 * own lock-free staging ring) and async calls, under a small endpoint
 * budget: every call arrives exactly once, each thread's in its order. */
#define MP_THREADS 4u
#define MP_CALLS 30000u

typedef struct {
    alr_endpoint *ep;
    unsigned id;
    unsigned ok, async_ok;
    alr_err last;
} mp_arg;

static void *mp_producer(void *p)
{
    mp_arg *a = p;
    alr_endpoint_push(a->ep);
    for (unsigned i = 0; i < MP_CALLS; i++) {
        u32_args x = {STREAM_BIT | (a->id << 24) | i};
        a->last = alr_call_oneway(&IF, M_LOG, &x);
        if (a->last != ALR_OK)
            break;
        a->ok++;
        if (i % 100 == 0) { /* async calls share the ring */
            add_args y = {i, a->id};
            alr_async *h = NULL;
            if (alr_call_async(&IF, M_ADD, &y, &h) == ALR_OK) {
                if (alr_async_wait(h, 10000) == ALR_OK &&
                    ((const u64_ret *)alr_async_value(h))->ret == (uint64_t)i + a->id)
                    a->async_ok++;
                alr_async_release(h);
            }
        }
    }
    /* a sync call on the same slot runs after every one-way call before it */
    add_args y = {1, 2};
    u64_ret r = {0};
    if (alr_call_sync(&IF, M_ADD, &y, &r, NULL) != ALR_OK || r.ret != 3)
        a->last = ALR_EPROTO;
    alr_endpoint_pop();
    return NULL;
}

static void test_many_producers(void)
{
    alr_config c;
    alr_config_init(&c);
    c.endpoint_send_budget = 2048; /* the producers meet the budgets */
    c.thread_send_budget = 512;
    alr_endpoint *ep = connect_cfg(&c);
    CHECK(ep != NULL);
    if (!ep)
        return;
    for (unsigned s = 0; s < STREAMS; s++) {
        atomic_store(&stream_next[s], 0);
        atomic_store(&stream_bad[s], 0);
    }
    pthread_t th[MP_THREADS];
    mp_arg args[MP_THREADS];
    for (unsigned i = 0; i < MP_THREADS; i++) {
        args[i] = (mp_arg){ep, i + 1, 0, 0, ALR_OK};
        pthread_create(&th[i], NULL, mp_producer, &args[i]);
    }
    for (unsigned i = 0; i < MP_THREADS; i++)
        pthread_join(th[i], NULL);
    unsigned total = 0;
    for (unsigned i = 0; i < MP_THREADS; i++) {
        CHECK_EQ_INT(args[i].last, ALR_OK);
        CHECK_EQ_INT(args[i].ok, MP_CALLS);
        CHECK_EQ_INT(args[i].async_ok, MP_CALLS / 100);
        CHECK_EQ_INT(atomic_load(&stream_next[i + 1]), MP_CALLS); /* every one arrived */
        CHECK_EQ_INT(atomic_load(&stream_bad[i + 1]), 0);         /* in order */
        total += args[i].ok;
    }
    alr_stats s = stats_of(ep);
    printf("  %u threads: %u one-way calls in %llu writes; staged max %llu (budget %u), "
           "throttled %llu\n",
           MP_THREADS, total, (unsigned long long)s.writes,
           (unsigned long long)s.staged_bytes_max, c.endpoint_send_budget,
           (unsigned long long)s.throttled);
    /* the budget check without a lock may let one frame per thread past */
    CHECK(s.staged_bytes_max <= c.endpoint_send_budget + MP_THREADS * 64u);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_close(ep);
}

/* Receive-side push-back: the server's runner is stuck in a handler while
 * its peer floods the same slot with one-way calls.  The server's reader
 * stops reading once its queue holds ALRI_RX_HIGH, the socket buffers
 * fill, and the client's send budget throttles the producer - no fault,
 * bounded memory - and once the handler returns every call runs. */
static void test_pushback(void)
{
    alr_config c;
    alr_config_init(&c);
    c.endpoint_send_budget = 256 * 1024;
    c.thread_send_budget = 256 * 1024;
    alr_endpoint *ep = connect_cfg(&c);
    CHECK(ep != NULL);
    if (!ep)
        return;
    alr_endpoint_push(ep);
    atomic_store(&gate_open, 0);
    int logs = atomic_load(&logs_run);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_LOG, &(u32_args){GATE_V}), ALR_OK);
    WAIT_FOR(atomic_load(&logs_run) > logs, 5000); /* the runner is in the gate */
    /* queued, these calls (about 110 bytes each on the server) would be far
     * past the push-back point; once the socket buffers are full too the
     * producer blocks on its budget instead (200 ms deadline: the call past
     * it fails with nothing sent) */
    alr_timeout_push(200);
    unsigned sent = 0;
    alr_err e = ALR_OK;
    for (unsigned i = 0; i < 20000000u && e == ALR_OK; i++) {
        e = alr_call_oneway(&IF, M_LOG, &(u32_args){i % 600u}); /* 666 would fail */
        sent += e == ALR_OK;
    }
    alr_timeout_pop();
    CHECK_EQ_INT(e, ALR_ETIMEDOUT);
    alr_stats cs = stats_of(ep);
    CHECK(cs.throttled > 0);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    /* the server's side of this connection */
    alr_stats ss;
    memset(&ss, 0, sizeof ss);
    pthread_mutex_lock(&srv->mu);
    for (alr_endpoint *x = srv->conns; x; x = x->snext)
        if (atomic_load(&x->queued_bytes) > 0)
            alr_endpoint_stats(x, &ss);
    pthread_mutex_unlock(&srv->mu);
    printf("  push-back: %u calls sent before the budget stopped the producer; server queue "
           "max %llu bytes, %llu pauses\n",
           sent, (unsigned long long)ss.rx_queued_bytes_max, (unsigned long long)ss.rx_pauses);
    CHECK(ss.rx_pauses > 0);
    /* the reader stops dispatching at twice the high-water mark */
    CHECK(ss.rx_queued_bytes_max <= 2 * ALRI_RX_HIGH + ALRI_MSG_MEM(64));
    atomic_store(&gate_open, 1);
    logs = atomic_load(&logs_run);
    add_args y = {2, 3};
    u64_ret r = {0};
    CHECK_EQ_INT(alr_call_sync(&IF, M_ADD, &y, &r, NULL), ALR_OK); /* after all of them */
    CHECK_EQ_INT(r.ret, 5);
    CHECK(atomic_load(&logs_run) - logs >= (int)sent);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
}

static void test_async_cap(void)
{
    alr_config c;
    alr_config_init(&c);
    c.max_async_outstanding = 8;
    alr_endpoint *ep = connect_cfg(&c);
    CHECK(ep != NULL);
    if (!ep)
        return;
    alr_endpoint_push(ep);
    alr_async *hs[8];
    unsigned n = 0;
    for (unsigned i = 0; i < 8; i++) {
        u32_args a = {300};
        hs[i] = NULL;
        n += alr_call_async(&IF, M_SLEEP, &a, &hs[i]) == ALR_OK;
    }
    CHECK_EQ_INT(n, 8);
    u32_args a = {1};
    alr_async *h = NULL;
    CHECK_EQ_INT(alr_call_async(&IF, M_SLEEP, &a, &h), ALR_EAGAIN);
    CHECK(h == NULL);
    CHECK(strstr(alr_last_error_text(), "max_async_outstanding") != NULL);
    alr_stats s = stats_of(ep);
    CHECK_EQ_INT(s.async_outstanding, 8);
    CHECK_EQ_INT(s.async_outstanding_max, 8);
    /* sync calls are not counted */
    add_args aa = {1, 2};
    u64_ret r;
    CHECK_EQ_INT(alr_call_sync(&IF, M_ADD, &aa, &r, NULL), ALR_OK);
    for (unsigned i = 0; i < 8; i++)
        if (hs[i]) {
            CHECK_EQ_INT(alr_async_wait(hs[i], ALR_WAIT_FOREVER), ALR_OK);
            alr_async_release(hs[i]);
        }
    CHECK_EQ_INT(stats_of(ep).async_outstanding, 0);
    CHECK_EQ_INT(alr_call_async(&IF, M_SLEEP, &a, &h), ALR_OK);
    if (h) {
        CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
        alr_async_release(h);
    }
    CHECK(stats_of(ep).async_outstanding_max <= 8);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
}

/* ------------------------------------------------------------ latency */

static void *lat_adder(void *arg)
{
    alr_latency *l = arg;
    for (uint64_t v = 1; v <= 10000; v++)
        alr_latency_add(l, v);
    return NULL;
}

static bool near(uint64_t got, uint64_t want)
{
    double d = (double)got - (double)want;
    return (d < 0 ? -d : d) <= (double)want / 32.0 + 1.0;
}

static void test_latency(void)
{
    alr_latency *l = alr_latency_new();
    CHECK(l != NULL);
    if (!l)
        return;
    alr_latency_report s;
    alr_latency_summary(l, &s);
    CHECK_EQ_INT(s.count, 0);
    CHECK_EQ_INT(s.p99, 0);
    /* small values are exact */
    for (uint64_t v = 1; v <= 10; v++)
        alr_latency_add(l, v);
    alr_latency_summary(l, &s);
    CHECK_EQ_INT(s.count, 10);
    CHECK_EQ_INT(s.min, 1);
    CHECK_EQ_INT(s.max, 10);
    CHECK_EQ_INT(s.p50, 5);
    CHECK_EQ_INT(s.p90, 9);
    CHECK_EQ_INT(s.p99, 10);
    CHECK(s.mean > 5.49 && s.mean < 5.51);
    /* 1..100000 ns: within the documented 1/32 */
    alr_latency_reset(l);
    for (uint64_t v = 1; v <= 100000; v++)
        alr_latency_add(l, v);
    alr_latency_summary(l, &s);
    CHECK_EQ_INT(s.count, 100000);
    CHECK_EQ_INT(s.min, 1);
    CHECK_EQ_INT(s.max, 100000);
    CHECK(s.mean > 50000.0 && s.mean < 50001.0);
    CHECK(near(s.p50, 50000));
    CHECK(near(s.p90, 90000));
    CHECK(near(s.p99, 99000));
    /* a long tail: 99 % at 1 us, 1 % at 1 ms */
    alr_latency_reset(l);
    for (unsigned i = 0; i < 9900; i++)
        alr_latency_add(l, 1000);
    for (unsigned i = 0; i < 100; i++)
        alr_latency_add(l, 1000000);
    alr_latency_summary(l, &s);
    CHECK(near(s.p50, 1000) && near(s.p90, 1000) && near(s.p99, 1000));
    CHECK_EQ_INT(s.max, 1000000);
    alr_latency_add(l, 1000000);
    alr_latency_summary(l, &s);
    CHECK(near(s.p99, 1000000));
    /* concurrent adds are never lost */
    alr_latency_reset(l);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, lat_adder, l);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    alr_latency_summary(l, &s);
    CHECK_EQ_INT(s.count, 40000);
    CHECK(near(s.p50, 5000));
    CHECK(s.mean > 5000.0 && s.mean < 5001.0);
    alr_latency_free(l);
    alr_latency_free(NULL);
}

int main(void)
{
    TEST_RUN(test_latency);
    size_t len = 0;
    uint8_t *blob = compile_schema(&len);
    if (!blob) {
        fprintf(stderr, "cannot compile the test schema\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    memset(&IF, 0, sizeof IF);
    IF.package = "flowtest";
    IF.blob = blob;
    IF.blob_len = len;
    IF.nmethods = 5;
    IF.methods = METHODS;
    IF.nservices = 1;
    IF.services = SERVICES;
    srv = start_server();
    CHECK(srv != NULL);
    if (srv) {
        port = alr_server_port(srv);
        TEST_RUN(test_lone_calls);
        TEST_RUN(test_flood);
        TEST_RUN(test_async_cap);
        TEST_RUN(test_many_producers);
        TEST_RUN(test_pushback);
        TEST_RUN(test_flow_control);
        alr_server_close(srv);
    }
    free(blob);
    TEST_MAIN_END();
}
