/*
 * gen_c.c - the C code generator: X_gen.h (types, stubs, handler tables,
 * capability queries) and X_gen.c (descriptors, blob, alr_iface, stub and
 * thunk bodies) from a schema IR.  Output is deterministic, C11 and C++17
 * clean (positional initializers, extern const tables, no tentative
 * statics); every file-scope name is checked for collisions.
 */
#include "gen_c.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "textbuf.h"
#include "util.h"

#define GEN_MAX_LITERAL 4095u /* longest string literal C11 compilers must accept */
#define GEN_MAX_NESTING 256u  /* structs nested by value (runtime/layout.c's limit) */
#define GEN_MAX_DEPTH 300u    /* recursion guard, above GEN_MAX_NESTING */

typedef textbuf gbuf;

/* A file-scope C name and what produced it (for collision reports). */
typedef struct gname {
    const char *name;
    const char *what;
    int member; /* 1: a field or parameter name, checked against the others */
} gname;

typedef struct gen {
    const alri_schema *s;
    const uint8_t *blob;
    size_t bloblen;
    const char *stem;
    const char *source; /* base name of the input */
    const char *rootc;  /* the root package with '.' -> '_' */
    alri_arena a;       /* scratch strings */
    gbuf h, c;
    gname *names;
    size_t nnames, capnames;
    uint8_t *tvar;    /* per type: 0 unknown, 1 fixed size only, 2 variable parts, 3 visiting */
    uint8_t *snt;     /* per struct: 0 unknown, 1 all-zero default, 2 non-trivial, 3 visiting */
    uint16_t *sdepth; /* per struct: levels of structs nested by value (0 unknown) */
    uint32_t *msvc;   /* per method: its service */
    uint32_t *mret;   /* per method: index into the result descriptors, or ALRI_NONE */
    uint32_t nrets;
    int need_math; /* a NaN or infinite default: the source includes <math.h> */
    int need_none; /* some method has no handler: emit the ALR_ENOMETHOD thunk */
    int oom;
} gen;

/* ------------------------------------------------------------ buffers and strings */

static void gb_write(gen *g, gbuf *b, const char *s, size_t n)
{
    tb_write(b, s, n);
    g->oom |= b->oom;
}

static void put_s(gen *g, gbuf *b, const char *s)
{
    gb_write(g, b, s, strlen(s));
}

