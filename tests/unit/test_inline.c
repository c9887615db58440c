/*
 * test_inline.c - alr_config.inline_calls (runtime/include/alr/rpc.h;
 * runtime/endpoint.c run_inline() and dispatch(), runtime/call.c
 * alr_call_sync and alri_run_call): with it, the peer's calls on a
 * connection run on that connection's reader thread instead of a pool
 * worker.  In one process over loopback:
 *  1. sync add() against an inline server gives the right sums; 4 client
 *     threads x 100 calls on ONE connection all run on exactly one server
 *     thread; two connections: two distinct server threads;
 *  2. contrast: with inline_calls = false, 4 threads calling a 20 ms
 *     handler at once run on more than one (pool) thread; the same load
 *     against an inline server runs on one thread;
 *  3. an inline handler making a *sync* call back on its own connection
 *     gets ALR_EINVAL at once (no hang: call_timeout_ms is 2000, so a
 *     regression fails with ALR_ETIMEDOUT instead of hanging) with a text
 *     naming the reader; the client's call gets that error; the callback
 *     never reaches the client.  A sync call from an inline handler on
 *     ANOTHER connection works, and the same sync callback works against a
 *     pool (non-inline) server - with an inline_calls client, whose
 *     callback then runs on the waiting caller (continuation: a slot with
 *     a runner is not run inline);
 *  4. an async call (alr_call_async + alr_async_then) made by an inline
 *     handler on its own connection completes; its callback runs on the
 *     reader (the handler's thread); alr_async_wait on it from the handler
 *     is refused at once with ALR_EINVAL (it could only time out);
 *  5. ordering: 2000 one-way calls from one thread run in order on the
 *     inline server (a sync call on the same thread afterwards flushes
 *     them: a slot's calls run in order);
 *  6. remote scopes still go through the pool: calls in a remote thread
 *     scope (alr_remote_thread_push) run on one thread that is not the
 *     reader, calls in a remote pool scope (alr_remote_pool_push) on pool
 *     threads, never the reader; after each pop calls come back to the
 *     reader, once the scope's worker has let go of the slot (the first
 *     call after the pop may still be queued behind it and run by it, in
 *     order, so the check is "from some early call on, all on the reader");
 *  7. 1000 async adds in flight from one thread all complete with correct
 *     sums; the client's alr_endpoint_stats counts >= 1000 received;
 *  8. the same EINVAL for a completion callback (alr_async_then) running on
 *     the client's own reader that makes a sync call on that connection.
 * Assertions are on behaviour (threads, values, order, error codes), never
 * on timings.  The schema is compiled from text in-process; descriptors
 * are written by hand the way alrc --emit=c writes them (as in
 * svc_fixture.h).  Only the main thread uses CHECK; handlers and other
 * threads record into atomics and mutex-protected arrays.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alr/rpc.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"
#include "compile_blob.h"
#include "test.h"

/* ------------------------------------------------------------ the schema
 *
 * Services are declared in name order (Svc < SvcClient), so local service
 * and method indices are declaration order. */

static const char SCHEMA[] =
    "package inltest;\n"
    "service Svc {\n"
    "    static u64 add(u64 a, u64 b);\n"
    "    static void nap(u32 tag);\n"
    "    static oneway void log_event(u32 v);\n"
    "    static u64 call_back(u32 mode);\n"
    "}\n"
    "service SvcClient {\n"
    "    static u64 notify(u32 n);\n"
    "}\n";

enum { SVC_SVC = 0, SVC_CLIENT = 1 };
enum { M_ADD = 0, M_NAP = 1, M_LOG = 2, M_CALL_BACK = 3, M_NOTIFY = 4 };

typedef struct { uint64_t a, b; } add_args;
typedef struct { uint64_t ret; } u64_ret;
typedef struct { uint32_t v; } u32_args;

static const alr_type_desc t_u64 = {.kind = ALR_K_U64, .size = 8, .align = 8};
static const alr_type_desc t_u32 = {.kind = ALR_K_U32, .size = 4, .align = 4};
static const alr_member_desc m_add[] = {{"a", 0, &t_u64, NULL}, {"b", 8, &t_u64, NULL}};
static const alr_member_desc m_ret[] = {{"return", 0, &t_u64, NULL}};
static const alr_member_desc m_tag[] = {{"tag", 0, &t_u32, NULL}};
static const alr_member_desc m_v[] = {{"v", 0, &t_u32, NULL}};
static const alr_member_desc m_mode[] = {{"mode", 0, &t_u32, NULL}};
static const alr_member_desc m_n[] = {{"n", 0, &t_u32, NULL}};
static const alr_struct_desc sd_add = {"inltest.Svc.add$args", 16, 8, 2, m_add, ALR_DESC_ARGS | 0};
static const alr_struct_desc sd_add_ret = {"inltest.Svc.add$ret", 8, 8, 1, m_ret, ALR_DESC_RET | 0};
static const alr_struct_desc sd_nap = {"inltest.Svc.nap$args", 4, 4, 1, m_tag, ALR_DESC_ARGS | 1};
static const alr_struct_desc sd_log = {"inltest.Svc.log_event$args", 4, 4, 1, m_v,
                                       ALR_DESC_ARGS | 2};
