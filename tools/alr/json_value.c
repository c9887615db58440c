/*
 * json_value.c - JSON <-> C values through codec descriptors: one recursive
 * walker per direction follows the descriptor, errors name the JSON path.
 * struct -> object (member order); list/set/array -> array; map<string,V> ->
 * object, other maps -> [[k, v], ...]; optional -> null or value; bytes ->
 * hex; enum -> name; flags -> [names..., unknown bits]; big u64 -> string.
 */
#include "json_value.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_ir.h"

#define JV_MAX_DEPTH 256
#define JV_PATH_MAX 512

typedef struct jv_walk {
    const jv_opts *o;
    char *err;
    size_t errlen;
    int failed;
    unsigned depth;
    char path[JV_PATH_MAX];
    size_t plen; /* logical length; the text is cut at JV_PATH_MAX - 1 */
} jv_walk;

static void jv_walk_init(jv_walk *w, const jv_opts *o, char *err, size_t errlen)
{
    w->o = o;
    w->err = err;
    w->errlen = errlen;
    w->failed = 0;
    w->depth = 0;
    w->path[0] = '$';
    w->path[1] = '\0';
    w->plen = 1;
    if (err && errlen)
        err[0] = '\0';
}

static void jv_fail(jv_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void jv_fail(jv_walk *w, const char *fmt, ...)
{
    if (w->failed)
        return;
    w->failed = 1;
    if (!w->err || !w->errlen)
        return;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(w->err, w->errlen, "%s%s: %s", w->path, w->plen >= JV_PATH_MAX ? "..." : "", msg);
}

/* Appends a path segment; returns the length to restore with jv_pop. */
static size_t jv_push(jv_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t jv_push(jv_walk *w, const char *fmt, ...)
{
    size_t old = w->plen;
    if (old < JV_PATH_MAX - 1) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(w->path + old, JV_PATH_MAX - old, fmt, ap);
        va_end(ap);
        w->plen = n < 0 ? old : old + (size_t)n;
    } else {
        w->plen = old + 1;
    }
    return old;
}

static void jv_pop(jv_walk *w, size_t old)
{
    w->plen = old;
    if (old < JV_PATH_MAX)
        w->path[old] = '\0';
}

/* A member name or map key as a path segment: .name, or ["odd key"]. */
static size_t jv_push_key(jv_walk *w, const char *key)
{
    bool ident = key[0] != '\0' && !(key[0] >= '0' && key[0] <= '9');
    for (const char *p = key; *p && ident; p++)
        ident = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '_';
    if (ident)
        return jv_push(w, ".%s", key);
    size_t old = w->plen;
    jv_push(w, "[\"");
    for (const char *p = key; *p && w->plen < JV_PATH_MAX - 8; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            jv_push(w, "\\%c", c);
        else if (c < 0x20)
            jv_push(w, "\\u%04x", c);
        else
            jv_push(w, "%c", c);
    }
    jv_push(w, "\"]");
    return old;
}

static const char *jv_kind_name(unsigned kind)
{
    static const char *const names[] = {
        "?",   "bool",     "i8",    "i16",    "i32",    "i64",   "u8",   "u16",
        "u32", "u64",      "f32",   "f64",    "string", "bytes", "list", "set",
        "map", "optional", "array", "struct", "enum",   "flags", "ref",
    };
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static const char *jv_json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* ------------------------------------------------------------------ enums */

static const alri_enum *jv_enum(const jv_opts *o, uint32_t index)
{
    if (!o->schema || index >= o->schema->ir.enums.n)
        return NULL;
    return &o->schema->ir.enums.v[index];
}

static const alri_enumval *jv_enumval(const jv_opts *o, const alri_enum *e, uint32_t i)
{
    uint32_t k = e->first_value + i;
    return k < o->schema->ir.enumvals.n ? &o->schema->ir.enumvals.v[k] : NULL;
}

/* ------------------------------------------------------------------ JSON -> C */

static void *jv_alloc(jv_walk *w, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        jv_fail(w, "too many elements");
        return NULL;
    }
    size_t total = n * size;
    void *p = w->o->alloc ? w->o->alloc(w->o->alloc_ctx, total ? total : 1) : NULL;
    if (!p)
        jv_fail(w, "out of memory");
    return p;
}

/* Strict decimal: optional '-', digits, nothing else. */
static int jv_parse_dec(const char *s, bool *neg, uint64_t *mag)
{
    *neg = false;
    if (*s == '-') {
        *neg = true;
        s++;
    }
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *mag = v;
    return 0;
}

/* Reads an integer (JSON integer, or a decimal string) as sign + magnitude. */
static int jv_get_int(jv_walk *w, const json_t *j, const char *what, bool wide, bool *neg,
                      uint64_t *mag)
{
    if (json_is_integer(j)) {
        json_int_t v = json_integer_value(j);
        *neg = v < 0;
        *mag = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
        return 0;
    }
    if (json_is_string(j) && wide) {
        if (jv_parse_dec(json_string_value(j), neg, mag) == 0)
            return 0;
        jv_fail(w, "expected %s, got the string \"%.40s\"", what, json_string_value(j));
        return -1;
    }
    jv_fail(w, "expected %s, got %s", what, jv_json_type_name(j));
    return -1;
}

static int fj_int(jv_walk *w, unsigned kind, const json_t *j, void *out)
{
    bool neg;
    uint64_t mag;
    bool wide = kind == ALR_K_I64 || kind == ALR_K_U64;
    if (jv_get_int(w, j, wide ? "an integer (or a decimal string)" : "an integer", wide, &neg,
                   &mag) != 0)
        return -1;
    static const int64_t smin[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
    static const uint64_t smax[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
    static const uint64_t umax[] = {UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX};
    bool is_signed = kind >= ALR_K_I8 && kind <= ALR_K_I64;
    unsigned k = is_signed ? kind - ALR_K_I8 : kind - ALR_K_U8;
    bool ok;
    if (is_signed)
        ok = neg ? mag <= (uint64_t)(-(smin[k] + 1)) + 1 : mag <= smax[k];
    else
        ok = !neg || mag == 0;
    if (ok && !is_signed)
        ok = mag <= umax[k];
    if (!ok) {
        jv_fail(w, "%s%" PRIu64 " is out of range for %s", neg ? "-" : "", mag, jv_kind_name(kind));
        return -1;
    }
    int64_t sv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    switch (kind) {
    case ALR_K_I8:
        *(int8_t *)out = (int8_t)sv;
        break;
    case ALR_K_I16:
        *(int16_t *)out = (int16_t)sv;
        break;
    case ALR_K_I32:
        *(int32_t *)out = (int32_t)sv;
        break;
    case ALR_K_I64:
        *(int64_t *)out = sv;
        break;
    case ALR_K_U8:
        *(uint8_t *)out = (uint8_t)mag;
        break;
    case ALR_K_U16:
        *(uint16_t *)out = (uint16_t)mag;
        break;
    case ALR_K_U32:
        *(uint32_t *)out = (uint32_t)mag;
        break;
    default:
        *(uint64_t *)out = mag;
        break;
    }
    return 0;
}

static int fj_float(jv_walk *w, unsigned kind, const json_t *j, void *out)
{
    double d;
    if (json_is_number(j)) {
        d = json_number_value(j);
    } else if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (strcmp(s, "inf") == 0)
            d = INFINITY;
        else if (strcmp(s, "-inf") == 0)
            d = -INFINITY;
        else if (strcmp(s, "nan") == 0)
            d = NAN;
        else {
            jv_fail(w,
                    "expected a number (or \"inf\", \"-inf\", \"nan\"), got the string \"%.40s\"",
                    s);
            return -1;
        }
    } else {
        jv_fail(w, "expected a number, got %s", jv_json_type_name(j));
        return -1;
    }
    if (kind == ALR_K_F32) {
        if (isfinite(d) && fabs(d) > FLT_MAX) {
            jv_fail(w, "%g is out of range for f32", d);
            return -1;
        }
        *(float *)out = (float)d;
    } else {
        *(double *)out = d;
    }
    return 0;
}

static int fj_string(jv_walk *w, const json_t *j, char **out)
{
    if (!json_is_string(j)) {
        jv_fail(w, "expected a string, got %s", jv_json_type_name(j));
        return -1;
    }
    size_t n = json_string_length(j);
    const char *s = json_string_value(j);
    if (memchr(s, '\0', n)) {
        jv_fail(w, "a string cannot contain NUL");
        return -1;
    }
    char *p = jv_alloc(w, n + 1, 1);
    if (!p)
        return -1;
    memcpy(p, s, n);
    p[n] = '\0';
    *out = p;
    return 0;
}

static int jv_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int fj_bytes(jv_walk *w, const json_t *j, alr_bytes *out)
{
    if (!json_is_string(j)) {
        jv_fail(w, "expected a hex string, got %s", jv_json_type_name(j));
        return -1;
    }
    size_t n = json_string_length(j);
    const char *s = json_string_value(j);
    if (n % 2) {
        jv_fail(w, "expected a hex string, got an odd number of digits (%zu)", n);
        return -1;
    }
    if (n / 2 > UINT32_MAX) {
        jv_fail(w, "bytes too long");
        return -1;
    }
    out->len = (uint32_t)(n / 2);
    out->ptr = NULL;
    if (n == 0)
        return 0;
    uint8_t *p = jv_alloc(w, n / 2, 1);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = jv_hexval((unsigned char)s[i]), lo = jv_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            jv_fail(w, "expected a hex string, bad digit at offset %zu", hi < 0 ? i : i + 1);
            return -1;
        }
        p[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    out->ptr = p;
    return 0;
}

static int fj_enum(jv_walk *w, const alr_type_desc *td, const json_t *j, void *out)
{
    const alri_enum *e = jv_enum(w->o, td->index);
    if (json_is_string(j) && e) {
        const char *name = json_string_value(j);
        for (uint32_t i = 0; i < e->nvalues; i++) {
            const alri_enumval *v = jv_enumval(w->o, e, i);
            if (v && strcmp(v->name, name) == 0) {
                *(int32_t *)out = (int32_t)v->value;
                return 0;
            }
        }
        jv_fail(w, "'%.60s' is not a value of %s", name, e->name);
        return -1;
    }
    if (!json_is_integer(j)) {
        jv_fail(w, "expected %s, got %s", e ? "a value name or an integer" : "an integer",
                jv_json_type_name(j));
        return -1;
    }
    return fj_int(w, ALR_K_I32, j, out);
}

static int fj_flag_item(jv_walk *w, const alri_enum *e, const json_t *j, uint64_t *bits)
{
    if (json_is_string(j) && e) {
        const char *name = json_string_value(j);
        for (uint32_t i = 0; i < e->nvalues; i++) {
            const alri_enumval *v = jv_enumval(w->o, e, i);
            if (v && strcmp(v->name, name) == 0) {
                *bits |= (uint64_t)v->value;
                return 0;
            }
        }
        bool neg;
        uint64_t mag;
        if (jv_parse_dec(name, &neg, &mag) == 0 && !neg) {
            *bits |= mag;
            return 0;
        }
        jv_fail(w, "'%.60s' is not a value of %s", name, e->name);
        return -1;
    }
    uint64_t v;
    if (fj_int(w, ALR_K_U64, j, &v) != 0)
        return -1;
    *bits |= v;
    return 0;
}

static int fj_flags(jv_walk *w, const alr_type_desc *td, const json_t *j, void *out)
{
    const alri_enum *e = jv_enum(w->o, td->index);
    uint64_t bits = 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *item;
        json_array_foreach (j, i, item) {
            size_t old = jv_push(w, "[%zu]", i);
            if (fj_flag_item(w, e, item, &bits) != 0)
                return -1;
            jv_pop(w, old);
        }
    } else if (json_is_integer(j) || json_is_string(j)) {
        if (fj_flag_item(w, e, j, &bits) != 0)
            return -1;
    } else {
        jv_fail(w, "expected an array of flag names, got %s", jv_json_type_name(j));
        return -1;
    }
    *(uint64_t *)out = bits;
    return 0;
}

static int fj_value(jv_walk *w, const alr_type_desc *td, const json_t *j, void *out);

static int fj_struct(jv_walk *w, const alr_struct_desc *sd, const json_t *j, void *out)
{
    memset(out, 0, sd->size);
    if (!json_is_object(j)) {
        jv_fail(w, "expected an object (%s), got %s", sd->name ? sd->name : "struct",
                jv_json_type_name(j));
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach ((json_t *)j, key, val) {
        uint32_t m = 0;
        while (m < sd->nmembers && strcmp(sd->members[m].name, key) != 0)
            m++;
        if (m == sd->nmembers) {
            jv_fail(w, "unknown member '%.80s' of %s", key, sd->name ? sd->name : "struct");
            return -1;
        }
    }
    for (uint32_t m = 0; m < sd->nmembers; m++) {
        const alr_member_desc *md = &sd->members[m];
        json_t *v = json_object_get(j, md->name);
        if (!v)
            continue;
        size_t old = jv_push_key(w, md->name);
        if (fj_value(w, md->type, v, (char *)out + md->offset) != 0)
            return -1;
        jv_pop(w, old);
    }
    return 0;
}

static int fj_seq(jv_walk *w, const alr_type_desc *elem, const json_t *j, alr_list *out)
{
    if (!json_is_array(j)) {
        jv_fail(w, "expected an array, got %s", jv_json_type_name(j));
        return -1;
    }
    size_t n = json_array_size(j);
    if (n > UINT32_MAX) {
        jv_fail(w, "too many elements");
        return -1;
    }
    out->n = (uint32_t)n;
    out->v = NULL;
    if (n == 0)
        return 0;
    char *buf = jv_alloc(w, n, elem->size);
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t old = jv_push(w, "[%zu]", i);
        if (fj_value(w, elem, json_array_get(j, i), buf + i * elem->size) != 0)
            return -1;
        jv_pop(w, old);
    }
    out->v = buf;
    return 0;
}

static int fj_map(jv_walk *w, const alr_type_desc *td, const json_t *j, alr_map *out)
{
    const alr_type_desc *kd = td->key, *vd = td->elem;
    out->keys = out->vals = NULL;
    out->n = 0;
    bool strkey = kd->kind == ALR_K_STRING;
    size_t n;
    if (strkey && json_is_object(j))
        n = json_object_size(j);
    else if (json_is_array(j))
        n = json_array_size(j);
    else {
        jv_fail(w, "expected %s, got %s", strkey ? "an object" : "an array of [key, value] pairs",
                jv_json_type_name(j));
        return -1;
    }
    if (n > UINT32_MAX) {
        jv_fail(w, "too many elements");
        return -1;
    }
    if (n == 0)
        return 0;
    char *keys = jv_alloc(w, n, kd->size);
    char *vals = keys ? jv_alloc(w, n, vd->size) : NULL;
    if (!vals)
        return -1;
    if (json_is_object(j)) {
        size_t i = 0;
        const char *key;
        json_t *val;
        json_object_foreach ((json_t *)j, key, val) {
            size_t old = jv_push_key(w, key);
            size_t kl = strlen(key);
            char *kc = jv_alloc(w, kl + 1, 1);
            if (!kc)
                return -1;
            memcpy(kc, key, kl + 1);
            *(char **)(keys + i * kd->size) = kc;
            if (fj_value(w, vd, val, vals + i * vd->size) != 0)
                return -1;
            jv_pop(w, old);
            i++;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const json_t *pair = json_array_get(j, i);
            size_t old = jv_push(w, "[%zu]", i);
            if (!json_is_array(pair) || json_array_size(pair) != 2) {
                if (json_is_array(pair))
                    jv_fail(w, "expected a [key, value] pair, got an array of %zu",
                            json_array_size(pair));
                else
                    jv_fail(w, "expected a [key, value] pair, got %s", jv_json_type_name(pair));
                return -1;
            }
            size_t o2 = jv_push(w, "[0]");
            if (fj_value(w, kd, json_array_get(pair, 0), keys + i * kd->size) != 0)
                return -1;
            jv_pop(w, o2);
            o2 = jv_push(w, "[1]");
            if (fj_value(w, vd, json_array_get(pair, 1), vals + i * vd->size) != 0)
                return -1;
            jv_pop(w, o2);
            jv_pop(w, old);
        }
    }
    out->keys = keys;
    out->vals = vals;
    out->n = (uint32_t)n;
    return 0;
}

static int fj_value(jv_walk *w, const alr_type_desc *td, const json_t *j, void *out)
{
    if (!td) {
        jv_fail(w, "no descriptor");
        return -1;
    }
    if (++w->depth > JV_MAX_DEPTH) {
        jv_fail(w, "nested too deeply");
        return -1;
    }
    int rc = -1;
    switch (td->kind) {
    case ALR_K_BOOL:
        if (json_is_boolean(j)) {
            *(bool *)out = json_is_true(j);
            rc = 0;
        } else {
            jv_fail(w, "expected true or false, got %s", jv_json_type_name(j));
        }
        break;
    case ALR_K_I8:
    case ALR_K_I16:
    case ALR_K_I32:
    case ALR_K_I64:
    case ALR_K_U8:
    case ALR_K_U16:
    case ALR_K_U32:
    case ALR_K_U64:
        rc = fj_int(w, td->kind, j, out);
        break;
    case ALR_K_F32:
    case ALR_K_F64:
        rc = fj_float(w, td->kind, j, out);
        break;
    case ALR_K_STRING:
        rc = fj_string(w, j, (char **)out);
        break;
    case ALR_K_BYTES:
        rc = fj_bytes(w, j, (alr_bytes *)out);
        break;
    case ALR_K_LIST:
    case ALR_K_SET:
        rc = fj_seq(w, td->elem, j, (alr_list *)out);
        break;
    case ALR_K_MAP:
        rc = fj_map(w, td, j, (alr_map *)out);
        break;
    case ALR_K_OPTIONAL:
        if (json_is_null(j)) {
            *(void **)out = NULL;
            rc = 0;
        } else {
            void *p = jv_alloc(w, 1, td->elem->size);
            if (p && fj_value(w, td->elem, j, p) == 0) {
                *(void **)out = p;
                rc = 0;
            }
        }
        break;
    case ALR_K_ARRAY:
        if (!json_is_array(j) || json_array_size(j) != td->len) {
            if (json_is_array(j))
                jv_fail(w, "expected an array of %u elements, got %zu", td->len,
                        json_array_size(j));
            else
                jv_fail(w, "expected an array of %u elements, got %s", td->len,
                        jv_json_type_name(j));
            break;
        }
        rc = 0;
        for (uint32_t i = 0; i < td->len && rc == 0; i++) {
            size_t old = jv_push(w, "[%u]", i);
            rc = fj_value(w, td->elem, json_array_get(j, i), (char *)out + i * td->elem->size);
            if (rc == 0)
                jv_pop(w, old);
        }
        break;
    case ALR_K_STRUCT:
        rc = fj_struct(w, td->sd, j, out);
        break;
    case ALR_K_ENUM:
        rc = fj_enum(w, td, j, out);
        break;
    case ALR_K_FLAGS:
        rc = fj_flags(w, td, j, out);
        break;
    case ALR_K_REF:
        rc = fj_int(w, ALR_K_U64, j, &((alr_ref *)out)->id);
        break;
    default:
        jv_fail(w, "unknown type kind %u", td->kind);
        break;
    }
    w->depth--;
    return rc;
}

int jv_struct_from_json(const jv_opts *o, const alr_struct_desc *sd, const json_t *j, void *out,
                        char *err, size_t errlen)
{
    jv_walk w;
    jv_walk_init(&w, o, err, errlen);
    return fj_struct(&w, sd, j, out);
}

int jv_value_from_json(const jv_opts *o, const alr_type_desc *td, const json_t *j, void *out,
                       char *err, size_t errlen)
{
    jv_walk w;
    jv_walk_init(&w, o, err, errlen);
    return fj_value(&w, td, j, out);
}

/* ------------------------------------------------------------------ C -> JSON */

static json_t *tj_value(jv_walk *w, const alr_type_desc *td, const void *p);

static json_t *jv_oom(jv_walk *w, json_t *partial)
{
    json_decref(partial);
    jv_fail(w, "out of memory");
    return NULL;
}

static json_t *tj_u64(jv_walk *w, uint64_t v)
{
    json_t *j;
    if (v <= INT64_MAX) {
        j = json_integer((json_int_t)v);
    } else {
        char buf[24];
        snprintf(buf, sizeof buf, "%" PRIu64, v);
        j = json_string(buf);
    }
    return j ? j : jv_oom(w, NULL);
}

/* A double with the value of the shortest decimal that reads back as f. */
static double jv_short_f32(float f)
{
    char buf[32];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            return strtod(buf, NULL);
    }
    return (double)f;
}

