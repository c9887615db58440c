/*
 * cityguide v1 client: asks a CityGuide service for the weather.  A v1
 * client knows only the text `conditions`; newer services keep filling it,
 * so it works against v1, v2 and v3 alike.
 *
 *   cityguide_v1_client HOST:PORT [CITY]
 *   cityguide_v1_client --check PEER-VERSION HOST:PORT
 *
 * --check asserts what a service of PEER-VERSION (1, 2 or 3) must give this
 * client and ends with "N passed, N failed" (exit status 1 on a failure).
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

/* w is the reply for San Francisco: the same from every version. */
static void check(int peer, const cityguide_WeatherInfo *w, alr_arena *arena)
{
    printf("checking against a v%d service:\n", peer);
    expect(cityguide_caps_CityGuide_weather() && cityguide_caps_WeatherInfo_conditions(),
           "weather and the text conditions present");
    expect(w->temperature == 18.5f && strcmp(text(w->conditions), "Fog") == 0,
           "temperature 18.5 and the text conditions \"Fog\" (every version fills them)");
    cityguide_WeatherInfo nowhere;
    alr_err e = cityguide_CityGuide_weather("Atlantis", &nowhere, arena);
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
        fprintf(stderr, "v1 client: cannot connect to %s: %s: %s\n", addr, alr_strerror(e),
                alr_last_error_text());
        return 1;
    }
    alr_endpoint_push(ep);              /* the stubs and capability queries below use ep */
    alr_arena *arena = alr_arena_new(); /* holds the replies' strings */
    cityguide_WeatherInfo w;
    e = cityguide_CityGuide_weather(city, &w, arena);
    if (e == ALR_OK)
        printf("v1 client: weather in %s: %.1f C, \"%s\"\n", city, w.temperature,
               text(w.conditions));
    else
        printf("v1 client: weather(\"%s\") failed: %s: %s\n", city, alr_strerror(e),
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
