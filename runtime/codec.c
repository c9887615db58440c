/*
 * codec.c - the one table-driven walker that encodes, sizes and decodes
 * values described by alr_struct_desc tables as seen through a plan, and
 * the arena decoded values live in.  Frames are frame.c's; the byte layout
 * and its rationale are spec/wire-format.md.
 *
 * Invariants:
 *  - A message is the slots of the top struct's wire members in wire order.
 *    A struct / fixed-array slot is ONE default slot when every member of
 *    it that travels is default (is_dflt), else the slots of its members,
 *    preceded by 0xF2 only when the first of them starts with a marker.
 *    An optional slot is default when absent, else its inner slot, again
 *    behind 0xF2 only when that starts with a marker.
 *  - The writer holds default slots back (enc.pending) and writes them as
 *    F0, F0 F0 or a run (F1 n) just before the next non-default byte, at
 *    the end of a container element, or at the end of the message; so runs
 *    never cross container elements.  enc.present counts the 0xF2 bytes
 *    owed at the current position: paid if the next byte is a marker,
 *    forgiven if it is a value.
 *  - The reader is greedy: a marker met where a struct, array or optional
 *    starts covers that whole slot.  dec.run counts default slots still
 *    owed by a run and must be 0 at the end of every element and message.
 *  - The reader bounds every count by the bytes that remain before it
 *    allocates, and writes only into zeroed memory, so a default slot costs
 *    nothing unless a member the peer lacks has a declared default.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alr/codec.h"
#include "plan_internal.h"
#include "wire.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define TRY(x)                                                                                     \
    do {                                                                                           \
        alr_err r_ = (x);                                                                          \
        if (UNLIKELY(r_ != ALR_OK))                                                                \
            return r_;                                                                             \
    } while (0)

/* Deepest nesting the encoder follows: guards against cyclic pointers in a
 * caller's value; decoders default to 64 (alr_codec_limits.max_depth). */
#define ENC_MAX_DEPTH 256u

#define DEFAULT_MAX_MESSAGE (64u * 1024u * 1024u)
#define DEFAULT_MAX_DEPTH 64u
#define DEFAULT_MAX_ALLOC (256u * 1024u * 1024u)

alr_codec_limits alr_codec_limits_default(void)
{
    alr_codec_limits l = {DEFAULT_MAX_MESSAGE, DEFAULT_MAX_DEPTH, 0, DEFAULT_MAX_ALLOC};
    return l;
}

/* ================================================================ arena */

/* Bump allocation in chained blocks.  reset keeps the largest standard
 * block, so a connection decoding message after message into one arena
 * does not touch malloc in the steady state. */

#define ARENA_MIN_BLOCK 8192u
#define ARENA_MAX_BLOCK (1024u * 1024u)
#define ARENA_ALIGN (alignof(max_align_t))

typedef struct arena_blk {
    struct arena_blk *next; /* older block */
    size_t cap;
    int standard;           /* 0: a dedicated block for one large request */
    alignas(max_align_t) unsigned char data[];
} arena_blk;

struct alr_arena {
    unsigned char *p, *end; /* free room in head */
    arena_blk *head;
    size_t next_cap;        /* size of the next standard block */
    unsigned char none;     /* p and end point here while there is no block */
};

alr_arena *alr_arena_new(void)
{
    alr_arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->p = a->end = &a->none;
    a->next_cap = ARENA_MIN_BLOCK;
    return a;
}

