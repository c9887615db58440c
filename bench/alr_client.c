/*
 * alr_client.c - ALR's client for the RPC benchmarks (bench/run_rpc.sh):
 * calls bench_rpc.Adder.add (bench/add.alr) through the generated stub on
 * one endpoint (alr_endpoint_connect, default configuration), the way an
 * application would.
 *
 *   alr_client --port P --mode sync|async|oneway|async-SHAPE --seconds S
 *              [--warmup W] [--inflight N] [--host H] [--data DIR]
 *       sync: one call at a time from one thread (bench_rpc_Adder_add on
 *       the thread's current endpoint); every round trip is timed, and
 *       every reply checked.  Runs W seconds of warm-up (default 0.2), then
 *       S timed seconds, and prints the result line; --inflight is accepted
 *       for the driver's sake and ignored (1 in flight).
 *       async: --inflight N calls of add_async in flight from one thread:
 *       the main thread starts N (bench_rpc_Adder_add_async_async), and the
 *       completion callback of each (alr_async_then; it runs on the
 *       endpoint's reader) checks the reply, records the latency (start of
 *       the call to its completion) of one call in 16, and starts the next
 *       call, until the timed window ends; the calls still in flight then
 *       finish uncounted.  The window opens at the first timed completion
 *       after the warm-up, and closes at the first after S seconds.
 *       oneway: one thread floods add_oneway (bench_rpc_Adder_add_oneway)
 *       for W seconds, then calls oneways_handled() (a sync call on the same
 *       slot: it runs after every one-way call before it, so it returns once
 *       the server has run them all), floods for S seconds and calls it
 *       again.  ops = the difference of the two answers, the calls the
 *       server ran in the window; it must equal the calls sent (checked).
 *       No latency.
 *       async-small, async-medium, async-large: as async, calling
 *       echo_<shape> with the struct of DIR/<shape>.json (default DIR:
 *       bench/data; read with tools/alr/json_value.c into the generated
 *       struct) whose id (its first field) is set to the call's number; the
 *       reply's id is checked on every call, the whole reply (encoded)
 *       against what was sent on the first.
 *
 * Result lines (format in bench/README.md, "RPC result lines"; latency.h):
 *   ALRBENCH/1 role=client impl=alr mode=sync inflight=1 ops=N secs=S
 *              cpu_us=U lat_n=... lat_min_us=... lat_mean_us=...
 *              lat_p50_us=... lat_p90_us=... lat_p99_us=... lat_max_us=...
 * cpu_us is the process's CPU time (every thread, the endpoint's reader
 * and flusher included) in the timed window.  The async and oneway lines
 * add the endpoint's write path over the window (alr_endpoint_stats):
 *   writes_per_kcall=X  socket writes (sendmsg) per 1000 calls
 *   frames_per_write=X  frames sent per write
 * which run_rpc.sh prints under the table.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "add_gen.h"
#include "json_value.h"
#include "latency.h"

#define B_VALUE UINT64_C(0x0123456789)

typedef struct result {
    uint64_t ops;    /* calls completed in the timed window */
    double secs;     /* length of the timed window */
    uint64_t cpu_us; /* CPU time of this process in the timed window */
    alr_stats st0, st1; /* the client endpoint's counters at the window's ends */
} result;

static int call_failed(alr_err e)
{
    const char *text = alr_last_error_text();
    fprintf(stderr, "alr_client: add: %s%s%s\n", alr_strerror(e), *text ? ": " : "", text);
    return 1;
}

/* one call at a time on the current endpoint, as floor.c's pingpong */
static int client_sync(double warmup, double seconds, result *res, latrec *lat)
{
    double t = bench_now_s(), t_warm = t + warmup, t_end = t_warm + seconds, t0 = 0;
    int timed = 0;
    uint64_t cpu0 = 0, ops = 0;
    for (uint64_t i = 1;; i++) {
        uint64_t a = i, b = B_VALUE, sum = 0;
        uint64_t s = bench_now_ns();
        alr_err e = bench_rpc_Adder_add(a, b, &sum);
        uint64_t end = bench_now_ns();
        if (e != ALR_OK)
            return call_failed(e);
        if (sum != a + b) {
            fprintf(stderr, "alr_client: add(%llu, %llu): wrong reply %llu\n",
                    (unsigned long long)a, (unsigned long long)b, (unsigned long long)sum);
            return 1;
        }
        double tn = (double)end * 1e-9;
        if (!timed) {
            if (tn >= t_warm) {
                timed = 1;
                t0 = tn;
                cpu0 = bench_cpu_us();
            }
            continue;
        }
        if (tn >= t_end) {
            res->cpu_us = bench_cpu_us() - cpu0;
            res->secs = tn - t0;
            res->ops = ops;
            return 0;
        }
        latrec_add(lat, end - s);
        ops++;
    }
}

