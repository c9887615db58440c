/*
 * blob_read.c - the hostile-input blob reader (spec/schema-blob.md).
 * Every byte is bounds-checked before it is read, every allocation is sized
 * by a count already bounded by the bytes that carry it, every limit of
 * alr/schema.h is enforced, and every invariant of schema_ir.h is checked,
 * so that an accepted blob re-writes to itself (canonical form).
 */
#include "schema_ir.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader state ---- */

typedef struct section {
    const uint8_t *rec; /* first record */
    uint32_t count, rsize;
    int present;
} section;

typedef struct hset {
    uint32_t *slot; /* element + 1, 0 = empty */
    uint32_t mask;
} hset;

typedef struct rd {
    const uint8_t *p;
    size_t len;
    char *err;
    size_t errlen;
    alri_schema *s;
    alri_arena tmp; /* scratch, freed at the end */
    section sec[ALRI_SEC_COUNT_ + 1];
    /* strings */
    const char **str;
    uint32_t *slen;
    uint32_t nstr;
    uint32_t next_str; /* first-use order: the next never-used string */
    /* validation scratch */
    uint8_t *depth;    /* per type: constructor nesting */
    uint32_t next_annot, next_arg, next_value;
} rd;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static alr_err fail(rd *r, alr_err code, const char *fmt, ...)
{
    if (r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

#define TRY(x)                 \
    do {                       \
        alr_err e_ = (x);      \
        if (e_ != ALR_OK)      \
            return e_;         \
    } while (0)

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const char *const sec_name[ALRI_SEC_COUNT_ + 1] = {
    [ALRI_SEC_INFO] = "INFO",         [ALRI_SEC_STRINGS] = "STRINGS",
    [ALRI_SEC_STRDATA] = "STRDATA",   [ALRI_SEC_TYPES] = "TYPES",
    [ALRI_SEC_VALUES] = "VALUES",     [ALRI_SEC_ANNOTS] = "ANNOTS",
    [ALRI_SEC_ARGS] = "ARGS",         [ALRI_SEC_ENUMS] = "ENUMS",
    [ALRI_SEC_ENUMVALS] = "ENUMVALS", [ALRI_SEC_STRUCTS] = "STRUCTS",
    [ALRI_SEC_FIELDS] = "FIELDS",     [ALRI_SEC_SERVICES] = "SERVICES",
    [ALRI_SEC_METHODS] = "METHODS",   [ALRI_SEC_PARAMS] = "PARAMS",
};

static const uint32_t sec_rsize[ALRI_SEC_COUNT_ + 1] = {
    [ALRI_SEC_INFO] = ALRI_REC_INFO,         [ALRI_SEC_STRINGS] = ALRI_REC_STRINGS,
    [ALRI_SEC_STRDATA] = ALRI_REC_STRDATA,   [ALRI_SEC_TYPES] = ALRI_REC_TYPES,
    [ALRI_SEC_VALUES] = ALRI_REC_VALUES,     [ALRI_SEC_ANNOTS] = ALRI_REC_ANNOTS,
    [ALRI_SEC_ARGS] = ALRI_REC_ARGS,         [ALRI_SEC_ENUMS] = ALRI_REC_ENUMS,
    [ALRI_SEC_ENUMVALS] = ALRI_REC_ENUMVALS, [ALRI_SEC_STRUCTS] = ALRI_REC_STRUCTS,
    [ALRI_SEC_FIELDS] = ALRI_REC_FIELDS,     [ALRI_SEC_SERVICES] = ALRI_REC_SERVICES,
    [ALRI_SEC_METHODS] = ALRI_REC_METHODS,   [ALRI_SEC_PARAMS] = ALRI_REC_PARAMS,
};

static const char *const kind_name[ALR_K_MAX_ + 1] = {
    [ALR_K_BOOL] = "bool",     [ALR_K_I8] = "i8",         [ALR_K_I16] = "i16",
    [ALR_K_I32] = "i32",       [ALR_K_I64] = "i64",       [ALR_K_U8] = "u8",
    [ALR_K_U16] = "u16",       [ALR_K_U32] = "u32",       [ALR_K_U64] = "u64",
    [ALR_K_F32] = "f32",       [ALR_K_F64] = "f64",       [ALR_K_STRING] = "string",
    [ALR_K_BYTES] = "bytes",   [ALR_K_LIST] = "list",     [ALR_K_SET] = "set",
    [ALR_K_MAP] = "map",       [ALR_K_OPTIONAL] = "optional", [ALR_K_ARRAY] = "array",
    [ALR_K_STRUCT] = "struct", [ALR_K_ENUM] = "enum",     [ALR_K_FLAGS] = "flags",
    [ALR_K_REF] = "ref",
};

static const char *const vkind_name[] = {
    "?", "int", "uint", "float", "bool", "string", "enum", "flags", "ident",
};

/* ---- hash sets over caller-defined elements ---- */

static alr_err hset_init(rd *r, hset *h, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < (uint64_t)n * 2)
        cap *= 2;
    h->slot = alri_arena_alloc(&r->tmp, (size_t)cap * sizeof *h->slot);
    if (!h->slot)
        return fail(r, ALR_ENOMEM, "out of memory");
    h->mask = cap - 1;
    return ALR_OK;
}

typedef int (*hmatch)(const void *ctx, uint32_t elem);

/* Returns the slot holding an element that matches, or the empty slot where
 * the key belongs. */
static uint32_t *hset_find(hset *h, uint32_t hash, hmatch match, const void *ctx)
{
    uint32_t i = hash & h->mask;
    while (h->slot[i] && !match(ctx, h->slot[i] - 1))
        i = (i + 1) & h->mask;
    return &h->slot[i];
}

static uint32_t hash_bytes(uint32_t seed, const void *p, size_t n)
{
    uint64_t h = alri_fnv1a64(&seed, sizeof seed, ALRI_FNV1A64_INIT);
    h = alri_fnv1a64(p, n, h);
    return (uint32_t)(h ^ (h >> 32));
}

/* ---- text checks ---- */

static int utf8_valid(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = p[i] ? alri_utf8_seq(p + i, n - i) : 0;
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static int is_ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Length of the identifier at p (0 if none). */
static size_t ident_len(const char *p)
{
    if (!is_ident_start(*p))
        return 0;
    size_t n = 1;
    while (is_ident_char(p[n]))
        n++;
    return n;
}

/* IDENT ( sep IDENT )* with at least min_parts parts, each at most
 * ALR_MAX_NAME_LEN bytes. */
static int is_joined(const char *p, char sep, unsigned min_parts)
{
    unsigned parts = 0;
    for (;;) {
        size_t n = ident_len(p);
        if (!n || n > ALR_MAX_NAME_LEN)
            return 0;
        parts++;
        p += n;
        if (*p == '\0')
            return parts >= min_parts;
        if (*p != sep)
            return 0;
        p++;
    }
}

/* ---- strings ---- */

/* Validates a string reference: in range (or NONE when allowed) and in
 * first-use order.  what/idx describe the referrer for the message. */
static alr_err str_ref(rd *r, uint32_t ref, int allow_none, const char **out,
                       const char *what, uint32_t idx, const char *field)
{
    if (ref == ALRI_NONE && allow_none) {
        *out = NULL;
        return ALR_OK;
    }
    if (ref >= r->nstr)
        return fail(r, ALR_ESCHEMA, "%s %" PRIu32 ": %s string index %" PRIu32
                    " out of range (%" PRIu32 " strings)", what, idx, field, ref, r->nstr);
    if (ref > r->next_str)
        return fail(r, ALR_ESCHEMA, "%s %" PRIu32 ": %s uses string %" PRIu32
                    " before string %" PRIu32 " (strings must be numbered in first-use order)",
                    what, idx, field, ref, r->next_str);
    if (ref == r->next_str)
        r->next_str++;
    *out = r->str[ref];
    return ALR_OK;
}

static alr_err check_name(rd *r, const char *name, int qualified, const char *what,
                          uint32_t idx)
{
    size_t n = strlen(name);
    if (n > ALR_MAX_NAME_LEN)
        return fail(r, ALR_ELIMIT, "%s %" PRIu32 ": name of %zu bytes exceeds %u", what, idx,
                    n, ALR_MAX_NAME_LEN);
    if (qualified ? !is_joined(name, '.', 2) : !ident_len(name) || name[ident_len(name)])
        return fail(r, ALR_ESCHEMA, "%s %" PRIu32 ": '%s' is not a valid %s", what, idx,
                    name, qualified ? "qualified name" : "identifier");
    return ALR_OK;
}

typedef struct strkey {
    const rd *r;
    const char *p;
    uint32_t len;
} strkey;

static int str_match(const void *ctx, uint32_t elem)
{
    const strkey *k = ctx;
    return k->r->slen[elem] == k->len && memcmp(k->r->str[elem], k->p, k->len) == 0;
}

static alr_err read_strings(rd *r)
{
    const section *ss = &r->sec[ALRI_SEC_STRINGS], *sd = &r->sec[ALRI_SEC_STRDATA];
    const uint8_t *data = sd->rec;
    uint32_t nbytes = sd->count;
    if (sd->rsize != 1)
        return fail(r, ALR_ESCHEMA, "section STRDATA: record size %" PRIu32 " is not 1",
                    sd->rsize);
    r->nstr = ss->count;
    /* the count is bounded by the section's bytes (8 per record) */
    r->str = alri_arena_alloc(&r->tmp, (size_t)r->nstr * sizeof *r->str + 1);
    r->slen = alri_arena_alloc(&r->tmp, (size_t)r->nstr * sizeof *r->slen + 1);
    if (!r->str || !r->slen)
        return fail(r, ALR_ENOMEM, "out of memory");
    hset h = {NULL, 0};
    TRY(hset_init(r, &h, r->nstr));
    uint64_t pos = 0;
    for (uint32_t i = 0; i < r->nstr; i++) {
        const uint8_t *rec = ss->rec + (size_t)i * ss->rsize;
        uint32_t off = rd32(rec), len = rd32(rec + 4);
        if (off != pos)
            return fail(r, ALR_ESCHEMA, "string %" PRIu32 ": offset %" PRIu32
                        " is not %" PRIu64 " (strings must be packed in order)", i, off, pos);
        if (len > nbytes - off)
            return fail(r, ALR_ESCHEMA, "string %" PRIu32 ": %" PRIu32 " bytes at %" PRIu32
                        " overrun STRDATA (%" PRIu32 " bytes)", i, len, off, nbytes);
        if (len > ALR_MAX_STRING_LEN)
            return fail(r, ALR_ELIMIT, "string %" PRIu32 ": %" PRIu32 " bytes exceeds %u", i,
                        len, ALR_MAX_STRING_LEN);
        if (memchr(data + off, 0, len))
            return fail(r, ALR_ESCHEMA, "string %" PRIu32 ": contains a NUL byte", i);
        if (!utf8_valid(data + off, len))
            return fail(r, ALR_ESCHEMA, "string %" PRIu32 ": not valid UTF-8", i);
        strkey k = {r, (const char *)data + off, len};
        uint32_t *slot = hset_find(&h, hash_bytes(0, data + off, len), str_match, &k);
        if (*slot)
            return fail(r, ALR_ESCHEMA, "string %" PRIu32 ": duplicate of string %" PRIu32, i,
                        *slot - 1);
        char *copy = alri_arena_strndup(&r->s->arena, (const char *)data + off, len);
        if (!copy)
            return fail(r, ALR_ENOMEM, "out of memory");
        r->str[i] = copy;
        r->slen[i] = len;
        *slot = i + 1;
        pos += len;
    }
    if (pos != nbytes)
        return fail(r, ALR_ESCHEMA, "STRDATA has %" PRIu64 " bytes no string uses",
                    (uint64_t)nbytes - pos);
    return ALR_OK;
}

/* ---- container: header and section directory ---- */

static alr_err read_container(rd *r)
{
    const uint8_t *p = r->p;
    size_t len = r->len;
    if (len > ALR_MAX_BLOB_SIZE)
        return fail(r, ALR_ELIMIT, "blob of %zu bytes exceeds the %u-byte limit", len,
                    ALR_MAX_BLOB_SIZE);
    if (len < 4 || memcmp(p, ALR_BLOB_MAGIC, 4) != 0)
        return fail(r, ALR_ESCHEMA, "bad magic: not an ALR schema blob");
    if (len < ALRI_BLOB_HEADER_SIZE)
        return fail(r, ALR_ESCHEMA, "blob truncated: %zu bytes, the header needs %u", len,
                    ALRI_BLOB_HEADER_SIZE);
    uint16_t major = rd16(p + 4), minor = rd16(p + 6);
    if (major != ALR_BLOB_VERSION_MAJOR)
        return fail(r, ALR_EVERSION, "blob format version %u.%u: only major version %u is "
                    "supported", major, minor, ALR_BLOB_VERSION_MAJOR);
    uint32_t total = rd32(p + 8), nsec = rd32(p + 12);
    if (total != len)
        return fail(r, ALR_ESCHEMA, "header says %" PRIu32 " bytes but the blob has %zu",
                    total, len);
    uint64_t dirend = ALRI_BLOB_HEADER_SIZE + (uint64_t)nsec * ALRI_BLOB_DIRENT_SIZE;
    if (dirend > len)
        return fail(r, ALR_ESCHEMA, "section directory of %" PRIu32 " entries overruns the "
                    "blob (%zu bytes)", nsec, len);
    uint64_t expect = dirend;
    uint32_t prev_id = 0;
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *d = p + ALRI_BLOB_HEADER_SIZE + (size_t)i * ALRI_BLOB_DIRENT_SIZE;
        uint32_t id = rd32(d), off = rd32(d + 4), size = rd32(d + 8);
        if (i > 0 && id <= prev_id)
            return fail(r, ALR_ESCHEMA, "section directory: id %" PRIu32 " after %" PRIu32
                        " (ids must be strictly increasing)", id, prev_id);
        prev_id = id;
        if (off != expect)
            return fail(r, ALR_ESCHEMA, "section %" PRIu32 ": offset %" PRIu32 " is not %" PRIu64
                        " (sections must be contiguous, in directory order)", id, off, expect);
        if (size < ALRI_BLOB_SECHDR_SIZE || size > len - off)
            return fail(r, ALR_ESCHEMA, "section %" PRIu32 ": size %" PRIu32 " at offset %" PRIu32
                        " does not fit the blob (%zu bytes)", id, size, off, len);
        uint32_t count = rd32(p + off), rsize = rd32(p + off + 4);
        if (rsize == 0)
            return fail(r, ALR_ESCHEMA, "section %" PRIu32 ": record size 0", id);
        if ((uint64_t)count * rsize + ALRI_BLOB_SECHDR_SIZE != size)
            return fail(r, ALR_ESCHEMA, "section %" PRIu32 ": %" PRIu32 " records of %" PRIu32
                        " bytes do not fill its %" PRIu32 " bytes", id, count, rsize, size);
        expect = (uint64_t)off + size;
        if (id >= 1 && id <= ALRI_SEC_COUNT_) {
            if (rsize < sec_rsize[id])
                return fail(r, ALR_ESCHEMA, "section %s: record size %" PRIu32
                            " smaller than %" PRIu32, sec_name[id], rsize, sec_rsize[id]);
            if (id == ALRI_SEC_STRDATA && rsize != 1)
                return fail(r, ALR_ESCHEMA, "section STRDATA: record size %" PRIu32 " is not 1",
                            rsize);
            if (id >= ALRI_SEC_TYPES && count > ALR_MAX_TABLE_COUNT)
                return fail(r, ALR_ELIMIT, "section %s: %" PRIu32 " records exceed %u",
                            sec_name[id], count, ALR_MAX_TABLE_COUNT);
            section *s = &r->sec[id];
            s->rec = p + off + ALRI_BLOB_SECHDR_SIZE;
            s->count = count;
            s->rsize = rsize;
            s->present = 1;
        }
        /* other ids: sections of a later minor version, skipped */
    }
    if (expect != len)
        return fail(r, ALR_ESCHEMA, "%" PRIu64 " bytes after the last section",
                    (uint64_t)len - expect);
    for (int id = 1; id <= ALRI_SEC_COUNT_; id++)
        if (!r->sec[id].present)
            return fail(r, ALR_ESCHEMA, "missing section %s", sec_name[id]);
    if (r->sec[ALRI_SEC_INFO].count != 1)
        return fail(r, ALR_ESCHEMA, "section INFO: %" PRIu32 " records, expected 1",
                    r->sec[ALRI_SEC_INFO].count);
    return ALR_OK;
}

/* ---- decoding the tables (local checks only) ---- */

/* Allocates the IR table for section id: count already bounded by bytes. */
static void *table_alloc(rd *r, int id, size_t elem, uint32_t *n, uint32_t *cap)
{
    uint32_t count = r->sec[id].count;
    *n = *cap = 0;
    if (count == 0)
        return NULL;
    void *v = alri_arena_alloc(&r->s->arena, (size_t)count * elem);
    if (v) {
        *n = count;
        *cap = count;
    }
    return v;
}

#define ALLOC_TABLE(r, id, vec)                                                         \
    do {                                                                                \
        (r)->s->vec.v = table_alloc((r), (id), sizeof *(r)->s->vec.v, &(r)->s->vec.n,   \
                                    &(r)->s->vec.cap);                                  \
        if ((r)->sec[id].count && !(r)->s->vec.v)                                       \
            return fail((r), ALR_ENOMEM, "out of memory");                              \
    } while (0)

static const uint8_t *rec_at(const rd *r, int id, uint32_t i)
{
    return r->sec[id].rec + (size_t)i * r->sec[id].rsize;
}

static alr_err decode_member(rd *r, const uint8_t *rec, alri_member *m, const char *what,
                             uint32_t i)
{
    TRY(str_ref(r, rd32(rec), 0, &m->name, what, i, "name"));
    TRY(str_ref(r, rd32(rec + 4), 0, &m->doc, what, i, "doc"));
    m->type = rd32(rec + 8);
    m->dflt = rd32(rec + 12);
    m->first_annot = rd32(rec + 16);
    m->nannots = rd32(rec + 20);
    return ALR_OK;
}

static alr_err decode(rd *r)
{
    alri_schema *s = r->s;
    const char *pkg;
    TRY(str_ref(r, rd32(rec_at(r, ALRI_SEC_INFO, 0)), 0, &pkg, "info", 0, "package"));
    s->package = pkg;

    ALLOC_TABLE(r, ALRI_SEC_TYPES, types);
    for (uint32_t i = 0; i < s->types.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_TYPES, i);
        alri_type *t = &s->types.v[i];
        t->kind = rec[0];
        if (rec[1] || rd16(rec + 2))
            return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": nonzero padding", i);
        t->a = rd32(rec + 4);
        t->b = rd32(rec + 8);
    }

    ALLOC_TABLE(r, ALRI_SEC_VALUES, values);
    for (uint32_t i = 0; i < s->values.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_VALUES, i);
        alri_value *v = &s->values.v[i];
        uint8_t kind = rec[0];
        uint32_t sref = rd32(rec + 4);
        uint64_t payload = rd64(rec + 8);
        if (rec[1] || rd16(rec + 2))
            return fail(r, ALR_ESCHEMA, "value %" PRIu32 ": nonzero padding", i);
        if (kind < ALRI_V_INT || kind > ALRI_V_IDENT)
            return fail(r, ALR_ESCHEMA, "value %" PRIu32 ": unknown kind %u", i, kind);
        v->kind = kind;
        int has_str = kind == ALRI_V_STRING || kind == ALRI_V_ENUM || kind == ALRI_V_FLAGS ||
                      kind == ALRI_V_IDENT;
        if (has_str) {
            TRY(str_ref(r, sref, 0, &v->s, "value", i, "text"));
        } else if (sref != ALRI_NONE) {
            return fail(r, ALR_ESCHEMA, "value %" PRIu32 ": a %s value has a string (%" PRIu32 ")",
                        i, vkind_name[kind], sref);
        }
        switch (kind) {
        case ALRI_V_INT:
        case ALRI_V_ENUM:
            v->i = (int64_t)payload;
            break;
        case ALRI_V_UINT:
        case ALRI_V_FLAGS:
            v->u = payload;
            break;
        case ALRI_V_BOOL:
            if (payload > 1)
                return fail(r, ALR_ESCHEMA, "value %" PRIu32 ": bool payload %" PRIu64
                            " is not 0 or 1", i, payload);
            v->u = payload;
            break;
        case ALRI_V_FLOAT:
            memcpy(&v->f, &payload, sizeof v->f);
            break;
        default:
            if (payload)
                return fail(r, ALR_ESCHEMA, "value %" PRIu32 ": a %s value has a nonzero payload",
                            i, vkind_name[kind]);
            break;
        }
    }

    ALLOC_TABLE(r, ALRI_SEC_ANNOTS, annots);
    for (uint32_t i = 0; i < s->annots.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_ANNOTS, i);
        alri_annot *a = &s->annots.v[i];
        TRY(str_ref(r, rd32(rec), 0, &a->name, "annotation", i, "name"));
        a->first_arg = rd32(rec + 4);
        a->nargs = rd32(rec + 8);
    }

    ALLOC_TABLE(r, ALRI_SEC_ARGS, args);
    for (uint32_t i = 0; i < s->args.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_ARGS, i);
        alri_annot_arg *a = &s->args.v[i];
        TRY(str_ref(r, rd32(rec), 1, &a->key, "annotation argument", i, "key"));
        a->value = rd32(rec + 4);
    }

    ALLOC_TABLE(r, ALRI_SEC_ENUMS, enums);
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_ENUMS, i);
        alri_enum *e = &s->enums.v[i];
        TRY(str_ref(r, rd32(rec), 0, &e->name, "enum", i, "name"));
        TRY(str_ref(r, rd32(rec + 4), 0, &e->doc, "enum", i, "doc"));
        if (rec[8] > 1 || rec[9] || rd16(rec + 10))
            return fail(r, ALR_ESCHEMA, "enum %" PRIu32 ": bad flags byte %u or nonzero padding",
                        i, rec[8]);
        e->is_flags = rec[8];
        e->first_value = rd32(rec + 12);
        e->nvalues = rd32(rec + 16);
        e->first_annot = rd32(rec + 20);
        e->nannots = rd32(rec + 24);
    }

    ALLOC_TABLE(r, ALRI_SEC_ENUMVALS, enumvals);
    for (uint32_t i = 0; i < s->enumvals.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_ENUMVALS, i);
        alri_enumval *v = &s->enumvals.v[i];
        TRY(str_ref(r, rd32(rec), 0, &v->name, "enum value", i, "name"));
        TRY(str_ref(r, rd32(rec + 4), 0, &v->doc, "enum value", i, "doc"));
        v->value = (int64_t)rd64(rec + 8);
        v->first_annot = rd32(rec + 16);
        v->nannots = rd32(rec + 20);
    }

    ALLOC_TABLE(r, ALRI_SEC_STRUCTS, structs);
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_STRUCTS, i);
        alri_struct *st = &s->structs.v[i];
        TRY(str_ref(r, rd32(rec), 0, &st->name, "struct", i, "name"));
        TRY(str_ref(r, rd32(rec + 4), 0, &st->doc, "struct", i, "doc"));
        st->first_field = rd32(rec + 8);
        st->nfields = rd32(rec + 12);
        st->first_annot = rd32(rec + 16);
        st->nannots = rd32(rec + 20);
    }

    ALLOC_TABLE(r, ALRI_SEC_FIELDS, fields);
    for (uint32_t i = 0; i < s->fields.n; i++)
        TRY(decode_member(r, rec_at(r, ALRI_SEC_FIELDS, i), &s->fields.v[i], "field", i));

    ALLOC_TABLE(r, ALRI_SEC_SERVICES, services);
    for (uint32_t i = 0; i < s->services.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_SERVICES, i);
        alri_service *sv = &s->services.v[i];
        TRY(str_ref(r, rd32(rec), 0, &sv->name, "service", i, "name"));
        TRY(str_ref(r, rd32(rec + 4), 0, &sv->doc, "service", i, "doc"));
        sv->first_method = rd32(rec + 8);
        sv->nmethods = rd32(rec + 12);
        sv->first_annot = rd32(rec + 16);
        sv->nannots = rd32(rec + 20);
    }

    ALLOC_TABLE(r, ALRI_SEC_METHODS, methods);
    for (uint32_t i = 0; i < s->methods.n; i++) {
        const uint8_t *rec = rec_at(r, ALRI_SEC_METHODS, i);
        alri_method *m = &s->methods.v[i];
        TRY(str_ref(r, rd32(rec), 0, &m->name, "method", i, "name"));
        TRY(str_ref(r, rd32(rec + 4), 0, &m->doc, "method", i, "doc"));
        m->kind = rec[8];
        m->mode = rec[9];
        if (rd16(rec + 10))
            return fail(r, ALR_ESCHEMA, "method %" PRIu32 ": nonzero padding", i);
        m->ret = rd32(rec + 12);
        m->err = rd32(rec + 16);
        m->first_param = rd32(rec + 20);
        m->nparams = rd32(rec + 24);
        m->first_annot = rd32(rec + 28);
        m->nannots = rd32(rec + 32);
    }

    ALLOC_TABLE(r, ALRI_SEC_PARAMS, params);
    for (uint32_t i = 0; i < s->params.n; i++)
        TRY(decode_member(r, rec_at(r, ALRI_SEC_PARAMS, i), &s->params.v[i], "param", i));

    if (r->next_str != r->nstr)
        return fail(r, ALR_ESCHEMA, "string %" PRIu32 " is never used", r->next_str);
    return ALR_OK;
}

