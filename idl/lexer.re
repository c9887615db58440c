/*
 * lexer.re - the .alr lexer (re2c).  The text is NUL-terminated at len and
 * that NUL is the only sentinel: no rule matches a NUL except the one that
 * checks whether it is the end, so the scanner never reads past text[len].
 * Comments, strings and doc comments are scanned by hand with explicit
 * bounds.  Lines are counted as newlines are consumed.
 *
 * Doc comment lines (and runs of them separated only by whitespace and
 * ordinary comments) are collected into one DOC token, which is returned
 * just before the next token; its text is copied into the AST arena.
 *
 * After a lexical error the lexer reports it, skips the bad input and goes
 * on, so that one pass reports every lexical error of a file.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"
#include "parser.h"

typedef const unsigned char *idl_ptr;

void idl_lex_init(idl_state *st, const char *text, size_t len)
{
    idl_lexer *L = &st->lex;
    memset(L, 0, sizeof *L);
    if (!text) {
        text = "";
        len = 0;
    }
    L->src = (idl_ptr)text;
    L->end = L->src + len;
    L->cur = L->src;
    L->line_start = L->src;
    L->line = 1;
    /* a UTF-8 byte order mark is skipped (columns still count its bytes) */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        L->cur += 3;
}

void idl_lex_fini(idl_state *st)
{
    free(st->lex.doc);
    st->lex.doc = NULL;
    st->lex.doc_len = st->lex.doc_cap = 0;
}

static diag_loc lex_loc(const idl_state *st, idl_ptr p)
{
    diag_loc loc;
    loc.file = st->file;
    loc.line = st->lex.line;
    loc.col = (uint32_t)(p - st->lex.line_start) + 1;
    return loc;
}

static int lex_newline(idl_state *st, idl_ptr after)
{
    st->lex.line++;
    st->lex.line_start = after;
    return 0;
}

/* Length of the valid UTF-8 sequence at p (< end), or 0 if invalid. */
static size_t utf8_len(idl_ptr p, idl_ptr end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* nothing past U+10FFFF */
    } else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* Offset of the first byte of [p, end) that is not valid UTF-8, or end - p. */
static size_t utf8_check(idl_ptr p, idl_ptr end)
{
    idl_ptr q = p;
    while (q < end) {
        if (*q < 0x80) {
            q++;
            continue;
        }
        size_t n = utf8_len(q, end);
        if (!n)
            break;
        q += n;
    }
    return (size_t)(q - p);
}

/* ---------------------------------------------------------------- comments */

/* `//` (or `////...`) comment: skips to the end of the line. */
static void lex_line_comment(idl_state *st, idl_ptr p)
{
    idl_lexer *L = &st->lex;
    int said = 0;
    for (; p < L->end && *p != '\n'; p++) {
        if (*p == 0 && !said) {
            idl_error(st, lex_loc(st, p), "NUL character in comment");
            st->lex_failed = 1;
            said = 1;
        }
    }
    L->cur = p;
}

static void lex_block_comment(idl_state *st, idl_ptr start)
{
    idl_lexer *L = &st->lex;
    diag_loc at = lex_loc(st, start);
    int said = 0;
    for (idl_ptr p = start + 2; p < L->end; p++) {
        if (*p == '*' && p + 1 < L->end && p[1] == '/') {
            L->cur = p + 2;
            return;
        }
        if (*p == '\n')
            lex_newline(st, p + 1);
        else if (*p == 0 && !said) {
            idl_error(st, lex_loc(st, p), "NUL character in comment");
            st->lex_failed = 1;
            said = 1;
        }
    }
    idl_error(st, at, "unterminated block comment");
    st->lex_failed = 1;
    L->cur = L->end;
}

static int lex_doc_reserve(idl_state *st, size_t more)
{
    idl_lexer *L = &st->lex;
    if (L->doc_cap - L->doc_len >= more)
        return 0;
    size_t cap = L->doc_cap ? L->doc_cap : 128;
    while (cap - L->doc_len < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *d = realloc(L->doc, cap);
    if (!d)
        return -1;
    L->doc = d;
    L->doc_cap = cap;
    return 0;
}

/* `///` comment: one doc line, appended to the pending doc comment. */
static void lex_doc_line(idl_state *st, idl_ptr start)
{
    idl_lexer *L = &st->lex;
    idl_ptr b = start + 3, e = b;
    while (e < L->end && *e != '\n')
        e++;
    L->cur = e;
    for (idl_ptr p = b; p < e; p++) {
        if (*p == 0) {
            idl_error(st, lex_loc(st, p), "NUL character in comment");
            st->lex_failed = 1;
            return;
        }
    }
    if (b < e && *b == ' ')
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\f' ||
                     e[-1] == '\v'))
        e--;
    size_t ok = utf8_check(b, e);
    if (ok != (size_t)(e - b)) {
        idl_error(st, lex_loc(st, b + ok), "invalid UTF-8 in doc comment");
        st->lex_failed = 1;
        return;
    }
    if (!L->doc_pending) {
        L->doc_pending = 1;
        L->doc_loc = lex_loc(st, start);
        L->doc_src = start;
        L->doc_len = 0;
    }
    size_t n = (size_t)(e - b);
    if (lex_doc_reserve(st, n + 2)) {
        st->ctx->oom = 1;
        return;
    }
    if (L->doc_len)
        L->doc[L->doc_len++] = '\n';
    memcpy(L->doc + L->doc_len, b, n);
    L->doc_len += n;
}

