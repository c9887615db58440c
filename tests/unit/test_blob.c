/*
 * test_blob.c - schema blobs: IR construction and interning, write/read
 * round trips (field by field, and write(read(x)) == x), hostile input
 * (truncation, every single-byte corruption, bad headers, huge counts, each
 * invariant of schema_ir.h broken on purpose), identities and the dump.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alr/schema.h"
#include "dump.h"
#include "schema_ir.h"
#include "test.h"

/* ------------------------------------------------------------------ builders */

#define STR(s, x) alri_schema_strdup((s), (x))

static uint32_t val_int(alri_schema *s, int64_t i)
{
    uint32_t idx = s->values.n;
    alri_value *v = ALRI_PUSH(s, values);
    v->kind = ALRI_V_INT;
    v->i = i;
    return idx;
}

static uint32_t val_uint(alri_schema *s, uint64_t u)
{
    uint32_t idx = s->values.n;
    alri_value *v = ALRI_PUSH(s, values);
    v->kind = ALRI_V_UINT;
    v->u = u;
    return idx;
}

static uint32_t val_float(alri_schema *s, double f)
{
    uint32_t idx = s->values.n;
    alri_value *v = ALRI_PUSH(s, values);
    v->kind = ALRI_V_FLOAT;
    v->f = f;
    return idx;
}

static uint32_t val_bool(alri_schema *s, int b)
{
    uint32_t idx = s->values.n;
    alri_value *v = ALRI_PUSH(s, values);
    v->kind = ALRI_V_BOOL;
    v->u = (uint64_t)b;
    return idx;
}

static uint32_t val_str(alri_schema *s, uint8_t kind, const char *str, int64_t i, uint64_t u)
{
    uint32_t idx = s->values.n;
    const char *copy = STR(s, str);
    alri_value *v = ALRI_PUSH(s, values);
    v->kind = kind;
    v->s = copy;
    v->i = i;
    v->u = u;
    return idx;
}

/* Pushes an annotation; args are (key or NULL, value index) pairs already
 * pushed?  No: values must follow the annotation in walk order, so the
 * caller passes a builder callback-free form: nargs keys and a function of
 * the values.  Simplest: annotations with up to two args built here. */
static void annot(alri_schema *s, const char *name)
{
    const char *n = STR(s, name);
    alri_annot *a = ALRI_PUSH(s, annots);
    a->name = n;
    a->first_arg = s->args.n;
    a->nargs = 0;
}

/* Adds one argument to the last annotation: value already pushed as v. */
static void annot_arg(alri_schema *s, const char *key, uint32_t v)
{
    const char *k = key ? STR(s, key) : NULL;
    alri_annot_arg *arg = ALRI_PUSH(s, args);
    arg->key = k;
    arg->value = v;
    s->annots.v[s->annots.n - 1].nargs++;
}

static uint32_t push_enum(alri_schema *s, const char *name, const char *doc, int flags)
{
    uint32_t idx = s->enums.n;
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_enum *e = ALRI_PUSH(s, enums);
    e->name = n;
    e->doc = d;
    e->is_flags = (uint8_t)flags;
    e->first_value = s->enumvals.n;
    e->first_annot = s->annots.n;
    return idx;
}

static void push_enumval(alri_schema *s, uint32_t e, const char *name, const char *doc,
                         int64_t value)
{
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_enumval *v = ALRI_PUSH(s, enumvals);
    v->name = n;
    v->doc = d;
    v->value = value;
    v->first_annot = s->annots.n;
    s->enums.v[e].nvalues++;
}

static uint32_t push_struct(alri_schema *s, const char *name, const char *doc)
{
    uint32_t idx = s->structs.n;
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_struct *st = ALRI_PUSH(s, structs);
    st->name = n;
    st->doc = d;
    st->first_field = s->fields.n;
    st->first_annot = s->annots.n;
    return idx;
}

/* Pushes a member (field of the last struct or param of the last method);
 * returns its index.  Annotations pushed afterwards belong to it (call
 * member_annots_done() to fix the count). */
static uint32_t push_member(alri_schema *s, int param, const char *name, const char *doc,
                            uint32_t type, uint32_t dflt)
{
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_member *m = param ? ALRI_PUSH(s, params) : ALRI_PUSH(s, fields);
    m->name = n;
    m->doc = d;
    m->type = type;
    m->dflt = dflt;
    m->first_annot = s->annots.n;
    if (param)
        s->methods.v[s->methods.n - 1].nparams++;
    else
        s->structs.v[s->structs.n - 1].nfields++;
    return param ? s->params.n - 1 : s->fields.n - 1;
}

static uint32_t push_service(alri_schema *s, const char *name, const char *doc)
{
    uint32_t idx = s->services.n;
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_service *sv = ALRI_PUSH(s, services);
    sv->name = n;
    sv->doc = d;
    sv->first_method = s->methods.n;
    sv->first_annot = s->annots.n;
    return idx;
}

static uint32_t push_method(alri_schema *s, const char *name, const char *doc, uint8_t kind,
                            uint8_t mode, uint32_t ret, uint32_t err)
{
    const char *n = STR(s, name), *d = STR(s, doc);
    alri_method *m = ALRI_PUSH(s, methods);
    m->name = n;
    m->doc = d;
    m->kind = kind;
    m->mode = mode;
    m->ret = ret;
    m->err = err;
    m->first_param = s->params.n;
    m->first_annot = s->annots.n;
    s->services.v[s->services.n - 1].nmethods++;
    return s->methods.n - 1;
}

/* Sets nannots of an element from its first_annot to the table's end. */
#define CLOSE_ANNOTS(s, x) ((x).nannots = (s)->annots.n - (x).first_annot)

/*
 * The sample schema (package p, plus one declaration in package q):
 *
 *   enum p.Color { red = 0, @deprecated("old") green = 1 }
 *   flags p.Perm { r = 1, w = 2, x = 4 }
 *   struct p.Inner { u64 a = 7; Color c = green; Perm pm = r|x; }
 *   struct p.Outer { Inner in; list<Inner> items; map<string, i64> m;
 *                    optional<string> o; u8 hash[32]; string s = "hi\n";
 *                    f64 d = 1.5; @max_len(5) bytes b; q.Ext e; i8 neg = -3;
 *                    bool flag = true; f32 ratio = 0.25; }
 *   service p.Svc { new(string user); @deadline(2000) static u64 add(u64 a, u64 b = 3);
 *                   result<Inner, Color> get(ref<Svc> r); static oneway void log(string t);
 *                   status<Color> st(); async void go(); asyncref list<Inner> many(); }
 *   struct q.Ext { set<Color> colors; }
 */
