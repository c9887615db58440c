/* Every annotation on every element it may mark. */
#ifndef ANNOTS_H
#define ANNOTS_H

#include <stdint.h>

#include <alr/annotate.h>

ALR_PACKAGE("annots");

/**
 * Old and new levels.
 * Second line of the doc.
 */
enum ALR_ENUM ALR_DEPRECATED_MSG("use Level2") Level {
    /// The lowest.
    low,
    mid ALR_DEPRECATED = 3,
    high,
};

enum ALR_FLAGS ALR_DEPRECATED Mask { a = 1, b = 2, c = 0x40000000 };

//! A record.
struct ALR_STRUCT ALR_ANNOTATION(deprecated("kept for old peers")) Record {
    ALR_DEPRECATED_MSG("gone soon") ALR_MAX_LEN(64) const char *name;
    ALR_MAX_LEN(1024) ALR_BYTES(ndata) uint8_t *data;
    ALR_MAX_LEN(8) ALR_SET(ntags) const char **tags;
    ALR_MAX_LEN(4) ALR_MAP(count_values, ncounts) const char **counts;
    uint32_t *count_values;
    ALR_MAX_LEN(2) ALR_LIST(nchildren) struct Record *children;
    uint32_t ndata, ntags, ncounts, nchildren;
    ALR_EVOLVE(write = required) ALR_OPTIONAL const char *nickname;
    ALR_EVOLVE(read = optional, enum = value) ALR_DEFAULT(mid) enum Level level;
    ALR_EVOLVE(enum = flags) ALR_DEFAULT(a | c) enum Mask mask;
    ALR_EVOLVE(enum = strict) ALR_DEPRECATED ALR_DEFAULT(high) enum Level strict_level;
};

/// A service with everything.
struct ALR_SERVICE ALR_COMMON ALR_DEPRECATED_MSG("use Service2") ALR_PREFIX("an_") Annotated;

/// Makes one.
ALR_CTOR(Annotated) ALR_DEADLINE(100) ALR_DEPRECATED
struct Annotated *an_new(ALR_MAX_LEN(32) ALR_DEFAULT("x") const char *label);
ALR_STATIC(Annotated) ALR_DEADLINE(2000) ALR_MAX_SIZE(65536) ALR_EVOLVE(read = optional)
struct Record an_get(ALR_MAX_LEN(16) const char *key,
                     ALR_EVOLVE(write = optional) ALR_DEFAULT(low) enum Level at);
ALR_METHOD(Annotated) ALR_DEPRECATED_MSG("slow") ALR_EVOLVE(enum = strict)
enum Level an_level(struct Annotated *self);
ALR_STATIC(Annotated) ALR_MAX_SIZE(1) ALR_ONEWAY
void an_poke(ALR_DEPRECATED ALR_MAX_LEN(3) ALR_LIST(n) const uint8_t *small, uint32_t n);

#endif
