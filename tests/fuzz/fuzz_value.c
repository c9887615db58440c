/*
 * fuzz_value.c - libFuzzer target for the value decoder, the one reader of
 * peer message bodies.  Arbitrary bytes are decoded against a fixed set of
 * descriptors (every kind, nesting, recursion) through a fixed non-identity
 * plan (reordered members, members with declared defaults missing) and with
 * no plan.  Whatever decodes must re-encode to a message that decodes to an
 * equal value, and alr_encoded_size must agree with alr_encode.  The same
 * bytes also go through the frame header parser: a header it accepts must
 * be written back byte for byte (every field is a minimal LEB128).
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/codec.h"
#include "frame.h"
#include "plan_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- C types ---- */
typedef struct FPoint {
    int32_t x;
    uint16_t y;
} FPoint;

typedef struct FInner {
    char *name;
    alr_bytes blob;
    FPoint at;
    uint32_t extra; /* missing on the wire under the plan; default 99 */
} FInner;

typedef struct FNode FNode;
struct FNode {
    int64_t v;
    FNode *next;
    alr_list kids; /* list<FNode> */
};

typedef struct FMsg {
    bool b;
    int8_t i8;
    uint16_t u16;
    int32_t i32;
    uint64_t u64;
    float f32;
    double f64;
    char *s;
    alr_list ints;     /* list<i64> */
    alr_list names;    /* set<string> */
    alr_map scores;    /* map<string, f64> */
    uint32_t *maybe;   /* optional<u32> */
    FInner *oin;       /* optional<FInner> */
    FPoint pts[3];     /* FPoint[3] */
    FInner in;
    alr_list inners;   /* list<FInner> */
    int32_t color;     /* enum */
    uint64_t fl;       /* flags */
    alr_ref obj;
    FNode tree;
    uint8_t grid[2][2]; /* u8[2][2] */
    alr_map by_id;     /* map<u32, optional<FPoint>> */
} FMsg;

/* ---- descriptors ---- */
#define SC(name, K, ct) \
    static const alr_type_desc name = {.kind = K, .size = sizeof(ct), .align = alignof(ct)}
SC(f_bool, ALR_K_BOOL, bool);
SC(f_i8, ALR_K_I8, int8_t);
SC(f_u16, ALR_K_U16, uint16_t);
SC(f_i32, ALR_K_I32, int32_t);
SC(f_u32, ALR_K_U32, uint32_t);
SC(f_i64, ALR_K_I64, int64_t);
SC(f_u64, ALR_K_U64, uint64_t);
SC(f_u8, ALR_K_U8, uint8_t);
SC(f_f32, ALR_K_F32, float);
SC(f_f64, ALR_K_F64, double);
SC(f_str, ALR_K_STRING, char *);
SC(f_bytes, ALR_K_BYTES, alr_bytes);
SC(f_ref, ALR_K_REF, alr_ref);
SC(f_enum, ALR_K_ENUM, int32_t);
SC(f_flags, ALR_K_FLAGS, uint64_t);

#define MB(st, f, t) {#f, offsetof(st, f), &(t), NULL}

static const alr_member_desc fpoint_m[] = {MB(FPoint, x, f_i32), MB(FPoint, y, f_u16)};
static const alr_struct_desc fpoint_sd = {"f.Point", sizeof(FPoint), alignof(FPoint), 2,
                                          fpoint_m, 0};
static const alr_type_desc f_point = {.kind = ALR_K_STRUCT, .size = sizeof(FPoint),
                                      .align = alignof(FPoint), .sd = &fpoint_sd, .index = 0};

static const uint32_t extra_default = 99;
static const alr_member_desc finner_m[] = {MB(FInner, name, f_str), MB(FInner, blob, f_bytes),
                                           MB(FInner, at, f_point),
                                           {"extra", offsetof(FInner, extra), &f_u32,
                                            &extra_default}};
static const alr_struct_desc finner_sd = {"f.Inner", sizeof(FInner), alignof(FInner), 4,
                                          finner_m, 1};
static const alr_type_desc f_inner = {.kind = ALR_K_STRUCT, .size = sizeof(FInner),
                                      .align = alignof(FInner), .sd = &finner_sd, .index = 1};

extern const alr_type_desc f_node;
static const alr_type_desc f_opt_node = {.kind = ALR_K_OPTIONAL, .size = sizeof(void *),
                                         .align = alignof(void *), .elem = &f_node};
static const alr_type_desc f_node_list = {.kind = ALR_K_LIST, .size = sizeof(alr_list),
                                          .align = alignof(alr_list), .elem = &f_node};
