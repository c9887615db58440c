#include <stdio.h>
#include <unistd.h>
#include "greeter_gen.h"
static alr_err say_hello(alr_call *call, const char *name, char **ret) {
    size_t n = (size_t)snprintf(NULL, 0, "Hello, %s!", name) + 1;
    if (!(*ret = alr_arena_alloc(alr_call_arena(call), n))) return ALR_ENOMEM; /* freed after the reply */
    snprintf(*ret, n, "Hello, %s!", name);
    return ALR_OK;
}
int main(int argc, char **argv) {
    static const greeter_Greeter_handlers h = {say_hello};
    alr_server *srv;
    if (alr_server_new(&greeter_iface, NULL, &srv) || greeter_Greeter_serve(srv, &h, NULL) ||
        alr_server_listen(srv, argc > 1 ? argv[1] : "127.0.0.1:7000")) return 1;
    pause(); /* serves on its own threads until killed */
}
