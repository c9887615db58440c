/*
 * test_codec.c - the value codec against hand-written descriptors: exact
 * bytes of the documented examples, a seeded round-trip property test over
 * every kind (with and without non-identity plans), declared defaults for
 * members the peer lacks, and hostile input (truncation, overlong forms,
 * type confusion, bombs, budgets, reserved bytes).
 */
#include <math.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alr/codec.h"
#include "arena.h"
#include "plan_internal.h"
#include "test.h"
#include "wire.h"

/* ================================================================ C types */

typedef struct Point {
    int32_t x, y;
} Point;

typedef struct Inner {
    uint8_t a;
    int16_t b;
    char *s;
    Point p;
} Inner;

typedef struct All {
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f32;
    double f64;
    char *str;
    alr_bytes bytes;
    alr_list list_u32;   /* list<u32> */
    alr_list set_str;    /* set<string> */
    alr_map map_str_i64; /* map<string, i64> */
    int32_t *opt_i32;    /* optional<i32> */
    Inner *opt_inner;    /* optional<Inner> */
    uint16_t arr[3];     /* u16[3] */
    Point parr[2];       /* Point[2] */
    Inner inner;
    alr_list list_inner; /* list<Inner> */
    int32_t color;       /* enum */
    uint64_t fl;         /* flags */
    alr_ref ref;
    alr_list list_list;  /* list<list<i8>> */
    char **opt_str;      /* optional<string> */
    alr_map map_u8_pt;   /* map<u8, Point> */
    alr_list list_opt;   /* list<optional<u64>> */
    Point **opt_opt;     /* optional<optional<Point>> */
    bool flags3[3];      /* bool[3] */
} All;

/* ================================================================ descriptors */

#define SCALAR(name, K, ctype) \
    static const alr_type_desc name = {.kind = K, .size = sizeof(ctype), .align = alignof(ctype)}

SCALAR(t_bool, ALR_K_BOOL, bool);
SCALAR(t_i8, ALR_K_I8, int8_t);
SCALAR(t_i16, ALR_K_I16, int16_t);
SCALAR(t_i32, ALR_K_I32, int32_t);
SCALAR(t_i64, ALR_K_I64, int64_t);
SCALAR(t_u8, ALR_K_U8, uint8_t);
SCALAR(t_u16, ALR_K_U16, uint16_t);
SCALAR(t_u32, ALR_K_U32, uint32_t);
SCALAR(t_u64, ALR_K_U64, uint64_t);
SCALAR(t_f32, ALR_K_F32, float);
SCALAR(t_f64, ALR_K_F64, double);
SCALAR(t_str, ALR_K_STRING, char *);
SCALAR(t_bytes, ALR_K_BYTES, alr_bytes);
SCALAR(t_ref, ALR_K_REF, alr_ref);
static const alr_type_desc t_enum = {.kind = ALR_K_ENUM, .size = 4, .align = 4, .index = 0};
static const alr_type_desc t_flags = {.kind = ALR_K_FLAGS, .size = 8, .align = 8, .index = 1};

#define M(st, field, type) {#field, offsetof(st, field), &(type), NULL}

static const alr_member_desc point_m[] = {M(Point, x, t_i32), M(Point, y, t_i32)};
static const alr_struct_desc point_sd = {"t.Point", sizeof(Point), alignof(Point), 2, point_m, 0};
static const alr_type_desc t_point = {.kind = ALR_K_STRUCT, .size = sizeof(Point),
                                      .align = alignof(Point), .sd = &point_sd, .index = 0};

static const alr_member_desc inner_m[] = {M(Inner, a, t_u8), M(Inner, b, t_i16),
                                          M(Inner, s, t_str), M(Inner, p, t_point)};
static const alr_struct_desc inner_sd = {"t.Inner", sizeof(Inner), alignof(Inner), 4, inner_m, 1};
static const alr_type_desc t_inner = {.kind = ALR_K_STRUCT, .size = sizeof(Inner),
                                      .align = alignof(Inner), .sd = &inner_sd, .index = 1};

#define LIST(name, K, el) \
    static const alr_type_desc name = {.kind = K, .size = sizeof(alr_list), \
                                       .align = alignof(alr_list), .elem = &(el)}
#define OPT(name, el) \
    static const alr_type_desc name = {.kind = ALR_K_OPTIONAL, .size = sizeof(void *), \
                                       .align = alignof(void *), .elem = &(el)}

LIST(t_list_u32, ALR_K_LIST, t_u32);
LIST(t_set_str, ALR_K_SET, t_str);
LIST(t_list_inner, ALR_K_LIST, t_inner);
LIST(t_list_i8, ALR_K_LIST, t_i8);
LIST(t_list_list, ALR_K_LIST, t_list_i8);
OPT(t_opt_i32, t_i32);
OPT(t_opt_inner, t_inner);
OPT(t_opt_str, t_str);
OPT(t_opt_u64, t_u64);
OPT(t_opt_point, t_point);
OPT(t_opt_opt, t_opt_point);
LIST(t_list_opt, ALR_K_LIST, t_opt_u64);
static const alr_type_desc t_map_str_i64 = {.kind = ALR_K_MAP, .size = sizeof(alr_map),
                                            .align = alignof(alr_map), .elem = &t_i64,
                                            .key = &t_str};
static const alr_type_desc t_map_u8_pt = {.kind = ALR_K_MAP, .size = sizeof(alr_map),
                                          .align = alignof(alr_map), .elem = &t_point,
                                          .key = &t_u8};
static const alr_type_desc t_arr_u16 = {.kind = ALR_K_ARRAY, .size = 3 * sizeof(uint16_t),
                                        .align = alignof(uint16_t), .elem = &t_u16, .len = 3};
static const alr_type_desc t_arr_pt = {.kind = ALR_K_ARRAY, .size = 2 * sizeof(Point),
                                       .align = alignof(Point), .elem = &t_point, .len = 2};
static const alr_type_desc t_arr_bool = {.kind = ALR_K_ARRAY, .size = 3 * sizeof(bool),
                                         .align = alignof(bool), .elem = &t_bool, .len = 3};

static const alr_member_desc all_m[] = {
    M(All, b, t_bool),          M(All, i8, t_i8),
    M(All, i16, t_i16),         M(All, i32, t_i32),
    M(All, i64, t_i64),         M(All, u8, t_u8),
    M(All, u16, t_u16),         M(All, u32, t_u32),
    M(All, u64, t_u64),         M(All, f32, t_f32),
    M(All, f64, t_f64),         M(All, str, t_str),
    M(All, bytes, t_bytes),     M(All, list_u32, t_list_u32),
    M(All, set_str, t_set_str), M(All, map_str_i64, t_map_str_i64),
    M(All, opt_i32, t_opt_i32), M(All, opt_inner, t_opt_inner),
    M(All, arr, t_arr_u16),     M(All, parr, t_arr_pt),
    M(All, inner, t_inner),     M(All, list_inner, t_list_inner),
    M(All, color, t_enum),      M(All, fl, t_flags),
    M(All, ref, t_ref),         M(All, list_list, t_list_list),
    M(All, opt_str, t_opt_str), M(All, map_u8_pt, t_map_u8_pt),
    M(All, list_opt, t_list_opt), M(All, opt_opt, t_opt_opt),
    M(All, flags3, t_arr_bool),
};
#define ALL_N (sizeof all_m / sizeof all_m[0])
static const alr_struct_desc all_sd = {"t.All", sizeof(All), alignof(All), ALL_N, all_m, 2};

