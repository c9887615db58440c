/*
 * blob_write.c - serializes a schema IR into a blob (spec/schema-blob.md).
 * Deterministic: the output depends only on the IR's contents (never on
 * pointers or capacities); strings are deduplicated and numbered in the
 * order of their first use in the table-order walk (see spec "Strings").
 *
 * Canonical walk order (the compiler's lowering fills the tables in it, the
 * reader checks it): (1) enums: annotations; each value: its annotations.
 * (2) structs: annotations; each field: [type], default, annotations.
 * (3) services: annotations; each method: annotations; each param: [type],
 * default, annotations; then [ret], [err].  Arg values of an annotation are
 * pushed with the annotation.
 */
#include "schema_ir.h"

#include <stdlib.h>
#include <string.h>

/* ---- string table: content -> index, in first-use order ---- */

typedef struct wstr {
    const char *p;
    uint32_t len;
    uint32_t off;
} wstr;

typedef struct strtab {
    wstr *v;
    uint32_t n, cap;
    uint32_t *slot; /* index + 1, 0 = empty */
    uint32_t mask;
    uint64_t bytes;
    int oom, toolong;
} strtab;

static uint32_t str_hash(const char *p, size_t n)
{
    uint64_t h = alri_fnv1a64(p, n, ALRI_FNV1A64_INIT);
    return (uint32_t)(h ^ (h >> 32));
}

static int strtab_grow(strtab *t)
{
    uint32_t ncap = t->cap ? t->cap * 2 : 256;
    wstr *nv = realloc(t->v, (size_t)ncap * sizeof *nv);
    if (!nv)
        return -1;
    t->v = nv;
    uint32_t nslots = ncap * 2;
    uint32_t *ns = calloc(nslots, sizeof *ns);
    if (!ns)
        return -1;
    free(t->slot);
    t->slot = ns;
    t->mask = nslots - 1;
    t->cap = ncap;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t h = str_hash(t->v[i].p, t->v[i].len) & t->mask;
        while (t->slot[h])
            h = (h + 1) & t->mask;
        t->slot[h] = i + 1;
    }
    return 0;
}

/* Returns the index of str, adding it when new (first use). */
static uint32_t strtab_ref(strtab *t, const char *str)
{
    if (!str)
        str = "";
    size_t len = strlen(str);
    if (len > ALR_MAX_STRING_LEN) {
        t->toolong = 1;
        return 0;
    }
    if (t->n >= t->cap && strtab_grow(t) != 0) {
        t->oom = 1;
        return 0;
    }
    uint32_t h = str_hash(str, len) & t->mask;
    for (;;) {
        uint32_t v = t->slot[h];
        if (!v)
            break;
        const wstr *w = &t->v[v - 1];
        if (w->len == len && memcmp(w->p, str, len) == 0)
            return v - 1;
        h = (h + 1) & t->mask;
    }
    uint32_t idx = t->n++;
    t->v[idx].p = str;
    t->v[idx].len = (uint32_t)len;
    t->v[idx].off = (uint32_t)t->bytes;
    t->bytes += len;
    t->slot[h] = idx + 1;
    return idx;
}

static int value_has_string(uint8_t kind)
{
    return kind == ALRI_V_STRING || kind == ALRI_V_ENUM || kind == ALRI_V_FLAGS ||
           kind == ALRI_V_IDENT;
}

/* The string walk: tables in section order, string fields in record order.
 * With sink == NULL it only registers; the writer calls it once to build the
 * table, then looks each string up again while emitting records. */
