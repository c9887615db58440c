/*
 * test_scopes.c - remote execution scopes (spec/threading.md section 13):
 * alr_remote_thread_push (every call of the scope, sync or async, runs in
 * order on one dedicated thread of the peer) and alr_remote_pool_* (calls
 * of a scope shared by several threads run on at most N peer threads at
 * once), and that calls outside any scope behave as before.  The schema is
 * tests/rpc/rpctest.alr with the hand-written descriptors of
 * tests/rpc/rpctest.h; the server here has its own Calc.add handler, which
 * records where and in which order calls ran.  Only the main thread uses
 * CHECK.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/rpc.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "lower.h"
#include "rpc/rpctest.h"
#include "schema_ir.h"
#include "sema.h"
#include "compile_blob.h"
#include "test.h"

static alr_iface IF;

/* ------------------------------------------------------------ the server's add
 *
 * add(a, b): b is a tag.  Tags below NTAGS record (pthread_self, a) per
 * tag; TAG_POOL counts concurrent runs (sleeping 2 ms) into active/max. */

#define NTAGS 16
#define NREC 512
#define TAG_POOL 100u

typedef struct rec {
    pthread_t th;
    uint64_t seq;
} rec;

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static rec recs[NTAGS][NREC];
static unsigned nrecs[NTAGS];
static atomic_int active, active_max;

static void recs_clear(void)
{
    pthread_mutex_lock(&rec_mu);
    memset(nrecs, 0, sizeof nrecs);
    pthread_mutex_unlock(&rec_mu);
}

static void sleep_us(unsigned us)
{
    struct timespec ts = {0, (long)us * 1000L};
    nanosleep(&ts, NULL);
}

static alr_err h_add(alr_call *call, uint64_t a, uint64_t b, uint64_t *ret)
{
    (void)call;
    if (b < NTAGS) {
        pthread_mutex_lock(&rec_mu);
        if (nrecs[b] < NREC) {
            recs[b][nrecs[b]].th = pthread_self();
            recs[b][nrecs[b]].seq = a;
            nrecs[b]++;
        }
        pthread_mutex_unlock(&rec_mu);
    } else if (b == TAG_POOL) {
        int now = atomic_fetch_add(&active, 1) + 1;
        int m = atomic_load(&active_max);
        while (now > m && !atomic_compare_exchange_weak(&active_max, &m, now)) {
        }
        sleep_us(2000);
        atomic_fetch_sub(&active, 1);
    }
    *ret = a + b;
    return ALR_OK;
}

static alr_err h_sleep(alr_call *call, uint32_t ms)
{
    (void)call;
    sleep_us(ms * 1000u);
    return ALR_OK;
}

static const rpctest_Calc_handlers calc = {.add = h_add, .sleep_ms = h_sleep};

static alr_server *server(uint32_t workers)
{
    alr_config c;
    alr_config_init(&c);
    c.workers = workers;
    c.call_timeout_ms = 5000;
    alr_server *srv = NULL;
    if (alr_server_new(&IF, &c, &srv) != ALR_OK)
        return NULL;
    alr_server_serve(srv, RPCTEST_SVC_CALC, &calc, NULL);
    if (alr_server_listen(srv, "127.0.0.1:0") != ALR_OK) {
        alr_server_close(srv);
        return NULL;
    }
    return srv;
}

static alr_endpoint *connect_to(alr_server *srv)
{
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", alr_server_port(srv));
    alr_config c;
    alr_config_init(&c);
    c.call_timeout_ms = 5000;
    alr_endpoint *ep = NULL;
    if (alr_endpoint_connect(addr, &IF, &c, &ep) != ALR_OK)
        return NULL;
    return ep;
}