/* ---- types ---- */

static int is_key_kind(uint8_t k)
{
    return (k >= ALR_K_BOOL && k <= ALR_K_U64) || k == ALR_K_STRING || k == ALR_K_BYTES ||
           k == ALR_K_ENUM;
}

typedef struct typekey {
    const alri_schema *s;
    const alri_type *t;
} typekey;

static int type_match(const void *ctx, uint32_t elem)
{
    const typekey *k = ctx;
    const alri_type *o = &k->s->types.v[elem];
    return o->kind == k->t->kind && o->a == k->t->a && o->b == k->t->b;
}

static alr_err check_types(rd *r)
{
    alri_schema *s = r->s;
    uint32_t n = s->types.n;
    r->depth = alri_arena_alloc(&r->tmp, (size_t)n + 1);
    if (!r->depth)
        return fail(r, ALR_ENOMEM, "out of memory");
    hset h = {NULL, 0};
    TRY(hset_init(r, &h, n));
    for (uint32_t i = 0; i < n; i++) {
        const alri_type *t = &s->types.v[i];
        unsigned depth = 0;
        switch (t->kind) {
        case ALR_K_LIST:
        case ALR_K_SET:
        case ALR_K_OPTIONAL:
        case ALR_K_ARRAY:
        case ALR_K_MAP: {
            int two = t->kind == ALR_K_MAP;
            uint32_t ops[2] = {t->a, t->b};
            for (int k = 0; k < (two ? 2 : 1); k++) {
                if (ops[k] >= i)
                    return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): operand %" PRIu32
                                " is not a smaller type index", i, kind_name[t->kind], ops[k]);
                uint8_t ok = s->types.v[ops[k]].kind;
                if (ok == ALR_K_ARRAY)
                    return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): a fixed array (type %"
                                PRIu32 ") cannot be an operand", i, kind_name[t->kind], ops[k]);
                if (r->depth[ops[k]] > depth)
                    depth = r->depth[ops[k]];
            }
            depth++;
            if (depth > ALR_MAX_TYPE_DEPTH)
                return fail(r, ALR_ELIMIT, "type %" PRIu32 ": nesting deeper than %u", i,
                            ALR_MAX_TYPE_DEPTH);
            uint8_t ak = s->types.v[t->a].kind;
            if ((t->kind == ALR_K_SET || t->kind == ALR_K_MAP) && !is_key_kind(ak))
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): key type %" PRIu32 " (%s) "
                            "is not bool, an integer, string, bytes or an enum", i,
                            kind_name[t->kind], t->a, kind_name[ak]);
            if (t->kind == ALR_K_OPTIONAL && ak == ALR_K_OPTIONAL)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": optional of optional", i);
            if (t->kind == ALR_K_ARRAY) {
                if (t->b == 0)
                    return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": fixed array of length 0", i);
                if (t->b > ALR_MAX_ARRAY_LEN)
                    return fail(r, ALR_ELIMIT, "type %" PRIu32 ": fixed array length %" PRIu32
                                " exceeds %u", i, t->b, ALR_MAX_ARRAY_LEN);
            } else if (!two && t->b != 0) {
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): unused operand b is %" PRIu32
                            ", not 0", i, kind_name[t->kind], t->b);
            }
            break;
        }
        case ALR_K_STRUCT:
        case ALR_K_ENUM:
        case ALR_K_FLAGS:
        case ALR_K_REF: {
            uint32_t lim = t->kind == ALR_K_STRUCT ? s->structs.n
                         : t->kind == ALR_K_REF    ? s->services.n
                                                   : s->enums.n;
            const char *tab = t->kind == ALR_K_STRUCT ? "structs"
                            : t->kind == ALR_K_REF    ? "services"
                                                      : "enums";
            if (t->a >= lim)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): index %" PRIu32
                            " out of range (%" PRIu32 " %s)", i, kind_name[t->kind], t->a, lim,
                            tab);
            if (t->b != 0)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): unused operand b is %" PRIu32
                            ", not 0", i, kind_name[t->kind], t->b);
            if (t->kind == ALR_K_ENUM && s->enums.v[t->a].is_flags)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": enum type names flags '%s'", i,
                            s->enums.v[t->a].name);
            if (t->kind == ALR_K_FLAGS && !s->enums.v[t->a].is_flags)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": flags type names enum '%s'", i,
                            s->enums.v[t->a].name);
            break;
        }
        default:
            if (t->kind < ALR_K_BOOL || t->kind > ALR_K_BYTES)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": unknown kind %u", i, t->kind);
            if (t->a || t->b)
                return fail(r, ALR_ESCHEMA, "type %" PRIu32 " (%s): nonzero operands", i,
                            kind_name[t->kind]);
            break;
        }
        r->depth[i] = (uint8_t)depth;
        typekey k = {s, t};
        uint32_t *slot = hset_find(&h, hash_bytes(t->kind, &t->a, sizeof t->a) ^ t->b * 0x9E3779B1u,
                                   type_match, &k);
        if (*slot)
            return fail(r, ALR_ESCHEMA, "type %" PRIu32 ": duplicate of type %" PRIu32, i,
                        *slot - 1);
        *slot = i + 1;
    }
    return ALR_OK;
}