/* ------------------------------------------------------------ async */

typedef struct async_run async_run;

/* what the async modes call: add_async, or echo_<shape> with the data of
 * bench/data/<shape>.json */
enum { SHAPE_NONE, SHAPE_SMALL, SHAPE_MEDIUM, SHAPE_LARGE };
static const char *const shape_names[] = {NULL, "small", "medium", "large"};
static const char *const shape_types[] = {NULL, "bench.Quote", "bench.Item", "bench.CatalogPage"};

/* one of the --inflight lanes: exactly one call in flight at a time */
typedef struct lane {
    async_run *run;
    uint64_t a;        /* add: the first argument (b is B_VALUE); echo: the id */
    uint64_t start_ns; /* when the stub was called: sampled calls only */
    int sampled;       /* this call is timed (one in LAT_EVERY) */
} lane;

/* The async modes time one call in LAT_EVERY (the latency percentiles and
 * the window's edges come from those): two clock reads per call would cost
 * the client more than a tenth of what an ALR call costs it. */
#define LAT_EVERY 16u

struct async_run {
    alr_endpoint *ep;
    int shape;              /* SHAPE_*: which method */
    const void *value;      /* echo: the data (its id replaced per call) */
    atomic_int checked;     /* the first echo was compared in full */
    /* stop and timed are written under mu, read without it by a callback's
     * fast path (a call that is neither timed nor the last) */
    atomic_int stop, timed;
    _Atomic uint64_t ops;   /* calls done in the window (one thread counts, once
                               the window is open: a relaxed load and store) */
    pthread_mutex_t mu; /* guards what follows (the callbacks run on the reader,
                           the first calls' on the main thread) */
    pthread_cond_t cv;  /* done: in_flight reached 0 after stop */
    _Atomic uint64_t next_a; /* lane_start runs on the main thread and in callbacks */
    uint64_t t_warm_ns, t_end_ns;
    int failed;
    long in_flight;
    latrec *lat;
    result *res;
    uint64_t t0_ns;
    uint64_t cpu0;
};

static void async_done(alr_async *h, void *user);

static const char *alr_async_method_name(const alr_async *h)
{
    uint32_t m = alr_async_method(h);
    return m < bench_rpc_iface.nmethods ? bench_rpc_iface.methods[m].name : "?";
}

/* The echo v of lane l's call is what it sent, every field (compared as
 * encoded bytes; once per run, outside the window: the first reply). */
static int echo_same(async_run *r, const lane *l, const void *v)
{
    const alr_struct_desc *sd = NULL;
    for (uint32_t i = 0; i < bench_rpc__NSTRUCTS; i++)
        if (strcmp(bench_rpc__structs[i].name, shape_types[r->shape]) == 0)
            sd = &bench_rpc__structs[i];
    if (!sd)
        return 0;
    void *sent = malloc(sd->size);
    if (!sent)
        return 0;
    memcpy(sent, r->value, sd->size);
    /* the id is the struct's first member (u64) in every shape */
    memcpy((char *)sent + sd->members[0].offset, &l->a, sizeof l->a);
    alr_buf b1 = {0}, b2 = {0};
    const alr_plan *plan = alr_endpoint_plan(r->ep);
    int same = alr_encode(sd, plan, sent, &b1) == ALR_OK && alr_encode(sd, plan, v, &b2) == ALR_OK &&
               b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0;
    free(b1.data);
    free(b2.data);
    free(sent);
    return same;
}

/* starts the next call of lane l; 0, or 1 after a failure (reported) */
static int lane_start(lane *l)
{
    async_run *r = l->run;
    l->a = atomic_fetch_add_explicit(&r->next_a, 1, memory_order_relaxed);
    alr_async *h = NULL;
    alr_err e;
    l->sampled = l->a % LAT_EVERY == 0;
    if (l->sampled)
        l->start_ns = bench_now_ns();
    switch (r->shape) {
    case SHAPE_SMALL: {
        bench_Quote v = *(const bench_Quote *)r->value;
        v.id = l->a;
        e = bench_rpc_Adder_echo_small_async(&v, &h);
        break;
    }
    case SHAPE_MEDIUM: {
        bench_Item v = *(const bench_Item *)r->value;
        v.id = l->a;
        e = bench_rpc_Adder_echo_medium_async(&v, &h);
        break;
    }
    case SHAPE_LARGE: {
        bench_CatalogPage v = *(const bench_CatalogPage *)r->value;
        v.catalog_id = l->a;
        e = bench_rpc_Adder_echo_large_async(&v, &h);
        break;
    }
    default:
        e = bench_rpc_Adder_add_async_async(l->a, B_VALUE, &h);
        break;
    }
    if (e != ALR_OK)
        return call_failed(e);
    e = alr_async_then(h, async_done, l); /* may run async_done now */
    alr_async_release(h);                 /* the library keeps its own */
    if (e != ALR_OK)
        return call_failed(e);
    return 0;
}

