/*
 * imp_text.c - a small lexer and parser for the .alr-syntax text that the
 * annotate.h macros stringize into annotate("alr:...") attributes, with the
 * lexical rules of spec/alr-language.md section 1 (numbers, strings and
 * escapes, identifiers), and doc comment cleanup for C comments.
 */
#include "imp_text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_ir.h"

#define IMP_MAX_IDENT 255u
#define IMP_MAX_STRING 65535u
#define IMP_MAX_DOC 65535u

enum {
    IMP_T_END,
    IMP_T_IDENT,
    IMP_T_INT,
    IMP_T_FLOAT,
    IMP_T_STRING,
    IMP_T_PUNCT /* one of ( ) , = | - @ */
};

typedef struct imp_tok {
    int kind;
    const char *p; /* source text */
    size_t n;
    uint64_t u; /* INT */
    double f;   /* FLOAT */
    char *s;    /* STRING: resolved bytes (arena) */
    size_t slen;
} imp_tok;

typedef struct imp_lex {
    ast_ctx *ctx;
    const char *cur;
    ast_loc loc;
    char *err;
    size_t errlen;
    int failed;
    imp_tok t; /* the current token */
} imp_lex;

static void imp_lex_fail(imp_lex *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void imp_lex_fail(imp_lex *L, const char *fmt, ...)
{
    if (L->failed)
        return;
    L->failed = 1;
    if (L->err && L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err, L->errlen, fmt, ap);
        va_end(ap);
    }
}

static int imp_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int imp_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int imp_is_xdigit(int c)
{
    return imp_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int imp_xval(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* A string literal starting at p (the opening quote). */
static void imp_lex_string(imp_lex *L, const char *p)
{
    const char *q = p + 1;
    size_t cap = strlen(q) + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        L->ctx->oom = 1;
        imp_lex_fail(L, "out of memory");
        return;
    }
    for (;;) {
        unsigned char c = (unsigned char)*q;
        if (c == '\0') {
            imp_lex_fail(L, "unterminated string literal");
            free(buf);
            return;
        }
        if (c == '"')
            break;
        if (c == '\n') {
            imp_lex_fail(L, "newline in string literal");
            free(buf);
            return;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            q++;
            continue;
        }
        unsigned char x = (unsigned char)q[1];
        q += 2;
        switch (x) {
        case 'n':
            buf[n++] = '\n';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case '\\':
            buf[n++] = '\\';
            break;
        case '"':
            buf[n++] = '"';
            break;
        case '\'':
            buf[n++] = '\'';
            break;
        case 'x':
            if (!imp_is_xdigit(q[0]) || !imp_is_xdigit(q[1])) {
                imp_lex_fail(L, "invalid escape sequence '\\x' in string literal: expected two "
                                "hexadecimal digits");
                free(buf);
                return;
            }
            buf[n] = (char)(imp_xval(q[0]) << 4 | imp_xval(q[1]));
            if (buf[n] == 0) {
                imp_lex_fail(L, "NUL character (\\x00) in string literal");
                free(buf);
                return;
            }
            n++;
            q += 2;
            break;
        default:
            if (x >= 0x20 && x < 0x7f)
                imp_lex_fail(L,
                             "unknown escape sequence '\\%c' in string literal (the .alr "
                             "escapes are \\n \\t \\r \\\\ \\\" \\' \\xHH)",
                             (int)x);
            else
                imp_lex_fail(L, "unknown escape sequence in string literal");
            free(buf);
            return;
        }
    }
    for (size_t i = 0; i < n;) {
        size_t k = alri_utf8_seq((const unsigned char *)buf + i, n - i);
        if (!k) {
            imp_lex_fail(L, "invalid UTF-8 in string literal");
            free(buf);
            return;
        }
        i += k;
    }
    if (n > IMP_MAX_STRING) {
        imp_lex_fail(L, "string literal too long (max %u bytes)", IMP_MAX_STRING);
        free(buf);
        return;
    }
    L->t.kind = IMP_T_STRING;
    L->t.s = (char *)ast_strndup(L->ctx, buf, n);
    L->t.slen = n;
    free(buf);
    L->t.n = (size_t)(q + 1 - p);
    L->cur = q + 1;
}

static void imp_lex_number(imp_lex *L, const char *p)
{
    const char *e = p;
    int is_float = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        e = p + 2;
        while (imp_is_xdigit(*e))
            e++;
        if (e == p + 2 || p[1] == 'X') {
            imp_lex_fail(L, "invalid number '%.*s'", (int)(e - p + 1), p);
            return;
        }
    } else {
        while (imp_is_digit(*e))
            e++;
        if (*e == '.' && imp_is_digit(e[1])) {
            is_float = 1;
            e++;
            while (imp_is_digit(*e))
                e++;
        }
        if ((*e == 'e' || *e == 'E') &&
            (imp_is_digit(e[1]) || ((e[1] == '+' || e[1] == '-') && imp_is_digit(e[2])))) {
            is_float = 1;
            e += 2;
            while (imp_is_digit(*e))
                e++;
        }
    }
    if (imp_is_alpha(*e) || imp_is_digit(*e) || *e == '.') {
        const char *x = e;
        while (imp_is_alpha(*x) || imp_is_digit(*x) || *x == '.')
            x++;
        imp_lex_fail(L, "invalid number '%.*s' (no C suffixes or octal: write it as in .alr)",
                     (int)(x - p), p);
        return;
    }
    L->t.p = p;
    L->t.n = (size_t)(e - p);
    L->cur = e;
    if (is_float) {
        char buf[512];
        if (L->t.n >= sizeof buf) {
            imp_lex_fail(L, "floating-point literal too long");
            return;
        }
        memcpy(buf, p, L->t.n);
        buf[L->t.n] = 0;
        errno = 0;
        double f = strtod(buf, NULL);
        if (errno == ERANGE && isinf(f)) {
            imp_lex_fail(L, "floating-point literal out of range");
            return;
        }
        L->t.kind = IMP_T_FLOAT;
        L->t.f = f;
        return;
    }
    uint64_t v = 0;
    if (p[0] == '0' && p[1] == 'x') {
        for (const char *q = p + 2; q < e; q++) {
            if (v >> 60) {
                imp_lex_fail(L, "integer literal too large");
                return;
            }
            v = v << 4 | (uint64_t)imp_xval(*q);
        }
    } else {
        if (p[0] == '0' && e - p > 1) {
            imp_lex_fail(L, "invalid number '%.*s' (no leading zeros: .alr has no octal)",
                         (int)(e - p), p);
            return;
        }
        for (const char *q = p; q < e; q++) {
            unsigned d = (unsigned)(*q - '0');
            if (v > (UINT64_MAX - d) / 10) {
                imp_lex_fail(L, "integer literal too large");
                return;
            }
            v = v * 10 + d;
        }
    }
    L->t.kind = IMP_T_INT;
    L->t.u = v;
}