static json_t *tj_float(jv_walk *w, double d, bool is_f32)
{
    json_t *j;
    if (isnan(d))
        j = json_string("nan");
    else if (isinf(d))
        j = json_string(d > 0 ? "inf" : "-inf");
    else
        j = json_real(is_f32 ? jv_short_f32((float)d) : d);
    return j ? j : jv_oom(w, NULL);
}

static json_t *tj_string(jv_walk *w, const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (!j)
        jv_fail(w, "string is not valid UTF-8");
    return j;
}

static json_t *tj_enum(jv_walk *w, const alr_type_desc *td, int32_t v)
{
    const alri_enum *e = jv_enum(w->o, td->index);
    for (uint32_t i = 0; e && i < e->nvalues; i++) {
        const alri_enumval *ev = jv_enumval(w->o, e, i);
        if (ev && ev->value == v) {
            json_t *j = json_string(ev->name);
            return j ? j : jv_oom(w, NULL);
        }
    }
    json_t *j = json_integer(v);
    return j ? j : jv_oom(w, NULL);
}

static json_t *tj_flags(jv_walk *w, const alr_type_desc *td, uint64_t bits)
{
    const alri_enum *e = jv_enum(w->o, td->index);
    json_t *arr = json_array();
    if (!arr)
        return jv_oom(w, NULL);
    uint64_t rest = bits;
    for (uint32_t i = 0; e && i < e->nvalues; i++) {
        const alri_enumval *ev = jv_enumval(w->o, e, i);
        uint64_t vb = ev ? (uint64_t)ev->value : 0;
        if (vb == 0 || (bits & vb) != vb)
            continue;
        if (json_array_append_new(arr, json_string(ev->name)) != 0)
            return jv_oom(w, arr);
        rest &= ~vb;
    }
    if (rest) {
        json_t *u = tj_u64(w, rest);
        if (!u || json_array_append_new(arr, u) != 0)
            return jv_oom(w, arr);
    }
    return arr;
}