static void put(gen *g, gbuf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(gen *g, gbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tb_vprintf(b, fmt, ap);
    va_end(ap);
    g->oom |= b->oom;
}

static void put_indent(gen *g, gbuf *b, int level)
{
    for (int i = 0; i < level; i++)
        put_s(g, b, "    ");
}

/* A formatted string in the scratch arena ("" when out of memory). */
static const char *sfmt(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *sfmt(gen *g, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *p = n < 0 ? NULL : alri_arena_alloc(&g->a, (size_t)n + 1);
    if (!p) {
        g->oom = 1;
        va_end(ap);
        return "";
    }
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static int ends_star(const char *t)
{
    size_t n = strlen(t);
    return n && t[n - 1] == '*';
}

/* ------------------------------------------------------------ names */

/* Length of the package part of a qualified name. */
static size_t pkg_len(const char *qname)
{
    const char *dot = strrchr(qname, '.');
    return dot ? (size_t)(dot - qname) : 0;
}

static int in_root(const gen *g, const char *qname)
{
    size_t n = pkg_len(qname);
    return n == strlen(g->s->package) && strncmp(qname, g->s->package, n) == 0;
}

/* "a.b.Name" -> "a_b_Name" */
static const char *cname(gen *g, const char *qname)
{
    char *p = alri_arena_strndup(&g->a, qname, strlen(qname));
    if (!p) {
        g->oom = 1;
        return "";
    }
    for (char *q = p; *q; q++)
        if (*q == '.')
            *q = '_';
    return p;
}

/* A declaration as seen from the root package: its short name there, its
 * C name elsewhere ("Name", "common_Location"). */
static const char *lname(gen *g, const char *qname)
{
    return in_root(g, qname) ? qname + pkg_len(qname) + 1 : cname(g, qname);
}

/* Prefix of what the root's code says about a declaration (stubs, handler
 * tables): its C name in the root package, root-qualified elsewhere. */
static const char *scoped(gen *g, const char *qname)
{
    return in_root(g, qname) ? cname(g, qname) : sfmt(g, "%s_%s", g->rootc, cname(g, qname));
}

static const char *caps_name(gen *g, const char *qname)
{
    return sfmt(g, "%s_caps_%s", g->rootc, lname(g, qname));
}

static void reg_name(gen *g, const char *name, const char *what, int member)
{
    if (g->oom)
        return;
    if (g->nnames == g->capnames) {
        size_t cap = g->capnames ? g->capnames * 2 : 256;
        gname *n = realloc(g->names, cap * sizeof *n);
        if (!n) {
            g->oom = 1;
            return;
        }
        g->names = n;
        g->capnames = cap;
    }
    g->names[g->nnames].name = name;
    g->names[g->nnames].what = what;
    g->names[g->nnames].member = member;
    g->nnames++;
}

/* Registers a file-scope name and returns it. */
static const char *def(gen *g, const char *name, const char *what)
{
    reg_name(g, name, what, 0);
    return name;
}

static const alri_method *method(const gen *g, uint32_t mi)
{
    return &g->s->methods.v[mi];
}

static const alri_service *msvc(const gen *g, uint32_t mi)
{
    return &g->s->services.v[g->msvc[mi]];
}

/* "cityguide.CityGuide.add" */
static const char *method_qname(gen *g, uint32_t mi)
{
    return sfmt(g, "%s.%s", msvc(g, mi)->name, method(g, mi)->name);
}

/* Prefix of the root-private names of a method: "cityguide__CityGuide_add". */
static const char *method_priv(gen *g, uint32_t mi)
{
    return sfmt(g, "%s__%s_%s", g->rootc, lname(g, msvc(g, mi)->name), method(g, mi)->name);
}

/* Stubs and handlers exist for static methods of the sync, oneway and async
 * categories; instance methods and constructors come with the object issue,
 * asyncref with its runtime support. */
static int has_stub(const alri_method *m)
{
    return m->kind == ALR_METHOD_STATIC &&
           (m->mode == ALR_RET_VOID || m->mode == ALR_RET_VALUE || m->mode == ALR_RET_RESULT ||
            m->mode == ALR_RET_STATUS || m->mode == ALR_RET_ONEWAY ||
            m->mode == ALR_RET_ONEWAY_STATUS || m->mode == ALR_RET_ASYNC);
}

static int is_oneway(const alri_method *m)
{
    return m->mode == ALR_RET_ONEWAY || m->mode == ALR_RET_ONEWAY_STATUS;
}

static int svc_has_handlers(const gen *g, const alri_service *sv)
{
    for (uint32_t k = 0; k < sv->nmethods; k++)
        if (has_stub(method(g, sv->first_method + k)))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ types */

static const char *canon(gen *g, uint32_t t)
{
    size_t n = alri_type_canon(g->s, t, NULL, 0);
    char *p = alri_arena_alloc(&g->a, n + 1);
    if (!p) {
        g->oom = 1;
        return "";
    }
    alri_type_canon(g->s, t, p, n + 1);
    return p;
}

static const alri_type *ty(const gen *g, uint32_t t)
{
    return &g->s->types.v[t];
}

/* The C type of t; for a fixed array the type name "T[N]" (for sizeof). */
static const char *ctype(gen *g, uint32_t t)
{
    static const char *const scalar[] = {
        [ALR_K_BOOL] = "bool",       [ALR_K_I8] = "int8_t",     [ALR_K_I16] = "int16_t",
        [ALR_K_I32] = "int32_t",     [ALR_K_I64] = "int64_t",   [ALR_K_U8] = "uint8_t",
        [ALR_K_U16] = "uint16_t",    [ALR_K_U32] = "uint32_t",  [ALR_K_U64] = "uint64_t",
        [ALR_K_F32] = "float",       [ALR_K_F64] = "double",    [ALR_K_STRING] = "char *",
        [ALR_K_BYTES] = "alr_bytes", [ALR_K_LIST] = "alr_list", [ALR_K_SET] = "alr_list",
        [ALR_K_MAP] = "alr_map",     [ALR_K_REF] = "alr_ref",
    };
    const alri_type *y = ty(g, t);
    switch (y->kind) {
    case ALR_K_OPTIONAL: {
        const char *in = ctype(g, y->a);
        return sfmt(g, "%s%s*", in, ends_star(in) ? "" : " ");
    }
    case ALR_K_ARRAY:
        return sfmt(g, "%s[%" PRIu32 "]", ctype(g, y->a), y->b);
    case ALR_K_STRUCT:
        return cname(g, g->s->structs.v[y->a].name);
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
        return cname(g, g->s->enums.v[y->a].name);
    default:
        return y->kind <= ALR_K_REF && scalar[y->kind] ? scalar[y->kind] : "void";
    }
}

/* "T name" / "T *name" / "T name[N]" */
static const char *cdecl_(gen *g, uint32_t t, const char *name)
{
    const alri_type *y = ty(g, t);
    if (y->kind == ALR_K_ARRAY) {
        const char *e = ctype(g, y->a);
        return sfmt(g, "%s%s%s[%" PRIu32 "]", e, ends_star(e) ? "" : " ", name, y->b);
    }
    const char *c = ctype(g, t);
    return sfmt(g, "%s%s%s", c, ends_star(c) ? "" : " ", name);
}

/* "T *name" for an out parameter of C type T. */
static const char *ptr_decl(gen *g, const char *c, const char *name)
{
    return sfmt(g, "%s%s*%s", c, ends_star(c) ? "" : " ", name);
}

/* "const T *name" (for T ending in '*': "T const *name"). */
static const char *const_ptr_decl(gen *g, const char *c, const char *name)
{
    return ends_star(c) ? sfmt(g, "%sconst *%s", c, name) : sfmt(g, "const %s *%s", c, name);
}

/* A parameter as stubs and handlers take it (spec/c-api.md "Types"). */
static const char *param_decl(gen *g, uint32_t t, const char *name)
{
    const alri_type *y = ty(g, t);
    switch (y->kind) {
    case ALR_K_STRING:
        return sfmt(g, "const char *%s", name);
    case ALR_K_STRUCT:
        return const_ptr_decl(g, ctype(g, t), name);
    case ALR_K_OPTIONAL:
        return const_ptr_decl(g, ctype(g, y->a), name);
    case ALR_K_ARRAY: {
        const char *e = ctype(g, y->a);
        return ends_star(e) ? sfmt(g, "%sconst %s[%" PRIu32 "]", e, name, y->b)
                            : sfmt(g, "const %s %s[%" PRIu32 "]", e, name, y->b);
    }
    default:
        return cdecl_(g, t, name);
    }
}

/* Whether a value of type t has parts the decoder allocates (strings,
 * bytes, lists, sets, maps, optionals), anywhere inside. */
static int has_var(gen *g, uint32_t t, unsigned depth)
{
    if (g->tvar[t] == 1 || g->tvar[t] == 2)
        return g->tvar[t] == 2;
    if (g->tvar[t] == 3 || depth > GEN_MAX_DEPTH)
        return 0; /* no by-value cycle in a valid IR */
    const alri_type *y = ty(g, t);
    int v = 0;
    g->tvar[t] = 3;
    switch (y->kind) {
    case ALR_K_STRING:
    case ALR_K_BYTES:
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_MAP:
    case ALR_K_OPTIONAL:
        v = 1;
        break;
    case ALR_K_ARRAY:
        v = has_var(g, y->a, depth + 1);
        break;
    case ALR_K_STRUCT: {
        const alri_struct *st = &g->s->structs.v[y->a];
        for (uint32_t k = 0; k < st->nfields && !v; k++)
            v = has_var(g, g->s->fields.v[st->first_field + k].type, depth + 1);
        break;
    }
    default:
        break;
    }
    g->tvar[t] = v ? 2 : 1;
    return v;
}

/* How deep struct si nests structs by value (0: none inside; A { B b; }
 * with an empty B: 1), counted like runtime/layout.c, at most
 * GEN_MAX_NESTING + 1: the recursion stops there. */
static unsigned struct_depth(gen *g, uint32_t si, unsigned level)
{
    if (g->sdepth[si])
        return g->sdepth[si] - 1u; /* memo: depth + 1 */
    if (level > GEN_MAX_NESTING)
        return GEN_MAX_NESTING + 1;
    const alri_struct *st = &g->s->structs.v[si];
    unsigned d = 0;
    for (uint32_t k = 0; k < st->nfields; k++) {
        const alri_type *y = ty(g, g->s->fields.v[st->first_field + k].type);
        if (y->kind == ALR_K_ARRAY)
            y = ty(g, y->a);
        if (y->kind == ALR_K_STRUCT) {
            unsigned sub = 1 + struct_depth(g, y->a, level + 1);
            d = sub > d ? sub : d;
        }
    }
    if (d > GEN_MAX_NESTING + 1)
        d = GEN_MAX_NESTING + 1;
    g->sdepth[si] = (uint16_t)(d + 1);
    return d;
}

static int struct_nt(gen *g, uint32_t si, unsigned depth);

/* Whether a member of type t without a declared default still has a
 * non-zero default: a struct (or an array of structs) whose own declared
 * defaults are not all absent (runtime/layout.c member_nested_default). */
static int type_nested_nt(gen *g, uint32_t t, unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (y->kind == ALR_K_STRUCT)
        return struct_nt(g, y->a, depth + 1);
    if (y->kind == ALR_K_ARRAY && ty(g, y->a)->kind == ALR_K_STRUCT)
        return struct_nt(g, ty(g, y->a)->a, depth + 1);
    return 0;
}

static int struct_nt(gen *g, uint32_t si, unsigned depth)
{
    if (g->snt[si] == 1 || g->snt[si] == 2)
        return g->snt[si] == 2;
    if (g->snt[si] == 3 || depth > GEN_MAX_DEPTH)
        return 0;
    g->snt[si] = 3;
    const alri_struct *st = &g->s->structs.v[si];
    int nt = 0;
    for (uint32_t k = 0; k < st->nfields && !nt; k++) {
        const alri_member *f = &g->s->fields.v[st->first_field + k];
        nt = f->dflt != ALRI_NONE || type_nested_nt(g, f->type, depth);
    }
    g->snt[si] = nt ? 2 : 1;
    return nt;
}

/* ------------------------------------------------------------ text: literals and comments */

/* A C string literal for s[0..n): ASCII only (other bytes as 3-digit octal
 * escapes), no trigraph. */
static void put_cstring(gen *g, gbuf *b, const char *s, size_t n)
{
    tb_cstring(b, s, n);
    g->oom |= b->oom;
}

/* Text inside a block comment: no comment delimiters, no trigraphs. */
static void put_comment_text(gen *g, gbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        gb_write(g, b, &ch, 1);
        char next = i + 1 < n ? s[i + 1] : '\0';
        if ((ch == '*' && next == '/') || (ch == '/' && next == '*') || (ch == '?' && next == '?'))
            put_s(g, b, " ");
    }
}

/* A constant as .alr text (for comments); is32: print a float as an f32. */
static const char *value_text(gen *g, uint32_t vi, int is32)
{
    if (vi >= g->s->values.n)
        return "?";
    const alri_value *v = &g->s->values.v[vi];
    switch (v->kind) {
    case ALRI_V_INT:
        return sfmt(g, "%" PRId64, v->i);
    case ALRI_V_UINT:
        return sfmt(g, "%" PRIu64, v->u);
    case ALRI_V_BOOL:
        return v->u ? "true" : "false";
    case ALRI_V_FLOAT:
        if (isnan(v->f))
            return "nan";
        if (isinf(v->f))
            return v->f < 0 ? "-inf" : "inf";
        {
            char buf[64];
            if (is32)
                snprintf(buf, sizeof buf, "%.9g", (double)(float)v->f);
            else
                snprintf(buf, sizeof buf, "%.17g", v->f);
            return sfmt(g, "%s%s", buf, strpbrk(buf, ".eE") ? "" : ".0");
        }
    case ALRI_V_STRING: {
        gbuf t = {0};
        put_cstring(g, &t, v->s ? v->s : "", v->s ? strlen(v->s) : 0);
        const char *r = t.p ? alri_arena_strndup(&g->a, t.p, t.n) : "\"\"";
        free(t.p);
        if (!r)
            g->oom = 1;
        return r ? r : "";
    }
    case ALRI_V_FLAGS:
        return v->s && *v->s ? v->s : "0";
    default:
        return v->s ? v->s : "?";
    }
}

/* "@name" or "@name(arg, key = arg)" */
static const char *annot_text(gen *g, uint32_t ai)
{
    const alri_annot *an = &g->s->annots.v[ai];
    const char *t = sfmt(g, "@%s", an->name);
    for (uint32_t i = 0; i < an->nargs; i++) {
        const alri_annot_arg *ar = &g->s->args.v[an->first_arg + i];
        t = sfmt(g, "%s%s%s%s%s", t, i ? ", " : "(", ar->key ? ar->key : "", ar->key ? " = " : "",
                 value_text(g, ar->value, 0));
    }
    return an->nargs ? sfmt(g, "%s)", t) : t;
}

/* A block comment at indent level: the doc lines, then the annotations,
 * then extra (may be NULL).  Nothing when all are empty. */
static void put_doc(gen *g, gbuf *b, int level, const char *doc, uint32_t first_annot,
                    uint32_t nannots, const char *extra)
{
    const char *lines[3];
    int nl = 0;
    if (doc && *doc)
        lines[nl++] = doc;
    const char *an = NULL;
    for (uint32_t i = 0; i < nannots; i++) {
        const char *t = annot_text(g, first_annot + i);
        an = an ? sfmt(g, "%s %s", an, t) : t;
    }
    if (an)
        lines[nl++] = an;
    if (extra && *extra)
        lines[nl++] = extra;
    if (!nl)
        return;
    int first = 1;
    for (int k = 0; k < nl; k++) {
        const char *p = lines[k];
        for (;;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            put_indent(g, b, level);
            put_s(g, b, first ? "/*" : " *");
            if (n)
                put_s(g, b, " ");
            put_comment_text(g, b, p, n);
            first = 0;
            if (!e)
                break;
            put_s(g, b, "\n");
            p = e + 1;
        }
        if (k + 1 < nl)
            put_s(g, b, "\n");
    }
    put_s(g, b, " */\n");
}

/* The .alr declaration of a method, for comments. */
static const char *method_sig(gen *g, uint32_t mi)
{
    const alri_method *m = method(g, mi);
    const char *r;
    const char *ret = m->ret != ALRI_NONE ? canon(g, m->ret) : "void";
    const char *err = m->err != ALRI_NONE ? canon(g, m->err) : NULL;
    switch (m->mode) {
    case ALR_RET_VOID:
        r = "void";
        break;
    case ALR_RET_VALUE:
        r = ret;
        break;
    case ALR_RET_RESULT:
        r = sfmt(g, "result<%s, %s>", ret, err ? err : "?");
        break;
    case ALR_RET_STATUS:
        r = err ? sfmt(g, "status<%s>", err) : "status";
        break;
    case ALR_RET_ONEWAY:
        r = "oneway void";
        break;
    case ALR_RET_ONEWAY_STATUS:
        r = err ? sfmt(g, "oneway status<%s>", err) : "oneway status";
        break;
    case ALR_RET_ASYNC:
        r = sfmt(g, "async %s", ret);
        break;
    case ALR_RET_ASYNCREF:
        r = sfmt(g, "asyncref %s", ret);
        break;
    default:
        r = "?";
        break;
    }
    const char *p = "";
    for (uint32_t k = 0; k < m->nparams; k++) {
        const alri_member *pa = &g->s->params.v[m->first_param + k];
        p = sfmt(g, "%s%s%s %s", p, k ? ", " : "", canon(g, pa->type), pa->name);
    }
    if (m->kind == ALR_METHOD_CTOR)
        return sfmt(g, "new(%s)", p);
    return sfmt(g, "%s%s %s(%s)", m->kind == ALR_METHOD_STATIC ? "static " : "", r, m->name, p);
}

/* Trailing comment of a member: its .alr type when C does not show it, and
 * its default. */
static const char *member_note(gen *g, const alri_member *f)
{
    const alri_type *y = ty(g, f->type);
    int show = y->kind == ALR_K_LIST || y->kind == ALR_K_SET || y->kind == ALR_K_MAP ||
               y->kind == ALR_K_OPTIONAL || y->kind == ALR_K_REF ||
               (y->kind == ALR_K_ARRAY && ty(g, y->a)->kind >= ALR_K_LIST &&
                ty(g, y->a)->kind <= ALR_K_OPTIONAL);
    const char *t = show ? canon(g, f->type) : NULL;
    if (f->dflt != ALRI_NONE)
        t = sfmt(g, "%s%s= %s", t ? t : "", t ? " " : "",
                 value_text(g, f->dflt, y->kind == ALR_K_F32));
    return t;
}

static void put_member_note(gen *g, gbuf *b, const alri_member *f)
{
    const char *t = member_note(g, f);
    if (t) {
        put_s(g, b, " /* ");
        put_comment_text(g, b, t, strlen(t));
        put_s(g, b, " */");
    }
}

/* ------------------------------------------------------------ constants as C */

static int64_t value_int(const alri_value *v)
{
    return v->kind == ALRI_V_INT ? v->i : (int64_t)v->u;
}

static void put_float(gen *g, gbuf *b, double f, int is32)
{
    if (isnan(f)) { /* NAN and INFINITY are floats; HUGE_VAL is a double */
        g->need_math = 1;
        put_s(g, b, is32 ? "NAN" : "(double)NAN");
        return;
    }
    if (isinf(f)) {
        g->need_math = 1;
        put_s(g, b, f < 0 ? (is32 ? "-INFINITY" : "-HUGE_VAL") : (is32 ? "INFINITY" : "HUGE_VAL"));
        return;
    }
    char buf[64];
    if (is32)
        snprintf(buf, sizeof buf, "%.9g", (double)(float)f);
    else
        snprintf(buf, sizeof buf, "%.17g", f);
    put_s(g, b, buf);
    if (!strpbrk(buf, ".eE"))
        put_s(g, b, ".0");
    if (is32)
        put_s(g, b, "f");
}

/* The name of a string or bytes default's data: "<root>__dflt_<key>_s". */
static const char *dflt_name(gen *g, const char *key)
{
    return sfmt(g, "%s__dflt_%s", g->rootc, key);
}

/* A declared default v of member type t as a C constant expression (an
 * initializer for bytes); key names its data objects. */
static void put_value(gen *g, gbuf *b, uint32_t t, const alri_value *v, const char *key)
{
    const alri_type *y = ty(g, t);
    int64_t iv = value_int(v);
    switch (y->kind) {
    case ALR_K_BOOL:
        put_s(g, b, iv ? "true" : "false");
        break;
    case ALR_K_I8:
    case ALR_K_I16:
        put(g, b, "%" PRId64, iv);
        break;
    case ALR_K_I32:
        if (iv == INT32_MIN)
            put_s(g, b, "(-2147483647 - 1)");
        else
            put(g, b, "%" PRId64, iv);
        break;
    case ALR_K_I64:
        if (iv == INT64_MIN)
            put_s(g, b, "(-INT64_C(9223372036854775807) - 1)");
        else
            put(g, b, "INT64_C(%" PRId64 ")", iv);
        break;
    case ALR_K_U8:
    case ALR_K_U16:
        put(g, b, "%" PRIu64, (uint64_t)iv);
        break;
    case ALR_K_U32:
        put(g, b, "%" PRIu64 "u", (uint64_t)iv);
        break;
    case ALR_K_U64:
        put(g, b, "UINT64_C(%" PRIu64 ")", (uint64_t)iv);
        break;
    case ALR_K_F32:
    case ALR_K_F64: {
        double f = v->kind == ALRI_V_FLOAT ? v->f
                   : v->kind == ALRI_V_INT ? (double)v->i
                                           : (double)v->u;
        put_float(g, b, f, y->kind == ALR_K_F32);
        break;
    }
    case ALR_K_ENUM: {
        const alri_enum *e = &g->s->enums.v[y->a];
        const char *name = NULL;
        for (uint32_t k = 0; k < e->nvalues; k++) {
            const alri_enumval *ev = &g->s->enumvals.v[e->first_value + k];
            if (ev->value == v->i && v->s && strcmp(ev->name, v->s) == 0)
                name = ev->name;
        }
        if (name)
            put(g, b, "%s_%s", cname(g, e->name), name);
        else if (v->i == INT32_MIN)
            put_s(g, b, "(-2147483647 - 1)");
        else
            put(g, b, "%" PRId64, v->i);
        break;
    }
    case ALR_K_FLAGS: {
        const alri_enum *e = &g->s->enums.v[y->a];
        if (v->kind != ALRI_V_FLAGS || !v->s || !*v->s) {
            put(g, b, "UINT64_C(%" PRIu64 ")", v->u);
            break;
        }
        const char *ce = cname(g, e->name);
        const char *p = v->s;
        for (int first = 1;; first = 0) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            put(g, b, "%s%s_%.*s", first ? "" : " | ", ce, (int)n, p);
            if (!bar)
                break;
            p = bar + 1;
        }
        break;
    }
    case ALR_K_STRING: {
        size_t n = v->s ? strlen(v->s) : 0;
        put_s(g, b, "(char *)");
        if (n > GEN_MAX_LITERAL)
            put(g, b, "%s_s", dflt_name(g, key));
        else
            put_cstring(g, b, v->s ? v->s : "", n);
        break;
    }
    case ALR_K_BYTES: {
        size_t n = v->s ? strlen(v->s) : 0;
        if (n)
            put(g, b, "{ (uint8_t *)%s_data, %zuu }", dflt_name(g, key), n);
        else
            put_s(g, b, "{ NULL, 0u }");
        break;
    }
    default:
        put_s(g, b, "0");
        break;
    }
}

/* The all-zero initializer of a type, braces complete (C++-clean). */
static void put_zero(gen *g, gbuf *b, uint32_t t, unsigned depth)
{
    const alri_type *y = ty(g, t);
    switch (y->kind) {
    case ALR_K_BOOL:
        put_s(g, b, "false");
        break;
    case ALR_K_F32:
        put_s(g, b, "0.0f");
        break;
    case ALR_K_F64:
        put_s(g, b, "0.0");
        break;
    case ALR_K_STRING:
    case ALR_K_OPTIONAL:
        put_s(g, b, "NULL");
        break;
    case ALR_K_BYTES:
    case ALR_K_LIST:
    case ALR_K_SET:
        put_s(g, b, "{ NULL, 0u }");
        break;
    case ALR_K_MAP:
        put_s(g, b, "{ NULL, NULL, 0u }");
        break;
    case ALR_K_REF:
        put_s(g, b, "{ 0u }");
        break;
    case ALR_K_ARRAY:
        put_s(g, b, "{ ");
        put_zero(g, b, y->a, depth + 1);
        put_s(g, b, " }");
        break;
    case ALR_K_STRUCT: {
        const alri_struct *st = &g->s->structs.v[y->a];
        if (!st->nfields || depth > GEN_MAX_DEPTH) {
            put_s(g, b, "{ 0 }");
            break;
        }
        put_s(g, b, "{ ");
        for (uint32_t k = 0; k < st->nfields; k++) {
            if (k)
                put_s(g, b, ", ");
            put_zero(g, b, g->s->fields.v[st->first_field + k].type, depth + 1);
        }
        put_s(g, b, " }");
        break;
    }
    default:
        put_s(g, b, "0");
        break;
    }
}

static void put_struct_init(gen *g, gbuf *b, uint32_t si, int level, unsigned depth);

/* The default of a member without a declared default (zero, or the
 * default instance of its struct type, per element for arrays).  level >= 0:
 * an array's elements one per line at that indent; -1: all on one line. */
static void put_nested_default(gen *g, gbuf *b, uint32_t t, int level, unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (y->kind == ALR_K_STRUCT && struct_nt(g, y->a, 0)) {
        put_struct_init(g, b, y->a, -1, depth + 1);
    } else if (y->kind == ALR_K_ARRAY && ty(g, y->a)->kind == ALR_K_STRUCT &&
               struct_nt(g, ty(g, y->a)->a, 0)) {
        put_s(g, b, "{");
        for (uint32_t i = 0; i < y->b && !g->oom; i++) {
            put_s(g, b, i ? "," : "");
            if (level >= 0) {
                put_s(g, b, "\n");
                put_indent(g, b, level + 1);
            } else {
                put_s(g, b, " ");
            }
            put_struct_init(g, b, ty(g, y->a)->a, -1, depth + 1);
        }
        if (level >= 0) {
            put_s(g, b, "\n");
            put_indent(g, b, level);
            put_s(g, b, "}");
        } else {
            put_s(g, b, " }");
        }
    } else {
        put_zero(g, b, t, depth);
    }
}

/* The default instance of a struct: every member's declared or nested
 * default; level >= 0: one member per line at indent level + 1. */
static void put_struct_init(gen *g, gbuf *b, uint32_t si, int level, unsigned depth)
{
    const alri_struct *st = &g->s->structs.v[si];
    if (!st->nfields || depth > GEN_MAX_DEPTH) {
        put_s(g, b, "{ 0 }");
        return;
    }
    put_s(g, b, level >= 0 ? "{" : "{ ");
    for (uint32_t k = 0; k < st->nfields; k++) {
        uint32_t fi = st->first_field + k;
        const alri_member *f = &g->s->fields.v[fi];
        if (level >= 0) {
            put_s(g, b, k ? ",\n" : "\n");
            put_indent(g, b, level + 1);
        } else if (k) {
            put_s(g, b, ", ");
        }
        if (f->dflt != ALRI_NONE)
            put_value(g, b, f->type, &g->s->values.v[f->dflt], sfmt(g, "f%" PRIu32, fi));
        else
            put_nested_default(g, b, f->type, level >= 0 ? level + 1 : -1, depth);
    }
    if (level >= 0) {
        put_s(g, b, "\n");
        put_indent(g, b, level);
        put_s(g, b, "}");
    } else {
        put_s(g, b, " }");
    }
}

/* ------------------------------------------------------------ the header */

/* Structs in an order where every by-value member's struct comes first. */
static void put_struct_def(gen *g, gbuf *b, uint32_t si, uint8_t *done, unsigned depth)
{
    if (done[si] || depth > GEN_MAX_DEPTH)
        return;
    done[si] = 1;
    const alri_struct *st = &g->s->structs.v[si];
    for (uint32_t k = 0; k < st->nfields; k++) {
        const alri_type *y = ty(g, g->s->fields.v[st->first_field + k].type);
        if (y->kind == ALR_K_ARRAY)
            y = ty(g, y->a);
        if (y->kind == ALR_K_STRUCT)
            put_struct_def(g, b, y->a, done, depth + 1);
    }
    const char *cn = cname(g, st->name);
    put(g, b, "\n#ifndef ALR_DEFINED_%s\n#define ALR_DEFINED_%s\n", cn, cn);
    put_doc(g, b, 0, st->doc, st->first_annot, st->nannots, NULL);
    put(g, b, "struct %s {\n", cn);
    if (!st->nfields)
        put_s(g, b, "    char alr_unused_; /* C has no empty structs */\n");
    for (uint32_t k = 0; k < st->nfields; k++) {
        const alri_member *f = &g->s->fields.v[st->first_field + k];
        reg_name(g, f->name, sfmt(g, "field %s.%s", st->name, f->name), 1);
        put_doc(g, b, 1, f->doc, f->first_annot, f->nannots, NULL);
        put(g, b, "    %s;", cdecl_(g, f->type, f->name));
        put_member_note(g, b, f);
        put_s(g, b, "\n");
    }
    put_s(g, b, "};\n#endif\n");
}

static void gen_header_types(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->h;
    if (!s->structs.n && !s->enums.n)
        return;
    put_s(g, b,
          "\n/* ---- types (guarded: headers that share an imported package combine) ---- */\n");
    if (s->structs.n)
        put_s(g, b, "\n");
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const char *cn = cname(g, s->structs.v[i].name);
        def(g, cn, sfmt(g, "struct %s", s->structs.v[i].name));
        put(g, b, "typedef struct %s %s;\n", cn, cn);
    }
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *e = &s->enums.v[i];
        const char *cn =
            def(g, cname(g, e->name), sfmt(g, "%s %s", e->is_flags ? "flags" : "enum", e->name));
        put(g, b, "\n#ifndef ALR_DEFINED_%s\n#define ALR_DEFINED_%s\n", cn, cn);
        put_doc(g, b, 0, e->doc, e->first_annot, e->nannots, NULL);
        put(g, b, "typedef %s %s;\n", e->is_flags ? "uint64_t" : "int32_t", cn);
        if (!e->is_flags)
            put_s(g, b, "enum {\n");
        for (uint32_t k = 0; k < e->nvalues; k++) {
            const alri_enumval *v = &s->enumvals.v[e->first_value + k];
            const char *vn =
                def(g, sfmt(g, "%s_%s", cn, v->name), sfmt(g, "value %s.%s", e->name, v->name));
            put_doc(g, b, e->is_flags ? 0 : 1, v->doc, v->first_annot, v->nannots, NULL);
            if (e->is_flags)
                put(g, b, "#define %s UINT64_C(%" PRIu64 ")\n", vn, (uint64_t)v->value);
            else if (v->value == INT32_MIN)
                put(g, b, "    %s = (-2147483647 - 1),\n", vn);
            else
                put(g, b, "    %s = %" PRId64 ",\n", vn, v->value);
        }
        if (!e->is_flags)
            put_s(g, b, "};\n");
        put_s(g, b, "#endif\n");
    }
    uint8_t *done = calloc((size_t)s->structs.n + 1, 1);
    if (!done) {
        g->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < s->structs.n; i++)
        put_struct_def(g, b, i, done, 0);
    free(done);
}

