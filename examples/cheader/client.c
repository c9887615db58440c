/*
 * cheader client: a program written against libgeo's header, geo.h, calling
 * the header's own functions.  Linked with the generated geo_client.c
 * (cheader_client) instead of geo.c, every call runs on the cheader server;
 * linked with the real geo.c (cheader_local, built with -DCHEADER_LOCAL)
 * the same calls run in process.  Both print the same lines, one per result
 * (tests/cheader/expect.txt); tests/cheader/run.sh compares them.
 *
 *   cheader_client ADDR               every function, then what only a
 *                                     remote call has ("remote:" lines)
 *   cheader_client --no-endpoint      calls without a current endpoint
 *   cheader_client --after-stop ADDR  connects, prints "connected", waits for
 *                                     a line on stdin (meanwhile the server is
 *                                     stopped), then calls
 *   cheader_client --threads N ADDR   N threads calling at once on one endpoint
 *   cheader_local                     the same calls as ADDR, in process
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CHEADER_LOCAL
#include "geo.h"
#else
#include <pthread.h>

#include "geo_adapt.h"
#endif

/* a number as %.3f, without "-0.000" */
static const char *num(char buf[32], double v)
{
    double r = round(v * 1000) / 1000;
    snprintf(buf, 32, "%.3f", r == 0 ? 0.0 : r);
    return buf;
}

static void print_point(const char *what, geo_point p)
{
    char a[32], b[32];
    printf("%s (%s, %s)\n", what, num(a, p.x), num(b, p.y));
}

static void print_points(const char *what, const geo_point *p, size_t n)
{
    char a[32], b[32];
    printf("%s %zu points:", what, n);
    for (size_t i = 0; i < n; i++)
        printf(" (%s, %s)", num(a, p[i].x), num(b, p[i].y));
    printf("\n");
}

static void print_box(const char *what, geo_box b)
{
    char w[32], x[32], y[32], z[32];
    printf("%s min (%s, %s) max (%s, %s)\n", what, num(w, b.min.x), num(x, b.min.y),
           num(y, b.max.x), num(z, b.max.y));
}