static json_t *tj_struct(jv_walk *w, const alr_struct_desc *sd, const void *p)
{
    json_t *obj = json_object();
    if (!obj)
        return jv_oom(w, NULL);
    for (uint32_t m = 0; m < sd->nmembers; m++) {
        const alr_member_desc *md = &sd->members[m];
        size_t old = jv_push_key(w, md->name);
        json_t *v = tj_value(w, md->type, (const char *)p + md->offset);
        if (!v) {
            json_decref(obj);
            return NULL;
        }
        if (json_object_set_new(obj, md->name, v) != 0)
            return jv_oom(w, obj);
        jv_pop(w, old);
    }
    return obj;
}

static json_t *tj_seq(jv_walk *w, const alr_type_desc *elem, const void *v, uint32_t n,
                      const char *what)
{
    if (n && !v) {
        jv_fail(w, "%s with %u elements has a NULL pointer", what, n);
        return NULL;
    }
    json_t *arr = json_array();
    if (!arr)
        return jv_oom(w, NULL);
    for (uint32_t i = 0; i < n; i++) {
        size_t old = jv_push(w, "[%u]", i);
        json_t *e = tj_value(w, elem, (const char *)v + (size_t)i * elem->size);
        if (!e) {
            json_decref(arr);
            return NULL;
        }
        if (json_array_append_new(arr, e) != 0)
            return jv_oom(w, arr);
        jv_pop(w, old);
    }
    return arr;
}