/* Reads the next token into L->t. */
static void imp_lex_next(imp_lex *L)
{
    memset(&L->t, 0, sizeof L->t);
    if (L->failed) {
        L->t.kind = IMP_T_END;
        return;
    }
    const char *p = L->cur;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
        p++;
    L->t.p = p;
    if (*p == '\0') {
        L->t.kind = IMP_T_END;
        L->cur = p;
        return;
    }
    if (imp_is_alpha(*p)) {
        const char *e = p;
        while (imp_is_alpha(*e) || imp_is_digit(*e))
            e++;
        if ((size_t)(e - p) > IMP_MAX_IDENT) {
            imp_lex_fail(L, "identifier too long (max %u bytes)", IMP_MAX_IDENT);
            return;
        }
        L->t.kind = IMP_T_IDENT;
        L->t.n = (size_t)(e - p);
        L->cur = e;
        return;
    }
    if (imp_is_digit(*p)) {
        imp_lex_number(L, p);
        return;
    }
    if (*p == '"') {
        L->t.p = p;
        imp_lex_string(L, p);
        return;
    }
    if (strchr("(),=|-@", *p)) {
        L->t.kind = IMP_T_PUNCT;
        L->t.n = 1;
        L->cur = p + 1;
        return;
    }
    unsigned char c = (unsigned char)*p;
    if (c >= 0x21 && c < 0x7f)
        imp_lex_fail(L, "unexpected character '%c'", (int)c);
    else
        imp_lex_fail(L, "unexpected byte 0x%02x", c);
}

static int imp_is_punct(const imp_lex *L, char c)
{
    return L->t.kind == IMP_T_PUNCT && L->t.p[0] == c;
}

static int imp_is_word(const imp_lex *L, const char *w)
{
    return L->t.kind == IMP_T_IDENT && L->t.n == strlen(w) && memcmp(L->t.p, w, L->t.n) == 0;
}