void alr_arena_free(alr_arena *a)
{
    if (!a)
        return;
    arena_blk *b = a->head;
    while (b) {
        arena_blk *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void alr_arena_reset(alr_arena *a)
{
    if (!a)
        return;
    arena_blk *keep = NULL;
    for (arena_blk *b = a->head; b; b = b->next)
        if (b->standard && (!keep || b->cap > keep->cap))
            keep = b;
    arena_blk *b = a->head;
    while (b) {
        arena_blk *n = b->next;
        if (b != keep)
            free(b);
        b = n;
    }
    a->head = keep;
    if (keep) {
        keep->next = NULL;
        a->p = keep->data;
        a->end = keep->data + keep->cap;
    } else {
        a->p = a->end = &a->none;
    }
}

static void *arena_slow(alr_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size > a->next_cap / 4) { /* dedicated block, slotted behind the head */
        arena_blk *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->cap = size;
        b->standard = 0;
        if (a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = NULL;
            a->head = b;
            a->p = a->end = b->data + size;
        }
        return b->data;
    }
    size_t cap = a->next_cap;
    arena_blk *b = malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->cap = cap;
    b->standard = 1;
    b->next = a->head;
    a->head = b;
    a->p = b->data + size;
    a->end = b->data + cap;
    if (a->next_cap < ARENA_MAX_BLOCK)
        a->next_cap *= 2;
    return b->data;
}

/* size bytes aligned to align (a power of two <= ARENA_ALIGN), not zeroed. */
static inline void *arena_alloc(alr_arena *a, size_t size, size_t align)
{
    size_t pad = (size_t)(-(uintptr_t)a->p) & (align - 1);
    size_t room = (size_t)(a->end - a->p);
    if (LIKELY(room >= pad && room - pad >= size)) {
        unsigned char *r = a->p + pad;
        a->p = r + size;
        return r;
    }
    return arena_slow(a, size);
}

void *alr_arena_alloc(alr_arena *a, size_t size)
{
    if (!a || size > ((size_t)1 << 40))
        return NULL;
    void *p = arena_alloc(a, size ? size : 1, ARENA_ALIGN);
    if (p)
        memset(p, 0, size);
    return p;
}

char *alr_arena_strdup(alr_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = alr_arena_alloc(a, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* ================================================================ plans */

static uint32_t ret_hidden_missing[1] = {0};
/* A method's result whose return value the peer does not share. */
static const alri_plan_members ret_hidden = {0, NULL, 1, ret_hidden_missing, 0};

/* The members plan for sd: *out = NULL for "every member, local order". */
static inline alr_err plan_of(const alr_plan *plan, const alr_struct_desc *sd,
                              const alri_plan_members **out)
{
    *out = NULL;
    if (!plan)
        return ALR_OK;
    uint32_t ix = sd->index, i = ix & ALR_DESC_INDEX_MASK;
    const alri_plan_members *pm;
    if (ix & ALR_DESC_ARGS) {
        if (i >= plan->nmethods)
            return ALR_EINVAL;
        pm = &plan->args[i];
    } else if (ix & ALR_DESC_RET) {
        if (i >= plan->nmethods)
            return ALR_EINVAL;
        if (!plan->ret_shared[i])
            *out = &ret_hidden;
        return ALR_OK;
    } else {
        if (ix >= plan->nstructs)
            return ALR_EINVAL;
        pm = &plan->structs[ix];
    }
    if (!pm->identity)
        *out = pm;
    return ALR_OK;
}

static inline uint32_t nwire_of(const alr_struct_desc *sd, const alri_plan_members *pm)
{
    return pm ? pm->nwire : sd->nmembers;
}

/* ================================================================ encoder */

typedef struct enc {
    uint8_t *p, *end;       /* write cursor and end of room */
    alr_buf *buf;           /* NULL: counting into scratch */
    size_t counted;         /* counting: bytes already dropped from scratch */
    uint64_t pending;       /* default slots held back */
    uint32_t present;       /* 0xF2 bytes owed if the next byte is a marker */
    uint32_t depth;
    const alr_plan *plan;
    uint8_t scratch[256];
} enc;

static alr_err enc_grow(enc *e, size_t n)
{
    if (!e->buf) {
        e->counted += (size_t)(e->p - e->scratch);
        e->p = e->scratch;
        return n <= sizeof e->scratch ? ALR_OK : ALR_EINVAL;
    }
    alr_buf *b = e->buf;
    size_t used = b->data ? (size_t)(e->p - b->data) : 0;
    if (n > SIZE_MAX / 4 - used)
        return ALR_ENOMEM;
    size_t cap = b->cap > 64 ? b->cap : 64;
    while (cap - used < n)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d)
        return ALR_ENOMEM;
    b->data = d;
    b->cap = cap;
    e->p = d + used;
    e->end = d + cap;
    return ALR_OK;
}

#define ROOM(e, n)                                                                                 \
    do {                                                                                           \
        if (UNLIKELY((size_t)((e)->end - (e)->p) < (size_t)(n)))                                   \
            TRY(enc_grow((e), (n)));                                                               \
    } while (0)

static alr_err enc_raw(enc *e, const void *src, size_t n)
{
    if (!e->buf) {
        e->counted += n;
        return ALR_OK;
    }
    ROOM(e, n);
    memcpy(e->p, src, n);
    e->p += n;
    return ALR_OK;
}

/* Writes the held-back default slots (pending > 0), after the 0xF2 bytes
 * owed at this position. */
static alr_err enc_flush(enc *e)
{
    while (e->present) {
        uint32_t k = e->present < 64 ? e->present : 64;
        ROOM(e, k);
        memset(e->p, ALRI_W_PRESENT, k);
        e->p += k;
        e->present -= k;
    }
    uint64_t n = e->pending;
    e->pending = 0;
    ROOM(e, ALRI_W_MAXRUN);
    if (n < 3) {
        *e->p++ = ALRI_W_DEFAULT;
        if (n == 2)
            *e->p++ = ALRI_W_DEFAULT;
    } else {
        *e->p++ = ALRI_W_RUN;
        e->p += alri_wput_uint(e->p, n);
    }
    return ALR_OK;
}

/* Before a non-default value: write held-back defaults; owed 0xF2 bytes are
 * forgiven (a value's lead byte is never a marker). */
#define BEGIN_VALUE(e)                                                                             \
    do {                                                                                           \
        if (UNLIKELY((e)->pending))                                                                \
            TRY(enc_flush(e));                                                                     \
        (e)->present = 0;                                                                          \
    } while (0)

/* Before the slots of a non-default struct, array or optional. */
#define DESCEND(e)                                                                                 \
    do {                                                                                           \
        if ((e)->pending)                                                                          \
            TRY(enc_flush(e));                                                                     \
        (e)->present++;                                                                            \
        if (UNLIKELY(++(e)->depth > ENC_MAX_DEPTH))                                                \
            return ALR_EINVAL;                                                                     \
    } while (0)

static inline int is_zero(const uint8_t *p, size_t n)
{
    if (n > 64)
        return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (w)
            return 0;
    }
    for (; n; n--)
        if (*p++)
            return 0;
    return 1;
}

/* Whether the value at src is its type's default as the wire sees it: every
 * member that travels is default (members the peer lacks do not count), so
 * a struct is one marker exactly when nothing of it would reach the peer.
 * Follows no pointer, so it terminates; it stops at the first non-default
 * member, which in practice is the first one. */
static int is_dflt(const enc *e, const alr_type_desc *t, const uint8_t *src)
{
    switch (t->kind) {
    case ALR_K_STRING: {
        const char *s;
        memcpy(&s, src, sizeof s);
        return !s || !*s;
    }
    case ALR_K_BYTES:
        return ((const alr_bytes *)src)->len == 0;
    case ALR_K_LIST:
    case ALR_K_SET:
        return ((const alr_list *)src)->n == 0;
    case ALR_K_MAP:
        return ((const alr_map *)src)->n == 0;
    case ALR_K_OPTIONAL: {
        const void *p;
        memcpy(&p, src, sizeof p);
        return p == NULL;
    }
    case ALR_K_ARRAY:
        if (is_zero(src, t->size))
            return 1;
        for (uint32_t i = 0; i < t->len; i++, src += t->elem->size)
            if (!is_dflt(e, t->elem, src))
                return 0;
        return 1;
    case ALR_K_STRUCT: {
        const alr_struct_desc *sd = t->sd;
        const alri_plan_members *pm;
        if (is_zero(src, sd->size))
            return 1;
        if (plan_of(e->plan, sd, &pm) != ALR_OK)
            return 0; /* the walk reports it */
        const alr_member_desc *m = sd->members;
        uint32_t n = nwire_of(sd, pm);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = pm ? pm->wire[i] : i;
            if (k >= sd->nmembers || !is_dflt(e, m[k].type, src + m[k].offset))
                return 0;
        }
        return 1;
    }
    default: /* integers, bool, floats by bits, refs */
        return is_zero(src, t->size);
    }
}