static const alr_struct_desc sd_cb = {"inltest.Svc.call_back$args", 4, 4, 1, m_mode,
                                      ALR_DESC_ARGS | 3};
static const alr_struct_desc sd_cb_ret = {"inltest.Svc.call_back$ret", 8, 8, 1, m_ret,
                                          ALR_DESC_RET | 3};
static const alr_struct_desc sd_notify = {"inltest.SvcClient.notify$args", 4, 4, 1, m_n,
                                          ALR_DESC_ARGS | 4};
static const alr_struct_desc sd_notify_ret = {"inltest.SvcClient.notify$ret", 8, 8, 1, m_ret,
                                              ALR_DESC_RET | 4};

static alr_iface IF;

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#define WAIT_FOR(cond, ms)                                            \
    do {                                                              \
        for (unsigned w_ = 0; w_ < (ms) && !(cond); w_ += 2)          \
            sleep_ms(2);                                              \
    } while (0)

/* ------------------------------------------------------------ records
 *
 * Handlers record (pthread_self, seq) per tag under rec_mu. */

#define NTAGS 32
#define NREC 1100
#define TAG_NONE 1000u /* add(a, TAG_NONE): not recorded */
#define TAG_GATE 999u  /* nap(TAG_GATE): waits for gate_open instead of 20 ms */

typedef struct rec {
    pthread_t th;
    uint64_t seq;
} rec;

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static rec recs[NTAGS][NREC];
static unsigned nrecs[NTAGS];

static void record(uint64_t tag, uint64_t seq)
{
    if (tag >= NTAGS)
        return;
    pthread_mutex_lock(&rec_mu);
    if (nrecs[tag] < NREC) {
        recs[tag][nrecs[tag]].th = pthread_self();
        recs[tag][nrecs[tag]].seq = seq;
        nrecs[tag]++;
    }
    pthread_mutex_unlock(&rec_mu);
}

static void recs_clear(void)
{
    pthread_mutex_lock(&rec_mu);
    memset(nrecs, 0, sizeof nrecs);
    pthread_mutex_unlock(&rec_mu);
}

static unsigned count_of(unsigned tag)
{
    pthread_mutex_lock(&rec_mu);
    unsigned n = nrecs[tag];
    pthread_mutex_unlock(&rec_mu);
    return n;
}

/* Distinct threads among the records of tag; *first: the first one's. */
static unsigned threads_of(unsigned tag, pthread_t *first)
{
    pthread_mutex_lock(&rec_mu);
    unsigned n = 0;
    for (unsigned i = 0; i < nrecs[tag]; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = pthread_equal(recs[tag][i].th, recs[tag][j].th);
        n += !seen;
    }
    if (first && nrecs[tag])
        *first = recs[tag][0].th;
    pthread_mutex_unlock(&rec_mu);
    return n;
}

/* Record i of tag ran on th. */
static bool rec_on(unsigned tag, unsigned i, pthread_t th)
{
    pthread_mutex_lock(&rec_mu);
    bool ok = i < nrecs[tag] && pthread_equal(recs[tag][i].th, th);
    pthread_mutex_unlock(&rec_mu);
    return ok;
}

/* ------------------------------------------------------------ the log (test 5) */

#define NLOG 2000u
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t log_v[NLOG];
static unsigned log_n, log_over;

/* ------------------------------------------------------------ call_back state
 *
 * call_back(mode):
 *   0: sync notify(7) on its own connection; the result + 1000, or its error
 *      (recorded in cb_sync_err / cb_sync_text) sent back with its text;
 *   1: async notify(8) on its own connection with a completion callback
 *      (recording into cb_async_*); returns 1 at once;
 *   2: sync add(40, 2) on relay_ep (another connection); returns the sum. */

static pthread_mutex_t cb_mu = PTHREAD_MUTEX_INITIALIZER;
static alr_err cb_sync_err;
static char cb_sync_text[512];
static pthread_t cb_handler_th, cb_done_th;
static atomic_int cb_async_start_err; /* alr_call_async / alr_async_then result */
static atomic_int cb_async_done;      /* the completion callback ran (count) */
static atomic_int cb_async_err;
static atomic_int cb_async_wait_err; /* alr_async_wait on the reader: ALR_EINVAL */
static atomic_ullong cb_async_value;
static _Atomic(alr_endpoint *) relay_ep;
static atomic_int notify_calls;
static pthread_t notify_th; /* under cb_mu */

