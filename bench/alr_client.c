/*
 * alr_client.c - ALR's client for the RPC benchmarks (bench/run_rpc.sh):
 * calls bench_rpc.Adder.add (bench/add.alr) through the generated stub on
 * one endpoint (alr_endpoint_connect, default configuration), the way an
 * application would.
 *
 *   alr_client --port P --mode sync|async|oneway --seconds S [--warmup W]
 *              [--inflight N] [--host H]
 *       sync: one call at a time from one thread (bench_rpc_Adder_add on
 *       the thread's current endpoint); every round trip is timed, and
 *       every reply checked.  Runs W seconds of warm-up (default 0.2), then
 *       S timed seconds, and prints the result line; --inflight is accepted
 *       for the driver's sake and ignored (1 in flight).
 *       async, oneway: not implemented in this client yet: prints a result
 *       line with status=not-implemented-yet (the driver shows the row as
 *       "-"), says so on stderr and exits 0 without connecting.
 *
 * Result lines (format in bench/README.md, "RPC result lines"; latency.h):
 *   ALRBENCH/1 role=client impl=alr mode=sync inflight=1 ops=N secs=S
 *              cpu_us=U lat_n=... lat_min_us=... lat_mean_us=...
 *              lat_p50_us=... lat_p90_us=... lat_p99_us=... lat_max_us=...
 *   ALRBENCH/1 role=client impl=alr mode=M inflight=N status=not-implemented-yet
 * cpu_us is the process's CPU time (every thread, the endpoint's reader
 * included) in the timed window.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "add_gen.h"
#include "latency.h"

#define B_VALUE UINT64_C(0x0123456789)

typedef struct result {
    uint64_t ops;    /* calls completed in the timed window */
    double secs;     /* length of the timed window */
    uint64_t cpu_us; /* CPU time of this process in the timed window */
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

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: alr_client --port P --mode sync|async|oneway --seconds S"
                    " [--warmup W] [--inflight N] [--host H]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *mode = "sync";
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
        else
            usage();
    }
    if (port <= 0 || port > 65535 || !(seconds > 0) || warmup < 0 || inflight < 1 ||
        inflight > 1000000)
        usage();
    if (strcmp(mode, "async") == 0 || strcmp(mode, "oneway") == 0) {
        fprintf(stderr, "alr_client: --mode %s: not implemented yet (this benchmark measures"
                        " sync calls only for now)\n",
                mode);
        bench_client_not_implemented("alr", mode, (int)inflight);
        return 0;
    }
    if (strcmp(mode, "sync") != 0) {
        fprintf(stderr, "alr_client: unknown mode '%s' (sync, async or oneway)\n", mode);
        return 2;
    }

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
    int rc = client_sync(warmup, seconds, &res, &lat);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    if (rc == 0)
        bench_client_result("alr", mode, 1, res.ops, res.secs, res.cpu_us, &lat);
    latrec_free(&lat);
    return rc;
}