static alr_err enc_slot(enc *e, const alr_type_desc *t, const uint8_t *src);

/* Integer-like kinds, handled inline in the member loops: C size, and 0x10
 * when the value is signed (zigzag).  0: anything else.  A C bool holds 0
 * or 1, so it encodes as a u8 (the decoder takes bool through dec_slot,
 * which accepts only 0x01). */
static const uint8_t int_form[ALR_K_MAX_ + 1] = {
    [ALR_K_BOOL] = 1,       [ALR_K_U8] = 1,         [ALR_K_U16] = 2,  [ALR_K_U32] = 4,
    [ALR_K_U64] = 8,        [ALR_K_FLAGS] = 8,      [ALR_K_I8] = 0x11, [ALR_K_I16] = 0x12,
    [ALR_K_I32] = 0x14,     [ALR_K_ENUM] = 0x14,    [ALR_K_I64] = 0x18,
};

static inline alr_err enc_member(enc *e, const alr_type_desc *t, const uint8_t *src)
{
    unsigned f = t->kind <= ALR_K_MAX_ ? int_form[t->kind] : 0;
    if (!f)
        return enc_slot(e, t, src);
    uint64_t v;
    if (f & 8) {
        memcpy(&v, src, 8);
    } else if (f & 4) {
        uint32_t x;
        memcpy(&x, src, 4);
        v = (f & 0x10) ? (uint64_t)(int64_t)(int32_t)x : x;
    } else if (f & 2) {
        uint16_t x;
        memcpy(&x, src, 2);
        v = (f & 0x10) ? (uint64_t)(int64_t)(int16_t)x : x;
    } else if (f & 0x10) {
        v = (uint64_t)(int64_t)(int8_t)*src;
    } else {
        v = *src;
    }
    if (f & 0x10)
        v = alri_zigzag64((int64_t)v);
    if (!v) {
        e->pending++;
        return ALR_OK;
    }
    BEGIN_VALUE(e);
    ROOM(e, ALRI_W_MAXINT);
    e->p += alri_wput_uint(e->p, v);
    return ALR_OK;
}

static alr_err enc_members(enc *e, const alr_struct_desc *sd, const alri_plan_members *pm,
                           const uint8_t *src)
{
    const alr_member_desc *m = sd->members;
    if (!pm) {
        for (uint32_t i = 0, n = sd->nmembers; i < n; i++)
            TRY(enc_member(e, m[i].type, src + m[i].offset));
        return ALR_OK;
    }
    for (uint32_t i = 0; i < pm->nwire; i++) {
        uint32_t k = pm->wire[i];
        if (UNLIKELY(k >= sd->nmembers))
            return ALR_EINVAL;
        TRY(enc_member(e, m[k].type, src + m[k].offset));
    }
    return ALR_OK;
}

static alr_err enc_blob(enc *e, const void *ptr, uint64_t len)
{
    if (!len) {
        e->pending++;
        return ALR_OK;
    }
    if (len > UINT32_MAX || !ptr)
        return ALR_EINVAL;
    BEGIN_VALUE(e);
    ROOM(e, ALRI_W_MAXHDR + ALRI_W_STR_INLINE_MAX);
    e->p += alri_wput_hdr(e->p, (uint32_t)len, ALRI_W_STR_INLINE, ALRI_W_STR_INLINE_MAX,
                          ALRI_W_STR_N);
    if (len <= ALRI_W_STR_INLINE_MAX && e->buf) { /* room already reserved */
        memcpy(e->p, ptr, len);
        e->p += len;
        return ALR_OK;
    }
    return enc_raw(e, ptr, len);
}

static alr_err enc_container(enc *e, uint32_t n)
{
    BEGIN_VALUE(e);
    ROOM(e, ALRI_W_MAXHDR);
    e->p += alri_wput_hdr(e->p, n, ALRI_W_CNT_INLINE, ALRI_W_CNT_INLINE_MAX, ALRI_W_CNT_N);
    if (UNLIKELY(++e->depth > ENC_MAX_DEPTH))
        return ALR_EINVAL;
    return ALR_OK;
}

/* Ends one container element: its held-back defaults are written here. */
static inline alr_err enc_elem_end(enc *e)
{
    if (e->pending)
        TRY(enc_flush(e));
    e->present = 0;
    return ALR_OK;
}