/* add(a: u64, b: u64) -> u64, as method 0 */
typedef struct AddArgs {
    uint64_t a, b;
} AddArgs;
typedef struct AddRet {
    uint64_t ret;
} AddRet;
static const alr_member_desc add_m[] = {M(AddArgs, a, t_u64), M(AddArgs, b, t_u64)};
static const alr_struct_desc add_sd = {"t.S.add$args", sizeof(AddArgs), alignof(AddArgs), 2,
                                       add_m, ALR_DESC_ARGS | 0};
static const alr_member_desc addr_m[] = {{"return", 0, &t_u64, NULL}};
static const alr_struct_desc addr_sd = {"t.S.add$ret", sizeof(AddRet), alignof(AddRet), 1,
                                        addr_m, ALR_DESC_RET | 0};

/* one-member structs for hostile inputs: the value sits at offset 0 */
static alr_member_desc one_m;
static alr_struct_desc one_sd;
static const alr_struct_desc *one_at(const alr_type_desc *t, uint32_t index)
{
    one_m = (alr_member_desc){"v", 0, t, NULL};
    one_sd = (alr_struct_desc){"t.One", t->size, t->align, 1, &one_m, index};
    return &one_sd;
}
static const alr_struct_desc *one(const alr_type_desc *t)
{
    return one_at(t, 0);
}

