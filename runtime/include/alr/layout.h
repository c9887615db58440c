/*
 * alr/layout.h - codec descriptors built at run time from a loaded schema,
 * for programs that know a schema only as a blob (tools, bridges, tests).
 * The layout is the natural C layout the code generator emits: members in
 * declaration order, the C types listed in alr/codec.h, standard alignment;
 * one argument struct per method (its parameters in order) and one result
 * struct per method with a single member named "return".
 */
#ifndef ALR_LAYOUT_H
#define ALR_LAYOUT_H

#include "alr.h"
#include "codec.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alr_layout alr_layout;

/* Builds descriptors for every struct and method of s.  On success *out is
 * a layout the caller owns (alr_layout_free).  Every descriptor, member
 * name, and default value (strings as char *, bytes as alr_bytes) lives in
 * the layout's own memory: the layout keeps no pointer into s, which may be
 * freed first.  Descriptors form a graph (a recursive struct's list element
 * points back at the struct) and stay valid until alr_layout_free().
 * Errors: ALR_EINVAL (NULL argument), ALR_ENOMEM, ALR_ESCHEMA (a struct
 * containing itself by value), ALR_ELIMIT (a C size past 2^31 bytes, or
 * structs nested by value deeper than 256). */
alr_err alr_layout_build(const alr_schema *s, alr_layout **out);

/* Releases the layout and every descriptor in it (NULL is allowed). */
void alr_layout_free(alr_layout *l);

/* Descriptor of struct struct_index (position in the schema's struct table,
 * sorted by qualified name), or NULL when out of range.  sd->index is
 * struct_index. */
const alr_struct_desc *alr_layout_struct(const alr_layout *l, uint32_t struct_index);

/* Descriptor of the struct with qualified name qname ("pkg.Name"), or NULL. */
const alr_struct_desc *alr_layout_find(const alr_layout *l, const char *qname);

/* Argument struct of global method index `method`: one member per parameter,
 * in order; index ALR_DESC_ARGS | method; name "pkg.Service.method.args".
 * NULL when out of range.  A method without parameters has a descriptor
 * with no members (size 1, like every empty struct). */
const alr_struct_desc *alr_layout_args(const alr_layout *l, uint32_t method);

/* Result struct of `method`: one member named "return" of the return type
 * (T of `T m()`, `result<T, E>`, `async T`, `asyncref T`); index
 * ALR_DESC_RET | method; name "pkg.Service.method.return".  NULL when the
 * method returns nothing (void, status, oneway, constructors) or when out
 * of range. */
const alr_struct_desc *alr_layout_ret(const alr_layout *l, uint32_t method);

#ifdef __cplusplus
}
#endif

#endif /* ALR_LAYOUT_H */