static void on_notify_done(alr_async *h, void *user)
{
    (void)user;
    const u64_ret *v = alr_async_value(h);
    atomic_store(&cb_async_err, alr_async_error(h));
    atomic_store(&cb_async_value, v ? v->ret : 0);
    pthread_mutex_lock(&cb_mu);
    cb_done_th = pthread_self();
    pthread_mutex_unlock(&cb_mu);
    atomic_fetch_add(&cb_async_done, 1);
}

/* ------------------------------------------------------------ handlers
 * (invoke functions: the handler table pointer is ignored, as in
 * svc_fixture.h) */

static alr_err h_add(alr_call *c, const void *h, void *a, void *r)
{
    (void)c, (void)h;
    add_args *x = a;
    record(x->b, x->a);
    ((u64_ret *)r)->ret = x->a + x->b;
    return ALR_OK;
}

static atomic_bool gate_open;

static alr_err h_nap(alr_call *c, const void *h, void *a, void *r)
{
    (void)c, (void)h, (void)r;
    uint32_t tag = ((u32_args *)a)->v;
    if (tag == TAG_GATE) { /* bounded: a broken test must not hang */
        WAIT_FOR(atomic_load(&gate_open), 5000);
        return ALR_OK;
    }
    record(tag, 0);
    sleep_ms(20);
    return ALR_OK;
}

static alr_err h_log(alr_call *c, const void *h, void *a, void *r)
{
    (void)c, (void)h, (void)r;
    pthread_mutex_lock(&log_mu);
    if (log_n < NLOG)
        log_v[log_n++] = ((u32_args *)a)->v;
    else
        log_over++;
    pthread_mutex_unlock(&log_mu);
    return ALR_OK;
}

static alr_err h_call_back(alr_call *c, const void *h, void *a, void *r)
{
    (void)h;
    uint32_t mode = ((u32_args *)a)->v;
    uint64_t *ret = &((u64_ret *)r)->ret;
    pthread_mutex_lock(&cb_mu);
    cb_handler_th = pthread_self();
    pthread_mutex_unlock(&cb_mu);
    if (mode == 0) {
        u32_args na = {7};
        u64_ret nr = {0};
        alr_err e = alr_call_sync(&IF, M_NOTIFY, &na, &nr, NULL);
        pthread_mutex_lock(&cb_mu);
        cb_sync_err = e;
        snprintf(cb_sync_text, sizeof cb_sync_text, "%s", alr_last_error_text());
        pthread_mutex_unlock(&cb_mu);
        if (e != ALR_OK) {
            alr_call_set_error(c, "callback failed: %s", alr_last_error_text());
            return e;
        }
        *ret = nr.ret + 1000;
        return ALR_OK;
    }
    if (mode == 1) {
        u32_args na = {8};
        alr_async *ah = NULL;
        alr_err e = alr_call_async(&IF, M_NOTIFY, &na, &ah);
        /* waiting for it here (on the reader) could only end at its
         * deadline: refused at once */
        if (e == ALR_OK)
            atomic_store(&cb_async_wait_err, alr_async_wait(ah, 1000));
        if (e == ALR_OK)
            e = alr_async_then(ah, on_notify_done, NULL);
        atomic_store(&cb_async_start_err, e);
        alr_async_release(ah);
        if (e != ALR_OK) {
            alr_call_set_error(c, "async callback failed: %s", alr_last_error_text());
            return e;
        }
        *ret = 1;
        return ALR_OK;
    }
    alr_endpoint *other = atomic_load(&relay_ep);
    if (!other) {
        alr_call_set_error(c, "no relay endpoint");
        return ALR_EINVAL;
    }
    alr_endpoint_push(other);
    add_args x = {40, 2};
    u64_ret y = {0};
    alr_err e = alr_call_sync(&IF, M_ADD, &x, &y, NULL);
    alr_endpoint_pop();
    if (e != ALR_OK) {
        alr_call_set_error(c, "relay failed: %s", alr_last_error_text());
        return e;
    }
    *ret = y.ret;
    return ALR_OK;
}

/* served by the clients */
static alr_err h_notify(alr_call *c, const void *h, void *a, void *r)
{
    (void)c, (void)h;
    pthread_mutex_lock(&cb_mu);
    notify_th = pthread_self();
    pthread_mutex_unlock(&cb_mu);
    atomic_fetch_add(&notify_calls, 1);
    ((u64_ret *)r)->ret = ((u32_args *)a)->v + 1u;
    return ALR_OK;
}