/* ================================================================ helpers */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint32_t rndn(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    while (*h) {
        if (*h == ' ') {
            h++;
            continue;
        }
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static alr_buf enc(const alr_struct_desc *sd, const alr_plan *plan, const void *v, alr_err *err)
{
    alr_buf b = {0};
    *err = alr_encode(sd, plan, v, &b);
    return b;
}

static int bytes_are(const alr_buf *b, const char *hexs)
{
    uint8_t want[256];
    size_t n = unhex(hexs, want);
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        fprintf(stderr, "  got:");
        for (size_t i = 0; i < b->len; i++)
            fprintf(stderr, " %02X", b->data[i]);
        fprintf(stderr, "\n  want: %s\n", hexs);
        return 0;
    }
    return 1;
}

static alr_err dec_hex(const alr_struct_desc *sd, const alr_plan *plan, const char *hexs,
                       void *out, const alr_codec_limits *lim)
{
    uint8_t buf[512];
    size_t n = unhex(hexs, buf);
    alr_arena *a = alr_arena_new();
    alr_err r = alr_decode(sd, plan, buf, n, out, a, lim);
    alr_arena_free(a);
    return r;
}

/* ---- the plan a test uses to look members up (mirrors codec.c) ---- */
static const alri_plan_members *plan_members(const alr_plan *plan, const alr_struct_desc *sd)
{
    static uint32_t zero[1] = {0};
    static alri_plan_members hidden = {0, NULL, 1, zero, 0};
    if (!plan)
        return NULL;
    uint32_t ix = sd->index, i = ix & ALR_DESC_INDEX_MASK;
    const alri_plan_members *pm;
    if (ix & ALR_DESC_ARGS)
        pm = &plan->args[i];
    else if (ix & ALR_DESC_RET)
        return plan->ret_shared[i] ? NULL : &hidden;
    else
        pm = &plan->structs[ix];
    return pm->identity ? NULL : pm;
}

/* ---- deep compare: a was sent, b received through plan ---- */
static int cmp_struct(const alr_struct_desc *sd, const uint8_t *a, const uint8_t *b,
                      const alr_plan *plan);

static int cmp_v(const alr_type_desc *t, const uint8_t *a, const uint8_t *b, const alr_plan *plan)
{
    switch (t->kind) {
    case ALR_K_BOOL:
        return !!*(const bool *)a == !!*(const bool *)b;
    case ALR_K_STRING: {
        const char *x = *(char *const *)a, *y = *(char *const *)b;
        return strcmp(x ? x : "", y ? y : "") == 0;
    }
    case ALR_K_BYTES: {
        const alr_bytes *x = (const alr_bytes *)a, *y = (const alr_bytes *)b;
        return x->len == y->len && (!x->len || memcmp(x->ptr, y->ptr, x->len) == 0);
    }
    case ALR_K_LIST:
    case ALR_K_SET: {
        const alr_list *x = (const alr_list *)a, *y = (const alr_list *)b;
        if (x->n != y->n)
            return 0;
        for (uint32_t i = 0; i < x->n; i++)
            if (!cmp_v(t->elem, (const uint8_t *)x->v + i * t->elem->size,
                       (const uint8_t *)y->v + i * t->elem->size, plan))
                return 0;
        return 1;
    }
    case ALR_K_MAP: {
        const alr_map *x = (const alr_map *)a, *y = (const alr_map *)b;
        if (x->n != y->n)
            return 0;
        for (uint32_t i = 0; i < x->n; i++)
            if (!cmp_v(t->key, (const uint8_t *)x->keys + i * t->key->size,
                       (const uint8_t *)y->keys + i * t->key->size, plan) ||
                !cmp_v(t->elem, (const uint8_t *)x->vals + i * t->elem->size,
                       (const uint8_t *)y->vals + i * t->elem->size, plan))
                return 0;
        return 1;
    }
    case ALR_K_OPTIONAL: {
        const uint8_t *x = *(uint8_t *const *)a, *y = *(uint8_t *const *)b;
        if (!x || !y)
            return !x && !y;
        return cmp_v(t->elem, x, y, plan);
    }
    case ALR_K_ARRAY:
        for (uint32_t i = 0; i < t->len; i++)
            if (!cmp_v(t->elem, a + i * t->elem->size, b + i * t->elem->size, plan))
                return 0;
        return 1;
    case ALR_K_STRUCT:
        return cmp_struct(t->sd, a, b, plan);
    default: /* integers, floats by bits, refs */
        return memcmp(a, b, t->size) == 0;
    }
}

static int cmp_struct(const alr_struct_desc *sd, const uint8_t *a, const uint8_t *b,
                      const alr_plan *plan)
{
    const alri_plan_members *pm = plan_members(plan, sd);
    const alr_member_desc *m = sd->members;
    if (!pm) {
        for (uint32_t i = 0; i < sd->nmembers; i++)
            if (!cmp_v(m[i].type, a + m[i].offset, b + m[i].offset, plan)) {
                fprintf(stderr, "  member %s.%s differs\n", sd->name, m[i].name);
                return 0;
            }
        return 1;
    }
    for (uint32_t i = 0; i < pm->nwire; i++) {
        uint32_t k = pm->wire[i];
        if (!cmp_v(m[k].type, a + m[k].offset, b + m[k].offset, plan)) {
            fprintf(stderr, "  member %s.%s differs\n", sd->name, m[k].name);
            return 0;
        }
    }
    static const uint8_t zeros[256];
    for (uint32_t i = 0; i < pm->nmissing; i++) {
        uint32_t k = pm->missing[i];
        const void *want = m[k].dflt ? m[k].dflt : zeros;
        if (memcmp(b + m[k].offset, want, m[k].type->size) != 0) {
            fprintf(stderr, "  missing member %s.%s lacks its default\n", sd->name, m[k].name);
            return 0;
        }
    }
    return 1;
}

/* ---- random values ---- */
static alri_arena gen_arena;

static uint64_t rnd_int_bits(unsigned bits)
{
    uint64_t mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
    switch (rndn(8)) {
    case 0:
        return 0;
    case 1:
        return mask; /* max unsigned / -1 */
    case 2:
        return (mask >> 1) + 1; /* signed min */
    case 3:
        return mask >> 1;       /* signed max */
    case 4:
        return rndn(130);
    case 5:
        return rnd() & mask & ((1ull << (1 + rndn(63))) - 1);
    default:
        return rnd() & mask;
    }
}

static void gen_v(const alr_type_desc *t, uint8_t *dst, unsigned depth);

static void gen_struct(const alr_struct_desc *sd, uint8_t *dst, unsigned depth)
{
    for (uint32_t i = 0; i < sd->nmembers; i++)
        gen_v(sd->members[i].type, dst + sd->members[i].offset, depth);
}

static char *gen_string(void)
{
    uint32_t n;
    switch (rndn(6)) {
    case 0:
        return NULL;
    case 1:
        return "";
    case 2:
        n = 49 + rndn(300);
        break;
    case 3:
        n = rndn(50) == 0 ? 70000 : 256 + rndn(100);
        break;
    default:
        n = 1 + rndn(48);
        break;
    }
    char *s = alri_arena_alloc(&gen_arena, n + 1);
    for (uint32_t i = 0; i < n; i++)
        s[i] = (char)(1 + rndn(255));
    s[n] = 0;
    return s;
}

static uint32_t gen_count(unsigned depth)
{
    if (depth > 3)
        return rndn(3);
    switch (rndn(8)) {
    case 0:
    case 1:
        return 0;
    case 2:
        return 21 + rndn(300);
    default:
        return 1 + rndn(20);
    }
}

static void gen_v(const alr_type_desc *t, uint8_t *dst, unsigned depth)
{
    if (rndn(4) == 0 && t->kind != ALR_K_STRUCT)
        return; /* leave the default (dst is zeroed) */
    switch (t->kind) {
    case ALR_K_BOOL:
        *(bool *)dst = rndn(2);
        return;
    case ALR_K_I8:
    case ALR_K_U8:
    case ALR_K_I16:
    case ALR_K_U16:
    case ALR_K_I32:
    case ALR_K_U32:
    case ALR_K_ENUM:
    case ALR_K_I64:
    case ALR_K_U64:
    case ALR_K_FLAGS: {
        uint64_t v = rnd_int_bits(8 * t->size);
        memcpy(dst, &v, t->size); /* little-endian test host */
        return;
    }
    case ALR_K_F32: {
        static const float sp[] = {0.0f, -0.0f, 1.0f, -1.5f, 3.4028235e38f, 1e-45f, INFINITY,
                                   -INFINITY, NAN};
        float f;
        if (rndn(2)) {
            f = sp[rndn(sizeof sp / sizeof sp[0])];
            memcpy(dst, &f, 4);
        } else {
            uint32_t b = (uint32_t)rnd();
            memcpy(dst, &b, 4);
        }
        return;
    }
    case ALR_K_F64: {
        static const double sp[] = {0.0, -0.0, 1.0, 0.1, -2.5, 1e300, 5e-324, 1e-45,
                                    3.4028235677973366e38, INFINITY, -INFINITY, NAN, 16777217.0};
        double f;
        switch (rndn(3)) {
        case 0:
            f = sp[rndn(sizeof sp / sizeof sp[0])];
            memcpy(dst, &f, 8);
            break;
        case 1:
            f = (double)(float)((int32_t)rnd() / 64.0f);
            memcpy(dst, &f, 8);
            break;
        default: {
            uint64_t b = rnd();
            memcpy(dst, &b, 8);
        }
        }
        return;
    }
    case ALR_K_STRING: {
        char *s = gen_string();
        memcpy(dst, &s, sizeof s);
        return;
    }
    case ALR_K_BYTES: {
        alr_bytes *b = (alr_bytes *)dst;
        b->len = rndn(3) ? 1 + rndn(60) : rndn(400);
        b->ptr = b->len ? alri_arena_alloc(&gen_arena, b->len) : NULL;
        for (uint32_t i = 0; i < b->len; i++)
            b->ptr[i] = (uint8_t)rnd();
        return;
    }
    case ALR_K_LIST:
    case ALR_K_SET: {
        alr_list *l = (alr_list *)dst;
        l->n = gen_count(depth);
        l->v = l->n ? alri_arena_alloc(&gen_arena, (size_t)l->n * t->elem->size) : NULL;
        for (uint32_t i = 0; i < l->n; i++)
            gen_v(t->elem, (uint8_t *)l->v + i * t->elem->size, depth + 1);
        return;
    }
    case ALR_K_MAP: {
        alr_map *m = (alr_map *)dst;
        m->n = gen_count(depth);
        if (!m->n)
            return;
        m->keys = alri_arena_alloc(&gen_arena, (size_t)m->n * t->key->size);
        m->vals = alri_arena_alloc(&gen_arena, (size_t)m->n * t->elem->size);
        for (uint32_t i = 0; i < m->n; i++) {
            gen_v(t->key, (uint8_t *)m->keys + i * t->key->size, depth + 1);
            gen_v(t->elem, (uint8_t *)m->vals + i * t->elem->size, depth + 1);
        }
        return;
    }
    case ALR_K_OPTIONAL: {
        uint8_t *p = alri_arena_alloc(&gen_arena, t->elem->size);
        if (rndn(3))
            gen_v(t->elem, p, depth + 1);
        memcpy(dst, &p, sizeof p);
        return;
    }
    case ALR_K_ARRAY:
        for (uint32_t i = 0; i < t->len; i++)
            gen_v(t->elem, dst + i * t->elem->size, depth + 1);
        return;
    case ALR_K_STRUCT:
        if (rndn(5) == 0)
            return; /* all zero: one default slot */
        gen_struct(t->sd, dst, depth + 1);
        return;
    case ALR_K_REF:
        ((alr_ref *)dst)->id = rnd_int_bits(64);
        return;
    }
}

/* ================================================================ exact bytes */

static void test_examples(void)
{
    alr_err err;
    /* add(20, 22): two u64 params -> 14 16; reply 42 -> 2A */
    AddArgs args = {20, 22};
    alr_buf b = enc(&add_sd, NULL, &args, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "14 16"));
    free(b.data);
    AddRet ret = {42};
    b = enc(&addr_sd, NULL, &ret, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "2A"));
    free(b.data);
    /* all zero args: two defaults */
    AddArgs z = {0, 0};
    b = enc(&add_sd, NULL, &z, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F0 F0"));
    free(b.data);
    /* ints: 127 inline, 128 in one byte, 256 in two, u64 max in eight */
    AddArgs w = {127, 128};
    b = enc(&add_sd, NULL, &w, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "7F 81 80"));
    free(b.data);
    w = (AddArgs){256, UINT64_MAX};
    b = enc(&add_sd, NULL, &w, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "82 00 01 88 FF FF FF FF FF FF FF FF"));
    free(b.data);

    /* Inner {a=0, b=-1, s="hi", p={0,0}}: a default, zigzag(-1)=1, "hi", point one marker */
    Inner in = {0, -1, "hi", {0, 0}};
    b = enc(&inner_sd, NULL, &in, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F0 01 91 68 69 F0"));
    free(b.data);
    /* a struct member whose members are all zero costs one marker; a run
     * of three defaults spans the struct boundary */
    Inner in2 = {5, 0, NULL, {0, 0}};
    b = enc(&inner_sd, NULL, &in2, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "05 F1 03"));
    free(b.data);
    /* a non-default struct whose first slot is default: F2 first */
    Inner in3 = {1, 0, NULL, {0, 7}};
    b = enc(&inner_sd, NULL, &in3, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "01 F0 F0 F2 F0 0E"));
    free(b.data);
    /* the run continues into a struct's members... no: a run stops where a
     * non-default struct starts, and may continue out of one */
    Inner in4 = {0, 0, NULL, {3, 0}};
    b = enc(&inner_sd, NULL, &in4, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F1 03 06 F0"));
    free(b.data);

    /* All with everything default: one run over 31 slots */
    All *all = calloc(1, sizeof *all);
    b = enc(&all_sd, NULL, all, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F1 1F"));
    CHECK_EQ_INT(alr_encoded_size(&all_sd, NULL, all), 2);
    free(b.data);
    /* optionals: Some(0) = F2 F0; Some(Some(P{0,0})) = F2 F2 F0; Some(None) = F2 F0 */
    int32_t zero32 = 0;
    all->opt_i32 = &zero32;
    all->b = true;
    b = enc(&all_sd, NULL, all, &err);
    /* b=01, 15 defaults, opt_i32 = F2 + its default which joins the run of 14 */
    CHECK(err == ALR_OK && bytes_are(&b, "01 F1 0F F2 F1 0F"));
    free(b.data);
    all->opt_i32 = NULL;
    Point pz = {0, 0}, *ppz = &pz, *pnull = NULL;
    all->opt_opt = &ppz;
    all->flags3[1] = true;
    b = enc(&all_sd, NULL, all, &err);
    /* b, 28 defaults, opt_opt: F2 F2 F0, flags3: F2 F0 01 F0 */
    CHECK(err == ALR_OK && bytes_are(&b, "01 F1 1C F2 F2 F0 F2 F0 01 F0"));
    free(b.data);
    all->opt_opt = &pnull;
    b = enc(&all_sd, NULL, all, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "01 F1 1C F2 F0 F2 F0 01 F0"));
    free(b.data);
    /* the decoder agrees */
    All *got = calloc(1, sizeof *got);
    alr_arena *a = alr_arena_new();
    uint8_t buf[64];
    size_t n = unhex("01 F1 1C F2 F2 F0 F2 F0 01 F0", buf);
    CHECK(alr_decode(&all_sd, NULL, buf, n, got, a, NULL) == ALR_OK);
    CHECK(got->b && got->opt_opt && *got->opt_opt && (*got->opt_opt)->x == 0 &&
          !got->flags3[0] && got->flags3[1] && !got->flags3[2]);
    n = unhex("01 F1 1C F2 F0 F2 F0 01 F0", buf);
    CHECK(alr_decode(&all_sd, NULL, buf, n, got, a, NULL) == ALR_OK);
    CHECK(got->opt_opt && !*got->opt_opt);
    alr_arena_free(a);
    free(got);
    /* strings: 48 bytes inline, 49 in C1 */
    char s48[49], s49[50];
    memset(s48, 'x', 48);
    s48[48] = 0;
    memset(s49, 'x', 49);
    s49[49] = 0;
    char *sp = s48;
    b = enc(one(&t_str), NULL, &sp, &err);
    CHECK(err == ALR_OK && b.len == 49 && b.data[0] == 0xBF);
    free(b.data);
    sp = s49;
    b = enc(one(&t_str), NULL, &sp, &err);
    CHECK(err == ALR_OK && b.len == 51 && b.data[0] == 0xC1 && b.data[1] == 49);
    free(b.data);
    /* floats: f64 1.5 travels as binary32, 0.1 as binary64, -0.0 is not default */
    double d = 1.5;
    b = enc(one(&t_f64), NULL, &d, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "89 00 00 C0 3F"));
    free(b.data);
    d = 0.1;
    b = enc(one(&t_f64), NULL, &d, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "8A 9A 99 99 99 99 99 B9 3F"));
    free(b.data);
    float f = -0.0f;
    b = enc(one(&t_f32), NULL, &f, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "89 00 00 00 80"));
    free(b.data);
    /* list<u32> [1, 0, 300]; containers count inline */
    uint32_t lv[] = {1, 0, 300};
    alr_list l = {lv, 3};
    b = enc(one(&t_list_u32), NULL, &l, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "C7 01 F0 82 2C 01"));
    free(b.data);
    /* list<Inner>: each element its own group, runs stay inside */
    Inner li[2] = {{0}, {0, 0, NULL, {0, 1}}};
    l = (alr_list){li, 2};
    b = enc(one(&t_list_inner), NULL, &l, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "C6 F0 F2 F1 03 F2 F0 02"));
    free(b.data);
    /* ref */
    alr_ref r = {0x1234};
    b = enc(one(&t_ref), NULL, &r, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "E2 34 12"));
    free(b.data);
    /* enum -2 zigzag 3 */
    int32_t e = -2;
    b = enc(one(&t_enum), NULL, &e, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "03"));
    free(b.data);
    /* encode appends */
    alr_buf acc = {0};
    CHECK(alr_encode(&add_sd, NULL, &args, &acc) == ALR_OK);
    CHECK(alr_encode(&addr_sd, NULL, &ret, &acc) == ALR_OK);
    CHECK(bytes_are(&acc, "14 16 2A"));
    free(acc.data);
    free(all);
}