/* Names a stub or handler uses besides the method's parameters: base, or
 * base with '_' appended until it names no parameter. */
static const char *uniq(gen *g, const alri_method *m, const char *base, const char *const *taken,
                        int ntaken)
{
    const char *n = base;
    for (;;) {
        int clash = 0;
        for (uint32_t k = 0; k < m->nparams && !clash; k++)
            clash = strcmp(g->s->params.v[m->first_param + k].name, n) == 0;
        for (int k = 0; k < ntaken && !clash; k++)
            clash = strcmp(taken[k], n) == 0;
        if (!clash || g->oom)
            return n;
        n = sfmt(g, "%s_", n);
    }
}

/* The names a stub and its handler use for their extra parameters and locals. */
typedef struct stub_names {
    const char *ret, *arena, *err, *call, *a, *r, *e, *out;
} stub_names;

static stub_names stub_names_for(gen *g, const alri_method *m)
{
    stub_names n;
    const char *t[8] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    t[0] = n.ret = uniq(g, m, "ret", t, 0);
    t[1] = n.arena = uniq(g, m, "arena", t, 1);
    t[2] = n.err = uniq(g, m, "err", t, 2);
    t[3] = n.call = uniq(g, m, "call", t, 3);
    t[4] = n.a = uniq(g, m, "a_", t, 4);
    t[5] = n.r = uniq(g, m, "r_", t, 5);
    t[6] = n.e = uniq(g, m, "e_", t, 6);
    t[7] = n.out = uniq(g, m, "out", t, 7);
    return n;
}

