/*
 * stub_check.c - generated stubs, dispatch thunks, serve functions and
 * capability queries of cityguide and gentest, end to end through the real
 * codec and the fake runtime (fake_rpc.h); declared and nested defaults
 * through a plan with an older peer; and, by including both headers, that
 * two generated headers sharing an imported package combine.
 * Usage: stub_check OLD_CITYGUIDE.alrs (tests/gen/peer/cityguide.alr)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cityguide_gen.h"
#include "gentest_gen.h"

#include "alr/layout.h"
#include "fake_rpc.h"
#include "test.h"

/* ---------------------------------------------------------------- cityguide handlers */

static char logged[64];
static char audited[64];
static uint32_t pinged;
static int heartbeat_user;

static alr_err cg_add(alr_call *call, uint64_t a, uint64_t b, uint64_t *ret)
{
    (void)call;
    *ret = a + b;
    return ALR_OK;
}

static alr_err cg_log_event(alr_call *call, const char *text)
{
    (void)call;
    snprintf(logged, sizeof logged, "%s", text);
    return ALR_OK;
}

static alr_err cg_audit(alr_call *call, const char *text)
{
    snprintf(audited, sizeof audited, "%s", text);
    alr_call_set_app_error(call, cityguide_PoiError_unknown, "audit failed");
    return ALR_EAPP; /* oneway status: the caller does not wait for this */
}

static char site[] = "https://example.org";
static char *site_ptr = site;
static char near_name[] = "Pier 39";
static char gate[] = "Golden Gate";
static cityguide_PointOfInterest near_list[1];

static alr_err cg_poi(alr_call *call, const common_Location *at, cityguide_PointOfInterest *ret)
{
    if (at->latitude < 0) {
        alr_call_set_app_error(call, cityguide_PoiError_out_of_area, "south of %g", at->latitude);
        return ALR_EAPP;
    }
    near_list[0].name = alr_arena_strdup(alr_call_arena(call), near_name); /* the call's arena */
    CHECK(near_list[0].name != NULL);
    near_list[0].at.latitude = at->latitude + 1;
    ret->name = gate;
    ret->at = *at;
    ret->website = &site_ptr;
    ret->nearby.v = near_list;
    ret->nearby.n = 1;
    return ALR_OK;
}

static alr_err cg_forget(alr_call *call, const char *name)
{
    if (strcmp(name, "x") == 0) {
        alr_call_set_app_error(call, cityguide_PoiError_not_found, "no '%s'", name);
        return ALR_EAPP;
    }
    return ALR_OK;
}

static alr_err cg_validate(alr_call *call, const common_Location *at)
{
    if (at->latitude > 90) {
        alr_call_set_app_error(call, cityguide_PoiError_out_of_area, "latitude %g", at->latitude);
        return ALR_EAPP;
    }
    return ALR_OK;
}

static alr_err cg_ping(alr_call *call, uint32_t seq)
{
    CHECK(alr_call_user(call) == &heartbeat_user);
    pinged = seq;
    return ALR_OK;
}

/* ---------------------------------------------------------------- gentest handlers */

static alr_err gt_echo(alr_call *call, bool b, int8_t tiny, uint16_t u, float f, double d,
                       const char *s, alr_bytes raw, alr_list xs, alr_list tags, alr_map counts,
                       const gentest_Inner *inner, const gentest_Inner *opt, char *const *os,
                       alr_ref self, const uint8_t digest[4], char *const words[2], gentest_Color c,
                       gentest_Perm p, const common_Location *at, gentest_Outer *ret)
{
    (void)call;
    ret->one = *inner;
    ret->one.on = b;
    ret->one.magic = raw;
    ret->maybe = (gentest_Inner *)opt;
    ret->nick = (char **)os;
    ret->names[0] = words[0];
    ret->names[1] = words[1];
    ret->long_text = (char *)s;
    ret->lo = tiny;
    ret->hi = u + (uint64_t)xs.n * 1000 + (uint64_t)tags.n * 100000 + (uint64_t)counts.n * 10000000;
    ret->neg_zero = f;
    ret->low = d;
    ret->where = *at;
    ret->i16v = (int16_t)c;
    for (int i = 0; i < 3; i++)
        ret->few[i].level = digest[i] + digest[3];
    ret->few[0].perm = p;
    ret->few[1].small = (uint8_t)self.id;
    return ALR_OK;
}

