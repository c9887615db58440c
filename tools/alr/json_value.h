/*
 * json_value.h - JSON (jansson) <-> C values described by codec descriptors,
 * for the alr wire tool and the evolution tests.  The mapping of every kind
 * (struct -> object in member order, bytes -> hex, enum -> name, flags ->
 * array of names, u64 past INT64_MAX -> decimal string, ...) is described
 * in json_value.c.  JSON lives only in the tool: libalr never sees it.
 */
#ifndef ALR_TOOL_JSON_VALUE_H
#define ALR_TOOL_JSON_VALUE_H

#include <jansson.h>
#include <stddef.h>

#include "alr/codec.h"
#include "alr/schema.h"

/* Where jv_from_json() gets memory for strings, lists, maps and optionals:
 * size bytes, zeroed, aligned for any type; NULL when out of memory.  The
 * memory is never freed one block at a time (an arena). */
typedef void *(*jv_alloc_fn)(void *ctx, size_t size);

typedef struct jv_opts {
    const alr_schema *schema; /* names of enum and flags values (the schema the
                                 descriptors were built from); NULL: integers */
    jv_alloc_fn alloc;        /* jv_from_json() only */
    void *alloc_ctx;
} jv_opts;

/* JSON -> C.  Fills the struct at out (sd->size bytes, zeroed first) from
 * the JSON object j.  Returns 0, or -1 with a one-line message naming the
 * JSON path ("$.conditions_v2.wind_speed: expected a number") in err. */
int jv_struct_from_json(const jv_opts *o, const alr_struct_desc *sd, const json_t *j, void *out,
                        char *err, size_t errlen);
/* The same for one value of any type (td->size bytes at out). */
int jv_value_from_json(const jv_opts *o, const alr_type_desc *td, const json_t *j, void *out,
                       char *err, size_t errlen);

/* C -> JSON.  Returns a new reference, or NULL with the reason in err (out
 * of memory, a string that is not UTF-8, a pointer state the C
 * representation does not allow). */
json_t *jv_struct_to_json(const jv_opts *o, const alr_struct_desc *sd, const void *value, char *err,
                          size_t errlen);
json_t *jv_value_to_json(const jv_opts *o, const alr_type_desc *td, const void *value, char *err,
                         size_t errlen);

/* Text of j: pretty (2-space indent, one member per line) when pretty is
 * non-zero, else compact on one line.  Object members keep their order;
 * reals print in the shortest form that reads back exactly (always with a
 * '.' or an exponent).  Returns a malloc'ed string, or NULL on out of memory. */
char *jv_dumps(const json_t *j, int pretty);

/* Parses text as JSON (any value at the top) into *out.  Returns 0, or -1
 * with "line L, column C: reason" in err. */
int jv_loads(const char *text, size_t len, json_t **out, char *err, size_t errlen);

/* Canonical compact text of a JSON text (parse + jv_dumps compact), for
 * comparing expected and actual values.  malloc'ed; NULL on parse error
 * (reason in err) or out of memory. */
char *jv_canon(const char *text, char *err, size_t errlen);

/* Lowercase hex of data[0..len) into a malloc'ed NUL-terminated string. */
char *jv_hex(const void *data, size_t len);
/* Parses hex (either case; spaces, tabs and newlines between bytes ignored)
 * into a malloc'ed buffer.  Returns 0, or -1 with the reason in err. */
int jv_unhex(const char *hex, size_t hexlen, unsigned char **out, size_t *outlen, char *err,
             size_t errlen);

#endif /* ALR_TOOL_JSON_VALUE_H */
