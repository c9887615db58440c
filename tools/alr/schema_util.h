/*
 * schema_util.h - helpers of the alr tool and the evolution tests: read an
 * input ("-" = stdin), compile a .alr file in process (load -> sema ->
 * lower -> blob, as alrc does), load a schema from .alr or .alrs, and find
 * elements of a schema's IR by qualified name.
 */
#ifndef ALR_TOOL_SCHEMA_UTIL_H
#define ALR_TOOL_SCHEMA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alr/codec.h"
#include "alr/layout.h"
#include "alr/plan.h"
#include "alr/schema.h"
#include "schema_ir.h"

/* Reads the whole of path ("-" = stdin) into a malloc'ed buffer with a NUL
 * at (*data)[*len].  Returns 0, or an errno value (EFBIG past max bytes). */
int su_read_input(const char *path, size_t max, char **data, size_t *len);

/* Compiles the .alr file path (and its imports, searched next to it, then in
 * incdirs) into a malloc'ed schema blob.  Compiler diagnostics go to
 * diag_out.  Returns 0, 1 (errors in the schema; err says so), or 2 (I/O or
 * out of memory; reason in err). */
int su_compile_alr(const char *path, const char *const *incdirs, size_t nincdirs, FILE *diag_out,
                   uint8_t **blob, size_t *bloblen, char *err, size_t errlen);

/* Loads a schema from a blob file (.alrs), or compiles it first when path
 * ends in ".alr".  Returns 0 (*out owned by the caller, alr_schema_free), or
 * 1 / 2 as su_compile_alr (a malformed blob gives 1).  When blob is not NULL
 * it receives the blob's bytes (malloc'ed, the caller frees) and *bloblen. */
int su_load_schema(const char *path, const char *const *incdirs, size_t nincdirs, FILE *diag_out,
                   alr_schema **out, uint8_t **blob, size_t *bloblen, char *err, size_t errlen);

/* The real handshake, in process: builds the HELLO of x (role xrole, blob
 * xblob) and of y (the other role) with alri_hello_encode, decodes each with
 * alri_hello_decode and runs alri_handshake on both sides.  On ALR_OK
 * *xplan is x's plan for a peer built from y and *yplan (may be NULL: not
 * wanted) y's plan for x; the caller frees them (alr_plan_free).  Otherwise
 * the alr_err of the failing step, with "x: ..." / "y: ..." in err. */
alr_err su_handshake(const alr_schema *x, const void *xblob, size_t xlen, alr_role xrole,
                     const alr_schema *y, const void *yblob, size_t ylen, alr_plan **xplan,
                     alr_plan **yplan, char *err, size_t errlen);

/* The descriptor --type names: "pkg.Struct"; "pkg.Service.method" or
 * "pkg.Service.method:args" (the argument struct); "pkg.Service.method:return"
 * (the result struct).  NULL with the reason in err when there is none. */
const alr_struct_desc *su_resolve_type(const alr_layout *l, const alr_schema *s, const char *name,
                                       char *err, size_t errlen);

/* ---- look-ups by qualified name; each returns a local index or ALRI_NONE ---- */
uint32_t su_find_struct(const alri_schema *s, const char *qname);  /* "pkg.S" */
uint32_t su_find_enum(const alri_schema *s, const char *qname);    /* "pkg.E" */
uint32_t su_find_service(const alri_schema *s, const char *qname); /* "pkg.Svc" */
uint32_t su_find_method(const alri_schema *s, const char *qname);  /* "pkg.Svc.m" */
uint32_t su_find_field(const alri_schema *s, const char *qname);   /* "pkg.S.f" (global) */
uint32_t su_find_param(const alri_schema *s, const char *qname);   /* "pkg.Svc.m.p" (global) */
uint32_t su_find_enumval(const alri_schema *s, const char *qname); /* "pkg.E.v" (global) */

/* The service that owns global method index m (ALRI_NONE if out of range). */
uint32_t su_method_service(const alri_schema *s, uint32_t m);

#endif /* ALR_TOOL_SCHEMA_UTIL_H */