static int lex_emit_doc(idl_state *st, idl_token *t)
{
    idl_lexer *L = &st->lex;
    memset(t, 0, sizeof *t);
    t->p = (const char *)L->doc_src;
    t->n = 3;
    t->loc = L->doc_loc;
    t->s = ast_strndup(st->ctx, L->doc ? L->doc : "", L->doc_len);
    t->slen = (uint32_t)L->doc_len;
    L->doc_pending = 0;
    L->doc_len = 0;
    return TK_DOC;
}

/* ---------------------------------------------------------------- literals */

static int lex_int_dec(idl_state *st, idl_ptr p, idl_ptr e, idl_token *t)
{
    uint64_t v = 0;
    for (; p < e; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            idl_error(st, t->loc, "integer literal too large");
            st->lex_failed = 1;
            return -1;
        }
        v = v * 10 + d;
    }
    t->u = v;
    return TK_INT;
}

static int lex_int_hex(idl_state *st, idl_ptr p, idl_ptr e, idl_token *t)
{
    uint64_t v = 0;
    for (p += 2; p < e; p++) {
        unsigned c = *p;
        unsigned d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        if (v >> 60) {
            idl_error(st, t->loc, "integer literal too large");
            st->lex_failed = 1;
            return -1;
        }
        v = v << 4 | d;
    }
    t->u = v;
    return TK_INT;
}

static int lex_float(idl_state *st, idl_ptr p, idl_ptr e, idl_token *t)
{
    char small[64];
    size_t n = (size_t)(e - p);
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) {
        st->ctx->oom = 1;
        t->f = 0;
        return TK_FLOAT;
    }
    memcpy(buf, p, n);
    buf[n] = 0;
    errno = 0;
    double f = strtod(buf, NULL);
    int range = errno == ERANGE && isinf(f);
    if (buf != small)
        free(buf);
    if (range) {
        idl_error(st, t->loc, "floating-point literal out of range");
        st->lex_failed = 1;
        return -1;
    }
    t->f = f;
    return TK_FLOAT;
}

/* Source position of resolved byte `idx` of the string body [b, e). */
static idl_ptr lex_string_src(idl_ptr b, idl_ptr e, size_t idx)
{
    size_t k = 0;
    idl_ptr p = b;
    while (p < e) {
        idl_ptr at = p;
        p += *p == '\\' ? (p[1] == 'x' ? 4 : 2) : 1;
        if (k++ == idx)
            return at;
    }
    return e;
}

static int hexval(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (int)((c | 0x20) - 'a' + 10);
    return -1;
}

