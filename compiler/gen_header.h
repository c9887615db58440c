/*
 * gen_header.h - the C-header adapter of `alrc --emit=c X.h`: for an
 * imported header (spec/annotations.md section 5) it writes, next to
 * X_gen.h / X_gen.c,
 *
 *   X_adapt.h   declarations of the two sides (includes "X.h" and "X_gen.h")
 *   X_client.c  definitions of the header's OWN prototypes that call the
 *               generated stubs on the thread's current endpoint (link it
 *               instead of the library)
 *   X_server.c  handler tables whose handlers call the library's real
 *               functions (link it with the library)
 *
 * built from the importer's facts table (import/imp_facts.h): the user's C
 * types, prototypes and layout, which both sources check with _Static_asserts.
 */
#ifndef ALR_GEN_HEADER_H
#define ALR_GEN_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "schema_ir.h"

struct imp_facts;

typedef struct gen_header_output {
    char *adapt_h; /* X_adapt.h, malloc'ed (adapt_hlen bytes, not NUL-terminated) */
    size_t adapt_hlen;
    char *client_c; /* X_client.c */
    size_t client_clen;
    char *server_c; /* X_server.c */
    size_t server_clen;
} gen_header_output;

/* Generates the adapter of the header `source` (the path given to alrc; only
 * its base name appears in the output, which #includes it by that name) from
 * ir, the IR of its blob, and facts, the importer's table of the same run.
 * stem names the files ("<stem>_gen.h" is included).  Returns 0 and fills
 * out (free it with gen_header_output_free), or -1 with a one-line reason in
 * err: a name of the header that equals a name alrc generates, out of
 * memory.  Functions the adapter cannot carry yet are not an error: they are
 * listed in the output (see spec/annotations.md section 5). */
int gen_header_generate(const alri_schema *ir, const struct imp_facts *facts, const char *stem,
                        const char *source, gen_header_output *out, char *err, size_t errlen);

void gen_header_output_free(gen_header_output *out);

/* Generates and writes dir/<stem>_adapt.h, dir/<stem>_client.c and
 * dir/<stem>_server.c, each only when its bytes change.  Returns 0; 1 when
 * generation failed; 2 when a file could not be written (reason in err). */
int gen_header_write(const alri_schema *ir, const struct imp_facts *facts, const char *dir,
                     const char *stem, const char *source, char *err, size_t errlen);

#endif /* ALR_GEN_HEADER_H */
