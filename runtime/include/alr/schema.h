/*
 * alr/schema.h - schema blobs: the constants of the format (type kinds,
 * method kinds, return modes) and the one reader of blobs.
 *
 * A blob is the deterministic serialization of a compiled schema (see
 * spec/schema-blob.md).  alr_schema_load() treats every blob as hostile:
 * every offset and count is bounded, nesting is capped, cycles are rejected,
 * and any malformed input gives ALR_ESCHEMA (or ALR_EVERSION / ALR_ELIMIT)
 * with a one-line reason.  The compiler reuses these constants, so this file
 * is the single source of truth for their values.
 */
#ifndef ALR_SCHEMA_H
#define ALR_SCHEMA_H

#include "alr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Blob format identification. */
#define ALR_BLOB_MAGIC "ALRS"
#define ALR_BLOB_VERSION_MAJOR 1
#define ALR_BLOB_VERSION_MINOR 0

/* Type kinds.  Stored as one byte in the blob; values never change. */
typedef enum alr_kind {
    ALR_K_BOOL = 1,
    ALR_K_I8 = 2,
    ALR_K_I16 = 3,
    ALR_K_I32 = 4,
    ALR_K_I64 = 5,
    ALR_K_U8 = 6,
    ALR_K_U16 = 7,
    ALR_K_U32 = 8,
    ALR_K_U64 = 9,
    ALR_K_F32 = 10,
    ALR_K_F64 = 11,
    ALR_K_STRING = 12,
    ALR_K_BYTES = 13,
    ALR_K_LIST = 14,     /* a = element type */
    ALR_K_SET = 15,      /* a = element type (scalar, string, bytes or enum) */
    ALR_K_MAP = 16,      /* a = key type (as for SET), b = value type */
    ALR_K_OPTIONAL = 17, /* a = inner type */
    ALR_K_ARRAY = 18,    /* a = element type, b = length (1..ALR_MAX_ARRAY_LEN) */
    ALR_K_STRUCT = 19,   /* a = struct index */
    ALR_K_ENUM = 20,     /* a = enum index (an enum declared with `enum`) */
    ALR_K_FLAGS = 21,    /* a = enum index (an enum declared with `flags`) */
    ALR_K_REF = 22,      /* a = service index: an object reference */
    ALR_K_MAX_ = 22
} alr_kind;

/* What a method is. */
typedef enum alr_method_kind {
    ALR_METHOD_STATIC = 0,   /* `static`: called on the endpoint */
    ALR_METHOD_INSTANCE = 1, /* called on an object created by a constructor */
    ALR_METHOD_CTOR = 2      /* `new(...)`: remote constructor, returns a ref */
} alr_method_kind;

/* How a method returns (the return modes of the original framework). */
typedef enum alr_return_mode {
    ALR_RET_VOID = 0,          /* `void f()`: sync, empty reply */
    ALR_RET_VALUE = 1,         /* `T f()`: sync, reply carries T */
    ALR_RET_RESULT = 2,        /* `result<T, E> f()`: T, or an error E (an enum) */
    ALR_RET_STATUS = 3,        /* `status f()` / `status<E> f()`: a status reply */
    ALR_RET_ONEWAY = 4,        /* `oneway void f()`: no reply; failures fault the endpoint */
    ALR_RET_ONEWAY_STATUS = 5, /* `oneway status f()`: reply only on failure */
    ALR_RET_ASYNC = 6,         /* `async T f()` / `async void f()`: async handle */
    ALR_RET_ASYNCREF = 7,      /* `asyncref T f()`: value stays on the producer */
    ALR_RET_MAX_ = 7
} alr_return_mode;

/* Hard limits of the format; a blob past any of them is rejected. */
#define ALR_MAX_BLOB_SIZE (16u * 1024u * 1024u) /* bytes */
#define ALR_MAX_TABLE_COUNT 65535u              /* records in any one table */
#define ALR_MAX_ARRAY_LEN 65536u                /* elements in a fixed array */
#define ALR_MAX_TYPE_DEPTH 64u                  /* nesting of type constructors */
#define ALR_MAX_NAME_LEN 255u                   /* bytes in one qualified name */
#define ALR_MAX_STRING_LEN 65535u               /* bytes in one doc or string value */

/* A loaded schema.  Opaque; owned by whoever loaded it. */
typedef struct alr_schema alr_schema;

/* Reads and validates blob[0..len).  The blob is copied: the caller keeps
 * ownership of blob and may free it on return.  On success *out receives a
 * schema the caller owns and must release with alr_schema_free().  On failure
 * *out is NULL and, when errbuf is not NULL, errbuf receives a NUL-terminated
 * one-line reason (truncated to errlen).  Never reads outside blob[0..len). */
alr_err alr_schema_load(const void *blob, size_t len, alr_schema **out,
                        char *errbuf, size_t errlen);

/* Releases a schema from alr_schema_load(); NULL is allowed. */
void alr_schema_free(alr_schema *schema);

/* The package the blob was compiled for.  Owned by the schema. */
const char *alr_schema_package(const alr_schema *schema);

#ifdef __cplusplus
}
#endif

#endif /* ALR_SCHEMA_H */
