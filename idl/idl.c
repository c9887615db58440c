/*
 * idl.c - drives the lexer and the lemon parser over one file and words the
 * syntax errors.
 *
 * Error policy: the first syntax error stops the parse of the file (one good
 * message beats a cascade).  A lexical error stops feeding the parser too,
 * but lexing goes on to the end so that every lexical error is reported.
 *
 * Syntax error messages are chosen from the set of tokens the parser would
 * have accepted (computed from lemon's tables in parser.y) and from a little
 * context tracked over the tokens accepted so far: which body we are in,
 * which top-level statement, the previous token, the open brackets.
 */
#include "idl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

#define BIT(tk) ((uint64_t)1 << (tk))

void idl_error(idl_state *st, diag_loc loc, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    st->nerrors++;
    diag_error(st->ctx->diag, loc, "%s", buf);
}

/* How a token code is named in "expected ..." lists. */
static const char *tk_name(int tk)
{
    switch (tk) {
    case 0: return "end of file";
    case TK_DOC: return "doc comment";
    case TK_IDENT: return "identifier";
    case TK_INT: return "integer literal";
    case TK_FLOAT: return "floating-point literal";
    case TK_STRING: return "string literal";
    case TK_PACKAGE: return "'package'";
    case TK_IMPORT: return "'import'";
    case TK_STRUCT: return "'struct'";
    case TK_ENUM: return "'enum'";
    case TK_FLAGS: return "'flags'";
    case TK_SERVICE: return "'service'";
    case TK_STATIC: return "'static'";
    case TK_NEW: return "'new'";
    case TK_ONEWAY: return "'oneway'";
    case TK_ASYNC: return "'async'";
    case TK_ASYNCREF: return "'asyncref'";
    case TK_TRUE: return "'true'";
    case TK_FALSE: return "'false'";
    case TK_LBRACE: return "'{'";
    case TK_RBRACE: return "'}'";
    case TK_LP: return "'('";
    case TK_RP: return "')'";
    case TK_LT: return "'<'";
    case TK_GT: return "'>'";
    case TK_LBRACKET: return "'['";
    case TK_RBRACKET: return "']'";
    case TK_SEMI: return "';'";
    case TK_COMMA: return "','";
    case TK_EQ: return "'='";
    case TK_DOT: return "'.'";
    case TK_AT: return "'@'";
    case TK_PIPE: return "'|'";
    case TK_MINUS: return "'-'";
    default: return "token";
    }
}

static int is_keyword(int tk)
{
    return tk >= TK_PACKAGE && tk <= TK_FALSE;
}

/* The offending token as quoted in a message: its source text, at most 32
 * bytes (not cutting a UTF-8 sequence), control bytes shown as '?'. */