static json_t *tj_map(jv_walk *w, const alr_type_desc *td, const alr_map *m)
{
    const alr_type_desc *kd = td->key, *vd = td->elem;
    if (m->n && (!m->keys || !m->vals)) {
        jv_fail(w, "map with %u entries has a NULL pointer", m->n);
        return NULL;
    }
    bool strkey = kd->kind == ALR_K_STRING;
    json_t *out = strkey ? json_object() : json_array();
    if (!out)
        return jv_oom(w, NULL);
    for (uint32_t i = 0; i < m->n; i++) {
        const void *kp = (const char *)m->keys + (size_t)i * kd->size;
        const void *vp = (const char *)m->vals + (size_t)i * vd->size;
        if (strkey) {
            const char *key = *(char *const *)kp;
            if (!key)
                key = "";
            size_t old = jv_push_key(w, key);
            if (json_object_get(out, key)) {
                jv_fail(w, "duplicate map key");
                json_decref(out);
                return NULL;
            }
            json_t *v = tj_value(w, vd, vp);
            if (!v) {
                json_decref(out);
                return NULL;
            }
            if (json_object_set_new(out, key, v) != 0) {
                /* jansson refuses keys that are not UTF-8 */
                jv_fail(w, "map key is not valid UTF-8");
                json_decref(out);
                return NULL;
            }
            jv_pop(w, old);
        } else {
            size_t old = jv_push(w, "[%u]", i);
            json_t *pair = json_array();
            if (!pair)
                return jv_oom(w, out);
            if (json_array_append_new(out, pair) != 0) {
                json_decref(pair);
                return jv_oom(w, out);
            }
            size_t o2 = jv_push(w, "[0]");
            json_t *k = tj_value(w, kd, kp);
            if (!k || json_array_append_new(pair, k) != 0) {
                json_decref(out);
                return k ? jv_oom(w, NULL) : NULL;
            }
            jv_pop(w, o2);
            o2 = jv_push(w, "[1]");
            json_t *v = tj_value(w, vd, vp);
            if (!v || json_array_append_new(pair, v) != 0) {
                json_decref(out);
                return v ? jv_oom(w, NULL) : NULL;
            }
            jv_pop(w, o2);
            jv_pop(w, old);
        }
    }
    return out;
}