/* ================================================================ property test */

static int roundtrip_one(const alr_struct_desc *sd, const alr_plan *plan, const void *v,
                         alr_arena *arena, size_t *bytes)
{
    alr_buf b = {0};
    /* start with some bytes in the buffer: encode must append */
    b.data = malloc(3);
    b.cap = 3;
    b.len = 3;
    memset(b.data, 0xEE, 3);
    alr_err err = alr_encode(sd, plan, v, &b);
    if (err != ALR_OK) {
        fprintf(stderr, "  encode: %d\n", err);
        free(b.data);
        return 0;
    }
    size_t len = b.len - 3;
    *bytes += len;
    int ok = alr_encoded_size(sd, plan, v) == len && b.data[0] == 0xEE;
    if (!ok)
        fprintf(stderr, "  size %zu != encoded %zu\n", alr_encoded_size(sd, plan, v), len);
    void *out = malloc(sd->size);
    err = alr_decode(sd, plan, b.data + 3, len, out, arena, NULL);
    if (err != ALR_OK) {
        fprintf(stderr, "  decode: %d (len %zu)\n", err, len);
        ok = 0;
    } else if (!cmp_struct(sd, v, out, plan)) {
        ok = 0;
    } else {
        /* the encoding is canonical: the decoded value encodes to the same bytes */
        alr_buf b2 = {0};
        ok = alr_encode(sd, plan, out, &b2) == ALR_OK && b2.len == len &&
             memcmp(b2.data, b.data + 3, len) == 0;
        if (!ok)
            fprintf(stderr, "  re-encoding differs (%zu vs %zu bytes)\n", b2.len, len);
        free(b2.data);
    }
    free(out);
    free(b.data);
    alr_arena_reset(arena);
    return ok;
}