static void collect_strings(const alri_schema *s, strtab *t)
{
    strtab_ref(t, s->package);
    for (uint32_t i = 0; i < s->values.n; i++)
        if (value_has_string(s->values.v[i].kind))
            strtab_ref(t, s->values.v[i].s);
    for (uint32_t i = 0; i < s->annots.n; i++)
        strtab_ref(t, s->annots.v[i].name);
    for (uint32_t i = 0; i < s->args.n; i++)
        if (s->args.v[i].key)
            strtab_ref(t, s->args.v[i].key);
    for (uint32_t i = 0; i < s->enums.n; i++) {
        strtab_ref(t, s->enums.v[i].name);
        strtab_ref(t, s->enums.v[i].doc);
    }
    for (uint32_t i = 0; i < s->enumvals.n; i++) {
        strtab_ref(t, s->enumvals.v[i].name);
        strtab_ref(t, s->enumvals.v[i].doc);
    }
    for (uint32_t i = 0; i < s->structs.n; i++) {
        strtab_ref(t, s->structs.v[i].name);
        strtab_ref(t, s->structs.v[i].doc);
    }
    for (uint32_t i = 0; i < s->fields.n; i++) {
        strtab_ref(t, s->fields.v[i].name);
        strtab_ref(t, s->fields.v[i].doc);
    }
    for (uint32_t i = 0; i < s->services.n; i++) {
        strtab_ref(t, s->services.v[i].name);
        strtab_ref(t, s->services.v[i].doc);
    }
    for (uint32_t i = 0; i < s->methods.n; i++) {
        strtab_ref(t, s->methods.v[i].name);
        strtab_ref(t, s->methods.v[i].doc);
    }
    for (uint32_t i = 0; i < s->params.n; i++) {
        strtab_ref(t, s->params.v[i].name);
        strtab_ref(t, s->params.v[i].doc);
    }
}

/* ---- little-endian emission ---- */

typedef struct wbuf {
    uint8_t *p;
    size_t pos;
} wbuf;

static void w8(wbuf *b, uint8_t v)
{
    b->p[b->pos++] = v;
}

static void w16(wbuf *b, uint16_t v)
{
    w8(b, (uint8_t)v);
    w8(b, (uint8_t)(v >> 8));
}

static void w32(wbuf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w8(b, (uint8_t)(v >> (8 * i)));
}

static void w64(wbuf *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        w8(b, (uint8_t)(v >> (8 * i)));
}

static void wstr_ref(wbuf *b, strtab *t, const char *s)
{
    w32(b, strtab_ref(t, s));
}

