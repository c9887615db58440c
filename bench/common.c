/*
 * common.c - loading the benchmark shapes (see common.h), the round-trip
 * checks, and the bridge that copies an ALR value into a protobuf-c message
 * (or compares the two) by walking alr_struct_desc and
 * ProtobufCMessageDescriptor side by side, fields matched by name.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_value.h"
#include "schema_util.h"
#if BENCH_HAVE_PROTOBUF
#include "shapes.pb-c.h" /* protoc-c output, $(B)/bench/gen */
#endif

static const struct {
    const char *name, *type;
} shape_names[BENCH_NSHAPES] = {
    {"small", "bench.Quote"},
    {"medium", "bench.Item"},
    {"large", "bench.CatalogPage"},
};

static void *mem_alloc(void *ctx, size_t size)
{
    return alri_arena_alloc(ctx, size);
}

/* ================================================================ protobuf-c bridge */
#if BENCH_HAVE_PROTOBUF

enum { XCOPY, XCMP };

typedef struct xfer {
    int mode;          /* XCOPY: ALR -> protobuf-c; XCMP: check they hold the same */
    alri_arena *mem;   /* XCOPY: where messages and arrays go */
    const char *where; /* the message being walked, for errors */
    const char *field;
} xfer;

static int xfail(xfer *x, const char *what)
{
    fprintf(stderr, "bench: %s.%s: %s\n", x->where, x->field, what);
    return -1;
}

/* Bytes one value of a protobuf field type takes in a message or array. */
static size_t pb_elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default: /* 32-bit integers, enum, bool (protobuf_c_boolean), float */
        return 4;
    }
}

/* An ALR integer, bool or enum as 64 bits (signed kinds sign-extended).
 * *sign: 1 signed, 0 unsigned, 2 bool, 3 enum; returns -1 for other kinds. */
static int alr_int(const alr_type_desc *t, const uint8_t *src, uint64_t *v, int *sign)
{
    switch (t->kind) {
    case ALR_K_BOOL:
        *v = *(const bool *)src;
        *sign = 2;
        return 0;
    case ALR_K_U8:
        *v = *src;
        *sign = 0;
        return 0;
    case ALR_K_U16: {
        uint16_t x;
        memcpy(&x, src, sizeof x);
        *v = x;
        *sign = 0;
        return 0;
    }
    case ALR_K_U32: {
        uint32_t x;
        memcpy(&x, src, sizeof x);
        *v = x;
        *sign = 0;
        return 0;
    }
    case ALR_K_U64:
        memcpy(v, src, 8);
        *sign = 0;
        return 0;
    case ALR_K_I8:
        *v = (uint64_t)(int64_t) * (const int8_t *)src;
        *sign = 1;
        return 0;
    case ALR_K_I16: {
        int16_t x;
        memcpy(&x, src, sizeof x);
        *v = (uint64_t)(int64_t)x;
        *sign = 1;
        return 0;
    }
    case ALR_K_I32:
    case ALR_K_ENUM: {
        int32_t x;
        memcpy(&x, src, sizeof x);
        *v = (uint64_t)(int64_t)x;
        *sign = t->kind == ALR_K_ENUM ? 3 : 1;
        return 0;
    }
    case ALR_K_I64:
        memcpy(v, src, 8);
        *sign = 1;
        return 0;
    default:
        return -1;
    }
}

/* The signedness class (as alr_int's *sign) a protobuf integer type takes. */
static int pb_int_class(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return 1;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        return 2;
    case PROTOBUF_C_TYPE_ENUM:
        return 3;
    default:
        return -1;
    }
}

