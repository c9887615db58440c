/*
 * latency_cxx.h - bench/latency.h for the C++ programs of the Cap'n Proto
 * peer (server.cc, client.cc).  latency.h is C only (its latency recorder
 * assigns realloc's void * without a cast), so latency_cxx.c, compiled as
 * C11, includes it and exports its clocks, CPU time, recorder and result
 * lines as plain functions: the same code, the same lines (format in
 * bench/README.md, "RPC result lines").
 */
#ifndef ALR_BENCH_LATENCY_CXX_H
#define ALR_BENCH_LATENCY_CXX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct latrec latrec; /* latency.h's recorder, opaque here */

uint64_t capnp_bench_now_ns(void);  /* bench_now_ns: CLOCK_MONOTONIC */
uint64_t capnp_bench_cpu_us(void);  /* bench_cpu_us: the process, every thread */

latrec *capnp_latrec_new(void);     /* an empty recorder (exits if out of memory) */
void capnp_latrec_add(latrec *r, uint64_t ns);
void capnp_latrec_free(latrec *r);

/* bench_server_ready, bench_server_exit with impl=capnp */
void capnp_bench_server_ready(unsigned port);
void capnp_bench_server_exit(uint64_t ops, uint64_t cpu_us);

/* bench_client_result, bench_client_not_implemented with impl=capnp */
void capnp_bench_client_result(const char *mode, int inflight, uint64_t ops, double secs,
                               uint64_t cpu_us, latrec *lat);
void capnp_bench_client_not_implemented(const char *mode, int inflight);

#ifdef __cplusplus
}
#endif

#endif /* ALR_BENCH_LATENCY_CXX_H */