static const alr_member_desc fnode_m[] = {MB(FNode, v, f_i64), MB(FNode, next, f_opt_node),
                                          MB(FNode, kids, f_node_list)};
static const alr_struct_desc fnode_sd = {"f.Node", sizeof(FNode), alignof(FNode), 3, fnode_m, 2};
const alr_type_desc f_node = {.kind = ALR_K_STRUCT, .size = sizeof(FNode),
                              .align = alignof(FNode), .sd = &fnode_sd, .index = 2};

#define LT(name, K, el) \
    static const alr_type_desc name = {.kind = K, .size = sizeof(alr_list), \
                                       .align = alignof(alr_list), .elem = &(el)}
#define OT(name, el) \
    static const alr_type_desc name = {.kind = ALR_K_OPTIONAL, .size = sizeof(void *), \
                                       .align = alignof(void *), .elem = &(el)}
LT(f_ints, ALR_K_LIST, f_i64);
LT(f_names, ALR_K_SET, f_str);
LT(f_inners, ALR_K_LIST, f_inner);
OT(f_maybe, f_u32);
OT(f_oin, f_inner);
OT(f_opt_point, f_point);
static const alr_type_desc f_scores = {.kind = ALR_K_MAP, .size = sizeof(alr_map),
                                       .align = alignof(alr_map), .key = &f_str, .elem = &f_f64};
static const alr_type_desc f_by_id = {.kind = ALR_K_MAP, .size = sizeof(alr_map),
                                      .align = alignof(alr_map), .key = &f_u32,
                                      .elem = &f_opt_point};
static const alr_type_desc f_pts = {.kind = ALR_K_ARRAY, .size = sizeof(FPoint[3]),
                                    .align = alignof(FPoint), .elem = &f_point, .len = 3};
static const alr_type_desc f_row = {.kind = ALR_K_ARRAY, .size = 2, .align = 1, .elem = &f_u8,
                                    .len = 2};
static const alr_type_desc f_grid = {.kind = ALR_K_ARRAY, .size = 4, .align = 1, .elem = &f_row,
                                     .len = 2};

static const alr_member_desc fmsg_m[] = {
    MB(FMsg, b, f_bool),       MB(FMsg, i8, f_i8),         MB(FMsg, u16, f_u16),
    MB(FMsg, i32, f_i32),      MB(FMsg, u64, f_u64),       MB(FMsg, f32, f_f32),
    MB(FMsg, f64, f_f64),      MB(FMsg, s, f_str),         MB(FMsg, ints, f_ints),
    MB(FMsg, names, f_names),  MB(FMsg, scores, f_scores), MB(FMsg, maybe, f_maybe),
    MB(FMsg, oin, f_oin),      MB(FMsg, pts, f_pts),       MB(FMsg, in, f_inner),
    MB(FMsg, inners, f_inners), MB(FMsg, color, f_enum),   MB(FMsg, fl, f_flags),
    MB(FMsg, obj, f_ref),      MB(FMsg, tree, f_node),     MB(FMsg, grid, f_grid),
    MB(FMsg, by_id, f_by_id),
};
#define FMSG_N (sizeof fmsg_m / sizeof fmsg_m[0])
static const alr_struct_desc fmsg_sd = {"f.Msg", sizeof(FMsg), alignof(FMsg), FMSG_N, fmsg_m, 3};

/* ---- the plan: Point reversed, Inner reordered without `extra`, Node
 * identity, Msg reordered without i8 and color ---- */
static uint32_t pt_wire[] = {1, 0};
static uint32_t in_wire[] = {2, 0, 1}, in_miss[] = {3};
static uint32_t node_wire[] = {0, 1, 2};
static uint32_t msg_wire[] = {21, 0, 2, 3, 4, 5, 6, 7, 8, 9,
                               10, 11, 12, 13, 14, 15, 17, 18, 19, 20};
static uint32_t msg_miss[] = {1, 16};
static alri_plan_members fz_pm[4] = {
    {2, pt_wire, 0, NULL, 0},
    {3, in_wire, 1, in_miss, 0},
    {3, node_wire, 0, NULL, 1},
    {20, msg_wire, 2, msg_miss, 0},
};
static alr_plan fz_plan = {.nstructs = 4, .structs = fz_pm};

/* ---- deep compare of two decoded values (same plan: missing members
 * hold the same declared default bytes on both sides) ---- */