static alr_err enc_slot(enc *e, const alr_type_desc *t, const uint8_t *src)
{
    uint64_t v;
    switch (t->kind) {
    case ALR_K_BOOL:
        if (!*(const bool *)src)
            goto dflt;
        BEGIN_VALUE(e);
        ROOM(e, 1);
        *e->p++ = 1;
        return ALR_OK;
    case ALR_K_U8:
        v = *src;
        break;
    case ALR_K_U16: {
        uint16_t x;
        memcpy(&x, src, sizeof x);
        v = x;
        break;
    }
    case ALR_K_U32: {
        uint32_t x;
        memcpy(&x, src, sizeof x);
        v = x;
        break;
    }
    case ALR_K_U64:
    case ALR_K_FLAGS:
        memcpy(&v, src, sizeof v);
        break;
    case ALR_K_I8:
        v = alri_zigzag64(*(const int8_t *)src);
        break;
    case ALR_K_I16: {
        int16_t x;
        memcpy(&x, src, sizeof x);
        v = alri_zigzag64(x);
        break;
    }
    case ALR_K_I32:
    case ALR_K_ENUM: {
        int32_t x;
        memcpy(&x, src, sizeof x);
        v = alri_zigzag64(x);
        break;
    }
    case ALR_K_I64: {
        int64_t x;
        memcpy(&x, src, sizeof x);
        v = alri_zigzag64(x);
        break;
    }
    case ALR_K_F32: {
        uint32_t b;
        memcpy(&b, src, sizeof b);
        if (!b)
            goto dflt;
        BEGIN_VALUE(e);
        ROOM(e, 5);
        e->p[0] = ALRI_W_F32;
        b = alri_le32(b);
        memcpy(e->p + 1, &b, 4);
        e->p += 5;
        return ALR_OK;
    }
    case ALR_K_F64: {
        uint64_t b;
        uint32_t s;
        memcpy(&b, src, sizeof b);
        if (!b)
            goto dflt;
        BEGIN_VALUE(e);
        ROOM(e, 9);
        if (alri_f64_fits_f32(b, &s)) {
            e->p[0] = ALRI_W_F32;
            s = alri_le32(s);
            memcpy(e->p + 1, &s, 4);
            e->p += 5;
        } else {
            e->p[0] = ALRI_W_F64;
            alri_store_le8(e->p + 1, b);
            e->p += 9;
        }
        return ALR_OK;
    }
    case ALR_K_STRING: {
        const char *s;
        memcpy(&s, src, sizeof s);
        if (!s || !*s)
            goto dflt;
        return enc_blob(e, s, strlen(s));
    }
    case ALR_K_BYTES: {
        const alr_bytes *b = (const alr_bytes *)src;
        return enc_blob(e, b->ptr, b->len);
    }
    case ALR_K_LIST:
    case ALR_K_SET: {
        const alr_list *l = (const alr_list *)src;
        if (!l->n)
            goto dflt;
        if (!l->v)
            return ALR_EINVAL;
        TRY(enc_container(e, l->n));
        const alr_type_desc *et = t->elem;
        const uint8_t *p = l->v;
        for (uint32_t i = 0; i < l->n; i++, p += et->size) {
            TRY(enc_slot(e, et, p));
            TRY(enc_elem_end(e));
        }
        e->depth--;
        return ALR_OK;
    }
    case ALR_K_MAP: {
        const alr_map *m = (const alr_map *)src;
        if (!m->n)
            goto dflt;
        if (!m->keys || !m->vals)
            return ALR_EINVAL;
        TRY(enc_container(e, m->n));
        const alr_type_desc *kt = t->key, *vt = t->elem;
        const uint8_t *kp = m->keys, *vp = m->vals;
        for (uint32_t i = 0; i < m->n; i++, kp += kt->size, vp += vt->size) {
            TRY(enc_slot(e, kt, kp));
            TRY(enc_slot(e, vt, vp));
            TRY(enc_elem_end(e));
        }
        e->depth--;
        return ALR_OK;
    }
    case ALR_K_OPTIONAL: {
        const uint8_t *inner;
        memcpy(&inner, src, sizeof inner);
        if (!inner)
            goto dflt;
        DESCEND(e);
        TRY(enc_slot(e, t->elem, inner));
        e->depth--;
        return ALR_OK;
    }
    case ALR_K_ARRAY: {
        if (is_dflt(e, t, src))
            goto dflt;
        DESCEND(e);
        const alr_type_desc *et = t->elem;
        for (uint32_t i = 0; i < t->len; i++, src += et->size)
            TRY(enc_slot(e, et, src));
        e->depth--;
        return ALR_OK;
    }
    case ALR_K_STRUCT: {
        const alr_struct_desc *sd = t->sd;
        const alri_plan_members *pm;
        if (is_dflt(e, t, src))
            goto dflt;
        TRY(plan_of(e->plan, sd, &pm));
        if (!nwire_of(sd, pm))
            goto dflt;
        DESCEND(e);
        TRY(enc_members(e, sd, pm, src));
        e->depth--;
        return ALR_OK;
    }
    case ALR_K_REF: {
        const alr_ref *r = (const alr_ref *)src;
        if (!r->id)
            goto dflt;
        BEGIN_VALUE(e);
        ROOM(e, 9);
        unsigned n = alri_bytes_for(r->id);
        e->p[0] = (uint8_t)(ALRI_W_REF_N + n);
        alri_store_le8(e->p + 1, r->id);
        e->p += 1 + n;
        return ALR_OK;
    }
    default:
        return ALR_EINVAL;
    }
    /* every integer kind */
    if (!v)
        goto dflt;
    BEGIN_VALUE(e);
    ROOM(e, ALRI_W_MAXINT);
    e->p += alri_wput_uint(e->p, v);
    return ALR_OK;
dflt:
    e->pending++;
    return ALR_OK;
}

