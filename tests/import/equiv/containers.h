/* Containers as pointer-and-length pairs, nullable pointers and strings. */
#ifndef CONTAINERS_H
#define CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <alr/annotate.h>

/// Lists, sets, maps, bytes and optionals of every element kind, as fields,
/// parameters and return values.
ALR_PACKAGE("containers");

typedef enum ALR_ENUM { red, green, blue } Color;
typedef enum ALR_FLAGS { perm_read = 1, perm_write = 2, perm_exec = 4 } ALR_PREFIX("perm_") Perm;

typedef struct ALR_STRUCT Point {
    int32_t x, y;
} Point;

typedef struct Store Store;

struct ALR_STRUCT Bag {
    ALR_LIST(nwords) const char **words;
    size_t nwords;
    uint32_t npoints;
    ALR_LIST(npoints) Point *points;
    ALR_LIST(ncolors) Color *colors;
    ALR_LIST(nperms) Perm *perms;
    ALR_LIST(nsamples) const double *samples;
    ALR_LIST(nstores) Store **stores;
    uint16_t ncolors, nperms, nsamples, nstores;
    ALR_SET(ntags) char **tags;
    ALR_SET(npalette) Color *palette;
    ALR_SET(nids) int64_t *ids;
    uint32_t ntags, npalette, nids;
    ALR_MAP(named_points, nnamed) const char **named;
    Point *named_points;
    ALR_MAP(label_texts, nlabels) uint32_t *labels;
    const char **label_texts;
    ALR_MAP(weight_values, nweights) Color *weights;
    float *weight_values;
    uint32_t nnamed, nlabels, nweights;
    ALR_BYTES(blob_len) uint8_t *blob;
    size_t blob_len;
    ALR_BYTES(text_len) const char *text_bytes;
    size_t text_len;
    ALR_OPTIONAL const char *note;
    ALR_OPTIONAL Point *origin;
    ALR_OPTIONAL Color *tint;
    ALR_OPTIONAL int32_t *count;
    ALR_OPTIONAL bool *maybe;
    ALR_DEFAULT(perm_read | perm_exec) Perm mode;
    ALR_DEFAULT(blue) Color shade;
};

struct ALR_SERVICE ALR_PREFIX("store_") Store;

ALR_STATIC(Store) void store_put(ALR_LIST(npts) const Point *pts, size_t npts,
                                 ALR_BYTES(len) const void *data, size_t len,
                                 ALR_SET(nkeys) const char *const *keys, uint32_t nkeys,
                                 ALR_MAP(totals_v, ntotals) const char **totals,
                                 const int64_t *totals_v, uint32_t ntotals);
ALR_STATIC(Store) void store_points(uint32_t max, ALR_OUT ALR_LIST(n) Point **out, size_t *n);
ALR_STATIC(Store) void store_read(const char *key, ALR_OUT ALR_BYTES(len) uint8_t **data,
                                  uint32_t *len);
ALR_STATIC(Store) void store_colors(ALR_OUT ALR_SET(n) Color **out, uint32_t *n);
ALR_STATIC(Store) void store_totals(ALR_OUT ALR_MAP(values, n) char ***keys, int64_t **values,
                                    uint32_t *n);
ALR_STATIC(Store) ALR_OPTIONAL Point *store_find(const char *name);
ALR_STATIC(Store) void store_lookup(const char *key, ALR_OUT ALR_OPTIONAL const char **value);
ALR_STATIC(Store) void store_name(ALR_OUT char **name);
ALR_STATIC(Store) struct Bag store_bag(ALR_OPTIONAL const Point *near, ALR_OPTIONAL const char *hint);

#endif