static void shuffle(uint32_t *v, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rndn(i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* A plan giving structs 0..2 (Point, Inner, All) random wire orders and,
 * when drop, random missing members.  Both peers use it (same descriptors). */
typedef struct test_plan {
    alr_plan plan;
    alri_plan_members pm[3];
    uint32_t idx[3][64];
} test_plan;

static void make_plan(test_plan *tp, int drop)
{
    const alr_struct_desc *sds[3] = {&point_sd, &inner_sd, &all_sd};
    memset(tp, 0, sizeof *tp);
    tp->plan.nstructs = 3;
    tp->plan.structs = tp->pm;
    for (int s = 0; s < 3; s++) {
        uint32_t n = sds[s]->nmembers, *ix = tp->idx[s];
        for (uint32_t i = 0; i < n; i++)
            ix[i] = i;
        shuffle(ix, n);
        uint32_t nw = drop ? rndn(n + 1) : n;
        /* missing: the rest, ascending */
        uint32_t *miss = ix + nw, nm = n - nw;
        for (uint32_t i = 1; i < nm; i++)
            for (uint32_t j = i; j > 0 && miss[j - 1] > miss[j]; j--) {
                uint32_t t = miss[j];
                miss[j] = miss[j - 1];
                miss[j - 1] = t;
            }
        tp->pm[s] = (alri_plan_members){nw, ix, nm, miss, 0};
    }
}

static void test_roundtrip(void)
{
    rng_state = 0xA1B2C3D4u;
    alri_arena_init(&gen_arena);
    alr_arena *arena = alr_arena_new();
    unsigned fails = 0, runs = 4000;
    size_t bytes = 0;
    test_plan *tp = malloc(sizeof *tp);
    for (unsigned it = 0; it < runs; it++) {
        All *v = alri_arena_alloc(&gen_arena, sizeof *v);
        gen_struct(&all_sd, (uint8_t *)v, 0);
        const alr_plan *plan = NULL;
        if (it % 3 == 1) {
            make_plan(tp, 0);
            plan = &tp->plan;
        } else if (it % 3 == 2) {
            make_plan(tp, 1);
            plan = &tp->plan;
        }
        if (!roundtrip_one(&all_sd, plan, v, arena, &bytes)) {
            if (fails++ < 5)
                fprintf(stderr, "  round trip %u failed (plan %u)\n", it, it % 3);
        }
        if (it % 64 == 63) {
            alri_arena_fini(&gen_arena);
            alri_arena_init(&gen_arena);
        }
    }
    CHECK_EQ_INT(fails, 0);
    /* every kind of value also stands alone (top-level one-member structs) */
    const alr_type_desc *kinds[] = {&t_bool, &t_i8,  &t_i16, &t_i32,  &t_i64,   &t_u8,
                                    &t_u16,  &t_u32, &t_u64, &t_f32,  &t_f64,   &t_str,
                                    &t_bytes, &t_ref, &t_enum, &t_flags, &t_opt_opt,
                                    &t_list_list, &t_map_u8_pt, &t_arr_pt};
    fails = 0;
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (unsigned it = 0; it < 300; it++) {
            uint64_t val[8] = {0};
            gen_v(kinds[k], (uint8_t *)val, 0);
            if (!roundtrip_one(one(kinds[k]), NULL, val, arena, &bytes) && fails++ < 5)
                fprintf(stderr, "  kind %u value %u failed\n", kinds[k]->kind, it);
        }
    CHECK_EQ_INT(fails, 0);
    free(tp);
    alr_arena_free(arena);
    alri_arena_fini(&gen_arena);
}

/* ================================================================ plans */

/* Sender V1 {a: u32, c: string, e: u8}; receiver V2 {a: u32, b: u32 = 7,
 * c: string, d: Point}.  Shared: a and c, on the wire in the order c, a. */
typedef struct V1 {
    uint32_t a;
    char *c;
    uint8_t e;
} V1;
typedef struct V2 {
    uint32_t a, b;
    char *c;
    Point d;
} V2;
static const uint32_t v2_b_default = 7;
static const Point v2_d_default = {-1, 1};
static const alr_member_desc v1_m[] = {M(V1, a, t_u32), M(V1, c, t_str), M(V1, e, t_u8)};
static const alr_struct_desc v1_sd = {"t.V", sizeof(V1), alignof(V1), 3, v1_m, 0};
static const alr_member_desc v2_m[] = {M(V2, a, t_u32),
                                       {"b", offsetof(V2, b), &t_u32, &v2_b_default},
                                       M(V2, c, t_str),
                                       {"d", offsetof(V2, d), &t_point, &v2_d_default}};
static const alr_struct_desc v2_sd = {"t.V", sizeof(V2), alignof(V2), 4, v2_m, 0};
static const alr_type_desc t_v1 = {.kind = ALR_K_STRUCT, .size = sizeof(V1),
                                   .align = alignof(V1), .sd = &v1_sd, .index = 0};
static const alr_type_desc t_v2 = {.kind = ALR_K_STRUCT, .size = sizeof(V2),
                                   .align = alignof(V2), .sd = &v2_sd, .index = 0};

/* Holders (struct index 1 on both sides, identity): {V x; V arr[4]; list<V> l} */
typedef struct H1 {
    V1 x;
    V1 arr[4];
    alr_list l;
} H1;
typedef struct H2 {
    V2 x;
    V2 arr[4];
    alr_list l;
} H2;
static const alr_type_desc t_v1arr = {.kind = ALR_K_ARRAY, .size = sizeof(V1[4]),
                                      .align = alignof(V1), .elem = &t_v1, .len = 4};
static const alr_type_desc t_v2arr = {.kind = ALR_K_ARRAY, .size = sizeof(V2[4]),
                                      .align = alignof(V2), .elem = &t_v2, .len = 4};
LIST(t_v1list, ALR_K_LIST, t_v1);
LIST(t_v2list, ALR_K_LIST, t_v2);
static const alr_member_desc h1_m[] = {M(H1, x, t_v1), M(H1, arr, t_v1arr), M(H1, l, t_v1list)};
static const alr_member_desc h2_m[] = {M(H2, x, t_v2), M(H2, arr, t_v2arr), M(H2, l, t_v2list)};
static const alr_struct_desc h1_sd = {"t.H", sizeof(H1), alignof(H1), 3, h1_m, 1};
static const alr_struct_desc h2_sd = {"t.H", sizeof(H2), alignof(H2), 3, h2_m, 1};

static uint32_t p1_wire[] = {1, 0}, p1_miss[] = {2};
static uint32_t p2_wire[] = {2, 0}, p2_miss[] = {1, 3};
static uint32_t id_wire[] = {0, 1, 2};
static alri_plan_members plan1_pm[2] = {{2, p1_wire, 1, p1_miss, 0}, {3, id_wire, 0, NULL, 1}};
static alri_plan_members plan2_pm[2] = {{2, p2_wire, 2, p2_miss, 0}, {3, id_wire, 0, NULL, 1}};

static void test_plans(void)
{
    alr_plan p1 = {0}, p2 = {0};
    p1.nstructs = p2.nstructs = 2;
    p1.structs = plan1_pm;
    p2.structs = plan2_pm;
    alr_err err;

    V1 v = {5, "hi", 9};
    alr_buf b = enc(&v1_sd, &p1, &v, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "91 68 69 05")); /* c, a; e not sent */
    V2 got;
    alr_arena *a = alr_arena_new();
    CHECK(alr_decode(&v2_sd, &p2, b.data, b.len, &got, a, NULL) == ALR_OK);
    CHECK(got.a == 5 && got.b == 7 && strcmp(got.c, "hi") == 0 && got.d.x == -1 &&
          got.d.y == 1);
    free(b.data);

    /* holder: x all zero (one marker), arr with a default run, list of
     * defaults: every V2 the receiver builds gets b = 7 and d = {-1, 1} */
    H1 *h = calloc(1, sizeof *h);
    V1 el[3] = {{0}, {1, NULL, 0}, {0, NULL, 4}};
    h->arr[3].a = 2;
    h->l = (alr_list){el, 3};
    b = enc(&h1_sd, &p1, h, &err);
    /* x: F0; arr: F2, 3 elements default + first slot of arr[3] (c) ... */
    CHECK(err == ALR_OK);
    H2 *g = calloc(1, sizeof *g);
    CHECK(alr_decode(&h2_sd, &p2, b.data, b.len, g, a, NULL) == ALR_OK);
    int ok = g->x.b == 7 && g->x.d.x == -1 && g->l.n == 3;
    for (int i = 0; i < 4; i++)
        ok = ok && g->arr[i].b == 7 && g->arr[i].d.y == 1;
    ok = ok && g->arr[3].a == 2;
    for (uint32_t i = 0; ok && i < 3; i++) {
        const V2 *e2 = (const V2 *)g->l.v + i;
        ok = e2->b == 7 && e2->d.x == -1 && e2->a == el[i].a;
    }
    CHECK(ok);
    free(b.data);

    /* the same holder all zero: F1 03?  No: x, arr are struct/array slots
     * and l an empty list: three default slots in one run */
    memset(h, 0, sizeof *h);
    b = enc(&h1_sd, &p1, h, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F1 03"));
    CHECK(alr_decode(&h2_sd, &p2, b.data, b.len, g, a, NULL) == ALR_OK);
    CHECK(g->x.b == 7 && g->arr[0].b == 7 && g->arr[3].d.x == -1 && g->l.n == 0);
    free(b.data);

    /* arguments and return plans: add's b missing on this side; return hidden */
    uint32_t aw[] = {0}, am[] = {1};
    alri_plan_members apm = {1, aw, 1, am, 0};
    uint8_t ret_shared = 0;
    alr_plan pa = {0};
    pa.nmethods = 1;
    pa.args = &apm;
    pa.ret_shared = &ret_shared;
    AddArgs args = {20, 22};
    b = enc(&add_sd, &pa, &args, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "14"));
    AddArgs ga;
    CHECK(alr_decode(&add_sd, &pa, b.data, b.len, &ga, a, NULL) == ALR_OK);
    CHECK(ga.a == 20 && ga.b == 0);
    free(b.data);
    AddRet r = {42}, gr = {1};
    b = enc(&addr_sd, &pa, &r, &err);
    CHECK(err == ALR_OK && b.len == 0);
    CHECK(alr_decode(&addr_sd, &pa, b.data, b.len, &gr, a, NULL) == ALR_OK && gr.ret == 0);
    free(b.data);
    ret_shared = 1;
    b = enc(&addr_sd, &pa, &r, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "2A"));
    free(b.data);
    /* a plan index out of range is the caller's error */
    alr_plan small = {0};
    b = enc(&v1_sd, &small, &v, &err);
    CHECK(err == ALR_EINVAL);
    free(b.data);
    /* a struct with nothing on the wire must be a default */
    uint32_t none_miss[] = {0, 1, 2};
    alri_plan_members none_pm[2] = {{0, NULL, 3, none_miss, 0}, {3, id_wire, 0, NULL, 1}};
    alr_plan pn = {0};
    pn.nstructs = 2;
    pn.structs = none_pm;
    h->x.a = 3;
    b = enc(&h1_sd, &pn, h, &err);
    CHECK(err == ALR_OK && bytes_are(&b, "F1 03"));
    free(b.data);
    CHECK(dec_hex(&h1_sd, &pn, "F2 F0 F0 F0", h, NULL) == ALR_EPROTO);
    CHECK(dec_hex(&h1_sd, &pn, "05 F0 F0", h, NULL) == ALR_EPROTO);

    alr_arena_free(a);
    free(h);
    free(g);
}