/* Whether the stub of m takes `T *ret`, `alr_arena *arena`, `E *err`. */
static int stub_has_ret(const alri_method *m)
{
    return (m->mode == ALR_RET_VALUE || m->mode == ALR_RET_RESULT) && m->ret != ALRI_NONE;
}

static int stub_has_arena(gen *g, const alri_method *m)
{
    return stub_has_ret(m) && has_var(g, m->ret, 0);
}

static int stub_has_err(const alri_method *m)
{
    return (m->mode == ALR_RET_RESULT || m->mode == ALR_RET_STATUS) && m->err != ALRI_NONE;
}

/* Whether the handler of m fills `T *ret` (sync values and async T alike:
 * the callee does not care how the caller waits). */
static int handler_has_ret(const alri_method *m)
{
    return stub_has_ret(m) || (m->mode == ALR_RET_ASYNC && m->ret != ALRI_NONE);
}

/* An async method with a result: the stub's typed accessor. */
static int has_value_accessor(const alri_method *m)
{
    return m->mode == ALR_RET_ASYNC && m->ret != ALRI_NONE;
}

/* "alr_err name(params..., [T *ret], [alr_arena *arena], [E *err])" */
static void put_stub_sig(gen *g, gbuf *b, uint32_t mi, const char *name)
{
    const alri_method *m = method(g, mi);
    stub_names n = stub_names_for(g, m);
    put(g, b, "alr_err %s(", name);
    int any = 0;
    for (uint32_t k = 0; k < m->nparams; k++) {
        const alri_member *p = &g->s->params.v[m->first_param + k];
        put(g, b, "%s%s", any++ ? ", " : "", param_decl(g, p->type, p->name));
    }
    if (stub_has_ret(m))
        put(g, b, "%s%s", any++ ? ", " : "", ptr_decl(g, ctype(g, m->ret), n.ret));
    if (stub_has_arena(g, m))
        put(g, b, "%salr_arena *%s", any++ ? ", " : "", n.arena);
    if (stub_has_err(m))
        put(g, b, "%s%s", any++ ? ", " : "", ptr_decl(g, ctype(g, m->err), n.err));
    if (m->mode == ALR_RET_ASYNC)
        put(g, b, "%salr_async **%s", any++ ? ", " : "", n.out);
    put_s(g, b, any ? ")" : "void)");
}

/* "const T *name(const alr_async *h)": the typed accessor of an async result. */
static void put_value_sig(gen *g, gbuf *b, uint32_t mi, const char *name)
{
    put_s(g, b, const_ptr_decl(g, ctype(g, method(g, mi)->ret),
                               sfmt(g, "%s(const alr_async *h)", name)));
}

/* "alr_err (*m)(alr_call *call, params..., [T *ret])" */
static void put_handler_decl(gen *g, gbuf *b, uint32_t mi)
{
    const alri_method *m = method(g, mi);
    stub_names n = stub_names_for(g, m);
    put(g, b, "alr_err (*%s)(alr_call *%s", m->name, n.call);
    for (uint32_t k = 0; k < m->nparams; k++) {
        const alri_member *p = &g->s->params.v[m->first_param + k];
        put(g, b, ", %s", param_decl(g, p->type, p->name));
    }
    if (handler_has_ret(m))
        put(g, b, ", %s", ptr_decl(g, ctype(g, m->ret), n.ret));
    put_s(g, b, ")");
}

/* "R_S_m"; async methods: "R_S_m_async" (the handle's accessor "R_S_m_value"). */
static const char *stub_name(gen *g, uint32_t mi)
{
    return sfmt(g, "%s_%s%s", scoped(g, msvc(g, mi)->name), method(g, mi)->name,
                method(g, mi)->mode == ALR_RET_ASYNC ? "_async" : "");
}

static const char *value_name(gen *g, uint32_t mi)
{
    return sfmt(g, "%s_%s_value", scoped(g, msvc(g, mi)->name), method(g, mi)->name);
}

