/*
 * load.h - loads a root .alr file and, depth first, every file it imports:
 * resolves import paths (importing file's directory, then -I directories),
 * loads each distinct file once, and reports missing imports and import
 * cycles.  Parsing itself belongs to idl/; checking to sema.c.
 */
#ifndef ALR_LOAD_H
#define ALR_LOAD_H

#include <stddef.h>

#include "ast.h"

/* Loads path and its imports into ctx (ctx->root is set to path's file).
 * Returns the number of errors reported, or -1 when path itself cannot be
 * read (also reported).  incdirs[0..nincdirs) are searched in order. */
int load_schema(ast_ctx *ctx, const char *path, const char *const *incdirs, size_t nincdirs);

#endif /* ALR_LOAD_H */