/* ---- declarations: names sorted, unique across the three tables ---- */

static alr_err check_decl_names(rd *r)
{
    alri_schema *s = r->s;
    size_t n = strlen(s->package);
    if (n > ALR_MAX_NAME_LEN)
        return fail(r, ALR_ELIMIT, "package name of %zu bytes exceeds %u", n, ALR_MAX_NAME_LEN);
    if (!is_joined(s->package, '.', 1))
        return fail(r, ALR_ESCHEMA, "package '%s' is not a valid package name", s->package);

    struct {
        const char *what;
        uint32_t n;
        size_t stride;
        const char *const *first;
    } tabs[3] = {
        {"enum", s->enums.n, sizeof(alri_enum), s->enums.n ? &s->enums.v[0].name : NULL},
        {"struct", s->structs.n, sizeof(alri_struct), s->structs.n ? &s->structs.v[0].name : NULL},
        {"service", s->services.n, sizeof(alri_service),
         s->services.n ? &s->services.v[0].name : NULL},
    };
#define NAME_AT(t, i) (*(const char *const *)((const char *)tabs[t].first + (size_t)(i) * tabs[t].stride))
    for (int t = 0; t < 3; t++) {
        for (uint32_t i = 0; i < tabs[t].n; i++) {
            const char *name = NAME_AT(t, i);
            TRY(check_name(r, name, 1, tabs[t].what, i));
            if (i > 0) {
                int c = strcmp(NAME_AT(t, i - 1), name);
                if (c == 0)
                    return fail(r, ALR_ESCHEMA, "%s %" PRIu32 ": duplicate name '%s'",
                                tabs[t].what, i, name);
                if (c > 0)
                    return fail(r, ALR_ESCHEMA, "%s %" PRIu32 ": '%s' sorts before '%s' (%ss "
                                "must be sorted by name)", tabs[t].what, i, name,
                                NAME_AT(t, i - 1), tabs[t].what);
            }
        }
    }
    /* three-way merge: no name in two tables */
    uint32_t pos[3] = {0, 0, 0};
    for (;;) {
        int best = -1;
        for (int t = 0; t < 3; t++) {
            if (pos[t] >= tabs[t].n)
                continue;
            if (best < 0) {
                best = t;
                continue;
            }
            int c = strcmp(NAME_AT(t, pos[t]), NAME_AT(best, pos[best]));
            if (c == 0)
                return fail(r, ALR_ESCHEMA, "'%s' is declared both as %s and as %s",
                            NAME_AT(t, pos[t]), tabs[best].what, tabs[t].what);
            if (c < 0)
                best = t;
        }
        if (best < 0)
            break;
        pos[best]++;
    }
#undef NAME_AT
    return ALR_OK;
}

