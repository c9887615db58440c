/*
 * fuzz_blob.c - libFuzzer target for the runtime's schema blob reader, the
 * one decoder of peer schemas.  Whatever it accepts must write back to a
 * blob that reads again and writes to the same bytes (a fixpoint), and must
 * dump as text without trouble.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/schema.h"
#include "dump.h"
#include "schema_ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    char err[256];
    alri_schema s;
    if (alri_schema_read(&s, data, size, err, sizeof err) != ALR_OK)
        return 0;
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t l1 = 0, l2 = 0;
    if (alri_schema_write(&s, &b1, &l1) != ALR_OK)
        abort();
    dump_alr(&s, null);
    alri_schema_fini(&s);
    alri_schema s2;
    if (alri_schema_read(&s2, b1, l1, err, sizeof err) != ALR_OK) {
        fprintf(stderr, "re-written blob rejected: %s\n", err);
        abort();
    }
    if (alri_schema_write(&s2, &b2, &l2) != ALR_OK)
        abort();
    if (l1 != l2 || memcmp(b1, b2, l1) != 0) {
        fprintf(stderr, "write(read(x)) is not a fixpoint\n");
        abort();
    }
    alri_schema_fini(&s2);
    /* the public entry point agrees */
    alr_schema *pub = NULL;
    if (alr_schema_load(b1, l1, &pub, err, sizeof err) != ALR_OK)
        abort();
    alr_schema_free(pub);
    free(b1);
    free(b2);
    return 0;
}
