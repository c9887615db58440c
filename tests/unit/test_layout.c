/*
 * test_layout.c - dynamic descriptors (runtime/layout.c): every struct,
 * argument and result layout of a schema compiled in-process is compared
 * with the C struct the code generator would emit, declared here, through
 * offsetof/sizeof/_Alignof; recursive types form a graph; defaults are
 * materialized as C values; hostile IRs fail cleanly.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alr/codec.h"
#include "alr/layout.h"
#include "alr/schema.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"
#include "compile_blob.h"
#include "test.h"

static char tmpdir[] = "/tmp/alr_test_layout_XXXXXX";

static alr_schema *load_path(const char *path)
{
    size_t len = 0;
    uint8_t *blob = compile_path(path, &len);
    if (!blob)
        return NULL;
    alr_schema *s = NULL;
    char err[256];
    if (alr_schema_load(blob, len, &s, err, sizeof err) != ALR_OK)
        fprintf(stderr, "cannot load: %s\n", err);
    free(blob);
    return s;
}

static alr_schema *load_text(const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/s.alr", tmpdir);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    alr_schema *s = load_path(path);
    unlink(path);
    return s;
}

static uint32_t method_ix(const alr_schema *s, const char *svc, const char *name)
{
    const alri_schema *ir = &s->ir;
    for (uint32_t i = 0; i < ir->services.n; i++) {
        if (strcmp(ir->services.v[i].name, svc) != 0)
            continue;
        for (uint32_t k = 0; k < ir->services.v[i].nmethods; k++)
            if (strcmp(ir->methods.v[ir->services.v[i].first_method + k].name, name) == 0)
                return ir->services.v[i].first_method + k;
    }
    return ALRI_NONE;
}

/* ------------------------------------------------------------ the schema and its C twin */

static const char *const SCHEMA =
    "package l;\n"
    "enum E { a, b = 5, c }\n"
    "flags F { x = 4, y = 8 }\n"
    "struct Loc { f64 lat; f64 lon; }\n"
    "struct Node { string name; list<Node> kids; optional<Node> parent; map<string, Node> by;\n"
    "  set<E> tags; }\n"
    "struct Mixed { bool b; i64 i; u8 c; f32 f; u16 s; string str; u8 d[3]; Loc at; i8 t;\n"
    "  bytes raw; E e; F fl; ref<Cb> cb; optional<u32> ou; i32 arr[5]; Loc locs[2]; f64 last;\n"
    "  list<Mixed> more; }\n"
    "struct Tail { f64 d; u8 c; }\n"
    "struct Holder { u8 c; Tail t; u8 after; Tail ts[3]; u16 z; }\n"
    "struct Defaults { bool bt = true; bool bf = false; i8 i8v = -5; i16 i16v = -12;\n"
    "  i32 i32v = 70000; i64 i64v = -9000000000; u8 u8v = 200; u16 u16v = 8080;\n"
    "  u32 u32v = 4000000000; u64 u64v = 0xFFFFFFFFFFFFFFFF; f32 f = 1.5; f64 d = -inf;\n"
    "  f64 n = nan; f64 whole = 3; string s = \"Unknown\"; string empty = \"\";\n"
    "  bytes raw = \"ab\\x01\"; E e = c; F fl = x | y; F none_set = x; u32 nodflt; }\n"
    "struct Empty { }\n"
    "service Cb { void on(Node n); }\n"
    "service Svc {\n"
    "  static u64 add(u64 a, u64 b);\n"
    "  static void none();\n"
    "  static result<Loc, E> r(Loc at, bool flag = true);\n"
    "  static result<void, E> rv(u8 q);\n"
    "  static status<E> st();\n"
    "  static oneway void ow(string t);\n"
    "  new(string user, string city = \"SF\");\n"
    "  asyncref list<Node> nodes(Mixed m);\n"
    "  static async void w();\n"
    "  static async Loc wl(u8 c, Loc l, u8 d);\n"
    "}\n";

typedef struct Loc {
    double lat;
    double lon;
} Loc;

typedef struct Node {
    char *name;
    alr_list kids;
    struct Node *parent;
    alr_map by;
    alr_list tags;
} Node;