static char clash_buf[128];

static alr_err gt_clash(alr_call *call_, uint32_t ret, uint32_t err, uint32_t arena, uint32_t call,
                        uint32_t a_, uint32_t r_, uint32_t e_, uint32_t ret_, uint32_t h,
                        uint32_t a, uint32_t r, char **ret__)
{
    if (ret == 0) {
        alr_call_set_app_error(call_, gentest_Fail_bad, "zero");
        return ALR_EAPP;
    }
    snprintf(clash_buf, sizeof clash_buf, "%u %u %u %u %u %u %u %u %u %u %u", ret, err, arena, call,
             a_, r_, e_, ret_, h, a, r);
    *ret__ = clash_buf;
    return ALR_OK;
}

static alr_err gt_nothing(alr_call *call)
{
    alr_call_set_app_error(call, gentest_Fail_bad, "nothing");
    return ALR_EAPP;
}

static alr_err gt_st(alr_call *call, gentest_Color c)
{
    if (c == gentest_Color_green)
        return ALR_OK;
    alr_call_set_app_error(call, gentest_Fail_bad, "color %d", (int)c);
    return ALR_EAPP;
}

static alr_err gt_plain(alr_call *call)
{
    alr_call_set_error(call, "plain failure");
    return ALR_EAPP;
}

static uint32_t fired;
static int32_t fired_level;

static alr_err gt_fire(alr_call *call, alr_list xs)
{
    (void)call;
    fired = xs.n;
    return ALR_OK;
}

static alr_err gt_fire_checked(alr_call *call, const gentest_Inner *inner)
{
    (void)call;
    fired_level = inner->level;
    return ALR_OK;
}

static uint32_t wd_n;
static char wd_s[16];
static size_t wd_text;

static alr_err gt_with_defaults(alr_call *call, const gentest_Inner *inner,
                                const gentest_Outer *outer, uint32_t n, const char *s)
{
    (void)call;
    (void)inner;
    wd_n = n;
    snprintf(wd_s, sizeof wd_s, "%s", s ? s : "(null)");
    wd_text = outer->long_text ? strlen(outer->long_text) : 0;
    return ALR_OK;
}

static alr_err gt_pick(alr_call *call, gentest_Perm p, gentest_Color *ret)
{
    (void)call;
    *ret = (p & gentest_Perm_top) ? gentest_Color_lowest : gentest_Color_red;
    return ALR_OK;
}

static char bob[] = "bob";
static char *bob_ptr = bob;

static alr_err gt_maybe_name(alr_call *call, bool give, char ***ret)
{
    (void)call;
    *ret = give ? &bob_ptr : NULL;
    return ALR_OK;
}

static gentest_Inner two[2];

static alr_err gt_all(alr_call *call, alr_list *ret)
{
    (void)call;
    memset(two, 0, sizeof two);
    two[0].level = -5;
    two[1].label = bob;
    ret->v = two;
    ret->n = 2;
    return ALR_OK;
}

static alr_err gt_me(alr_call *call, alr_ref *ret)
{
    (void)call;
    ret->id = 77;
    return ALR_OK;
}

static alr_err gt_area(alr_call *call, const common_Location *at, common_Area *ret)
{
    (void)call;
    ret->north_west = *at;
    ret->south_east.latitude = at->latitude - 1;
    ret->south_east.longitude = at->longitude + 1;
    return ALR_OK;
}

static alr_err gt_empty(alr_call *call, const gentest_Empty *e, gentest_Empty *ret)
{
    (void)call;
    *ret = *e;
    return ALR_OK;
}

static alr_err gt_later(alr_call *call, uint32_t *ret)
{
    (void)call;
    *ret = 99;
    return ALR_OK;
}

