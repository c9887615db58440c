/*
 * alr/codec.h - descriptor tables and the value codec.
 *
 * Generated code (or alr_layout_build() for a schema known only at run time)
 * describes each C type with constant tables: kinds, sizeof/offsetof of C
 * members, sub-descriptors.  One table-driven walker encodes, decodes and
 * sizes every value (sizing is encoding into a counting sink, so the two
 * never disagree).  A per-connection plan (alr/plan.h) says which members
 * travel and in which order; with a NULL plan every member travels in local
 * order (both peers built from the same schema).
 *
 * C representation of each kind (what descriptors describe):
 *   bool -> bool; iN/uN -> intN_t/uintN_t; f32/f64 -> float/double;
 *   enum -> int32_t; flags -> uint64_t;
 *   string -> char * (NUL-terminated UTF-8, NULL means ""; no NUL inside);
 *   bytes -> alr_bytes; list<T>, set<T> -> alr_list (T elements, contiguous);
 *   map<K,V> -> alr_map (parallel key and value arrays);
 *   optional<T> -> T * (NULL = absent); T[N] -> T[N] inline;
 *   struct -> the C struct; ref<S> -> alr_ref (an object id, see spec).
 */
#ifndef ALR_CODEC_H
#define ALR_CODEC_H

#include <stdbool.h>

#include "alr.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alr_bytes {
    uint8_t *ptr; /* len bytes; NULL when len == 0 */
    uint32_t len;
} alr_bytes;

typedef struct alr_list {
    void *v;    /* n elements of the element type, contiguous; NULL when n == 0 */
    uint32_t n;
} alr_list;

typedef struct alr_map {
    void *keys; /* n keys */
    void *vals; /* n values, vals[i] belongs to keys[i] */
    uint32_t n;
} alr_map;

typedef struct alr_ref {
    uint64_t id; /* 0 = no object */
} alr_ref;

typedef struct alr_type_desc alr_type_desc;
typedef struct alr_struct_desc alr_struct_desc;

/* One C type.  Descriptors are immutable and usually static const. */
struct alr_type_desc {
    uint8_t kind;                /* alr_kind */
    uint32_t size;               /* sizeof one C value of this type */
    uint32_t align;              /* alignof one C value of this type */
    const alr_type_desc *elem;   /* LIST, SET, OPTIONAL, ARRAY: element; MAP: value */
    const alr_type_desc *key;    /* MAP: key */
    uint32_t len;                /* ARRAY: number of elements */
    const alr_struct_desc *sd;   /* STRUCT */
    uint32_t index;              /* STRUCT: local struct index; ENUM/FLAGS: local enum index;
                                    REF: local service index (in the local schema blob) */
};

/* One struct member (a field, or a parameter of a method's argument struct). */
typedef struct alr_member_desc {
    const char *name;
    uint32_t offset;             /* offsetof in the C struct */
    const alr_type_desc *type;
    const void *dflt;            /* declared default as a C value of the member's
                                    type (static storage), or NULL for zero */
} alr_member_desc;

struct alr_struct_desc {
    const char *name;            /* qualified name */
    uint32_t size, align;        /* of the C struct */
    uint32_t nmembers;
    const alr_member_desc *members;  /* in declaration order = schema order */
    uint32_t index;              /* local struct index; for a method's argument struct
                                    ALR_DESC_ARGS | local method index; for its result
                                    (one member, named "return") ALR_DESC_RET | index */
};
#define ALR_DESC_ARGS 0x80000000u
#define ALR_DESC_RET 0x40000000u
#define ALR_DESC_INDEX_MASK 0x3FFFFFFFu

/* Limits applied while decoding (defaults: alr_codec_limits_default()).
 * A field left 0 takes its default, so max_work 0 means 16 x len + 4096. */
typedef struct alr_codec_limits {
    uint32_t max_message;  /* bytes in one message (default 64 MiB) */
    uint32_t max_depth;    /* nesting of containers and structs (default 64) */
    uint64_t max_work;     /* budget of decoded values incl. defaults expanded
                              by runs (default 16 x message bytes + 4096) */
    uint64_t max_alloc;    /* bytes the decoder may allocate (default 256 MiB) */
} alr_codec_limits;

alr_codec_limits alr_codec_limits_default(void);

typedef struct alr_plan alr_plan; /* alr/plan.h */
typedef struct alr_arena alr_arena;

/* An arena for decoded values: everything one decode allocates lives in it
 * and is released at once with alr_arena_free().  Created by the caller. */
alr_arena *alr_arena_new(void);
/* Releases every value decoded into the arena, and the arena (NULL ok). */
void alr_arena_free(alr_arena *a);
/* Releases the values but keeps the arena for reuse. */
void alr_arena_reset(alr_arena *a);
/* size zeroed bytes aligned for any type, owned by the arena (released by
 * alr_arena_reset/alr_arena_free); NULL when out of memory.  This is how a
 * handler builds results in alr_call_arena(). */
void *alr_arena_alloc(alr_arena *a, size_t size);
/* A copy of s in the arena (NULL for NULL s or out of memory). */
char *alr_arena_strdup(alr_arena *a, const char *s);

/* A growable output buffer.  Initialize with {0}; free data with free(). */
typedef struct alr_buf {
    uint8_t *data;
    size_t len, cap;
} alr_buf;

/* Encodes the struct at `value` (described by sd, as seen through plan, which
 * may be NULL) and appends the bytes to out.  Returns ALR_OK, ALR_ENOMEM,
 * ALR_EINVAL (a value the wire cannot carry: NULL data with a non-zero
 * count, nesting past 256 such as a cyclic pointer; or a plan that does
 * not cover sd).  On error out->len is unchanged. */
alr_err alr_encode(const alr_struct_desc *sd, const alr_plan *plan, const void *value,
                   alr_buf *out);

/* Returns the exact number of bytes alr_encode() would append (0 on error). */
size_t alr_encoded_size(const alr_struct_desc *sd, const alr_plan *plan, const void *value);

/* Decodes exactly data[0..len) into the C struct at `value` (sd->size bytes,
 * overwritten).  Strings, lists and optionals point into arena (caller owned).
 * Members absent from the wire get the local declared default (or zero).
 * Returns ALR_OK, or ALR_EPROTO for any invalid message (type confusion,
 * truncation, trailing bytes, overlong integers, counts past the bytes that
 * remain, depth or work budget exceeded), ALR_ELIMIT (len > max_message,
 * or max_alloc reached), ALR_ENOMEM, or ALR_EINVAL (bad arguments, or a
 * plan that does not cover sd).
 * limits may be NULL (defaults).  On error `value` is zeroed. */
alr_err alr_decode(const alr_struct_desc *sd, const alr_plan *plan, const void *data,
                   size_t len, void *value, alr_arena *arena, const alr_codec_limits *limits);

#ifdef __cplusplus
}
#endif

#endif /* ALR_CODEC_H */