static int is_zero_mem(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static int xfer_struct(xfer *x, const alr_struct_desc *sd, const uint8_t *src,
                       const ProtobufCMessageDescriptor *pd, ProtobufCMessage *msg);

/* One value: ALR type t at src <-> one protobuf value of type pt (message
 * descriptor pdesc) stored at dst. */
static int xfer_value(xfer *x, const alr_type_desc *t, const uint8_t *src, ProtobufCType pt,
                      const void *pdesc, uint8_t *dst)
{
    uint64_t v;
    int sign;
    if (alr_int(t, src, &v, &sign) == 0) {
        if (pb_int_class(pt) != sign)
            return xfail(x, "integer types of different signedness");
        if (pb_elem_size(pt) == 4) {
            uint32_t w = (uint32_t)v;
            if (x->mode == XCOPY)
                memcpy(dst, &w, 4);
            else if (memcmp(dst, &w, 4) != 0)
                return xfail(x, "values differ");
        } else {
            if (x->mode == XCOPY)
                memcpy(dst, &v, 8);
            else if (memcmp(dst, &v, 8) != 0)
                return xfail(x, "values differ");
        }
        return 0;
    }
    switch (t->kind) {
    case ALR_K_F32:
    case ALR_K_F64: {
        size_t n = t->kind == ALR_K_F32 ? 4 : 8;
        if (pt != (t->kind == ALR_K_F32 ? PROTOBUF_C_TYPE_FLOAT : PROTOBUF_C_TYPE_DOUBLE))
            return xfail(x, "float types differ");
        if (x->mode == XCOPY)
            memcpy(dst, src, n);
        else if (memcmp(dst, src, n) != 0)
            return xfail(x, "values differ");
        return 0;
    }
    case ALR_K_STRING: {
        const char *s, *p;
        if (pt != PROTOBUF_C_TYPE_STRING)
            return xfail(x, "string <-> non-string");
        memcpy(&s, src, sizeof s);
        if (x->mode == XCOPY) {
            p = s && *s ? s : protobuf_c_empty_string;
            memcpy(dst, &p, sizeof p);
            return 0;
        }
        memcpy(&p, dst, sizeof p);
        return strcmp(s ? s : "", p ? p : "") ? xfail(x, "strings differ") : 0;
    }
    case ALR_K_BYTES: {
        const alr_bytes *b = (const alr_bytes *)src;
        ProtobufCBinaryData *d = (ProtobufCBinaryData *)dst;
        if (pt != PROTOBUF_C_TYPE_BYTES)
            return xfail(x, "bytes <-> non-bytes");
        if (x->mode == XCOPY) {
            d->len = b->len;
            d->data = b->ptr;
            return 0;
        }
        if (d->len != b->len || (b->len && memcmp(d->data, b->ptr, b->len) != 0))
            return xfail(x, "bytes differ");
        return 0;
    }
    case ALR_K_STRUCT: {
        const ProtobufCMessageDescriptor *md = pdesc;
        ProtobufCMessage *m;
        if (pt != PROTOBUF_C_TYPE_MESSAGE)
            return xfail(x, "struct <-> non-message");
        memcpy(&m, dst, sizeof m);
        /* an all-zero struct is an absent message: the cheapest protobuf form */
        int zero = is_zero_mem(src, t->sd->size);
        if (x->mode == XCOPY) {
            if (zero)
                return 0;
            m = alri_arena_alloc(x->mem, md->sizeof_message);
            if (!m)
                return xfail(x, "out of memory");
            protobuf_c_message_init(md, m);
            memcpy(dst, &m, sizeof m);
        } else if (!m) {
            return zero ? 0 : xfail(x, "message absent, struct not zero");
        }
        return xfer_struct(x, t->sd, src, md, m);
    }
    default:
        return xfail(x, "ALR kind without a protobuf counterpart here");
    }
}

/* A map entry message holding key and value. */
static int xfer_entry(xfer *x, const alr_type_desc *t, const uint8_t *k, const uint8_t *v,
                      const ProtobufCMessageDescriptor *ed, ProtobufCMessage *e)
{
    const ProtobufCFieldDescriptor *fk = protobuf_c_message_descriptor_get_field_by_name(ed, "key");
    const ProtobufCFieldDescriptor *fv =
        protobuf_c_message_descriptor_get_field_by_name(ed, "value");
    if (!fk || !fv)
        return xfail(x, "map entry without key/value");
    if (xfer_value(x, t->key, k, fk->type, fk->descriptor, (uint8_t *)e + fk->offset))
        return -1;
    return xfer_value(x, t->elem, v, fv->type, fv->descriptor, (uint8_t *)e + fv->offset);
}

/* A repeated field <-> an ALR list, set or map. */
static int xfer_repeated(xfer *x, const alr_type_desc *t, const uint8_t *src,
                         const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg)
{
    size_t *np = (size_t *)((uint8_t *)msg + f->quantifier_offset);
    uint8_t **arr = (uint8_t **)((uint8_t *)msg + f->offset);
    size_t es = pb_elem_size(f->type);
    uint32_t n;
    if (t->kind == ALR_K_LIST || t->kind == ALR_K_SET)
        n = ((const alr_list *)src)->n;
    else if (t->kind == ALR_K_MAP)
        n = ((const alr_map *)src)->n;
    else
        return xfail(x, "repeated field <-> non-container");
    if (x->mode == XCOPY) {
        *np = n;
        *arr = n ? alri_arena_alloc(x->mem, n * es) : NULL;
        if (n && !*arr)
            return xfail(x, "out of memory");
    } else if (*np != n) {
        return xfail(x, "element counts differ");
    }
    const ProtobufCMessageDescriptor *md = f->descriptor;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *dst = *arr + i * es;
        if (t->kind != ALR_K_MAP) {
            const alr_list *l = (const alr_list *)src;
            const uint8_t *ev = (const uint8_t *)l->v + (size_t)i * t->elem->size;
            if (f->type == PROTOBUF_C_TYPE_MESSAGE && x->mode == XCOPY &&
                is_zero_mem(ev, t->elem->size)) {
                /* a repeated message element is never absent */
                ProtobufCMessage *m = alri_arena_alloc(x->mem, md->sizeof_message);
                if (!m)
                    return xfail(x, "out of memory");
                protobuf_c_message_init(md, m);
                memcpy(dst, &m, sizeof m);
                continue;
            }
            if (xfer_value(x, t->elem, ev, f->type, md, dst))
                return -1;
            continue;
        }
        const alr_map *m = (const alr_map *)src;
        ProtobufCMessage *e;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            return xfail(x, "map <-> repeated non-message");
        if (x->mode == XCOPY) {
            e = alri_arena_alloc(x->mem, md->sizeof_message);
            if (!e)
                return xfail(x, "out of memory");
            protobuf_c_message_init(md, e);
            memcpy(dst, &e, sizeof e);
        } else {
            memcpy(&e, dst, sizeof e);
        }
        if (xfer_entry(x, t, (const uint8_t *)m->keys + (size_t)i * t->key->size,
                       (const uint8_t *)m->vals + (size_t)i * t->elem->size, md, e))
            return -1;
    }
    return 0;
}