/* lane l's next call (from its previous one's callback: the handle's
 * endpoint is current there) */
static void lane_next(lane *l)
{
    async_run *r = l->run;
    if (lane_start(l) != 0) {
        pthread_mutex_lock(&r->mu);
        r->failed = 1;
        r->stop = 1;
        if (--r->in_flight == 0)
            pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
}

static void async_done(alr_async *h, void *user)
{
    lane *l = user;
    async_run *r = l->run;
    uint64_t end = l->sampled ? bench_now_ns() : 0;
    const void *v = NULL;
    uint64_t got = 0, want = l->a;
    switch (r->shape) {
    case SHAPE_SMALL: {
        const bench_Quote *q = bench_rpc_Adder_echo_small_value(h);
        v = q;
        got = q ? q->id : 0;
        break;
    }
    case SHAPE_MEDIUM: {
        const bench_Item *it = bench_rpc_Adder_echo_medium_value(h);
        v = it;
        got = it ? it->id : 0;
        break;
    }
    case SHAPE_LARGE: {
        const bench_CatalogPage *pg = bench_rpc_Adder_echo_large_value(h);
        v = pg;
        got = pg ? pg->catalog_id : 0;
        break;
    }
    default: {
        const uint64_t *sum = bench_rpc_Adder_add_async_value(h);
        v = sum;
        got = sum ? *sum : 0;
        want = l->a + B_VALUE;
        break;
    }
    }
    /* the usual call: right, not timed, the run goes on - no lock */
    if (v && got == want && !l->sampled && atomic_load_explicit(&r->checked, memory_order_relaxed) &&
        !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (atomic_load_explicit(&r->timed, memory_order_relaxed))
            atomic_store_explicit(&r->ops, atomic_load_explicit(&r->ops, memory_order_relaxed) + 1,
                                  memory_order_relaxed);
        lane_next(l);
        return;
    }
    pthread_mutex_lock(&r->mu);
    int again = 0;
    if (!v) {
        if (!r->failed)
            fprintf(stderr, "alr_client: %s: %s%s%s\n", alr_async_method_name(h),
                    alr_strerror(alr_async_error(h)), *alr_async_error_text(h) ? ": " : "",
                    alr_async_error_text(h));
        r->failed = 1;
        r->stop = 1;
    } else if (got != want || (r->shape != SHAPE_NONE && !r->checked && !echo_same(r, l, v))) {
        if (!r->failed)
            fprintf(stderr, "alr_client: %s: wrong reply (%llu, expected %llu, or another"
                            " field)\n",
                    alr_async_method_name(h), (unsigned long long)got,
                    (unsigned long long)want);
        r->failed = 1;
        r->stop = 1;
    } else if (!r->stop) {
        r->checked = 1;
        if (!l->sampled) {
            if (r->timed)
                r->ops++;
        } else if (!r->timed) {
            if (end >= r->t_warm_ns) { /* the window opens */
                r->timed = 1;
                r->t0_ns = end;
                r->cpu0 = bench_cpu_us();
                alr_endpoint_stats(r->ep, &r->res->st0);
            }
        } else if (end >= r->t_end_ns) { /* the window closes */
            r->stop = 1;
            r->res->cpu_us = bench_cpu_us() - r->cpu0;
            r->res->secs = (double)(end - r->t0_ns) * 1e-9;
            r->res->ops = r->ops;
            alr_endpoint_stats(r->ep, &r->res->st1);
        } else {
            latrec_add(r->lat, end - l->start_ns);
            r->ops++;
        }
        again = !r->stop;
    }
    if (!again && --r->in_flight == 0)
        pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (again)
        lane_next(l);
}

/* --inflight lanes, each starting its next call from the previous one's
 * completion callback */
static int client_async(alr_endpoint *ep, int shape, const void *value, long inflight,
                        double warmup, double seconds, result *res, latrec *lat)
{
    async_run r = {0};
    r.ep = ep;
    r.shape = shape;
    r.value = value;
    r.next_a = 1;
    r.lat = lat;
    r.res = res;
    uint64_t now = bench_now_ns();
    r.t_warm_ns = now + (uint64_t)(warmup * 1e9);
    r.t_end_ns = r.t_warm_ns + (uint64_t)(seconds * 1e9);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    lane *lanes = calloc((size_t)inflight, sizeof *lanes);
    if (!lanes) {
        fprintf(stderr, "alr_client: out of memory\n");
        return 1;
    }
    r.in_flight = inflight;
    for (long i = 0; i < inflight; i++) {
        lanes[i].run = &r;
        if (lane_start(&lanes[i]) != 0) {
            pthread_mutex_lock(&r.mu);
            r.failed = r.stop = 1;
            r.in_flight -= inflight - i; /* this lane and those never started */
            if (r.in_flight == 0)
                pthread_cond_signal(&r.cv);
            pthread_mutex_unlock(&r.mu);
            break;
        }
    }
    pthread_mutex_lock(&r.mu);
    while (r.in_flight > 0)
        pthread_cond_wait(&r.cv, &r.mu);
    int rc = r.failed || !r.timed || !r.stop;
    pthread_mutex_unlock(&r.mu);
    free(lanes);
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);
    return rc;
}

