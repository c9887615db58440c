/* greeter server: serves say_hello on 127.0.0.1:PORT (argv[1]; default 0: any free port). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "greeter_gen.h"

static alr_err say_hello(alr_call *call, const char *name, char **ret)
{
    size_t n = strlen(name) + sizeof "Hello, !";
    if (!(*ret = alr_arena_alloc(alr_call_arena(call), n))) /* freed after the reply is sent */
        return ALR_ENOMEM;
    snprintf(*ret, n, "Hello, %s!", name);
    return ALR_OK;
}

int main(int argc, char **argv)
{
    static const greeter_Greeter_handlers handlers = {.say_hello = say_hello};
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%s", argc > 1 ? argv[1] : "0");
    sigset_t stop; /* blocked before the server starts threads, taken by sigwait */
    sigemptyset(&stop), sigaddset(&stop, SIGINT), sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    alr_server *srv = NULL;
    alr_err e = alr_server_new(&greeter_iface, NULL, &srv);
    if (e == ALR_OK && (e = greeter_Greeter_serve(srv, &handlers, NULL)) == ALR_OK &&
        (e = alr_server_listen(srv, addr)) == ALR_OK) {
        printf("listening on %u\n", alr_server_port(srv));
        fflush(stdout);
        sigwait(&stop, &(int){0});
    } else {
        fprintf(stderr, "greeter server: %s: %s\n", alr_strerror(e), alr_last_error_text());
    }
    alr_server_close(srv);
    return e != ALR_OK;
}
