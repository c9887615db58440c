/*
 * cheader server: libgeo served over ALR.  Linked with the REAL library
 * (geo.c) and the generated geo_server.c, whose handlers call geo.c's own
 * functions.  Listens on 127.0.0.1:PORT (argv[1]; default 0: any free port),
 * prints "listening on PORT", and exits 0 on SIGTERM or SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>

#include "geo_adapt.h"

int main(int argc, char **argv)
{
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%s", argc > 1 ? argv[1] : "0");
    sigset_t stop; /* blocked before the server starts threads, taken by sigwait */
    sigemptyset(&stop), sigaddset(&stop, SIGINT), sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    alr_server *srv = NULL;
    alr_err e = alr_server_new(&geo_iface, NULL, &srv);
    if (e == ALR_OK && (e = geo_server_serve(srv)) == ALR_OK &&
        (e = alr_server_listen(srv, addr)) == ALR_OK) {
        printf("listening on %u\n", alr_server_port(srv));
        fflush(stdout);
        sigwait(&stop, &(int){0});
    } else {
        fprintf(stderr, "cheader server: %s: %s\n", alr_strerror(e), alr_last_error_text());
    }
    alr_server_close(srv);
    return e != ALR_OK;
}
