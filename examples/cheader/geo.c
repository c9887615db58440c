/*
 * geo.c - libgeo, the implementation of geo.h: plain C, no ALR in sight.
 * Returned arrays and strings live in per-thread buffers of fixed size, so
 * the library never allocates for its caller (and frees nothing of theirs).
 */
#include "geo.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t geo_version(void)
{
    return GEO_VERSION;
}

double geo_distance(geo_point a, geo_point b)
{
    return hypot(b.x - a.x, b.y - a.y);
}

/* twice the signed area (shoelace) */
static double area2(const geo_point *p, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        const geo_point *a = &p[i], *b = &p[(i + 1) % n];
        s += a->x * b->y - b->x * a->y;
    }
    return s;
}

double geo_area(const geo_polygon *poly)
{
    if (!poly || poly->npoints < 3)
        return 0;
    return fabs(area2(poly->points, poly->npoints)) / 2;
}

geo_box geo_bounds(const geo_point *pts, size_t n)
{
    geo_box b = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || pts[i].x < b.min.x)
            b.min.x = pts[i].x;
        if (i == 0 || pts[i].y < b.min.y)
            b.min.y = pts[i].y;
        if (i == 0 || pts[i].x > b.max.x)
            b.max.x = pts[i].x;
        if (i == 0 || pts[i].y > b.max.y)
            b.max.y = pts[i].y;
    }
    return b;
}

geo_error geo_centroid(const geo_polygon *poly, geo_point *out)
{
    if (!poly || poly->npoints == 0)
        return GEO_EMPTY;
    double a2 = poly->npoints < 3 ? 0 : area2(poly->points, poly->npoints);
    if (a2 == 0)
        return GEO_DEGENERATE;
    double cx = 0, cy = 0;
    for (size_t i = 0; i < poly->npoints; i++) {
        const geo_point *a = &poly->points[i], *b = &poly->points[(i + 1) % poly->npoints];
        double cross = a->x * b->y - b->x * a->y;
        cx += (a->x + b->x) * cross;
        cy += (a->y + b->y) * cross;
    }
    out->x = cx / (3 * a2);
    out->y = cy / (3 * a2);
    return GEO_OK;
}

const char *geo_describe(const geo_polygon *poly)
{
    static _Thread_local char buf[512];
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < sizeof buf)                                                                        \
            n += (size_t)snprintf(buf + n, sizeof buf - n, __VA_ARGS__);                           \
    } while (0)
    ADD("'%s': %zu points", poly->name ? poly->name : "", poly->npoints);
    ADD(", style%s%s%s", poly->style & GEO_STYLE_CLOSED ? " closed" : "",
        poly->style & GEO_STYLE_FILLED ? " filled" : "",
        poly->style & GEO_STYLE_DASHED ? " dashed" : "");
    ADD(", label %s%s%s", poly->label ? "'" : "", poly->label ? poly->label : "none",
        poly->label ? "'" : "");
    ADD(", rgba %02x%02x%02x%02x", poly->rgba[0], poly->rgba[1], poly->rgba[2], poly->rgba[3]);
    ADD(", tags {");
    for (uint32_t i = 0; i < poly->ntags; i++)
        ADD("%s%s=%d", i ? ", " : "", poly->tag_keys[i], (int)poly->tag_values[i]);
    ADD("}");
#undef ADD
    return buf;
}

/* the z component of (b - a) x (c - a) */
static double turn(geo_point a, geo_point b, geo_point c)
{
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

static int by_xy(const void *x, const void *y)
{
    const geo_point *a = x, *b = y;
    return a->x < b->x ? -1 : a->x > b->x ? 1 : a->y < b->y ? -1 : a->y > b->y;
}

void geo_hull(const geo_point *pts, size_t n, geo_point **out, size_t *nout)
{
    static _Thread_local geo_point sorted[GEO_MAX_POINTS], hull[2 * GEO_MAX_POINTS];
    *out = NULL;
    *nout = 0;
    if (n == 0 || n > GEO_MAX_POINTS)
        return;
    memcpy(sorted, pts, n * sizeof *pts);
    qsort(sorted, n, sizeof *sorted, by_xy);
    /* Andrew's monotone chain, counter-clockwise from the lowest x */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        while (k >= 2 && turn(hull[k - 2], hull[k - 1], sorted[i]) <= 0)
            k--;
        hull[k++] = sorted[i];
    }
    for (size_t i = n - 1, lower = k + 1; i-- > 0;) {
        while (k >= lower && turn(hull[k - 2], hull[k - 1], sorted[i]) <= 0)
            k--;
        hull[k++] = sorted[i];
    }
    *out = hull;
    *nout = k > 1 ? k - 1 : k;
}