static void wmember(wbuf *b, strtab *t, const alri_member *m)
{
    wstr_ref(b, t, m->name);
    wstr_ref(b, t, m->doc);
    w32(b, m->type);
    w32(b, m->dflt);
    w32(b, m->first_annot);
    w32(b, m->nannots);
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

alr_err alri_schema_write(const alri_schema *s, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;

    uint32_t counts[ALRI_SEC_COUNT_ + 1] = {0};
    static const uint32_t rsize[ALRI_SEC_COUNT_ + 1] = {
        [ALRI_SEC_INFO] = ALRI_REC_INFO,         [ALRI_SEC_STRINGS] = ALRI_REC_STRINGS,
        [ALRI_SEC_STRDATA] = ALRI_REC_STRDATA,   [ALRI_SEC_TYPES] = ALRI_REC_TYPES,
        [ALRI_SEC_VALUES] = ALRI_REC_VALUES,     [ALRI_SEC_ANNOTS] = ALRI_REC_ANNOTS,
        [ALRI_SEC_ARGS] = ALRI_REC_ARGS,         [ALRI_SEC_ENUMS] = ALRI_REC_ENUMS,
        [ALRI_SEC_ENUMVALS] = ALRI_REC_ENUMVALS, [ALRI_SEC_STRUCTS] = ALRI_REC_STRUCTS,
        [ALRI_SEC_FIELDS] = ALRI_REC_FIELDS,     [ALRI_SEC_SERVICES] = ALRI_REC_SERVICES,
        [ALRI_SEC_METHODS] = ALRI_REC_METHODS,   [ALRI_SEC_PARAMS] = ALRI_REC_PARAMS,
    };
    counts[ALRI_SEC_INFO] = 1;
    counts[ALRI_SEC_TYPES] = s->types.n;
    counts[ALRI_SEC_VALUES] = s->values.n;
    counts[ALRI_SEC_ANNOTS] = s->annots.n;
    counts[ALRI_SEC_ARGS] = s->args.n;
    counts[ALRI_SEC_ENUMS] = s->enums.n;
    counts[ALRI_SEC_ENUMVALS] = s->enumvals.n;
    counts[ALRI_SEC_STRUCTS] = s->structs.n;
    counts[ALRI_SEC_FIELDS] = s->fields.n;
    counts[ALRI_SEC_SERVICES] = s->services.n;
    counts[ALRI_SEC_METHODS] = s->methods.n;
    counts[ALRI_SEC_PARAMS] = s->params.n;
    for (int id = ALRI_SEC_TYPES; id <= ALRI_SEC_COUNT_; id++)
        if (counts[id] > ALR_MAX_TABLE_COUNT)
            return ALR_ELIMIT;

    strtab t = {0};
    collect_strings(s, &t);
    alr_err err = ALR_OK;
    if (t.oom) {
        err = ALR_ENOMEM;
        goto done;
    }
    if (t.toolong || t.bytes > ALR_MAX_BLOB_SIZE) {
        err = ALR_ELIMIT;
        goto done;
    }
    counts[ALRI_SEC_STRINGS] = t.n;
    counts[ALRI_SEC_STRDATA] = (uint32_t)t.bytes;

    uint64_t total = ALRI_BLOB_HEADER_SIZE + (uint64_t)ALRI_BLOB_DIRENT_SIZE * ALRI_SEC_COUNT_;
    uint64_t secoff[ALRI_SEC_COUNT_ + 1], secsize[ALRI_SEC_COUNT_ + 1];
    for (int id = 1; id <= ALRI_SEC_COUNT_; id++) {
        secoff[id] = total;
        secsize[id] = ALRI_BLOB_SECHDR_SIZE + (uint64_t)counts[id] * rsize[id];
        total += secsize[id];
    }
    if (total > ALR_MAX_BLOB_SIZE) {
        err = ALR_ELIMIT;
        goto done;
    }

    wbuf b = {malloc((size_t)total), 0};
    if (!b.p) {
        err = ALR_ENOMEM;
        goto done;
    }
    memcpy(b.p, ALR_BLOB_MAGIC, 4);
    b.pos = 4;
    w16(&b, ALR_BLOB_VERSION_MAJOR);
    w16(&b, ALR_BLOB_VERSION_MINOR);
    w32(&b, (uint32_t)total);
    w32(&b, ALRI_SEC_COUNT_);
    for (int id = 1; id <= ALRI_SEC_COUNT_; id++) {
        w32(&b, (uint32_t)id);
        w32(&b, (uint32_t)secoff[id]);
        w32(&b, (uint32_t)secsize[id]);
    }

#define SECTION(id)                 \
    do {                            \
        w32(&b, counts[id]);        \
        w32(&b, rsize[id]);         \
    } while (0)

    SECTION(ALRI_SEC_INFO);
    wstr_ref(&b, &t, s->package);

    SECTION(ALRI_SEC_STRINGS);
    for (uint32_t i = 0; i < t.n; i++) {
        w32(&b, t.v[i].off);
        w32(&b, t.v[i].len);
    }

    SECTION(ALRI_SEC_STRDATA);
    for (uint32_t i = 0; i < t.n; i++) {
        if (t.v[i].len)
            memcpy(b.p + b.pos, t.v[i].p, t.v[i].len);
        b.pos += t.v[i].len;
    }

    SECTION(ALRI_SEC_TYPES);
    for (uint32_t i = 0; i < s->types.n; i++) {
        const alri_type *ty = &s->types.v[i];
        w8(&b, ty->kind);
        w8(&b, 0);
        w16(&b, 0);
        w32(&b, ty->a);
        w32(&b, ty->b);
    }

    SECTION(ALRI_SEC_VALUES);
    for (uint32_t i = 0; i < s->values.n; i++) {
        const alri_value *v = &s->values.v[i];
        uint64_t payload = 0;
        switch (v->kind) {
        case ALRI_V_INT:
        case ALRI_V_ENUM:
            payload = (uint64_t)v->i;
            break;
        case ALRI_V_UINT:
        case ALRI_V_BOOL:
        case ALRI_V_FLAGS:
            payload = v->u;
            break;
        case ALRI_V_FLOAT:
            payload = double_bits(v->f);
            break;
        default:
            break;
        }
        w8(&b, v->kind);
        w8(&b, 0);
        w16(&b, 0);
        w32(&b, value_has_string(v->kind) ? strtab_ref(&t, v->s) : ALRI_NONE);
        w64(&b, payload);
    }

    SECTION(ALRI_SEC_ANNOTS);
    for (uint32_t i = 0; i < s->annots.n; i++) {
        wstr_ref(&b, &t, s->annots.v[i].name);
        w32(&b, s->annots.v[i].first_arg);
        w32(&b, s->annots.v[i].nargs);
    }

    SECTION(ALRI_SEC_ARGS);
    for (uint32_t i = 0; i < s->args.n; i++) {
        w32(&b, s->args.v[i].key ? strtab_ref(&t, s->args.v[i].key) : ALRI_NONE);
        w32(&b, s->args.v[i].value);
    }

    SECTION(ALRI_SEC_ENUMS);
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *e = &s->enums.v[i];
        wstr_ref(&b, &t, e->name);
        wstr_ref(&b, &t, e->doc);
        w8(&b, e->is_flags ? 1 : 0);
        w8(&b, 0);
        w16(&b, 0);
        w32(&b, e->first_value);
        w32(&b, e->nvalues);
        w32(&b, e->first_annot);
        w32(&b, e->nannots);
    }

    SECTION(ALRI_SEC_ENUMVALS);
    for (uint32_t i = 0; i < s->enumvals.n; i++) {
        const alri_enumval *v = &s->enumvals.v[i];
        wstr_ref(&b, &t, v->name);
        wstr_ref(&b, &t, v->doc);
        w64(&b, (uint64_t)v->value);
        w32(&b, v->first_annot);
        w32(&b, v->nannots);
    }

    SECTION(ALRI_SEC_STRUCTS);
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        wstr_ref(&b, &t, st->name);
        wstr_ref(&b, &t, st->doc);
        w32(&b, st->first_field);
        w32(&b, st->nfields);
        w32(&b, st->first_annot);
        w32(&b, st->nannots);
    }

    SECTION(ALRI_SEC_FIELDS);
    for (uint32_t i = 0; i < s->fields.n; i++)
        wmember(&b, &t, &s->fields.v[i]);

    SECTION(ALRI_SEC_SERVICES);
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        wstr_ref(&b, &t, sv->name);
        wstr_ref(&b, &t, sv->doc);
        w32(&b, sv->first_method);
        w32(&b, sv->nmethods);
        w32(&b, sv->first_annot);
        w32(&b, sv->nannots);
    }

    SECTION(ALRI_SEC_METHODS);
    for (uint32_t i = 0; i < s->methods.n; i++) {
        const alri_method *m = &s->methods.v[i];
        wstr_ref(&b, &t, m->name);
        wstr_ref(&b, &t, m->doc);
        w8(&b, m->kind);
        w8(&b, m->mode);
        w16(&b, 0);
        w32(&b, m->ret);
        w32(&b, m->err);
        w32(&b, m->first_param);
        w32(&b, m->nparams);
        w32(&b, m->first_annot);
        w32(&b, m->nannots);
    }

    SECTION(ALRI_SEC_PARAMS);
    for (uint32_t i = 0; i < s->params.n; i++)
        wmember(&b, &t, &s->params.v[i]);
#undef SECTION

    if (b.pos != total || t.oom) { /* cannot happen: sizes computed above */
        free(b.p);
        err = t.oom ? ALR_ENOMEM : ALR_EINVAL;
        goto done;
    }
    *out = b.p;
    *outlen = (size_t)total;
done:
    free(t.v);
    free(t.slot);
    return err;
}
