/*
 * cityguide v3 client: asks a CityGuide service of any version for the
 * weather and uses what that version has, as the capability queries tell:
 * conditions_v2 when the service has it (else the old text `conditions`),
 * and weather_forecast when the service has it.
 *
 *   cityguide_v3_client HOST:PORT [CITY]
 *   cityguide_v3_client --check PEER-VERSION HOST:PORT
 *
 * --check asserts what a service of PEER-VERSION (1, 2 or 3) must give this
 * client, fallbacks and declared defaults included, and ends with
 * "N passed, N failed" (exit status 1 on a failure).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cityguide_gen.h"

/* A received string: NULL means "". */
static const char *text(const char *s)
{
    return s ? s : "";
}

/* Prints the weather in plain words, with what this service's version has. */
static void report(const char *city, const cityguide_WeatherInfo *w, alr_arena *arena)
{
    printf("v3 client: weather in %s: %.1f C\n", city, w->temperature);
    if (cityguide_caps_WeatherInfo_conditions_v2()) {
        const cityguide_WeatherConditions *c = &w->conditions_v2;
        printf("  conditions_v2: wind %.1f km/h, humidity %u%%, \"%s\"\n", c->wind_speed,
               c->humidity, text(c->description));
        if (!cityguide_caps_WeatherConditions_description()) /* a v2 service */
            printf("  (no description from a v2 service: \"%s\" is the declared default)\n",
                   text(c->description));
    } else {
        printf("  the service has no conditions_v2 (a v1 service): using the text \"%s\"\n",
               text(w->conditions));
    }
    if (cityguide_caps_WeatherInfo_hour())
        printf("  as of %u:00\n", w->hour);
    if (!cityguide_caps_CityGuide_weather_forecast()) {
        printf("  the service has no weather_forecast (older than v3): no forecast\n");
        return;
    }
    alr_list days;
    alr_err e = cityguide_CityGuide_weather_forecast(city, 3, &days, arena);
    if (e != ALR_OK) {
        printf("  weather_forecast failed: %s: %s\n", alr_strerror(e), alr_last_error_text());
        return;
    }
    const cityguide_WeatherInfo *day = days.v;
    printf("  forecast:");
    for (uint32_t i = 0; i < days.n; i++)
        printf(" %.1f C%s", day[i].temperature, i + 1 < days.n ? "," : "\n");
}

/* ---- --check: what a service of version `peer` gives this client */

static unsigned passed, failed;

static void expect(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %s: ", ok ? "ok" : "FAILED");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    if (ok)
        passed++;
    else
        failed++;
}

static bool str_is(const char *s, const char *want)
{
    return strcmp(text(s), want) == 0;
}

/* w is the reply for San Francisco. */
static void check(int peer, const cityguide_WeatherInfo *w, alr_arena *arena)
{
    const cityguide_WeatherConditions *c = &w->conditions_v2;
    const char *has[] = {"absent", "present"};
    printf("checking against a v%d service:\n", peer);
    expect(w->temperature == 18.5f && str_is(w->conditions, "Fog"),
           "temperature 18.5 and the text conditions \"Fog\" (every version fills them)");
    expect(cityguide_caps_WeatherInfo_conditions_v2() == (peer >= 2), "conditions_v2 %s",
           has[peer >= 2]);
    expect(cityguide_caps_WeatherConditions() == (peer >= 2), "struct WeatherConditions %s",
           has[peer >= 2]);
    if (peer >= 2)
        expect(c->wind_speed == 22.5f && c->humidity == 80,
               "wind 22.5, humidity 80 from the service");
    else
        expect(c->wind_speed == 0 && c->humidity == 0, "wind and humidity 0 (no declared default)");
    expect(cityguide_caps_WeatherConditions_description() == (peer >= 3), "description %s",
           has[peer >= 3]);
    if (peer >= 3)
        expect(str_is(c->description, "Fog rolling in from the bay"),
               "description from the service");
    else
        expect(str_is(c->description, "Unknown"), "description \"Unknown\", the declared default");
    expect(cityguide_caps_WeatherInfo_hour() == (peer >= 3) && w->hour == (peer >= 3 ? 9 : 0),
           "hour %s (%u)", has[peer >= 3], w->hour);
    expect(cityguide_caps_CityGuide_weather_forecast() == (peer >= 3), "weather_forecast %s",
           has[peer >= 3]);

    alr_list days = {0};
    alr_err e = cityguide_CityGuide_weather_forecast("San Francisco", 2, &days, arena);
    if (peer >= 3) {
        const cityguide_WeatherInfo *day = days.v;
        expect(e == ALR_OK && days.n == 2 && day[1].temperature == 19.5f && day[1].hour == 12,
               "weather_forecast(\"San Francisco\", 2) gives 2 days");
        e = cityguide_CityGuide_weather_forecast("San Francisco", 9, &days, arena);
        expect(e == ALR_EINVAL && strstr(alr_last_error_text(), "days"),
               "weather_forecast(..., 9) fails with ALR_EINVAL: %s", alr_last_error_text());
    } else {
        expect(e == ALR_ENOMETHOD, "calling weather_forecast anyway fails at once: %s",
               alr_strerror(e));
    }
    cityguide_WeatherInfo nowhere;
    e = cityguide_CityGuide_weather("Atlantis", &nowhere, arena);
    expect(e == ALR_ENOTFOUND && strstr(alr_last_error_text(), "Atlantis"),
           "weather(\"Atlantis\") fails with ALR_ENOTFOUND: %s", alr_last_error_text());
}

int main(int argc, char **argv)
{
    const char *addr, *city = "San Francisco";
    int peer = 0; /* --check: the version the service must be */
    if (argc == 4 && strcmp(argv[1], "--check") == 0 && (peer = atoi(argv[2])) >= 1 && peer <= 3) {
        addr = argv[3];
    } else if ((argc == 2 || argc == 3) && argv[1][0] != '-') {
        addr = argv[1];
        city = argc == 3 ? argv[2] : city;
    } else {
        fprintf(stderr, "usage: %s HOST:PORT [CITY]\n       %s --check 1|2|3 HOST:PORT\n", argv[0],
                argv[0]);
        return 2;
    }
    alr_endpoint *ep = NULL;
    alr_err e = alr_endpoint_connect(addr, &cityguide_iface, NULL, &ep);
    if (e != ALR_OK) {
        fprintf(stderr, "v3 client: cannot connect to %s: %s: %s\n", addr, alr_strerror(e),
                alr_last_error_text());
        return 1;
    }
    alr_endpoint_push(ep);              /* the stubs and capability queries below use ep */
    alr_arena *arena = alr_arena_new(); /* holds the replies' strings and lists */
    cityguide_WeatherInfo w;
    e = cityguide_CityGuide_weather(city, &w, arena);
    if (e == ALR_OK)
        report(city, &w, arena);
    else
        printf("v3 client: weather(\"%s\") failed: %s: %s\n", city, alr_strerror(e),
               alr_last_error_text());
    if (peer && e == ALR_OK)
        check(peer, &w, arena);
    alr_arena_free(arena);
    alr_endpoint_pop();
    alr_endpoint_close(ep);
    if (peer)
        printf("%u passed, %u failed\n", passed, failed + (e != ALR_OK));
    return e != ALR_OK || failed;
}