/* ---- member maps: (parent, name) -> element, for uniqueness and lookup ---- */

typedef struct mmap_ {
    hset h;
    uint32_t *owner;          /* parent of each element */
    const char *const *names; /* name of element i at names + i*stride */
    size_t stride;
} mmap_;

typedef struct mkey {
    const mmap_ *m;
    uint32_t parent;
    const char *p;
    size_t len;
} mkey;

static const char *mmap_name(const mmap_ *m, uint32_t elem)
{
    return *(const char *const *)((const char *)m->names + (size_t)elem * m->stride);
}

static int mkey_match(const void *ctx, uint32_t elem)
{
    const mkey *k = ctx;
    if (k->m->owner[elem] != k->parent)
        return 0;
    const char *o = mmap_name(k->m, elem);
    return strncmp(o, k->p, k->len) == 0 && o[k->len] == '\0';
}

static alr_err mmap_init(rd *r, mmap_ *m, uint32_t n, const char *const *names, size_t stride)
{
    m->names = names;
    m->stride = stride;
    m->owner = alri_arena_alloc(&r->tmp, (size_t)n * sizeof *m->owner + 1);
    if (!m->owner)
        return fail(r, ALR_ENOMEM, "out of memory");
    return hset_init(r, &m->h, n);
}

static uint32_t *mmap_slot(mmap_ *m, uint32_t parent, const char *p, size_t len)
{
    mkey k = {m, parent, p, len};
    return hset_find(&m->h, hash_bytes(parent, p, len), mkey_match, &k);
}

