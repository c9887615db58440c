/*
 * imp_text.h - the .alr-syntax pieces inside annotate("alr:...") strings:
 * default values (ALR_DEFAULT), annotations (ALR_DEADLINE, ALR_EVOLVE, ...,
 * "@name(args)"), names and package names, and doc comment cleanup.  Pure
 * text work with no libclang, so it is built (and unit-tested) in every
 * configuration.
 */
#ifndef ALR_IMP_TEXT_H
#define ALR_IMP_TEXT_H

#include <stddef.h>

#include "ast.h"

/* Parses a whole default value written as in .alr (`8080`, `-12`, `1.5e2`,
 * `-inf`, `"text"`, `true`, `cloudy`, `storm | flood`).  Every node gets loc.
 * Returns NULL with a one-line reason in err (or ctx->oom set). */
ast_value *imp_text_value(ast_ctx *ctx, const char *text, ast_loc loc, char *err, size_t errlen);

/* Parses `@name` or `@name(arg, key = arg, ...)` into an annotation.
 * Returns NULL with a reason in err (or ctx->oom set). */
ast_annot *imp_text_annot(ast_ctx *ctx, const char *text, ast_loc loc, char *err, size_t errlen);

/* 1 when s is an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 255 bytes). */
int imp_text_is_ident(const char *s);
/* 1 when s is identifiers joined by '.', at most 255 bytes in all. */
int imp_text_is_qname(const char *s);

/* Turns the raw text of a C doc comment (clang's: consecutive `///` or
 * `//!` lines, or one `/ ** ... * /` block, `///<` trailing comments too)
 * into the doc text .alr would keep for the same lines: markers and one
 * following space removed, trailing whitespace removed, lines joined with
 * '\n', blank first and last lines of a block dropped.  Returns an arena
 * copy, NULL when the comment is empty (or on out of memory: ctx->oom). */
const char *imp_text_doc(ast_ctx *ctx, const char *raw);

#endif /* ALR_IMP_TEXT_H */