static void describe_found(char *out, size_t cap, int major, const idl_token *t, int ident_expected)
{
    char text[48];
    size_t n = t->n, k = 0;
    int cut = 0;
    if (n > 32) {
        n = 32;
        while (n > 0 && ((unsigned char)t->p[n] & 0xc0) == 0x80)
            n--;
        cut = 1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t->p[i];
        text[k++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    text[k] = 0;
    snprintf(out, cap, "%s'%s%s'", is_keyword(major) && ident_expected ? "keyword " : "", text,
             cut ? "..." : "");
}

/* "a", "a or b", "a, b or c" */
static void join_names(char *out, size_t cap, const int *tk, int n)
{
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < n && len < cap; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        int w = snprintf(out + len, cap - len, "%s%s", sep, tk_name(tk[i]));
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static diag_loc end_of(const idl_token *t)
{
    diag_loc l = t->loc;
    l.col += t->n;
    return l;
}

void idl_syntax_error(idl_state *st, int major, const idl_token *tok, uint64_t exp)
{
    char found[96], list[256];
    if (st->failed)
        return;
    st->failed = 1;

    /* doc comments that document nothing */
    if (major == TK_DOC) {
        if (exp & BIT(TK_AT))
            idl_error(st, tok->loc, "doc comment must come before the annotations");
        else
            idl_error(st, tok->loc, "doc comment must be followed by a declaration");
        return;
    }
    if (st->prev_major == TK_DOC) {
        idl_error(st, st->prev.loc, "doc comment must be followed by a declaration");
        return;
    }

    if (major == 0) {
        diag_loc at = st->prev_major ? end_of(&st->prev) : tok->loc;
        idl_error(st, at, "unexpected end of file");
        if (st->nopen && st->nopen <= IDL_MAX_OPEN)
            diag_note(st->ctx->diag, st->open_loc[st->nopen - 1], "to match this '%c'",
                      st->open_ch[st->nopen - 1]);
        return;
    }

    exp &= ~BIT(TK_DOC);
    describe_found(found, sizeof found, major, tok, (exp & BIT(TK_IDENT)) != 0);

    /* `static new(...)`, `oneway new(...)` */
    if (major == TK_NEW && (st->prev_major == TK_STATIC || st->prev_major == TK_ONEWAY ||
                            st->prev_major == TK_ASYNC || st->prev_major == TK_ASYNCREF)) {
        idl_error(st, tok->loc, "a constructor cannot be '%.*s'", (int)st->prev.n, st->prev.p);
        return;
    }
    /* `foo();` in a service: the return type is missing */
    if (major == TK_LP && st->body_kw == TK_SERVICE && st->prev_major == TK_IDENT &&
        (exp & BIT(TK_IDENT)) && !(exp & BIT(TK_LP))) {
        idl_error(st, st->prev.loc, "missing return type for method '%.*s' (use 'void' for none)",
                  (int)st->prev.n, st->prev.p);
        return;
    }
    /* `- x` in value position */
    if (st->prev_major == TK_MINUS && (exp & BIT(TK_IDENT))) {
        idl_error(st, tok->loc, "expected number or 'inf' after '-', found %s", found);
        return;
    }

    if (exp & BIT(TK_SEMI)) {
        const char *what = NULL;
        if (st->body_kw == TK_STRUCT)
            what = "field declaration";
        else if (st->body_kw == TK_SERVICE)
            what = "method declaration";
        else if (st->body_kw == 0 && st->top_kw == TK_PACKAGE)
            what = "package declaration";
        else if (st->body_kw == 0 && st->top_kw == TK_IMPORT)
            what = "import declaration";
        if (what)
            idl_error(st, tok->loc, "expected ';' after %s, found %s", what, found);
        else
            idl_error(st, tok->loc, "expected ';', found %s", found);
        return;
    }

    /* the start of a declaration or member */
    if (st->body_kw == 0 && (exp & BIT(TK_STRUCT)) && (exp & BIT(TK_SERVICE))) {
        idl_error(st, tok->loc, "expected declaration, found %s", found);
        return;
    }
    /* the start of a member (`}` possible) or after its annotations (`@`) */
    if (exp & (BIT(TK_RBRACE) | BIT(TK_AT))) {
        const char *what = NULL;
        if (st->body_kw == TK_STRUCT && (exp & BIT(TK_IDENT)))
            what = "field declaration";
        else if (st->body_kw == TK_SERVICE && (exp & BIT(TK_NEW)))
            what = "method declaration";
        else if (st->body_kw == TK_ENUM && (exp & BIT(TK_IDENT)) && !(exp & BIT(TK_COMMA)))
            what = "enum value";
        else if (st->body_kw == TK_FLAGS && (exp & BIT(TK_IDENT)) && !(exp & BIT(TK_COMMA)))
            what = "flags value";
        if (what) {
            idl_error(st, tok->loc, "expected %s%s, found %s", what,
                      exp & BIT(TK_RBRACE) ? " or '}'" : "", found);
            return;
        }
    }
    if ((exp & BIT(TK_INT)) && (exp & BIT(TK_STRING)) && (exp & BIT(TK_TRUE))) {
        idl_error(st, tok->loc, "expected value, found %s", found);
        return;
    }

    /* otherwise list what was expected, leaving out what would merely
     * continue or prefix something (`.` `<` after a type name, `[` `=` after
     * a member name, `|` after a value, `@`, `-`) when more is possible */
    const uint64_t minor = BIT(TK_DOT) | BIT(TK_LT) | BIT(TK_LBRACKET) | BIT(TK_EQ) |
                           BIT(TK_PIPE) | BIT(TK_AT) | BIT(TK_MINUS);
    uint64_t e = exp;
    if (e & ~minor)
        e &= ~minor;
    int tk[64], n = 0;
    for (int i = 0; i < 64; i++) /* words first, then ',', then the rest */
        if ((e & BIT(i)) && i <= TK_FALSE)
            tk[n++] = i;
    if (e & BIT(TK_COMMA))
        tk[n++] = TK_COMMA;
    for (int i = TK_FALSE + 1; i < 64; i++)
        if ((e & BIT(i)) && i != TK_COMMA)
            tk[n++] = i;
    if (n == 0 || n > 5) {
        idl_error(st, tok->loc, "syntax error: unexpected %s", found);
        return;
    }
    join_names(list, sizeof list, tk, n);
    idl_error(st, tok->loc, "expected %s, found %s", list, found);
}

void idl_stack_overflow(idl_state *st)
{
    if (st->failed)
        return;
    st->failed = 1;
    idl_error(st, st->cur.loc, "types nested too deeply");
}

/* Updates the message context with a token the parser accepted. */
static void track(idl_state *st, int major, const idl_token *t)
{
    switch (major) {
    case TK_PACKAGE:
    case TK_IMPORT:
    case TK_STRUCT:
    case TK_ENUM:
    case TK_FLAGS:
    case TK_SERVICE:
        if (st->body_kw == 0)
            st->top_kw = major;
        break;
    case TK_LBRACE:
        if (st->body_kw == 0)
            st->body_kw = st->top_kw;
        /* fall through */
    case TK_LP:
    case TK_LBRACKET:
    case TK_LT:
        if (st->nopen < IDL_MAX_OPEN) {
            st->open_ch[st->nopen] = *t->p;
            st->open_loc[st->nopen] = t->loc;
        }
        st->nopen++;
        break;
    case TK_RBRACE:
        st->body_kw = 0;
        /* fall through */
    case TK_RP:
    case TK_RBRACKET:
    case TK_GT:
        if (st->nopen)
            st->nopen--;
        break;
    default:
        break;
    }
    st->prev_major = major;
    st->prev = *t;
}

int idl_parse(ast_ctx *ctx, uint32_t file)
{
    diag *d = ctx->diag;
    if (!d || file == 0 || file >= d->nfiles) {
        if (d)
            diag_error(d, (diag_loc){0, 0, 0}, "internal error: no source file %u", file);
        return 1;
    }
    const diag_file *f = &d->files[file];
    ast_file_begin(ctx, file, f->path);

    idl_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.file = file;
    idl_lex_init(&st, f->text, f->text ? f->len : 0);

    void *parser = idl_ParseAlloc(malloc);
    if (!parser) {
        ctx->oom = 1;
        idl_lex_fini(&st);
        diag_error(d, (diag_loc){file, 0, 0}, "out of memory");
        return 1;
    }
    for (;;) {
        idl_token t;
        int major = idl_lex(&st, &t);
        if (d->max_errors && d->errors > d->max_errors)
            break; /* diag has stopped printing */
        if (major < 0 || st.lex_failed) {
            if (major == 0)
                break;
            continue;
        }
        st.cur = t;
        if (!idl_ParseAccepts(parser, major)) {
            /* report before lemon's default reductions lose what was expected */
            idl_syntax_error(&st, major, &t, idl_ParseExpected(parser));
            break;
        }
        idl_Parse(parser, major, t, &st);
        if (st.failed || major == 0)
            break;
        track(&st, major, &t);
    }
    idl_ParseFree(parser, free);
    idl_lex_fini(&st);
    return (int)st.nerrors;
}