/* Looks up a member by name; ALRI_NONE when absent. */
static uint32_t mmap_get(mmap_ *m, uint32_t parent, const char *p, size_t len)
{
    uint32_t *slot = mmap_slot(m, parent, p, len);
    return *slot ? *slot - 1 : ALRI_NONE;
}

/* Adds element elem (child of parent); fails on a duplicate name. */
static alr_err mmap_add(rd *r, mmap_ *m, uint32_t parent, uint32_t elem, const char *what,
                        const char *owner_desc)
{
    const char *name = mmap_name(m, elem);
    m->owner[elem] = parent;
    uint32_t *slot = mmap_slot(m, parent, name, strlen(name));
    if (*slot)
        return fail(r, ALR_ESCHEMA, "%s: duplicate %s name '%s'", owner_desc, what, name);
    *slot = elem + 1;
    return ALR_OK;
}

/* ---- the canonical walk: annotations, values, child ranges ---- */

typedef struct walk {
    mmap_ vals, fields, methods, params;
} walk;

/* Checks that (first, n) starts exactly at *next and fits in total. */
static alr_err check_range(rd *r, uint32_t first, uint32_t n, uint32_t *next, uint32_t total,
                           const char *owner, const char *what)
{
    if (first != *next)
        return fail(r, ALR_ESCHEMA, "%s: %s start at %" PRIu32 ", expected %" PRIu32
                    " (ranges must tile the table in the canonical walk order)", owner, what,
                    first, *next);
    if (n > total - first)
        return fail(r, ALR_ESCHEMA, "%s: %" PRIu32 " %s at %" PRIu32 " overrun the table (%"
                    PRIu32 " records)", owner, n, what, first, total);
    *next = first + n;
    return ALR_OK;
}

