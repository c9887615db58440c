/*
 * schema_ir.h - the flat, index-based IR of a schema, shared by the
 * compiler (which builds it from the AST and writes it as a blob) and the
 * runtime (which reads blobs into it).  The blob is this IR serialized:
 * spec/schema-blob.md describes the bytes, this file the memory.
 *
 * Invariants of a valid IR (the blob reader checks all of them; the
 * compiler's lowering produces only IRs that hold them):
 *  - every index is in range or ALRI_NONE where NONE is allowed;
 *  - a type's operand types have smaller indices than the type itself, and
 *    types are unique (interned): equal (kind, a, b) means equal index;
 *  - structs, enums and services are each sorted by qualified name (strcmp)
 *    with no duplicates; their (first, count) ranges tile their child tables
 *    in order, with no gap and no overlap;
 *  - annotations are owned by exactly one element, and their ranges tile the
 *    annotation table in the canonical walk order (see blob_write.c);
 *  - strings are NUL-terminated and contain no NUL byte.
 * Memory: every pointer inside an alri_schema is owned by its arena.
 */
#ifndef ALR_SCHEMA_IR_H
#define ALR_SCHEMA_IR_H

#include <stddef.h>
#include <stdint.h>

#include "alr/schema.h"
#include "arena.h"

#define ALRI_NONE 0xFFFFFFFFu

/* Kinds of constant values (defaults and annotation arguments). */
typedef enum alri_value_kind {
    ALRI_V_INT = 1,    /* i: signed integer (for signed targets) */
    ALRI_V_UINT = 2,   /* u: unsigned integer (for unsigned targets) */
    ALRI_V_FLOAT = 3,  /* f: a double */
    ALRI_V_BOOL = 4,   /* u: 0 or 1 */
    ALRI_V_STRING = 5, /* s: the bytes (escapes already resolved) */
    ALRI_V_ENUM = 6,   /* s: value name, i: numeric value */
    ALRI_V_FLAGS = 7,  /* s: names joined by "|" in declaration order ("" = none), u: OR of bits */
    ALRI_V_IDENT = 8   /* s: a bare identifier (annotation arguments only) */
} alri_value_kind;

typedef struct alri_value {
    uint8_t kind; /* alri_value_kind */
    int64_t i;
    uint64_t u;
    double f;
    const char *s;
} alri_value;

typedef struct alri_type {
    uint8_t kind; /* alr_kind */
    uint32_t a;   /* see alr_kind */
    uint32_t b;
} alri_type;

typedef struct alri_annot_arg {
    const char *key; /* NULL for a positional argument */
    uint32_t value;  /* index into values */
} alri_annot_arg;

typedef struct alri_annot {
    const char *name; /* without the '@' */
    uint32_t first_arg, nargs;
} alri_annot;

/* A struct field or a method parameter. */
typedef struct alri_member {
    const char *name;
    const char *doc;  /* "" when there is none */
    uint32_t type;    /* index into types */
    uint32_t dflt;    /* index into values, or ALRI_NONE */
    uint32_t first_annot, nannots;
} alri_member;

typedef struct alri_struct {
    const char *name; /* qualified: "pkg.Name" */
    const char *doc;
    uint32_t first_field, nfields;
    uint32_t first_annot, nannots;
} alri_struct;

typedef struct alri_enumval {
    const char *name;
    const char *doc;
    int64_t value; /* for flags, the bit pattern as uint64 cast to int64 */
    uint32_t first_annot, nannots;
} alri_enumval;

typedef struct alri_enum {
    const char *name; /* qualified */
    const char *doc;
    uint8_t is_flags;
    uint32_t first_value, nvalues;
    uint32_t first_annot, nannots;
} alri_enum;

typedef struct alri_method {
    const char *name;
    const char *doc;
    uint8_t kind;  /* alr_method_kind */
    uint8_t mode;  /* alr_return_mode */
    uint32_t ret;  /* type index, or ALRI_NONE (void, plain status, oneway, ctor) */
    uint32_t err;  /* enum type index for result<T,E> / status<E>, else ALRI_NONE */
    uint32_t first_param, nparams;
    uint32_t first_annot, nannots;
} alri_method;

typedef struct alri_service {
    const char *name; /* qualified */
    const char *doc;
    uint32_t first_method, nmethods;
    uint32_t first_annot, nannots;
} alri_service;

/* Growable table: items, count, capacity. */
#define ALRI_VEC(T)       \
    struct {              \
        T *v;             \
        uint32_t n, cap;  \
    }

typedef struct alri_schema {
    alri_arena arena; /* owns every string and table below */
    const char *package;
    ALRI_VEC(alri_type) types;
    ALRI_VEC(alri_value) values;
    ALRI_VEC(alri_annot) annots;
    ALRI_VEC(alri_annot_arg) args;
    ALRI_VEC(alri_struct) structs;
    ALRI_VEC(alri_member) fields;
    ALRI_VEC(alri_enum) enums;
    ALRI_VEC(alri_enumval) enumvals;
    ALRI_VEC(alri_service) services;
    ALRI_VEC(alri_method) methods;
    ALRI_VEC(alri_member) params;
    /* private to schema_ir.c: the hash that interns types (NULL until the
     * first alri_schema_type(); rebuilt lazily, lives in the arena) */
    struct alri_type_index *type_index;
} alri_schema;

/* alr_schema (public, opaque) is an alri_schema. */
struct alr_schema {
    alri_schema ir;
};

/* Initializes an empty schema (package ""). */
void alri_schema_init(alri_schema *s);
/* Releases everything the schema owns (not s itself). */
void alri_schema_fini(alri_schema *s);

/* Appends one zeroed record to vec and returns a pointer to it, or NULL when
 * out of memory or past ALR_MAX_TABLE_COUNT.  The pointer is valid until the
 * next push to the same table.  Tables are allocated with the arena. */
#define ALRI_PUSH(s, vec) \
    ((__typeof__((s)->vec.v))alri_vec_push_((s), (void **)&(s)->vec.v, &(s)->vec.n, &(s)->vec.cap, sizeof *(s)->vec.v))
void *alri_vec_push_(alri_schema *s, void **v, uint32_t *n, uint32_t *cap, size_t size);

/* Copies str into the schema's arena; NULL on out of memory. */
const char *alri_schema_strdup(alri_schema *s, const char *str);

/* Returns the index of type (kind, a, b), adding it when new; ALRI_NONE on
 * out of memory or table overflow.  Operands must already exist. */
uint32_t alri_schema_type(alri_schema *s, uint8_t kind, uint32_t a, uint32_t b);

/* Serializes a valid IR into a freshly malloc'ed blob; the caller owns *out
 * and frees it with free().  Deterministic: equal IRs give equal bytes.
 * Returns ALR_OK, ALR_ENOMEM or ALR_ELIMIT (a table past the format's caps). */
alr_err alri_schema_write(const alri_schema *s, uint8_t **out, size_t *outlen);

/* Reads a blob into s (initialized by this function).  On failure s is left
 * finalized (nothing to release) and errbuf holds the reason. */
alr_err alri_schema_read(alri_schema *s, const void *blob, size_t len,
                         char *errbuf, size_t errlen);

/* Canonical text of type t (spec/schema-blob.md "Semantic identity"),
 * written NUL-terminated into buf; returns the full length (like snprintf). */
size_t alri_type_canon(const alri_schema *s, uint32_t t, char *buf, size_t cap);

/* 64-bit FNV-1a of bytes; the hash used for semantic identities. */
uint64_t alri_fnv1a64(const void *data, size_t len, uint64_t seed);

#endif /* ALR_SCHEMA_IR_H */