/* A string literal starting at the quote q; fills t->s / t->slen. */
static int lex_string(idl_state *st, idl_ptr q, idl_token *t)
{
    idl_lexer *L = &st->lex;
    idl_ptr b = q + 1, p = b;
    int has_esc = 0;
    while (p < L->end && *p != '"' && *p != '\n') {
        if (*p == '\\') {
            has_esc = 1;
            if (p + 1 < L->end && p[1] != '\n')
                p++;
        }
        p++;
    }
    if (p >= L->end || *p != '"') {
        idl_error(st, t->loc, "unterminated string literal");
        st->lex_failed = 1;
        L->cur = p;
        return -1;
    }
    idl_ptr e = p;
    L->cur = e + 1;
    t->n = (uint32_t)(L->cur - q);

    unsigned char *out = NULL;
    size_t n = 0;
    if (has_esc) {
        out = alri_arena_alloc(&st->ctx->arena, (size_t)(e - b) + 1);
        if (!out) {
            st->ctx->oom = 1;
            t->s = "";
            t->slen = 0;
            return TK_STRING;
        }
    }
    for (p = b; p < e; p++) {
        unsigned c = *p;
        if (c == 0) {
            idl_error(st, lex_loc(st, p), "NUL character in string literal");
            st->lex_failed = 1;
            return -1;
        }
        if (c != '\\') {
            if (out)
                out[n] = (unsigned char)c;
            n++;
            continue;
        }
        /* the first pass guarantees p + 1 < e */
        unsigned x = p[1];
        switch (x) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case '\\': c = '\\'; break;
        case '"': c = '"'; break;
        case '\'': c = '\''; break;
        case 'x': {
            int h1 = p + 2 < e ? hexval(p[2]) : -1;
            int h2 = h1 >= 0 && p + 3 < e ? hexval(p[3]) : -1;
            if (h2 < 0) {
                idl_error(st, lex_loc(st, p),
                          "invalid escape sequence '\\x' in string literal: expected two hexadecimal digits");
                st->lex_failed = 1;
                return -1;
            }
            c = (unsigned)(h1 << 4 | h2);
            if (c == 0) {
                idl_error(st, lex_loc(st, p), "NUL character in string literal");
                st->lex_failed = 1;
                return -1;
            }
            p += 2;
            break;
        }
        default:
            if (x > 0x20 && x < 0x7f)
                idl_error(st, lex_loc(st, p), "unknown escape sequence '\\%c' in string literal", (int)x);
            else
                idl_error(st, lex_loc(st, p),
                          "unknown escape sequence in string literal: byte 0x%02x after '\\'", x);
            st->lex_failed = 1;
            return -1;
        }
        p++;
        out[n++] = (unsigned char)c;
    }
    if (n > IDL_MAX_STRING) {
        idl_error(st, t->loc, "string literal too long");
        st->lex_failed = 1;
        return -1;
    }
    idl_ptr res = out ? out : b;
    size_t ok = utf8_check(res, res + n);
    if (ok != n) {
        idl_ptr at = out ? lex_string_src(b, e, ok) : b + ok;
        idl_error(st, lex_loc(st, at), "invalid UTF-8 in string literal");
        st->lex_failed = 1;
        return -1;
    }
    t->s = (const char *)res;
    t->slen = (uint32_t)n;
    return TK_STRING;
}

/* A byte that starts no token. */
static int lex_stray(idl_state *st, idl_ptr p)
{
    idl_lexer *L = &st->lex;
    size_t n = *p >= 0x80 ? utf8_len(p, L->end) : 1;
    if (n == 0)
        n = 1;
    L->cur = p + n;
    st->lex_failed = 1;
    if (p == L->bad_end) { /* one report for a run of stray bytes */
        L->bad_end = L->cur;
        return -1;
    }
    L->bad_end = L->cur;
    if (n > 1) {
        uint32_t cp = p[0] & (0x7fu >> n);
        for (size_t i = 1; i < n; i++)
            cp = cp << 6 | (p[i] & 0x3fu);
        idl_error(st, lex_loc(st, p), "unexpected character '%.*s' (U+%04X)", (int)n,
                  (const char *)p, (unsigned)cp);
    }
    else if (*p > 0x20 && *p < 0x7f)
        idl_error(st, lex_loc(st, p), "unexpected character '%c'", (int)*p);
    else
        idl_error(st, lex_loc(st, p), "unexpected byte 0x%02x", (unsigned)*p);
    return -1;
}

/* A number running into letters (`12abc`, `1.5f`, `0x1g`): the suffix starts
 * where the longest valid literal ends. */
static int lex_bad_suffix(idl_state *st, idl_ptr tok, idl_ptr cur, const char *what)
{
    idl_ptr s = tok;
    if (cur - tok > 2 && tok[0] == '0' && tok[1] == 'x' && hexval(tok[2]) >= 0) {
        for (s = tok + 2; s < cur && hexval(*s) >= 0; s++)
            ;
    } else {
        while (s < cur && *s >= '0' && *s <= '9')
            s++;
        if (s + 1 < cur && *s == '.' && s[1] >= '0' && s[1] <= '9')
            for (s++; s < cur && *s >= '0' && *s <= '9'; s++)
                ;
        if (s < cur && (*s == 'e' || *s == 'E')) {
            idl_ptr x = s + 1;
            if (x < cur && (*x == '+' || *x == '-'))
                x++;
            if (x < cur && *x >= '0' && *x <= '9') {
                while (x < cur && *x >= '0' && *x <= '9')
                    x++;
                s = x;
            }
        }
    }
    int len = (int)(cur - s);
    idl_error(st, lex_loc(st, s), "invalid suffix '%.*s%s' on %s literal", len > 32 ? 32 : len,
              (const char *)s, len > 32 ? "..." : "", what);
    st->lex_failed = 1;
    return -1;
}