geo_polygon geo_regular(uint32_t sides, double radius, const char *name)
{
    static _Thread_local geo_point pts[GEO_MAX_POINTS];
    static _Thread_local char pname[64];
    static const char *const keys[] = {"sides"};
    static _Thread_local int32_t vals[1];
    geo_polygon p;
    memset(&p, 0, sizeof p);
    if (sides > GEO_MAX_POINTS)
        sides = GEO_MAX_POINTS;
    snprintf(pname, sizeof pname, "%s", name ? name : "regular");
    for (uint32_t i = 0; i < sides; i++) {
        double t = 2 * 3.14159265358979323846 * i / sides;
        pts[i].x = radius * cos(t);
        pts[i].y = radius * sin(t);
    }
    vals[0] = (int32_t)sides;
    p.name = pname;
    p.points = pts;
    p.npoints = sides;
    p.style = GEO_STYLE_CLOSED | GEO_STYLE_FILLED;
    p.rgba[2] = 0xff;
    p.rgba[3] = 0xff;
    p.tag_keys = (const char **)keys;
    p.tag_values = vals;
    p.ntags = 1;
    return p;
}

int geo_validate(const geo_polygon *poly)
{
    if (poly->npoints < 3)
        return -EINVAL;
    if (area2(poly->points, poly->npoints) == 0)
        return -EDOM;
    return 0;
}

geo_error geo_check_box(geo_box box)
{
    if (box.min.x > box.max.x || box.min.y > box.max.y)
        return GEO_INVERTED;
    if (box.min.x == box.max.x || box.min.y == box.max.y)
        return GEO_DEGENERATE;
    return GEO_OK;
}

const geo_point *geo_named_point(const char *name)
{
    static const geo_point origin = {0, 0}, unit = {1, 1};
    if (strcmp(name, "origin") == 0)
        return &origin;
    if (strcmp(name, "unit") == 0)
        return &unit;
    return NULL;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

void geo_to_wkb(const geo_polygon *poly, uint8_t **wkb, size_t *len)
{
    static _Thread_local uint8_t buf[1 + 4 + 4 + 4 + 16 * (GEO_MAX_POINTS + 1)];
    *wkb = NULL;
    *len = 0;
    if (poly->npoints == 0 || poly->npoints > GEO_MAX_POINTS)
        return;
    uint8_t *p = buf;
    *p++ = 1;            /* little endian */
    p = put_u32(p, 3);   /* Polygon */
    p = put_u32(p, 1);   /* one ring */
    p = put_u32(p, (uint32_t)poly->npoints + 1);
    for (size_t i = 0; i <= poly->npoints; i++) {
        const geo_point *q = &poly->points[i % poly->npoints]; /* closed: first point again */
        p = put_f64(p, q->x);
        p = put_f64(p, q->y);
    }
    *wkb = buf;
    *len = (size_t)(p - buf);
}

static atomic_uint logged;

void geo_log(const char *message)
{
    fprintf(stderr, "geo: %s\n", message);
    atomic_fetch_add(&logged, 1);
}

uint32_t geo_logged(void)
{
    return atomic_load(&logged);
}

struct geo_canvas {
    uint32_t width, height, points;
};

geo_canvas *geo_canvas_new(uint32_t width, uint32_t height)
{
    geo_canvas *c = calloc(1, sizeof *c);
    if (c) {
        c->width = width;
        c->height = height;
    }
    return c;
}

uint32_t geo_canvas_plot(geo_canvas *self, geo_point p)
{
    if (p.x >= 0 && p.y >= 0 && p.x < self->width && p.y < self->height)
        self->points++;
    return self->points;
}

void geo_canvas_free(geo_canvas *self)
{
    free(self);
}
