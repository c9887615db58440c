/*
 * compile_blob.h - the schema blob of a .alr file or text, compiled in
 * process by the compiler's own passes (load, sema, lower, write), for the
 * tests that need a runtime iface without running alrc.  Header-only: the
 * functions are static inline, so a test uses what it needs.
 */
#ifndef ALR_TEST_COMPILE_BLOB_H
#define ALR_TEST_COMPILE_BLOB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "alr/alr.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"

/* The blob of the schema at path (and its imports), malloc'd, its length in
 * *len; NULL (diagnostics on stderr) when it does not compile. */
static inline uint8_t *compile_path(const char *path, size_t *len)
{
    diag d;
    diag_init(&d, stderr);
    ast_ctx ctx;
    ast_ctx_init(&ctx, &d);
    uint8_t *blob = NULL;
    int n = load_schema(&ctx, path, NULL, 0);
    if (n == 0 && !ctx.oom)
        n = sema_check(&ctx);
    if (n == 0 && d.errors == 0 && !ctx.oom) {
        alri_schema ir;
        char err[256];
        if (lower_schema(&ctx, &ir, err, sizeof err) == 0) {
            if (alri_schema_write(&ir, &blob, len) != ALR_OK)
                blob = NULL;
            alri_schema_fini(&ir);
        } else {
            fprintf(stderr, "lower: %s\n", err);
        }
    }
    ast_ctx_fini(&ctx);
    diag_fini(&d);
    return blob;
}

/* The blob of a schema text of textlen bytes (no imports), through a
 * temporary file /tmp/alr_test_<tag>_XXXXXX.alr, removed after. */
static inline uint8_t *compile_text_tmp(const char *tag, const char *text, size_t textlen,
                                        size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/alr_test_%s_XXXXXX.alr", tag);
    int fd = mkstemps(path, 4);
    if (fd < 0)
        return NULL;
    ssize_t w = write(fd, text, textlen);
    close(fd);
    uint8_t *blob = w == (ssize_t)textlen ? compile_path(path, len) : NULL;
    unlink(path);
    return blob;
}

#endif /* ALR_TEST_COMPILE_BLOB_H */