/* ================================================================ hostile input */

/* Node {u32 v; optional<Node> next; list<Node> kids}: recursive. */
typedef struct Node Node;
struct Node {
    uint32_t v;
    Node *next;
    alr_list kids;
};
extern const alr_type_desc t_node;
static const alr_type_desc t_opt_node = {.kind = ALR_K_OPTIONAL, .size = sizeof(void *),
                                         .align = alignof(void *), .elem = &t_node};
LIST(t_node_list, ALR_K_LIST, t_node);
static const alr_member_desc node_m[] = {M(Node, v, t_u32), M(Node, next, t_opt_node),
                                         M(Node, kids, t_node_list)};
static const alr_struct_desc node_sd = {"t.Node", sizeof(Node), alignof(Node), 3, node_m, 3};
const alr_type_desc t_node = {.kind = ALR_K_STRUCT, .size = sizeof(Node), .align = alignof(Node),
                              .sd = &node_sd, .index = 3};

static void test_truncation(void)
{
    /* a rich value, cut at every byte: never OK */
    rng_state = 77;
    alri_arena_init(&gen_arena);
    alr_arena *a = alr_arena_new();
    All *v = alri_arena_alloc(&gen_arena, sizeof *v);
    gen_struct(&all_sd, (uint8_t *)v, 0);
    v->u64 = 1;
    alr_buf b = {0};
    CHECK(alr_encode(&all_sd, NULL, v, &b) == ALR_OK);
    All *out = malloc(sizeof *out);
    unsigned bad = 0;
    for (size_t n = 0; n < b.len; n++) {
        alr_err r = alr_decode(&all_sd, NULL, b.data, n, out, a, NULL);
        if (r != ALR_EPROTO && bad++ < 3)
            fprintf(stderr, "  prefix %zu of %zu gave %d\n", n, b.len, r);
        alr_arena_reset(a);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(alr_decode(&all_sd, NULL, b.data, b.len, out, a, NULL) == ALR_OK);
    /* trailing bytes */
    uint8_t *longer = malloc(b.len + 1);
    memcpy(longer, b.data, b.len);
    longer[b.len] = 0x01;
    CHECK(alr_decode(&all_sd, NULL, longer, b.len + 1, out, a, NULL) == ALR_EPROTO);
    /* on error the value is zeroed */
    static const uint8_t zeros[sizeof(All)];
    CHECK(memcmp(out, zeros, sizeof *out) == 0);
    free(longer);
    free(out);
    free(b.data);
    alr_arena_free(a);
    alri_arena_fini(&gen_arena);
}

static void test_hostile(void)
{
    uint64_t v[8];
    /* integers: overlong, zero as 0x00, out of range for the kind */
    CHECK(dec_hex(one(&t_u64), NULL, "05", v, NULL) == ALR_OK && v[0] == 5);
    CHECK(dec_hex(one(&t_u64), NULL, "81 05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u64), NULL, "81 7F", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u64), NULL, "81 80", v, NULL) == ALR_OK && v[0] == 128);
    CHECK(dec_hex(one(&t_u64), NULL, "82 FF 00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u64), NULL, "88 00 00 00 00 00 00 00 01", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_u64), NULL, "88 FF FF FF FF FF FF FF 00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u64), NULL, "00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u8), NULL, "81 FF", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_u8), NULL, "82 00 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_i8), NULL, "81 FF", v, NULL) == ALR_OK && (int8_t)v[0] == -128);
    CHECK(dec_hex(one(&t_i16), NULL, "83 00 00 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_enum), NULL, "85 00 00 00 00 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_bool), NULL, "02", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_bool), NULL, "00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_ref), NULL, "E2 01 00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_ref), NULL, "E1 00", v, NULL) == ALR_EPROTO);
    /* floats: zero has only the default form; f64 must be short when it can */
    CHECK(dec_hex(one(&t_f32), NULL, "89 00 00 00 00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_f32), NULL, "8A 00 00 00 00 00 00 F8 3F", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_f64), NULL, "8A 00 00 00 00 00 00 F8 3F", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_f64), NULL, "89 00 00 C0 3F", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_f64), NULL, "89 00 00 C0 7F", v, NULL) == ALR_EPROTO); /* NaN */
    CHECK(dec_hex(one(&t_f64), NULL, "89 00 00 C0", v, NULL) == ALR_EPROTO);
    /* strings: lengths past the end, overlong lengths, NUL inside */
    CHECK(dec_hex(one(&t_str), NULL, "91 61 62", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_str), NULL, "93 61 62", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "C1 FF 61 62", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "C4 FF FF FF FF 61", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "C1 02 61 62", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "C2 31 00", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "92 61 00 62", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_bytes), NULL, "92 61 00 62", v, NULL) == ALR_OK);
    /* type confusion: int where a string is expected and vice versa, etc. */
    CHECK(dec_hex(one(&t_str), NULL, "05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u32), NULL, "91 41", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u32), NULL, "C5 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_list_u32), NULL, "05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_list_u32), NULL, "91 41", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_str), NULL, "E1 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_ref), NULL, "05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_f64), NULL, "05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_u64), NULL, "89 00 00 C0 3F", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_point), NULL, "91 41 F0", v, NULL) == ALR_EPROTO);
    /* F2 only before a marker, only on composites and optionals */
    CHECK(dec_hex(one(&t_u32), NULL, "F2 F0", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_opt_i32), NULL, "F2 05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_opt_i32), NULL, "F2 F0", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_opt_i32), NULL, "F2", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_point), NULL, "F2 F0 05", v, NULL) == ALR_OK);
    CHECK(dec_hex(one(&t_point), NULL, "F2 05 05", v, NULL) == ALR_EPROTO);
    /* runs: count >= 3, never past the message or an element */
    CHECK(dec_hex(&inner_sd, NULL, "F1 04", v, NULL) == ALR_OK);
    CHECK(dec_hex(&inner_sd, NULL, "F1 05", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(&inner_sd, NULL, "F1 02 F0 F0", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(&inner_sd, NULL, "F1 88 FF FF FF FF FF FF FF FF", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(&inner_sd, NULL, "F1 81 03 F0", v, NULL) == ALR_EPROTO); /* overlong count */
    CHECK(dec_hex(one(&t_list_inner), NULL, "C5 F1 03", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_list_inner), NULL, "C6 F0 F0", v, NULL) == ALR_OK);
    /* containers: counts past the bytes that remain, overlong counts */
    CHECK(dec_hex(one(&t_list_u32), NULL, "C7 01 02", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_list_u32), NULL, "DC FF FF FF FF 01", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_list_u32), NULL, "D9 03 01 02 03", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_map_u8_pt), NULL, "C6 01 F0 02", v, NULL) == ALR_EPROTO);
    CHECK(dec_hex(one(&t_map_u8_pt), NULL, "C6 01 F0 02 F0", v, NULL) == ALR_OK);
    /* every reserved lead byte, on every kind */
    static const uint8_t reserved[] = {0x00, 0x80, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0xC0, 0xDD, 0xDE,
                                       0xDF, 0xE0, 0xE9, 0xEF, 0xF3, 0xF8, 0xFF};
    const alr_type_desc *kinds[] = {&t_bool, &t_u8, &t_i64, &t_f32, &t_f64, &t_str, &t_bytes,
                                    &t_list_u32, &t_map_u8_pt, &t_opt_i32, &t_arr_u16,
                                    &t_point, &t_ref, &t_enum};
    unsigned bad = 0;
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (unsigned r = 0; r < sizeof reserved; r++) {
            uint8_t msg[16] = {reserved[r], 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
            alr_arena *a = alr_arena_new();
            for (size_t n = 1; n <= sizeof msg; n++)
                if (alr_decode(one(kinds[k]), NULL, msg, n, v, a, NULL) != ALR_EPROTO)
                    bad++;
            alr_arena_free(a);
        }
    CHECK_EQ_INT(bad, 0);
    /* each lead byte is accepted by at most the kinds of its class */
    bad = 0;
    for (unsigned lead = 0; lead < 256; lead++) {
        alri_lead_class c = alri_lead_class_of((uint8_t)lead);
        uint8_t msg[80];
        memset(msg, 0x41, sizeof msg);
        msg[0] = (uint8_t)lead;
        for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            alr_arena *a = alr_arena_new();
            int any = 0;
            for (size_t n = 1; n <= sizeof msg; n++)
                any |= alr_decode(one(kinds[k]), NULL, msg, n, v, a, NULL) == ALR_OK;
            alr_arena_free(a);
            uint8_t kd = kinds[k]->kind;
            int fits = c == ALRI_LC_DEFAULT || c == ALRI_LC_RUN ||
                       (c == ALRI_LC_UINT && (kd == ALR_K_BOOL || kd == ALR_K_U8 ||
                                              kd == ALR_K_I64 || kd == ALR_K_ENUM ||
                                              kd == ALR_K_OPTIONAL || kd == ALR_K_ARRAY ||
                                              kd == ALR_K_STRUCT)) ||
                       (c == ALRI_LC_F32 && (kd == ALR_K_F32 || kd == ALR_K_F64)) ||
                       (c == ALRI_LC_F64 && kd == ALR_K_F64) ||
                       (c == ALRI_LC_STR && (kd == ALR_K_STRING || kd == ALR_K_BYTES)) ||
                       (c == ALRI_LC_CNT && (kd == ALR_K_LIST || kd == ALR_K_MAP)) ||
                       (c == ALRI_LC_REF && kd == ALR_K_REF) ||
                       (c == ALRI_LC_PRESENT && (kd == ALR_K_OPTIONAL || kd == ALR_K_ARRAY ||
                                                 kd == ALR_K_STRUCT));
            if (any && !fits && bad++ < 5)
                fprintf(stderr, "  lead %02X accepted for kind %u\n", lead, kd);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_bombs(void)
{
    alr_arena *a = alr_arena_new();
    Node n;
    /* depth bomb: a chain through next; each level is an optional and a
     * struct (depth 2 per level): v = 1 at each level, then one run for the
     * innermost next and every level's empty kids */
    uint8_t msg[1024];
    for (unsigned levels = 10; levels <= 100; levels += 90) {
        size_t len = 0;
        for (unsigned i = 0; i < levels; i++)
            msg[len++] = 0x01;
        msg[len++] = 0xF1;
        msg[len++] = (uint8_t)(levels + 1);
        alr_err r = alr_decode(&node_sd, NULL, msg, len, &n, a, NULL);
        CHECK_EQ_INT(r, levels == 10 ? ALR_OK : ALR_EPROTO);
        alr_arena_reset(a);
    }
    /* the 10-level chain decodes to a chain */
    {
        size_t len = 0;
        for (unsigned i = 0; i < 10; i++)
            msg[len++] = (uint8_t)(i + 1);
        msg[len++] = 0xF0;
        for (unsigned i = 0; i < 10; i++)
            msg[len++] = 0xF0;
        CHECK(alr_decode(&node_sd, NULL, msg, len, &n, a, NULL) == ALR_OK);
        unsigned depth = 0;
        for (Node *p = &n; p; p = p->next)
            depth += p->v == depth + 1;
        CHECK_EQ_INT(depth, 10);
        alr_arena_reset(a);
    }
    /* list nesting: kids[0].kids[0]... with count 1 each (v = 1 so that
     * each element starts with a value) */
    {
        size_t len = 0;
        for (unsigned i = 0; i < 40; i++) {
            msg[len++] = 0x01; /* v */
            msg[len++] = 0xF0; /* next */
            msg[len++] = 0xC5; /* kids: 1 */
        }
        msg[len++] = 0xF0; /* the innermost element: default Node */
        CHECK(alr_decode(&node_sd, NULL, msg, len, &n, a, NULL) == ALR_EPROTO);
        alr_codec_limits lim = alr_codec_limits_default();
        lim.max_depth = 100;
        CHECK(alr_decode(&node_sd, NULL, msg, len, &n, a, &lim) == ALR_OK);
        alr_arena_reset(a);
    }
    /* the encoder refuses a cycle */
    {
        Node cyc = {1, NULL, {0}};
        cyc.next = &cyc;
        alr_buf b = {0};
        CHECK(alr_encode(&node_sd, NULL, &cyc, &b) == ALR_EINVAL);
        CHECK(alr_encoded_size(&node_sd, NULL, &cyc) == 0);
        free(b.data);
    }
    /* huge counts: bounded by the bytes left before any allocation, then by max_alloc */
    {
        alr_codec_limits lim = alr_codec_limits_default();
        lim.max_alloc = 1000;
        size_t len = 0;
        msg[len++] = 0xD9; /* list<Inner> of 200 defaults = 200 * sizeof(Inner) bytes */
        msg[len++] = 200;
        for (unsigned i = 0; i < 200; i++)
            msg[len++] = 0xF0;
        alr_list l;
        CHECK(alr_decode(one(&t_list_inner), NULL, msg, len, &l, a, &lim) == ALR_ELIMIT);
        CHECK(alr_decode(one(&t_list_inner), NULL, msg, len, &l, a, NULL) == ALR_OK &&
              l.n == 200);
        CHECK(alr_decode(one(&t_list_inner), NULL, msg, len - 1, &l, a, NULL) == ALR_EPROTO);
        alr_arena_reset(a);
        /* the message size limit */
        lim = alr_codec_limits_default();
        lim.max_message = 100;
        CHECK(alr_decode(one(&t_list_inner), NULL, msg, len, &l, a, &lim) == ALR_ELIMIT);
    }
    /* work budget: a run over many slots, and defaults that expand */
    {
        alr_codec_limits lim = alr_codec_limits_default();
        All all;
        lim.max_work = 10;
        CHECK(dec_hex(&all_sd, NULL, "F1 1F", &all, &lim) == ALR_EPROTO);
        CHECK(dec_hex(&all_sd, NULL, "F1 1F", &all, NULL) == ALR_OK);
        /* list<W> where W = V2[64] and V2 lacks b: every default element
         * costs 64 fills; 1000 elements in ~1000 bytes exceed 16x + 4096 */
        static const alr_type_desc t_w = {.kind = ALR_K_ARRAY, .size = sizeof(V2[64]),
                                          .align = alignof(V2), .elem = &t_v2, .len = 64};
        static const alr_type_desc t_wl = {.kind = ALR_K_LIST, .size = sizeof(alr_list),
                                           .align = alignof(alr_list), .elem = &t_w};
        alr_plan p2 = {0}; /* the holder (index 1) is identity, V2 lacks b and d */
        p2.nstructs = 2;
        p2.structs = plan2_pm;
        uint8_t *big = malloc(1003);
        big[0] = 0xDA;
        big[1] = 1000 & 0xFF;
        big[2] = 1000 >> 8;
        memset(big + 3, 0xF0, 1000);
        alr_list l;
        CHECK(alr_decode(one_at(&t_wl, 1), &p2, big, 1003, &l, a, NULL) == ALR_EPROTO);
        alr_arena_reset(a);
        CHECK(alr_decode(one_at(&t_wl, 1), &p2, big, 13, &l, a, NULL) == ALR_EPROTO); /* short */
        big[2] = 0xC4 + 10; /* 10 elements, inline count */
        alr_err r10 = alr_decode(one_at(&t_wl, 1), &p2, big + 2, 11, &l, a, NULL);
        CHECK_EQ_INT(r10, ALR_OK);
        CHECK(r10 == ALR_OK && l.n == 10 &&
              ((V2 *)l.v)[64 * 9 + 63].b == 7);
        alr_arena_reset(a);
        /* without missing members the same defaults cost nothing */
        big[1] = 1000 & 0xFF;
        big[2] = 1000 >> 8;
        CHECK(alr_decode(one(&t_wl), NULL, big, 1003, &l, a, NULL) == ALR_OK);
        free(big);
        /* a run over a big sparse array is skipped at once */
        static const alr_type_desc t_u8k = {.kind = ALR_K_ARRAY, .size = 60000, .align = 1,
                                            .elem = &t_u8, .len = 60000};
        uint8_t sparse[] = {0xF2, 0xF1, 0x82, 0x5F, 0xEA, 0x09}; /* 59999 defaults, then 9 */
        uint8_t *arr = malloc(60000);
        CHECK(alr_decode(one(&t_u8k), NULL, sparse, sizeof sparse, arr, a, NULL) == ALR_OK &&
              arr[59999] == 9 && arr[0] == 0);
        alr_buf b = {0};
        CHECK(alr_encode(one(&t_u8k), NULL, arr, &b) == ALR_OK && b.len == sizeof sparse &&
              memcmp(b.data, sparse, sizeof sparse) == 0);
        free(b.data);
        free(arr);
    }
    alr_arena_free(a);
}

static void test_encode_errors(void)
{
    alr_err err;
    alr_list l = {NULL, 3};
    alr_buf b = enc(one(&t_list_u32), NULL, &l, &err);
    CHECK(err == ALR_EINVAL && b.len == 0);
    free(b.data);
    alr_bytes by = {NULL, 2};
    b = enc(one(&t_bytes), NULL, &by, &err);
    CHECK(err == ALR_EINVAL);
    free(b.data);
    /* a failed encode leaves the buffer's length alone */
    alr_buf acc = {0};
    AddArgs args = {1, 2};
    CHECK(alr_encode(&add_sd, NULL, &args, &acc) == ALR_OK && acc.len == 2);
    CHECK(alr_encode(one(&t_list_u32), NULL, &l, &acc) == ALR_EINVAL && acc.len == 2);
    free(acc.data);
    CHECK(alr_encode(NULL, NULL, &args, &acc) == ALR_EINVAL);
    CHECK(alr_decode(&add_sd, NULL, NULL, 0, &args, NULL, NULL) == ALR_EINVAL);
}

static void test_arena(void)
{
    alr_arena *a = alr_arena_new();
    CHECK(a != NULL);
    alr_arena_reset(a);
    alr_arena_free(NULL);
    alr_arena_reset(NULL);
    /* big and small strings survive until reset; reuse after reset */
    for (int round = 0; round < 3; round++) {
        alr_list l;
        uint8_t msg[70010];
        msg[0] = 0xC6;
        msg[1] = 0xC3;
        msg[2] = 0x70;
        msg[3] = 0x11;
        msg[4] = 0x01; /* 70000 bytes */
        memset(msg + 5, 'z', 70000);
        msg[70005] = 0x90;
        msg[70006] = 'q';
        CHECK(alr_decode(one(&t_set_str), NULL, msg, 70007, &l, a, NULL) == ALR_OK);
        CHECK(l.n == 2 && strlen(((char **)l.v)[0]) == 70000 &&
              strcmp(((char **)l.v)[1], "q") == 0);
        alr_arena_reset(a);
    }
    alr_arena_free(a);
}

int main(void)
{
    TEST_RUN(test_examples);
    TEST_RUN(test_roundtrip);
    TEST_RUN(test_plans);
    TEST_RUN(test_truncation);
    TEST_RUN(test_hostile);
    TEST_RUN(test_bombs);
    TEST_RUN(test_encode_errors);
    TEST_RUN(test_arena);
    TEST_MAIN_END();
}