static void build_sample(alri_schema *s)
{
    alri_schema_init(s);
    s->package = STR(s, "p");
    uint32_t t_u64 = alri_schema_type(s, ALR_K_U64, 0, 0);
    uint32_t t_str = alri_schema_type(s, ALR_K_STRING, 0, 0);

    /* (1) enums */
    uint32_t color = push_enum(s, "p.Color", "Colors.\nOf things.", 0);
    push_enumval(s, color, "red", "", 0);
    s->enumvals.v[s->enumvals.n - 1].nannots = 0;
    push_enumval(s, color, "green", "the green one", 1);
    annot(s, "deprecated");
    annot_arg(s, NULL, val_str(s, ALRI_V_STRING, "old", 0, 0));
    CLOSE_ANNOTS(s, s->enumvals.v[s->enumvals.n - 1]);
    CLOSE_ANNOTS(s, s->enums.v[color]); /* none: values' annots come after */
    s->enums.v[color].nannots = 0;

    uint32_t perm = push_enum(s, "p.Perm", "", 1);
    push_enumval(s, perm, "r", "", 1);
    push_enumval(s, perm, "w", "", 2);
    push_enumval(s, perm, "x", "", 4);

    uint32_t t_color = alri_schema_type(s, ALR_K_ENUM, color, 0);
    uint32_t t_perm = alri_schema_type(s, ALR_K_FLAGS, perm, 0);

    /* (2) structs: sorted p.Inner, p.Outer, q.Ext */
    uint32_t inner = push_struct(s, "p.Inner", "");
    push_member(s, 0, "a", "", t_u64, val_uint(s, 7));
    push_member(s, 0, "c", "", t_color, val_str(s, ALRI_V_ENUM, "green", 1, 0));
    push_member(s, 0, "pm", "", t_perm, val_str(s, ALRI_V_FLAGS, "r|x", 0, 5));
    uint32_t t_inner = alri_schema_type(s, ALR_K_STRUCT, inner, 0);

    push_struct(s, "p.Outer", "An outer struct.");
    push_member(s, 0, "in", "", t_inner, ALRI_NONE);
    push_member(s, 0, "items", "", alri_schema_type(s, ALR_K_LIST, t_inner, 0), ALRI_NONE);
    push_member(s, 0, "m", "", alri_schema_type(s, ALR_K_MAP, t_str, alri_schema_type(s, ALR_K_I64, 0, 0)),
                ALRI_NONE);
    push_member(s, 0, "o", "", alri_schema_type(s, ALR_K_OPTIONAL, t_str, 0), ALRI_NONE);
    push_member(s, 0, "hash", "", alri_schema_type(s, ALR_K_ARRAY, alri_schema_type(s, ALR_K_U8, 0, 0), 32),
                ALRI_NONE);
    push_member(s, 0, "s", "", t_str, val_str(s, ALRI_V_STRING, "hi\n", 0, 0));
    push_member(s, 0, "d", "", alri_schema_type(s, ALR_K_F64, 0, 0), val_float(s, 1.5));
    uint32_t fb = push_member(s, 0, "b", "capped", alri_schema_type(s, ALR_K_BYTES, 0, 0), ALRI_NONE);
    annot(s, "max_len");
    annot_arg(s, NULL, val_uint(s, 5));
    CLOSE_ANNOTS(s, s->fields.v[fb]);
    uint32_t t_ext = alri_schema_type(s, ALR_K_STRUCT, 2, 0); /* q.Ext, pushed below */
    push_member(s, 0, "e", "", t_ext, ALRI_NONE);
    push_member(s, 0, "neg", "", alri_schema_type(s, ALR_K_I8, 0, 0), val_int(s, -3));
    push_member(s, 0, "flag", "", alri_schema_type(s, ALR_K_BOOL, 0, 0), val_bool(s, 1));
    push_member(s, 0, "ratio", "", alri_schema_type(s, ALR_K_F32, 0, 0), val_float(s, 0.25));

    push_struct(s, "q.Ext", "");
    push_member(s, 0, "colors", "", alri_schema_type(s, ALR_K_SET, t_color, 0), ALRI_NONE);

    /* (3) services */
    uint32_t svc = push_service(s, "p.Svc", "The service.");
    annot(s, "common");
    CLOSE_ANNOTS(s, s->services.v[svc]);
    push_method(s, "new", "", ALR_METHOD_CTOR, ALR_RET_VOID, ALRI_NONE, ALRI_NONE);
    push_member(s, 1, "user", "", t_str, ALRI_NONE);
    uint32_t add = push_method(s, "add", "Adds.", ALR_METHOD_STATIC, ALR_RET_VALUE, t_u64, ALRI_NONE);
    annot(s, "deadline");
    annot_arg(s, NULL, val_uint(s, 2000));
    CLOSE_ANNOTS(s, s->methods.v[add]);
    push_member(s, 1, "a", "", t_u64, ALRI_NONE);
    push_member(s, 1, "b", "", t_u64, val_uint(s, 3));
    uint32_t t_ref = alri_schema_type(s, ALR_K_REF, svc, 0);
    push_method(s, "get", "", ALR_METHOD_INSTANCE, ALR_RET_RESULT, t_inner, t_color);
    push_member(s, 1, "r", "", t_ref, ALRI_NONE);
    push_method(s, "log", "", ALR_METHOD_STATIC, ALR_RET_ONEWAY, ALRI_NONE, ALRI_NONE);
    uint32_t pt = push_member(s, 1, "t", "the text", t_str, ALRI_NONE);
    annot(s, "evolve");
    annot_arg(s, "write", val_str(s, ALRI_V_IDENT, "optional", 0, 0));
    annot_arg(s, "read", val_str(s, ALRI_V_IDENT, "required", 0, 0));
    CLOSE_ANNOTS(s, s->params.v[pt]);
    push_method(s, "st", "", ALR_METHOD_INSTANCE, ALR_RET_STATUS, ALRI_NONE, t_color);
    push_method(s, "go", "", ALR_METHOD_INSTANCE, ALR_RET_ASYNC, ALRI_NONE, ALRI_NONE);
    push_method(s, "many", "", ALR_METHOD_INSTANCE, ALR_RET_ASYNCREF,
                alri_schema_type(s, ALR_K_LIST, t_inner, 0), ALRI_NONE);
}

/* ------------------------------------------------------------------ helpers */

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int value_eq(const alri_value *a, const alri_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case ALRI_V_INT: return a->i == b->i;
    case ALRI_V_UINT: case ALRI_V_BOOL: return a->u == b->u;
    case ALRI_V_FLOAT: return memcmp(&a->f, &b->f, sizeof a->f) == 0;
    case ALRI_V_ENUM: return a->i == b->i && str_eq(a->s, b->s);
    case ALRI_V_FLAGS: return a->u == b->u && str_eq(a->s, b->s);
    default: return str_eq(a->s, b->s);
    }
}

static int member_eq(const alri_member *a, const alri_member *b)
{
    return str_eq(a->name, b->name) && str_eq(a->doc, b->doc) && a->type == b->type &&
           a->dflt == b->dflt && a->first_annot == b->first_annot && a->nannots == b->nannots;
}