static json_t *tj_value(jv_walk *w, const alr_type_desc *td, const void *p)
{
    if (!td) {
        jv_fail(w, "no descriptor");
        return NULL;
    }
    if (++w->depth > JV_MAX_DEPTH) {
        jv_fail(w, "nested too deeply");
        return NULL;
    }
    json_t *j = NULL;
    switch (td->kind) {
    case ALR_K_BOOL:
        j = json_boolean(*(const bool *)p);
        break;
    case ALR_K_I8:
        j = json_integer(*(const int8_t *)p);
        break;
    case ALR_K_I16:
        j = json_integer(*(const int16_t *)p);
        break;
    case ALR_K_I32:
        j = json_integer(*(const int32_t *)p);
        break;
    case ALR_K_I64:
        j = json_integer(*(const int64_t *)p);
        break;
    case ALR_K_U8:
        j = json_integer(*(const uint8_t *)p);
        break;
    case ALR_K_U16:
        j = json_integer(*(const uint16_t *)p);
        break;
    case ALR_K_U32:
        j = json_integer(*(const uint32_t *)p);
        break;
    case ALR_K_U64:
        j = tj_u64(w, *(const uint64_t *)p);
        break;
    case ALR_K_F32:
        j = tj_float(w, *(const float *)p, true);
        break;
    case ALR_K_F64:
        j = tj_float(w, *(const double *)p, false);
        break;
    case ALR_K_STRING:
        j = tj_string(w, *(char *const *)p);
        break;
    case ALR_K_BYTES: {
        const alr_bytes *b = p;
        if (b->len && !b->ptr) {
            jv_fail(w, "bytes of length %u have a NULL pointer", b->len);
            break;
        }
        char *hex = jv_hex(b->ptr, b->len);
        j = hex ? json_string(hex) : NULL;
        free(hex);
        if (!j)
            jv_oom(w, NULL);
        break;
    }
    case ALR_K_LIST:
    case ALR_K_SET: {
        const alr_list *l = p;
        j = tj_seq(w, td->elem, l->v, l->n, td->kind == ALR_K_SET ? "set" : "list");
        break;
    }
    case ALR_K_MAP:
        j = tj_map(w, td, p);
        break;
    case ALR_K_OPTIONAL: {
        const void *inner = *(const void *const *)p;
        j = inner ? tj_value(w, td->elem, inner) : json_null();
        break;
    }
    case ALR_K_ARRAY:
        j = tj_seq(w, td->elem, p, td->len, "array");
        break;
    case ALR_K_STRUCT:
        j = tj_struct(w, td->sd, p);
        break;
    case ALR_K_ENUM:
        j = tj_enum(w, td, *(const int32_t *)p);
        break;
    case ALR_K_FLAGS:
        j = tj_flags(w, td, *(const uint64_t *)p);
        break;
    case ALR_K_REF:
        j = tj_u64(w, ((const alr_ref *)p)->id);
        break;
    default:
        jv_fail(w, "unknown type kind %u", td->kind);
        break;
    }
    if (!j)
        jv_fail(w, "out of memory"); /* no-op when a reason is already set */
    w->depth--;
    return j;
}