static const alr_method_info METHODS[] = {
    {"inltest.Svc.add", SVC_SVC, ALR_METHOD_STATIC, ALR_RET_VALUE, 0, &sd_add, &sd_add_ret, h_add},
    {"inltest.Svc.nap", SVC_SVC, ALR_METHOD_STATIC, ALR_RET_VOID, 0, &sd_nap, NULL, h_nap},
    {"inltest.Svc.log_event", SVC_SVC, ALR_METHOD_STATIC, ALR_RET_ONEWAY, 0, &sd_log, NULL, h_log},
    {"inltest.Svc.call_back", SVC_SVC, ALR_METHOD_STATIC, ALR_RET_VALUE, 0, &sd_cb, &sd_cb_ret,
     h_call_back},
    {"inltest.SvcClient.notify", SVC_CLIENT, ALR_METHOD_STATIC, ALR_RET_VALUE, 0, &sd_notify,
     &sd_notify_ret, h_notify},
};
static const char *const SERVICES[] = {"inltest.Svc", "inltest.SvcClient"};
static const int HANDLERS = 1; /* any non-NULL table: the invoke functions ignore it */

static uint8_t *compile_schema(size_t *len)
{
    return compile_text_tmp("inltest", SCHEMA, sizeof SCHEMA - 1, len);
}

/* ------------------------------------------------------------ setup */

static alr_server *server(bool inline_calls, uint32_t timeout_ms)
{
    alr_config c;
    alr_config_init(&c);
    c.inline_calls = inline_calls;
    c.call_timeout_ms = timeout_ms;
    alr_server *srv = NULL;
    if (alr_server_new(&IF, &c, &srv) != ALR_OK)
        return NULL;
    if (alr_server_serve(srv, SVC_SVC, &HANDLERS, NULL) != ALR_OK ||
        alr_server_listen(srv, "127.0.0.1:0") != ALR_OK) {
        alr_server_close(srv);
        return NULL;
    }
    return srv;
}

/* A client of srv serving SvcClient (the callbacks), with inline_calls. */
static alr_endpoint *connect_inline(alr_server *srv, uint32_t timeout_ms, bool inline_calls)
{
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", alr_server_port(srv));
    alr_config c;
    alr_config_init(&c);
    c.call_timeout_ms = timeout_ms;
    c.inline_calls = inline_calls;
    alr_endpoint *ep = NULL;
    if (alr_endpoint_connect(addr, &IF, &c, &ep) != ALR_OK) {
        fprintf(stderr, "connect: %s\n", alr_last_error_text());
        return NULL;
    }
    if (alr_endpoint_serve(ep, SVC_CLIENT, &HANDLERS, NULL) != ALR_OK) {
        alr_endpoint_close(ep);
        return NULL;
    }
    return ep;
}

static alr_endpoint *connect_to(alr_server *srv, uint32_t timeout_ms)
{
    return connect_inline(srv, timeout_ms, false);
}

/* A server (inline_calls as given) and one endpoint to it, both checked;
 * false, with nothing left open, when either could not be made. */
static bool open_pair(bool inline_calls, uint32_t timeout_ms, alr_server **srv,
                      alr_endpoint **ep)
{
    *ep = NULL;
    *srv = server(inline_calls, timeout_ms);
    CHECK(*srv != NULL);
    if (!*srv)
        return false;
    *ep = connect_to(*srv, timeout_ms);
    CHECK(*ep != NULL);
    if (!*ep) {
        alr_server_close(*srv);
        *srv = NULL;
        return false;
    }
    return true;
}

static alr_err add(uint64_t a, uint64_t b, uint64_t *out)
{
    add_args x = {a, b};
    u64_ret r = {0};
    alr_err e = alr_call_sync(&IF, M_ADD, &x, &r, NULL);
    *out = e == ALR_OK ? r.ret : 0;
    return e;
}

static alr_err u32_call(uint32_t method, uint32_t v, uint64_t *out)
{
    u32_args x = {v};
    u64_ret r = {0};
    alr_err e = alr_call_sync(&IF, method, &x, out ? (void *)&r : NULL, NULL);
    if (out)
        *out = e == ALR_OK ? r.ret : 0;
    return e;
}

/* ------------------------------------------------------------ client threads */

typedef struct load_arg {
    alr_endpoint *ep;
    uint32_t method; /* M_ADD or M_NAP */
    unsigned tag, n;
    unsigned ok;                /* calls that returned ALR_OK (and the right sum) */
    pthread_barrier_t *bar;     /* all threads start together */
} load_arg;

static void *load_main(void *arg)
{
    load_arg *l = arg;
    alr_endpoint_push(l->ep);
    pthread_barrier_wait(l->bar);
    for (unsigned i = 0; i < l->n; i++) {
        uint64_t v = 0;
        if (l->method == M_ADD)
            l->ok += add(i, l->tag, &v) == ALR_OK && v == i + l->tag;
        else
            l->ok += u32_call(M_NAP, l->tag, NULL) == ALR_OK;
    }
    alr_endpoint_pop();
    return NULL;
}

/* nthreads threads, each n calls of method with tag, on ep at once;
 * returns the calls that succeeded. */
static unsigned run_load(alr_endpoint *ep, uint32_t method, unsigned tag, unsigned nthreads,
                         unsigned n)
{
    load_arg la[8];
    pthread_t th[8];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, nthreads);
    for (unsigned i = 0; i < nthreads; i++) {
        la[i] = (load_arg){ep, method, tag, n, 0, &bar};
        pthread_create(&th[i], NULL, load_main, &la[i]);
    }
    unsigned ok = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        ok += la[i].ok;
    }
    pthread_barrier_destroy(&bar);
    return ok;
}