typedef struct Mixed {
    bool b;
    int64_t i;
    uint8_t c;
    float f;
    uint16_t s;
    char *str;
    uint8_t d[3];
    Loc at;
    int8_t t;
    alr_bytes raw;
    int32_t e;
    uint64_t fl;
    alr_ref cb;
    uint32_t *ou;
    int32_t arr[5];
    Loc locs[2];
    double last;
    alr_list more;
} Mixed;

typedef struct Tail {
    double d;
    uint8_t c;
} Tail;

typedef struct Holder {
    uint8_t c;
    Tail t;
    uint8_t after;
    Tail ts[3];
    uint16_t z;
} Holder;

typedef struct Defaults {
    bool bt, bf;
    int8_t i8v;
    int16_t i16v;
    int32_t i32v;
    int64_t i64v;
    uint8_t u8v;
    uint16_t u16v;
    uint32_t u32v;
    uint64_t u64v;
    float f;
    double d, n, whole;
    char *s, *empty;
    alr_bytes raw;
    int32_t e;
    uint64_t fl, none_set;
    uint32_t nodflt;
} Defaults;

typedef struct Svc_add_args {
    uint64_t a, b;
} Svc_add_args;
typedef struct Svc_add_ret {
    uint64_t ret;
} Svc_add_ret;
typedef struct Svc_r_args {
    Loc at;
    bool flag;
} Svc_r_args;
typedef struct Svc_r_ret {
    Loc ret;
} Svc_r_ret;
typedef struct Svc_wl_args {
    uint8_t c;
    Loc l;
    uint8_t d;
} Svc_wl_args;
typedef struct Svc_nodes_ret {
    alr_list ret;
} Svc_nodes_ret;

/* Checks the struct descriptor against C type T. */
#define CHECK_STRUCT(sd, T, n)                                      \
    do {                                                            \
        CHECK((sd) != NULL);                                        \
        if (sd) {                                                   \
            CHECK_EQ_INT((sd)->size, sizeof(T));                    \
            CHECK_EQ_INT((sd)->align, _Alignof(T));                 \
            CHECK_EQ_INT((sd)->nmembers, (n));                      \
        }                                                           \
    } while (0)

/* Checks member i of sd against member m of C type T (name, offset, size,
 * alignment, kind). */
#define CHECK_MEMBER(sd, i, T, m, nm, k)                                             \
    do {                                                                             \
        if ((sd) && (i) < (sd)->nmembers) {                                          \
            const alr_member_desc *md_ = &(sd)->members[i];                          \
            CHECK_EQ_STR(md_->name, nm);                                             \
            CHECK_EQ_INT(md_->offset, offsetof(T, m));                               \
            CHECK_EQ_INT(md_->type->size, sizeof(((T *)0)->m));                      \
            CHECK_EQ_INT(md_->type->align, _Alignof(__typeof__(((T *)0)->m)));       \
            CHECK_EQ_INT(md_->type->kind, k);                                        \
        } else {                                                                     \
            CHECK(!"member index");                                                  \
        }                                                                            \
    } while (0)