/* Field-by-field comparison of two IRs; returns 0 and reports on mismatch. */
static int ir_eq(const alri_schema *a, const alri_schema *b)
{
#define SAME(cond, what)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "ir mismatch: %s (record %u)\n", what, i);    \
            return 0;                                                     \
        }                                                                 \
    } while (0)
    uint32_t i = 0;
    SAME(str_eq(a->package, b->package), "package");
    SAME(a->types.n == b->types.n && a->values.n == b->values.n && a->annots.n == b->annots.n &&
         a->args.n == b->args.n && a->structs.n == b->structs.n && a->fields.n == b->fields.n &&
         a->enums.n == b->enums.n && a->enumvals.n == b->enumvals.n &&
         a->services.n == b->services.n && a->methods.n == b->methods.n &&
         a->params.n == b->params.n, "table sizes");
    for (i = 0; i < a->types.n; i++)
        SAME(a->types.v[i].kind == b->types.v[i].kind && a->types.v[i].a == b->types.v[i].a &&
             a->types.v[i].b == b->types.v[i].b, "type");
    for (i = 0; i < a->values.n; i++)
        SAME(value_eq(&a->values.v[i], &b->values.v[i]), "value");
    for (i = 0; i < a->annots.n; i++)
        SAME(str_eq(a->annots.v[i].name, b->annots.v[i].name) &&
             a->annots.v[i].first_arg == b->annots.v[i].first_arg &&
             a->annots.v[i].nargs == b->annots.v[i].nargs, "annot");
    for (i = 0; i < a->args.n; i++)
        SAME(str_eq(a->args.v[i].key, b->args.v[i].key) && a->args.v[i].value == b->args.v[i].value,
             "arg");
    for (i = 0; i < a->enums.n; i++) {
        const alri_enum *x = &a->enums.v[i], *y = &b->enums.v[i];
        SAME(str_eq(x->name, y->name) && str_eq(x->doc, y->doc) && x->is_flags == y->is_flags &&
             x->first_value == y->first_value && x->nvalues == y->nvalues &&
             x->first_annot == y->first_annot && x->nannots == y->nannots, "enum");
    }
    for (i = 0; i < a->enumvals.n; i++) {
        const alri_enumval *x = &a->enumvals.v[i], *y = &b->enumvals.v[i];
        SAME(str_eq(x->name, y->name) && str_eq(x->doc, y->doc) && x->value == y->value &&
             x->first_annot == y->first_annot && x->nannots == y->nannots, "enumval");
    }
    for (i = 0; i < a->structs.n; i++) {
        const alri_struct *x = &a->structs.v[i], *y = &b->structs.v[i];
        SAME(str_eq(x->name, y->name) && str_eq(x->doc, y->doc) &&
             x->first_field == y->first_field && x->nfields == y->nfields &&
             x->first_annot == y->first_annot && x->nannots == y->nannots, "struct");
    }
    for (i = 0; i < a->fields.n; i++)
        SAME(member_eq(&a->fields.v[i], &b->fields.v[i]), "field");
    for (i = 0; i < a->services.n; i++) {
        const alri_service *x = &a->services.v[i], *y = &b->services.v[i];
        SAME(str_eq(x->name, y->name) && str_eq(x->doc, y->doc) &&
             x->first_method == y->first_method && x->nmethods == y->nmethods &&
             x->first_annot == y->first_annot && x->nannots == y->nannots, "service");
    }
    for (i = 0; i < a->methods.n; i++) {
        const alri_method *x = &a->methods.v[i], *y = &b->methods.v[i];
        SAME(str_eq(x->name, y->name) && str_eq(x->doc, y->doc) && x->kind == y->kind &&
             x->mode == y->mode && x->ret == y->ret && x->err == y->err &&
             x->first_param == y->first_param && x->nparams == y->nparams &&
             x->first_annot == y->first_annot && x->nannots == y->nannots, "method");
    }
    for (i = 0; i < a->params.n; i++)
        SAME(member_eq(&a->params.v[i], &b->params.v[i]), "param");
    return 1;
#undef SAME
}

/* Writes s; returns the blob (caller frees) or NULL. */
static uint8_t *write_blob(const alri_schema *s, size_t *len)
{
    uint8_t *out = NULL;
    alr_err err = alri_schema_write(s, &out, len);
    CHECK_EQ_INT(err, ALR_OK);
    return out;
}

/* Reads blob; on success checks write(read(blob)) is a fixpoint after one
 * step.  Returns the read status. */
