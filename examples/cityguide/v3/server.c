/*
 * cityguide v3 server: serves CityGuide.weather and weather_forecast of
 * v3/cityguide.alr on 127.0.0.1:PORT (argv[1]; default 0, any free port)
 * until SIGINT or SIGTERM.  It fills every field, the deprecated text
 * `conditions` too; the runtime sends each client only the fields its
 * version has, and v1/v2 clients cannot call weather_forecast at all.
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
      .conditions_v2 = {.wind_speed = 22.5f,
                        .humidity = 80,
                        .description = "Fog rolling in from the bay"},
      .hour = 9}},
    {"Oslo",
     {.temperature = -3.0f,
      .conditions = "Snow",
      .conditions_v2 = {.wind_speed = 12.0f, .humidity = 90, .description = "Light snow"},
      .hour = 9}},
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
    char lacks[64] = "";
    if (!cityguide_caps_WeatherInfo_conditions_v2())
        strcat(lacks, ", conditions_v2");
    if (!cityguide_caps_WeatherConditions_description())
        strcat(lacks, ", description");
    if (!cityguide_caps_WeatherInfo_hour())
        strcat(lacks, ", hour");
    printf("served weather(\"%s\")%s%s\n", city, lacks[0] ? ": not sent, the client has no " : "",
           lacks[0] ? lacks + 2 : "");
    fflush(stdout);
    const cityguide_WeatherInfo *now = find(call, city);
    if (!now)
        return ALR_ENOTFOUND;
    *ret = *now;
    return ALR_OK;
}

static alr_err weather_forecast(alr_call *call, const char *city, uint8_t days, alr_list *ret)
{
    printf("served weather_forecast(\"%s\", %u)\n", city, days);
    fflush(stdout);
    const cityguide_WeatherInfo *now = find(call, city);
    if (!now)
        return ALR_ENOTFOUND;
    if (days < 1 || days > 7) {
        alr_call_set_error(call, "days must be 1 to 7, not %u", days);
        return ALR_EINVAL;
    }
    cityguide_WeatherInfo *day = alr_arena_alloc(alr_call_arena(call), days * sizeof *day);
    if (!day)
        return ALR_ENOMEM;
    for (unsigned i = 0; i < days; i++) { /* noon, half a degree warmer every day */
        day[i] = *now;
        day[i].temperature += 0.5f * (float)(i + 1);
        day[i].hour = 12;
    }
    ret->v = day;
    ret->n = days;
    return ALR_OK;
}

int main(int argc, char **argv)
{
    static const cityguide_CityGuide_handlers handlers = {
        .weather = weather,
        .weather_forecast = weather_forecast,
    };
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
        printf("cityguide v3 service listening on %u\n", alr_server_port(srv));
        fflush(stdout);
        sigwait(&stop, &(int){0});
    } else {
        fprintf(stderr, "cityguide v3 server: %s: %s\n", alr_strerror(e), alr_last_error_text());
    }
    alr_server_close(srv);
    return e != ALR_OK;
}