static void gen_header_services(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->h;
    for (uint32_t si = 0; si < s->services.n; si++) {
        const alri_service *sv = &s->services.v[si];
        const char *sc = scoped(g, sv->name);
        put(g, b, "\n/* ---- service %s ---- */\n", sv->name);
        if (*sv->doc || sv->nannots)
            put_s(g, b, "\n");
        put_doc(g, b, 0, sv->doc, sv->first_annot, sv->nannots, NULL);
        int later = 0;
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t mi = sv->first_method + k;
            const alri_method *m = method(g, mi);
            if (!has_stub(m)) {
                later = 1;
                continue;
            }
            const char *sig = method_sig(g, mi);
            const char *note =
                m->mode == ALR_RET_ONEWAY
                    ? "Oneway: returns once the call is sent; a failure on the peer faults the\n"
                      "endpoint (alr_call_oneway)."
                : m->mode == ALR_RET_ONEWAY_STATUS
                    ? "Oneway status: returns once the call is sent (alr_call_oneway). Inside a\n"
                      "frame a failure reaches the frame's error callback and alr_frame_pop;\n"
                      "outside any frame it faults the endpoint."
                : m->mode == ALR_RET_ASYNC
                    ? "Async: starts the call and returns (alr_call_async); on ALR_OK *out is a\n"
                      "handle the caller owns (alr_async_wait, alr_async_then, alr_async_cancel,\n"
                      "alr_async_release); on an error *out is NULL and nothing was sent."
                    : NULL;
            put_s(g, b, "\n");
            put_doc(g, b, 0, m->doc, m->first_annot, m->nannots,
                    note ? sfmt(g, "%s\n%s", sig, note) : sig);
            put_stub_sig(g, b, mi,
                         def(g, stub_name(g, mi), sfmt(g, "the stub of %s", method_qname(g, mi))));
            put_s(g, b, ";\n");
            if (!has_value_accessor(m))
                continue;
            put(g, b,
                "/* The result of a handle of %s:\n"
                " * NULL unless the call completed OK.  It lives in the handle's arena:\n"
                " * valid until the last alr_async_release(h). */\n",
                stub_name(g, mi));
            put_value_sig(g, b, mi,
                          def(g, value_name(g, mi),
                              sfmt(g, "the result accessor of %s", method_qname(g, mi))));
            put_s(g, b, ";\n");
        }
        if (later) {
            put_s(g, b,
                  "\n/* Not generated yet (instance methods and constructors come with the\n"
                  " * object issue, asyncref with its runtime support; the capability\n"
                  " * queries cover them):\n");
            for (uint32_t k = 0; k < sv->nmethods; k++) {
                uint32_t mi = sv->first_method + k;
                if (has_stub(method(g, mi)))
                    continue;
                const char *sig = method_sig(g, mi);
                put_s(g, b, " *   ");
                put_comment_text(g, b, sig, strlen(sig));
                put_s(g, b, "\n");
            }
            put_s(g, b, " */\n");
        }
        if (!svc_has_handlers(g, sv))
            continue;
        const char *ht =
            def(g, sfmt(g, "%s_handlers", sc), sfmt(g, "the handler table of %s", sv->name));
        put(g, b,
            "\n/* The server side of %s: one handler per method, called with the\n"
            " * decoded arguments; allocate results in alr_call_arena(call)\n"
            " * (alr_arena_alloc, alr_arena_strdup).\n"
            " * A NULL handler answers ALR_ENOMETHOD. */\n",
            sv->name);
        put(g, b, "typedef struct %s {\n", ht);
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t mi = sv->first_method + k;
            const alri_method *m = method(g, mi);
            if (!has_stub(m))
                continue;
            put_doc(g, b, 1, m->doc, 0, 0, method_sig(g, mi));
            put_s(g, b, "    ");
            put_handler_decl(g, b, mi);
            put_s(g, b, ";\n");
        }
        put(g, b, "} %s;\n\n", ht);
        put(g, b,
            "/* Serves %s with h on srv (alr_server_serve) or on one connection's\n"
            " * callbacks (alr_endpoint_serve); h and user must outlive it. */\n",
            sv->name);
        put(g, b, "alr_err %s(alr_server *srv, const %s *h, void *user);\n",
            def(g, sfmt(g, "%s_serve", sc), sfmt(g, "the serve function of %s", sv->name)), ht);
        put(g, b, "alr_err %s(alr_endpoint *ep, const %s *h, void *user);\n",
            def(g, sfmt(g, "%s_serve_endpoint", sc), sfmt(g, "the serve function of %s", sv->name)),
            ht);
    }
}

/* Capability query names, in one order for the declarations and the bodies. */
typedef void (*caps_fn)(gen *g, gbuf *b, const char *name, const char *what, const char *call,
                        uint32_t idx, int is_enum_value);

static void caps_each(gen *g, gbuf *b, caps_fn fn)
{
    const alri_schema *s = g->s;
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *e = &s->enums.v[i];
        const char *cn = caps_name(g, e->name);
        fn(g, b, cn, e->name, "alr_caps_has_enum", i, 0);
        fn(g, b, sfmt(g, "%s_value", cn), sfmt(g, "the values of %s", e->name),
           "alr_caps_enum_value", i, 1);
    }
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        const char *cn = caps_name(g, st->name);
        fn(g, b, cn, st->name, "alr_caps_has_struct", i, 0);
        for (uint32_t k = 0; k < st->nfields; k++) {
            uint32_t fi = st->first_field + k;
            const char *fname = s->fields.v[fi].name;
            fn(g, b, sfmt(g, "%s_%s", cn, fname), sfmt(g, "field %s.%s", st->name, fname),
               "alr_caps_has_field", fi, 0);
        }
    }
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        const char *cn = caps_name(g, sv->name);
        fn(g, b, cn, sv->name, "alr_caps_has_service", i, 0);
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t mi = sv->first_method + k;
            const alri_method *m = method(g, mi);
            const char *mn = sfmt(g, "%s_%s", cn, m->name);
            const char *mq = method_qname(g, mi);
            fn(g, b, mn, mq, "alr_caps_has_method", mi, 0);
            for (uint32_t j = 0; j < m->nparams; j++) {
                uint32_t pi = m->first_param + j;
                const char *pn = s->params.v[pi].name;
                fn(g, b, sfmt(g, "%s_param_%s", mn, pn), sfmt(g, "parameter %s of %s", pn, mq),
                   "alr_caps_has_param", pi, 0);
            }
            if (m->ret != ALRI_NONE)
                fn(g, b, sfmt(g, "%s_return", mn), sfmt(g, "the return value of %s", mq),
                   "alr_caps_has_return", mi, 0);
        }
    }
}

static void caps_decl(gen *g, gbuf *b, const char *name, const char *what, const char *call,
                      uint32_t idx, int is_enum_value)
{
    (void)call;
    (void)idx;
    def(g, name, sfmt(g, "the capability query of %s", what));
    if (is_enum_value)
        put(g, b, "bool %s(alr_enum_check how, uint64_t v);\n", name);
    else
        put(g, b, "bool %s(void);\n", name);
}

static void caps_body(gen *g, gbuf *b, const char *name, const char *what, const char *call,
                      uint32_t idx, int is_enum_value)
{
    (void)what;
    if (is_enum_value)
        put(g, b,
            "\nbool %s(alr_enum_check how, uint64_t v)\n{\n"
            "    return %s(%s__plan(), %" PRIu32 "u, how, v);\n}\n",
            name, call, g->rootc, idx);
    else
        put(g, b, "\nbool %s(void)\n{\n    return %s(%s__plan(), %" PRIu32 "u);\n}\n", name, call,
            g->rootc, idx);
}

static int has_caps(const gen *g)
{
    return g->s->enums.n || g->s->structs.n || g->s->services.n;
}

static void gen_header(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->h;
    const char *guard = def(g, sfmt(g, "ALR_GEN_%s_H", g->rootc), "the header guard");
    put(g, b, "/*\n * %s_gen.h - generated by alrc from %s (package %s): do not edit.\n", g->stem,
        g->source, s->package);
    put_s(g, b,
          " * Types, client stubs, handler tables and capability queries of the\n"
          " * schema; the C API they follow is spec/c-api.md.\n */\n");
    put(g, b, "#ifndef %s\n#define %s\n\n#include \"alr/rpc.h\"\n\n", guard, guard);
    put_s(g, b, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    gen_header_types(g);

    put_s(g, b, "\n/* ---- the schema ---- */\n\n");
    put(g, b,
        "/* The schema for the runtime (alr_endpoint_connect, alr_server_new): the\n"
        " * blob, descriptors and method table of package %s. */\n",
        s->package);
    put(g, b, "extern const alr_iface %s;\n",
        def(g, sfmt(g, "%s_iface", g->rootc), "the alr_iface"));
    put_s(g, b, "\n/* Descriptors by local index (positions in the blob's tables). */\n");
    const char *nt = def(g, sfmt(g, "%s__NTYPES", g->rootc), "the type count");
    const char *ns = def(g, sfmt(g, "%s__NSTRUCTS", g->rootc), "the struct count");
    put(g, b, "#define %s %" PRIu32 "\n#define %s %" PRIu32 "\n", nt, s->types.n, ns, s->structs.n);
    if (s->types.n)
        put(g, b, "extern const alr_type_desc %s[%s];\n",
            def(g, sfmt(g, "%s__types", g->rootc), "the type descriptors"), nt);
    if (s->structs.n)
        put(g, b, "extern const alr_struct_desc %s[%s];\n",
            def(g, sfmt(g, "%s__structs", g->rootc), "the struct descriptors"), ns);

    gen_header_services(g);

    if (has_caps(g)) {
        put_s(g, b,
              "\n/* ---- capabilities ---- */\n\n"
              "/* What the peer of this thread's current endpoint has, from the\n"
              " * handshake's plan in O(1); false when there is no current endpoint.\n"
              " * The current endpoint must have been made with this schema's iface. */\n");
        caps_each(g, b, caps_decl);
    }
    put(g, b, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}

/* ------------------------------------------------------------ the source */

static void gen_source_structs(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    if (!s->methods.n)
        return;
    put_s(g, b, "\n/* ---- argument and result structs (one per method) ---- */\n");
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *m = method(g, mi);
        const char *pv = method_priv(g, mi);
        const char *an =
            def(g, sfmt(g, "%s_args", pv), sfmt(g, "the arguments of %s", method_qname(g, mi)));
        put(g, b, "\n/* %s */\ntypedef struct %s {\n", method_qname(g, mi), an);
        if (!m->nparams)
            put_s(g, b, "    char alr_unused_;\n");
        for (uint32_t k = 0; k < m->nparams; k++) {
            const alri_member *p = &s->params.v[m->first_param + k];
            reg_name(g, p->name, sfmt(g, "parameter %s of %s", p->name, method_qname(g, mi)), 1);
            put(g, b, "    %s;\n", cdecl_(g, p->type, p->name));
        }
        put(g, b, "} %s;\n", an);
        if (m->ret != ALRI_NONE) {
            const char *rn =
                def(g, sfmt(g, "%s_ret", pv), sfmt(g, "the result of %s", method_qname(g, mi)));
            put(g, b, "typedef struct %s {\n    %s;\n} %s;\n", rn, cdecl_(g, m->ret, "ret"), rn);
        }
    }
}

/* Data and value objects of one declared default (key "f<field>" or "p<param>"). */
static void put_default_object(gen *g, gbuf *b, const alri_member *f, const char *key)
{
    const alri_value *v = &g->s->values.v[f->dflt];
    const alri_type *y = ty(g, f->type);
    const char *dn = def(g, dflt_name(g, key), sfmt(g, "a default (%s)", key));
    size_t n = v->s ? strlen(v->s) : 0;
    if (y->kind == ALR_K_STRING && n > GEN_MAX_LITERAL) {
        put(g, b, "static const char %s[] = {", def(g, sfmt(g, "%s_s", dn), "a default's text"));
        for (size_t i = 0; i <= n; i++)
            put(g, b, "%s'\\%03o'", i % 16 ? ", " : (i ? ",\n    " : "\n    "),
                i < n ? (unsigned char)v->s[i] : 0u);
        put_s(g, b, "\n};\n");
    }
    if (y->kind == ALR_K_BYTES && n) {
        put(g, b, "static const uint8_t %s[] = {",
            def(g, sfmt(g, "%s_data", dn), "a default's bytes"));
        for (size_t i = 0; i < n; i++)
            put(g, b, "%s0x%02x", i % 16 ? ", " : (i ? ",\n    " : "\n    "),
                (unsigned char)v->s[i]);
        put_s(g, b, "\n};\n");
    }
    if (y->kind == ALR_K_STRING)
        put(g, b, "static char *const %s = ", dn);
    else
        put(g, b, "static const %s %s = ", ctype(g, f->type), dn);
    put_value(g, b, f->type, v, key);
    put_s(g, b, ";\n");
}

/* The dflt of a member: its declared default, its struct's default instance,
 * or NULL (runtime/layout.c gives the same). */
static const char *member_dflt(gen *g, const alri_member *f, const char *key)
{
    if (f->dflt != ALRI_NONE)
        return sfmt(g, "&%s", dflt_name(g, key));
    const alri_type *y = ty(g, f->type);
    if (y->kind == ALR_K_STRUCT && struct_nt(g, y->a, 0))
        return sfmt(g, "&%s__dinst_%" PRIu32, g->rootc, y->a);
    if (type_nested_nt(g, f->type, 0))
        return dflt_name(g, key); /* an array: its name is its address */
    return "NULL";
}

static void gen_source_defaults(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    int any = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = pass ? s->params.n : s->fields.n;
        for (uint32_t i = 0; i < n; i++) {
            const alri_member *f = pass ? &s->params.v[i] : &s->fields.v[i];
            if (f->dflt == ALRI_NONE)
                continue;
            if (!any++)
                put_s(g, b,
                      "\n/* ---- declared defaults, and default instances of structs ---- */\n\n");
            put_default_object(g, b, f, sfmt(g, "%c%" PRIu32, pass ? 'p' : 'f', i));
        }
    }
    /* default instances that some by-value member points at */
    uint8_t *used = calloc((size_t)s->structs.n + 1, 1);
    if (!used) {
        g->oom = 1;
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = pass ? s->params.n : s->fields.n;
        for (uint32_t i = 0; i < n; i++) {
            const alri_member *f = pass ? &s->params.v[i] : &s->fields.v[i];
            const alri_type *y = ty(g, f->type);
            if (f->dflt == ALRI_NONE && y->kind == ALR_K_STRUCT)
                used[y->a] = 1;
        }
    }
    for (uint32_t si = 0; si < s->structs.n; si++) {
        if (!used[si] || !struct_nt(g, si, 0))
            continue;
        if (!any++)
            put_s(g, b,
                  "\n/* ---- declared defaults, and default instances of structs ---- */\n\n");
        const char *cn = cname(g, s->structs.v[si].name);
        put(g, b, "static const %s %s = ", cn,
            def(g, sfmt(g, "%s__dinst_%" PRIu32, g->rootc, si),
                sfmt(g, "the default of %s", s->structs.v[si].name)));
        put_struct_init(g, b, si, 0, 0);
        put_s(g, b, ";\n");
    }
    free(used);
    /* members that are arrays of structs with a default instance */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = pass ? s->params.n : s->fields.n;
        for (uint32_t i = 0; i < n; i++) {
            const alri_member *f = pass ? &s->params.v[i] : &s->fields.v[i];
            const alri_type *y = ty(g, f->type);
            if (f->dflt != ALRI_NONE || y->kind != ALR_K_ARRAY || !type_nested_nt(g, f->type, 0))
                continue;
            const char *key = sfmt(g, "%c%" PRIu32, pass ? 'p' : 'f', i);
            put(g, b, "static const %s = ",
                cdecl_(g, f->type, def(g, dflt_name(g, key), sfmt(g, "a default (%s)", key))));
            put_nested_default(g, b, f->type, 0, 0);
            put_s(g, b, ";\n");
        }
    }
}