/* Records of tag: all on one thread, with strictly increasing seq. */
static bool one_thread_in_order(unsigned tag, unsigned want, pthread_t *th)
{
    pthread_mutex_lock(&rec_mu);
    bool ok = nrecs[tag] == want;
    for (unsigned i = 0; ok && i < nrecs[tag]; i++) {
        ok = pthread_equal(recs[tag][i].th, recs[tag][0].th) &&
             (i == 0 || recs[tag][i].seq > recs[tag][i - 1].seq);
        if (!ok)
            fprintf(stderr, "tag %u record %u: seq %llu on %s thread\n", tag, i,
                    (unsigned long long)recs[tag][i].seq,
                    pthread_equal(recs[tag][i].th, recs[tag][0].th) ? "the same" : "another");
    }
    if (ok && th && want)
        *th = recs[tag][0].th;
    pthread_mutex_unlock(&rec_mu);
    return ok;
}

/* Distinct threads among the records of tag. */
static unsigned threads_of(unsigned tag)
{
    pthread_mutex_lock(&rec_mu);
    unsigned n = 0;
    for (unsigned i = 0; i < nrecs[tag]; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = pthread_equal(recs[tag][i].th, recs[tag][j].th);
        n += !seen;
    }
    pthread_mutex_unlock(&rec_mu);
    return n;
}

/* ------------------------------------------------------------ noise: other
 * threads keeping the server's workers busy, so an unpinned slot's calls
 * would land on whichever worker is free */

typedef struct noise {
    alr_endpoint *ep;
    atomic_bool stop;
    unsigned errors;
} noise;

static void *noise_main(void *arg)
{
    noise *n = arg;
    alr_endpoint_push(n->ep);
    uint64_t v;
    while (!atomic_load(&n->stop))
        if (rpctest_add(&IF, 1, NTAGS - 1, &v) != ALR_OK)
            n->errors++;
    alr_endpoint_pop();
    return NULL;
}

/* ------------------------------------------------------------ remote thread */

typedef struct pinned_arg {
    alr_endpoint *ep;
    unsigned tag, nsync, nasync, errors;
    pthread_barrier_t *bar; /* when set: all scopes stay open until every one is done */
} pinned_arg;

/* In a remote thread scope: sync calls, then async calls started in the
 * scope, then sync again; sequence numbers grow with issue order. */
static void *pinned_main(void *arg)
{
    pinned_arg *p = arg;
    alr_endpoint_push(p->ep);
    alr_remote_thread_push();
    uint64_t seq = 1, v;
    for (unsigned i = 0; i < p->nsync; i++)
        if (rpctest_add(&IF, seq++, p->tag, &v) != ALR_OK)
            p->errors++;
    alr_async *hs[64];
    unsigned nh = p->nasync < 64 ? p->nasync : 64;
    for (unsigned i = 0; i < nh; i++) {
        rpctest_add_args a = {seq++, p->tag};
        if (alr_call_async(&IF, RPCTEST_M_ADD, &a, &hs[i]) != ALR_OK) {
            hs[i] = NULL;
            p->errors++;
        }
    }
    for (unsigned i = 0; i < nh; i++) {
        if (hs[i] && alr_async_wait(hs[i], ALR_WAIT_FOREVER) != ALR_OK)
            p->errors++;
        alr_async_release(hs[i]);
    }
    for (unsigned i = 0; i < p->nsync; i++)
        if (rpctest_add(&IF, seq++, p->tag, &v) != ALR_OK)
            p->errors++;
    /* without this a fast scope could close before a slow one opens, and
     * its peer thread could then (rightly) serve the next scope */
    if (p->bar)
        pthread_barrier_wait(p->bar);
    alr_remote_thread_pop();
    alr_endpoint_pop();
    return NULL;
}

