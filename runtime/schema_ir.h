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

/* ---- blob layout (spec/schema-blob.md) ---- */

/* Section ids, in the order sections appear in a blob. */
enum alri_section_id {
    ALRI_SEC_INFO = 1,     /* one record: the package */
    ALRI_SEC_STRINGS = 2,  /* {offset, len} into STRDATA */
    ALRI_SEC_STRDATA = 3,  /* the bytes of every string (record size 1) */
    ALRI_SEC_TYPES = 4,
    ALRI_SEC_VALUES = 5,
    ALRI_SEC_ANNOTS = 6,
    ALRI_SEC_ARGS = 7,
    ALRI_SEC_ENUMS = 8,
    ALRI_SEC_ENUMVALS = 9,
    ALRI_SEC_STRUCTS = 10,
    ALRI_SEC_FIELDS = 11,
    ALRI_SEC_SERVICES = 12,
    ALRI_SEC_METHODS = 13,
    ALRI_SEC_PARAMS = 14,
    ALRI_SEC_COUNT_ = 14   /* sections of format 1.0 (all required) */
};

#define ALRI_BLOB_HEADER_SIZE 16u /* magic, major, minor, total_size, section_count */
#define ALRI_BLOB_DIRENT_SIZE 12u /* id, offset, size */
#define ALRI_BLOB_SECHDR_SIZE 8u  /* count, record_size */

/* Record sizes of format 1.0 (a reader accepts larger, never smaller). */
#define ALRI_REC_INFO 4u
#define ALRI_REC_STRINGS 8u
#define ALRI_REC_STRDATA 1u
#define ALRI_REC_TYPES 12u
#define ALRI_REC_VALUES 16u
#define ALRI_REC_ANNOTS 12u
#define ALRI_REC_ARGS 8u
#define ALRI_REC_ENUMS 28u
#define ALRI_REC_ENUMVALS 24u
#define ALRI_REC_STRUCTS 24u
#define ALRI_REC_FIELDS 24u
#define ALRI_REC_SERVICES 24u
#define ALRI_REC_METHODS 36u
#define ALRI_REC_PARAMS 24u

/* ---- semantic identities (spec/schema-blob.md "Semantic identity") ---- */

/* The FNV-1a 64 offset basis: the seed of a fresh hash.  Identities are
 * always computed from this seed; passing a previous result as the seed
 * continues a hash over concatenated data. */
#define ALRI_FNV1A64_INIT 0xcbf29ce484222325ull

/* Lowercase name of a return mode ("void", "value", "result", "status",
 * "oneway", "oneway_status", "async", "asyncref"); "?" when out of range. */
const char *alri_return_mode_name(uint8_t mode);

/* Identity of type t: FNV-1a 64 of its canonical text. */
uint64_t alri_type_id(const alri_schema *s, uint32_t t);
/* Identity of a struct, enum or service: FNV-1a 64 of its qualified name. */
uint64_t alri_decl_id(const char *qualified_name);
/* Identity of a field or parameter: FNV-1a 64 of "name:typecanon". */
uint64_t alri_member_id(const alri_schema *s, const alri_member *m);
/* Identity of an enum value: FNV-1a 64 of "name=value" (value in decimal,
 * signed for enums, unsigned for flags). */
uint64_t alri_enumval_id(const alri_enum *e, const alri_enumval *v);
/* Identity of a method: FNV-1a 64 of "pkg.Service.name/mode" (mode as
 * alri_return_mode_name()). */
uint64_t alri_method_id(const alri_service *svc, const alri_method *m);

/* Length of the valid UTF-8 sequence starting at p[0..n) (1..4), or 0 when
 * it is not valid UTF-8 (overlong, surrogate, past U+10FFFF, truncated).
 * A NUL byte counts as a 1-byte sequence; callers that forbid NUL check it. */
size_t alri_utf8_seq(const unsigned char *p, size_t n);

/* Zeroes the operands type kind does not use (types intern by kind, a, b). */
void alri_type_normalize(uint8_t kind, uint32_t *a, uint32_t *b);

#endif /* ALR_SCHEMA_IR_H */