static int warmed;

static alr_err cg_warm_up(alr_call *call)
{
    (void)call;
    warmed++;
    return ALR_OK;
}

static alr_err gt_twice(alr_call *call, uint32_t x, uint32_t *ret)
{
    (void)call;
    *ret = 2 * x;
    return ALR_OK;
}

/* ---------------------------------------------------------------- tests */

static void test_no_endpoint(void)
{
    uint64_t r = 7;
    CHECK_EQ_INT(cityguide_CityGuide_add(1, 2, &r), ALR_ENOENDPOINT);
    CHECK_EQ_INT(r, 7);
    CHECK(!cityguide_caps_CityGuide());
    CHECK(!cityguide_caps_CityGuide_add());
    CHECK(!cityguide_caps_common_Location());
    CHECK(!cityguide_caps_Conditions_value(ALR_ENUM_VALUE, cityguide_Conditions_sunny));
    CHECK(!gentest_caps_Shapes_echo_return());
}

static void test_cityguide(alr_endpoint *ep)
{
    alr_endpoint_push(ep);
    uint64_t sum = 0;
    CHECK_EQ_INT(cityguide_CityGuide_add(40, 2, &sum), ALR_OK);
    CHECK_EQ_INT(sum, 42);
    CHECK_EQ_INT(fake_rpc_last_method(), 0);
    CHECK_EQ_INT(cityguide_CityGuide_add(1, 1, NULL), ALR_EINVAL);

    CHECK_EQ_INT(cityguide_CityGuide_log_event("hello"), ALR_OK);
    CHECK_EQ_STR(logged, "hello");
    CHECK_EQ_INT(fake_rpc_last_method(), 1);
    CHECK_EQ_INT(fake_rpc_last_oneway_error(), ALR_OK);
    CHECK_EQ_INT(cityguide_CityGuide_audit("audit me"), ALR_OK); /* the failure comes later */
    CHECK_EQ_STR(audited, "audit me");
    CHECK_EQ_INT(fake_rpc_last_method(), 2);
    CHECK_EQ_INT(fake_rpc_last_oneway_error(), ALR_EAPP); /* the handler did fail */

    alr_arena *arena = alr_arena_new();
    common_Location at = {37.8, -122.4};
    cityguide_PointOfInterest poi;
    memset(&poi, 0, sizeof poi);
    cityguide_PoiError perr = (cityguide_PoiError)-1;
    CHECK_EQ_INT(cityguide_CityGuide_poi(&at, &poi, arena, &perr), ALR_OK);
    CHECK_EQ_INT(perr, -1);
    CHECK_EQ_STR(poi.name, "Golden Gate");
    CHECK(poi.name != gate); /* a copy in the caller's arena */
    CHECK(poi.at.latitude == 37.8 && poi.at.longitude == -122.4);
    CHECK(poi.website && *poi.website && strcmp(*poi.website, site) == 0);
    CHECK_EQ_INT(poi.nearby.n, 1);
    if (poi.nearby.n == 1) {
        const cityguide_PointOfInterest *n = (const cityguide_PointOfInterest *)poi.nearby.v;
        CHECK_EQ_STR(n->name, "Pier 39");
        CHECK(n->at.latitude == 38.8);
        CHECK(n->website == NULL && n->nearby.n == 0);
    }
    at.latitude = -1;
    memset(&poi, 0, sizeof poi);
    CHECK_EQ_INT(cityguide_CityGuide_poi(&at, &poi, arena, &perr), ALR_EAPP);
    CHECK_EQ_INT(perr, cityguide_PoiError_out_of_area);
    CHECK_EQ_STR(alr_last_error_text(), "south of -1");
    CHECK(poi.name == NULL); /* untouched on failure */
    CHECK_EQ_INT(cityguide_CityGuide_poi(&at, &poi, arena, NULL), ALR_EAPP); /* err may be NULL */
    CHECK_EQ_INT(cityguide_CityGuide_poi(NULL, &poi, arena, &perr), ALR_EINVAL);
    alr_arena_free(arena);

    /* async stubs: the handler table's poi_async entry serves them; the fake
     * completes the call inside alr_call_async */
    alr_async *h = NULL;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(NULL, &h), ALR_EINVAL);
    CHECK(h == NULL);
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, NULL), ALR_EINVAL);
    at.latitude = 37.8;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, &h), ALR_OK);
    CHECK_EQ_INT(fake_rpc_last_method(), 3);
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
    const cityguide_PointOfInterest *pv = cityguide_CityGuide_poi_async_value(h);
    CHECK(pv != NULL);
    if (pv) {
        CHECK_EQ_STR(pv->name, "Golden Gate");
        CHECK(pv->name != gate); /* decoded into the handle's arena */
        CHECK(pv->at.latitude == 37.8);
        CHECK_EQ_INT(pv->nearby.n, 1);
    }
    CHECK(cityguide_CityGuide_poi_async_value(NULL) == NULL);
    alr_async_release(h);
    at.latitude = -1;
    h = NULL;
    CHECK_EQ_INT(cityguide_CityGuide_poi_async_async(&at, &h), ALR_OK);
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_EAPP);
    CHECK(cityguide_CityGuide_poi_async_value(h) == NULL); /* not OK: no value */
    alr_async_release(h);
    h = NULL;
    CHECK_EQ_INT(cityguide_CityGuide_warm_up_async(&h), ALR_OK);
    CHECK_EQ_INT(fake_rpc_last_method(), 4);
    CHECK_EQ_INT(alr_async_wait(h, 0), ALR_OK);
    CHECK_EQ_INT(warmed, 1);
    alr_async_release(h);

    perr = (cityguide_PoiError)-1;
    CHECK_EQ_INT(cityguide_CityGuide_forget("y", &perr), ALR_OK);
    CHECK_EQ_INT(perr, -1);
    CHECK_EQ_INT(cityguide_CityGuide_forget("x", &perr), ALR_EAPP);
    CHECK_EQ_INT(perr, cityguide_PoiError_not_found);
    CHECK_EQ_STR(alr_last_error_text(), "no 'x'");

    CHECK_EQ_INT(cityguide_CityGuide_check(), ALR_ENOMETHOD); /* NULL handler */
    at.latitude = 10;
    CHECK_EQ_INT(cityguide_CityGuide_validate(&at, &perr), ALR_OK);
    at.latitude = 100;
    CHECK_EQ_INT(cityguide_CityGuide_validate(&at, &perr), ALR_EAPP);
    CHECK_EQ_INT(perr, cityguide_PoiError_out_of_area);

    CHECK_EQ_INT(cityguide_Heartbeat_ping(9), ALR_OK);
    CHECK_EQ_INT(pinged, 9);

    /* methods without a generated handler answer ALR_ENOMETHOD */
    alr_invoke_fn none = NULL;
    for (uint32_t m = 0; m < cityguide_iface.nmethods; m++) {
        const alr_method_info *mi = &cityguide_iface.methods[m];
        if (mi->kind != ALR_METHOD_STATIC || mi->mode == ALR_RET_ASYNCREF) {
            CHECK_EQ_INT(mi->invoke(NULL, NULL, NULL, NULL), ALR_ENOMETHOD);
            none = mi->invoke;
        }
    }
    /* async methods have their own thunks (handler table entries) */
    for (uint32_t m = 0; m < cityguide_iface.nmethods; m++)
        if (cityguide_iface.methods[m].mode == ALR_RET_ASYNC)
            CHECK(none && cityguide_iface.methods[m].invoke != none);
    /* caps with a NULL plan (no handshake) are all false */
    CHECK(!cityguide_caps_CityGuide_add());
    alr_endpoint_pop();
}