static void test_structs(alr_layout *l)
{
    const alr_struct_desc *loc = alr_layout_find(l, "l.Loc");
    CHECK_STRUCT(loc, Loc, 2);
    CHECK_MEMBER(loc, 0, Loc, lat, "lat", ALR_K_F64);
    CHECK_MEMBER(loc, 1, Loc, lon, "lon", ALR_K_F64);
    CHECK(loc && strcmp(loc->name, "l.Loc") == 0);

    const alr_struct_desc *node = alr_layout_find(l, "l.Node");
    CHECK_STRUCT(node, Node, 5);
    CHECK_MEMBER(node, 0, Node, name, "name", ALR_K_STRING);
    CHECK_MEMBER(node, 1, Node, kids, "kids", ALR_K_LIST);
    CHECK_MEMBER(node, 2, Node, parent, "parent", ALR_K_OPTIONAL);
    CHECK_MEMBER(node, 3, Node, by, "by", ALR_K_MAP);
    CHECK_MEMBER(node, 4, Node, tags, "tags", ALR_K_SET);
    if (node && node->nmembers == 5) {
        /* recursion: the descriptors are a graph */
        CHECK(node->members[1].type->elem->kind == ALR_K_STRUCT);
        CHECK(node->members[1].type->elem->sd == node);
        CHECK(node->members[2].type->elem->sd == node);
        CHECK(node->members[3].type->key->kind == ALR_K_STRING);
        CHECK(node->members[3].type->elem->sd == node);
        CHECK_EQ_INT(node->members[1].type->elem->size, sizeof(Node));
        CHECK_EQ_INT(node->members[4].type->elem->kind, ALR_K_ENUM);
        CHECK_EQ_INT(node->members[4].type->elem->size, 4);
        CHECK(node->members[1].type->elem->index == node->index);
        CHECK(alr_layout_struct(l, node->index) == node);
    }

    const alr_struct_desc *mx = alr_layout_find(l, "l.Mixed");
    CHECK_STRUCT(mx, Mixed, 18);
    CHECK_MEMBER(mx, 0, Mixed, b, "b", ALR_K_BOOL);
    CHECK_MEMBER(mx, 1, Mixed, i, "i", ALR_K_I64);
    CHECK_MEMBER(mx, 2, Mixed, c, "c", ALR_K_U8);
    CHECK_MEMBER(mx, 3, Mixed, f, "f", ALR_K_F32);
    CHECK_MEMBER(mx, 4, Mixed, s, "s", ALR_K_U16);
    CHECK_MEMBER(mx, 5, Mixed, str, "str", ALR_K_STRING);
    CHECK_MEMBER(mx, 6, Mixed, d, "d", ALR_K_ARRAY);
    CHECK_MEMBER(mx, 7, Mixed, at, "at", ALR_K_STRUCT);
    CHECK_MEMBER(mx, 8, Mixed, t, "t", ALR_K_I8);
    CHECK_MEMBER(mx, 9, Mixed, raw, "raw", ALR_K_BYTES);
    CHECK_MEMBER(mx, 10, Mixed, e, "e", ALR_K_ENUM);
    CHECK_MEMBER(mx, 11, Mixed, fl, "fl", ALR_K_FLAGS);
    CHECK_MEMBER(mx, 12, Mixed, cb, "cb", ALR_K_REF);
    CHECK_MEMBER(mx, 13, Mixed, ou, "ou", ALR_K_OPTIONAL);
    CHECK_MEMBER(mx, 14, Mixed, arr, "arr", ALR_K_ARRAY);
    CHECK_MEMBER(mx, 15, Mixed, locs, "locs", ALR_K_ARRAY);
    CHECK_MEMBER(mx, 16, Mixed, last, "last", ALR_K_F64);
    CHECK_MEMBER(mx, 17, Mixed, more, "more", ALR_K_LIST);
    if (mx && mx->nmembers == 18) {
        CHECK_EQ_INT(mx->members[6].type->len, 3);
        CHECK_EQ_INT(mx->members[6].type->elem->kind, ALR_K_U8);
        CHECK_EQ_INT(mx->members[14].type->len, 5);
        CHECK(mx->members[15].type->elem->sd == loc);
        CHECK(mx->members[7].type->sd == loc);
        CHECK(mx->members[17].type->elem->sd == mx);
        CHECK_EQ_INT(mx->members[13].type->elem->kind, ALR_K_U32);
        CHECK_EQ_INT(mx->members[12].type->index, 0); /* l.Cb is service 0 */
    }

    const alr_struct_desc *tail = alr_layout_find(l, "l.Tail");
    CHECK_STRUCT(tail, Tail, 2);
    const alr_struct_desc *h = alr_layout_find(l, "l.Holder");
    CHECK_STRUCT(h, Holder, 5);
    CHECK_MEMBER(h, 0, Holder, c, "c", ALR_K_U8);
    CHECK_MEMBER(h, 1, Holder, t, "t", ALR_K_STRUCT);
    CHECK_MEMBER(h, 2, Holder, after, "after", ALR_K_U8);
    CHECK_MEMBER(h, 3, Holder, ts, "ts", ALR_K_ARRAY);
    CHECK_MEMBER(h, 4, Holder, z, "z", ALR_K_U16);

    const alr_struct_desc *e = alr_layout_find(l, "l.Empty");
    CHECK(e && e->nmembers == 0 && e->size == 1 && e->align == 1);

    CHECK(alr_layout_find(l, "l.Nope") == NULL);
    CHECK(alr_layout_find(l, "Loc") == NULL);
    CHECK(alr_layout_find(l, NULL) == NULL);
    CHECK(alr_layout_find(NULL, "l.Loc") == NULL);
    CHECK(alr_layout_struct(l, 9999) == NULL);
    CHECK(alr_layout_struct(NULL, 0) == NULL);
    /* every struct is found by its name and knows its index */
    int bad = 0;
    for (uint32_t i = 0; alr_layout_struct(l, i); i++) {
        const alr_struct_desc *sd = alr_layout_struct(l, i);
        bad += sd->index != i || alr_layout_find(l, sd->name) != sd;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_defaults(alr_layout *l)
{
    const alr_struct_desc *d = alr_layout_find(l, "l.Defaults");
    CHECK_STRUCT(d, Defaults, 21);
    if (!d || d->nmembers != 21)
        return;
    const alr_member_desc *m = d->members;
    CHECK_MEMBER(d, 14, Defaults, s, "s", ALR_K_STRING);
    CHECK_MEMBER(d, 16, Defaults, raw, "raw", ALR_K_BYTES);
    CHECK_MEMBER(d, 20, Defaults, nodflt, "nodflt", ALR_K_U32);
    /* build the default value like the decoder would, member by member */
    Defaults v;
    memset(&v, 0xAB, sizeof v);
    for (uint32_t i = 0; i < d->nmembers; i++) {
        if (m[i].dflt)
            memcpy((char *)&v + m[i].offset, m[i].dflt, m[i].type->size);
        else
            memset((char *)&v + m[i].offset, 0, m[i].type->size);
    }
    CHECK(v.bt == true);
    CHECK(v.bf == false);
    CHECK_EQ_INT(v.i8v, -5);
    CHECK_EQ_INT(v.i16v, -12);
    CHECK_EQ_INT(v.i32v, 70000);
    CHECK_EQ_INT(v.i64v, -9000000000LL);
    CHECK_EQ_INT(v.u8v, 200);
    CHECK_EQ_INT(v.u16v, 8080);
    CHECK_EQ_INT(v.u32v, 4000000000u);
    CHECK(v.u64v == UINT64_MAX);
    CHECK(v.f == 1.5f);
    CHECK(isinf(v.d) && v.d < 0);
    CHECK(isnan(v.n));
    CHECK(v.whole == 3.0);
    CHECK_EQ_STR(v.s, "Unknown");
    CHECK_EQ_STR(v.empty, "");
    CHECK_EQ_INT(v.raw.len, 3);
    CHECK(v.raw.ptr && memcmp(v.raw.ptr, "ab\x01", 3) == 0);
    CHECK_EQ_INT(v.e, 6);
    CHECK_EQ_INT(v.fl, 12);
    CHECK_EQ_INT(v.none_set, 4);
    CHECK_EQ_INT(v.nodflt, 0);
    CHECK(m[20].dflt == NULL);
    /* defaults live in the layout, not in the schema: pointers differ */
    CHECK(m[14].dflt != NULL && *(char *const *)m[14].dflt != NULL);
}

static void test_methods(alr_layout *l, const alr_schema *s)
{
    uint32_t add = method_ix(s, "l.Svc", "add");
    const alr_struct_desc *a = alr_layout_args(l, add);
    CHECK_STRUCT(a, Svc_add_args, 2);
    CHECK_MEMBER(a, 0, Svc_add_args, a, "a", ALR_K_U64);
    CHECK_MEMBER(a, 1, Svc_add_args, b, "b", ALR_K_U64);
    CHECK(a && a->index == (ALR_DESC_ARGS | add));
    CHECK(a && strcmp(a->name, "l.Svc.add.args") == 0);
    const alr_struct_desc *r = alr_layout_ret(l, add);
    CHECK_STRUCT(r, Svc_add_ret, 1);
    CHECK_MEMBER(r, 0, Svc_add_ret, ret, "return", ALR_K_U64);
    CHECK(r && r->index == (ALR_DESC_RET | add));
    CHECK(r && strcmp(r->name, "l.Svc.add.return") == 0);

    uint32_t rm = method_ix(s, "l.Svc", "r");
    a = alr_layout_args(l, rm);
    CHECK_STRUCT(a, Svc_r_args, 2);
    CHECK_MEMBER(a, 0, Svc_r_args, at, "at", ALR_K_STRUCT);
    CHECK_MEMBER(a, 1, Svc_r_args, flag, "flag", ALR_K_BOOL);
    CHECK(a && a->nmembers == 2 && a->members[1].dflt && *(const bool *)a->members[1].dflt == true);
    r = alr_layout_ret(l, rm);
    CHECK_STRUCT(r, Svc_r_ret, 1);
    CHECK_MEMBER(r, 0, Svc_r_ret, ret, "return", ALR_K_STRUCT);
    CHECK(r && r->members[0].type->sd == alr_layout_find(l, "l.Loc"));

    uint32_t wl = method_ix(s, "l.Svc", "wl");
    a = alr_layout_args(l, wl);
    CHECK_STRUCT(a, Svc_wl_args, 3);
    CHECK_MEMBER(a, 0, Svc_wl_args, c, "c", ALR_K_U8);
    CHECK_MEMBER(a, 1, Svc_wl_args, l, "l", ALR_K_STRUCT);
    CHECK_MEMBER(a, 2, Svc_wl_args, d, "d", ALR_K_U8);
    CHECK(alr_layout_ret(l, wl) != NULL);

    uint32_t nodes = method_ix(s, "l.Svc", "nodes");
    r = alr_layout_ret(l, nodes);
    CHECK_STRUCT(r, Svc_nodes_ret, 1);
    CHECK(r && r->members[0].type->elem->sd == alr_layout_find(l, "l.Node"));

    /* nothing returned: void, result<void, E>, status, oneway, ctor, async void */
    static const char *const none[] = {"none", "rv", "st", "ow", "new", "w"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        uint32_t mi = method_ix(s, "l.Svc", none[i]);
        CHECK(mi != ALRI_NONE);
        CHECK(alr_layout_ret(l, mi) == NULL);
        CHECK(alr_layout_args(l, mi) != NULL);
    }
    const alr_struct_desc *n0 = alr_layout_args(l, method_ix(s, "l.Svc", "none"));
    CHECK(n0 && n0->nmembers == 0 && n0->size == 1);
    const alr_struct_desc *ctor = alr_layout_args(l, method_ix(s, "l.Svc", "new"));
    CHECK(ctor && ctor->nmembers == 2 && ctor->members[1].dflt &&
          strcmp(*(char *const *)ctor->members[1].dflt, "SF") == 0);
    CHECK(alr_layout_args(l, 9999) == NULL);
    CHECK(alr_layout_ret(l, 9999) == NULL);
    CHECK(alr_layout_args(NULL, 0) == NULL);
}

/* ------------------------------------------------------------ hand-made hostile IRs */

static void test_hostile(void)
{
    /* two structs containing each other by value (the reader and sema
     * reject this; the layout must not loop on it either) */
    alr_schema s;
    alri_schema_init(&s.ir);
    alri_schema *ir = &s.ir;
    uint32_t ta = alri_schema_type(ir, ALR_K_STRUCT, 0, 0);
    uint32_t tb = alri_schema_type(ir, ALR_K_STRUCT, 1, 0);
    alri_struct *st = ALRI_PUSH(ir, structs);
    st->name = "x.A";
    st->first_field = 0;
    st->nfields = 1;
    st = ALRI_PUSH(ir, structs);
    st->name = "x.B";
    st->first_field = 1;
    st->nfields = 1;
    alri_member *f = ALRI_PUSH(ir, fields);
    f->name = "b";
    f->type = tb;
    f->dflt = ALRI_NONE;
    f = ALRI_PUSH(ir, fields);
    f->name = "a";
    f->type = ta;
    f->dflt = ALRI_NONE;
    alr_layout *l = (alr_layout *)1;
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_ESCHEMA);
    CHECK(l == NULL);
    /* a field type out of range */
    ir->fields.v[1].type = 999;
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_ESCHEMA);
    /* a field range out of the table */
    ir->fields.v[1].type = ta;
    ir->structs.v[1].nfields = 5;
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_ESCHEMA);
    alri_schema_fini(ir);

    /* arrays of arrays past 2^31 bytes */
    alri_schema_init(ir);
    uint32_t u64 = alri_schema_type(ir, ALR_K_U64, 0, 0);
    uint32_t a1 = alri_schema_type(ir, ALR_K_ARRAY, u64, 65536);
    uint32_t a2 = alri_schema_type(ir, ALR_K_ARRAY, a1, 65536);
    st = ALRI_PUSH(ir, structs);
    st->name = "x.Big";
    st->nfields = 1;
    f = ALRI_PUSH(ir, fields);
    f->name = "v";
    f->type = a2;
    f->dflt = ALRI_NONE;
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_ELIMIT);
    alri_schema_fini(ir);
    /* one level is fine: 512 KiB */
    alri_schema_init(ir);
    u64 = alri_schema_type(ir, ALR_K_U64, 0, 0);
    a1 = alri_schema_type(ir, ALR_K_ARRAY, u64, 65536);
    st = ALRI_PUSH(ir, structs);
    st->name = "x.Big";
    st->nfields = 1;
    f = ALRI_PUSH(ir, fields);
    f->name = "v";
    f->type = a1;
    f->dflt = ALRI_NONE;
    l = NULL;
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_OK);
    CHECK(l && alr_layout_struct(l, 0)->size == 65536u * 8u);
    alr_layout_free(l);
    alri_schema_fini(ir);

    /* a long chain of structs nested by value: refused past the depth cap,
     * never a stack overflow */
    alri_schema_init(ir);
    enum { CHAIN = 2000 };
    static char names[CHAIN][16];
    uint32_t types[CHAIN];
    for (uint32_t i = 0; i < CHAIN; i++)
        types[i] = alri_schema_type(ir, ALR_K_STRUCT, i, 0);
    uint32_t u8 = alri_schema_type(ir, ALR_K_U8, 0, 0);
    for (uint32_t i = 0; i < CHAIN; i++) {
        snprintf(names[i], sizeof names[i], "x.S%05u", i);
        st = ALRI_PUSH(ir, structs);
        st->name = names[i];
        st->first_field = i;
        st->nfields = 1;
        f = ALRI_PUSH(ir, fields);
        f->name = "next";
        f->type = i + 1 < CHAIN ? types[i + 1] : u8;
        f->dflt = ALRI_NONE;
    }
    CHECK_EQ_INT(alr_layout_build(&s, &l), ALR_ELIMIT);
    alri_schema_fini(ir);

    CHECK_EQ_INT(alr_layout_build(NULL, &l), ALR_EINVAL);
    CHECK_EQ_INT(alr_layout_build(&s, NULL), ALR_EINVAL);
    alr_layout_free(NULL);
}

