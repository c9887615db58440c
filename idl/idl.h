/*
 * idl.h - the .alr front end: a re2c lexer (idl/lexer.re) and a lemon
 * grammar (idl/parser.y) that turn the text of one file into the common AST
 * through the ast_* builders.  Only syntax is checked here; imports and
 * meaning are the business of load.c and sema.c.
 */
#ifndef ALR_IDL_H
#define ALR_IDL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "diag.h"

/* Parses ctx->diag->files[diag_file] (its text, NUL-terminated at text[len];
 * NUL bytes before len are lexical errors) into a new ast_file, which is
 * made current with ast_file_begin() first, even when the text is bad.
 * Reports lexical and syntax errors through ctx->diag and returns how many
 * it reported (0 = success).  Out of memory sets ctx->oom. */
int idl_parse(ast_ctx *ctx, uint32_t diag_file);

/* ------------------------------------------------------------------------
 * Internal to idl/ (shared by lexer.re, parser.y and idl.c).
 * ---------------------------------------------------------------------- */

#define IDL_MAX_IDENT 255u     /* bytes in an identifier */
#define IDL_MAX_STRING 65535u  /* resolved bytes in a string literal */
#define IDL_MAX_OPEN 32        /* open brackets remembered for notes */

/* A token as the lexer hands it to the parser. */
typedef struct idl_token {
    const char *p;  /* source text of the token (not NUL-terminated) */
    uint32_t n;     /* its length in bytes */
    diag_loc loc;   /* of its first byte */
    const char *s;  /* STRING: resolved bytes; DOC: the doc text (arena, NUL-terminated) */
    uint32_t slen;  /* length of s */
    uint64_t u;     /* INT: the value */
    double f;       /* FLOAT: the value */
} idl_token;

typedef struct idl_lexer {
    const unsigned char *src;        /* text */
    const unsigned char *end;        /* text + len: the NUL sentinel */
    const unsigned char *cur;        /* next byte to lex */
    const unsigned char *line_start; /* first byte of the current line */
    uint32_t line;
    const unsigned char *bad_end;    /* end of the last stray byte reported */
    /* a doc comment collected but not yet returned as a DOC token */
    int doc_pending;
    diag_loc doc_loc;
    const unsigned char *doc_src;
    char *doc;                       /* malloc'ed; joined lines */
    size_t doc_len, doc_cap;
} idl_lexer;

typedef struct idl_state {
    ast_ctx *ctx;
    uint32_t file;
    unsigned nerrors;   /* errors reported for this file */
    int lex_failed;     /* a lexical error: the parser is fed no more tokens */
    int failed;         /* a syntax error: parsing stopped */
    idl_lexer lex;
    /* parse context, tracked over the tokens accepted so far (for messages) */
    idl_token cur;      /* the token being fed */
    int prev_major;     /* the previous token accepted (0 = none) */
    idl_token prev;
    int top_kw;         /* last top-level keyword (TK_PACKAGE, TK_STRUCT, ...) */
    int body_kw;        /* TK_STRUCT/TK_ENUM/TK_FLAGS/TK_SERVICE inside a body, else 0 */
    unsigned nopen;     /* open '{' '(' '[' '<' */
    char open_ch[IDL_MAX_OPEN];
    diag_loc open_loc[IDL_MAX_OPEN];
} idl_state;

/* Reports an error at loc (counted in st->nerrors). */
void idl_error(idl_state *st, diag_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* lexer.re */
void idl_lex_init(idl_state *st, const char *text, size_t len);
void idl_lex_fini(idl_state *st);
/* Returns the next token's code (TK_*, 0 at end of file) and fills *t, or
 * -1 after reporting a lexical error (lexing may go on from there). */
int idl_lex(idl_state *st, idl_token *t);

/* idl.c: called from the grammar's %syntax_error with the set of token
 * codes that would have been accepted (bit i = token code i). */
void idl_syntax_error(idl_state *st, int major, const idl_token *tok, uint64_t expected);
void idl_stack_overflow(idl_state *st);

/* parser.y (lemon) */
void *idl_ParseAlloc(void *(*mallocProc)(size_t));
void idl_ParseFree(void *p, void (*freeProc)(void *));
void idl_Parse(void *p, int major, idl_token minor, idl_state *st);
/* Whether token code tk would be accepted now (nothing is changed), and
 * the set of every token code that would be (bit i = code i). */
int idl_ParseAccepts(void *p, int tk);
uint64_t idl_ParseExpected(void *p);
void idl_ParseInit(void *p);
void idl_ParseFinalize(void *p);
int idl_ParseFallback(int token);
void idl_ParseTrace(FILE *out, char *prompt); /* unless NDEBUG */

#endif /* ALR_IDL_H */