static int xfer_struct(xfer *x, const alr_struct_desc *sd, const uint8_t *src,
                       const ProtobufCMessageDescriptor *pd, ProtobufCMessage *msg)
{
    const char *where = x->where, *field = x->field;
    if (pd->n_fields != sd->nmembers) {
        x->where = sd->name;
        x->field = "*";
        return xfail(x, "different numbers of fields");
    }
    for (uint32_t i = 0; i < sd->nmembers; i++) {
        const alr_member_desc *m = &sd->members[i];
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(pd, m->name);
        x->where = sd->name;
        x->field = m->name;
        if (!f)
            return xfail(x, "no protobuf field of that name");
        const uint8_t *s = src + m->offset;
        uint8_t *d = (uint8_t *)msg + f->offset;
        int r;
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            r = xfer_repeated(x, m->type, s, f, msg);
        else if (f->label == PROTOBUF_C_LABEL_NONE)
            r = xfer_value(x, m->type, s, f->type, f->descriptor, d);
        else
            r = xfail(x, "only proto3 singular and repeated fields are bridged");
        if (r)
            return -1;
    }
    x->where = where;
    x->field = field;
    return 0;
}

static int pb_fill(bench_ctx *c, bench_shape *s)
{
    static const ProtobufCMessageDescriptor *const pbds[BENCH_NSHAPES] = {
        &bench__quote__descriptor, &bench__item__descriptor, &bench__catalog_page__descriptor};
    s->pbd = pbds[s - c->shape];
    s->pb = alri_arena_alloc(&c->mem, s->pbd->sizeof_message);
    if (!s->pb)
        return -1;
    protobuf_c_message_init(s->pbd, s->pb);
    xfer x = {XCOPY, &c->mem, s->type, "-"};
    return xfer_struct(&x, s->sd, s->value, s->pbd, s->pb);
}

