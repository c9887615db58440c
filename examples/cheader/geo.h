/*
 * geo.h - libgeo: a small library of plane geometry on points, boxes and
 * polygons (distances, areas, centroids, bounding boxes, convex hulls,
 * well-known binary).
 *
 * Memory: nothing here allocates for the caller.  Functions that return
 * arrays or strings return the library's own per-thread buffers, valid until
 * the same function is called again on the same thread; copy what you keep.
 *
 * The ALR_ annotations make this header the schema of libgeo's remote
 * interface (alrc --emit=c geo.h; examples/cheader/README.md).  They expand
 * to nothing for every C compiler, so this is still a plain C header.
 */
#ifndef GEO_H
#define GEO_H

#include <stddef.h>
#include <stdint.h>

#include <alr/annotate.h>

ALR_PACKAGE("geo");

#define GEO_VERSION 10203u  /* 1.2.3 */
#define GEO_MAX_POINTS 256u /* the most points a returned polygon or hull has */

/** A point in the plane. */
typedef struct ALR_STRUCT ALR_NAME(Point) geo_point {
    double x, y;
} geo_point;

/** An axis-aligned box: min is the lower left corner, max the upper right. */
typedef struct ALR_STRUCT ALR_NAME(Box) geo_box {
    geo_point min, max;
} geo_box;

/** What the checking functions report; 0 is success. */
typedef enum ALR_ENUM ALR_NAME(Error) ALR_PREFIX("GEO_") geo_error {
    GEO_OK = 0,
    GEO_EMPTY = 1,      /**< fewer points than the operation needs */
    GEO_DEGENERATE = 2, /**< no area: the points are on one line */
    GEO_INVERTED = 3    /**< a box whose min is above or right of its max */
} geo_error;

/** How a polygon is drawn. */
typedef enum ALR_FLAGS ALR_NAME(Style) ALR_PREFIX("GEO_STYLE_") geo_style {
    GEO_STYLE_CLOSED = 1,
    GEO_STYLE_FILLED = 2,
    GEO_STYLE_DASHED = 4
} geo_style;

/** A named polygon: its vertices in order, a style, a colour and tags. */
typedef struct ALR_STRUCT ALR_NAME(Polygon) geo_polygon {
    const char *name;
    ALR_LIST(npoints) const geo_point *points;
    size_t npoints;
    geo_style style;
    ALR_OPTIONAL const char *label; /**< NULL: no label */
    uint8_t rgba[4];
    /** Free-form integer tags: tag_keys[i] = tag_values[i]. */
    ALR_NAME(tags) ALR_MAP(tag_values, ntags) const char **tag_keys;
    int32_t *tag_values;
    uint32_t ntags;
} geo_polygon;

/** The library, as a service: every function below is one of its methods. */
struct ALR_SERVICE ALR_NAME(Geo) ALR_PREFIX("geo_") geo_lib;

/** The library's version, GEO_VERSION. */
ALR_STATIC(Geo) uint32_t geo_version(void);

/** The distance between two points. */
ALR_STATIC(Geo) double geo_distance(geo_point a, geo_point b);

/** The area of a simple polygon (0 for fewer than three points). */
ALR_STATIC(Geo) double geo_area(const geo_polygon *poly);

/** The smallest box holding n points (all zero for none). */
ALR_STATIC(Geo) geo_box geo_bounds(ALR_LIST(n) const geo_point *pts, size_t n);

/** The centroid of a polygon's area: GEO_EMPTY without points,
 *  GEO_DEGENERATE when it has no area. */
ALR_STATIC(Geo) ALR_RESULT geo_error geo_centroid(const geo_polygon *poly, ALR_OUT geo_point *out);

/** One line about a polygon: every field of it, in words. */
ALR_STATIC(Geo) const char *geo_describe(const geo_polygon *poly);

/** The convex hull of n points, counter-clockwise from the leftmost (then
 *  lowest) one: *out (the library's buffer) and *nout; none past GEO_MAX_POINTS. */
ALR_STATIC(Geo) void geo_hull(ALR_LIST(n) const geo_point *pts, size_t n,
                              ALR_OUT ALR_LIST(nout) geo_point **out, size_t *nout);

/** A regular polygon with `sides` vertices on a circle around the origin,
 *  named `name` ("regular" when NULL), tagged "sides". */
ALR_STATIC(Geo) geo_polygon geo_regular(uint32_t sides, double radius, ALR_OPTIONAL const char *name);

/** 0 when the polygon is usable, -EINVAL with fewer than three points,
 *  -EDOM when it has no area. */
ALR_STATIC(Geo) ALR_STATUS int geo_validate(const geo_polygon *poly);

/** GEO_OK, GEO_INVERTED or GEO_DEGENERATE. */
ALR_STATIC(Geo) ALR_STATUS geo_error geo_check_box(geo_box box);

/** A well-known point by name ("origin", "unit"), or NULL. */
ALR_STATIC(Geo) ALR_OPTIONAL const geo_point *geo_named_point(const char *name);

/** The polygon as OGC well-known binary (little endian, one closed ring):
 *  *wkb (the library's buffer) and *len; none past GEO_MAX_POINTS. */
ALR_STATIC(Geo) void geo_to_wkb(const geo_polygon *poly, ALR_OUT ALR_BYTES(len) uint8_t **wkb,
                                size_t *len);

/** Writes a line to the library's log (fire and forget). */
ALR_STATIC(Geo) ALR_ONEWAY void geo_log(const char *message);

/** How many lines geo_log has written. */
ALR_STATIC(Geo) uint32_t geo_logged(void);

/** A canvas: points plotted into a width x height raster owned by the
 *  library (an object: its functions are not remotable yet). */
typedef struct ALR_SERVICE ALR_NAME(Canvas) ALR_PREFIX("geo_canvas_") geo_canvas geo_canvas;

/** A new empty canvas, or NULL when out of memory. */
ALR_CTOR(Canvas) geo_canvas *geo_canvas_new(uint32_t width, uint32_t height);
/** Plots a point; returns how many points the canvas holds. */
ALR_METHOD(Canvas) uint32_t geo_canvas_plot(geo_canvas *self, geo_point p);
/** Frees the canvas (NULL is allowed). */
ALR_METHOD(Canvas) void geo_canvas_free(geo_canvas *self);

#endif /* GEO_H */
