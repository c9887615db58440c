/*
 * schema.c - the public face of schema blobs: alr_schema_load() validates a
 * hostile blob through alri_schema_read() into a heap-allocated alr_schema
 * (which owns copies of everything it needs, never the caller's bytes).
 */
#include <stdlib.h>

#include "alr/schema.h"
#include "schema_ir.h"

alr_err alr_schema_load(const void *blob, size_t len, alr_schema **out, char *errbuf,
                        size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out)
        return ALR_EINVAL;
    *out = NULL;
    alr_schema *sch = malloc(sizeof *sch);
    if (!sch)
        return ALR_ENOMEM;
    alr_err err = alri_schema_read(&sch->ir, blob, len, errbuf, errlen);
    if (err != ALR_OK) {
        free(sch);
        return err;
    }
    *out = sch;
    return ALR_OK;
}

void alr_schema_free(alr_schema *schema)
{
    if (!schema)
        return;
    alri_schema_fini(&schema->ir);
    free(schema);
}

const char *alr_schema_package(const alr_schema *schema)
{
    return schema && schema->ir.package ? schema->ir.package : "";
}
