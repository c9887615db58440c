#include <stdio.h>
#include "greeter_gen.h"
int main(int argc, char **argv) {
    alr_endpoint *ep; char *reply; alr_arena *arena = alr_arena_new();
    if (alr_endpoint_connect(argc > 1 ? argv[1] : "127.0.0.1:7000", &greeter_iface, NULL, &ep)) return 1;
    alr_endpoint_push(ep); /* stubs call the thread's current endpoint */
    alr_err e = greeter_Greeter_say_hello("Ada", &reply, arena);
    printf("%s\n", e ? alr_strerror(e) : reply); /* Hello, Ada! */
    alr_endpoint_pop(); alr_endpoint_close(ep); alr_arena_free(arena);
    return e != ALR_OK;
}
