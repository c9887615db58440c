/*
 * lower.h - lowers a checked AST into the flat schema IR (runtime/
 * schema_ir.h): the root file's declarations plus everything they reference
 * from other files, sorted by qualified name, tables filled in the canonical
 * walk order described at the top of lower.c.
 */
#ifndef ALR_LOWER_H
#define ALR_LOWER_H

#include <stddef.h>

#include "ast.h"
#include "schema_ir.h"

/* Lowers ctx (after sema_check() returned 0) into out, which this function
 * initializes: do not call alri_schema_init() first.  Returns 0 on success
 * (the caller then owns out and releases it with alri_schema_fini()), or -1
 * with a one-line reason in err (truncated to errlen; err may be NULL) and
 * out already finalized.  Failures: out of memory, a table past
 * ALR_MAX_TABLE_COUNT.  Deterministic: the same declarations, in any order,
 * give the same IR.  Sets ast_type.ir and ast_decl.ir/mark as scratch. */
int lower_schema(ast_ctx *ctx, alri_schema *out, char *err, size_t errlen);

#endif /* ALR_LOWER_H */