static alr_err enc_message(enc *e, const alr_struct_desc *sd, const void *value)
{
    const alri_plan_members *pm;
    TRY(plan_of(e->plan, sd, &pm));
    TRY(enc_members(e, sd, pm, value));
    if (e->pending)
        TRY(enc_flush(e));
    return ALR_OK;
}

alr_err alr_encode(const alr_struct_desc *sd, const alr_plan *plan, const void *value,
                   alr_buf *out)
{
    if (!sd || !out || (!value && sd->size) || (!out->data && out->len) || out->len > out->cap)
        return ALR_EINVAL;
    enc e;
    e.buf = out;
    e.counted = 0;
    e.pending = 0;
    e.present = 0;
    e.depth = 0;
    e.plan = plan;
    if (!out->data || out->cap - out->len < 64) {
        e.p = e.end = out->data ? out->data + out->len : NULL;
        TRY(enc_grow(&e, 64));
    } else {
        e.p = out->data + out->len;
        e.end = out->data + out->cap;
    }
    TRY(enc_message(&e, sd, value));
    out->len = (size_t)(e.p - out->data);
    return ALR_OK;
}

size_t alr_encoded_size(const alr_struct_desc *sd, const alr_plan *plan, const void *value)
{
    if (!sd || (!value && sd->size))
        return 0;
    enc e;
    e.buf = NULL;
    e.counted = 0;
    e.pending = 0;
    e.present = 0;
    e.depth = 0;
    e.plan = plan;
    e.p = e.scratch;
    e.end = e.scratch + sizeof e.scratch;
    if (enc_message(&e, sd, value) != ALR_OK)
        return 0;
    return e.counted + (size_t)(e.p - e.scratch);
}

/* ================================================================ decoder */

#define FILL_MEMO 16u

typedef struct dec {
    const uint8_t *p, *end;
    uint64_t run;           /* default slots still owed by a run */
    uint64_t work;          /* budget left (limits.max_work) */
    uint32_t depth, max_depth;
    size_t alloc_left;      /* limits.max_alloc minus what this decode took */
    alr_arena *arena;
    const alr_plan *plan;
    /* memo of "does a default value of this struct need declared defaults
     * written into it" (only consulted with a plan) */
    const alr_struct_desc *fill_key[FILL_MEMO];
    uint8_t fill_val[FILL_MEMO];
    uint8_t fill_ready;     /* fill_key cleared (lazily: most decodes never ask) */
} dec;

#define PROTO ALR_EPROTO

static inline alr_err take_work(dec *d)
{
    if (UNLIKELY(d->work == 0))
        return PROTO;
    d->work--;
    return ALR_OK;
}

static void *dec_alloc(dec *d, uint64_t size, uint32_t align, int zero, alr_err *err)
{
    if (size > d->alloc_left) {
        *err = ALR_ELIMIT;
        return NULL;
    }
    if (!align || align > ARENA_ALIGN || (align & (align - 1)))
        align = ARENA_ALIGN;
    void *p = arena_alloc(d->arena, (size_t)size, align);
    if (!p) {
        *err = ALR_ENOMEM;
        return NULL;
    }
    d->alloc_left -= (size_t)size;
    if (zero)
        memset(p, 0, (size_t)size);
    return p;
}

static int needs_fill_type(dec *d, const alr_type_desc *t, unsigned guard);

/* Whether a default (all-zero) value of sd must still receive declared
 * defaults of members the peer lacks, here or in nested structs. */
static int needs_fill_sd(dec *d, const alr_struct_desc *sd, unsigned guard)
{
    unsigned h = (unsigned)(((uintptr_t)sd >> 3) & (FILL_MEMO - 1));
    if (!d->fill_ready) {
        memset(d->fill_key, 0, sizeof d->fill_key);
        d->fill_ready = 1;
    }
    if (d->fill_key[h] == sd)
        return d->fill_val[h];
    if (guard > ENC_MAX_DEPTH)
        return 1; /* absurd by-value nesting: let the fill walk hit the depth cap */
    const alri_plan_members *pm;
    int r = 0;
    if (plan_of(d->plan, sd, &pm) != ALR_OK)
        return 1; /* the fill walk reports the error */
    const alr_member_desc *m = sd->members;
    if (pm) {
        for (uint32_t i = 0; i < pm->nmissing && !r; i++)
            r = pm->missing[i] >= sd->nmembers || m[pm->missing[i]].dflt != NULL;
        for (uint32_t i = 0; i < pm->nwire && !r; i++)
            r = pm->wire[i] >= sd->nmembers ||
                needs_fill_type(d, m[pm->wire[i]].type, guard + 1);
    } else {
        for (uint32_t i = 0; i < sd->nmembers && !r; i++)
            r = needs_fill_type(d, m[i].type, guard + 1);
    }
    d->fill_key[h] = sd;
    d->fill_val[h] = (uint8_t)r;
    return r;
}

static int needs_fill_type(dec *d, const alr_type_desc *t, unsigned guard)
{
    while (t->kind == ALR_K_ARRAY)
        t = t->elem;
    return t->kind == ALR_K_STRUCT && needs_fill_sd(d, t->sd, guard);
}

static alr_err dec_default(dec *d, const alr_type_desc *t, uint8_t *dst);