static const char *imp_tok_name(ast_ctx *ctx, const imp_tok *t)
{
    return ast_strndup(ctx, t->p, t->n);
}

/* Describes the current token for "expected X, found Y". */
static void imp_found(imp_lex *L, const char *expected)
{
    if (L->t.kind == IMP_T_END)
        imp_lex_fail(L, "expected %s, found end of text", expected);
    else
        imp_lex_fail(L, "expected %s, found '%.*s'", expected, (int)L->t.n, L->t.p);
}

/* value := [-] INT | [-] FLOAT | true | false | STRING | IDENT { | IDENT } | -inf */
static ast_value *imp_parse_value(imp_lex *L)
{
    ast_ctx *ctx = L->ctx;
    if (L->failed)
        return NULL;
    int neg = 0;
    if (imp_is_punct(L, '-')) {
        neg = 1;
        imp_lex_next(L);
    }
    ast_value *v = NULL;
    switch (L->t.kind) {
    case IMP_T_INT:
        v = ast_value_int(ctx, L->t.u, neg, L->loc);
        imp_lex_next(L);
        return v;
    case IMP_T_FLOAT:
        v = ast_value_float(ctx, neg ? -L->t.f : L->t.f, L->loc);
        imp_lex_next(L);
        return v;
    case IMP_T_STRING:
        if (neg)
            break;
        v = ast_value_string(ctx, L->t.s, (uint32_t)L->t.slen, L->loc);
        imp_lex_next(L);
        return v;
    case IMP_T_IDENT:
        if (imp_is_word(L, "inf")) {
            v = ast_value_float(ctx, neg ? -INFINITY : INFINITY, L->loc);
            imp_lex_next(L);
            return v;
        }
        if (neg) {
            imp_lex_fail(L, "expected number or 'inf' after '-', found '%.*s'", (int)L->t.n,
                         L->t.p);
            return NULL;
        }
        if (imp_is_word(L, "nan")) {
            v = ast_value_float(ctx, NAN, L->loc);
            imp_lex_next(L);
            return v;
        }
        if (imp_is_word(L, "true") || imp_is_word(L, "false")) {
            v = ast_value_bool(ctx, L->t.p[0] == 't', L->loc);
            imp_lex_next(L);
            return v;
        }
        v = ast_value_ident(ctx, imp_tok_name(ctx, &L->t), L->loc);
        imp_lex_next(L);
        while (imp_is_punct(L, '|')) {
            imp_lex_next(L);
            if (L->t.kind != IMP_T_IDENT) {
                imp_found(L, "a value name after '|'");
                return NULL;
            }
            v = ast_value_ident_or(ctx, v, imp_tok_name(ctx, &L->t), L->loc);
            imp_lex_next(L);
        }
        return v;
    default:
        break;
    }
    imp_found(L, neg ? "a number after '-'" : "a value");
    return NULL;
}

static void imp_lex_start(imp_lex *L, ast_ctx *ctx, const char *text, ast_loc loc, char *err,
                          size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->ctx = ctx;
    L->cur = text ? text : "";
    L->loc = loc;
    L->err = err;
    L->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
    imp_lex_next(L);
}

ast_value *imp_text_value(ast_ctx *ctx, const char *text, ast_loc loc, char *err, size_t errlen)
{
    imp_lex L;
    imp_lex_start(&L, ctx, text, loc, err, errlen);
    if (L.t.kind == IMP_T_END && !L.failed) {
        imp_lex_fail(&L, "empty value");
        return NULL;
    }
    ast_value *v = imp_parse_value(&L);
    if (!L.failed && L.t.kind != IMP_T_END)
        imp_found(&L, "end of the value");
    return L.failed ? NULL : v;
}

