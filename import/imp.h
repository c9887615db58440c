/*
 * imp.h - the C-header front end of alrc: loads an annotated C header
 * (alr/annotate.h, spec/annotations.md) through libclang into the common
 * AST, as load_schema() does for .alr files.  Without libclang (a build with
 * IMPORT_LIBCLANG=0, or no libclang-14-dev) it reports that clearly instead.
 */
#ifndef ALR_IMP_H
#define ALR_IMP_H

#include <stddef.h>

#include "ast.h"
#include "imp_facts.h"

typedef struct imp_options {
    const char *const *incdirs; /* -I directories, passed to clang as -I */
    size_t nincdirs;
    const char *const *defines; /* -D arguments ("NAME" or "NAME=VALUE") */
    size_t ndefines;
    const char *const *clang_args; /* everything after `--`, verbatim */
    size_t nclang_args;
    const char *compile_commands; /* directory holding compile_commands.json, or NULL */
    /* out: the C facts of the header (arena-owned, valid until ast_ctx_fini);
     * NULL when loading failed */
    const imp_facts *facts;
} imp_options;

/* 1 when path names a C header (ends in ".h"). */
int imp_is_header(const char *path);

/* 1 when this alrc was built with libclang. */
int imp_available(void);

/* Parses the header at path with libclang and builds the AST of its
 * annotated declarations into ctx (ctx->root is the header's file).
 * Returns the number of errors reported (clang's own and the importer's),
 * or -1 when the header cannot be read or parsed at all, or when this alrc
 * has no libclang (also reported). */
int imp_load_header(ast_ctx *ctx, const char *path, imp_options *opts);

/* Internal: the libclang implementation behind imp_load_header (imp_clang.c,
 * built only with libclang).  Same contract. */
int imp_clang_load(ast_ctx *ctx, const char *path, imp_options *opts);

#endif /* ALR_IMP_H */
