/* greeter client: calls say_hello(argv[2] or "world") at argv[1] (host:port), prints the reply. */
#include <stdio.h>
#include "greeter_gen.h"

int main(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1:7000";
    const char *name = argc > 2 ? argv[2] : "world";
    alr_endpoint *ep = NULL;
    alr_arena *arena = alr_arena_new(); /* holds the reply */
    char *reply;
    alr_err e = alr_endpoint_connect(addr, &greeter_iface, NULL, &ep);
    if (e == ALR_OK) {
        alr_endpoint_push(ep); /* stubs call the thread's current endpoint */
        e = greeter_Greeter_say_hello(name, &reply, arena);
        alr_endpoint_pop();
    }
    if (e == ALR_OK)
        puts(reply);
    else
        fprintf(stderr, "greeter client: %s: %s\n", alr_strerror(e), alr_last_error_text());
    alr_endpoint_close(ep);
    alr_arena_free(arena);
    return e != ALR_OK;
}