/* ---------------------------------------------------------------- scanner */

#define TOKEN_START()                              \
    do {                                           \
        if (L->doc_pending) {                      \
            L->cur = tok;                          \
            return lex_emit_doc(st, t);            \
        }                                          \
        t->p = (const char *)tok;                  \
        t->n = (uint32_t)(cur - tok);              \
        t->loc = lex_loc(st, tok);                 \
        L->cur = cur;                              \
    } while (0)

#define RET(code)                                  \
    do {                                           \
        TOKEN_START();                             \
        return (code);                             \
    } while (0)

int idl_lex(idl_state *st, idl_token *t)
{
    idl_lexer *L = &st->lex;
    memset(t, 0, sizeof *t);
    for (;;) {
        idl_ptr tok = L->cur;
        idl_ptr cur = tok, mar = tok;
        (void)mar;
        /*!re2c
            re2c:define:YYCTYPE = "unsigned char";
            re2c:define:YYCURSOR = cur;
            re2c:define:YYMARKER = mar;
            re2c:yyfill:enable = 0;
            re2c:indent:top = 2;

            ws   = [ \t\r\f\v]+;
            id   = [A-Za-z_][A-Za-z0-9_]*;
            dec  = "0" | [1-9][0-9]*;
            hex  = "0x" [0-9A-Fa-f]+;
            expo = [eE] [+-]? [0-9]+;
            flt  = [0-9]+ "." [0-9]+ expo? | [0-9]+ expo;
            lz   = "0" [0-9]+;
            sfx  = [A-Za-z_][A-Za-z0-9_]*;

            "\x00" {
                if (tok < L->end) {
                    TOKEN_START();
                    return lex_stray(st, tok);
                }
                cur = tok;
                RET(0);
            }
            ws     { L->cur = cur; continue; }
            "\n"   { L->cur = cur; lex_newline(st, cur); continue; }
            "//"   { lex_line_comment(st, cur); continue; }
            "////" { lex_line_comment(st, cur); continue; }
            "///"  { lex_doc_line(st, tok); continue; }
            "/*"   { lex_block_comment(st, tok); continue; }

            "package"  { RET(TK_PACKAGE); }
            "import"   { RET(TK_IMPORT); }
            "struct"   { RET(TK_STRUCT); }
            "enum"     { RET(TK_ENUM); }
            "flags"    { RET(TK_FLAGS); }
            "service"  { RET(TK_SERVICE); }
            "static"   { RET(TK_STATIC); }
            "new"      { RET(TK_NEW); }
            "oneway"   { RET(TK_ONEWAY); }
            "async"    { RET(TK_ASYNC); }
            "asyncref" { RET(TK_ASYNCREF); }
            "true"     { RET(TK_TRUE); }
            "false"    { RET(TK_FALSE); }

            id {
                TOKEN_START();
                if (cur - tok > (long)IDL_MAX_IDENT) {
                    idl_error(st, t->loc, "identifier too long (max 255 bytes)");
                    st->lex_failed = 1;
                    return -1;
                }
                return TK_IDENT;
            }

            flt     { TOKEN_START(); return lex_float(st, tok, cur, t); }
            dec     { TOKEN_START(); return lex_int_dec(st, tok, cur, t); }
            hex     { TOKEN_START(); return lex_int_hex(st, tok, cur, t); }
            lz {
                TOKEN_START();
                idl_error(st, t->loc, "leading zeros are not allowed in integer literals");
                st->lex_failed = 1;
                return -1;
            }
            flt sfx            { TOKEN_START(); return lex_bad_suffix(st, tok, cur, "floating-point"); }
            (dec | hex | lz) sfx { TOKEN_START(); return lex_bad_suffix(st, tok, cur, "integer"); }

            "\"" { TOKEN_START(); return lex_string(st, tok, t); }

            "{" { RET(TK_LBRACE); }
            "}" { RET(TK_RBRACE); }
            "(" { RET(TK_LP); }
            ")" { RET(TK_RP); }
            "<" { RET(TK_LT); }
            ">" { RET(TK_GT); }
            "[" { RET(TK_LBRACKET); }
            "]" { RET(TK_RBRACKET); }
            ";" { RET(TK_SEMI); }
            "," { RET(TK_COMMA); }
            "=" { RET(TK_EQ); }
            "." { RET(TK_DOT); }
            "@" { RET(TK_AT); }
            "|" { RET(TK_PIPE); }
            "-" { RET(TK_MINUS); }

            * { TOKEN_START(); return lex_stray(st, tok); }
        */
    }
}