/* Claims the next value of the walk for owner. */
static alr_err take_value(rd *r, uint32_t v, const char *owner, const char *what)
{
    if (v >= r->s->values.n)
        return fail(r, ALR_ESCHEMA, "%s: %s value index %" PRIu32 " out of range (%" PRIu32
                    " values)", owner, what, v, r->s->values.n);
    if (v != r->next_value)
        return fail(r, ALR_ESCHEMA, "%s: %s is value %" PRIu32 ", expected %" PRIu32
                    " (values must follow the canonical walk order)", owner, what, v,
                    r->next_value);
    r->next_value++;
    return ALR_OK;
}

static alr_err check_annots(rd *r, uint32_t first, uint32_t n, const char *owner)
{
    alri_schema *s = r->s;
    TRY(check_range(r, first, n, &r->next_annot, s->annots.n, owner, "annotations"));
    for (uint32_t i = first; i < first + n; i++) {
        const alri_annot *a = &s->annots.v[i];
        char desc[1300];
        snprintf(desc, sizeof desc, "annotation @%.255s of %.1000s", a->name, owner);
        TRY(check_name(r, a->name, 0, "annotation", i));
        TRY(check_range(r, a->first_arg, a->nargs, &r->next_arg, s->args.n, desc, "arguments"));
        for (uint32_t j = a->first_arg; j < a->first_arg + a->nargs; j++) {
            const alri_annot_arg *arg = &s->args.v[j];
            if (arg->key)
                TRY(check_name(r, arg->key, 0, "annotation argument", j));
            TRY(take_value(r, arg->value, desc, "argument"));
            const alri_value *v = &s->values.v[arg->value];
            if (v->kind == ALRI_V_ENUM || v->kind == ALRI_V_FLAGS)
                return fail(r, ALR_ESCHEMA, "%s: argument value %" PRIu32 " is a typed %s value",
                            desc, arg->value, vkind_name[v->kind]);
            if (v->kind == ALRI_V_IDENT && !is_joined(v->s, '|', 1))
                return fail(r, ALR_ESCHEMA, "%s: argument value %" PRIu32 " '%s' is not an "
                            "identifier", desc, arg->value, v->s);
        }
    }
    return ALR_OK;
}

static int float_fits_f32(double d)
{
    if (d != d)
        return 1; /* nan */
    if (d > FLT_MAX || d < -FLT_MAX)
        return d == (double)INFINITY || d == -(double)INFINITY;
    return (double)(float)d == d;
}

static alr_err check_default(rd *r, walk *w, uint32_t dflt, uint32_t type, const char *owner)
{
    alri_schema *s = r->s;
    if (dflt == ALRI_NONE)
        return ALR_OK;
    TRY(take_value(r, dflt, owner, "default"));
    const alri_value *v = &s->values.v[dflt];
    const alri_type *t = &s->types.v[type];
    uint8_t want;
    switch (t->kind) {
    case ALR_K_BOOL: want = ALRI_V_BOOL; break;
    case ALR_K_I8: case ALR_K_I16: case ALR_K_I32: case ALR_K_I64: want = ALRI_V_INT; break;
    case ALR_K_U8: case ALR_K_U16: case ALR_K_U32: case ALR_K_U64: want = ALRI_V_UINT; break;
    case ALR_K_F32: case ALR_K_F64: want = ALRI_V_FLOAT; break;
    case ALR_K_STRING: case ALR_K_BYTES: want = ALRI_V_STRING; break;
    case ALR_K_ENUM: want = ALRI_V_ENUM; break;
    case ALR_K_FLAGS: want = ALRI_V_FLAGS; break;
    default:
        return fail(r, ALR_ESCHEMA, "%s: a %s member cannot have a default", owner,
                    kind_name[t->kind]);
    }
    if (v->kind != want)
        return fail(r, ALR_ESCHEMA, "%s: default (value %" PRIu32 ") is a %s value, the %s type "
                    "needs a %s value", owner, dflt, vkind_name[v->kind], kind_name[t->kind],
                    vkind_name[want]);
    switch (t->kind) {
    case ALR_K_I8: case ALR_K_I16: case ALR_K_I32: {
        unsigned bits = t->kind == ALR_K_I8 ? 8 : t->kind == ALR_K_I16 ? 16 : 32;
        int64_t lo = -((int64_t)1 << (bits - 1)), hi = ((int64_t)1 << (bits - 1)) - 1;
        if (v->i < lo || v->i > hi)
            return fail(r, ALR_ESCHEMA, "%s: default %" PRId64 " out of range for %s", owner,
                        v->i, kind_name[t->kind]);
        break;
    }
    case ALR_K_U8: case ALR_K_U16: case ALR_K_U32: {
        unsigned bits = t->kind == ALR_K_U8 ? 8 : t->kind == ALR_K_U16 ? 16 : 32;
        if (v->u > ((uint64_t)1 << bits) - 1)
            return fail(r, ALR_ESCHEMA, "%s: default %" PRIu64 " out of range for %s", owner,
                        v->u, kind_name[t->kind]);
        break;
    }
    case ALR_K_F32:
        if (!float_fits_f32(v->f))
            return fail(r, ALR_ESCHEMA, "%s: default %.17g is not an f32 value", owner, v->f);
        break;
    case ALR_K_ENUM: {
        const alri_enum *e = &s->enums.v[t->a];
        uint32_t ev = mmap_get(&w->vals, t->a, v->s, strlen(v->s));
        if (ev == ALRI_NONE)
            return fail(r, ALR_ESCHEMA, "%s: default '%s' is not a value of enum '%s'", owner,
                        v->s, e->name);
        if (s->enumvals.v[ev].value != v->i)
            return fail(r, ALR_ESCHEMA, "%s: default '%s' has number %" PRId64 ", the enum says %"
                        PRId64, owner, v->s, v->i, s->enumvals.v[ev].value);
        break;
    }
    case ALR_K_FLAGS: {
        const alri_enum *e = &s->enums.v[t->a];
        const char *p = v->s;
        uint64_t acc = 0;
        uint32_t last = 0;
        int any = 0;
        if (!*p) /* the language cannot write an empty combination: keep dumps compilable */
            return fail(r, ALR_ESCHEMA, "%s: flags default names no value", owner);
        while (*p) {
            size_t n = ident_len(p);
            uint32_t ev = n ? mmap_get(&w->vals, t->a, p, n) : ALRI_NONE;
            if (ev == ALRI_NONE)
                return fail(r, ALR_ESCHEMA, "%s: default '%s' is not a combination of values of "
                            "flags '%s'", owner, v->s, e->name);
            if (any && ev <= last)
                return fail(r, ALR_ESCHEMA, "%s: default '%s' does not list flags once each in "
                            "declaration order", owner, v->s);
            any = 1;
            last = ev;
            acc |= (uint64_t)s->enumvals.v[ev].value;
            p += n;
            if (*p == '|' && p[1])
                p++;
            else if (*p)
                return fail(r, ALR_ESCHEMA, "%s: default '%s' is not a combination of values of "
                            "flags '%s'", owner, v->s, e->name);
        }
        if (acc != v->u)
            return fail(r, ALR_ESCHEMA, "%s: default '%s' has bits 0x%" PRIx64 ", the names give 0x%"
                        PRIx64, owner, v->s, v->u, acc);
        break;
    }
    default:
        break;
    }
    return ALR_OK;
}