static void print_polygon(const char *what, const geo_polygon *p)
{
    print_points(what, p->points, p->npoints);
    printf("%s name '%s' style %u label %s rgba %02x%02x%02x%02x tags", what,
           p->name ? p->name : "(null)", (unsigned)p->style, p->label ? p->label : "(none)",
           p->rgba[0], p->rgba[1], p->rgba[2], p->rgba[3]);
    for (uint32_t i = 0; i < p->ntags; i++)
        printf(" %s=%d", p->tag_keys[i], (int)p->tag_values[i]);
    printf("\n");
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* ---- the library's data ---- */

static const geo_point square_pts[] = {{0, 0}, {4, 0}, {4, 4}, {0, 4}};
static const char *square_keys[] = {"layer", "z"};
static int32_t square_vals[] = {3, -7};
static const geo_polygon square = {"square",         square_pts, 4, GEO_STYLE_CLOSED | GEO_STYLE_DASHED,
                                   "home",           {0x11, 0x22, 0x33, 0xff},
                                   square_keys,      square_vals, 2};
static const geo_point tri_pts[] = {{0, 0}, {4, 0}, {0, 3}};
static const geo_polygon tri = {"Z\xc3\xbcrich \xe2\x98\x80", tri_pts, 3, GEO_STYLE_FILLED,
                                NULL, {0, 0, 0, 0}, NULL, NULL, 0};
static const geo_point line_pts[] = {{0, 0}, {1, 1}, {2, 2}};
static const geo_polygon line = {"", line_pts, 3, 0, NULL, {1, 2, 3, 4}, NULL, NULL, 0};
static const geo_polygon empty = {NULL, NULL, 0, 0, "nothing", {0, 0, 0, 0}, NULL, NULL, 0};

/* ---- every function, the same lines in process and remote ---- */

static void run_all(void)
{
    char a[32];
    geo_point p;
    geo_error rc;

    printf("version %u\n", (unsigned)geo_version());

    printf("distance 3-4-5 %s\n", num(a, geo_distance((geo_point){0, 0}, (geo_point){3, 4})));
    printf("distance same %s\n", num(a, geo_distance((geo_point){1, 1}, (geo_point){1, 1})));
    printf("distance neg %s\n", num(a, geo_distance((geo_point){-1, -1}, (geo_point){2, 3})));

    printf("area square %s\n", num(a, geo_area(&square)));
    printf("area tri %s\n", num(a, geo_area(&tri)));
    printf("area line %s\n", num(a, geo_area(&line)));
    printf("area empty %s\n", num(a, geo_area(&empty)));

    static const geo_point scattered[] = {{3, -1}, {-2, 5}, {0, 0}, {1.5, 2.25}};
    print_box("bounds square", geo_bounds(square_pts, 4));
    print_box("bounds scattered", geo_bounds(scattered, 4));
    print_box("bounds none", geo_bounds(NULL, 0));

    p = (geo_point){-9, -9};
    rc = geo_centroid(&square, &p);
    printf("centroid square rc %d ", (int)rc), print_point("at", p);
    rc = geo_centroid(&tri, &p);
    printf("centroid tri rc %d ", (int)rc), print_point("at", p);
    p = (geo_point){-9, -9};
    rc = geo_centroid(&line, &p);
    printf("centroid line rc %d ", (int)rc), print_point("untouched", p);
    rc = geo_centroid(&empty, &p);
    printf("centroid empty rc %d ", (int)rc), print_point("untouched", p);

    printf("describe square %s\n", geo_describe(&square));
    printf("describe tri %s\n", geo_describe(&tri));
    printf("describe line %s\n", geo_describe(&line));
    printf("describe empty %s\n", geo_describe(&empty));

    static const geo_point cloud[] = {{0, 0}, {2, 1}, {4, 0}, {4, 4}, {0, 4}, {2, 2}, {1, 3}, {3, 3}};
    geo_point *h = (geo_point *)&square_pts[0];
    size_t nh = 99;
    geo_hull(cloud, sizeof cloud / sizeof cloud[0], &h, &nh);
    print_points("hull cloud", h, nh);
    geo_hull(square_pts, 1, &h, &nh);
    print_points("hull one", h, nh);
    h = (geo_point *)&square_pts[0];
    geo_hull(NULL, 0, &h, &nh);
    printf("hull none %zu points, out %s\n", nh, h ? "set" : "NULL");
    static geo_point many[GEO_MAX_POINTS + 1];
    for (size_t i = 0; i < GEO_MAX_POINTS + 1; i++)
        many[i] = (geo_point){(double)(i % 17), (double)(i % 5)};
    geo_hull(many, GEO_MAX_POINTS + 1, &h, &nh);
    printf("hull too many %zu points, out %s\n", nh, h ? "set" : "NULL");
    geo_hull(many, GEO_MAX_POINTS, &h, &nh);
    print_points("hull many", h, nh);

    geo_polygon hex = geo_regular(6, 2.0, "hex");
    print_polygon("regular hex", &hex);
    printf("regular hex area %s\n", num(a, geo_area(&hex)));
    geo_polygon sq = geo_regular(4, 1.0, NULL);
    print_polygon("regular default", &sq);
    printf("regular default describe %s\n", geo_describe(&sq));
    geo_polygon none = geo_regular(0, 1.0, "");
    print_polygon("regular none", &none);

    printf("validate square %d\n", geo_validate(&square));
    printf("validate empty %d\n", geo_validate(&empty));
    printf("validate line %d\n", geo_validate(&line));

    printf("check_box ok %d\n", (int)geo_check_box((geo_box){{0, 0}, {1, 2}}));
    printf("check_box inverted %d\n", (int)geo_check_box((geo_box){{3, 0}, {1, 2}}));
    printf("check_box degenerate %d\n", (int)geo_check_box((geo_box){{1, 0}, {1, 2}}));

    const geo_point *np = geo_named_point("origin");
    np ? print_point("named origin", *np) : (void)printf("named origin NULL\n");
    np = geo_named_point("unit");
    np ? print_point("named unit", *np) : (void)printf("named unit NULL\n");
    np = geo_named_point("nowhere");
    np ? print_point("named nowhere", *np) : (void)printf("named nowhere NULL\n");

    uint8_t *wkb = NULL;
    size_t len = 0;
    geo_to_wkb(&square, &wkb, &len);
    printf("wkb square %zu bytes fnv %016" PRIx64 " head", len, fnv1a(wkb, len));
    for (size_t i = 0; i < len && i < 13; i++)
        printf(" %02x", wkb[i]);
    printf("\n");
    geo_to_wkb(&empty, &wkb, &len);
    printf("wkb empty %zu bytes, %s\n", len, wkb ? "set" : "NULL");

    /* oneway: the server runs the calls in any order, so wait for the count */
    uint32_t before = geo_logged(), now = before;
    geo_log("one");
    geo_log("two");
    geo_log("three");
    for (int i = 0; i < 500 && (now = geo_logged()) - before < 3; i++)
        sleep_ms(10);
    printf("logged +%u\n", (unsigned)(now - before));
}

#ifndef CHEADER_LOCAL

/* ---- what only a remote call has ---- */

static int hook_calls;
static char hook_last[256];

static void on_error(const char *func, alr_err e, const char *text, void *user)
{
    (void)user;
    hook_calls++;
    snprintf(hook_last, sizeof hook_last, "%s %s: %s", func, alr_strerror(e), text);
}

static const char *mode = "remote";

/* "<mode>: <what>: <last error> '<its text>'" of the call just made */
static void last(const char *what)
{
    printf("%s: %s: %s '%s'\n", mode, what, alr_strerror(geo_client_last_error()),
           geo_client_last_error_text());
}

static void run_remote(void)
{
    char a[32];
    geo_point p = {-9, -9};
    geo_client_set_error_hook(on_error, NULL);

    printf("remote: version %u\n", (unsigned)geo_version());
    last("version");
    printf("remote: centroid empty rc %d\n", (int)geo_centroid(&empty, &p));
    last("centroid empty");
    printf("remote: validate line %d\n", geo_validate(&line));
    last("validate line");
    printf("remote: check_box inverted %d\n", (int)geo_check_box((geo_box){{3, 0}, {1, 2}}));
    last("check_box inverted");

    /* failures of the call itself, with no error channel in the prototype */
    printf("remote: area NULL %s\n", num(a, geo_area(NULL)));
    last("area NULL");
    printf("remote: centroid out NULL rc %d\n", (int)geo_centroid(&square, NULL));
    last("centroid out NULL");
    static const geo_point one[1] = {{1, 2}};
    geo_box bx = geo_bounds(one, (size_t)UINT32_MAX + 1);
    print_box("remote: bounds 2^32 points", bx);
    last("bounds 2^32 points");
    static const geo_polygon bad = {"bad", NULL, 2, 0, NULL, {0, 0, 0, 0}, NULL, NULL, 0};
    printf("remote: area of NULL points %s\n", num(a, geo_area(&bad)));
    last("area of NULL points");

    /* not carried yet: fails as a server without them would */
    geo_canvas *c = geo_canvas_new(10, 10);
    printf("remote: canvas_new %s\n", c ? "set" : "NULL");
    last("canvas_new");
    printf("remote: canvas_plot %u\n", (unsigned)geo_canvas_plot(c, (geo_point){1, 1}));
    last("canvas_plot");
    geo_canvas_free(c);
    last("canvas_free");
    printf("remote: hook calls %d, last %s\n", hook_calls, hook_last);

    /* results stay valid until geo_client_free_results(), not just until the next call */
    const char *d1 = geo_describe(&square), *d2 = geo_describe(&tri);
    printf("remote: two results at once %s\n",
           d1 && d2 && strncmp(d1, "'square'", 8) == 0 && strncmp(d2, "'Z", 2) == 0 ? "ok" : "BAD");
    geo_client_free_results();
    printf("remote: after free_results version %u\n", (unsigned)geo_version());
    last("after free_results");
    geo_client_set_error_hook(NULL, NULL);
}

static void run_no_endpoint(void)
{
    char a[32];
    geo_point p = {-9, -9};
    mode = "no endpoint";
    geo_client_set_error_hook(on_error, NULL);
    printf("no endpoint: version %u\n", (unsigned)geo_version());
    last("version");
    printf("no endpoint: distance %s\n", num(a, geo_distance(p, p)));
    printf("no endpoint: centroid rc %d ", (int)geo_centroid(&square, &p)), print_point("untouched", p);
    printf("no endpoint: validate %d (ALR_ENOENDPOINT is %d)\n", geo_validate(&square),
           (int)ALR_ENOENDPOINT);
    printf("no endpoint: check_box %d\n", (int)geo_check_box((geo_box){{0, 0}, {1, 1}}));
    const char *d = geo_describe(&square);
    printf("no endpoint: describe %s\n", d ? d : "NULL");
    geo_polygon r = geo_regular(3, 1, "x");
    printf("no endpoint: regular %zu points, name %s\n", r.npoints, r.name ? r.name : "NULL");
    geo_log("lost");
    last("log");
    printf("no endpoint: hook calls %d, last %s\n", hook_calls, hook_last);
    geo_client_set_error_hook(NULL, NULL);
}

/* "gone" for the ways a call fails once the server went away */
static const char *gone(void)
{
    alr_err e = geo_client_last_error();
    return e == ALR_ECLOSED || e == ALR_EFAULTED || e == ALR_EIO || e == ALR_ETIMEDOUT
               ? "gone"
               : alr_strerror(e);
}

/* After the server stopped: every function reports the failure. */
static void run_after_stop(void)
{
    char a[32];
    geo_point p = {-9, -9};
    geo_client_set_error_hook(on_error, NULL);
    unsigned v = (unsigned)geo_version();
    printf("after stop: version %u, %s\n", v, gone());
    double ar = geo_area(&square);
    printf("after stop: area %s, %s\n", num(a, ar), gone());
    int rc = (int)geo_centroid(&square, &p);
    printf("after stop: centroid rc %d, %s\n", rc, gone());
    int st = geo_validate(&square);
    printf("after stop: validate %s, %s\n",
           st != 0 && st == (int)geo_client_last_error() ? "the alr_err" : "BAD", gone());
    const char *d = geo_describe(&square);
    printf("after stop: describe %s, %s\n", d ? d : "NULL", gone());
    printf("after stop: hook calls %d\n", hook_calls);
    geo_client_set_error_hook(NULL, NULL);
}

typedef struct worker {
    alr_endpoint *ep;
    int id, failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    alr_endpoint_push(w->ep);
    for (int i = 0; i < 200; i++) {
        uint32_t sides = 3 + (uint32_t)((w->id * 7 + i) % 20);
        char name[32];
        snprintf(name, sizeof name, "t%d-%d", w->id, i);
        geo_polygon p = geo_regular(sides, 1.0 + w->id, name);
        double want = 0.5 * sides * (1.0 + w->id) * (1.0 + w->id) * sin(2 * 3.14159265358979323846 / sides);
        if (p.npoints != sides || !p.name || strcmp(p.name, name) != 0 ||
            fabs(geo_area(&p) - want) > 1e-9 || geo_client_last_error() != ALR_OK)
            w->failures++;
        if (i % 50 == 49)
            geo_client_free_results();
    }
    geo_client_free_results();
    alr_endpoint_pop();
    return NULL;
}

static int run_threads(alr_endpoint *ep, int n)
{
    pthread_t t[16];
    worker w[16];
    if (n < 1 || n > 16)
        n = 4;
    for (int i = 0; i < n; i++) {
        w[i] = (worker){ep, i, 0};
        if (pthread_create(&t[i], NULL, work, &w[i]) != 0)
            return 1;
    }
    int failures = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    printf("threads: %d x 200 calls, %d failures\n", n, failures);
    return failures != 0;
}

static int connect_to(const char *addr, alr_endpoint **ep)
{
    alr_err e = alr_endpoint_connect(addr, &geo_iface, NULL, ep);
    if (e != ALR_OK) {
        fprintf(stderr, "cheader client: %s: %s: %s\n", addr, alr_strerror(e), alr_last_error_text());
        return 1;
    }
    alr_endpoint_push(*ep); /* the header's functions call the thread's current endpoint */
    return 0;
}

int main(int argc, char **argv)
{
    alr_endpoint *ep = NULL;
    int rc = 0;
    if (argc > 1 && strcmp(argv[1], "--no-endpoint") == 0) {
        run_no_endpoint();
    } else if (argc > 2 && strcmp(argv[1], "--after-stop") == 0) {
        if (connect_to(argv[2], &ep))
            return 1;
        printf("connected, version %u\n", (unsigned)geo_version());
        fflush(stdout);
        char go[16];
        if (!fgets(go, sizeof go, stdin))
            rc = 1;
        run_after_stop();
    } else if (argc > 3 && strcmp(argv[1], "--threads") == 0) {
        if (connect_to(argv[3], &ep))
            return 1;
        rc = run_threads(ep, atoi(argv[2]));
    } else if (argc == 2) {
        if (connect_to(argv[1], &ep))
            return 1;
        run_all();
        run_remote();
    } else {
        fprintf(stderr, "usage: cheader_client ADDR | --no-endpoint | --after-stop ADDR | "
                        "--threads N ADDR\n");
        return 2;
    }
    geo_client_free_results();
    if (ep) {
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
    return rc;
}

#else /* CHEADER_LOCAL */

int main(void)
{
    run_all();
    return 0;
}

#endif