static void put_member_desc(gen *g, gbuf *b, const char *owner, const alri_member *f,
                            const char *key)
{
    put(g, b, "    { \"%s\", (uint32_t)offsetof(%s, %s), &%s__types[%" PRIu32 "], %s },\n", f->name,
        owner, f->name, g->rootc, f->type, member_dflt(g, f, key));
}

static void gen_source_descs(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    if (s->structs.n || s->types.n)
        put_s(g, b, "\n/* ---- descriptors ---- */\n");
    for (uint32_t si = 0; si < s->structs.n; si++) {
        const alri_struct *st = &s->structs.v[si];
        if (!st->nfields)
            continue;
        const char *cn = cname(g, st->name);
        put(g, b, "\n/* %s */\nstatic const alr_member_desc %s[] = {\n", st->name,
            def(g, sfmt(g, "%s__fields_%" PRIu32, g->rootc, si),
                sfmt(g, "the members of %s", st->name)));
        for (uint32_t k = 0; k < st->nfields; k++) {
            uint32_t fi = st->first_field + k;
            put_member_desc(g, b, cn, &s->fields.v[fi], sfmt(g, "f%" PRIu32, fi));
        }
        put_s(g, b, "};\n");
    }
    if (s->structs.n) {
        put(g, b, "\nconst alr_struct_desc %s__structs[%s__NSTRUCTS] = {\n", g->rootc, g->rootc);
        for (uint32_t si = 0; si < s->structs.n; si++) {
            const alri_struct *st = &s->structs.v[si];
            const char *cn = cname(g, st->name);
            put(g, b,
                "    { \"%s\", (uint32_t)sizeof(%s), (uint32_t)ALR_GEN_ALIGNOF(%s), %" PRIu32 "u, ",
                st->name, cn, cn, st->nfields);
            if (st->nfields)
                put(g, b, "%s__fields_%" PRIu32 ", %" PRIu32 "u },\n", g->rootc, si, si);
            else
                put(g, b, "NULL, %" PRIu32 "u },\n", si);
        }
        put_s(g, b, "};\n");
    }
    if (s->types.n) {
        put(g, b, "\nconst alr_type_desc %s__types[%s__NTYPES] = {\n", g->rootc, g->rootc);
        static const char *const kinds[] = {
            [ALR_K_BOOL] = "BOOL",         [ALR_K_I8] = "I8",
            [ALR_K_I16] = "I16",           [ALR_K_I32] = "I32",
            [ALR_K_I64] = "I64",           [ALR_K_U8] = "U8",
            [ALR_K_U16] = "U16",           [ALR_K_U32] = "U32",
            [ALR_K_U64] = "U64",           [ALR_K_F32] = "F32",
            [ALR_K_F64] = "F64",           [ALR_K_STRING] = "STRING",
            [ALR_K_BYTES] = "BYTES",       [ALR_K_LIST] = "LIST",
            [ALR_K_SET] = "SET",           [ALR_K_MAP] = "MAP",
            [ALR_K_OPTIONAL] = "OPTIONAL", [ALR_K_ARRAY] = "ARRAY",
            [ALR_K_STRUCT] = "STRUCT",     [ALR_K_ENUM] = "ENUM",
            [ALR_K_FLAGS] = "FLAGS",       [ALR_K_REF] = "REF",
        };
        for (uint32_t t = 0; t < s->types.n; t++) {
            const alri_type *y = ty(g, t);
            const char *ct = ctype(g, t);
            const char *elem = "NULL", *key = "NULL", *sd = "NULL";
            uint32_t len = 0, index = 0;
            switch (y->kind) {
            case ALR_K_LIST:
            case ALR_K_SET:
            case ALR_K_OPTIONAL:
                elem = sfmt(g, "&%s__types[%" PRIu32 "]", g->rootc, y->a);
                break;
            case ALR_K_ARRAY:
                elem = sfmt(g, "&%s__types[%" PRIu32 "]", g->rootc, y->a);
                len = y->b;
                break;
            case ALR_K_MAP:
                key = sfmt(g, "&%s__types[%" PRIu32 "]", g->rootc, y->a);
                elem = sfmt(g, "&%s__types[%" PRIu32 "]", g->rootc, y->b);
                break;
            case ALR_K_STRUCT:
                sd = sfmt(g, "&%s__structs[%" PRIu32 "]", g->rootc, y->a);
                index = y->a;
                break;
            case ALR_K_ENUM:
            case ALR_K_FLAGS:
            case ALR_K_REF:
                index = y->a;
                break;
            default:
                break;
            }
            const char *cn = canon(g, t);
            put_s(g, b, "    /* ");
            put(g, b, "%" PRIu32 ": ", t);
            put_comment_text(g, b, cn, strlen(cn));
            put(g, b,
                " */\n    { ALR_K_%s, (uint32_t)sizeof(%s), (uint32_t)ALR_GEN_ALIGNOF(%s), %s, %s, "
                "%" PRIu32 "u, %s, %" PRIu32 "u },\n",
                y->kind <= ALR_K_REF && kinds[y->kind] ? kinds[y->kind] : "BOOL", ct, ct, elem, key,
                len, sd, index);
        }
        put_s(g, b, "};\n");
    }
    if (!s->methods.n)
        return;
    /* arguments and results */
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *m = method(g, mi);
        const char *pv = method_priv(g, mi);
        if (m->nparams) {
            put(g, b, "\n/* %s.args */\nstatic const alr_member_desc %s[] = {\n",
                method_qname(g, mi),
                def(g, sfmt(g, "%s__params_%" PRIu32, g->rootc, mi),
                    sfmt(g, "the parameters of %s", method_qname(g, mi))));
            for (uint32_t k = 0; k < m->nparams; k++) {
                uint32_t pi = m->first_param + k;
                put_member_desc(g, b, sfmt(g, "%s_args", pv), &s->params.v[pi],
                                sfmt(g, "p%" PRIu32, pi));
            }
            put_s(g, b, "};\n");
        }
        if (m->ret != ALRI_NONE) {
            put(g, b, "static const alr_member_desc %s[] = {\n",
                def(g, sfmt(g, "%s__return_%" PRIu32, g->rootc, mi),
                    sfmt(g, "the result member of %s", method_qname(g, mi))));
            put(g, b,
                "    { \"return\", (uint32_t)offsetof(%s_ret, ret), &%s__types[%" PRIu32
                "], NULL },\n};\n",
                pv, g->rootc, m->ret);
        }
    }
    put(g, b, "\nstatic const alr_struct_desc %s[] = {\n",
        def(g, sfmt(g, "%s__args", g->rootc), "the argument descriptors"));
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *m = method(g, mi);
        const char *pv = method_priv(g, mi);
        put(g, b,
            "    { \"%s.args\", (uint32_t)sizeof(%s_args), (uint32_t)ALR_GEN_ALIGNOF(%s_args), "
            "%" PRIu32 "u, ",
            method_qname(g, mi), pv, pv, m->nparams);
        if (m->nparams)
            put(g, b, "%s__params_%" PRIu32 ", ", g->rootc, mi);
        else
            put_s(g, b, "NULL, ");
        put(g, b, "ALR_DESC_ARGS | %" PRIu32 "u },\n", mi);
    }
    put_s(g, b, "};\n");
    if (g->nrets) {
        put(g, b, "\nstatic const alr_struct_desc %s[] = {\n",
            def(g, sfmt(g, "%s__rets", g->rootc), "the result descriptors"));
        for (uint32_t mi = 0; mi < s->methods.n; mi++) {
            if (g->mret[mi] == ALRI_NONE)
                continue;
            const char *pv = method_priv(g, mi);
            put(g, b,
                "    { \"%s.return\", (uint32_t)sizeof(%s_ret), (uint32_t)ALR_GEN_ALIGNOF(%s_ret), "
                "1u, "
                "%s__return_%" PRIu32 ", ALR_DESC_RET | %" PRIu32 "u },\n",
                method_qname(g, mi), pv, pv, g->rootc, mi, mi);
        }
        put_s(g, b, "};\n");
    }
}

