/*
 * rpc_server.c - the server of the multi-process RPC tests (run.sh):
 * serves rpctest.Calc (tests/rpc/rpctest.h) on ADDR, prints "PORT n",
 * and runs until SIGTERM or SIGINT, then closes orderly.
 *
 *   rpc_server BLOB.alrs ADDR        (ADDR like 127.0.0.1:0 or [::1]:0)
 * Logs go to stderr when RPC_LOG is set.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "rpc/rpctest.h"
#include "test.h"

static void log_fn(void *user, alr_log_level level, const char *msg)
{
    (void)user;
    fprintf(stderr, "server[%d]: %s\n", (int)level, msg);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *n = realloc(buf, cap);
            if (!n)
                break;
            buf = n;
        }
        size_t r = fread(buf + *len, 1, cap - *len, f);
        if (r == 0)
            break;
        *len += r;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rpc_server BLOB.alrs ADDR\n");
        return 2;
    }
    size_t len = 0;
    uint8_t *blob = read_file(argv[1], &len);
    if (!blob) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    /* signals are taken by sigwait below; the library's threads block them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    static alr_iface ifc;
    static rpctest_ctx ctx;
    rpctest_iface_init(&ifc, blob, len, false);
    ctx.ifc = &ifc;
    alr_config cfg;
    alr_config_init(&cfg);
    cfg.handshake_timeout_ms = 1000;
    if (getenv("RPC_LOG"))
        cfg.log = log_fn;
    alr_server *srv = NULL;
    alr_err e = alr_server_new(&ifc, &cfg, &srv);
    CHECK(e == ALR_OK);
    if (e != ALR_OK) {
        fprintf(stderr, "server: %s: %s\n", alr_strerror(e), alr_last_error_text());
        TEST_MAIN_END();
    }
    CHECK(alr_server_serve(srv, RPCTEST_SVC_CALC, rpctest_calc_impl(), &ctx) == ALR_OK);
    e = alr_server_listen(srv, argv[2]);
    CHECK(e == ALR_OK);
    if (e != ALR_OK) {
        fprintf(stderr, "server: listen %s: %s\n", argv[2], alr_last_error_text());
        alr_server_close(srv);
        free(blob);
        TEST_MAIN_END();
    }
    printf("PORT %u\n", alr_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    alr_server_close(srv);
    CHECK(1); /* closed orderly */
    free(blob);
    TEST_MAIN_END();
}