/* A default struct with a plan: declared defaults of missing members. */
static alr_err fill_struct(dec *d, const alr_struct_desc *sd, uint8_t *dst)
{
    if (!needs_fill_sd(d, sd, 0))
        return ALR_OK;
    const alri_plan_members *pm;
    TRY(plan_of(d->plan, sd, &pm));
    if (++d->depth > d->max_depth)
        return PROTO;
    const alr_member_desc *m = sd->members;
    uint32_t n = nwire_of(sd, pm);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = pm ? pm->wire[i] : i;
        if (k >= sd->nmembers)
            return ALR_EINVAL;
        uint8_t kind = m[k].type->kind;
        if (kind == ALR_K_STRUCT || kind == ALR_K_ARRAY) {
            TRY(take_work(d));
            TRY(dec_default(d, m[k].type, dst + m[k].offset));
        }
    }
    if (pm) {
        for (uint32_t i = 0; i < pm->nmissing; i++) {
            uint32_t k = pm->missing[i];
            if (k >= sd->nmembers)
                return ALR_EINVAL;
            if (m[k].dflt) {
                TRY(take_work(d));
                memcpy(dst + m[k].offset, m[k].dflt, m[k].type->size);
            }
        }
    }
    d->depth--;
    return ALR_OK;
}

/* The value at dst (zeroed memory) becomes the default of t. */
static alr_err dec_default(dec *d, const alr_type_desc *t, uint8_t *dst)
{
    if (LIKELY(!d->plan))
        return ALR_OK;
    if (t->kind == ALR_K_STRUCT)
        return fill_struct(d, t->sd, dst);
    if (t->kind == ALR_K_ARRAY && needs_fill_type(d, t->elem, 0)) {
        if (++d->depth > d->max_depth)
            return PROTO;
        const alr_type_desc *et = t->elem;
        for (uint32_t i = 0; i < t->len; i++, dst += et->size) {
            TRY(take_work(d));
            TRY(dec_default(d, et, dst));
        }
        d->depth--;
    }
    return ALR_OK;
}

static alr_err dec_slot(dec *d, const alr_type_desc *t, uint8_t *dst);

/* One member: integers whose lead byte is a value (the common case) are
 * read here; markers, runs and every other kind go through dec_slot. */
static inline alr_err dec_member(dec *d, const alr_type_desc *t, uint8_t *dst)
{
    unsigned f = t->kind <= ALR_K_MAX_ ? int_form[t->kind] : 0;
    if (!f || t->kind == ALR_K_BOOL || d->run || d->p >= d->end || *d->p >= ALRI_W_DEFAULT)
        return dec_slot(d, t, dst);
    uint64_t v;
    TRY(take_work(d));
    unsigned size = f & 15;
    if (alri_wget_uint(&d->p, d->end, &v) || (size < 8 && v >> (8 * size)))
        return PROTO;
    if (f & 0x10)
        v = (uint64_t)alri_unzigzag64(v);
    if (size == 8) {
        memcpy(dst, &v, 8);
    } else if (size == 4) {
        uint32_t x = (uint32_t)v;
        memcpy(dst, &x, 4);
    } else if (size == 2) {
        uint16_t x = (uint16_t)v;
        memcpy(dst, &x, 2);
    } else {
        *dst = (uint8_t)v;
    }
    return ALR_OK;
}

static alr_err dec_members(dec *d, const alr_struct_desc *sd, const alri_plan_members *pm,
                           uint8_t *dst)
{
    const alr_member_desc *m = sd->members;
    if (!pm) {
        for (uint32_t i = 0, n = sd->nmembers; i < n; i++)
            TRY(dec_member(d, m[i].type, dst + m[i].offset));
        return ALR_OK;
    }
    for (uint32_t i = 0; i < pm->nwire; i++) {
        uint32_t k = pm->wire[i];
        if (UNLIKELY(k >= sd->nmembers))
            return ALR_EINVAL;
        TRY(dec_member(d, m[k].type, dst + m[k].offset));
    }
    for (uint32_t i = 0; i < pm->nmissing; i++) {
        uint32_t k = pm->missing[i];
        if (UNLIKELY(k >= sd->nmembers))
            return ALR_EINVAL;
        if (m[k].dflt) {
            TRY(take_work(d));
            memcpy(dst + m[k].offset, m[k].dflt, m[k].type->size);
        }
    }
    return ALR_OK;
}

/* After 0xF2: the next byte must be a marker (writers emit 0xF2 only then). */
static inline alr_err dec_present(dec *d)
{
    d->p++;
    if (d->p >= d->end || (unsigned)(*d->p - ALRI_W_DEFAULT) > 2u)
        return PROTO;
    return ALR_OK;
}

/* A length header of a string/bytes value at d->p; len bounded by the rest. */
static inline alr_err dec_len(dec *d, unsigned lead, uint32_t *len)
{
    if ((unsigned)(lead - ALRI_W_STR_INLINE - 1) >= ALRI_W_STR_INLINE_MAX &&
        (unsigned)(lead - ALRI_W_STR_N - 1) >= 4u)
        return PROTO;
    if (alri_wget_hdr(&d->p, d->end, ALRI_W_STR_INLINE, ALRI_W_STR_INLINE_MAX, ALRI_W_STR_N, len))
        return PROTO;
    if (*len > (size_t)(d->end - d->p))
        return PROTO;
    return ALR_OK;
}

/* A container count at d->p, bounded by the rest (each element >= per bytes). */
static inline alr_err dec_count(dec *d, unsigned lead, unsigned per, uint32_t *n)
{
    if ((unsigned)(lead - ALRI_W_CNT_INLINE - 1) >= ALRI_W_CNT_INLINE_MAX &&
        (unsigned)(lead - ALRI_W_CNT_N - 1) >= 4u)
        return PROTO;
    if (alri_wget_hdr(&d->p, d->end, ALRI_W_CNT_INLINE, ALRI_W_CNT_INLINE_MAX, ALRI_W_CNT_N, n))
        return PROTO;
    if ((uint64_t)*n * per > (uint64_t)(d->end - d->p))
        return PROTO;
    if (++d->depth > d->max_depth)
        return PROTO;
    return ALR_OK;
}