/* ------------------------------------------------------------ 1. one reader thread */

static void test_one_thread(void)
{
    alr_server *srv = server(true, 10000);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *a = connect_to(srv, 10000), *b = connect_to(srv, 10000);
    CHECK(a && b);
    if (!a || !b) {
        alr_endpoint_close(a);
        alr_endpoint_close(b);
        alr_server_close(srv);
        return;
    }
    recs_clear();
    /* plain sums */
    alr_endpoint_push(a);
    uint64_t v = 0;
    CHECK(add(2, TAG_NONE, &v) == ALR_OK && v == 2 + TAG_NONE);
    CHECK(add(UINT64_C(1) << 40, TAG_NONE, &v) == ALR_OK && v == (UINT64_C(1) << 40) + TAG_NONE);
    alr_endpoint_pop();

    /* 4 threads x 100 calls on connection a (tag 1), then on b (tag 2) */
    CHECK_EQ_INT(run_load(a, M_ADD, 1, 4, 100), 400);
    CHECK_EQ_INT(run_load(b, M_ADD, 2, 4, 100), 400);
    CHECK_EQ_INT(count_of(1), 400);
    CHECK_EQ_INT(count_of(2), 400);
    pthread_t ta, tb;
    unsigned na = threads_of(1, &ta), nb = threads_of(2, &tb);
    CHECK_EQ_INT(na, 1);
    CHECK_EQ_INT(nb, 1);
    /* both connections open at once: two readers, two threads */
    CHECK(na == 1 && nb == 1 && !pthread_equal(ta, tb));
    /* and again on a, interleaved with b: still a's one thread */
    recs_clear();
    alr_endpoint_push(a);
    CHECK(add(5, 3, &v) == ALR_OK && v == 8);
    alr_endpoint_pop();
    alr_endpoint_push(b);
    CHECK(add(6, 4, &v) == ALR_OK && v == 10);
    alr_endpoint_pop();
    CHECK(rec_on(3, 0, ta));
    CHECK(rec_on(4, 0, tb));
    printf("  inline: 4 threads x 100 calls on one connection ran on %u server thread(s); "
           "two connections: %s threads\n", na,
           na == 1 && nb == 1 && !pthread_equal(ta, tb) ? "two distinct" : "NOT two distinct");
    alr_endpoint_close(a);
    alr_endpoint_close(b);
    alr_server_close(srv);
}

/* ------------------------------------------------------------ 2. inline vs pool */

static void test_contrast(void)
{
    unsigned spread[2] = {0, 0};
    for (int inl = 0; inl < 2; inl++) {
        alr_server *srv;
        alr_endpoint *ep;
        if (!open_pair(inl == 1, 10000, &srv, &ep))
            return;
        recs_clear();
        /* 4 threads at once, each 5 calls of a 20 ms handler */
        CHECK_EQ_INT(run_load(ep, M_NAP, 5, 4, 5), 20);
        CHECK_EQ_INT(count_of(5), 20);
        spread[inl] = threads_of(5, NULL);
        alr_endpoint_close(ep);
        alr_server_close(srv);
    }
    printf("  4 threads x 5 calls of 20 ms: %u server threads in pool mode, %u inline\n",
           spread[0], spread[1]);
    CHECK(spread[0] > 1); /* the pool runs the slots side by side */
    CHECK_EQ_INT(spread[1], 1); /* the reader runs them one after the other */
}

/* ------------------------------------------------------------ 3, 4. calls from an inline handler */