json_t *jv_struct_to_json(const jv_opts *o, const alr_struct_desc *sd, const void *value, char *err,
                          size_t errlen)
{
    jv_walk w;
    jv_walk_init(&w, o, err, errlen);
    return tj_struct(&w, sd, value);
}

json_t *jv_value_to_json(const jv_opts *o, const alr_type_desc *td, const void *value, char *err,
                         size_t errlen)
{
    jv_walk w;
    jv_walk_init(&w, o, err, errlen);
    return tj_value(&w, td, value);
}

/* ------------------------------------------------------------------ text */

typedef struct jv_sb {
    char *p;
    size_t len, cap;
    int oom;
} jv_sb;

static void sb_put(jv_sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(jv_sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_indent(jv_sb *b, int pretty, unsigned level)
{
    if (!pretty)
        return;
    sb_put(b, "\n", 1);
    for (unsigned i = 0; i < level; i++)
        sb_put(b, "  ", 2);
}

static void sb_jstring(jv_sb *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char buf[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(buf, sizeof buf, "\\u%04x", c);
                esc = buf;
            }
            break;
        }
        if (esc) {
            sb_put(b, s + i - run, run);
            run = 0;
            sb_puts(b, esc);
        } else {
            run++;
        }
    }
    sb_put(b, s + n - run, run);
    sb_put(b, "\"", 1);
}