static void test_remote_thread(void)
{
    alr_server *srv = server(16);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_to(srv);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    recs_clear();
    noise nz[3];
    pthread_t nth[3];
    for (unsigned i = 0; i < 3; i++) {
        nz[i].ep = ep;
        atomic_init(&nz[i].stop, false);
        nz[i].errors = 0;
        pthread_create(&nth[i], NULL, noise_main, &nz[i]);
    }
    /* four threads, each in its own remote thread scope, at once */
    pinned_arg pa[4];
    pthread_t th[4];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 4);
    for (unsigned i = 0; i < 4; i++) {
        pa[i] = (pinned_arg){ep, i + 1, 40, 40, 0, &bar};
        pthread_create(&th[i], NULL, pinned_main, &pa[i]);
    }
    for (unsigned i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    for (unsigned i = 0; i < 3; i++) {
        atomic_store(&nz[i].stop, true);
        pthread_join(nth[i], NULL);
        CHECK_EQ_INT(nz[i].errors, 0);
    }
    pthread_t remote[4];
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ_INT(pa[i].errors, 0);
        CHECK(one_thread_in_order(i + 1, 120, &remote[i]));
    }
    /* each scope had its own dedicated thread */
    for (unsigned i = 0; i < 4; i++)
        for (unsigned j = i + 1; j < 4; j++)
            CHECK(!pthread_equal(remote[i], remote[j]));
    /* the noise (no scope) ran on several workers, as before */
    unsigned spread = threads_of(NTAGS - 1);
    printf("remote thread: 4 scopes x 120 calls each on one peer thread; "
           "unscoped noise on %u peer threads\n", spread);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* A pinned slot holds one of the peer's workers until its scope ends:
 * with 2 workers, after A's scope ends two new scopes (C, D) still run. */
typedef struct hold_arg {
    alr_endpoint *ep;
    unsigned tag;
    alr_err e;
} hold_arg;

static void *hold_main(void *arg)
{
    hold_arg *h = arg;
    alr_endpoint_push(h->ep);
    alr_remote_thread_push();
    uint64_t v;
    h->e = rpctest_add(&IF, 1, h->tag, &v);
    if (h->e == ALR_OK)
        h->e = rpctest_add(&IF, 2, h->tag, &v);
    rpctest_sleep_ms(50); /* both scopes open at once */
    if (h->e == ALR_OK)
        h->e = rpctest_add(&IF, 3, h->tag, &v);
    alr_remote_thread_pop();
    alr_endpoint_pop();
    return NULL;
}

