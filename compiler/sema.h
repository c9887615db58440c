/*
 * sema.h - semantic checks of a loaded AST (spec/alr-language.md sections
 * 3-9): packages, names, type resolution, enum and flags values, method
 * return modes, default values and annotations.  Fills the resolved fields
 * of the AST (ast_type.kind/decl, ast_enumval.resolved, ast_method.mode/
 * value_type/err_type) that lower.c reads.
 */
#ifndef ALR_SEMA_H
#define ALR_SEMA_H

#include "ast.h"

/* Checks every file in ctx->files (the driver has already resolved imports
 * and reported missing ones and cycles; an ast_import.file may be NULL).
 * Reports through ctx->diag and returns the number of errors reported.  When
 * the arena runs out of memory, ctx->oom is set and the count is at least 1
 * (the out-of-memory condition itself is left to the caller to report).
 * lower_schema() may be called only when this returned 0. */
int sema_check(ast_ctx *ctx);

#endif /* ALR_SEMA_H */