/* The fewest significant digits that read back as d; plain notation for
 * decimal exponents -5 < e < 17 (40.0, not 4e+01), else 1e+300. */
static void sb_real(jv_sb *b, double d)
{
    char buf[48];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    const char *e = strchr(buf, 'e');
    long exp10 = e ? strtol(e + 1, NULL, 10) : 0;
    if (exp10 >= 0 && exp10 < 17 && exp10 + 1 > prec)
        prec = (int)exp10 + 1;
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    sb_puts(b, buf);
}

static void sb_json(jv_sb *b, const json_t *j, int pretty, unsigned level)
{
    char buf[32];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (json_object_size(j) == 0) {
            sb_puts(b, "{}");
            break;
        }
        sb_puts(b, "{");
        int first = 1;
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)j, key, v) {
            if (!first)
                sb_puts(b, ",");
            first = 0;
            sb_indent(b, pretty, level + 1);
            sb_jstring(b, key, strlen(key));
            sb_puts(b, pretty ? ": " : ":");
            sb_json(b, v, pretty, level + 1);
        }
        sb_indent(b, pretty, level);
        sb_puts(b, "}");
        break;
    }
    case JSON_ARRAY: {
        if (json_array_size(j) == 0) {
            sb_puts(b, "[]");
            break;
        }
        /* pretty: an array of scalars stays on one line */
        int flat = 1;
        size_t i;
        json_t *v;
        json_array_foreach (j, i, v) {
            if (json_is_object(v) || json_is_array(v))
                flat = 0;
        }
        sb_puts(b, "[");
        json_array_foreach (j, i, v) {
            if (i)
                sb_puts(b, pretty && flat ? ", " : ",");
            if (!flat)
                sb_indent(b, pretty, level + 1);
            sb_json(b, v, pretty, level + 1);
        }
        if (!flat)
            sb_indent(b, pretty, level);
        sb_puts(b, "]");
        break;
    }
    case JSON_STRING:
        sb_jstring(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        sb_puts(b, buf);
        break;
    case JSON_REAL:
        sb_real(b, json_real_value(j));
        break;
    case JSON_TRUE:
        sb_puts(b, "true");
        break;
    case JSON_FALSE:
        sb_puts(b, "false");
        break;
    case JSON_NULL:
        sb_puts(b, "null");
        break;
    }
}