static int same(const alr_type_desc *t, const uint8_t *a, const uint8_t *b)
{
    switch (t->kind) {
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
            if (!same(t->elem, (const uint8_t *)x->v + (size_t)i * t->elem->size,
                      (const uint8_t *)y->v + (size_t)i * t->elem->size))
                return 0;
        return 1;
    }
    case ALR_K_MAP: {
        const alr_map *x = (const alr_map *)a, *y = (const alr_map *)b;
        if (x->n != y->n)
            return 0;
        for (uint32_t i = 0; i < x->n; i++)
            if (!same(t->key, (const uint8_t *)x->keys + (size_t)i * t->key->size,
                      (const uint8_t *)y->keys + (size_t)i * t->key->size) ||
                !same(t->elem, (const uint8_t *)x->vals + (size_t)i * t->elem->size,
                      (const uint8_t *)y->vals + (size_t)i * t->elem->size))
                return 0;
        return 1;
    }
    case ALR_K_OPTIONAL: {
        const uint8_t *x = *(uint8_t *const *)a, *y = *(uint8_t *const *)b;
        return (!x || !y) ? !x && !y : same(t->elem, x, y);
    }
    case ALR_K_ARRAY:
        for (uint32_t i = 0; i < t->len; i++)
            if (!same(t->elem, a + (size_t)i * t->elem->size, b + (size_t)i * t->elem->size))
                return 0;
        return 1;
    case ALR_K_STRUCT:
        for (uint32_t i = 0; i < t->sd->nmembers; i++) {
            const alr_member_desc *m = &t->sd->members[i];
            if (!same(m->type, a + m->offset, b + m->offset))
                return 0;
        }
        return 1;
    default:
        return memcmp(a, b, t->size) == 0;
    }
}

static const alr_type_desc f_msg = {.kind = ALR_K_STRUCT, .size = sizeof(FMsg),
                                    .align = alignof(FMsg), .sd = &fmsg_sd, .index = 3};

static void check(const alr_plan *plan, const uint8_t *data, size_t size)
{
    static alr_arena *arena;
    if (!arena)
        arena = alr_arena_new();
    alr_codec_limits lim = alr_codec_limits_default();
    lim.max_alloc = 16u << 20;
    FMsg m1, m2;
    if (alr_decode(&fmsg_sd, plan, data, size, &m1, arena, &lim) != ALR_OK) {
        alr_arena_reset(arena);
        return;
    }
    alr_buf b = {0};
    if (alr_encode(&fmsg_sd, plan, &m1, &b) != ALR_OK) {
        fprintf(stderr, "decoded value does not encode\n");
        abort();
    }
    if (alr_encoded_size(&fmsg_sd, plan, &m1) != b.len) {
        fprintf(stderr, "alr_encoded_size %zu != alr_encode %zu\n",
                alr_encoded_size(&fmsg_sd, plan, &m1), b.len);
        abort();
    }
    alr_err r = alr_decode(&fmsg_sd, plan, b.data, b.len, &m2, arena, &lim);
    if (r != ALR_OK) {
        fprintf(stderr, "re-encoded message rejected: %d\n", r);
        abort();
    }
    if (!same(&f_msg, (const uint8_t *)&m1, (const uint8_t *)&m2)) {
        fprintf(stderr, "decode(encode(decode(x))) != decode(x)\n");
        abort();
    }
    /* the writer is canonical: what it wrote re-encodes to the same bytes,
     * and never to more than the reader accepted */
    alr_buf b2 = {0};
    if (alr_encode(&fmsg_sd, plan, &m2, &b2) != ALR_OK || b2.len != b.len ||
        memcmp(b2.data, b.data, b.len) != 0) {
        fprintf(stderr, "encoding is not a fixpoint\n");
        abort();
    }
    if (b.len > size) {
        fprintf(stderr, "re-encoding grew: %zu > %zu\n", b.len, size);
        abort();
    }
    free(b2.data);
    free(b.data);
    alr_arena_reset(arena);
}

static void check_frame(const uint8_t *data, size_t size)
{
    alri_frame f;
    if (alri_frame_decode(data, size, 1u << 20, &f) != ALR_OK)
        return;
    uint8_t hdr[ALRI_FRAME_HDR_MAX];
    size_t n = alri_frame_hdr_put(hdr, &f, f.body_len);
    if (n != f.hdr_len || n > size || memcmp(hdr, data, n) != 0) {
        fprintf(stderr, "frame header does not write back\n");
        abort();
    }
    /* a stream reader that got only part of this header is asked for more */
    for (size_t k = 0; k < n; k++) {
        alri_frame g;
        if (alri_frame_decode(data, k, 1u << 20, &g) != ALR_EAGAIN) {
            fprintf(stderr, "prefix %zu of a good header is not EAGAIN\n", k);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(&fz_plan, data, size);
    check(NULL, data, size);
    check_frame(data, size);
    return 0;
}