static alr_err read_check_fixpoint(const uint8_t *blob, size_t len, int expect_identical,
                                   char *errbuf, size_t errlen)
{
    alri_schema s;
    alr_err err = alri_schema_read(&s, blob, len, errbuf, errlen);
    if (err != ALR_OK)
        return err;
    size_t l1, l2;
    uint8_t *b1 = NULL, *b2 = NULL;
    int ok = alri_schema_write(&s, &b1, &l1) == ALR_OK;
    if (ok && expect_identical)
        ok = l1 == len && memcmp(b1, blob, len) == 0;
    alri_schema s2;
    char e2[256];
    if (ok) {
        ok = alri_schema_read(&s2, b1, l1, e2, sizeof e2) == ALR_OK;
        if (!ok)
            fprintf(stderr, "re-read failed: %s\n", e2);
    }
    if (ok) {
        ok = ir_eq(&s, &s2) && alri_schema_write(&s2, &b2, &l2) == ALR_OK && l2 == l1 &&
             memcmp(b1, b2, l1) == 0;
        alri_schema_fini(&s2);
    }
    CHECK(ok);
    free(b1);
    free(b2);
    alri_schema_fini(&s);
    return ALR_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offset of section id's header in a blob written by alri_schema_write. */
static size_t sec_off(const uint8_t *blob, uint32_t id)
{
    uint32_t n = get32(blob + 12);
    for (uint32_t i = 0; i < n; i++)
        if (get32(blob + 16 + 12 * i) == id)
            return get32(blob + 16 + 12 * i + 4);
    return 0;
}

/* Writes s and expects the reader to reject it with code and a reason
 * containing want. */
static void expect_reject(alri_schema *s, alr_err code, const char *want, int line)
{
    size_t len;
    uint8_t *blob = NULL;
    if (alri_schema_write(s, &blob, &len) != ALR_OK) {
        fprintf(stderr, "line %d: write failed\n", line);
        CHECK(0);
        return;
    }
    alri_schema r;
    char err[512];
    alr_err got = alri_schema_read(&r, blob, len, err, sizeof err);
    if (got != code || !strstr(err, want)) {
        fprintf(stderr, "line %d: got %d '%s', want %d containing '%s'\n", line, got, err, code,
                want);
        CHECK(0);
    } else {
        CHECK(1);
    }
    if (got == ALR_OK)
        alri_schema_fini(&r);
    free(blob);
}
#define EXPECT_REJECT(s, code, want) expect_reject((s), (code), (want), __LINE__)

/* ------------------------------------------------------------------ tests */

static void test_error_texts(void)
{
    for (int e = 0; e < ALR_ERR_COUNT_; e++) {
        const char *t = alr_strerror((alr_err)e);
        CHECK(t && *t && strcmp(t, "unknown error") != 0);
    }
    CHECK_EQ_STR(alr_strerror((alr_err)ALR_ERR_COUNT_), "unknown error");
    CHECK_EQ_STR(alr_strerror((alr_err)-1), "unknown error");
    CHECK_EQ_STR(alr_version(), ALR_VERSION_STRING);
}

static void test_interning(void)
{
    alri_schema s;
    alri_schema_init(&s);
    CHECK_EQ_STR(s.package, "");
    uint32_t u = alri_schema_type(&s, ALR_K_U64, 0, 0);
    CHECK_EQ_INT(alri_schema_type(&s, ALR_K_U64, 0, 0), u);
    CHECK_EQ_INT(alri_schema_type(&s, ALR_K_U64, 5, 7), u); /* unused operands normalized */
    uint32_t l = alri_schema_type(&s, ALR_K_LIST, u, 0);
    CHECK(l != u);
    CHECK_EQ_INT(alri_schema_type(&s, ALR_K_LIST, u, 99), l);
    /* many distinct types: the hash grows and still finds everything */
    uint32_t idx[3000];
    for (uint32_t i = 0; i < 3000; i++)
        idx[i] = alri_schema_type(&s, ALR_K_ARRAY, u, i + 1);
    int ok = 1;
    for (uint32_t i = 0; i < 3000; i++)
        ok &= alri_schema_type(&s, ALR_K_ARRAY, u, i + 1) == idx[i];
    CHECK(ok);
    CHECK_EQ_INT(s.types.n, 3002);
    /* types pushed directly are found too */
    alri_type *t = ALRI_PUSH(&s, types);
    t->kind = ALR_K_STRING;
    CHECK_EQ_INT(alri_schema_type(&s, ALR_K_STRING, 0, 0), 3002);
    /* strdup */
    const char *d = alri_schema_strdup(&s, "hello");
    CHECK_EQ_STR(d, "hello");
    CHECK(alri_schema_strdup(&s, NULL) == NULL);
    alri_schema_fini(&s);
    CHECK_EQ_INT(s.types.n, 0);

    /* the table cap */
    alri_schema_init(&s);
    int pushed = 0;
    while (ALRI_PUSH(&s, args))
        pushed++;
    CHECK_EQ_INT(pushed, ALR_MAX_TABLE_COUNT);
    alri_schema_fini(&s);
}

static void test_roundtrip(void)
{
    alri_schema s;
    build_sample(&s);
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    CHECK(blob != NULL);
    if (!blob)
        return;
    CHECK(memcmp(blob, "ALRS", 4) == 0);
    CHECK_EQ_INT(get32(blob + 8), len);

    alri_schema r;
    char err[512];
    alr_err e = alri_schema_read(&r, blob, len, err, sizeof err);
    if (e != ALR_OK)
        fprintf(stderr, "read: %s\n", err);
    CHECK_EQ_INT(e, ALR_OK);
    if (e == ALR_OK) {
        CHECK(ir_eq(&s, &r));
        size_t len2;
        uint8_t *blob2 = write_blob(&r, &len2);
        CHECK(blob2 && len2 == len && memcmp(blob, blob2, len) == 0);
        free(blob2);
        /* spot checks, field by field */
        CHECK_EQ_STR(r.package, "p");
        CHECK_EQ_STR(r.structs.v[1].name, "p.Outer");
        CHECK_EQ_STR(r.structs.v[1].doc, "An outer struct.");
        CHECK_EQ_STR(r.fields.v[8].name, "s");
        CHECK_EQ_STR(r.values.v[r.fields.v[8].dflt].s, "hi\n");
        CHECK(r.values.v[r.fields.v[9].dflt].f == 1.5);
        CHECK_EQ_INT(r.methods.v[1].mode, ALR_RET_VALUE);
        CHECK_EQ_INT(r.args.v[0].key == NULL, 1);
        CHECK_EQ_STR(r.args.v[3].key, "write");
        /* interning works on a read schema */
        uint32_t t_u64 = alri_schema_type(&r, ALR_K_U64, 0, 0);
        CHECK_EQ_INT(t_u64, 0);
        CHECK_EQ_INT(r.types.v[t_u64].kind, ALR_K_U64);
        alri_schema_fini(&r);
    }
    /* determinism: building again gives the same bytes */
    alri_schema s2;
    build_sample(&s2);
    size_t len3;
    uint8_t *blob3 = write_blob(&s2, &len3);
    CHECK(blob3 && len3 == len && memcmp(blob, blob3, len) == 0);
    free(blob3);
    alri_schema_fini(&s2);

    /* public API */
    alr_schema *pub = NULL;
    CHECK_EQ_INT(alr_schema_load(blob, len, &pub, err, sizeof err), ALR_OK);
    CHECK_EQ_STR(alr_schema_package(pub), "p");
    alr_schema_free(pub);
    alr_schema_free(NULL);
    pub = (alr_schema *)1;
    CHECK_EQ_INT(alr_schema_load(blob, len - 1, &pub, err, sizeof err), ALR_ESCHEMA);
    CHECK(pub == NULL);
    CHECK(strlen(err) > 0);
    CHECK_EQ_INT(alr_schema_load(blob, len - 1, &pub, NULL, 0), ALR_ESCHEMA);
    CHECK_EQ_INT(alr_schema_load(blob, len, NULL, NULL, 0), ALR_EINVAL);
    CHECK_EQ_INT(alr_schema_load(NULL, 10, &pub, err, sizeof err), ALR_EINVAL);
    CHECK_EQ_STR(alr_schema_package(NULL), "");

    free(blob);
    alri_schema_fini(&s);
}

static void test_minimal(void)
{
    alri_schema s;
    alri_schema_init(&s);
    s.package = alri_schema_strdup(&s, "a.b");
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    CHECK_EQ_INT(read_check_fixpoint(blob, len, 1, NULL, 0), ALR_OK);
    free(blob);
    /* package "" is not a valid package */
    s.package = "";
    EXPECT_REJECT(&s, ALR_ESCHEMA, "package");
    alri_schema_fini(&s);
}

static void test_truncation_and_corruption(void)
{
    alri_schema s;
    build_sample(&s);
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    alri_schema_fini(&s);
    if (!blob)
        return;
    uint8_t *copy = malloc(len);
    int all_rejected = 1;
    for (size_t n = 0; n < len; n++) {
        /* exact-size heap copy so ASan catches any overread */
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, blob, n);
        alri_schema r;
        if (alri_schema_read(&r, t, n, NULL, 0) == ALR_OK) {
            all_rejected = 0;
            alri_schema_fini(&r);
        }
        free(t);
    }
    CHECK(all_rejected);

    static const uint8_t muts[] = {0x01, 0x02, 0x10, 0x80, 0xFF};
    unsigned accepted = 0, rejected = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof muts + 2; m++) {
            memcpy(copy, blob, len);
            if (m < sizeof muts)
                copy[i] ^= muts[m];
            else
                copy[i] = m == sizeof muts ? 0x00 : 0xFF;
            if (memcmp(copy, blob, len) == 0)
                continue;
            char err[256];
            /* the minor version (bytes 6-7) is the one accepted change that
             * does not re-write identically: the writer writes 1.0 */
            alr_err e = read_check_fixpoint(copy, len, i != 6 && i != 7, err, sizeof err);
            if (e == ALR_OK)
                accepted++;
            else
                rejected++;
        }
    }
    CHECK(rejected > 0);
    printf("corruption: %u accepted (all fixpoints), %u rejected\n", accepted, rejected);
    free(copy);
    free(blob);
}

static void test_headers(void)
{
    alri_schema s;
    build_sample(&s);
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    alri_schema_fini(&s);
    uint8_t *c = malloc(len + 16);
    char err[256];
    alri_schema r;

    memcpy(c, blob, len);
    c[0] = 'X';
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "magic") != NULL);

    memcpy(c, blob, len);
    c[4] = 2; /* major 2 */
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_EVERSION);
    CHECK(strstr(err, "version") != NULL);

    memcpy(c, blob, len);
    c[6] = 7; /* minor 7: accepted, re-writes as 1.0 */
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_OK);
    alri_schema_fini(&r);

    memcpy(c, blob, len);
    c[len] = 0; /* one byte of trailing garbage */
    CHECK_EQ_INT(alri_schema_read(&r, c, len + 1, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "header says") != NULL);
    put32(c + 8, (uint32_t)len + 1);
    CHECK_EQ_INT(alri_schema_read(&r, c, len + 1, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "after the last section") != NULL);

    /* huge counts */
    memcpy(c, blob, len);
    put32(c + 12, 0xFFFFFFFFu);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "directory") != NULL);
    memcpy(c, blob, len);
    put32(c + sec_off(blob, ALRI_SEC_TYPES), 0xFFFFFFFFu);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "do not fill") != NULL);
    memcpy(c, blob, len);
    put32(c + sec_off(blob, ALRI_SEC_STRINGS), 0x7FFFFFFFu);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    memcpy(c, blob, len);
    put32(c + sec_off(blob, ALRI_SEC_TYPES) + 4, 0); /* record size 0 */
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "record size") != NULL);

    /* too big */
    CHECK_EQ_INT(alri_schema_read(&r, blob, (size_t)ALR_MAX_BLOB_SIZE + 1, err, sizeof err),
                 ALR_ELIMIT);
    CHECK_EQ_INT(alri_schema_read(&r, NULL, 0, err, sizeof err), ALR_ESCHEMA);
    free(c);
    free(blob);
}

/* Rebuilds a blob from sections, letting the test widen records, add unknown
 * sections and set counts; used for forward compatibility and limits. */
typedef struct tsec {
    uint32_t id, count, rsize;
    uint8_t *data; /* count * rsize bytes */
} tsec;