char *jv_dumps(const json_t *j, int pretty)
{
    jv_sb b = {0};
    sb_json(&b, j, pretty, 0);
    if (b.oom || !b.p) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

int jv_loads(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    json_error_t e;
    *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!*out) {
        if (err && errlen)
            snprintf(err, errlen, "line %d, column %d: %s", e.line, e.column, e.text);
        return -1;
    }
    return 0;
}

char *jv_canon(const char *text, char *err, size_t errlen)
{
    json_t *j;
    if (jv_loads(text, strlen(text), &j, err, errlen) != 0)
        return NULL;
    char *s = jv_dumps(j, 0);
    json_decref(j);
    if (!s && err && errlen)
        snprintf(err, errlen, "out of memory");
    return s;
}

char *jv_hex(const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len > (SIZE_MAX - 1) / 2)
        return NULL;
    char *s = malloc(len * 2 + 1);
    if (!s)
        return NULL;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[len * 2] = '\0';
    return s;
}

int jv_unhex(const char *hex, size_t hexlen, unsigned char **out, size_t *outlen, char *err,
             size_t errlen)
{
    unsigned char *buf = malloc(hexlen / 2 + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; i < hexlen; i++) {
        unsigned char c = (unsigned char)hex[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (hi >= 0) {
                snprintf(err, errlen, "hex: half a byte before offset %zu", i);
                free(buf);
                return -1;
            }
            continue;
        }
        int v = jv_hexval(c);
        if (v < 0) {
            snprintf(err, errlen, "hex: bad digit '%c' at offset %zu",
                     c >= 0x20 && c < 0x7f ? c : '?', i);
            free(buf);
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        snprintf(err, errlen, "hex: odd number of digits");
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}