static void test_wrong_endpoint(alr_endpoint *gentest_ep)
{
    alr_endpoint_push(gentest_ep);
    uint64_t r = 0;
    CHECK_EQ_INT(cityguide_CityGuide_add(1, 2, &r), ALR_EWRONGENDPOINT);
    alr_endpoint_pop();
}

static void test_gentest(alr_endpoint *ep)
{
    alr_endpoint_push(ep);
    alr_arena *arena = alr_arena_new();
    uint8_t magic[] = {9, 8, 7};
    uint32_t xs[] = {1, 2, 3};
    char *tagv[] = {(char *)"t1", (char *)"t2"};
    char *keys[] = {(char *)"k"};
    int64_t vals[] = {5};
    gentest_Inner inner;
    memset(&inner, 0, sizeof inner);
    inner.level = -3;
    inner.label = (char *)"inner";
    gentest_Inner opt;
    memset(&opt, 0, sizeof opt);
    opt.small = 11;
    char *nick = (char *)"nick";
    uint8_t digest[4] = {1, 2, 3, 4};
    char *words[2] = {(char *)"w0", (char *)"w1"};
    common_Location at = {1.5, 2.5};
    alr_bytes raw = {magic, 3};
    alr_list xl = {xs, 3}, tl = {tagv, 2};
    alr_map counts = {keys, vals, 1};
    alr_ref self = {12};
    gentest_Outer out;
    memset(&out, 0, sizeof out);
    CHECK_EQ_INT(gentest_Shapes_echo(true, -7, 300, -0.0f, 2.25, "long", raw, xl, tl, counts,
                                     &inner, &opt, &nick, self, digest, words, gentest_Color_blue,
                                     gentest_Perm_read | gentest_Perm_top, &at, &out, arena),
                 ALR_OK);
    /* the args struct copies the arrays: changing them now changes nothing */
    digest[0] = 100;
    words[0] = (char *)"changed";
    CHECK_EQ_INT(out.one.level, -3);
    CHECK_EQ_STR(out.one.label, "inner");
    CHECK(out.one.on);
    CHECK(out.one.magic.len == 3 && memcmp(out.one.magic.ptr, magic, 3) == 0);
    CHECK(out.maybe && out.maybe->small == 11);
    CHECK(out.nick && strcmp(*out.nick, "nick") == 0);
    CHECK_EQ_STR(out.names[0], "w0");
    CHECK_EQ_STR(out.names[1], "w1");
    CHECK_EQ_STR(out.long_text, "long");
    CHECK_EQ_INT(out.lo, -7);
    CHECK_EQ_INT(out.hi, 300 + 3 * 1000 + 2 * 100000 + 1 * 10000000);
    CHECK(out.neg_zero == 0.0f && signbit(out.neg_zero));
    CHECK(out.low == 2.25);
    CHECK(out.where.latitude == 1.5 && out.where.longitude == 2.5);
    CHECK_EQ_INT(out.i16v, gentest_Color_blue);
    CHECK_EQ_INT(out.few[0].level, 5);
    CHECK_EQ_INT(out.few[2].level, 7);
    CHECK(out.few[0].perm == (gentest_Perm_read | gentest_Perm_top));
    CHECK_EQ_INT(out.few[1].small, 12);

    /* optional parameters may be absent */
    memset(&out, 0, sizeof out);
    CHECK_EQ_INT(gentest_Shapes_echo(false, 0, 0, 0, 0, NULL, raw, xl, tl, counts, &inner, NULL,
                                     NULL, self, digest, words, gentest_Color_red, 0, &at, &out,
                                     arena),
                 ALR_OK);
    CHECK(out.maybe == NULL && out.nick == NULL);
    CHECK(out.long_text == NULL || out.long_text[0] == '\0');
    CHECK_EQ_INT(gentest_Shapes_echo(false, 0, 0, 0, 0, NULL, raw, xl, tl, counts, NULL, NULL, NULL,
                                     self, digest, words, gentest_Color_red, 0, &at, &out, arena),
                 ALR_EINVAL);

    /* parameters named like the stub's own names */
    char *clashed = NULL;
    gentest_Fail ferr = gentest_Fail_none;
    CHECK_EQ_INT(gentest_Shapes_clash(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, &clashed, arena, &ferr),
                 ALR_OK);
    CHECK_EQ_STR(clashed, "1 2 3 4 5 6 7 8 9 10 11");
    CHECK_EQ_INT(gentest_Shapes_clash(0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, &clashed, arena, &ferr),
                 ALR_EAPP);
    CHECK_EQ_INT(ferr, gentest_Fail_bad);

    ferr = gentest_Fail_none;
    CHECK_EQ_INT(gentest_Shapes_nothing(&ferr), ALR_EAPP);
    CHECK_EQ_INT(ferr, gentest_Fail_bad);
    CHECK_EQ_INT(gentest_Shapes_st(gentest_Color_green, &ferr), ALR_OK);
    CHECK_EQ_INT(gentest_Shapes_st(gentest_Color_red, NULL), ALR_EAPP);
    CHECK_EQ_INT(gentest_Shapes_plain(), ALR_EAPP);
    CHECK_EQ_STR(alr_last_error_text(), "plain failure");

    CHECK_EQ_INT(gentest_Shapes_fire(tl), ALR_OK);
    CHECK_EQ_INT(fired, 2);
    CHECK_EQ_INT(gentest_Shapes_fire_checked(&inner), ALR_OK);
    CHECK_EQ_INT(fired_level, -3);

    alr_async *h = NULL;
    CHECK_EQ_INT(gentest_Shapes_later_async(&h), ALR_OK);
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
    const uint32_t *later = gentest_Shapes_later_value(h);
    CHECK(later && *later == 99);
    alr_async_release(h);

    gentest_Outer outer;
    memset(&outer, 0, sizeof outer);
    outer.long_text = (char *)"12345";
    CHECK_EQ_INT(gentest_Shapes_with_defaults(&inner, &outer, 3, "s"), ALR_OK);
    CHECK_EQ_INT(wd_n, 3);
    CHECK_EQ_STR(wd_s, "s");
    CHECK_EQ_INT(wd_text, 5);

    gentest_Color col = gentest_Color_green;
    CHECK_EQ_INT(gentest_Shapes_pick(gentest_Perm_top, &col), ALR_OK);
    CHECK_EQ_INT(col, gentest_Color_lowest);
    CHECK_EQ_INT(col, INT32_MIN);

    char **name = NULL;
    CHECK_EQ_INT(gentest_Shapes_maybe_name(true, &name, arena), ALR_OK);
    CHECK(name && *name && strcmp(*name, "bob") == 0);
    CHECK_EQ_INT(gentest_Shapes_maybe_name(false, &name, arena), ALR_OK);
    CHECK(name == NULL);

    alr_list all = {NULL, 0};
    CHECK_EQ_INT(gentest_Shapes_all(&all, arena), ALR_OK);
    CHECK_EQ_INT(all.n, 2);
    if (all.n == 2) {
        const gentest_Inner *v = (const gentest_Inner *)all.v;
        CHECK_EQ_INT(v[0].level, -5);
        CHECK_EQ_STR(v[1].label, "bob");
    }
    alr_ref me = {0};
    CHECK_EQ_INT(gentest_Shapes_me(&me), ALR_OK);
    CHECK_EQ_INT(me.id, 77);
    common_Area area;
    CHECK_EQ_INT(gentest_Shapes_area(&at, &area), ALR_OK);
    CHECK(area.north_west.latitude == 1.5 && area.south_east.longitude == 3.5);
    gentest_Empty e0 = {0}, e1 = {1};
    CHECK_EQ_INT(gentest_Shapes_empty(&e0, &e1), ALR_OK);
    uint32_t tw = 0;
    CHECK_EQ_INT(gentest_gentest_extra_Remote_twice(21, &tw), ALR_OK);
    CHECK_EQ_INT(tw, 42);
    alr_arena_free(arena);
    alr_endpoint_pop();
}