/* ------------------------------------------------------------ shape data */

static void *jv_calloc(void *ctx, size_t size)
{
    (void)ctx;
    return calloc(1, size ? size : 1); /* never freed: the process's life */
}

/* The value of dir/<shape>.json as the generated C struct of its type (the
 * descriptors of add_gen.c, enum names from the embedded schema); NULL
 * with a message on stderr. */
static void *load_shape(const char *dir, int shape)
{
    const alr_struct_desc *sd = NULL;
    for (uint32_t i = 0; i < bench_rpc__NSTRUCTS; i++)
        if (strcmp(bench_rpc__structs[i].name, shape_types[shape]) == 0)
            sd = &bench_rpc__structs[i];
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s.json", dir, shape_names[shape]);
    FILE *f = fopen(path, "rb");
    if (!sd || !f) {
        fprintf(stderr, "alr_client: %s: %s\n", path, sd ? "cannot open" : "no such type");
        if (f)
            fclose(f);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *t = realloc(text, cap);
            if (!t)
                break;
            text = t;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    alr_schema *schema = NULL;
    json_t *j = NULL;
    void *value = calloc(1, sd->size);
    int ok = text && value &&
             alr_schema_load(bench_rpc_iface.blob, bench_rpc_iface.blob_len, &schema, err,
                             sizeof err) == ALR_OK &&
             jv_loads(text, len, &j, err, sizeof err) == 0;
    if (ok) {
        jv_opts o = {schema, jv_calloc, NULL};
        ok = jv_struct_from_json(&o, sd, j, value, err, sizeof err) == 0;
    }
    if (!ok) {
        fprintf(stderr, "alr_client: %s: %s\n", path, text && value ? err : "out of memory");
        free(value);
        value = NULL;
    }
    json_decref(j);
    alr_schema_free(schema);
    free(text);
    return value;
}

/* ------------------------------------------------------------ oneway */

/* the server's count of add_oneway calls run, once all sent before ran */
static int oneway_drain(uint64_t *handled)
{
    alr_err e = bench_rpc_Adder_oneways_handled(handled);
    return e == ALR_OK ? 0 : call_failed(e);
}

/* floods add_oneway until t_end_ns; *sent counts the calls */
static int oneway_flood(uint64_t t_end_ns, uint64_t *next_a, uint64_t *sent)
{
    for (;;) {
        for (int k = 0; k < 64; k++) {
            alr_err e = bench_rpc_Adder_add_oneway((*next_a)++, B_VALUE);
            if (e != ALR_OK)
                return call_failed(e);
        }
        *sent += 64;
        if (bench_now_ns() >= t_end_ns)
            return 0;
    }
}

static int client_oneway(alr_endpoint *ep, double warmup, double seconds, result *res)
{
    uint64_t a = 1, warm_sent = 0, sent = 0, h0, h1;
    if (oneway_flood(bench_now_ns() + (uint64_t)(warmup * 1e9), &a, &warm_sent) ||
        oneway_drain(&h0))
        return 1;
    uint64_t t0 = bench_now_ns(), cpu0 = bench_cpu_us();
    alr_endpoint_stats(ep, &res->st0);
    if (oneway_flood(t0 + (uint64_t)(seconds * 1e9), &a, &sent) || oneway_drain(&h1))
        return 1;
    uint64_t t1 = bench_now_ns();
    res->cpu_us = bench_cpu_us() - cpu0;
    alr_endpoint_stats(ep, &res->st1);
    res->secs = (double)(t1 - t0) * 1e-9;
    res->ops = h1 - h0;
    if (h0 != warm_sent || h1 - h0 != sent) {
        fprintf(stderr, "alr_client: oneway: the server ran %llu calls of the %llu sent in the"
                        " window (%llu of %llu before)\n",
                (unsigned long long)(h1 - h0), (unsigned long long)sent,
                (unsigned long long)h0, (unsigned long long)warm_sent);
        return 1;
    }
    return 0;
}

/* " writes_per_kcall=X frames_per_write=X": the client endpoint's write path
 * over the window (the two oneways_handled calls of oneway mode included) */
static void print_write_stats(const result *res)
{
    uint64_t w = res->st1.writes - res->st0.writes;
    uint64_t m = res->st1.messages_sent - res->st0.messages_sent;
    if (res->ops == 0 || w == 0)
        return;
    printf(" writes_per_kcall=%.3f frames_per_write=%.1f", 1000.0 * (double)w / (double)res->ops,
           (double)m / (double)w);
}

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: alr_client --port P --mode sync|async|oneway|async-SHAPE --seconds S"
                    " [--warmup W] [--inflight N] [--host H] [--data DIR]\n"
                    "  SHAPE: small, medium, large (DIR/SHAPE.json; DIR: bench/data)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *mode = "sync", *data_dir = "bench/data";
    long port = -1, inflight = 1;
    double seconds = 1.0, warmup = 0.2;
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(k, "--host") == 0)
            host = v;
        else if (strcmp(k, "--port") == 0)
            port = strtol(v, NULL, 10);
        else if (strcmp(k, "--mode") == 0)
            mode = v;
        else if (strcmp(k, "--seconds") == 0)
            seconds = atof(v);
        else if (strcmp(k, "--warmup") == 0)
            warmup = atof(v);
        else if (strcmp(k, "--inflight") == 0)
            inflight = strtol(v, NULL, 10);
        else if (strcmp(k, "--data") == 0)
            data_dir = v;
        else
            usage();
    }
    if (port <= 0 || port > 65535 || !(seconds > 0) || warmup < 0 || inflight < 1 ||
        inflight > 1000000)
        usage();
    int m_sync = strcmp(mode, "sync") == 0, m_async = strcmp(mode, "async") == 0;
    int shape = SHAPE_NONE;
    for (int i = SHAPE_SMALL; i <= SHAPE_LARGE; i++)
        if (strncmp(mode, "async-", 6) == 0 && strcmp(mode + 6, shape_names[i]) == 0)
            shape = i;
    if (shape != SHAPE_NONE)
        m_async = 1;
    if (!m_sync && !m_async && strcmp(mode, "oneway") != 0) {
        fprintf(stderr, "alr_client: unknown mode '%s' (sync, async, oneway,"
                        " async-small, async-medium or async-large)\n",
                mode);
        return 2;
    }
    void *value = NULL;
    if (shape != SHAPE_NONE && !(value = load_shape(data_dir, shape)))
        return 1;

    char addr[300];
    snprintf(addr, sizeof addr, strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
    alr_endpoint *ep = NULL;
    alr_err e = alr_endpoint_connect(addr, &bench_rpc_iface, NULL, &ep);
    if (e != ALR_OK) {
        const char *text = alr_last_error_text();
        fprintf(stderr, "alr_client: connect %s: %s%s%s\n", addr, alr_strerror(e),
                *text ? ": " : "", text);
        return 1;
    }
    alr_endpoint_push(ep);
    result res = {0};
    latrec lat = {0};
    int rc = m_sync    ? client_sync(warmup, seconds, &res, &lat)
             : m_async ? client_async(ep, shape, value, inflight, warmup, seconds, &res, &lat)
                       : client_oneway(ep, warmup, seconds, &res);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    if (rc == 0 && m_sync) {
        bench_client_result("alr", mode, 1, res.ops, res.secs, res.cpu_us, &lat);
    } else if (rc == 0) {
        /* bench_client_result's line, with the write statistics in it */
        int n = m_async ? (int)inflight : 1;
        printf("ALRBENCH/1 role=client impl=alr mode=%s inflight=%d ops=%llu secs=%.6f"
               " cpu_us=%llu%s",
               mode, n, (unsigned long long)res.ops, res.secs, (unsigned long long)res.cpu_us,
               BENCH_SAN_FIELD);
        print_write_stats(&res);
        latrec_print(&lat, stdout);
        printf("\n");
        fflush(stdout);
    }
    latrec_free(&lat);
    free(value); /* its strings and lists: at exit */
    return rc;
}