static alr_err dec_array(dec *d, const alr_type_desc *t, uint8_t *dst)
{
    const alr_type_desc *et = t->elem;
    uint32_t len = t->len, esz = et->size;
    int nf = -1;
    for (uint32_t i = 0; i < len; i++) {
        if (d->run) {
            if (nf < 0)
                nf = d->plan ? needs_fill_type(d, et, 0) : 0;
            if (!nf) { /* elements are already zero: skip the run's share at once */
                uint64_t k = len - i < d->run ? len - i : d->run;
                d->run -= k;
                i += (uint32_t)k - 1;
                TRY(take_work(d));
                continue;
            }
        }
        TRY(dec_slot(d, et, dst + (size_t)i * esz));
    }
    return ALR_OK;
}

static alr_err dec_slot(dec *d, const alr_type_desc *t, uint8_t *dst)
{
    TRY(take_work(d));
    if (d->run) {
        d->run--;
        return dec_default(d, t, dst);
    }
    if (UNLIKELY(d->p >= d->end))
        return PROTO;
    unsigned lead = *d->p;
    if (lead >= ALRI_W_DEFAULT) {
        if (lead == ALRI_W_DEFAULT) {
            d->p++;
            return dec_default(d, t, dst);
        }
        if (lead == ALRI_W_RUN) {
            uint64_t k;
            d->p++;
            if (alri_wget_uint(&d->p, d->end, &k) || k < 3)
                return PROTO;
            d->run = k - 1;
            return dec_default(d, t, dst);
        }
        if (lead != ALRI_W_PRESENT)
            return PROTO;
        /* 0xF2: only a struct, array or optional takes it (below) */
    }
    uint64_t v;
    switch (t->kind) {
    case ALR_K_BOOL:
        if (lead != 1)
            return PROTO;
        d->p++;
        *(bool *)dst = true;
        return ALR_OK;
    case ALR_K_U8:
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT8_MAX)
            return PROTO;
        *dst = (uint8_t)v;
        return ALR_OK;
    case ALR_K_U16: {
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT16_MAX)
            return PROTO;
        uint16_t x = (uint16_t)v;
        memcpy(dst, &x, sizeof x);
        return ALR_OK;
    }
    case ALR_K_U32: {
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT32_MAX)
            return PROTO;
        uint32_t x = (uint32_t)v;
        memcpy(dst, &x, sizeof x);
        return ALR_OK;
    }
    case ALR_K_U64:
    case ALR_K_FLAGS:
        if (alri_wget_uint(&d->p, d->end, &v))
            return PROTO;
        memcpy(dst, &v, sizeof v);
        return ALR_OK;
    case ALR_K_I8:
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT8_MAX)
            return PROTO;
        *(int8_t *)dst = (int8_t)alri_unzigzag64(v);
        return ALR_OK;
    case ALR_K_I16: {
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT16_MAX)
            return PROTO;
        int16_t x = (int16_t)alri_unzigzag64(v);
        memcpy(dst, &x, sizeof x);
        return ALR_OK;
    }
    case ALR_K_I32:
    case ALR_K_ENUM: {
        if (alri_wget_uint(&d->p, d->end, &v) || v > UINT32_MAX)
            return PROTO;
        int32_t x = (int32_t)alri_unzigzag64(v);
        memcpy(dst, &x, sizeof x);
        return ALR_OK;
    }
    case ALR_K_I64: {
        if (alri_wget_uint(&d->p, d->end, &v))
            return PROTO;
        int64_t x = alri_unzigzag64(v);
        memcpy(dst, &x, sizeof x);
        return ALR_OK;
    }
    case ALR_K_F32: {
        uint32_t b;
        if (lead != ALRI_W_F32 || d->end - d->p < 5)
            return PROTO;
        memcpy(&b, d->p + 1, 4);
        b = alri_le32(b);
        if (!b)
            return PROTO; /* +0.0 has only the default form */
        memcpy(dst, &b, 4);
        d->p += 5;
        return ALR_OK;
    }
    case ALR_K_F64: {
        uint64_t b;
        if (lead == ALRI_W_F32) {
            uint32_t s;
            float f;
            if (d->end - d->p < 5)
                return PROTO;
            memcpy(&s, d->p + 1, 4);
            s = alri_le32(s);
            memcpy(&f, &s, 4);
            if (!s || f != f)
                return PROTO; /* zero is default; NaN always travels as binary64 */
            double x = (double)f;
            memcpy(dst, &x, 8);
            d->p += 5;
            return ALR_OK;
        }
        if (lead != ALRI_W_F64 || d->end - d->p < 9)
            return PROTO;
        b = alri_load_le(d->p + 1, 8);
        uint32_t s;
        if (!b || alri_f64_fits_f32(b, &s))
            return PROTO; /* overlong: the binary32 form was due */
        memcpy(dst, &b, 8);
        d->p += 9;
        return ALR_OK;
    }
    case ALR_K_STRING: {
        uint32_t len;
        alr_err err = ALR_OK;
        TRY(dec_len(d, lead, &len));
        if (memchr(d->p, 0, len))
            return PROTO;
        char *s = dec_alloc(d, (uint64_t)len + 1, 1, 0, &err);
        if (!s)
            return err;
        memcpy(s, d->p, len);
        s[len] = '\0';
        d->p += len;
        memcpy(dst, &s, sizeof s);
        return ALR_OK;
    }
    case ALR_K_BYTES: {
        uint32_t len;
        alr_err err = ALR_OK;
        TRY(dec_len(d, lead, &len));
        uint8_t *b = dec_alloc(d, len, 1, 0, &err);
        if (!b)
            return err;
        memcpy(b, d->p, len);
        d->p += len;
        alr_bytes *out = (alr_bytes *)dst;
        out->ptr = b;
        out->len = len;
        return ALR_OK;
    }
    case ALR_K_LIST:
    case ALR_K_SET: {
        uint32_t n;
        alr_err err = ALR_OK;
        TRY(dec_count(d, lead, 1, &n));
        const alr_type_desc *et = t->elem;
        uint8_t *ep = dec_alloc(d, (uint64_t)n * et->size, et->align, 1, &err);
        if (!ep)
            return err;
        alr_list *l = (alr_list *)dst;
        l->v = ep;
        l->n = n;
        for (uint32_t i = 0; i < n; i++, ep += et->size) {
            TRY(dec_slot(d, et, ep));
            if (d->run)
                return PROTO; /* a run past the end of its element */
        }
        d->depth--;
        return ALR_OK;
    }
    case ALR_K_MAP: {
        uint32_t n;
        alr_err err = ALR_OK;
        TRY(dec_count(d, lead, 2, &n));
        const alr_type_desc *kt = t->key, *vt = t->elem;
        uint8_t *k = dec_alloc(d, (uint64_t)n * kt->size, kt->align, 1, &err);
        if (!k)
            return err;
        uint8_t *vp = dec_alloc(d, (uint64_t)n * vt->size, vt->align, 1, &err);
        if (!vp)
            return err;
        alr_map *m = (alr_map *)dst;
        m->keys = k;
        m->vals = vp;
        m->n = n;
        for (uint32_t i = 0; i < n; i++, k += kt->size, vp += vt->size) {
            TRY(dec_slot(d, kt, k));
            TRY(dec_slot(d, vt, vp));
            if (d->run)
                return PROTO;
        }
        d->depth--;
        return ALR_OK;
    }
    case ALR_K_OPTIONAL: {
        alr_err err = ALR_OK;
        if (lead == ALRI_W_PRESENT)
            TRY(dec_present(d));
        if (++d->depth > d->max_depth)
            return PROTO;
        const alr_type_desc *et = t->elem;
        uint8_t *inner = dec_alloc(d, et->size, et->align, 1, &err);
        if (!inner)
            return err;
        memcpy(dst, &inner, sizeof inner);
        TRY(dec_slot(d, et, inner));
        d->depth--;
        return ALR_OK;
    }
    case ALR_K_ARRAY:
        if (lead == ALRI_W_PRESENT)
            TRY(dec_present(d));
        if (++d->depth > d->max_depth)
            return PROTO;
        TRY(dec_array(d, t, dst));
        d->depth--;
        return ALR_OK;
    case ALR_K_STRUCT: {
        const alr_struct_desc *sd = t->sd;
        const alri_plan_members *pm;
        TRY(plan_of(d->plan, sd, &pm));
        if (!nwire_of(sd, pm))
            return PROTO; /* nothing of it travels: only a default may stand here */
        if (lead == ALRI_W_PRESENT)
            TRY(dec_present(d));
        if (++d->depth > d->max_depth)
            return PROTO;
        TRY(dec_members(d, sd, pm, dst));
        d->depth--;
        return ALR_OK;
    }
    case ALR_K_REF: {
        unsigned n = lead - ALRI_W_REF_N;
        if (n - 1u >= 8u || (size_t)(d->end - d->p) - 1 < n)
            return PROTO;
        v = alri_load_le(d->p + 1, n);
        if (v < alri_min_for(n) || !v)
            return PROTO;
        memcpy(dst, &v, sizeof v);
        d->p += 1 + n;
        return ALR_OK;
    }
    default:
        return ALR_EINVAL;
    }
}