static alr_err check_member_type(rd *r, uint32_t type, const char *owner)
{
    if (type >= r->s->types.n)
        return fail(r, ALR_ESCHEMA, "%s: type index %" PRIu32 " out of range (%" PRIu32 " types)",
                    owner, type, r->s->types.n);
    return ALR_OK;
}

static alr_err check_enums(rd *r, walk *w)
{
    alri_schema *s = r->s;
    uint32_t next = 0;
    hset nums = {NULL, 0}; /* (enum, value) unique */
    TRY(hset_init(r, &nums, s->enumvals.n));
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *e = &s->enums.v[i];
        char owner[600];
        snprintf(owner, sizeof owner, "%s '%.255s'", e->is_flags ? "flags" : "enum", e->name);
        TRY(check_annots(r, e->first_annot, e->nannots, owner));
        TRY(check_range(r, e->first_value, e->nvalues, &next, s->enumvals.n, owner, "values"));
        if (e->nvalues == 0)
            return fail(r, ALR_ESCHEMA, "%s has no values", owner);
        for (uint32_t j = e->first_value; j < e->first_value + e->nvalues; j++) {
            const alri_enumval *v = &s->enumvals.v[j];
            char vo[1000];
            snprintf(vo, sizeof vo, "value %" PRIu32 " ('%.255s') of %.600s", j - e->first_value,
                     v->name, owner);
            TRY(check_name(r, v->name, 0, "enum value", j));
            TRY(mmap_add(r, &w->vals, i, j, "value", owner));
            if (!e->is_flags && (v->value < INT32_MIN || v->value > INT32_MAX))
                return fail(r, ALR_ESCHEMA, "%s: %" PRId64 " does not fit in 32 bits", vo,
                            v->value);
            /* numbers unique within the enum: linear probe on (enum, value) */
            uint32_t hsh = hash_bytes(i, &v->value, sizeof v->value);
            uint32_t k = hsh & nums.mask;
            while (nums.slot[k]) {
                const alri_enumval *o = &s->enumvals.v[nums.slot[k] - 1];
                if (w->vals.owner[nums.slot[k] - 1] == i && o->value == v->value)
                    return fail(r, ALR_ESCHEMA, "%s: number %" PRId64 " already used by '%s'", vo,
                                v->value, o->name);
                k = (k + 1) & nums.mask;
            }
            nums.slot[k] = j + 1;
            TRY(check_annots(r, v->first_annot, v->nannots, vo));
        }
    }
    if (next != s->enumvals.n)
        return fail(r, ALR_ESCHEMA, "enum value %" PRIu32 " belongs to no enum", next);
    return ALR_OK;
}

static alr_err check_member(rd *r, walk *w, mmap_ *m, uint32_t parent, uint32_t idx,
                            const alri_member *mb, const char *what, const char *owner)
{
    char mo[1000];
    snprintf(mo, sizeof mo, "%.20s '%.255s' of %.700s", what, mb->name, owner);
    TRY(check_name(r, mb->name, 0, what, idx));
    TRY(mmap_add(r, m, parent, idx, what, owner));
    TRY(check_member_type(r, mb->type, mo));
    TRY(check_default(r, w, mb->dflt, mb->type, mo));
    return check_annots(r, mb->first_annot, mb->nannots, mo);
}

static alr_err check_structs(rd *r, walk *w)
{
    alri_schema *s = r->s;
    uint32_t next = 0;
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        char owner[600];
        snprintf(owner, sizeof owner, "struct '%.255s'", st->name);
        TRY(check_annots(r, st->first_annot, st->nannots, owner));
        TRY(check_range(r, st->first_field, st->nfields, &next, s->fields.n, owner, "fields"));
        for (uint32_t j = st->first_field; j < st->first_field + st->nfields; j++)
            TRY(check_member(r, w, &w->fields, i, j, &s->fields.v[j], "field", owner));
    }
    if (next != s->fields.n)
        return fail(r, ALR_ESCHEMA, "field %" PRIu32 " belongs to no struct", next);
    return ALR_OK;
}

static alr_err check_method(rd *r, const alri_method *m, const char *mo)
{
    alri_schema *s = r->s;
    if (m->kind > ALR_METHOD_CTOR)
        return fail(r, ALR_ESCHEMA, "%s: unknown method kind %u", mo, m->kind);
    if (m->mode > ALR_RET_MAX_)
        return fail(r, ALR_ESCHEMA, "%s: unknown return mode %u", mo, m->mode);
    if (m->ret != ALRI_NONE) {
        if (m->ret >= s->types.n)
            return fail(r, ALR_ESCHEMA, "%s: return type index %" PRIu32 " out of range (%" PRIu32
                        " types)", mo, m->ret, s->types.n);
        if (s->types.v[m->ret].kind == ALR_K_ARRAY)
            return fail(r, ALR_ESCHEMA, "%s: a fixed array cannot be a return type", mo);
    }
    if (m->err != ALRI_NONE) {
        if (m->err >= s->types.n)
            return fail(r, ALR_ESCHEMA, "%s: error type index %" PRIu32 " out of range (%" PRIu32
                        " types)", mo, m->err, s->types.n);
        if (s->types.v[m->err].kind != ALR_K_ENUM)
            return fail(r, ALR_ESCHEMA, "%s: error type %" PRIu32 " is not an enum", mo, m->err);
    }
    int is_new = strcmp(m->name, "new") == 0;
    if (m->kind == ALR_METHOD_CTOR) {
        if (!is_new)
            return fail(r, ALR_ESCHEMA, "%s: a constructor must be named 'new'", mo);
        if (m->mode != ALR_RET_VOID || m->ret != ALRI_NONE || m->err != ALRI_NONE)
            return fail(r, ALR_ESCHEMA, "%s: a constructor has mode void, no return and no error "
                        "type", mo);
        return ALR_OK;
    }
    if (is_new)
        return fail(r, ALR_ESCHEMA, "%s: only a constructor may be named 'new'", mo);
    int ret = m->ret != ALRI_NONE, err = m->err != ALRI_NONE;
    const char *need = NULL;
    switch (m->mode) {
    case ALR_RET_VOID:
    case ALR_RET_ONEWAY:
        if (ret || err)
            need = "no return and no error type";
        break;
    case ALR_RET_VALUE:
    case ALR_RET_ASYNCREF:
        if (!ret || err)
            need = "a return type and no error type";
        break;
    case ALR_RET_RESULT:
        if (!err)
            need = "an error type";
        break;
    case ALR_RET_STATUS:
    case ALR_RET_ONEWAY_STATUS:
        if (ret)
            need = "no return type";
        break;
    case ALR_RET_ASYNC:
        if (err)
            need = "no error type";
        break;
    default:
        break;
    }
    if (need)
        return fail(r, ALR_ESCHEMA, "%s: return mode %s needs %s", mo,
                    alri_return_mode_name(m->mode), need);
    return ALR_OK;
}