static uint8_t *assemble(const tsec *secs, uint32_t n, uint16_t minor, size_t *outlen)
{
    size_t total = 16 + 12 * (size_t)n;
    for (uint32_t i = 0; i < n; i++)
        total += 8 + (size_t)secs[i].count * secs[i].rsize;
    uint8_t *b = calloc(1, total);
    memcpy(b, "ALRS", 4);
    b[4] = 1;
    b[6] = (uint8_t)minor;
    put32(b + 8, (uint32_t)total);
    put32(b + 12, n);
    size_t off = 16 + 12 * (size_t)n;
    for (uint32_t i = 0; i < n; i++) {
        size_t sz = 8 + (size_t)secs[i].count * secs[i].rsize;
        put32(b + 16 + 12 * i, secs[i].id);
        put32(b + 16 + 12 * i + 4, (uint32_t)off);
        put32(b + 16 + 12 * i + 8, (uint32_t)sz);
        put32(b + off, secs[i].count);
        put32(b + off + 4, secs[i].rsize);
        if (sz > 8)
            memcpy(b + off + 8, secs[i].data, sz - 8);
        off += sz;
    }
    *outlen = total;
    return b;
}

/* Splits a writer blob into sections (data copied). */
static uint32_t split(const uint8_t *blob, tsec *secs)
{
    uint32_t n = get32(blob + 12);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = get32(blob + 16 + 12 * i + 4);
        secs[i].id = get32(blob + 16 + 12 * i);
        secs[i].count = get32(blob + off);
        secs[i].rsize = get32(blob + off + 4);
        size_t sz = (size_t)secs[i].count * secs[i].rsize;
        secs[i].data = malloc(sz ? sz : 1);
        memcpy(secs[i].data, blob + off + 8, sz);
    }
    return n;
}

static void test_forward_compat(void)
{
    alri_schema s;
    build_sample(&s);
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    alri_schema_fini(&s);
    tsec secs[ALRI_SEC_COUNT_ + 2];
    uint32_t n = split(blob, secs);
    CHECK_EQ_INT(n, ALRI_SEC_COUNT_);

    /* widen every record of TYPES and METHODS by 4 bytes of new data, and
     * add an unknown section 40 */
    for (uint32_t i = 0; i < n; i++) {
        if (secs[i].id != ALRI_SEC_TYPES && secs[i].id != ALRI_SEC_METHODS)
            continue;
        uint32_t rs = secs[i].rsize, nrs = rs + 4;
        uint8_t *d = malloc((size_t)secs[i].count * nrs + 1);
        for (uint32_t k = 0; k < secs[i].count; k++) {
            memcpy(d + (size_t)k * nrs, secs[i].data + (size_t)k * rs, rs);
            put32(d + (size_t)k * nrs + rs, 0xDEADBEEF);
        }
        free(secs[i].data);
        secs[i].data = d;
        secs[i].rsize = nrs;
    }
    uint8_t extra[6] = {1, 2, 3, 4, 5, 6};
    secs[n].id = 40;
    secs[n].count = 3;
    secs[n].rsize = 2;
    secs[n].data = malloc(6);
    memcpy(secs[n].data, extra, 6);
    size_t flen;
    uint8_t *future = assemble(secs, n + 1, 3, &flen);
    alri_schema r;
    char err[256];
    CHECK_EQ_INT(alri_schema_read(&r, future, flen, err, sizeof err), ALR_OK);
    size_t l2;
    uint8_t *b2 = NULL;
    CHECK_EQ_INT(alri_schema_write(&r, &b2, &l2), ALR_OK);
    CHECK(l2 == len && memcmp(b2, blob, len) == 0); /* back to the 1.0 bytes */
    free(b2);
    alri_schema_fini(&r);
    CHECK_EQ_INT(read_check_fixpoint(future, flen, 0, err, sizeof err), ALR_OK);
    free(future);

    /* record size smaller than known: rejected */
    for (uint32_t i = 0; i < n; i++)
        if (secs[i].id == ALRI_SEC_TYPES)
            secs[i].rsize -= 4 + 1; /* 11 (data still fits since size recomputed) */
    future = assemble(secs, n, 0, &flen);
    CHECK_EQ_INT(alri_schema_read(&r, future, flen, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "smaller than") != NULL);
    free(future);

    for (uint32_t i = 0; i < n; i++)
        if (secs[i].id == ALRI_SEC_TYPES)
            secs[i].rsize += 4 + 1;

    /* a missing section */
    future = assemble(secs + 1, n - 1, 0, &flen);
    CHECK_EQ_INT(alri_schema_read(&r, future, flen, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "missing section INFO") != NULL);
    free(future);

    /* unsorted directory */
    tsec t = secs[3];
    secs[3] = secs[4];
    secs[4] = t;
    future = assemble(secs, n, 0, &flen);
    CHECK_EQ_INT(alri_schema_read(&r, future, flen, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "strictly increasing") != NULL);
    free(future);
    t = secs[3];
    secs[3] = secs[4];
    secs[4] = t;

    /* a table past ALR_MAX_TABLE_COUNT: 65536 args of 8 bytes */
    for (uint32_t i = 0; i < n; i++) {
        if (secs[i].id != ALRI_SEC_ARGS)
            continue;
        free(secs[i].data);
        secs[i].count = ALR_MAX_TABLE_COUNT + 1;
        secs[i].rsize = 8;
        secs[i].data = calloc(secs[i].count, 8);
    }
    future = assemble(secs, n, 0, &flen);
    CHECK_EQ_INT(alri_schema_read(&r, future, flen, err, sizeof err), ALR_ELIMIT);
    CHECK(strstr(err, "ARGS") != NULL);
    free(future);

    for (uint32_t i = 0; i <= n; i++)
        free(secs[i].data);
    free(blob);
}

