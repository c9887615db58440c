/*
 * schema_ir.c - construction of the flat schema IR: init/fini, growable
 * tables inside the schema's arena, string copies, and type interning
 * through a small open-addressing hash (caught up lazily, so records pushed
 * directly with ALRI_PUSH(s, types) are found too).
 */
#include "schema_ir.h"

#include <string.h>

void alri_schema_init(alri_schema *s)
{
    memset(s, 0, sizeof *s);
    alri_arena_init(&s->arena);
    s->package = "";
}

void alri_schema_fini(alri_schema *s)
{
    alri_arena_fini(&s->arena);
    alri_schema_init(s);
}

void *alri_vec_push_(alri_schema *s, void **v, uint32_t *n, uint32_t *cap, size_t size)
{
    if (*n >= ALR_MAX_TABLE_COUNT)
        return NULL;
    if (*n >= *cap || !*v) {
        uint32_t ncap = *cap >= 8 ? *cap * 2 : 8;
        if (ncap > ALR_MAX_TABLE_COUNT)
            ncap = ALR_MAX_TABLE_COUNT;
        if (ncap <= *n)
            return NULL;
        void *nv = alri_arena_realloc(&s->arena, *v, (size_t)*n * size, (size_t)ncap * size);
        if (!nv)
            return NULL;
        *v = nv;
        *cap = ncap;
    }
    unsigned char *p = (unsigned char *)*v + (size_t)*n * size;
    memset(p, 0, size);
    (*n)++;
    return p;
}

const char *alri_schema_strdup(alri_schema *s, const char *str)
{
    if (!str)
        return NULL;
    return alri_arena_strndup(&s->arena, str, strlen(str));
}

/* ---- type interning ---- */

struct alri_type_index {
    uint32_t indexed; /* types[0..indexed) are in slots */
    uint32_t mask;    /* number of slots - 1 (a power of two minus one) */
    uint32_t slots[]; /* type index + 1; 0 = empty */
};

static uint32_t type_hash(uint8_t kind, uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) ^ ((uint64_t)kind * 0x9E3779B97F4A7C15ull);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* Unused operands are stored as 0 so that equal types intern equally. */
void alri_type_normalize(uint8_t kind, uint32_t *a, uint32_t *b)
{
    switch (kind) {
    case ALR_K_MAP:
    case ALR_K_ARRAY:
        break;
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
    case ALR_K_STRUCT:
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
    case ALR_K_REF:
        *b = 0;
        break;
    default:
        *a = 0;
        *b = 0;
        break;
    }
}

/* Returns the slot for (kind, a, b): either the one holding it or the empty
 * one where it belongs. */
static uint32_t *index_slot(const alri_schema *s, struct alri_type_index *x,
                            uint8_t kind, uint32_t a, uint32_t b)
{
    uint32_t i = type_hash(kind, a, b) & x->mask;
    for (;;) {
        uint32_t v = x->slots[i];
        if (v == 0)
            return &x->slots[i];
        const alri_type *t = &s->types.v[v - 1];
        if (t->kind == kind && t->a == a && t->b == b)
            return &x->slots[i];
        i = (i + 1) & x->mask;
    }
}

/* Makes the index cover every type in the table (plus one to come). */
static int index_update(alri_schema *s)
{
    struct alri_type_index *x = s->type_index;
    uint32_t want = s->types.n + 1;
    if (x && x->indexed > s->types.n)
        x = NULL; /* the table shrank under us: rebuild */
    if (!x || (uint64_t)want * 2 > (uint64_t)x->mask + 1) {
        uint32_t slots = 64;
        while (slots < want * 2)
            slots *= 2;
        x = alri_arena_alloc(&s->arena, sizeof *x + (size_t)slots * sizeof x->slots[0]);
        if (!x)
            return -1;
        x->indexed = 0;
        x->mask = slots - 1;
        s->type_index = x;
    }
    for (; x->indexed < s->types.n; x->indexed++) {
        const alri_type *t = &s->types.v[x->indexed];
        uint32_t *slot = index_slot(s, x, t->kind, t->a, t->b);
        if (*slot == 0)
            *slot = x->indexed + 1; /* first of equal types wins */
    }
    return 0;
}

uint32_t alri_schema_type(alri_schema *s, uint8_t kind, uint32_t a, uint32_t b)
{
    alri_type_normalize(kind, &a, &b);
    if (index_update(s) != 0)
        return ALRI_NONE;
    uint32_t *slot = index_slot(s, s->type_index, kind, a, b);
    if (*slot)
        return *slot - 1;
    uint32_t idx = s->types.n;
    alri_type *t = ALRI_PUSH(s, types);
    if (!t)
        return ALRI_NONE;
    t->kind = kind;
    t->a = a;
    t->b = b;
    /* the push may not have reallocated the index: slot is still valid */
    *slot = idx + 1;
    s->type_index->indexed = s->types.n;
    return idx;
}

size_t alri_utf8_seq(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t k;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n <= k)
        return 0;
    for (size_t j = 1; j <= k; j++) {
        if ((p[j] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k + 1;
}