static void test_callbacks(void)
{
    /* a small deadline: a regression (the reader waiting for an answer only
     * it could read) fails with ALR_ETIMEDOUT in 2 s instead of hanging */
    alr_server *srv;
    alr_endpoint *ep;
    if (!open_pair(true, 2000, &srv, &ep))
        return;
    alr_endpoint_push(ep);

    /* 3. a sync callback on its own connection: ALR_EINVAL at once */
    atomic_store(&notify_calls, 0);
    pthread_mutex_lock(&cb_mu);
    cb_sync_err = ALR_OK;
    cb_sync_text[0] = 0;
    pthread_mutex_unlock(&cb_mu);
    uint64_t v = 12345;
    alr_err e = u32_call(M_CALL_BACK, 0, &v);
    CHECK(e != ALR_OK);
    CHECK(e != ALR_ETIMEDOUT); /* answered, not waited out */
    CHECK_EQ_INT(e, ALR_EINVAL);
    CHECK(strstr(alr_last_error_text(), "callback failed") != NULL);
    CHECK(strstr(alr_last_error_text(), "reader") != NULL);
    pthread_mutex_lock(&cb_mu);
    alr_err seen = cb_sync_err;
    char text[512];
    snprintf(text, sizeof text, "%s", cb_sync_text);
    pthread_mutex_unlock(&cb_mu);
    CHECK_EQ_INT(seen, ALR_EINVAL);
    CHECK(strstr(text, "reader") != NULL);
    printf("  inline handler, sync call on its own connection: %s (\"%s\")\n",
           alr_strerror(seen), text);
    CHECK_EQ_INT(atomic_load(&notify_calls), 0); /* nothing was sent */
    /* the connection is still fine */
    CHECK(add(1, 2, &v) == ALR_OK && v == 3);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);

    /* 4. an async callback on its own connection completes; its completion
     * callback runs on the reader, which is the handler's thread */
    atomic_store(&cb_async_done, 0);
    atomic_store(&cb_async_start_err, -1);
    atomic_store(&cb_async_err, -1);
    atomic_store(&cb_async_value, 0);
    CHECK(u32_call(M_CALL_BACK, 1, &v) == ALR_OK && v == 1);
    CHECK_EQ_INT(atomic_load(&cb_async_start_err), ALR_OK);
    WAIT_FOR(atomic_load(&cb_async_done) > 0, 10000);
    CHECK_EQ_INT(atomic_load(&cb_async_done), 1);
    CHECK_EQ_INT(atomic_load(&cb_async_wait_err), ALR_EINVAL);
    CHECK_EQ_INT(atomic_load(&cb_async_err), ALR_OK);
    CHECK_EQ_INT(atomic_load(&cb_async_value), 9); /* notify(8) */
    CHECK_EQ_INT(atomic_load(&notify_calls), 1);
    pthread_mutex_lock(&cb_mu);
    bool same = pthread_equal(cb_handler_th, cb_done_th);
    pthread_mutex_unlock(&cb_mu);
    CHECK(same);

    /* a sync call from an inline handler on ANOTHER connection is fine (here a
     * second connection to the same server, whose reader answers it) */
    alr_endpoint *other = connect_to(srv, 2000);
    CHECK(other != NULL);
    if (other) {
        atomic_store(&relay_ep, other);
        CHECK(u32_call(M_CALL_BACK, 2, &v) == ALR_OK);
        CHECK_EQ_INT(v, 42);
        atomic_store(&relay_ep, NULL);
    }
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    alr_endpoint_close(other);
    alr_server_close(srv);

    /* the same sync callback against a pool server works: the EINVAL is
     * inline_calls'.  The client here has inline_calls too: the callback
     * arrives on the slot whose caller waits in call_back (the slot has a
     * runner), so it is not run inline but by that caller (continuation) */
    srv = server(false, 2000);
    CHECK(srv != NULL);
    if (!srv)
        return;
    ep = connect_inline(srv, 2000, true);
    CHECK(ep != NULL);
    if (ep) {
        alr_endpoint_push(ep);
        atomic_store(&notify_calls, 0);
        CHECK(u32_call(M_CALL_BACK, 0, &v) == ALR_OK);
        CHECK_EQ_INT(v, 1008); /* notify(7) + 1000 */
        CHECK_EQ_INT(atomic_load(&notify_calls), 1);
        pthread_mutex_lock(&cb_mu);
        bool here = pthread_equal(notify_th, pthread_self());
        pthread_mutex_unlock(&cb_mu);
        CHECK(here);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    alr_server_close(srv);
}

/* ------------------------------------------------------------ 5. order of one-way calls */