/* Index of struct qname in a generated struct table. */
static const alr_struct_desc *find_struct(const alr_struct_desc *tab, uint32_t n, const char *qname)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(tab[i].name, qname) == 0)
            return &tab[i];
    return NULL;
}

static void test_caps_and_defaults(const char *old_path, alr_endpoint *ep_cg)
{
    FILE *f = fopen(old_path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static uint8_t old_blob[1 << 16];
    size_t old_len = fread(old_blob, 1, sizeof old_blob, f);
    fclose(f);
    alr_schema *neu = NULL, *old = NULL;
    char err[256];
    CHECK_EQ_INT(
        alr_schema_load(cityguide_iface.blob, cityguide_iface.blob_len, &neu, err, sizeof err),
        ALR_OK);
    CHECK_EQ_INT(alr_schema_load(old_blob, old_len, &old, err, sizeof err), ALR_OK);
    alr_plan *pn = NULL, *po = NULL;
    CHECK_EQ_INT(alr_plan_build(neu, old, ALR_ROLE_CONNECTOR, &pn, err, sizeof err), ALR_OK);
    CHECK_EQ_INT(alr_plan_build(old, neu, ALR_ROLE_ACCEPTOR, &po, err, sizeof err), ALR_OK);
    if (!pn || !po)
        goto out;

    /* capability queries read the current endpoint's plan */
    alr_endpoint *ep = fake_rpc_endpoint(&cityguide_iface, pn);
    alr_endpoint_push(ep);
    CHECK(cityguide_caps_CityGuide());
    CHECK(cityguide_caps_CityGuide_add());
    CHECK(cityguide_caps_CityGuide_add_param_a());
    CHECK(cityguide_caps_CityGuide_add_return());
    CHECK(!cityguide_caps_CityGuide_check());
    CHECK(cityguide_caps_CityGuide_validate());
    CHECK(cityguide_caps_Heartbeat_ping());
    CHECK(!cityguide_caps_Heartbeat_ping_param_seq());
    CHECK(cityguide_caps_WeatherInfo());
    CHECK(cityguide_caps_WeatherInfo_big());
    CHECK(!cityguide_caps_WeatherInfo_ratio());
    CHECK(!cityguide_caps_WeatherInfo_conditions_v2());
    CHECK(cityguide_caps_WeatherConditions_description());
    CHECK(cityguide_caps_common_Location_latitude());
    CHECK(cityguide_caps_common_Area_south_east());
    CHECK(cityguide_caps_Conditions());
    CHECK(cityguide_caps_Conditions_value(ALR_ENUM_VALUE, cityguide_Conditions_cloudy));
    CHECK(!cityguide_caps_Conditions_value(ALR_ENUM_VALUE, cityguide_Conditions_rain));
    CHECK(cityguide_caps_Warnings_value(ALR_ENUM_FLAGS,
                                        cityguide_Warnings_storm | cityguide_Warnings_flood));
    CHECK(cityguide_caps_CityGuide_weather_param_prefer());
    CHECK(cityguide_caps_CityGuideClient_on_poi());
    alr_endpoint_pop();
    /* an endpoint without a plan answers false */
    alr_endpoint_push(ep_cg);
    CHECK(!cityguide_caps_CityGuide());
    alr_endpoint_pop();

    /* a WeatherInfo from the old peer: the fields it lacks take the generated
     * declared default (ratio) and default instance (conditions_v2) */
    alr_layout *lo = NULL;
    CHECK_EQ_INT(alr_layout_build(old, &lo), ALR_OK);
    const alr_struct_desc *od = lo ? alr_layout_find(lo, "cityguide.WeatherInfo") : NULL;
    const alr_struct_desc *nd =
        find_struct(cityguide__structs, cityguide__NSTRUCTS, "cityguide.WeatherInfo");
    CHECK(od && nd);
    if (od && nd) {
        uint8_t *ov = calloc(1, od->size);
        for (uint32_t k = 0; k < od->nmembers; k++)
            if (strcmp(od->members[k].name, "port") == 0)
                memcpy(ov + od->members[k].offset, &(uint16_t){9}, 2);
        alr_buf buf = {NULL, 0, 0};
        CHECK_EQ_INT(alr_encode(od, po, ov, &buf), ALR_OK);
        alr_arena *a = alr_arena_new();
        cityguide_WeatherInfo w;
        CHECK_EQ_INT(alr_decode(nd, pn, buf.data, buf.len, &w, a, NULL), ALR_OK);
        CHECK_EQ_INT(w.port, 9);
        CHECK(isinf(w.ratio) && w.ratio < 0);
        CHECK_EQ_STR(w.conditions_v2.description, "Unknown");
        CHECK_EQ_INT(w.conditions_v2.sky, cityguide_Conditions_cloudy);
        CHECK(w.conditions_v2.warnings == (cityguide_Warnings_storm | cityguide_Warnings_flood));
        CHECK(w.big == 0); /* shared: the sender's value, not the default */
        /* Heartbeat.ping from the old peer has no seq: the receiver sees 1 */
        const alr_method_info *ping = NULL;
        for (uint32_t m = 0; m < cityguide_iface.nmethods; m++)
            if (strcmp(cityguide_iface.methods[m].name, "cityguide.Heartbeat.ping") == 0)
                ping = &cityguide_iface.methods[m];
        const alr_struct_desc *old_ping = NULL;
        for (uint32_t m = 0; lo && alr_layout_args(lo, m); m++)
            if (strcmp(alr_layout_args(lo, m)->name, "cityguide.Heartbeat.ping.args") == 0)
                old_ping = alr_layout_args(lo, m);
        CHECK(ping && old_ping);
        if (ping && old_ping) {
            uint8_t none[8] = {0};
            uint32_t seq = 0;
            buf.len = 0;
            CHECK_EQ_INT(alr_encode(old_ping, po, none, &buf), ALR_OK);
            CHECK_EQ_INT(alr_decode(ping->args, pn, buf.data, buf.len, &seq, a, NULL), ALR_OK);
            CHECK_EQ_INT(seq, 1);
        }
        alr_arena_free(a);
        free(buf.data);
        free(ov);
    }
    alr_layout_free(lo);
out:
    alr_plan_free(pn);
    alr_plan_free(po);
    alr_schema_free(neu);
    alr_schema_free(old);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stub_check OLD_CITYGUIDE.alrs\n");
        return 2;
    }
    static const cityguide_CityGuide_handlers cg = {
        cg_add, cg_log_event, cg_audit, cg_poi, cg_warm_up, cg_poi, cg_forget, NULL, cg_validate,
    };
    static const cityguide_Heartbeat_handlers hb = {cg_ping};
    static const gentest_Shapes_handlers gt = {
        gt_echo,          gt_clash, gt_nothing,    gt_st,  gt_plain, gt_fire, gt_fire_checked,
        gt_with_defaults, gt_pick,  gt_maybe_name, gt_all, gt_me,    gt_area, gt_empty,
        gt_later,
    };
    static const gentest_gentest_extra_Remote_handlers rm = {gt_twice};

    test_no_endpoint();
    alr_server *srv_cg = fake_rpc_server(&cityguide_iface);
    alr_server *srv_gt = fake_rpc_server(&gentest_iface);
    CHECK_EQ_INT(cityguide_CityGuide_serve(srv_cg, &cg, NULL), ALR_OK);
    CHECK_EQ_INT(cityguide_Heartbeat_serve(srv_cg, &hb, &heartbeat_user), ALR_OK);
    CHECK_EQ_INT(gentest_Shapes_serve(srv_gt, &gt, NULL), ALR_OK);
    CHECK_EQ_INT(gentest_gentest_extra_Remote_serve(srv_gt, &rm, NULL), ALR_OK);
    alr_endpoint *ep_cg = fake_rpc_endpoint(&cityguide_iface, NULL);
    alr_endpoint *ep_gt = fake_rpc_endpoint(&gentest_iface, NULL);
    CHECK_EQ_INT(gentest_Shapes_serve_endpoint(ep_gt, &gt, NULL), ALR_OK);
    test_cityguide(ep_cg);
    test_wrong_endpoint(ep_gt);
    test_gentest(ep_gt);
    test_caps_and_defaults(argv[1], ep_cg);
    fake_rpc_reset();
    TEST_MAIN_END();
}
