/*
 * gen_c.h - the C code generator (`alrc --emit=c`): from a schema IR and its
 * blob, a header X_gen.h (types, stubs, handler tables, capability queries)
 * and a source X_gen.c (descriptors, the embedded blob, the alr_iface, stub
 * and dispatch bodies).  The API the output exposes is spec/c-api.md.
 */
#ifndef ALR_GEN_C_H
#define ALR_GEN_C_H

#include <stddef.h>
#include <stdint.h>

#include "schema_ir.h"

typedef struct gen_c_output {
    char *h; /* the header, malloc'ed (not NUL-terminated: hlen bytes) */
    size_t hlen;
    char *c; /* the source, malloc'ed */
    size_t clen;
} gen_c_output;

/* Generates C for ir, a valid IR whose blob (as written by
 * alri_schema_write) is blob[0..bloblen).  stem names the outputs: the
 * source includes "<stem>_gen.h".  source is the input path; only its base
 * name appears in the output, so the bytes depend on nothing but the IR,
 * the blob, stem and that name.  On success returns 0 and fills out (the
 * caller frees it with gen_c_output_free).  On failure returns -1 with a
 * one-line reason in err (a C name produced twice, a name reserved for the
 * runtime, out of memory); out is then empty. */
int gen_c_generate(const alri_schema *ir, const uint8_t *blob, size_t bloblen, const char *stem,
                   const char *source, gen_c_output *out, char *err, size_t errlen);

/* Releases what gen_c_generate() allocated (out itself is not freed). */
void gen_c_output_free(gen_c_output *out);

/* Generates and writes dir/<stem>_gen.h and dir/<stem>_gen.c, each only when
 * its bytes change (util_write_if_changed).  Returns 0; 1 when generation
 * failed (reason in err); 2 when a file could not be written (reason in err). */
int gen_c_write(const alri_schema *ir, const uint8_t *blob, size_t bloblen, const char *dir,
                const char *stem, const char *source, char *err, size_t errlen);

#endif /* ALR_GEN_C_H */