static alr_err check_services(rd *r, walk *w)
{
    alri_schema *s = r->s;
    uint32_t next = 0, next_param = 0;
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        char owner[600];
        snprintf(owner, sizeof owner, "service '%.255s'", sv->name);
        TRY(check_annots(r, sv->first_annot, sv->nannots, owner));
        TRY(check_range(r, sv->first_method, sv->nmethods, &next, s->methods.n, owner,
                        "methods"));
        int ctors = 0;
        for (uint32_t j = sv->first_method; j < sv->first_method + sv->nmethods; j++) {
            const alri_method *m = &s->methods.v[j];
            char mo[1000];
            snprintf(mo, sizeof mo, "method '%.255s' of %.600s", m->name, owner);
            TRY(check_name(r, m->name, 0, "method", j));
            TRY(mmap_add(r, &w->methods, i, j, "method", owner));
            TRY(check_method(r, m, mo));
            if (m->kind == ALR_METHOD_CTOR && ++ctors > 1)
                return fail(r, ALR_ESCHEMA, "%s has more than one constructor", owner);
            TRY(check_annots(r, m->first_annot, m->nannots, mo));
            TRY(check_range(r, m->first_param, m->nparams, &next_param, s->params.n, mo,
                            "params"));
            for (uint32_t k = m->first_param; k < m->first_param + m->nparams; k++)
                TRY(check_member(r, w, &w->params, j, k, &s->params.v[k], "param", mo));
        }
    }
    if (next != s->methods.n)
        return fail(r, ALR_ESCHEMA, "method %" PRIu32 " belongs to no service", next);
    if (next_param != s->params.n)
        return fail(r, ALR_ESCHEMA, "param %" PRIu32 " belongs to no method", next_param);
    return ALR_OK;
}

/* ---- structs containing themselves by value ---- */

/* The struct a field holds by value (through fixed arrays), or ALRI_NONE. */
static uint32_t by_value_struct(const alri_schema *s, uint32_t type)
{
    const alri_type *t = &s->types.v[type];
    if (t->kind == ALR_K_ARRAY)
        t = &s->types.v[t->a];
    return t->kind == ALR_K_STRUCT ? t->a : ALRI_NONE;
}

static alr_err check_recursion(rd *r)
{
    alri_schema *s = r->s;
    uint32_t n = s->structs.n;
    if (n == 0)
        return ALR_OK;
    uint8_t *color = alri_arena_alloc(&r->tmp, n); /* 0 new, 1 on stack, 2 done */
    uint32_t *stk = alri_arena_alloc(&r->tmp, (size_t)n * sizeof *stk);
    uint32_t *cur = alri_arena_alloc(&r->tmp, (size_t)n * sizeof *cur);
    if (!color || !stk || !cur)
        return fail(r, ALR_ENOMEM, "out of memory");
    for (uint32_t root = 0; root < n; root++) {
        if (color[root])
            continue;
        uint32_t top = 0;
        stk[top] = root;
        cur[top] = 0;
        color[root] = 1;
        for (;;) {
            uint32_t si = stk[top];
            const alri_struct *st = &s->structs.v[si];
            if (cur[top] < st->nfields) {
                uint32_t f = st->first_field + cur[top]++;
                uint32_t to = by_value_struct(s, s->fields.v[f].type);
                if (to == ALRI_NONE || color[to] == 2)
                    continue;
                if (color[to] == 1) {
                    /* the cycle is the stack from `to` upwards */
                    char path[512];
                    size_t len = 0;
                    uint32_t from = 0;
                    while (stk[from] != to)
                        from++;
                    path[0] = '\0';
                    for (uint32_t k = from; k <= top && len < sizeof path; k++) {
                        const alri_struct *ks = &s->structs.v[stk[k]];
                        const alri_member *kf = &s->fields.v[ks->first_field + cur[k] - 1];
                        int w = snprintf(path + len, sizeof path - len, "%s.%s -> ", ks->name,
                                         kf->name);
                        len = w < 0 ? sizeof path : len + (size_t)w;
                    }
                    return fail(r, ALR_ESCHEMA, "struct '%s' contains itself by value: %s%s",
                                s->structs.v[to].name, path, s->structs.v[to].name);
                }
                color[to] = 1;
                stk[++top] = to;
                cur[top] = 0;
                continue;
            }
            color[si] = 2;
            if (top == 0)
                break;
            top--;
        }
    }
    return ALR_OK;
}

/* ---- entry point ---- */

alr_err alri_schema_read(alri_schema *s, const void *blob, size_t len, char *errbuf,
                         size_t errlen)
{
    rd r;
    memset(&r, 0, sizeof r);
    alri_schema_init(s);
    r.p = blob;
    r.len = len;
    r.err = errbuf;
    r.errlen = errlen;
    r.s = s;
    alri_arena_init(&r.tmp);
    if (errbuf && errlen)
        errbuf[0] = '\0';

    alr_err err;
    walk w;
    memset(&w, 0, sizeof w);
    if (!blob && len) {
        err = fail(&r, ALR_EINVAL, "NULL blob");
        goto out;
    }
    if ((err = read_container(&r)) != ALR_OK || (err = read_strings(&r)) != ALR_OK ||
        (err = decode(&r)) != ALR_OK || (err = check_types(&r)) != ALR_OK ||
        (err = check_decl_names(&r)) != ALR_OK)
        goto out;
    if ((err = mmap_init(&r, &w.vals, s->enumvals.n, s->enumvals.n ? &s->enumvals.v[0].name : NULL,
                         sizeof(alri_enumval))) != ALR_OK ||
        (err = mmap_init(&r, &w.fields, s->fields.n, s->fields.n ? &s->fields.v[0].name : NULL,
                         sizeof(alri_member))) != ALR_OK ||
        (err = mmap_init(&r, &w.methods, s->methods.n,
                         s->methods.n ? &s->methods.v[0].name : NULL, sizeof(alri_method))) !=
            ALR_OK ||
        (err = mmap_init(&r, &w.params, s->params.n, s->params.n ? &s->params.v[0].name : NULL,
                         sizeof(alri_member))) != ALR_OK)
        goto out;
    if ((err = check_enums(&r, &w)) != ALR_OK || (err = check_structs(&r, &w)) != ALR_OK ||
        (err = check_services(&r, &w)) != ALR_OK)
        goto out;
    if (r.next_annot != s->annots.n) {
        err = fail(&r, ALR_ESCHEMA, "annotation %" PRIu32 " belongs to no element", r.next_annot);
        goto out;
    }
    if (r.next_arg != s->args.n) {
        err = fail(&r, ALR_ESCHEMA, "annotation argument %" PRIu32 " belongs to no annotation",
                   r.next_arg);
        goto out;
    }
    if (r.next_value != s->values.n) {
        err = fail(&r, ALR_ESCHEMA, "value %" PRIu32 " belongs to no element", r.next_value);
        goto out;
    }
    err = check_recursion(&r);
out:
    alri_arena_fini(&r.tmp);
    if (err != ALR_OK)
        alri_schema_fini(s);
    return err;
}