static void test_release(void)
{
    alr_server *srv = server(2);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_to(srv);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    recs_clear();
    alr_endpoint_push(ep);
    uint64_t v = 0;
    alr_remote_thread_push();
    CHECK(rpctest_add(&IF, 1, 5, &v) == ALR_OK && v == 6);
    CHECK(rpctest_add(&IF, 2, 5, &v) == ALR_OK);
    alr_remote_thread_pop();
    CHECK(rpctest_add(&IF, 3, 6, &v) == ALR_OK); /* unpins (SCOPE NONE first) */
    CHECK(one_thread_in_order(5, 2, NULL));
    alr_endpoint_pop();

    hold_arg h[2] = {{ep, 7, ALR_EINVAL}, {ep, 8, ALR_EINVAL}};
    pthread_t th[2];
    for (unsigned i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, hold_main, &h[i]);
    for (unsigned i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(h[i].e, ALR_OK);
        CHECK(one_thread_in_order(7 + i, 3, NULL));
    }
    /* nested: a pool scope inside a thread scope wins, the pop restores */
    alr_endpoint_push(ep);
    alr_remote_pool *pool = alr_remote_pool_new(1);
    CHECK(pool != NULL);
    alr_remote_thread_push();
    alr_remote_pool_push(pool);
    CHECK(rpctest_add(&IF, 1, 9, &v) == ALR_OK);
    alr_remote_pool_pop();
    CHECK(rpctest_add(&IF, 2, 10, &v) == ALR_OK);
    CHECK(rpctest_add(&IF, 3, 10, &v) == ALR_OK);
    alr_remote_thread_pop();
    CHECK(one_thread_in_order(10, 2, NULL));
    alr_remote_pool_free(pool);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* ------------------------------------------------------------ remote pool */

typedef struct pool_arg {
    alr_endpoint *ep;
    alr_remote_pool *pool; /* NULL: no scope */
    unsigned n, errors;
} pool_arg;

static void *pool_main(void *arg)
{
    pool_arg *p = arg;
    alr_endpoint_push(p->ep);
    if (p->pool)
        alr_remote_pool_push(p->pool);
    uint64_t v;
    for (unsigned i = 0; i < p->n; i++)
        if (rpctest_add(&IF, i, TAG_POOL, &v) != ALR_OK)
            p->errors++;
    /* async calls from the scope count too */
    alr_async *hs[8];
    for (unsigned i = 0; i < 8; i++) {
        rpctest_add_args a = {i, TAG_POOL};
        if (alr_call_async(&IF, RPCTEST_M_ADD, &a, &hs[i]) != ALR_OK) {
            hs[i] = NULL;
            p->errors++;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        if (hs[i] && alr_async_wait(hs[i], ALR_WAIT_FOREVER) != ALR_OK)
            p->errors++;
        alr_async_release(hs[i]);
    }
    if (p->pool)
        alr_remote_pool_pop();
    alr_endpoint_pop();
    return NULL;
}

/* nthreads threads on neps endpoints (round robin) in scope pool (or none):
 * the peak of concurrent TAG_POOL runs. */
static int pool_run(alr_endpoint **eps, unsigned neps, alr_remote_pool *pool, unsigned nthreads)
{
    atomic_store(&active, 0);
    atomic_store(&active_max, 0);
    pool_arg pa[8];
    pthread_t th[8];
    for (unsigned i = 0; i < nthreads; i++) {
        pa[i] = (pool_arg){eps[i % neps], pool, 20, 0};
        pthread_create(&th[i], NULL, pool_main, &pa[i]);
    }
    unsigned errors = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        errors += pa[i].errors;
    }
    CHECK_EQ_INT(errors, 0);
    return atomic_load(&active_max);
}

static void test_remote_pool(void)
{
    alr_server *srv = server(64);
    CHECK(srv != NULL);
    if (!srv)
        return;
    alr_endpoint *ep = connect_to(srv);
    CHECK(ep != NULL);
    if (!ep) {
        alr_server_close(srv);
        return;
    }
    int free_max = pool_run(&ep, 1, NULL, 8);
    CHECK(free_max >= 2); /* without a scope the calls overlap */
    alr_remote_pool *p3 = alr_remote_pool_new(3), *p1 = alr_remote_pool_new(1);
    CHECK(p3 && p1);
    int max3 = pool_run(&ep, 1, p3, 8);
    CHECK(max3 >= 1 && max3 <= 3);
    int max1 = pool_run(&ep, 1, p1, 6);
    CHECK_EQ_INT(max1, 1);
    /* the scope object again, later: the same limit */
    int again = pool_run(&ep, 1, p3, 8);
    CHECK(again >= 1 && again <= 3);
    printf("remote pool: 8 threads peak %d without a scope, %d / %d with N = 3, "
           "%d with N = 1\n", free_max, max3, again, max1);
    /* outside any scope again: overlapping as before */
    int after = pool_run(&ep, 1, NULL, 8);
    CHECK(after >= 2);
    alr_remote_pool_free(p3);
    alr_remote_pool_free(p1);
    alr_endpoint_close(ep);
    alr_server_close(srv);
}

/* A scope pushed with no endpoint changes nothing; pops without a push
 * and of the other kind are ignored. */
static void test_unbalanced(void)
{
    alr_remote_thread_pop();
    alr_remote_pool_pop();
    alr_remote_pool_push(NULL);
    alr_remote_thread_push();
    alr_remote_pool_pop(); /* not a pool scope on top: ignored */
    uint64_t v;
    CHECK(rpctest_add(&IF, 1, 2, &v) == ALR_ENOENDPOINT);
    alr_remote_thread_pop();
    alr_remote_pool *p = alr_remote_pool_new(0); /* n 0 is 1 */
    CHECK(p != NULL);
    alr_remote_pool_free(p);
    alr_remote_pool_free(NULL);
}

int main(void)
{
    size_t len = 0;
    uint8_t *blob = compile_path("tests/rpc/rpctest.alr", &len);
    if (!blob) {
        fprintf(stderr, "cannot compile tests/rpc/rpctest.alr (run from the repository root)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    rpctest_iface_init(&IF, blob, len, false);
    TEST_RUN(test_unbalanced);
    TEST_RUN(test_remote_thread);
    TEST_RUN(test_release);
    TEST_RUN(test_remote_pool);
    free(blob);
    TEST_MAIN_END();
}