static void test_order(void)
{
    alr_server *srv;
    alr_endpoint *ep;
    if (!open_pair(true, 10000, &srv, &ep))
        return;
    pthread_mutex_lock(&log_mu);
    log_n = log_over = 0;
    pthread_mutex_unlock(&log_mu);
    recs_clear();
    alr_endpoint_push(ep);
    unsigned sent = 0;
    for (uint32_t i = 0; i < NLOG; i++) {
        u32_args a = {i};
        sent += alr_call_oneway(&IF, M_LOG, &a) == ALR_OK;
    }
    CHECK_EQ_INT(sent, NLOG);
    /* the slot's calls run in order: when this returns, all ran */
    uint64_t v = 0;
    CHECK(add(1, 6, &v) == ALR_OK && v == 7);
    alr_endpoint_pop();
    pthread_mutex_lock(&log_mu);
    unsigned n = log_n, over = log_over, bad = 0, first_bad = NLOG;
    for (unsigned i = 0; i < n; i++)
        if (log_v[i] != i) {
            bad++;
            if (first_bad == NLOG)
                first_bad = i;
        }
    pthread_mutex_unlock(&log_mu);
    CHECK_EQ_INT(n, NLOG);
    CHECK_EQ_INT(over, 0);
    CHECK_EQ_INT(bad, 0);
    if (bad)
        fprintf(stderr, "  log out of order from index %u\n", first_bad);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ------------------------------------------------------------ 6. remote scopes */

/* The index of the first record of tag on th (nrecs when none); *rest:
 * whether every later record is on th too. */
static unsigned first_on(unsigned tag, pthread_t th, bool *rest)
{
    unsigned n = count_of(tag), first = n;
    for (unsigned i = 0; i < n && first == n; i++)
        if (rec_on(tag, i, th))
            first = i;
    *rest = true;
    for (unsigned i = first; i < n; i++)
        *rest = *rest && rec_on(tag, i, th);
    return first;
}

static void test_scope(void)
{
    alr_server *srv;
    alr_endpoint *ep;
    if (!open_pair(true, 10000, &srv, &ep))
        return;
    recs_clear();
    alr_endpoint_push(ep);
    uint64_t v = 0;
    unsigned ok = 0;
    /* unscoped: the reader (tag 6) */
    for (unsigned i = 0; i < 20; i++)
        ok += add(i, 6, &v) == ALR_OK && v == i + 6;
    /* scoped: a pool worker held for the scope (tag 7) */
    alr_remote_thread_push();
    for (unsigned i = 0; i < 20; i++)
        ok += add(i, 7, &v) == ALR_OK && v == i + 7;
    /* async calls of the scope go there too (tag 7) */
    alr_async *hs[10];
    for (unsigned i = 0; i < 10; i++) {
        add_args a = {20 + i, 7};
        if (alr_call_async(&IF, M_ADD, &a, &hs[i]) != ALR_OK)
            hs[i] = NULL;
    }
    for (unsigned i = 0; i < 10; i++) {
        ok += hs[i] && alr_async_wait(hs[i], ALR_WAIT_FOREVER) == ALR_OK;
        alr_async_release(hs[i]);
    }
    alr_remote_thread_pop();
    /* after the pop (tag 8): back on the reader once the scope's worker has
     * let go of the slot (a call arriving before that is queued behind it
     * and run by it, in order) */
    for (unsigned i = 0; i < 200; i++)
        ok += add(i, 8, &v) == ALR_OK && v == i + 8;
    alr_endpoint_pop();
    CHECK_EQ_INT(ok, 250);

    pthread_t reader, pinned;
    CHECK_EQ_INT(threads_of(6, &reader), 1);
    CHECK_EQ_INT(threads_of(7, &pinned), 1);
    CHECK_EQ_INT(count_of(7), 30);
    CHECK(!pthread_equal(reader, pinned));
    /* the first call after the pop that ran on the reader, and every later one */
    bool rest = false;
    unsigned first = first_on(8, reader, &rest);
    bool others_pinned = true; /* calls before it ran on the scope's worker */
    for (unsigned i = 0; i < first; i++)
        others_pinned = others_pinned && rec_on(8, i, pinned);
    CHECK_EQ_INT(count_of(8), 200);
    CHECK(first < 100);
    CHECK(rest);
    CHECK(others_pinned);
    printf("  remote thread scope: 30 calls on one pool thread (not the reader); after the "
           "pop, call %u on is on the reader\n", first);

    /* a remote pool scope (tag 10) goes through the pool too; after its pop
     * (tag 11) calls come back to the reader */
    alr_remote_pool *pool = alr_remote_pool_new(2);
    CHECK(pool != NULL);
    alr_endpoint_push(ep);
    ok = 0;
    alr_remote_pool_push(pool);
    for (unsigned i = 0; i < 20; i++)
        ok += add(i, 10, &v) == ALR_OK && v == i + 10;
    alr_remote_pool_pop();
    for (unsigned i = 0; i < 100; i++)
        ok += add(i, 11, &v) == ALR_OK && v == i + 11;
    alr_endpoint_pop();
    alr_remote_pool_free(pool);
    CHECK_EQ_INT(ok, 120);
    CHECK_EQ_INT(count_of(10), 20);
    bool pooled = true;
    for (unsigned i = 0; i < 20; i++)
        pooled = pooled && !rec_on(10, i, reader);
    CHECK(pooled);
    unsigned first11 = first_on(11, reader, &rest);
    CHECK_EQ_INT(count_of(11), 100);
    CHECK(first11 < 50);
    CHECK(rest);
    printf("  remote pool scope: 20 calls on %u pool thread(s), none on the reader; after "
           "the pop, call %u on is on the reader\n", threads_of(10, NULL), first11);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ------------------------------------------------------------ 7. async calls in flight */

#define NASYNC 1000u

static void test_async(void)
{
    alr_server *srv;
    alr_endpoint *ep;
    if (!open_pair(true, 10000, &srv, &ep))
        return;
    recs_clear();
    alr_stats s0;
    memset(&s0, 0, sizeof s0);
    CHECK(alr_endpoint_stats(ep, &s0) == ALR_OK);
    alr_endpoint_push(ep);
    static alr_async *hs[NASYNC];
    unsigned started = 0, good = 0;
    for (unsigned i = 0; i < NASYNC; i++) {
        add_args a = {UINT64_C(1000000) * i, 9};
        hs[i] = NULL;
        started += alr_call_async(&IF, M_ADD, &a, &hs[i]) == ALR_OK;
    }
    for (unsigned i = 0; i < NASYNC; i++) {
        if (hs[i] && alr_async_wait(hs[i], ALR_WAIT_FOREVER) == ALR_OK) {
            const u64_ret *r = alr_async_value(hs[i]);
            good += r && r->ret == UINT64_C(1000000) * i + 9;
        }
        alr_async_release(hs[i]);
    }
    alr_endpoint_pop();
    CHECK_EQ_INT(started, NASYNC);
    CHECK_EQ_INT(good, NASYNC);
    alr_stats s1;
    memset(&s1, 0, sizeof s1);
    CHECK(alr_endpoint_stats(ep, &s1) == ALR_OK);
    CHECK(s1.messages_received - s0.messages_received >= NASYNC);
    CHECK(s1.messages_received >= NASYNC);
    CHECK_EQ_INT(s1.async_outstanding, 0);
    /* one slot, all inline: one server thread, in order */
    CHECK_EQ_INT(count_of(9), NASYNC);
    CHECK_EQ_INT(threads_of(9, NULL), 1);
    pthread_mutex_lock(&rec_mu);
    unsigned inorder = 0;
    for (unsigned i = 0; i < nrecs[9]; i++)
        inorder += recs[9][i].seq == UINT64_C(1000000) * i;
    pthread_mutex_unlock(&rec_mu);
    CHECK_EQ_INT(inorder, NASYNC);
    printf("  %u async calls in flight: all answered; the client received %llu messages\n",
           NASYNC, (unsigned long long)(s1.messages_received - s0.messages_received));
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ------------------------------------------------------------ 8. a completion callback on the reader */

static pthread_mutex_t then_mu = PTHREAD_MUTEX_INITIALIZER;
static alr_err then_err;
static char then_text[512];
static pthread_t then_th;
static atomic_int then_done;

static void on_gate_done(alr_async *h, void *user)
{
    alr_endpoint *ep = user;
    (void)h;
    alr_endpoint_push(ep);
    uint64_t v = 0;
    alr_err e = add(3, 4, &v);
    alr_endpoint_pop();
    pthread_mutex_lock(&then_mu);
    then_err = e;
    snprintf(then_text, sizeof then_text, "%s", alr_last_error_text());
    then_th = pthread_self();
    pthread_mutex_unlock(&then_mu);
    atomic_store(&then_done, 1);
}

static void test_then_on_reader(void)
{
    alr_server *srv;
    alr_endpoint *ep;
    if (!open_pair(false, 2000, &srv, &ep))
        return;
    alr_endpoint_push(ep);
    atomic_store(&gate_open, false);
    atomic_store(&then_done, 0);
    /* nap(TAG_GATE) is answered only after the gate opens, so the callback
     * is registered on a pending call: it runs on the client's reader */
    u32_args a = {TAG_GATE};
    alr_async *h = NULL;
    CHECK(alr_call_async(&IF, M_NAP, &a, &h) == ALR_OK);
    CHECK(h && alr_async_then(h, on_gate_done, ep) == ALR_OK);
    atomic_store(&gate_open, true);
    WAIT_FOR(atomic_load(&then_done), 10000);
    CHECK_EQ_INT(atomic_load(&then_done), 1);
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
    alr_async_release(h);
    pthread_mutex_lock(&then_mu);
    alr_err e = then_err;
    bool on_main = pthread_equal(then_th, pthread_self());
    char text[512];
    snprintf(text, sizeof text, "%s", then_text);
    pthread_mutex_unlock(&then_mu);
    CHECK(!on_main);
    CHECK_EQ_INT(e, ALR_EINVAL);
    CHECK(strstr(text, "reader") != NULL);
    uint64_t v = 0;
    CHECK(add(3, 4, &v) == ALR_OK && v == 7); /* from this thread: fine */
    alr_endpoint_pop();
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

int main(void)
{
    size_t len = 0;
    uint8_t *blob = compile_schema(&len);
    if (!blob) {
        fprintf(stderr, "cannot compile the test schema\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    memset(&IF, 0, sizeof IF);
    IF.package = "inltest";
    IF.blob = blob;
    IF.blob_len = len;
    IF.nmethods = sizeof METHODS / sizeof METHODS[0];
    IF.methods = METHODS;
    IF.nservices = sizeof SERVICES / sizeof SERVICES[0];
    IF.services = SERVICES;
    TEST_RUN(test_one_thread);
    TEST_RUN(test_contrast);
    TEST_RUN(test_callbacks);
    TEST_RUN(test_order);
    TEST_RUN(test_scope);
    TEST_RUN(test_async);
    TEST_RUN(test_then_on_reader);
    free(blob);
    TEST_MAIN_END();
}