/* annot := "@" IDENT [ "(" [ arg { "," arg } ] ")" ];  arg := value | IDENT "=" value */
ast_annot *imp_text_annot(ast_ctx *ctx, const char *text, ast_loc loc, char *err, size_t errlen)
{
    imp_lex L;
    imp_lex_start(&L, ctx, text, loc, err, errlen);
    if (!imp_is_punct(&L, '@')) {
        imp_found(&L, "'@'");
        return NULL;
    }
    imp_lex_next(&L);
    if (L.t.kind != IMP_T_IDENT) {
        imp_found(&L, "an annotation name after '@'");
        return NULL;
    }
    const char *name = imp_tok_name(ctx, &L.t);
    imp_lex_next(&L);
    ast_annot_arg *args = NULL;
    if (imp_is_punct(&L, '(')) {
        imp_lex_next(&L);
        if (!imp_is_punct(&L, ')')) {
            for (;;) {
                const char *key = NULL;
                if (L.t.kind == IMP_T_IDENT) {
                    /* key = value?  Look one token ahead. */
                    imp_lex save = L;
                    const char *k = imp_tok_name(ctx, &L.t);
                    imp_lex_next(&L);
                    if (imp_is_punct(&L, '=')) {
                        key = k;
                        imp_lex_next(&L);
                    } else {
                        L = save;
                    }
                }
                ast_value *v = imp_parse_value(&L);
                if (L.failed)
                    return NULL;
                args = ast_annot_arg_append(args, ast_annot_arg_new(ctx, key, v, loc));
                if (imp_is_punct(&L, ',')) {
                    imp_lex_next(&L);
                    continue;
                }
                if (!imp_is_punct(&L, ')')) {
                    imp_found(&L, "',' or ')'");
                    return NULL;
                }
                break;
            }
        }
        imp_lex_next(&L);
    }
    if (!L.failed && L.t.kind != IMP_T_END)
        imp_found(&L, "end of the annotation");
    if (L.failed)
        return NULL;
    return ast_annot_new(ctx, name, args, loc);
}

int imp_text_is_ident(const char *s)
{
    if (!s || !imp_is_alpha(*s))
        return 0;
    size_t n = 1;
    while (imp_is_alpha(s[n]) || imp_is_digit(s[n]))
        n++;
    return s[n] == '\0' && n <= IMP_MAX_IDENT;
}

int imp_text_is_qname(const char *s)
{
    if (!s || strlen(s) > IMP_MAX_IDENT)
        return 0;
    for (;;) {
        if (!imp_is_alpha(*s))
            return 0;
        while (imp_is_alpha(*s) || imp_is_digit(*s))
            s++;
        if (*s == '\0')
            return 1;
        if (*s != '.')
            return 0;
        s++;
    }
}

/* ------------------------------------------------------------ doc comments */

static int imp_starts(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(e - p) >= n && memcmp(p, w, n) == 0;
}

const char *imp_text_doc(ast_ctx *ctx, const char *raw)
{
    if (!raw || !*raw)
        return NULL;
    size_t rawlen = strlen(raw);
    char *out = malloc(rawlen + 1);
    if (!out) {
        ctx->oom = 1;
        return NULL;
    }
    size_t n = 0;
    int block = 0, nlines = 0;
    const char *p = raw, *end = raw + rawlen;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *b = p;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        const char *le = e;
        if (imp_starts(b, le, "///<") || imp_starts(b, le, "//!<")) {
            b += 4;
        } else if (imp_starts(b, le, "///") || imp_starts(b, le, "//!")) {
            b += 3;
        } else if (imp_starts(b, le, "/**<") || imp_starts(b, le, "/*!<")) {
            b += 4;
            block = 1;
        } else if (imp_starts(b, le, "/**") || imp_starts(b, le, "/*!")) {
            b += 3;
            block = 1;
        } else if (block && b < le && *b == '*' && !imp_starts(b, le, "*/")) {
            b++;
        }
        if (block) {
            /* the closing marker of the block */
            const char *c = le;
            while (c > b && (c[-1] == ' ' || c[-1] == '\t' || c[-1] == '\r'))
                c--;
            if (c - b >= 2 && c[-2] == '*' && c[-1] == '/') {
                le = c - 2;
                while (le > b && le[-1] == '*')
                    le--;
            }
        }
        if (b < le && *b == ' ')
            b++;
        while (le > b && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r' || le[-1] == '\f' ||
                          le[-1] == '\v'))
            le--;
        if (nlines++)
            out[n++] = '\n';
        memcpy(out + n, b, (size_t)(le - b));
        n += (size_t)(le - b);
        p = e < end ? e + 1 : end;
    }
    size_t start = 0;
    if (block) {
        /* blank first and last lines of a block comment are its frame */
        if (n && out[0] == '\n')
            start = 1;
        else if (n == 0)
            start = 0;
        while (n > start && out[n - 1] == '\n')
            n--;
    }
    const char *doc = NULL;
    if (n > start || !block)
        doc = ast_strndup(ctx, out + start, n - start);
    free(out);
    return doc;
}