int bench_check_pb(const bench_shape *s, uint8_t **out, size_t *outlen)
{
    size_t n = protobuf_c_message_get_packed_size(s->pb);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    if (protobuf_c_message_pack(s->pb, buf) != n) {
        fprintf(stderr, "bench: %s: protobuf-c pack disagrees with get_packed_size\n", s->name);
        free(buf);
        return -1;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(s->pbd, NULL, n, buf);
    if (!m) {
        fprintf(stderr, "bench: %s: protobuf-c cannot unpack its own bytes\n", s->name);
        free(buf);
        return -1;
    }
    xfer x = {XCMP, NULL, s->type, "-"};
    int r = xfer_struct(&x, s->sd, s->value, s->pbd, m);
    protobuf_c_message_free_unpacked(m, NULL);
    if (r) {
        fprintf(stderr, "bench: %s: the protobuf message does not hold the ALR data\n", s->name);
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

#endif /* BENCH_HAVE_PROTOBUF */

/* ================================================================ ALR side */

static char *to_json(const bench_ctx *c, const alr_struct_desc *sd, const void *v)
{
    jv_opts o = {c->schema, NULL, NULL};
    char err[256];
    json_t *j = jv_struct_to_json(&o, sd, v, err, sizeof err);
    if (!j) {
        fprintf(stderr, "bench: %s: %s\n", sd->name, err);
        return NULL;
    }
    char *s = jv_dumps(j, 0);
    json_decref(j);
    return s;
}

int bench_check_alr(const bench_ctx *c, const bench_shape *s, alr_buf *out)
{
    alr_buf b = {0}, b2 = {0};
    alr_arena *a = alr_arena_new();
    void *v = calloc(1, s->sd->size);
    char *j1 = NULL, *j2 = NULL;
    int ok = 0;
    alr_err e;
    if (!a || !v) {
        fprintf(stderr, "bench: out of memory\n");
        goto done;
    }
    if ((e = alr_encode(s->sd, c->plan, s->value, &b)) != ALR_OK) {
        fprintf(stderr, "bench: %s: alr_encode: %s\n", s->name, alr_strerror(e));
        goto done;
    }
    if (alr_encoded_size(s->sd, c->plan, s->value) != b.len) {
        fprintf(stderr, "bench: %s: alr_encoded_size disagrees with alr_encode\n", s->name);
        goto done;
    }
    if ((e = alr_decode(s->sd, c->plan, b.data, b.len, v, a, NULL)) != ALR_OK) {
        fprintf(stderr, "bench: %s: alr_decode: %s\n", s->name, alr_strerror(e));
        goto done;
    }
    j1 = to_json(c, s->sd, s->value);
    j2 = to_json(c, s->sd, v);
    if (!j1 || !j2 || strcmp(j1, j2) != 0) {
        fprintf(stderr, "bench: %s: the decoded value differs from the original\n", s->name);
        goto done;
    }
    if (alr_encode(s->sd, c->plan, v, &b2) != ALR_OK || b2.len != b.len ||
        memcmp(b.data, b2.data, b.len) != 0) {
        fprintf(stderr, "bench: %s: the decoded value encodes differently\n", s->name);
        goto done;
    }
    ok = 1;
done:
    free(j1);
    free(j2);
    free(b2.data);
    free(v);
    alr_arena_free(a);
    if (!ok) {
        free(b.data);
        return -1;
    }
    *out = b;
    return 0;
}

/* ================================================================ loading */

int bench_load(bench_ctx *c, const char *dir)
{
    char path[1024], err[512];
    memset(c, 0, sizeof *c);
    alri_arena_init(&c->mem);
    snprintf(path, sizeof path, "%s/shapes.alr", dir);
    if (su_load_schema(path, NULL, 0, stderr, &c->schema, &c->blob, &c->bloblen, err,
                       sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    alr_err e = alr_layout_build(c->schema, &c->layout);
    if (e != ALR_OK) {
        fprintf(stderr, "bench: alr_layout_build: %s\n", alr_strerror(e));
        return -1;
    }
    e = alr_plan_build(c->schema, c->schema, ALR_ROLE_ACCEPTOR, &c->plan, err, sizeof err);
    if (e != ALR_OK) {
        fprintf(stderr, "bench: alr_plan_build: %s: %s\n", alr_strerror(e), err);
        return -1;
    }
    jv_opts o = {c->schema, mem_alloc, &c->mem};
    for (int i = 0; i < BENCH_NSHAPES; i++) {
        bench_shape *s = &c->shape[i];
        s->name = shape_names[i].name;
        s->type = shape_names[i].type;
        s->sd = alr_layout_find(c->layout, s->type);
        if (!s->sd) {
            fprintf(stderr, "bench: %s/shapes.alr has no struct %s\n", dir, s->type);
            return -1;
        }
        snprintf(path, sizeof path, "%s/data/%s.json", dir, s->name);
        char *text;
        size_t len;
        int rc = su_read_input(path, 64u << 20, &text, &len);
        if (rc) {
            fprintf(stderr, "bench: cannot read %s: %s\n", path, strerror(rc));
            return -1;
        }
        json_t *j;
        rc = jv_loads(text, len, &j, err, sizeof err);
        free(text);
        if (rc) {
            fprintf(stderr, "bench: %s: %s\n", path, err);
            return -1;
        }
        s->value = alri_arena_alloc(&c->mem, s->sd->size);
        rc = s->value ? jv_struct_from_json(&o, s->sd, j, s->value, err, sizeof err) : -1;
        json_decref(j);
        if (rc) {
            fprintf(stderr, "bench: %s: %s\n", path, s->value ? err : "out of memory");
            return -1;
        }
#if BENCH_HAVE_PROTOBUF
        if (pb_fill(c, s) != 0) {
            fprintf(stderr, "bench: %s: cannot build the protobuf-c message\n", s->name);
            return -1;
        }
#endif
    }
    return 0;
}

void bench_free(bench_ctx *c)
{
    alr_plan_free(c->plan);
    alr_layout_free(c->layout);
    alr_schema_free(c->schema);
    free(c->blob);
    alri_arena_fini(&c->mem);
    memset(c, 0, sizeof *c);
}
