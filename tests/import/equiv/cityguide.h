/* The city guide as an annotated C header: the same schema as cityguide.alr. */
#ifndef CITYGUIDE_H
#define CITYGUIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <alr/annotate.h>

#include "common.h"

/// The city guide: the running example of the ALR documentation.
ALR_PACKAGE("cityguide");

/// Sky conditions; values without `=` count up from the previous one.
enum ALR_ENUM Conditions { sunny, cloudy = 5, rain };

/// Weather warnings, combinable.
enum ALR_FLAGS Warnings { storm = 4, flood = 8, high_wind = 16 };

/// Application errors of the point-of-interest lookup.
enum ALR_ENUM ALR_PREFIX("POI_") PoiError {
    POI_not_found = 1,
    POI_out_of_area,
    POI_unknown ALR_DEPRECATED_MSG("use not_found"),
};

struct ALR_STRUCT WeatherConditions {
    float wind_speed;
    /// Seen by receivers when the sender lacks the field.
    ALR_DEFAULT("Unknown") const char *description;
    ALR_DEFAULT(cloudy) enum Conditions sky;
    ALR_DEFAULT(storm | flood) enum Warnings warnings;
};

struct ALR_STRUCT PointOfInterest {
    char *name;
    struct Location at;
    ALR_OPTIONAL const char *website;
    /// Recursion is allowed through list<> and optional<>.
    ALR_LIST(nearby_count) struct PointOfInterest *nearby;
    uint32_t nearby_count;
};

struct ALR_STRUCT CityInfo {
    const char *name;
    ALR_DEFAULT(0) uint32_t population;
    ALR_DEFAULT(-12) int16_t elevation;
    ALR_DEFAULT(1.5e2) double area_km2;
    ALR_DEFAULT(false) bool capital;
};

struct ALR_STRUCT WeatherInfo {
    struct Location location;
    float temperature;
    struct WeatherConditions conditions_v2;
    ALR_MAX_LEN(16) ALR_LIST(nalerts) const char **alerts;
    uint32_t nalerts;
    ALR_OPTIONAL const char *to_user;
    ALR_MAP(counter_values, ncounters) const char **counters;
    int64_t *counter_values;
    uint32_t ncounters;
    ALR_SET(nids) uint32_t *ids;
    size_t nids;
    ALR_BYTES(raw_len) uint8_t *raw;
    uint32_t raw_len;
    uint8_t digest[32];
    ALR_EVOLVE(write = optional, read = required) const char *conditions;
    ALR_EVOLVE(enum = flags_strict) ALR_DEFAULT(high_wind) enum Warnings active;
    int8_t tiny;
    int32_t medium;
    ALR_DEFAULT(8080) uint16_t port;
    ALR_DEFAULT(0xFFFFFFFFFFFFFFFF) uint64_t big;
    ALR_DEFAULT(-inf) double ratio;
};

/// The client's side of a callback conversation.
typedef struct ALR_SERVICE ALR_PREFIX("client_") CityGuideClient CityGuideClient;

ALR_METHOD(CityGuideClient) void client_on_poi(CityGuideClient *self, struct PointOfInterest poi);

/// The city guide service.
struct ALR_SERVICE ALR_PREFIX("cityguide_") CityGuide;
typedef struct CityGuide CityGuide;

ALR_STATIC(CityGuide) uint64_t cityguide_add(uint64_t a, uint64_t b);
/// No reply (AsyncVoid in the original).
ALR_STATIC(CityGuide) ALR_ONEWAY void cityguide_log_event(const char *text);
/// Reply only on failure (AsyncStatus).
ALR_STATIC(CityGuide) ALR_ONEWAY ALR_STATUS int cityguide_audit(const char *text);
ALR_STATIC(CityGuide) ALR_ASYNC void cityguide_poi_async(struct Location at,
                                                        ALR_OUT struct PointOfInterest *poi);
ALR_STATIC(CityGuide) ALR_ASYNC void cityguide_warm_up(void);
ALR_STATIC(CityGuide) ALR_RESULT enum PoiError cityguide_poi(const struct Location *at,
                                                             ALR_OUT struct PointOfInterest *out);
ALR_STATIC(CityGuide) ALR_RESULT enum PoiError cityguide_forget(const char *name);
ALR_STATIC(CityGuide) ALR_STATUS int cityguide_check(void);
ALR_STATIC(CityGuide) ALR_STATUS enum PoiError cityguide_validate(struct Location at);
/// Remote constructor: makes an instance for one user.
ALR_CTOR(CityGuide) CityGuide *cityguide_new(const char *user,
                                             ALR_DEFAULT("San Francisco") const char *city);
ALR_METHOD(CityGuide) struct CityInfo cityguide_current_city(CityGuide *self);
ALR_METHOD(CityGuide) void cityguide_stream_pois(CityGuide *self, CityGuideClient *client,
                                                 Area area, ALR_DEFAULT(false) bool log);
ALR_METHOD(CityGuide) ALR_ASYNCREF void cityguide_pois(CityGuide *self, Area area,
                                                       ALR_OUT ALR_LIST(npois) struct PointOfInterest **pois,
                                                       uint32_t *npois);
ALR_METHOD(CityGuide) ALR_DEADLINE(2000) ALR_MAX_SIZE(65536)
struct WeatherInfo cityguide_weather(CityGuide *self, struct Location at,
                                     ALR_EVOLVE(read = optional) ALR_DEFAULT(sunny) enum Conditions prefer);

/// Both peers implement this service.
struct ALR_SERVICE ALR_COMMON Heartbeat;

ALR_STATIC(Heartbeat) ALR_DEPRECATED ALR_NAME(ping) void heartbeat_ping(ALR_DEFAULT(1) uint32_t seq);

#endif