static void test_semantic_rejects(void)
{
    alri_schema s;

    /* out-of-range field type */
    build_sample(&s);
    s.fields.v[3].type = 999;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "field 'in' of struct 'p.Outer': type index 999 out of range");
    alri_schema_fini(&s);

    /* unsorted structs */
    build_sample(&s);
    const char *tmp = s.structs.v[0].name;
    s.structs.v[0].name = s.structs.v[1].name;
    s.structs.v[1].name = tmp;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "must be sorted");
    alri_schema_fini(&s);

    /* duplicate struct names */
    build_sample(&s);
    s.structs.v[1].name = s.structs.v[0].name;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "duplicate name 'p.Inner'");
    alri_schema_fini(&s);

    /* a struct and an enum with one name */
    build_sample(&s);
    s.structs.v[0].name = alri_schema_strdup(&s, "p.Color");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "declared both as enum and as struct");
    alri_schema_fini(&s);

    /* duplicate field names */
    build_sample(&s);
    s.fields.v[1].name = alri_schema_strdup(&s, "a");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "duplicate field name 'a'");
    alri_schema_fini(&s);

    /* bad identifiers */
    build_sample(&s);
    s.fields.v[1].name = alri_schema_strdup(&s, "9x");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "not a valid identifier");
    alri_schema_fini(&s);
    build_sample(&s);
    s.structs.v[0].name = alri_schema_strdup(&s, "Inner");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "not a valid qualified name");
    alri_schema_fini(&s);
    build_sample(&s);
    {
        char longname[300];
        memset(longname, 'a', 299);
        longname[299] = 0;
        s.fields.v[0].name = alri_schema_strdup(&s, longname);
        EXPECT_REJECT(&s, ALR_ELIMIT, "exceeds 255");
    }
    alri_schema_fini(&s);

    /* invalid UTF-8 in a doc */
    build_sample(&s);
    s.structs.v[0].doc = alri_schema_strdup(&s, "bad \xC3\x28 utf8");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "not valid UTF-8");
    alri_schema_fini(&s);

    /* recursion by value: struct p.A { p.B b; } struct p.B { p.A a[2]; } */
    alri_schema_init(&s);
    s.package = "p";
    push_struct(&s, "p.A", "");
    push_member(&s, 0, "b", "", alri_schema_type(&s, ALR_K_STRUCT, 1, 0), ALRI_NONE);
    push_struct(&s, "p.B", "");
    push_member(&s, 0, "a", "",
                alri_schema_type(&s, ALR_K_ARRAY, alri_schema_type(&s, ALR_K_STRUCT, 0, 0), 2),
                ALRI_NONE);
    EXPECT_REJECT(&s, ALR_ESCHEMA, "struct 'p.A' contains itself by value: p.A.b -> p.B.a -> p.A");
    /* through a list it is fine */
    s.fields.v[1].type = alri_schema_type(&s, ALR_K_LIST, alri_schema_type(&s, ALR_K_STRUCT, 0, 0), 0);
    {
        size_t len;
        uint8_t *b = write_blob(&s, &len);
        char err[256] = "";
        CHECK_EQ_INT(read_check_fixpoint(b, len, 1, err, sizeof err), ALR_OK);
        if (*err)
            fprintf(stderr, "%s\n", err);
        free(b);
    }
    /* self by value */
    s.fields.v[0].type = alri_schema_type(&s, ALR_K_STRUCT, 0, 0);
    EXPECT_REJECT(&s, ALR_ESCHEMA, "struct 'p.A' contains itself by value: p.A.b -> p.A");
    alri_schema_fini(&s);

    /* type-level invariants */
    struct {
        uint8_t kind;
        uint32_t a, b;
        alr_err code;
        const char *want;
    } bad_types[] = {
        {ALR_K_OPTIONAL, 1, 0, ALR_ESCHEMA, "optional of optional"}, /* type 1 = optional<u64> */
        {ALR_K_SET, 2, 0, ALR_ESCHEMA, "key type"},                  /* set<f64> */
        {ALR_K_MAP, 3, 0, ALR_ESCHEMA, "key type"},                  /* map<list<u64>, u64> */
        {ALR_K_LIST, 4, 0, ALR_ESCHEMA, "fixed array"},              /* list<u64[4]> */
        {ALR_K_ARRAY, 0, 0, ALR_ESCHEMA, "length 0"},
        {ALR_K_ARRAY, 0, ALR_MAX_ARRAY_LEN + 1, ALR_ELIMIT, "exceeds"},
        {ALR_K_LIST, 99, 0, ALR_ESCHEMA, "not a smaller type index"},
        {ALR_K_STRUCT, 0, 0, ALR_ESCHEMA, "out of range (0 structs)"},
        {ALR_K_REF, 0, 0, ALR_ESCHEMA, "out of range (0 services)"},
        {ALR_K_U32, 1, 0, ALR_ESCHEMA, "nonzero operands"},
        {ALR_K_LIST, 0, 1, ALR_ESCHEMA, "unused operand"},
        {0, 0, 0, ALR_ESCHEMA, "unknown kind 0"},
        {23, 0, 0, ALR_ESCHEMA, "unknown kind 23"},
        {ALR_K_U64, 0, 0, ALR_ESCHEMA, "duplicate of type 0"},
    };
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        alri_schema_init(&s);
        s.package = "p";
        uint32_t u = alri_schema_type(&s, ALR_K_U64, 0, 0);
        alri_schema_type(&s, ALR_K_OPTIONAL, u, 0);
        alri_schema_type(&s, ALR_K_F64, 0, 0);
        alri_schema_type(&s, ALR_K_LIST, u, 0);
        alri_schema_type(&s, ALR_K_ARRAY, u, 4);
        alri_type *t = ALRI_PUSH(&s, types); /* raw, bypassing interning */
        t->kind = bad_types[i].kind;
        t->a = bad_types[i].a;
        t->b = bad_types[i].b;
        EXPECT_REJECT(&s, bad_types[i].code, bad_types[i].want);
        alri_schema_fini(&s);
    }
    /* depth: 64 nested lists are fine, 65 are not */
    alri_schema_init(&s);
    s.package = "p";
    uint32_t t = alri_schema_type(&s, ALR_K_BOOL, 0, 0);
    for (int i = 0; i < 64; i++)
        t = alri_schema_type(&s, ALR_K_LIST, t, 0);
    {
        size_t len;
        uint8_t *b = write_blob(&s, &len);
        CHECK_EQ_INT(read_check_fixpoint(b, len, 1, NULL, 0), ALR_OK);
        free(b);
    }
    alri_schema_type(&s, ALR_K_OPTIONAL, t, 0);
    EXPECT_REJECT(&s, ALR_ELIMIT, "nesting deeper than 64");
    alri_schema_fini(&s);

    /* enum / flags type confusion */
    build_sample(&s);
    s.types.v[2].kind = ALR_K_FLAGS; /* t_color is type 2 */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "flags type names enum 'p.Color'");
    alri_schema_fini(&s);

    /* method mode combinations */
    struct {
        uint32_t method;
        uint8_t kind, mode;
        int ret, err; /* -1 none, else type index */
        const char *want;
    } bad_methods[] = {
        {1, ALR_METHOD_STATIC, ALR_RET_VALUE, -1, -1, "return mode value needs a return type"},
        {1, ALR_METHOD_STATIC, ALR_RET_VOID, 0, -1, "return mode void needs no return"},
        {1, ALR_METHOD_STATIC, ALR_RET_ONEWAY, -1, 2, "return mode oneway needs no return"},
        {1, ALR_METHOD_STATIC, ALR_RET_RESULT, 0, -1, "return mode result needs an error type"},
        {1, ALR_METHOD_STATIC, ALR_RET_STATUS, 0, 2, "return mode status needs no return type"},
        {1, ALR_METHOD_STATIC, ALR_RET_ASYNC, 0, 2, "return mode async needs no error type"},
        {1, ALR_METHOD_STATIC, ALR_RET_ASYNCREF, -1, -1, "asyncref needs a return type"},
        {1, ALR_METHOD_STATIC, ALR_RET_RESULT, 0, 0, "is not an enum"},
        {1, ALR_METHOD_STATIC, 8, 0, -1, "unknown return mode 8"},
        {1, 3, ALR_RET_VALUE, 0, -1, "unknown method kind 3"},
        {0, ALR_METHOD_CTOR, ALR_RET_VALUE, 0, -1, "a constructor has mode void"},
        {0, ALR_METHOD_STATIC, ALR_RET_VOID, -1, -1, "only a constructor may be named 'new'"},
        {1, ALR_METHOD_CTOR, ALR_RET_VOID, -1, -1, "a constructor must be named 'new'"},
        {1, ALR_METHOD_STATIC, ALR_RET_VALUE, 7, -1, "fixed array cannot be a return type"},
        {1, ALR_METHOD_STATIC, ALR_RET_VALUE, 999, -1, "return type index 999 out of range"},
    };
    for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
        build_sample(&s);
        alri_method *m = &s.methods.v[bad_methods[i].method];
        m->kind = bad_methods[i].kind;
        m->mode = bad_methods[i].mode;
        m->ret = bad_methods[i].ret < 0 ? ALRI_NONE : (uint32_t)bad_methods[i].ret;
        m->err = bad_methods[i].err < 0 ? ALRI_NONE : (uint32_t)bad_methods[i].err;
        if (bad_methods[i].ret == 7) { /* find an array type */
            for (uint32_t k = 0; k < s.types.n; k++)
                if (s.types.v[k].kind == ALR_K_ARRAY)
                    m->ret = k;
        }
        EXPECT_REJECT(&s, ALR_ESCHEMA, bad_methods[i].want);
        alri_schema_fini(&s);
    }
    /* two constructors */
    build_sample(&s);
    s.methods.v[1].name = alri_schema_strdup(&s, "new");
    s.methods.v[1].kind = ALR_METHOD_CTOR;
    s.methods.v[1].mode = ALR_RET_VOID;
    s.methods.v[1].ret = ALRI_NONE;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "duplicate method name 'new'");
    alri_schema_fini(&s);

    /* defaults */
    build_sample(&s);
    s.values.v[s.fields.v[0].dflt].kind = ALRI_V_INT; /* u64 a = INT */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "is a int value, the u64 type needs a uint value");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[1].dflt].s = alri_schema_strdup(&s, "blue");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "default 'blue' is not a value of enum 'p.Color'");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[1].dflt].i = 0;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "has number 0, the enum says 1");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[2].dflt].u = 7;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "has bits 0x7, the names give 0x5");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[2].dflt].s = alri_schema_strdup(&s, "x|r");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "declaration order");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[2].dflt].s = alri_schema_strdup(&s, "r|");
    EXPECT_REJECT(&s, ALR_ESCHEMA, "not a combination");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[12].dflt].i = -129; /* i8 neg */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "default -129 out of range for i8");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[14].dflt].f = 0.1; /* f32 ratio: 0.1 is not an f32 */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "is not an f32 value");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[14].dflt].f = INFINITY;
    {
        size_t len;
        uint8_t *b = write_blob(&s, &len);
        CHECK_EQ_INT(read_check_fixpoint(b, len, 1, NULL, 0), ALR_OK);
        free(b);
    }
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[0].dflt].kind = ALRI_V_IDENT;
    s.values.v[s.fields.v[0].dflt].s = "x";
    EXPECT_REJECT(&s, ALR_ESCHEMA, "is a ident value");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[s.fields.v[13].dflt].u = 2; /* bool flag */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "bool payload 2");
    alri_schema_fini(&s);

    /* walk order: values and annotations out of order */
    build_sample(&s);
    {
        uint32_t d0 = s.fields.v[0].dflt, d1 = s.fields.v[1].dflt;
        alri_value v0 = s.values.v[d0];
        s.values.v[d0] = s.values.v[d1];
        s.values.v[d1] = v0;
        s.fields.v[0].dflt = d1;
        s.fields.v[1].dflt = d0;
    }
    EXPECT_REJECT(&s, ALR_ESCHEMA, "values must follow the canonical walk order");
    alri_schema_fini(&s);
    build_sample(&s);
    s.services.v[0].nannots = 0; /* @common left orphaned */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "ranges must tile");
    alri_schema_fini(&s);
    build_sample(&s);
    s.structs.v[2].nfields = 0; /* q.Ext's field orphaned */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "field 15 belongs to no struct");
    alri_schema_fini(&s);
    build_sample(&s);
    s.enums.v[1].nvalues = 0;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "flags 'p.Perm' has no values");
    alri_schema_fini(&s);
    build_sample(&s);
    s.enumvals.v[1].value = 0;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "number 0 already used by 'red'");
    alri_schema_fini(&s);
    build_sample(&s);
    s.enumvals.v[1].value = (int64_t)1 << 40;
    EXPECT_REJECT(&s, ALR_ESCHEMA, "does not fit in 32 bits");
    alri_schema_fini(&s);
    build_sample(&s);
    s.values.v[0].kind = ALRI_V_ENUM; /* @deprecated("old") arg as a typed value */
    EXPECT_REJECT(&s, ALR_ESCHEMA, "typed enum value");
    alri_schema_fini(&s);
}