static void test_cityguide(void)
{
    alr_schema *s = load_path("examples/cityguide/cityguide.alr");
    CHECK(s != NULL);
    if (!s)
        return;
    alr_layout *l = NULL;
    CHECK_EQ_INT(alr_layout_build(s, &l), ALR_OK);
    alr_schema_free(s); /* the layout keeps nothing of the schema */
    if (!l)
        return;
    const alr_struct_desc *poi = alr_layout_find(l, "cityguide.PointOfInterest");
    CHECK(poi && poi->nmembers == 4);
    if (poi && poi->nmembers == 4) {
        CHECK(poi->members[3].type->elem->sd == poi);
        CHECK(poi->members[1].type->sd == alr_layout_find(l, "common.Location"));
    }
    const alr_struct_desc *wc = alr_layout_find(l, "cityguide.WeatherConditions");
    CHECK(wc && wc->nmembers == 4 && wc->members[1].dflt &&
          strcmp(*(char *const *)wc->members[1].dflt, "Unknown") == 0);
    CHECK(wc && wc->nmembers == 4 && wc->members[2].dflt && *(const int32_t *)wc->members[2].dflt == 5);
    CHECK(wc && wc->nmembers == 4 && wc->members[3].dflt && *(const uint64_t *)wc->members[3].dflt == 12);
    alr_layout_free(l);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    alr_schema *s = load_text(SCHEMA);
    CHECK(s != NULL);
    if (s) {
        alr_layout *l = NULL;
        CHECK_EQ_INT(alr_layout_build(s, &l), ALR_OK);
        if (l) {
            test_structs(l);
            test_defaults(l);
            test_methods(l, s);
        }
        alr_layout_free(l);
        alr_schema_free(s);
    }
    TEST_RUN(test_hostile);
    TEST_RUN(test_cityguide);
    rmdir(tmpdir);
    TEST_MAIN_END();
}
