/*
 * fuzz_frontend.c - libFuzzer target for the .alr front end: lexer, parser,
 * sema and lowering on arbitrary bytes, then the blob writer and reader on
 * whatever compiled.  Diagnostics go to a null stream.  Imports are not
 * followed (no file system in a fuzz run); sema must cope with unresolved
 * imports.  Any crash, leak, hang or accepted-but-unreadable blob is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "idl.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    diag d;
    diag_init(&d, null);
    ast_ctx ctx;
    ast_ctx_init(&ctx, &d);
    uint32_t fi = diag_add_file(&d, "fuzz.alr", text, size);
    if (!fi) {
        free(text);
        goto out;
    }
    int errors = idl_parse(&ctx, fi);
    ctx.root = ctx.files;
    if (errors == 0 && ctx.root && !ctx.oom)
        errors = sema_check(&ctx);
    if (errors == 0 && d.errors == 0 && ctx.root && !ctx.oom) {
        alri_schema ir;
        char err[256];
        if (lower_schema(&ctx, &ir, err, sizeof err) == 0) {
            uint8_t *blob = NULL;
            size_t len = 0;
            if (alri_schema_write(&ir, &blob, &len) == ALR_OK) {
                alri_schema back;
                /* what the compiler writes, the runtime must read */
                if (alri_schema_read(&back, blob, len, err, sizeof err) != ALR_OK) {
                    fprintf(stderr, "compiled blob rejected by the reader: %s\n", err);
                    abort();
                }
                alri_schema_fini(&back);
                free(blob);
            }
            alri_schema_fini(&ir);
        }
    }
out:
    ast_ctx_fini(&ctx);
    diag_fini(&d);
    return 0;
}