/* Raw byte edits of the writer's output that a writer never makes. */
static void test_raw_rejects(void)
{
    alri_schema s;
    build_sample(&s);
    size_t len;
    uint8_t *blob = write_blob(&s, &len);
    alri_schema_fini(&s);
    uint8_t *c = malloc(len);
    alri_schema r;
    char err[256];

    /* a string index out of range (struct 0's name) */
    size_t st = sec_off(blob, ALRI_SEC_STRUCTS) + 8;
    memcpy(c, blob, len);
    put32(c + st, 100000);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "struct 0: name string index 100000 out of range") != NULL);

    /* strings not in first-use order: swap two references */
    memcpy(c, blob, len);
    put32(c + st, get32(blob + st) + 1);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);

    /* a NUL inside a string */
    size_t sd = sec_off(blob, ALRI_SEC_STRDATA) + 8;
    memcpy(c, blob, len);
    c[sd] = 0;
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "NUL") != NULL);

    /* nonzero padding in a type */
    size_t ty = sec_off(blob, ALRI_SEC_TYPES) + 8;
    memcpy(c, blob, len);
    c[ty + 1] = 1;
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "padding") != NULL);

    /* a section offset that overlaps the previous one */
    memcpy(c, blob, len);
    put32(c + 16 + 12 * 2 + 4, get32(blob + 16 + 12 * 2 + 4) - 1);
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "contiguous") != NULL);

    /* duplicate strings: turn the first other 1-byte string into "p" */
    memcpy(c, blob, len);
    {
        size_t ss = sec_off(blob, ALRI_SEC_STRINGS);
        uint32_t nstr = get32(blob + ss);
        for (uint32_t i = 1; i < nstr; i++) {
            uint32_t off = get32(blob + ss + 8 + 8 * i), slen = get32(blob + ss + 12 + 8 * i);
            if (slen == 1) {
                c[sd + off] = 'p';
                break;
            }
        }
    }
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "duplicate of string 0") != NULL);

    /* invalid UTF-8 / overlong encodings in string data */
    memcpy(c, blob, len);
    c[sd] = 0xC0;
    CHECK_EQ_INT(alri_schema_read(&r, c, len, err, sizeof err), ALR_ESCHEMA);
    CHECK(strstr(err, "UTF-8") != NULL);
    free(c);
    free(blob);
}

static void test_canon_and_ids(void)
{
    alri_schema s;
    build_sample(&s);
    char buf[256];
    const char *want[] = {"u64", "string", "p.Color", "p.Perm", "p.Inner", "list<p.Inner>",
                          "i64", "map<string,i64>", "optional<string>", "u8", "u8[32]"};
    for (uint32_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n = alri_type_canon(&s, i, buf, sizeof buf);
        CHECK_EQ_STR(buf, want[i]);
        CHECK_EQ_INT(n, strlen(want[i]));
    }
    uint32_t t_ref = alri_schema_type(&s, ALR_K_REF, 0, 0);
    alri_type_canon(&s, t_ref, buf, sizeof buf);
    CHECK_EQ_STR(buf, "ref<p.Svc>");
    uint32_t t_set = alri_schema_type(&s, ALR_K_SET, 2, 0);
    alri_type_canon(&s, t_set, buf, sizeof buf);
    CHECK_EQ_STR(buf, "set<p.Color>");
    /* truncation works like snprintf */
    CHECK_EQ_INT(alri_type_canon(&s, 7, buf, 5), strlen("map<string,i64>"));
    CHECK_EQ_STR(buf, "map<");
    CHECK_EQ_INT(alri_type_canon(&s, 7, NULL, 0), strlen("map<string,i64>"));
    alri_type_canon(&s, 9999, buf, sizeof buf);
    CHECK_EQ_STR(buf, "?");

    /* FNV-1a 64 test vectors */
    CHECK(alri_fnv1a64("", 0, ALRI_FNV1A64_INIT) == 0xcbf29ce484222325ull);
    CHECK(alri_fnv1a64("a", 1, ALRI_FNV1A64_INIT) == 0xaf63dc4c8601ec8cull);
    CHECK(alri_fnv1a64("foobar", 6, ALRI_FNV1A64_INIT) == 0x85944171f73967e8ull);
    CHECK(alri_fnv1a64("bar", 3, alri_fnv1a64("foo", 3, ALRI_FNV1A64_INIT)) ==
          0x85944171f73967e8ull);

    /* identities are the hashes of the documented strings */
    CHECK(alri_decl_id("p.Inner") == alri_fnv1a64("p.Inner", 7, ALRI_FNV1A64_INIT));
    CHECK(alri_type_id(&s, 7) == alri_fnv1a64("map<string,i64>", 15, ALRI_FNV1A64_INIT));
    CHECK(alri_member_id(&s, &s.fields.v[5]) == alri_fnv1a64("m:map<string,i64>", 17,
                                                             ALRI_FNV1A64_INIT));
    CHECK(alri_member_id(&s, &s.fields.v[7]) == alri_fnv1a64("hash:u8[32]", 11, ALRI_FNV1A64_INIT));
    CHECK(alri_enumval_id(&s.enums.v[0], &s.enumvals.v[1]) ==
          alri_fnv1a64("green=1", 7, ALRI_FNV1A64_INIT));
    alri_enumval big = {"top", "", (int64_t)0x8000000000000000ull, 0, 0};
    CHECK(alri_enumval_id(&s.enums.v[1], &big) ==
          alri_fnv1a64("top=9223372036854775808", 23, ALRI_FNV1A64_INIT));
    alri_enumval neg = {"m", "", -2, 0, 0};
    CHECK(alri_enumval_id(&s.enums.v[0], &neg) == alri_fnv1a64("m=-2", 4, ALRI_FNV1A64_INIT));
    CHECK(alri_method_id(&s.services.v[0], &s.methods.v[1]) ==
          alri_fnv1a64("p.Svc.add/value", 15, ALRI_FNV1A64_INIT));
    CHECK(alri_method_id(&s.services.v[0], &s.methods.v[0]) ==
          alri_fnv1a64("p.Svc.new/void", 14, ALRI_FNV1A64_INIT));
    CHECK_EQ_STR(alri_return_mode_name(ALR_RET_ONEWAY_STATUS), "oneway_status");
    CHECK_EQ_STR(alri_return_mode_name(99), "?");
    alri_schema_fini(&s);
}

