/*
 * schema_id.c - semantic identities: the canonical text of a type and the
 * 64-bit FNV-1a hashes of the identity strings of spec/schema-blob.md
 * ("Semantic identity").  The canonical text is produced through a sink that
 * either fills a buffer (snprintf-style) or feeds the hash, so hashing a
 * type needs no buffer.
 */
#include "schema_ir.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FNV_PRIME 0x100000001b3ull
#define CANON_MAX_DEPTH 128 /* guard against malformed (unvalidated) IRs */

uint64_t alri_fnv1a64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

typedef struct sink {
    char *buf;    /* NULL when hashing */
    size_t cap;
    size_t len;   /* full length produced so far */
    uint64_t h;
} sink;

static void put(sink *k, const char *p, size_t n)
{
    if (k->buf) {
        if (k->len < k->cap) {
            size_t room = k->cap - k->len;
            memcpy(k->buf + k->len, p, n < room ? n : room);
        }
    } else {
        k->h = alri_fnv1a64(p, n, k->h);
    }
    k->len += n;
}

static void puts_(sink *k, const char *s)
{
    put(k, s ? s : "", s ? strlen(s) : 0);
}

static void put_u64(sink *k, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    put(k, tmp, (size_t)n);
}

static void put_i64(sink *k, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    put(k, tmp, (size_t)n);
}

static const char *const scalar_name[] = {
    [ALR_K_BOOL] = "bool", [ALR_K_I8] = "i8",   [ALR_K_I16] = "i16",       [ALR_K_I32] = "i32",
    [ALR_K_I64] = "i64",   [ALR_K_U8] = "u8",   [ALR_K_U16] = "u16",       [ALR_K_U32] = "u32",
    [ALR_K_U64] = "u64",   [ALR_K_F32] = "f32", [ALR_K_F64] = "f64",       [ALR_K_STRING] = "string",
    [ALR_K_BYTES] = "bytes",
};

static void canon(const alri_schema *s, uint32_t t, sink *k, unsigned depth)
{
    if (t >= s->types.n || depth > CANON_MAX_DEPTH) {
        put(k, "?", 1);
        return;
    }
    const alri_type *ty = &s->types.v[t];
    switch (ty->kind) {
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
        puts_(k, ty->kind == ALR_K_LIST ? "list<" : ty->kind == ALR_K_SET ? "set<" : "optional<");
        canon(s, ty->a, k, depth + 1);
        put(k, ">", 1);
        break;
    case ALR_K_MAP:
        put(k, "map<", 4);
        canon(s, ty->a, k, depth + 1);
        put(k, ",", 1);
        canon(s, ty->b, k, depth + 1);
        put(k, ">", 1);
        break;
    case ALR_K_ARRAY:
        canon(s, ty->a, k, depth + 1);
        put(k, "[", 1);
        put_u64(k, ty->b);
        put(k, "]", 1);
        break;
    case ALR_K_STRUCT:
        puts_(k, ty->a < s->structs.n ? s->structs.v[ty->a].name : "?");
        break;
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
        puts_(k, ty->a < s->enums.n ? s->enums.v[ty->a].name : "?");
        break;
    case ALR_K_REF:
        put(k, "ref<", 4);
        puts_(k, ty->a < s->services.n ? s->services.v[ty->a].name : "?");
        put(k, ">", 1);
        break;
    default:
        if (ty->kind >= ALR_K_BOOL && ty->kind <= ALR_K_BYTES)
            puts_(k, scalar_name[ty->kind]);
        else
            put(k, "?", 1);
        break;
    }
}

size_t alri_type_canon(const alri_schema *s, uint32_t t, char *buf, size_t cap)
{
    char dummy[1];
    sink k = {buf ? buf : dummy, buf ? cap : 0, 0, 0};
    canon(s, t, &k, 0);
    if (buf && cap)
        buf[k.len < cap ? k.len : cap - 1] = '\0';
    return k.len;
}

const char *alri_return_mode_name(uint8_t mode)
{
    static const char *const names[] = {
        [ALR_RET_VOID] = "void",     [ALR_RET_VALUE] = "value",
        [ALR_RET_RESULT] = "result", [ALR_RET_STATUS] = "status",
        [ALR_RET_ONEWAY] = "oneway", [ALR_RET_ONEWAY_STATUS] = "oneway_status",
        [ALR_RET_ASYNC] = "async",   [ALR_RET_ASYNCREF] = "asyncref",
    };
    return mode <= ALR_RET_MAX_ ? names[mode] : "?";
}

uint64_t alri_type_id(const alri_schema *s, uint32_t t)
{
    sink k = {NULL, 0, 0, ALRI_FNV1A64_INIT};
    canon(s, t, &k, 0);
    return k.h;
}

uint64_t alri_decl_id(const char *qualified_name)
{
    sink k = {NULL, 0, 0, ALRI_FNV1A64_INIT};
    puts_(&k, qualified_name);
    return k.h;
}

uint64_t alri_member_id(const alri_schema *s, const alri_member *m)
{
    sink k = {NULL, 0, 0, ALRI_FNV1A64_INIT};
    puts_(&k, m->name);
    put(&k, ":", 1);
    canon(s, m->type, &k, 0);
    return k.h;
}

uint64_t alri_enumval_id(const alri_enum *e, const alri_enumval *v)
{
    sink k = {NULL, 0, 0, ALRI_FNV1A64_INIT};
    puts_(&k, v->name);
    put(&k, "=", 1);
    if (e->is_flags)
        put_u64(&k, (uint64_t)v->value);
    else
        put_i64(&k, v->value);
    return k.h;
}

uint64_t alri_method_id(const alri_service *svc, const alri_method *m)
{
    sink k = {NULL, 0, 0, ALRI_FNV1A64_INIT};
    puts_(&k, svc->name);
    put(&k, ".", 1);
    puts_(&k, m->name);
    put(&k, "/", 1);
    puts_(&k, alri_return_mode_name(m->mode));
    return k.h;
}