static const char *thunk_name(gen *g, uint32_t mi)
{
    return sfmt(g, "%s__invoke_%s_%s", g->rootc, lname(g, msvc(g, mi)->name), method(g, mi)->name);
}

/* The argument a thunk passes for parameter p (a is the args struct). */
static const char *thunk_arg(gen *g, const alri_member *p)
{
    return ty(g, p->type)->kind == ALR_K_STRUCT ? sfmt(g, "&a->%s", p->name)
                                                : sfmt(g, "a->%s", p->name);
}

static void gen_source_thunks(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    if (!s->methods.n)
        return;
    put_s(g, b, "\n/* ---- dispatch: unpack the arguments, call the handler ---- */\n");
    if (g->need_none)
        put(g, b,
            "\n/* Methods without a generated handler yet (objects, asyncref). */\n"
            "static alr_err %s(alr_call *call, const void *handlers, void *args, void *ret)\n"
            "{\n    (void)call;\n    (void)handlers;\n    (void)args;\n    (void)ret;\n"
            "    return ALR_ENOMETHOD;\n}\n",
            def(g, sfmt(g, "%s__invoke_none", g->rootc), "the ALR_ENOMETHOD thunk"));
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *m = method(g, mi);
        if (!has_stub(m))
            continue;
        const char *pv = method_priv(g, mi);
        const char *ht = sfmt(g, "%s_handlers", scoped(g, msvc(g, mi)->name));
        put(g, b,
            "\nstatic alr_err %s(alr_call *call, const void *handlers, void *args, void *ret)\n{\n",
            def(g, thunk_name(g, mi), sfmt(g, "the dispatch thunk of %s", method_qname(g, mi))));
        put(g, b, "    const %s *h = (const %s *)handlers;\n", ht, ht);
        if (m->nparams)
            put(g, b, "    %s_args *a = (%s_args *)args;\n", pv, pv);
        else
            put_s(g, b, "    (void)args;\n");
        if (m->ret != ALRI_NONE)
            put(g, b, "    %s_ret *r = (%s_ret *)ret;\n", pv, pv);
        else
            put_s(g, b, "    (void)ret;\n");
        put(g, b, "    if (!h || !h->%s)\n        return ALR_ENOMETHOD;\n", m->name);
        put(g, b, "    return h->%s(call", m->name);
        for (uint32_t k = 0; k < m->nparams; k++)
            put(g, b, ", %s", thunk_arg(g, &s->params.v[m->first_param + k]));
        if (handler_has_ret(m))
            put_s(g, b, ", &r->ret");
        put_s(g, b, ");\n}\n");
    }
}

static uint32_t method_deadline(const gen *g, const alri_method *m)
{
    for (uint32_t i = 0; i < m->nannots; i++) {
        const alri_annot *an = &g->s->annots.v[m->first_annot + i];
        if (strcmp(an->name, "deadline") != 0 || an->nargs != 1)
            continue;
        const alri_value *v = &g->s->values.v[g->s->args.v[an->first_arg].value];
        uint64_t d = v->kind == ALRI_V_INT ? (uint64_t)v->i : v->u;
        return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    return 0;
}

static void gen_source_iface(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    static const char *const kinds[] = {"ALR_METHOD_STATIC", "ALR_METHOD_INSTANCE",
                                        "ALR_METHOD_CTOR"};
    static const char *const modes[] = {
        "ALR_RET_VOID",   "ALR_RET_VALUE",         "ALR_RET_RESULT", "ALR_RET_STATUS",
        "ALR_RET_ONEWAY", "ALR_RET_ONEWAY_STATUS", "ALR_RET_ASYNC",  "ALR_RET_ASYNCREF"};
    put_s(g, b, "\n/* ---- the schema blob and the iface ---- */\n\n");
    put(g, b, "static const uint8_t %s[%zu] = {", def(g, sfmt(g, "%s__blob", g->rootc), "the blob"),
        g->bloblen);
    for (size_t i = 0; i < g->bloblen; i++)
        put(g, b, "%s0x%02x", i % 16 ? ", " : (i ? ",\n    " : "\n    "), g->blob[i]);
    put_s(g, b, "\n};\n");
    if (s->services.n) {
        put(g, b, "\nstatic const char *const %s[] = {\n",
            def(g, sfmt(g, "%s__services", g->rootc), "the service names"));
        for (uint32_t i = 0; i < s->services.n; i++)
            put(g, b, "    \"%s\",\n", s->services.v[i].name);
        put_s(g, b, "};\n");
    }
    if (s->methods.n) {
        put(g, b, "\nstatic const alr_method_info %s[] = {\n",
            def(g, sfmt(g, "%s__methods", g->rootc), "the method table"));
        for (uint32_t mi = 0; mi < s->methods.n; mi++) {
            const alri_method *m = method(g, mi);
            put(g, b, "    { \"%s\", %" PRIu32 "u, %s, %s, %" PRIu32 "u, &%s__args[%" PRIu32 "], ",
                method_qname(g, mi), g->msvc[mi], m->kind <= 2 ? kinds[m->kind] : "0",
                m->mode <= ALR_RET_MAX_ ? modes[m->mode] : "0", method_deadline(g, m), g->rootc,
                mi);
            if (g->mret[mi] != ALRI_NONE)
                put(g, b, "&%s__rets[%" PRIu32 "], ", g->rootc, g->mret[mi]);
            else
                put_s(g, b, "NULL, ");
            put(g, b, "%s },\n",
                has_stub(m) ? thunk_name(g, mi) : sfmt(g, "%s__invoke_none", g->rootc));
        }
        put_s(g, b, "};\n");
    }
    put(g, b, "\nconst alr_iface %s_iface = {\n    \"%s\",\n    %s__blob,\n    sizeof %s__blob,\n",
        g->rootc, s->package, g->rootc, g->rootc);
    put(g, b, "    %" PRIu32 "u,\n", s->methods.n);
    put(g, b, s->methods.n ? "    %s__methods,\n" : "    NULL,%s\n", s->methods.n ? g->rootc : "");
    put(g, b, "    %" PRIu32 "u,\n", s->services.n);
    put(g, b, s->services.n ? "    %s__services,\n" : "    NULL,%s\n",
        s->services.n ? g->rootc : "");
    put_s(g, b, "};\n");
}

/* How the stub stores parameter p into the args struct a. */
static void put_stub_store(gen *g, gbuf *b, const stub_names *n, const alri_member *p)
{
    const alri_type *y = ty(g, p->type);
    switch (y->kind) {
    case ALR_K_STRING:
        put(g, b, "    %s.%s = (char *)%s;\n", n->a, p->name, p->name);
        break;
    case ALR_K_STRUCT:
        put(g, b, "    %s.%s = *%s;\n", n->a, p->name, p->name);
        break;
    case ALR_K_OPTIONAL:
        put(g, b, "    %s.%s = (%s)%s;\n", n->a, p->name, ctype(g, p->type), p->name);
        break;
    case ALR_K_ARRAY:
        put(g, b, "    memcpy(%s.%s, %s, sizeof %s.%s);\n", n->a, p->name, p->name, n->a, p->name);
        break;
    default:
        put(g, b, "    %s.%s = %s;\n", n->a, p->name, p->name);
        break;
    }
}

static void gen_source_stubs(gen *g)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    int any = 0;
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *m = method(g, mi);
        if (!has_stub(m))
            continue;
        if (!any++)
            put_s(g, b, "\n/* ---- client stubs: calls on the current endpoint ---- */\n");
        stub_names n = stub_names_for(g, m);
        const char *pv = method_priv(g, mi);
        int ret = stub_has_ret(m), err = stub_has_err(m), async = m->mode == ALR_RET_ASYNC;
        int rstruct = m->ret != ALRI_NONE && !async;
        put_s(g, b, "\n");
        put_stub_sig(g, b, mi, stub_name(g, mi));
        put(g, b, "\n{\n    %s_args %s;\n", pv, n.a);
        if (rstruct)
            put(g, b, "    %s_ret %s;\n", pv, n.r);
        if (ret || err)
            put(g, b, "    alr_err %s;\n", n.e);
        /* pointers that must not be NULL: struct parameters and ret */
        const char *cond = NULL;
        for (uint32_t k = 0; k < m->nparams; k++) {
            const alri_member *p = &s->params.v[m->first_param + k];
            if (ty(g, p->type)->kind == ALR_K_STRUCT)
                cond = cond ? sfmt(g, "%s || !%s", cond, p->name) : sfmt(g, "!%s", p->name);
        }
        if (ret)
            cond = cond ? sfmt(g, "%s || !%s", cond, n.ret) : sfmt(g, "!%s", n.ret);
        if (async) {
            put(g, b, "    if (%s)\n        *%s = NULL;\n", n.out, n.out);
            cond = cond ? sfmt(g, "!%s || %s", n.out, cond) : sfmt(g, "!%s", n.out);
        }
        if (cond)
            put(g, b, "    if (%s)\n        return ALR_EINVAL;\n", cond);
        put(g, b, "    memset(&%s, 0, sizeof %s);\n", n.a, n.a);
        if (rstruct)
            put(g, b, "    memset(&%s, 0, sizeof %s);\n", n.r, n.r);
        for (uint32_t k = 0; k < m->nparams; k++)
            put_stub_store(g, b, &n, &s->params.v[m->first_param + k]);
        if (async || is_oneway(m)) {
            if (async)
                put(g, b, "    return alr_call_async(&%s_iface, %" PRIu32 "u, &%s, %s);\n}\n",
                    g->rootc, mi, n.a, n.out);
            else
                put(g, b, "    return alr_call_oneway(&%s_iface, %" PRIu32 "u, &%s);\n}\n",
                    g->rootc, mi, n.a);
            if (!has_value_accessor(m))
                continue;
            put_s(g, b, "\n");
            put_value_sig(g, b, mi, value_name(g, mi));
            put(g, b,
                "\n{\n    const %s_ret *r = (const %s_ret *)alr_async_value(h);\n"
                "    return r && alr_async_method(h) == %" PRIu32 "u ? &r->ret : NULL;\n}\n",
                pv, pv, mi);
            continue;
        }
        put(g, b, "    %s%s%salr_call_sync(&%s_iface, %" PRIu32 "u, &%s, %s%s, %s);\n",
            ret || err ? n.e : "return", ret || err ? " =" : "", " ", g->rootc, mi, n.a,
            rstruct ? "&" : "NULL", rstruct ? n.r : "", stub_has_arena(g, m) ? n.arena : "NULL");
        if (!ret && !err) {
            put_s(g, b, "}\n");
            continue;
        }
        if (ret)
            put(g, b, "    if (%s == ALR_OK)\n        *%s = %s.ret;\n", n.e, n.ret, n.r);
        if (err)
            put(g, b, "    %sif (%s == ALR_EAPP && %s)\n        *%s = (%s)alr_last_app_code();\n",
                ret ? "else " : "", n.e, n.err, n.err, ctype(g, m->err));
        put(g, b, "    return %s;\n}\n", n.e);
    }
    for (uint32_t si = 0; si < s->services.n; si++) {
        const alri_service *sv = &s->services.v[si];
        if (!svc_has_handlers(g, sv))
            continue;
        const char *sc = scoped(g, sv->name);
        put(g, b, "\n/* ---- serving %s ---- */\n", sv->name);
        put(g, b,
            "\nalr_err %s_serve(alr_server *srv, const %s_handlers *h, void *user)\n{\n"
            "    return alr_server_serve(srv, %" PRIu32 "u, h, user);\n}\n",
            sc, sc, si);
        put(g, b,
            "\nalr_err %s_serve_endpoint(alr_endpoint *ep, const %s_handlers *h, void *user)\n{\n"
            "    return alr_endpoint_serve(ep, %" PRIu32 "u, h, user);\n}\n",
            sc, sc, si);
    }
}