static char *dump_to_string(const alri_schema *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    CHECK_EQ_INT(dump_alr(s, f), 0);
    fclose(f);
    return buf;
}

static void test_dump(void)
{
    alri_schema s;
    build_sample(&s);
    char *text = dump_to_string(&s);
    const char *want =
        "package p;\n"
        "\n"
        "/// Colors.\n"
        "/// Of things.\n"
        "enum Color {\n"
        "    red = 0,\n"
        "    /// the green one\n"
        "    @deprecated(\"old\")\n"
        "    green = 1,\n"
        "}\n"
        "\n"
        "flags Perm {\n"
        "    r = 1,\n"
        "    w = 2,\n"
        "    x = 4,\n"
        "}\n"
        "\n"
        "struct Inner {\n"
        "    u64 a = 7;\n"
        "    Color c = green;\n"
        "    Perm pm = r|x;\n"
        "}\n"
        "\n"
        "/// An outer struct.\n"
        "struct Outer {\n"
        "    Inner in;\n"
        "    list<Inner> items;\n"
        "    map<string, i64> m;\n"
        "    optional<string> o;\n"
        "    u8 hash[32];\n"
        "    string s = \"hi\\n\";\n"
        "    f64 d = 1.5;\n"
        "    /// capped\n"
        "    @max_len(5)\n"
        "    bytes b;\n"
        "    q.Ext e;\n"
        "    i8 neg = -3;\n"
        "    bool flag = true;\n"
        "    f32 ratio = 0.25;\n"
        "}\n"
        "\n"
        "/// The service.\n"
        "@common\n"
        "service Svc {\n"
        "    new(string user);\n"
        "    /// Adds.\n"
        "    @deadline(2000)\n"
        "    static u64 add(u64 a, u64 b = 3);\n"
        "    result<Inner, Color> get(ref<Svc> r);\n"
        "    static oneway void log(\n"
        "        /// the text\n"
        "        @evolve(write = optional, read = required) string t);\n"
        "    status<Color> st();\n"
        "    async void go();\n"
        "    asyncref list<Inner> many();\n"
        "}\n"
        "\n"
        "package q;\n"
        "\n"
        "struct Ext {\n"
        "    set<p.Color> colors;\n"
        "}\n";
    CHECK_EQ_STR(text, want);
    free(text);
    alri_schema_fini(&s);

    /* values printed exactly */
    alri_schema_init(&s);
    s.package = "x";
    push_struct(&s, "x.V", "");
    uint32_t f64 = alri_schema_type(&s, ALR_K_F64, 0, 0);
    uint32_t str = alri_schema_type(&s, ALR_K_STRING, 0, 0);
    push_member(&s, 0, "a", "", f64, val_float(&s, 2.0));
    push_member(&s, 0, "b", "", f64, val_float(&s, -INFINITY));
    push_member(&s, 0, "c", "", f64, val_float(&s, NAN));
    push_member(&s, 0, "d", "", f64, val_float(&s, 0.1));
    push_member(&s, 0, "e", "", f64, val_float(&s, 1e300));
    push_member(&s, 0, "f", "", str, val_str(&s, ALRI_V_STRING, "q\"\\\t\r\x01\x7f" "\xc3\xa9", 0, 0));
    push_member(&s, 0, "g", "line one\n\n  line three", f64, val_float(&s, INFINITY));
    push_member(&s, 0, "h", "", alri_schema_type(&s, ALR_K_I64, 0, 0), val_int(&s, INT64_MIN));
    text = dump_to_string(&s);
    CHECK_EQ_STR(text,
                 "package x;\n"
                 "\n"
                 "struct V {\n"
                 "    f64 a = 2.0;\n"
                 "    f64 b = -inf;\n"
                 "    f64 c = nan;\n"
                 "    f64 d = 0.10000000000000001;\n"
                 "    f64 e = 1.0000000000000001e+300;\n"
                 "    string f = \"q\\\"\\\\\\t\\r\\x01\\x7F\xc3\xa9\";\n"
                 "    /// line one\n"
                 "    ///\n"
                 "    ///   line three\n"
                 "    f64 g = inf;\n"
                 "    i64 h = -9223372036854775808;\n"
                 "}\n");
    free(text);
    /* and that IR is valid */
    {
        size_t len;
        uint8_t *b = write_blob(&s, &len);
        char err[256] = "";
        CHECK_EQ_INT(read_check_fixpoint(b, len, 1, err, sizeof err), ALR_OK);
        if (*err)
            fprintf(stderr, "%s\n", err);
        free(b);
    }
    alri_schema_fini(&s);
}

/* Prints the hex of the tiny blob used in spec/schema-blob.md when run with
 * the argument "--spec-example". */
static void spec_example(void)
{
    alri_schema s;
    alri_schema_init(&s);
    s.package = "p";
    uint32_t color = push_enum(&s, "p.E", "", 0);
    push_enumval(&s, color, "a", "", 0);
    push_struct(&s, "p.S", "");
    push_member(&s, 0, "x", "", alri_schema_type(&s, ALR_K_U32, 0, 0), val_uint(&s, 5));
    size_t len;
    uint8_t *b = write_blob(&s, &len);
    for (size_t i = 0; i < len; i += 16) {
        printf("%04zx:", i);
        for (size_t k = i; k < i + 16 && k < len; k++)
            printf(" %02x", b[k]);
        printf("\n");
    }
    free(b);
    alri_schema_fini(&s);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--spec-example") == 0) {
        spec_example();
        return 0;
    }
    TEST_RUN(test_error_texts);
    TEST_RUN(test_interning);
    TEST_RUN(test_roundtrip);
    TEST_RUN(test_minimal);
    TEST_RUN(test_truncation_and_corruption);
    TEST_RUN(test_headers);
    TEST_RUN(test_forward_compat);
    TEST_RUN(test_semantic_rejects);
    TEST_RUN(test_raw_rejects);
    TEST_RUN(test_canon_and_ids);
    TEST_RUN(test_dump);
    TEST_MAIN_END();
}
