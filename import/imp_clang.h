/*
 * imp_clang.h - internal to import/: the state shared by the libclang
 * driver (imp_clang.c: arguments, parsing, clang's diagnostics, the file
 * table) and the declaration walker (imp_walk.c: annotations -> AST).
 * The only header of ALR besides imp_clang.c/imp_walk.c that sees clang-c.
 */
#ifndef ALR_IMP_CLANG_H
#define ALR_IMP_CLANG_H

#include <clang-c/Index.h>

#include "ast.h"
#include "imp.h"

/* One source file clang read, registered in the diag file table. */
typedef struct imp_file {
    CXFile cx;
    uint32_t diag;    /* index in ctx->diag's file table */
    const char *path; /* as clang names it (arena) */
    int is_main;
    int used;        /* holds ALR content: gets an ast_file */
    const char *pkg; /* pass 1: the ALR_PACKAGE in force (arena), NULL before one */
} imp_file;

typedef struct imp_state {
    ast_ctx *ctx;
    diag *d;
    const char *path; /* the header as given */
    CXTranslationUnit tu;
    imp_file *files; /* malloc'ed */
    uint32_t nfiles, capfiles;
    int errors;       /* errors the importer reported (clang's are counted too) */
    imp_facts *facts; /* arena */
} imp_state;

/* The files[] index of f, registering it (with its text, for the source
 * line under diagnostics) the first time.  Returns UINT32_MAX on failure. */
uint32_t imp_file_index(imp_state *st, CXFile f);

/* A diagnostic position for a clang location: the expansion location, so a
 * macro's use (ALR_LIST(n) in the header) is shown, not annotate.h. */
ast_loc imp_loc(imp_state *st, CXSourceLocation l);
ast_loc imp_cursor_loc(imp_state *st, CXCursor c);

void imp_error(imp_state *st, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies a CXString into the arena and disposes it. */
const char *imp_cxstr(imp_state *st, CXString s);

/* imp_walk.c: walks the parsed translation unit and builds the AST.
 * Returns the number of errors it reported. */
int imp_walk(imp_state *st);

#endif /* ALR_IMP_CLANG_H */