static void gen_source(gen *g, gbuf *pro)
{
    const alri_schema *s = g->s;
    gbuf *b = &g->c;
    gen_source_structs(g);
    gen_source_defaults(g);
    gen_source_descs(g);
    gen_source_thunks(g);
    gen_source_iface(g);
    gen_source_stubs(g);
    if (has_caps(g)) {
        put_s(g, b,
              "\n/* ---- capabilities: local indices into the current endpoint's plan ---- */\n");
        put(g, b,
            "\n/* The plan of the current endpoint, when it speaks this schema. */\n"
            "static const alr_plan *%s(void)\n{\n"
            "    alr_endpoint *ep = alr_endpoint_current();\n"
            "    return ep && alr_endpoint_iface(ep) == &%s_iface ? alr_endpoint_plan(ep) : NULL;\n}\n",
            def(g, sfmt(g, "%s__plan", g->rootc), "the plan helper"), g->rootc);
        caps_each(g, b, caps_body);
    }
    /* the prologue last: it depends on what the body needs */
    put(g, pro, "/*\n * %s_gen.c - generated by alrc from %s (package %s): do not edit.\n", g->stem,
        g->source, s->package);
    put_s(g, pro,
          " * Descriptors, the embedded schema blob, the alr_iface, client stubs,\n"
          " * dispatch thunks and capability queries (spec/c-api.md).\n */\n");
    if (g->need_math)
        put_s(g, pro, "#include <math.h>\n");
    put(g, pro,
        "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
        "#include \"%s_gen.h\"\n\n",
        g->stem);
    put_s(g, pro,
          "#ifndef ALR_GEN_ALIGNOF\n#ifdef __cplusplus\n#define ALR_GEN_ALIGNOF(T) alignof(T)\n"
          "#else\n#define ALR_GEN_ALIGNOF(T) _Alignof(T)\n#endif\n#endif\n");
}

/* ------------------------------------------------------------ checks and entry points */

static int gname_cmp(const void *x, const void *y)
{
    const gname *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : a->member - b->member;
}

/* Every file-scope name is produced once; member names (fields,
 * parameters) must not be one of them (they would be macro-expanded or
 * shadow what stubs refer to); nothing lands in the runtime's alr_ space. */
static int check_names(gen *g, char *err, size_t errlen)
{
    static const char *const words[] = {"NULL", "memset", "memcpy", "offsetof", "sizeof"};
    qsort(g->names, g->nnames, sizeof *g->names, gname_cmp);
    for (size_t i = 0; i < g->nnames; i++) {
        const gname *n = &g->names[i];
        if (!n->member && (strncmp(n->name, "alr_", 4) == 0 || strncmp(n->name, "ALR_", 4) == 0) &&
            strncmp(n->name, "ALR_GEN_", 8) != 0) {
            snprintf(err, errlen, "C name '%s' (%s) is in the runtime's reserved alr_ namespace",
                     n->name, n->what);
            return -1;
        }
        if (n->member) {
            for (size_t k = 0; k < sizeof words / sizeof *words; k++)
                if (strcmp(n->name, words[k]) == 0) {
                    snprintf(err, errlen, "%s: the name '%s' cannot be used in generated C",
                             n->what, n->name);
                    return -1;
                }
            if (strncmp(n->name, "alr_", 4) == 0 || strncmp(n->name, "ALR_", 4) == 0) {
                snprintf(err, errlen,
                         "%s: the name '%s' is in the runtime's reserved alr_ namespace", n->what,
                         n->name);
                return -1;
            }
        }
        if (i == 0 || strcmp(g->names[i - 1].name, n->name) != 0)
            continue;
        const gname *p = &g->names[i - 1];
        if (p->member && n->member)
            continue; /* two members of different structs may share a name */
        snprintf(err, errlen, "C name '%s' is produced by both %s and %s; rename one of them",
                 n->name, p->what, n->what);
        return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int gen_c_generate(const alri_schema *ir, const uint8_t *blob, size_t bloblen, const char *stem,
                   const char *source, gen_c_output *out, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    gen g;
    memset(&g, 0, sizeof g);
    g.s = ir;
    g.blob = blob;
    g.bloblen = bloblen;
    g.stem = stem;
    g.source = base_name(source);
    alri_arena_init(&g.a);
    g.tvar = calloc((size_t)ir->types.n + 1, 1);
    g.snt = calloc((size_t)ir->structs.n + 1, 1);
    g.msvc = calloc((size_t)ir->methods.n + 1, sizeof *g.msvc);
    g.mret = calloc((size_t)ir->methods.n + 1, sizeof *g.mret);
    g.sdepth = calloc((size_t)ir->structs.n + 1, sizeof *g.sdepth);
    gbuf pro = {0};
    int rc = -1;
    if (!g.tvar || !g.snt || !g.msvc || !g.mret || !g.sdepth) {
        g.oom = 1;
        goto done;
    }
    for (uint32_t si = 0; si < ir->structs.n; si++)
        if (struct_depth(&g, si, 0) > GEN_MAX_NESTING) {
            snprintf(err, errlen, "struct %s nests structs by value more than %u deep",
                     ir->structs.v[si].name, GEN_MAX_NESTING);
            goto done;
        }
    g.rootc = cname(&g, ir->package);
    for (uint32_t si = 0; si < ir->services.n; si++)
        for (uint32_t k = 0; k < ir->services.v[si].nmethods; k++)
            g.msvc[ir->services.v[si].first_method + k] = si;
    for (uint32_t mi = 0; mi < ir->methods.n; mi++) {
        g.mret[mi] = ir->methods.v[mi].ret != ALRI_NONE ? g.nrets++ : ALRI_NONE;
        if (!has_stub(&ir->methods.v[mi]))
            g.need_none = 1;
    }
    gen_header(&g);
    gen_source(&g, &pro);
    if (g.oom)
        goto done;
    if (check_names(&g, err, errlen) != 0)
        goto done;
    gb_write(&g, &pro, g.c.p ? g.c.p : "", g.c.n);
    if (g.oom)
        goto done;
    out->h = g.h.p;
    out->hlen = g.h.n;
    out->c = pro.p;
    out->clen = pro.n;
    g.h.p = NULL;
    pro.p = NULL;
    rc = 0;
done:
    if (g.oom)
        snprintf(err, errlen, "out of memory");
    free(pro.p);
    free(g.h.p);
    free(g.c.p);
    free(g.names);
    free(g.tvar);
    free(g.snt);
    free(g.msvc);
    free(g.mret);
    free(g.sdepth);
    alri_arena_fini(&g.a);
    return rc;
}

void gen_c_output_free(gen_c_output *out)
{
    if (!out)
        return;
    free(out->h);
    free(out->c);
    memset(out, 0, sizeof *out);
}

int gen_c_write(const alri_schema *ir, const uint8_t *blob, size_t bloblen, const char *dir,
                const char *stem, const char *source, char *err, size_t errlen)
{
    gen_c_output o;
    if (gen_c_generate(ir, blob, bloblen, stem, source, &o, err, errlen) != 0)
        return 1;
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        size_t sl = strlen(stem);
        char *name = malloc(sl + 7);
        char *path = NULL;
        if (name) {
            memcpy(name, stem, sl);
            memcpy(name + sl, k ? "_gen.c" : "_gen.h", 7);
            path = util_join(dir, name);
        }
        int e =
            path ? util_write_if_changed(path, k ? o.c : o.h, k ? o.clen : o.hlen, NULL) : ENOMEM;
        if (e) {
            snprintf(err, errlen, "cannot write '%s': %s", path ? path : stem, strerror(e));
            rc = 2;
        }
        free(name);
        free(path);
    }
    gen_c_output_free(&o);
    return rc;
}
