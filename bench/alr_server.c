/*
 * alr_server.c - ALR's server for the RPC benchmarks (bench/run_rpc.sh):
 * serves bench_rpc.Adder (bench/add.alr) with the generated handler table
 * on an alr_server with the default configuration (alr_config_init: worker
 * threads started on demand), the way an application would.
 *
 *   alr_server [--host H] [--port P] [--inline]   (--inline: alr_config.inline_calls)
 *       Listens on H:P (default 127.0.0.1, port 0: any free port), prints the
 *       ready line, serves every connection until SIGTERM or SIGINT, closes
 *       the server (every connection and thread), prints the exit line and
 *       exits 0.
 *
 * Result lines (format in bench/README.md, "RPC result lines"; latency.h):
 *   ALRBENCH/1 role=server impl=alr event=ready port=P
 *   ALRBENCH/1 role=server impl=alr event=exit ops=N cpu_us=U
 * ops: calls the handlers ran (add, add_async, add_oneway, echo_*) since
 * the ready line (not oneways_handled(), the client's probe); cpu_us: the
 * CPU time of the process (every thread: readers, workers, acceptor) from
 * the ready line to the signal.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "add_gen.h"
#include "latency.h"

/* The handlers' counts, one pair per thread that runs handlers: its owner
 * adds with a relaxed load and store, no atomic read-modify-write per call
 * (at tens of millions of calls a second a shared counter would cost the
 * server more than a tenth of a one-way call); readers sum every thread's.
 * oneways_handled() runs after every one-way call sent before it on its
 * slot, handed from thread to thread under the library's locks, so its sum
 * sees them all. */
typedef struct tcount {
    _Atomic uint64_t ops;     /* every call but add_oneway and oneways_handled */
    _Atomic uint64_t oneways; /* add_oneway (oneways_handled; the exit line adds them
                                 to ops: one count per call, as for the others) */
    struct tcount *next;
} tcount;

static pthread_mutex_t tc_mu = PTHREAD_MUTEX_INITIALIZER;
static tcount *tc_all;              /* every thread's, never freed (the process's life) */
static _Thread_local tcount *tc_mine;

static tcount *tc(void)
{
    if (!tc_mine) {
        tcount *c = calloc(1, sizeof *c);
        if (!c) {
            fprintf(stderr, "alr_server: out of memory\n");
            exit(1);
        }
        pthread_mutex_lock(&tc_mu);
        c->next = tc_all;
        tc_all = c;
        pthread_mutex_unlock(&tc_mu);
        tc_mine = c;
    }
    return tc_mine;
}

static void bump(_Atomic uint64_t *n)
{
    atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* every thread's ops (which: 0) or oneways (1) */
static uint64_t tc_sum(int which)
{
    uint64_t n = 0;
    pthread_mutex_lock(&tc_mu);
    for (tcount *c = tc_all; c; c = c->next)
        n += atomic_load_explicit(which ? &c->oneways : &c->ops, memory_order_relaxed);
    pthread_mutex_unlock(&tc_mu);
    return n;
}

static alr_err add(alr_call *call, uint64_t a, uint64_t b, uint64_t *ret)
{
    (void)call;
    *ret = a + b;
    bump(&tc()->ops);
    return ALR_OK;
}

/* the one-way flood: the sum would go nowhere */
static alr_err add_oneway(alr_call *call, uint64_t a, uint64_t b)
{
    (void)call;
    (void)a;
    (void)b;
    bump(&tc()->oneways);
    return ALR_OK;
}

/* the shapes, returned as received (their strings and lists stay in the
 * call's arena until the reply is encoded) */
static alr_err echo_small(alr_call *call, const bench_Quote *q, bench_Quote *ret)
{
    (void)call;
    *ret = *q;
    bump(&tc()->ops);
    return ALR_OK;
}

static alr_err echo_medium(alr_call *call, const bench_Item *item, bench_Item *ret)
{
    (void)call;
    *ret = *item;
    bump(&tc()->ops);
    return ALR_OK;
}

static alr_err echo_large(alr_call *call, const bench_CatalogPage *page, bench_CatalogPage *ret)
{
    (void)call;
    *ret = *page;
    bump(&tc()->ops);
    return ALR_OK;
}

static alr_err oneways_handled(alr_call *call, uint64_t *ret)
{
    (void)call;
    *ret = tc_sum(1);
    return ALR_OK;
}

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: alr_server [--host H] [--port P] [--inline]\n");
    exit(2);
}

static int fail(const char *what, alr_err e)
{
    const char *text = alr_last_error_text();
    fprintf(stderr, "alr_server: %s: %s%s%s\n", what, alr_strerror(e), *text ? ": " : "", text);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    long port = 0;
    bool inline_calls = false;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--inline") == 0) { /* a flag: no value */
            inline_calls = true;
            i--;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--host") == 0) {
            host = argv[i + 1];
        } else if (strcmp(argv[i], "--port") == 0) {
            char *end;
            port = strtol(argv[i + 1], &end, 10);
            if (*end || port < 0 || port > 65535)
                usage();
        } else {
            usage();
        }
    }

    /* SIGTERM and SIGINT are taken by sigwait below; blocked before the
     * library starts threads (which block every signal anyway) */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    static const bench_rpc_Adder_handlers handlers = {
        .add = add, .add_async = add, .add_oneway = add_oneway,
        .oneways_handled = oneways_handled, .echo_small = echo_small,
        .echo_medium = echo_medium, .echo_large = echo_large};
    alr_config cfg;
    alr_config_init(&cfg); /* the defaults: workers on demand, up to 64 */
    cfg.inline_calls = inline_calls; /* --inline: handlers on the connection's reader */
    alr_server *srv = NULL;
    alr_err e = alr_server_new(&bench_rpc_iface, &cfg, &srv);
    if (e != ALR_OK)
        return fail("alr_server_new", e);
    e = bench_rpc_Adder_serve(srv, &handlers, NULL);
    if (e != ALR_OK) {
        alr_server_close(srv);
        return fail("bench_rpc_Adder_serve", e);
    }
    char addr[300];
    snprintf(addr, sizeof addr, strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
    e = alr_server_listen(srv, addr);
    if (e != ALR_OK) {
        alr_server_close(srv);
        return fail(addr, e);
    }

    uint64_t cpu0 = bench_cpu_us(), ops0 = tc_sum(0) + tc_sum(1);
    bench_server_ready("alr", alr_server_port(srv));
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    uint64_t cpu = bench_cpu_us() - cpu0,
             n = tc_sum(0) + tc_sum(1) - ops0;
    alr_server_close(srv);
    bench_server_exit("alr", n, cpu);
    return 0;
}
