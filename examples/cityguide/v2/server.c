/*
 * cityguide v2 server: serves CityGuide.weather of v2/cityguide.alr on
 * 127.0.0.1:PORT (argv[1]; default 0, any free port) until SIGINT or SIGTERM.
 * It fills both the old text `conditions` and the new `conditions_v2`; the
 * runtime sends each client only the fields its version has.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cityguide_gen.h"

/* The replies: static data needs no copy into the call's arena. */
static const struct {
    const char *city;
    cityguide_WeatherInfo now;
} cities[] = {
    {"San Francisco",
     {.temperature = 18.5f,
      .conditions = "Fog",
      .conditions_v2 = {.wind_speed = 22.5f, .humidity = 80}}},
    {"Oslo",
     {.temperature = -3.0f,
      .conditions = "Snow",
      .conditions_v2 = {.wind_speed = 12.0f, .humidity = 90}}},
};

static const cityguide_WeatherInfo *find(alr_call *call, const char *city)
{
    for (size_t i = 0; i < sizeof cities / sizeof cities[0]; i++)
        if (strcmp(cities[i].city, city) == 0)
            return &cities[i].now;
    alr_call_set_error(call, "no weather for '%s'", city);
    return NULL;
}

static alr_err weather(alr_call *call, const char *city, cityguide_WeatherInfo *ret)
{
    /* a handler's current endpoint is the caller's connection: the caps describe the client */
    printf("served weather(\"%s\")%s\n", city,
           cityguide_caps_WeatherInfo_conditions_v2()
               ? ""
               : ": not sent, the client has no conditions_v2");
    fflush(stdout);
    const cityguide_WeatherInfo *now = find(call, city);
    if (!now)
        return ALR_ENOTFOUND;
    *ret = *now;
    return ALR_OK;
}

int main(int argc, char **argv)
{
    static const cityguide_CityGuide_handlers handlers = {.weather = weather};
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%s", argc > 1 ? argv[1] : "0");
    sigset_t stop; /* blocked before the server starts threads, taken by sigwait */
    sigemptyset(&stop), sigaddset(&stop, SIGINT), sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    alr_server *srv = NULL;
    alr_err e = alr_server_new(&cityguide_iface, NULL, &srv);
    if (e == ALR_OK)
        e = cityguide_CityGuide_serve(srv, &handlers, NULL);
    if (e == ALR_OK)
        e = alr_server_listen(srv, addr);
    if (e == ALR_OK) {
        printf("cityguide v2 service listening on %u\n", alr_server_port(srv));
        fflush(stdout);
        sigwait(&stop, &(int){0});
    } else {
        fprintf(stderr, "cityguide v2 server: %s: %s\n", alr_strerror(e), alr_last_error_text());
    }
    alr_server_close(srv);
    return e != ALR_OK;
}
