/*
 * latency.h - what the C programs of the RPC benchmarks (bench/floor.c,
 * bench/alr_server.c, bench/alr_client.c) share: clocks, the process's CPU
 * time, the latency recorder and the result lines the driver reads
 * (bench/run_rpc.sh; format in bench/README.md, "RPC result lines").
 * Header only (static inline functions): one implementation, no library.
 *
 * Result lines, each one line on standard output, flushed:
 *   ALRBENCH/1 role=server impl=NAME event=ready port=P
 *   ALRBENCH/1 role=server impl=NAME event=exit ops=N cpu_us=U
 *   ALRBENCH/1 role=client impl=NAME mode=M inflight=N ops=N secs=S cpu_us=U
 *              [san=1] [lat_n=... lat_min_us=... lat_mean_us=... lat_p50_us=...
 *               lat_p90_us=... lat_p99_us=... lat_max_us=...]
 *   ALRBENCH/1 role=client impl=NAME mode=M inflight=N status=not-implemented-yet
 * The last one says that the program does not have mode M yet: the driver
 * shows the row as "-" (no numbers, not a failure).
 */
#ifndef ALR_BENCH_LATENCY_H
#define ALR_BENCH_LATENCY_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* " san=1" in the client's line of a sanitized build: the driver then says
 * that the timings mean nothing */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_SAN_FIELD " san=1"
#else
#define BENCH_SAN_FIELD ""
#endif

/* ------------------------------------------------------------ clocks */

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static inline double bench_now_s(void)
{
    return (double)bench_now_ns() * 1e-9;
}

/* user + system CPU time of the whole process (every thread), in µs */
static inline uint64_t bench_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
           (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

/* ------------------------------------------------------------ latency recorder */

/* Every sample is kept (ns); the report sorts them.  Percentiles are
 * nearest-rank: pX = the ceil(X/100 * n)-th smallest sample. */
typedef struct latrec {
    uint64_t *ns;
    size_t n, cap;
} latrec;

static inline void latrec_add(latrec *r, uint64_t ns)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : (size_t)1 << 16;
        uint64_t *v = realloc(r->ns, cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "bench: out of memory for %zu latency samples\n", cap);
            exit(1);
        }
        r->ns = v;
        r->cap = cap;
    }
    r->ns[r->n++] = ns;
}

static inline void latrec_free(latrec *r)
{
    free(r->ns);
    r->ns = NULL;
    r->n = r->cap = 0;
}

static inline int latrec_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* the pct-th percentile in µs (nearest rank; the samples sorted, n > 0) */
static inline double latrec_pct_us(const latrec *r, double pct)
{
    size_t rank = (size_t)((pct / 100.0) * (double)r->n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > r->n)
        rank = r->n;
    return (double)r->ns[rank - 1] / 1000.0;
}

/* appends " lat_n=... lat_max_us=..." (nothing without samples); sorts r */
static inline void latrec_print(latrec *r, FILE *f)
{
    if (r->n == 0)
        return;
    qsort(r->ns, r->n, sizeof *r->ns, latrec_cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < r->n; i++)
        sum += (double)r->ns[i];
    fprintf(f, " lat_n=%zu lat_min_us=%.3f lat_mean_us=%.3f lat_p50_us=%.3f lat_p90_us=%.3f"
               " lat_p99_us=%.3f lat_max_us=%.3f",
            r->n, (double)r->ns[0] / 1000.0, sum / (double)r->n / 1000.0,
            latrec_pct_us(r, 50), latrec_pct_us(r, 90), latrec_pct_us(r, 99),
            (double)r->ns[r->n - 1] / 1000.0);
}

/* ------------------------------------------------------------ result lines */

static inline void bench_server_ready(const char *impl, unsigned port)
{
    printf("ALRBENCH/1 role=server impl=%s event=ready port=%u\n", impl, port);
    fflush(stdout);
}

/* ops: calls served since the ready line; cpu_us: CPU time since then */
static inline void bench_server_exit(const char *impl, uint64_t ops, uint64_t cpu_us)
{
    printf("ALRBENCH/1 role=server impl=%s event=exit ops=%" PRIu64 " cpu_us=%" PRIu64 "\n",
           impl, ops, cpu_us);
    fflush(stdout);
}

/* The client's figures: ops completed in the timed window of secs seconds,
 * cpu_us of the process in that window, and the latency of each call in it
 * (lat may be NULL or empty: no lat_* fields).  Sorts lat. */
static inline void bench_client_result(const char *impl, const char *mode, int inflight,
                                       uint64_t ops, double secs, uint64_t cpu_us, latrec *lat)
{
    printf("ALRBENCH/1 role=client impl=%s mode=%s inflight=%d ops=%" PRIu64
           " secs=%.6f cpu_us=%" PRIu64 "%s",
           impl, mode, inflight, ops, secs, cpu_us, BENCH_SAN_FIELD);
    if (lat)
        latrec_print(lat, stdout);
    printf("\n");
    fflush(stdout);
}

/* Mode `mode` does not exist yet in this program: the driver shows "-". */
static inline void bench_client_not_implemented(const char *impl, const char *mode, int inflight)
{
    printf("ALRBENCH/1 role=client impl=%s mode=%s inflight=%d status=not-implemented-yet\n",
           impl, mode, inflight);
    fflush(stdout);
}

#endif /* ALR_BENCH_LATENCY_H */