alr_err alr_decode(const alr_struct_desc *sd, const alr_plan *plan, const void *data,
                   size_t len, void *value, alr_arena *arena, const alr_codec_limits *limits)
{
    if (!sd || (!value && sd->size))
        return ALR_EINVAL;
    if (sd->size)
        memset(value, 0, sd->size);
    if ((!data && len) || !arena)
        return ALR_EINVAL;
    alr_codec_limits lim = limits ? *limits : alr_codec_limits_default();
    if (!lim.max_message)
        lim.max_message = DEFAULT_MAX_MESSAGE;
    if (!lim.max_depth)
        lim.max_depth = DEFAULT_MAX_DEPTH;
    if (!lim.max_alloc)
        lim.max_alloc = DEFAULT_MAX_ALLOC;
    if (len > lim.max_message)
        return ALR_ELIMIT;
    static const uint8_t empty[1];
    dec d;
    d.p = data ? (const uint8_t *)data : empty;
    d.end = d.p + len;
    d.run = 0;
    d.work = lim.max_work ? lim.max_work : 16 * (uint64_t)len + 4096;
    d.depth = 0;
    d.max_depth = lim.max_depth;
    d.alloc_left = lim.max_alloc > SIZE_MAX ? SIZE_MAX : (size_t)lim.max_alloc;
    d.arena = arena;
    d.plan = plan;
    d.fill_ready = 0;
    const alri_plan_members *pm;
    alr_err r = plan_of(plan, sd, &pm);
    if (!r)
        r = dec_members(&d, sd, pm, value);
    if (!r && (d.run || d.p != d.end))
        r = PROTO; /* a run past the end, trailing bytes */
    if (r && sd->size)
        memset(value, 0, sd->size);
    return r;
}
