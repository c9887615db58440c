/*
 * latency_cxx.c - bench/latency.h for the C++ programs of the Cap'n Proto
 * peer: see latency_cxx.h.
 */
#include "latency.h"

#include "latency_cxx.h"

static const char IMPL[] = "capnp";

uint64_t capnp_bench_now_ns(void)
{
    return bench_now_ns();
}

uint64_t capnp_bench_cpu_us(void)
{
    return bench_cpu_us();
}

latrec *capnp_latrec_new(void)
{
    latrec *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return r;
}

void capnp_latrec_add(latrec *r, uint64_t ns)
{
    latrec_add(r, ns);
}

void capnp_latrec_free(latrec *r)
{
    if (r)
        latrec_free(r);
    free(r);
}

void capnp_bench_server_ready(unsigned port)
{
    bench_server_ready(IMPL, port);
}

void capnp_bench_server_exit(uint64_t ops, uint64_t cpu_us)
{
    bench_server_exit(IMPL, ops, cpu_us);
}

void capnp_bench_client_result(const char *mode, int inflight, uint64_t ops, double secs,
                               uint64_t cpu_us, latrec *lat)
{
    bench_client_result(IMPL, mode, inflight, ops, secs, cpu_us, lat);
}

void capnp_bench_client_not_implemented(const char *mode, int inflight)
{
    bench_client_not_implemented(IMPL, mode, inflight);
}
