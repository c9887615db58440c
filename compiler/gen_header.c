/*
 * gen_header.c - the C-header adapter (`alrc --emit=c X.h`): X_adapt.h,
 * X_client.c and X_server.c, which let a program call (client) and implement
 * (server) an imported header's OWN prototypes over ALR.  Everything comes
 * from the blob's IR (what travels) and the importer's facts table (how the
 * user's C spells and lays it out); spec/annotations.md section 5 is the
 * contract of the output.
 *
 * The user's structs are converted member by member to the generated ones
 * (X_gen.h) and back: one static function per struct and direction.  The
 * client shares what it sends (strings, equal-typed scalar lists) and copies
 * what it receives into its thread's result arena; the server shares the
 * decoded arguments and copies results into the call's arena.
 */
#include "gen_header.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../import/imp_facts.h"
#include "arena.h"
#include "textbuf.h"
#include "util.h"

typedef textbuf hbuf;

typedef struct sset {
    const char **v;
    size_t n, cap;
} sset;

enum { U2G = 0, G2U = 1 };

/* How one member, parameter or result carries its value on the user's side. */
enum {
    R_SKIP,   /* not an ALR element (a count, map values, the ALR_OUT slot) */
    R_VALUE,  /* inline: scalar, enum, flags, struct, fixed array */
    R_STRING, /* char * */
    R_OPT,    /* T * or NULL: optional<T> */
    R_BYREF,  /* const struct X *: a struct input passed by address */
    R_LIST,   /* T * + count: list<T>, set<T> */
    R_BYTES,  /* uint8_t / char / void * + count */
    R_MAP     /* K * + V * + count */
};

/* How a prototype's C return value carries failures. */
enum { ERR_NONE, ERR_ENUM, ERR_INT, ERR_ALR };

/* What one header function becomes. */
typedef struct mplan {
    const imp_method_fact *mf;
    uint32_t mi; /* IR method, ALRI_NONE when the blob lacks it */
    const char *bad; /* why it is not carried, NULL when it is */
    int32_t out;     /* the ALR_OUT parameter, -1 */
    int32_t *irp;    /* per C parameter: IR parameter index (from first_param), -1 */
    int *rep;        /* per C parameter: R_* (R_SKIP for counts, map values, out) */
    int32_t *owner;  /* per C parameter that is a count or map values: its owner */
    int ret_rep;     /* R_* of the returned value, R_SKIP when none */
    int errk;        /* ERR_* */
    int64_t fail;    /* ERR_ENUM: the value a failed call returns */
    uint32_t eenum;  /* ERR_ENUM: the IR enum of E */
} mplan;

typedef struct hg {
    const alri_schema *s;
    const imp_facts *f;
    const char *stem, *hdr, *src, *rootc;
    alri_arena a;
    int oom;
    sset user;        /* identifiers the header declares (types, functions, enumerators) */
    sset fscope;      /* file-scope names generated bodies use */
    int32_t *sfact;   /* per IR struct: its facts, -1 */
    int32_t *efact;   /* per IR enum: its facts, -1 */
    const char **sbad; /* per IR struct: why it cannot be converted */
    uint8_t *sseen;   /* per IR struct: analysed (or being analysed) */
    uint8_t *need;    /* per IR struct: 1 u2g, 2 g2u converter used (file being written) */
    uint8_t *eneed;   /* per IR enum: name function used (server) */
    uint8_t *salloc;  /* per IR struct and direction: converter allocates (0 unknown, 1 no, 2 yes) */
    uint32_t *msvc;   /* per IR method: its service */
    mplan *plans;     /* per facts method */
    /* the file being written */
    int copy[2]; /* per direction: copy (1) or share (0) variable-size parts */
    const char *pfx; /* "<root>__client_" / "<root>__server_" */
    int use_fail, use_count, use_alloc, use_empty, use_results;
    sset locals;
    /* converter names (parameters and locals, fixed per file) */
    const char *cu, *cg, *ca, *ce, *ci, *cp;
    /* parameter names of the helpers and public functions (no user name) */
    const char *ha, *hn, *hsize, *he, *hwhy, *hfn, *huser, *hfunc, *hv, *hsrv, *hep;
    int use_begin, use_done;
} hg;

/* ------------------------------------------------------------ buffers and strings */

/* Appends n bytes; the buffer stays NUL-terminated (not counted in n). */
static void hb_write(hg *g, hbuf *b, const char *s, size_t n)
{
    tb_write(b, s, n);
    g->oom |= b->oom;
}

static void put_s(hg *g, hbuf *b, const char *s)
{
    hb_write(g, b, s, strlen(s));
}

static void vput(hg *g, hbuf *b, const char *fmt, va_list ap)
{
    tb_vprintf(b, fmt, ap);
    g->oom |= b->oom;
}

static void put(hg *g, hbuf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(hg *g, hbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(g, b, fmt, ap);
    va_end(ap);
}

/* A formatted string in the scratch arena ("" when out of memory). */
static const char *sfmt(hg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *sfmt(hg *g, const char *fmt, ...)
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

static const char *sdup(hg *g, const char *s, size_t n)
{
    char *p = alri_arena_strndup(&g->a, s, n);
    if (!p) {
        g->oom = 1;
        return "";
    }
    return p;
}

/* A C string literal (with quotes) of s. */
static const char *lit(hg *g, const char *s)
{
    hbuf b = {0};
    tb_cstring(&b, s, strlen(s));
    g->oom |= b.oom;
    const char *r = b.p ? sdup(g, b.p, b.n) : "\"\"";
    free(b.p);
    return r;
}

/* Text for inside a C comment: no comment terminator. */
static const char *ctext(hg *g, const char *s)
{
    hbuf b = {0};
    for (; *s; s++) {
        if (s[0] == '*' && s[1] == '/')
            put_s(g, &b, "* /");
        else if (s[0] == '/' && s[1] == '*')
            put_s(g, &b, "/ *");
        else if (*s == '\n')
            put_s(g, &b, " ");
        else {
            hb_write(g, &b, s, 1);
            continue;
        }
        s++;
        if (!*s)
            break;
    }
    const char *r = b.p ? sdup(g, b.p, b.n) : "";
    free(b.p);
    return r;
}

static int ends_star(const char *t)
{
    size_t n = strlen(t);
    return n && t[n - 1] == '*';
}

/* "T name" with C's spacing ("T *name"). */
static const char *decl(hg *g, const char *type, const char *name)
{
    return sfmt(g, "%s%s%s", type, ends_star(type) ? "" : " ", name);
}

static int is_ident_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* ------------------------------------------------------------ name sets */

static int sset_has(const sset *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return 1;
    return 0;
}

static void sset_add(hg *g, sset *s, const char *name)
{
    if (g->oom || !name || !name[0] || sset_has(s, name))
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        const char **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            g->oom = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = name;
}

static int is_c_keyword(const char *w, size_t n)
{
    static const char *const kw[] = {
        "const",    "volatile", "restrict", "struct", "enum",   "union",    "signed",
        "unsigned", "char",     "short",    "int",    "long",   "float",    "double",
        "void",     "_Bool",    "_Atomic",  "bool",   "inline", "_Complex", "__restrict"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i]) == n && strncmp(kw[i], w, n) == 0)
            return 1;
    return 0;
}

/* Adds the identifiers of a C type spelling ("const struct geo_point *") to s. */
static void add_type_words(hg *g, sset *s, const char *type)
{
    if (!type)
        return;
    for (const char *p = type; *p;) {
        if (!is_ident_char((unsigned char)*p) || (*p >= '0' && *p <= '9')) {
            p++;
            continue;
        }
        const char *q = p;
        while (is_ident_char((unsigned char)*q))
            q++;
        if (!is_c_keyword(p, (size_t)(q - p)))
            sset_add(g, s, sdup(g, p, (size_t)(q - p)));
        p = q;
    }
}

/* A name for a local of the current function: base, or base with '_'
 * appended until it names nothing the function can see. */
static const char *local(hg *g, const char *base)
{
    const char *n = base;
    while (!g->oom &&
           (sset_has(&g->user, n) || sset_has(&g->fscope, n) || sset_has(&g->locals, n)))
        n = sfmt(g, "%s_", n);
    sset_add(g, &g->locals, n);
    return n;
}

/* ------------------------------------------------------------ C type spellings */

static const char *trim(hg *g, const char *s, size_t n)
{
    while (n && s[0] == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    return sdup(g, s, n);
}

/* The type without its top-level qualifiers: "const geo_point" ->
 * "geo_point", "const char *const" -> "const char *". */
static const char *unqual(hg *g, const char *t)
{
    static const char *const quals[] = {"const", "volatile", "restrict", "__restrict"};
    const char *s = trim(g, t, strlen(t));
    for (int again = 1; again && !g->oom;) {
        again = 0;
        size_t n = strlen(s);
        for (size_t k = 0; k < sizeof quals / sizeof quals[0]; k++) {
            size_t ql = strlen(quals[k]);
            if (strchr(s, '*')) {
                /* a pointer: qualifiers of the pointer itself come last */
                if (n > ql && strcmp(s + n - ql, quals[k]) == 0 &&
                    !is_ident_char((unsigned char)s[n - ql - 1])) {
                    s = trim(g, s, n - ql);
                    again = 1;
                    break;
                }
            } else if (n > ql && strncmp(s, quals[k], ql) == 0 && s[ql] == ' ') {
                s = trim(g, s + ql, n - ql);
                again = 1;
                break;
            } else if (n > ql && strcmp(s + n - ql, quals[k]) == 0 && s[n - ql - 1] == ' ') {
                s = trim(g, s, n - ql);
                again = 1;
                break;
            }
        }
    }
    return s;
}

/* The pointee of a pointer type spelling, unqualified ("const geo_point *"
 * -> "geo_point", "geo_point **" -> "geo_point *"); NULL when the spelling
 * is not a pointer (a typedef of one). */
static const char *pointee(hg *g, const char *t)
{
    if (!t)
        return NULL;
    const char *u = unqual(g, t);
    size_t n = strlen(u);
    if (!n || u[n - 1] != '*')
        return NULL;
    return unqual(g, trim(g, u, n - 1));
}

/* The element of an array type spelling ("uint8_t[4]" -> "uint8_t"); NULL
 * when it is not spelled as an array. */
static const char *array_elem(hg *g, const char *t)
{
    if (!t)
        return NULL;
    size_t n = strlen(t);
    if (!n || t[n - 1] != ']')
        return NULL;
    const char *lb = strrchr(t, '[');
    if (!lb)
        return NULL;
    return unqual(g, trim(g, t, (size_t)(lb - t)));
}

/* ------------------------------------------------------------ the IR and the generated C */

static const alri_type *ty(const hg *g, uint32_t t)
{
    return &g->s->types.v[t];
}

static uint8_t kind(const hg *g, uint32_t t)
{
    return ty(g, t)->kind;
}

/* "a.b.Name" -> "a_b_Name" */
static const char *cname(hg *g, const char *qname)
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

static size_t pkg_len(const char *qname)
{
    const char *dot = strrchr(qname, '.');
    return dot ? (size_t)(dot - qname) : 0;
}

static int in_root(const hg *g, const char *qname)
{
    size_t n = pkg_len(qname);
    return n == strlen(g->s->package) && strncmp(qname, g->s->package, n) == 0;
}

/* What the generator prefixes stubs and handler tables with (spec/c-api.md 1). */
static const char *scoped(hg *g, const char *qname)
{
    return in_root(g, qname) ? cname(g, qname) : sfmt(g, "%s_%s", g->rootc, cname(g, qname));
}

static const char *lname(hg *g, const char *qname)
{
    return in_root(g, qname) ? qname + pkg_len(qname) + 1 : cname(g, qname);
}

/* The generated C type of IR type t (X_gen.h). */
static const char *gtype(hg *g, uint32_t t)
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
    case ALR_K_OPTIONAL:
        return decl(g, gtype(g, y->a), "*");
    case ALR_K_ARRAY:
        return sfmt(g, "%s[%" PRIu32 "]", gtype(g, y->a), y->b);
    case ALR_K_STRUCT:
        return cname(g, g->s->structs.v[y->a].name);
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
        return cname(g, g->s->enums.v[y->a].name);
    default:
        return y->kind <= ALR_K_REF && scalar[y->kind] ? scalar[y->kind] : "void";
    }
}

/* A stub or handler parameter of type t (spec/c-api.md 2). */
static const char *gparam(hg *g, uint32_t t, const char *name)
{
    const alri_type *y = ty(g, t);
    switch (y->kind) {
    case ALR_K_STRING:
        return sfmt(g, "const char *%s", name);
    case ALR_K_STRUCT:
    case ALR_K_OPTIONAL: {
        const char *c = gtype(g, y->kind == ALR_K_STRUCT ? t : y->a);
        return ends_star(c) ? sfmt(g, "%sconst *%s", c, name) : sfmt(g, "const %s *%s", c, name);
    }
    default:
        return decl(g, gtype(g, t), name);
    }
}

/* Whether a value of type t has parts the decoder allocates. */
static int has_var(hg *g, uint32_t t, unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (depth > 64)
        return 1;
    switch (y->kind) {
    case ALR_K_STRING:
    case ALR_K_BYTES:
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_MAP:
    case ALR_K_OPTIONAL:
        return 1;
    case ALR_K_ARRAY:
        return has_var(g, y->a, depth + 1);
    case ALR_K_STRUCT: {
        const alri_struct *st = &g->s->structs.v[y->a];
        for (uint32_t k = 0; k < st->nfields; k++)
            if (has_var(g, g->s->fields.v[st->first_field + k].type, depth + 1))
                return 1;
        return 0;
    }
    default:
        return 0;
    }
}

static int is_scalar(uint8_t k)
{
    return k >= ALR_K_BOOL && k <= ALR_K_F64;
}

static uint32_t ir_struct(const hg *g, const char *qname)
{
    for (uint32_t i = 0; i < g->s->structs.n; i++)
        if (strcmp(g->s->structs.v[i].name, qname) == 0)
            return i;
    return ALRI_NONE;
}

static uint32_t ir_enum(const hg *g, const char *qname)
{
    for (uint32_t i = 0; i < g->s->enums.n; i++)
        if (strcmp(g->s->enums.v[i].name, qname) == 0)
            return i;
    return ALRI_NONE;
}

static const alri_member *ir_field(const hg *g, uint32_t si, const char *name)
{
    const alri_struct *st = &g->s->structs.v[si];
    for (uint32_t k = 0; k < st->nfields; k++)
        if (strcmp(g->s->fields.v[st->first_field + k].name, name) == 0)
            return &g->s->fields.v[st->first_field + k];
    return NULL;
}

static const alri_method *irm(const hg *g, uint32_t mi)
{
    return &g->s->methods.v[mi];
}

static const char *stub_name(hg *g, uint32_t mi)
{
    return sfmt(g, "%s_%s", scoped(g, g->s->services.v[g->msvc[mi]].name), irm(g, mi)->name);
}

/* Methods the generator gives a stub and a handler (gen_c.c has_stub). */
static int has_stub(const alri_method *m)
{
    return m->kind == ALR_METHOD_STATIC &&
           (m->mode == ALR_RET_VOID || m->mode == ALR_RET_VALUE || m->mode == ALR_RET_RESULT ||
            m->mode == ALR_RET_STATUS || m->mode == ALR_RET_ONEWAY ||
            m->mode == ALR_RET_ONEWAY_STATUS);
}

static int stub_has_ret(const alri_method *m)
{
    return (m->mode == ALR_RET_VALUE || m->mode == ALR_RET_RESULT) && m->ret != ALRI_NONE;
}

static int stub_has_err(const alri_method *m)
{
    return (m->mode == ALR_RET_RESULT || m->mode == ALR_RET_STATUS) && m->err != ALRI_NONE;
}

static int svc_has_handlers(const hg *g, uint32_t si)
{
    const alri_service *sv = &g->s->services.v[si];
    for (uint32_t k = 0; k < sv->nmethods; k++)
        if (has_stub(irm(g, sv->first_method + k)))
            return 1;
    return 0;
}

/* The user's spelling of a value of IR type t, when the header's own
 * spelling is not at hand (an element behind a typedef'd pointer). */
static const char *user_type_of(hg *g, uint32_t t)
{
    const alri_type *y = ty(g, t);
    if (y->kind == ALR_K_STRUCT && g->sfact[y->a] >= 0)
        return g->f->structs[g->sfact[y->a]].c_type;
    if ((y->kind == ALR_K_ENUM || y->kind == ALR_K_FLAGS) && g->efact[y->a] >= 0)
        return g->f->enums[g->efact[y->a]].c_type;
    return gtype(g, t);
}

/* ------------------------------------------------------------ analysis */

static const char *type_bad(hg *g, uint32_t t, unsigned depth);

static const char *struct_bad(hg *g, uint32_t si, unsigned depth)
{
    if (g->sseen[si])
        return g->sbad[si];
    g->sseen[si] = 1;
    const alri_struct *st = &g->s->structs.v[si];
    const char *bad = NULL;
    if (g->sfact[si] < 0) {
        bad = sfmt(g, "struct %s has no C declaration in the header", st->name);
    } else {
        const imp_struct_fact *sf = &g->f->structs[g->sfact[si]];
        uint32_t found = 0;
        for (uint32_t j = 0; j < sf->nmembers && !bad; j++) {
            const imp_member_fact *m = &sf->members[j];
            if (m->repr == IMP_REPR_HANDLE) {
                bad = sfmt(g, "member %s of %s is a service handle (ref<S>): remote objects are "
                              "not supported yet",
                           m->c_name, sf->c_type);
                break;
            }
            if (m->repr == IMP_REPR_LEN || m->repr == IMP_REPR_MAP_VALS || !m->alr_name)
                continue;
            const alri_member *fld = ir_field(g, si, m->alr_name);
            if (!fld) {
                bad = sfmt(g, "member %s of %s is not in the schema", m->c_name, sf->c_type);
                break;
            }
            found++;
            if (m->repr == IMP_REPR_VALUE &&
                (strncmp(m->c_type, "const ", 6) == 0 || strncmp(m->c_type, "volatile ", 9) == 0))
                bad = sfmt(g, "member %s of %s is declared %s", m->c_name, sf->c_type, m->c_type);
            else
                bad = type_bad(g, fld->type, depth + 1);
        }
        if (!bad && found != st->nfields)
            bad = sfmt(g, "the fields of %s do not match the schema's", sf->c_type);
    }
    g->sbad[si] = bad;
    return bad;
}

/* Why a value of type t cannot be converted, or NULL. */
static const char *type_bad(hg *g, uint32_t t, unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (depth > 256)
        return "types nest too deep";
    switch (y->kind) {
    case ALR_K_REF:
        return "it passes a service handle (ref<S>): remote objects are not supported yet";
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
    case ALR_K_ARRAY:
        return type_bad(g, y->a, depth + 1);
    case ALR_K_MAP: {
        const char *b = type_bad(g, y->a, depth + 1);
        return b ? b : type_bad(g, y->b, depth + 1);
    }
    case ALR_K_STRUCT:
        return struct_bad(g, y->a, depth);
    default:
        return NULL;
    }
}

/* The representation of the returned value of IR type t. */
static int ret_rep_of(const hg *g, uint32_t t)
{
    switch (kind(g, t)) {
    case ALR_K_STRING:
        return R_STRING;
    case ALR_K_OPTIONAL:
        return R_OPT;
    case ALR_K_LIST:
    case ALR_K_SET:
        return R_LIST;
    case ALR_K_BYTES:
        return R_BYTES;
    case ALR_K_MAP:
        return R_MAP;
    default:
        return R_VALUE;
    }
}

static void plan_method(hg *g, mplan *p)
{
    const imp_method_fact *mf = p->mf;
    p->out = -1;
    p->ret_rep = R_SKIP;
    p->errk = ERR_NONE;
    p->eenum = ALRI_NONE;
    uint32_t n = mf->nparams;
    p->irp = alri_arena_alloc(&g->a, (n + 1) * sizeof *p->irp);
    p->rep = alri_arena_alloc(&g->a, (n + 1) * sizeof *p->rep);
    p->owner = alri_arena_alloc(&g->a, (n + 1) * sizeof *p->owner);
    if (!p->irp || !p->rep || !p->owner) {
        g->oom = 1;
        p->bad = "out of memory";
        return;
    }
    for (uint32_t j = 0; j < n; j++)
        p->irp[j] = p->owner[j] = -1;
    if (p->mi == ALRI_NONE) {
        p->bad = "not in the schema";
        return;
    }
    const alri_method *m = irm(g, p->mi);
    if (mf->is_ctor || m->kind == ALR_METHOD_CTOR) {
        p->bad = "a constructor (ALR_CTOR): remote objects are not supported yet";
        return;
    }
    if (m->kind != ALR_METHOD_STATIC) {
        p->bad = "an instance method (ALR_METHOD): remote objects are not supported yet";
        return;
    }
    if (!has_stub(m)) {
        p->bad = "ALR_ASYNC / ALR_ASYNCREF: the adapter does not wait for async calls yet";
        return;
    }
    uint32_t got = 0;
    for (uint32_t j = 0; j < n && !p->bad; j++) {
        const imp_member_fact *pf = &mf->params[j];
        p->rep[j] = R_SKIP;
        switch (pf->repr) {
        case IMP_REPR_HANDLE:
            p->bad = sfmt(g, "parameter %s is a service handle (ref<S>): remote objects are not "
                             "supported yet",
                          pf->c_name);
            continue;
        case IMP_REPR_OUT:
            p->out = (int32_t)j;
            continue;
        case IMP_REPR_LEN:
        case IMP_REPR_MAP_VALS:
            for (uint32_t o = 0; o < n; o++)
                if (o != j && (mf->params[o].partner == (int32_t)j ||
                               mf->params[o].partner2 == (int32_t)j))
                    p->owner[j] = (int32_t)o;
            if (p->owner[j] < 0)
                p->bad = sfmt(g, "parameter %s belongs to no other parameter", pf->c_name);
            continue;
        default:
            break;
        }
        if (!pf->alr_name) {
            p->bad = sfmt(g, "parameter %s is not in the schema", pf->c_name);
            continue;
        }
        int32_t k = -1;
        for (uint32_t q = 0; q < m->nparams; q++)
            if (strcmp(g->s->params.v[m->first_param + q].name, pf->alr_name) == 0)
                k = (int32_t)q;
        if (k < 0) {
            p->bad = sfmt(g, "parameter %s is not in the schema", pf->c_name);
            continue;
        }
        p->irp[j] = k;
        got++;
        uint32_t t = g->s->params.v[m->first_param + (uint32_t)k].type;
        uint8_t tk = kind(g, t);
        switch (pf->repr) {
        case IMP_REPR_STRING:
            p->rep[j] = R_STRING;
            break;
        case IMP_REPR_OPT_PTR:
            p->rep[j] = tk == ALR_K_STRUCT ? R_BYREF : R_OPT;
            break;
        case IMP_REPR_LIST_PTR:
            p->rep[j] = R_LIST;
            break;
        case IMP_REPR_BYTES_PTR:
            p->rep[j] = R_BYTES;
            break;
        case IMP_REPR_MAP_KEYS:
            p->rep[j] = R_MAP;
            break;
        default:
            p->rep[j] = tk == ALR_K_ARRAY ? R_SKIP : R_VALUE;
            if (tk == ALR_K_ARRAY)
                p->bad = sfmt(g, "parameter %s is an array", pf->c_name);
            break;
        }
        if (!p->bad && (p->rep[j] == R_LIST || p->rep[j] == R_BYTES || p->rep[j] == R_MAP) &&
            (pf->partner < 0 || (p->rep[j] == R_MAP && pf->partner2 < 0)))
            p->bad = sfmt(g, "parameter %s has no count", pf->c_name);
        if (!p->bad)
            p->bad = type_bad(g, t, 0);
    }
    if (p->bad)
        return;
    if (got != m->nparams) {
        p->bad = "its parameters do not match the schema's";
        return;
    }
    if (stub_has_ret(m)) {
        p->bad = type_bad(g, m->ret, 0);
        if (p->bad)
            return;
        p->ret_rep = ret_rep_of(g, m->ret);
        if (p->out >= 0) {
            const imp_member_fact *of = &mf->params[p->out];
            if ((p->ret_rep == R_LIST || p->ret_rep == R_BYTES || p->ret_rep == R_MAP) &&
                (of->partner < 0 || (p->ret_rep == R_MAP && of->partner2 < 0))) {
                p->bad = "its ALR_OUT parameter has no count";
                return;
            }
        } else if (p->ret_rep == R_LIST || p->ret_rep == R_BYTES || p->ret_rep == R_MAP) {
            p->bad = "it returns a container without its count";
            return;
        }
    }
    if (m->mode == ALR_RET_RESULT || m->mode == ALR_RET_STATUS ||
        m->mode == ALR_RET_ONEWAY_STATUS) {
        if (m->err != ALRI_NONE) {
            p->errk = ERR_ENUM;
            p->eenum = ty(g, m->err)->a;
            /* a failed call returns -1, or the first lower value no enumerator has */
            p->fail = -1;
            if (g->efact[p->eenum] >= 0) {
                const imp_enum_fact *ef = &g->f->enums[g->efact[p->eenum]];
                for (int again = 1; again;) {
                    again = 0;
                    for (uint32_t v = 0; v < ef->nvalues; v++)
                        if (ef->values[v].value == p->fail) {
                            p->fail--;
                            again = 1;
                        }
                }
            }
        } else {
            p->errk = strcmp(unqual(g, mf->c_ret), "alr_err") == 0 ? ERR_ALR : ERR_INT;
        }
    }
}

/* Marks the converters a value of type t needs in direction dir. */
static void mark(hg *g, uint32_t t, int dir, unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (depth > 256)
        return;
    switch (y->kind) {
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
    case ALR_K_ARRAY:
        mark(g, y->a, dir, depth + 1);
        break;
    case ALR_K_MAP:
        mark(g, y->a, dir, depth + 1);
        mark(g, y->b, dir, depth + 1);
        break;
    case ALR_K_STRUCT: {
        uint8_t bit = (uint8_t)(1u << dir);
        if (g->need[y->a] & bit)
            return;
        g->need[y->a] |= bit;
        const alri_struct *st = &g->s->structs.v[y->a];
        for (uint32_t k = 0; k < st->nfields; k++)
            mark(g, g->s->fields.v[st->first_field + k].type, dir, depth + 1);
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------ conversion code */

/* The context of the conversion code being written. */
typedef struct cc {
    hg *g;
    hbuf *b;
    int dir;
    int ind;
    const char *arena; /* the arena expression */
    const char *e;     /* the alr_err variable */
    const char *label; /* where failures go */
    const char *i, *p; /* the loop index and temporary pointer names */
    int used_arena, used_label;
} cc;

static void line(cc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(cc *c, const char *fmt, ...)
{
    for (int k = 0; k < c->ind; k++)
        put_s(c->g, c->b, "    ");
    va_list ap;
    va_start(ap, fmt);
    vput(c->g, c->b, fmt, ap);
    va_end(ap);
    put_s(c->g, c->b, "\n");
}

static const char *arena(cc *c)
{
    c->used_arena = 1;
    return c->arena;
}

/* `if (cond) { e = fail(code, why); goto out; }` */
static void fail_if(cc *c, const char *cond, const char *code, const char *why)
{
    hg *g = c->g;
    g->use_fail = 1;
    c->used_label = 1;
    line(c, "if (%s) {", cond);
    line(c, "    %s = %sfail(%s, %s);", c->e, g->pfx, code, lit(g, why));
    line(c, "    goto %s;", c->label);
    line(c, "}");
}

/* `if ((e = call) != ALR_OK) goto out;` */
static void check_call(cc *c, const char *call)
{
    c->used_label = 1;
    line(c, "if ((%s = %s) != ALR_OK)", c->e, call);
    line(c, "    goto %s;", c->label);
}

static const char *conv_name(hg *g, uint32_t si, int dir)
{
    return sfmt(g, "%s%s_%s", g->pfx, dir == U2G ? "u2g" : "g2u",
                cname(g, g->s->structs.v[si].name));
}

/* Whether list elements of IR type t and user spelling uty are the same C
 * type, so the array can be shared instead of converted. */
static int same_elems(hg *g, int dir, uint32_t t, const char *uty)
{
    uint8_t k = kind(g, t);
    if (g->copy[dir])
        return 0;
    if (k == ALR_K_STRING)
        return dir == U2G; /* char * either way; received strings may be NULL ("") */
    return uty && is_scalar(k) && strcmp(uty, gtype(g, t)) == 0;
}

static const char *elem_type(hg *g, const char *pty, uint32_t t);
static int struct_allocs(hg *g, uint32_t si, int dir, unsigned depth);

/* Whether converting one element of type t in direction dir allocates. */
static int elem_allocs(hg *g, uint32_t t, int dir, unsigned depth)
{
    uint8_t k = kind(g, t);
    if (k == ALR_K_STRING)
        return g->copy[dir];
    if (k == ALR_K_STRUCT)
        return struct_allocs(g, ty(g, t)->a, dir, depth + 1);
    return 0;
}

/* Whether converting a value (rep, IR type t, user spellings vty and
 * valsty) in direction dir allocates, in the current file's modes. */
static int value_allocs(hg *g, int rep, uint32_t t, const char *vty, const char *valsty, int dir,
                        unsigned depth)
{
    const alri_type *y = ty(g, t);
    if (depth > 256)
        return 1;
    switch (rep) {
    case R_STRING:
    case R_BYTES:
        return g->copy[dir];
    case R_OPT:
        return !(dir == G2U && !g->copy[dir] && kind(g, y->a) == ALR_K_STRING);
    case R_LIST:
        return !same_elems(g, dir, y->a, elem_type(g, vty, y->a));
    case R_MAP:
        return !same_elems(g, dir, y->a, elem_type(g, vty, y->a)) ||
               !same_elems(g, dir, y->b, elem_type(g, valsty, y->b));
    case R_VALUE:
    case R_BYREF:
        return elem_allocs(g, y->kind == ALR_K_ARRAY ? y->a : t, dir, depth);
    default:
        return 0;
    }
}

/* One element: scalar, enum, flags, string or struct.  ue and ge are
 * lvalues (the one written depends on the direction); uty is the user's
 * spelling of the element type (NULL: unknown). */
static void conv_elem(cc *c, uint32_t t, const char *ue, const char *ge, const char *uty,
                      const char *what)
{
    hg *g = c->g;
    const alri_type *y = ty(g, t);
    int copy = g->copy[c->dir];
    if (y->kind == ALR_K_STRUCT) {
        const char *ar = struct_allocs(g, y->a, c->dir, 0) ? arena(c) : "NULL";
        check_call(c, c->dir == U2G
                          ? sfmt(g, "%s(&%s, &%s, %s)", conv_name(g, y->a, U2G), ue, ge, ar)
                          : sfmt(g, "%s(&%s, &%s, %s)", conv_name(g, y->a, G2U), ge, ue, ar));
        return;
    }
    if (y->kind == ALR_K_STRING) {
        if (c->dir == U2G && !copy) {
            line(c, "%s = (char *)%s;", ge, ue);
        } else if (c->dir == U2G) {
            fail_if(c, sfmt(g, "%s && !(%s = alr_arena_strdup(%s, %s))", ue, ge, arena(c), ue),
                    "ALR_ENOMEM", sfmt(g, "%s: out of memory", what));
        } else if (copy) {
            fail_if(c, sfmt(g, "!(%s = alr_arena_strdup(%s, %s ? %s : \"\"))", ue, arena(c), ge, ge),
                    "ALR_ENOMEM", sfmt(g, "%s: out of memory", what));
        } else {
            g->use_empty = 1;
            line(c, "%s = %s ? %s : %sempty;", ue, ge, ge, g->pfx);
        }
        return;
    }
    if (c->dir == U2G)
        line(c, "%s = (%s)%s;", ge, gtype(g, t), ue);
    else if (uty)
        line(c, "%s = (%s)%s;", ue, uty, ge);
    else
        line(c, "%s = %s;", ue, ge);
}

/* The user's side of one value. */
typedef struct uside {
    int rep;
    const char *v, *vty;       /* the value's lvalue and its C type (NULL: unknown) */
    const char *n, *nty;       /* containers: the count's lvalue and type */
    const char *vals, *valsty; /* maps: the values' lvalue and type */
    const char *what;          /* names it in messages */
} uside;

/* The user's element type behind pointer spelling pty, for IR type t. */
static const char *elem_type(hg *g, const char *pty, uint32_t t)
{
    const char *e = pointee(g, pty);
    return e ? e : unqual(g, user_type_of(g, t));
}

/* u2g: the count of a container must fit in 32 bits, and a NULL pointer
 * goes only with 0 elements. */
static void count_in(cc *c, const uside *u, const char *ptrs)
{
    hg *g = c->g;
    g->use_count = 1;
    fail_if(c, sfmt(g, "!%scount_ok((uint64_t)%s)", g->pfx, u->n), "ALR_ELIMIT",
            sfmt(g, "%s: more than 4294967295 elements", u->what));
    fail_if(c, sfmt(g, "%s && (%s)", u->n, ptrs), "ALR_EINVAL",
            sfmt(g, "%s: NULL with a nonzero count", u->what));
}

/* g2u: the received count must fit the user's count type. */
static void count_out(cc *c, const uside *u, const char *gn)
{
    hg *g = c->g;
    if (u->nty)
        line(c, "%s = (%s)%s;", u->n, unqual(g, u->nty), gn);
    else
        line(c, "%s = %s;", u->n, gn);
    fail_if(c, sfmt(g, "(uint64_t)%s != (uint64_t)%s", u->n, gn), "ALR_ELIMIT",
            sfmt(g, "%s: %s cannot hold the %s elements", u->what,
                 u->nty ? unqual(g, u->nty) : "the count", "received"));
}

/* One array of n elements (IR type t): user array uv (user element type
 * uty) <-> generated pointer gv (void *). */
static void conv_array(cc *c, uint32_t t, const char *uv, const char *uty, const char *gv,
                       const char *gn, const char *what)
{
    hg *g = c->g;
    if (same_elems(g, c->dir, t, uty)) {
        if (c->dir == U2G)
            line(c, "%s = (void *)%s;", gv, uv);
        else
            line(c, "%s = %s;", uv, gv);
        return;
    }
    const char *gt = gtype(g, t);
    line(c, "%s = NULL;", c->dir == U2G ? gv : uv);
    line(c, "if (%s) {", gn);
    c->ind++;
    g->use_alloc = 1;
    line(c, "%s = %salloc_n(%s, %s, sizeof *%s);",
         decl(g, c->dir == U2G ? gt : uty, sfmt(g, "*%s", c->p)), g->pfx, arena(c), gn, c->p);
    fail_if(c, sfmt(g, "!%s", c->p), "ALR_ENOMEM", sfmt(g, "%s: out of memory", what));
    line(c, "for (uint32_t %s = 0; %s < %s; %s++) {", c->i, c->i, gn, c->i);
    c->ind++;
    if (c->dir == U2G)
        conv_elem(c, t, sfmt(g, "%s[%s]", uv, c->i), sfmt(g, "%s[%s]", c->p, c->i), uty, what);
    else
        conv_elem(c, t, sfmt(g, "%s[%s]", c->p, c->i),
                  sfmt(g, "((%s)%s)[%s]", decl(g, gt, "*"), gv, c->i), uty, what);
    c->ind--;
    line(c, "}");
    line(c, "%s = %s;", c->dir == U2G ? gv : uv, c->p);
    c->ind--;
    line(c, "}");
}

/* One value (IR type t) between the user's side u and the generated lvalue gv. */
static void conv_value(cc *c, const uside *u, uint32_t t, const char *gv)
{
    hg *g = c->g;
    const alri_type *y = ty(g, t);
    int copy = g->copy[c->dir];
    switch (u->rep) {
    case R_VALUE:
        if (y->kind == ALR_K_ARRAY) {
            const char *uty = u->vty ? array_elem(g, u->vty) : NULL;
            line(c, "for (uint32_t %s = 0; %s < %" PRIu32 "u; %s++) {", c->i, c->i, y->b, c->i);
            c->ind++;
            conv_elem(c, y->a, sfmt(g, "%s[%s]", u->v, c->i), sfmt(g, "%s[%s]", gv, c->i), uty,
                      u->what);
            c->ind--;
            line(c, "}");
        } else {
            conv_elem(c, t, u->v, gv, u->vty ? unqual(g, u->vty) : NULL, u->what);
        }
        break;
    case R_BYREF:
        conv_elem(c, t, sfmt(g, "(*%s)", u->v), gv, NULL, u->what);
        break;
    case R_STRING:
        conv_elem(c, t, u->v, gv, NULL, u->what);
        break;
    case R_OPT: {
        uint32_t in = y->a;
        int str = kind(g, in) == ALR_K_STRING;
        if (c->dir == U2G) {
            line(c, "%s = NULL;", gv);
            line(c, "if (%s) {", u->v);
            c->ind++;
            line(c, "%s = alr_arena_alloc(%s, sizeof *%s);", decl(g, gtype(g, in), sfmt(g, "*%s", c->p)),
                 arena(c), c->p);
            fail_if(c, sfmt(g, "!%s", c->p), "ALR_ENOMEM", sfmt(g, "%s: out of memory", u->what));
            conv_elem(c, in, str ? u->v : sfmt(g, "(*%s)", u->v), sfmt(g, "(*%s)", c->p), NULL,
                      u->what);
            line(c, "%s = %s;", gv, c->p);
            c->ind--;
            line(c, "}");
        } else if (str) {
            line(c, "%s = NULL;", u->v);
            line(c, "if (%s) {", gv);
            c->ind++;
            conv_elem(c, in, u->v, sfmt(g, "(*%s)", gv), NULL, u->what);
            c->ind--;
            line(c, "}");
        } else {
            const char *uty = elem_type(g, u->vty, in);
            line(c, "%s = NULL;", u->v);
            line(c, "if (%s) {", gv);
            c->ind++;
            line(c, "%s = alr_arena_alloc(%s, sizeof *%s);", decl(g, uty, sfmt(g, "*%s", c->p)),
                 arena(c), c->p);
            fail_if(c, sfmt(g, "!%s", c->p), "ALR_ENOMEM", sfmt(g, "%s: out of memory", u->what));
            conv_elem(c, in, sfmt(g, "(*%s)", c->p), sfmt(g, "(*%s)", gv), uty, u->what);
            line(c, "%s = %s;", u->v, c->p);
            c->ind--;
            line(c, "}");
        }
        break;
    }
    case R_LIST: {
        uint32_t in = y->a;
        const char *uty = elem_type(g, u->vty, in);
        if (c->dir == U2G) {
            count_in(c, u, sfmt(g, "!%s", u->v));
            line(c, "%s.n = (uint32_t)%s;", gv, u->n);
        } else {
            count_out(c, u, sfmt(g, "%s.n", gv));
        }
        conv_array(c, in, u->v, uty, sfmt(g, "%s.v", gv), sfmt(g, "%s.n", gv), u->what);
        break;
    }
    case R_BYTES:
        if (c->dir == U2G) {
            count_in(c, u, sfmt(g, "!%s", u->v));
            line(c, "%s.len = (uint32_t)%s;", gv, u->n);
            if (!copy) {
                line(c, "%s.ptr = %s.len ? (uint8_t *)%s : NULL;", gv, gv, u->v);
                break;
            }
            line(c, "%s.ptr = NULL;", gv);
            line(c, "if (%s.len) {", gv);
            c->ind++;
            line(c, "%s.ptr = alr_arena_alloc(%s, %s.len);", gv, arena(c), gv);
            fail_if(c, sfmt(g, "!%s.ptr", gv), "ALR_ENOMEM", sfmt(g, "%s: out of memory", u->what));
            line(c, "memcpy(%s.ptr, %s, %s.len);", gv, u->v, gv);
            c->ind--;
            line(c, "}");
        } else {
            count_out(c, u, sfmt(g, "%s.len", gv));
            if (!copy) {
                line(c, "%s = %s.len ? (void *)%s.ptr : NULL;", u->v, gv, gv);
                break;
            }
            line(c, "%s = NULL;", u->v);
            line(c, "if (%s.len) {", gv);
            c->ind++;
            line(c, "void *%s = alr_arena_alloc(%s, %s.len);", c->p, arena(c), gv);
            fail_if(c, sfmt(g, "!%s", c->p), "ALR_ENOMEM", sfmt(g, "%s: out of memory", u->what));
            line(c, "memcpy(%s, %s.ptr, %s.len);", c->p, gv, gv);
            line(c, "%s = %s;", u->v, c->p);
            c->ind--;
            line(c, "}");
        }
        break;
    case R_MAP: {
        const char *kty = elem_type(g, u->vty, y->a), *vty = elem_type(g, u->valsty, y->b);
        if (c->dir == U2G) {
            count_in(c, u, sfmt(g, "!%s || !%s", u->v, u->vals));
            line(c, "%s.n = (uint32_t)%s;", gv, u->n);
        } else {
            count_out(c, u, sfmt(g, "%s.n", gv));
        }
        line(c, "{");
        c->ind++;
        conv_array(c, y->a, u->v, kty, sfmt(g, "%s.keys", gv), sfmt(g, "%s.n", gv),
                   sfmt(g, "%s (keys)", u->what));
        c->ind--;
        line(c, "}");
        line(c, "{");
        c->ind++;
        conv_array(c, y->b, u->vals, vty, sfmt(g, "%s.vals", gv), sfmt(g, "%s.n", gv),
                   sfmt(g, "%s (values)", u->what));
        c->ind--;
        line(c, "}");
        break;
    }
    default:
        break;
    }
}

/* The user's side of member j of struct fact sf, as seen through pointer v. */
static uside member_side(hg *g, const imp_struct_fact *sf, uint32_t j, const char *v, int rep)
{
    const imp_member_fact *m = &sf->members[j];
    uside u;
    memset(&u, 0, sizeof u);
    u.rep = rep;
    u.v = sfmt(g, "%s->%s", v, m->c_name);
    u.vty = m->c_type;
    u.what = sfmt(g, "%s.%s", sf->c_type, m->c_name);
    if (m->partner >= 0 && (uint32_t)m->partner < sf->nmembers) {
        const imp_member_fact *pm = &sf->members[m->partner];
        if (rep == R_MAP) {
            u.vals = sfmt(g, "%s->%s", v, pm->c_name);
            u.valsty = pm->c_type;
        } else {
            u.n = sfmt(g, "%s->%s", v, pm->c_name);
            u.nty = pm->c_type;
        }
    }
    if (rep == R_MAP && m->partner2 >= 0 && (uint32_t)m->partner2 < sf->nmembers) {
        const imp_member_fact *pm = &sf->members[m->partner2];
        u.n = sfmt(g, "%s->%s", v, pm->c_name);
        u.nty = pm->c_type;
    }
    return u;
}

static int member_rep(const imp_member_fact *m)
{
    switch (m->repr) {
    case IMP_REPR_STRING:
        return R_STRING;
    case IMP_REPR_OPT_PTR:
        return R_OPT;
    case IMP_REPR_LIST_PTR:
        return R_LIST;
    case IMP_REPR_BYTES_PTR:
        return R_BYTES;
    case IMP_REPR_MAP_KEYS:
        return R_MAP;
    case IMP_REPR_VALUE:
        return R_VALUE;
    default:
        return R_SKIP;
    }
}

/* Whether the converter of struct si in direction dir allocates (memoized
 * per file: the modes differ between the client and the server). */
static int struct_allocs(hg *g, uint32_t si, int dir, unsigned depth)
{
    uint8_t *st = &g->salloc[si * 2 + (uint32_t)dir];
    if (*st == 1 || *st == 2)
        return *st == 2;
    if (*st == 3 || depth > 256 || g->sfact[si] < 0)
        return 0; /* recursion goes through a container, which decides */
    *st = 3;
    const imp_struct_fact *sf = &g->f->structs[g->sfact[si]];
    int any = 0;
    for (uint32_t j = 0; j < sf->nmembers && !any; j++) {
        const imp_member_fact *m = &sf->members[j];
        int rep = member_rep(m);
        const alri_member *fld = m->alr_name ? ir_field(g, si, m->alr_name) : NULL;
        if (rep == R_SKIP || !fld)
            continue;
        const char *valsty = rep == R_MAP && m->partner >= 0 && (uint32_t)m->partner < sf->nmembers
                                 ? sf->members[m->partner].c_type
                                 : NULL;
        any = value_allocs(g, rep, fld->type, m->c_type, valsty, dir, depth + 1);
    }
    *st = any ? 2 : 1;
    return any;
}

static void conv_proto(hg *g, hbuf *b, uint32_t si, int dir)
{
    const imp_struct_fact *sf = &g->f->structs[g->sfact[si]];
    const char *gt = cname(g, g->s->structs.v[si].name);
    if (dir == U2G)
        put(g, b, "static alr_err %s(const %s *%s, %s *%s, alr_arena *%s)", conv_name(g, si, U2G),
            sf->c_type, g->cu, gt, g->cg, g->ca);
    else
        put(g, b, "static alr_err %s(const %s *%s, %s *%s, alr_arena *%s)", conv_name(g, si, G2U),
            gt, g->cg, sf->c_type, g->cu, g->ca);
}

/* The converter of struct si in direction dir. */
static void gen_converter(hg *g, hbuf *out, uint32_t si, int dir)
{
    const imp_struct_fact *sf = &g->f->structs[g->sfact[si]];
    hbuf body = {0};
    cc c = {g, &body, dir, 1, g->ca, g->ce, "out", g->ci, g->cp, 0, 0};
    line(&c, "memset(%s, 0, sizeof *%s);", dir == U2G ? g->cg : g->cu, dir == U2G ? g->cg : g->cu);
    for (uint32_t j = 0; j < sf->nmembers; j++) {
        const imp_member_fact *m = &sf->members[j];
        int rep = member_rep(m);
        if (rep == R_SKIP || !m->alr_name)
            continue;
        const alri_member *fld = ir_field(g, si, m->alr_name);
        if (!fld)
            continue;
        uside u = member_side(g, sf, j, g->cu, rep);
        conv_value(&c, &u, fld->type, sfmt(g, "%s->%s", g->cg, fld->name));
    }
    put_s(g, out, "\n");
    conv_proto(g, out, si, dir);
    put_s(g, out, "\n{\n");
    if (c.used_label)
        put(g, out, "    alr_err %s;\n", g->ce);
    if (!c.used_arena)
        put(g, out, "    (void)%s;\n", g->ca);
    hb_write(g, out, body.p ? body.p : "", body.n);
    put_s(g, out, "    return ALR_OK;\n");
    if (c.used_label)
        put(g, out, "out:\n    return %s;\n", g->ce);
    put_s(g, out, "}\n");
    free(body.p);
}

/* ------------------------------------------------------------ the layout checks */

static void put_assert(hg *g, hbuf *b, const char *expr, const char *want)
{
    put(g, b, "_Static_assert(%s == %s,\n               %s);\n", expr, want,
        lit(g, sfmt(g, "%s is compiled differently from how alrc read it (%s is not %s): rerun "
                       "alrc on %s with the compiler and flags of this build",
                    g->hdr, expr, want, g->hdr)));
}

/* Types whose size C fixes: int32_t, double, ... (no assert needed). */
static int fixed_width(const char *t)
{
    static const char *const fw[] = {"int8_t",   "int16_t", "int32_t", "int64_t", "uint8_t",
                                     "uint16_t", "uint32_t", "uint64_t", "float",  "double",
                                     "_Bool",    "bool"};
    for (size_t i = 0; i < sizeof fw / sizeof fw[0]; i++)
        if (strcmp(fw[i], t) == 0)
            return 1;
    return 0;
}

static void gen_asserts(hg *g, hbuf *b)
{
    const imp_facts *f = g->f;
    put(g, b,
        "\n/* ---- the layout alrc read (clang, target %s) ----\n"
        " * If one of these fails, this compiler or its flags lay out %s differently\n"
        " * from how alrc read it: rerun alrc on %s with this build's flags\n"
        " * (alrc ... %s -- FLAGS, or alrc --compile-commands DIR ...). */\n",
        f->target ? ctext(g, f->target) : "?", ctext(g, g->hdr), ctext(g, g->hdr),
        ctext(g, g->hdr));
    for (uint32_t i = 0; i < f->nstructs; i++) {
        const imp_struct_fact *s = &f->structs[i];
        if (ir_struct(g, s->qname) == ALRI_NONE)
            continue;
        put_assert(g, b, sfmt(g, "sizeof(%s)", s->c_type), sfmt(g, "%" PRId64, s->size));
        put_assert(g, b, sfmt(g, "_Alignof(%s)", s->c_type), sfmt(g, "%" PRId64, s->align));
        for (uint32_t j = 0; j < s->nmembers; j++) {
            const imp_member_fact *m = &s->members[j];
            if (!m->c_name || !m->c_name[0] || m->offset < 0)
                continue;
            put_assert(g, b, sfmt(g, "offsetof(%s, %s)", s->c_type, m->c_name),
                       sfmt(g, "%" PRId64, m->offset));
            put_assert(g, b, sfmt(g, "sizeof(((%s *)0)->%s)", s->c_type, m->c_name),
                       sfmt(g, "%" PRId64, m->size));
        }
    }
    for (uint32_t i = 0; i < f->nenums; i++) {
        const imp_enum_fact *e = &f->enums[i];
        if (ir_enum(g, e->qname) == ALRI_NONE)
            continue;
        put_assert(g, b, sfmt(g, "sizeof(%s)", e->c_type), sfmt(g, "%" PRId64, e->size));
        for (uint32_t j = 0; j < e->nvalues; j++) {
            const imp_enumval_fact *v = &e->values[j];
            if (!v->c_name)
                continue;
            if (e->is_flags)
                put_assert(g, b, sfmt(g, "(unsigned long long)%s", v->c_name),
                           sfmt(g, "%lluull", (unsigned long long)v->value));
            else
                put_assert(g, b, v->c_name, sfmt(g, "%" PRId64, v->value));
        }
    }
    /* parameters whose ALR type clang chose by size (long, size_t, enums) */
    sset done = {0};
    for (uint32_t i = 0; i < f->nmethods; i++) {
        const imp_method_fact *m = &f->methods[i];
        if (g->plans[i].mi == ALRI_NONE)
            continue;
        for (uint32_t j = 0; j < m->nparams; j++) {
            const imp_member_fact *p = &m->params[j];
            const char *t = unqual(g, p->c_type);
            if (p->size <= 0 || (p->repr != IMP_REPR_VALUE && p->repr != IMP_REPR_LEN) ||
                ends_star(t) || sset_has(&done, t) || fixed_width(t))
                continue;
            sset_add(g, &done, t);
            put_assert(g, b, sfmt(g, "sizeof(%s)", t), sfmt(g, "%" PRId64, p->size));
        }
    }
    free(done.v);
}

/* ------------------------------------------------------------ prototypes */

/* The list of functions the adapter does not carry, as a comment. */
static void gen_not_carried(hg *g, hbuf *b, const char *what)
{
    int any = 0;
    for (uint32_t i = 0; i < g->f->nmethods; i++) {
        const mplan *p = &g->plans[i];
        if (!p->bad)
            continue;
        if (!any++)
            put(g, b,
                "\n/* ---- not carried yet (spec/annotations.md section 5) ----\n"
                " * %s\n",
                what);
        put(g, b, " *   %s: %s\n", ctext(g, p->mf->c_func), ctext(g, p->bad));
    }
    if (any)
        put_s(g, b, " */\n");
}

/* "R f(T a, U b)" with the given parameter names. */
static const char *proto(hg *g, const imp_method_fact *mf, const char *const *names)
{
    hbuf b = {0};
    put(g, &b, "%s(", decl(g, mf->c_ret, mf->c_func));
    for (uint32_t j = 0; j < mf->nparams; j++)
        put(g, &b, "%s%s", j ? ", " : "", decl(g, mf->params[j].c_type, names[j]));
    put_s(g, &b, mf->nparams ? ")" : "void)");
    const char *r = b.p ? sdup(g, b.p, b.n) : "";
    free(b.p);
    return r;
}

/* The ALR signature of method mi as a comment line. */
static const char *alr_sig(hg *g, uint32_t mi)
{
    const alri_method *m = irm(g, mi);
    return sfmt(g, "%s.%s", g->s->services.v[g->msvc[mi]].name, m->name);
}

/* The C return value of a failed call, for an ERR_* prototype. */
static const char *fail_value(hg *g, const mplan *p, const char *e)
{
    const char *rt = unqual(g, p->mf->c_ret);
    switch (p->errk) {
    case ERR_ENUM:
        return sfmt(g, "(%s)%" PRId64, rt, p->fail);
    case ERR_INT:
        return sfmt(g, "(%s)%s", rt, e);
    case ERR_ALR:
        return e;
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------ helpers */

/* The static helpers the file's bodies use (g->use_*). */
static void gen_helpers(hg *g, hbuf *b)
{
    if (g->use_fail)
        put(g, b,
            "\nstatic alr_err %sfail(alr_err %s, const char *%s)\n{\n    %swhy = %s;\n"
            "    return %s;\n}\n",
            g->pfx, g->he, g->hwhy, g->pfx, g->hwhy, g->he);
    if (g->use_count)
        put(g, b, "\nstatic int %scount_ok(uint64_t %s)\n{\n    return %s <= UINT32_MAX;\n}\n",
            g->pfx, g->hn, g->hn);
    if (g->use_alloc)
        put(g, b,
            "\nstatic void *%salloc_n(alr_arena *%s, uint32_t %s, size_t %s)\n{\n"
            "    return %s > SIZE_MAX / %s ? NULL : alr_arena_alloc(%s, (size_t)%s * %s);\n}\n",
            g->pfx, g->ha, g->hn, g->hsize, g->hn, g->hsize, g->ha, g->hn, g->hsize);
}

/* ------------------------------------------------------------ the client */

static void gen_client_unsupported(hg *g, hbuf *b, const mplan *p)
{
    const imp_method_fact *mf = p->mf;
    g->locals.n = 0;
    const char **names = alri_arena_alloc(&g->a, (mf->nparams + 1) * sizeof *names);
    if (!names) {
        g->oom = 1;
        return;
    }
    for (uint32_t j = 0; j < mf->nparams; j++)
        names[j] = local(g, mf->params[j].c_name);
    const char *rt = unqual(g, mf->c_ret);
    int is_void = strcmp(rt, "void") == 0;
    const char *r = is_void ? NULL : local(g, "r_");
    put(g, b, "\n/* %s: not carried yet: %s.\n * It fails with ALR_ENOMETHOD. */\n",
        ctext(g, mf->c_func), ctext(g, p->bad));
    put(g, b, "%s\n{\n", proto(g, mf, names));
    if (r && !p->errk)
        put(g, b, "    %s;\n", decl(g, rt, r));
    for (uint32_t j = 0; j < mf->nparams; j++)
        put(g, b, "    (void)%s;\n", names[j]);
    if (r && !p->errk)
        put(g, b, "    memset(&%s, 0, sizeof %s);\n", r, r);
    g->use_fail = g->use_done = 1;
    put(g, b, "    %sdone(%s, %sfail(ALR_ENOMETHOD, %s));\n", g->pfx, lit(g, mf->c_func), g->pfx,
        lit(g, sfmt(g, "%s is not carried over ALR yet: %s", mf->c_func, p->bad)));
    if (r && p->errk)
        put(g, b, "    return %s;\n", fail_value(g, p, "ALR_ENOMETHOD"));
    else if (r)
        put(g, b, "    return %s;\n", r);
    put_s(g, b, "}\n");
}

/* The user side of C parameter j of a prototype (names: the parameters'). */
static uside param_side(hg *g, const mplan *p, uint32_t j, const char *const *names, int rep)
{
    const imp_method_fact *mf = p->mf;
    const imp_member_fact *pf = &mf->params[j];
    uside u;
    memset(&u, 0, sizeof u);
    u.rep = rep;
    u.v = names[j];
    u.vty = pf->c_type;
    u.what = sfmt(g, "%s: %s", mf->c_func, pf->c_name);
    if (pf->partner >= 0 && (uint32_t)pf->partner < mf->nparams) {
        if (rep == R_MAP) {
            u.vals = names[pf->partner];
            u.valsty = mf->params[pf->partner].c_type;
        } else {
            u.n = names[pf->partner];
            u.nty = mf->params[pf->partner].c_type;
        }
    }
    if (rep == R_MAP && pf->partner2 >= 0 && (uint32_t)pf->partner2 < mf->nparams) {
        u.n = names[pf->partner2];
        u.nty = mf->params[pf->partner2].c_type;
    }
    return u;
}

/* The ALR_OUT slots: *out, its count *n, a map's values *vals. */
static uside out_side(hg *g, const mplan *p, const char *const *names)
{
    const imp_method_fact *mf = p->mf;
    const imp_member_fact *of = &mf->params[p->out];
    uside u;
    memset(&u, 0, sizeof u);
    u.rep = p->ret_rep;
    u.v = sfmt(g, "(*%s)", names[p->out]);
    u.vty = pointee(g, of->c_type);
    u.what = sfmt(g, "%s: %s", mf->c_func, of->c_name);
    int32_t cnt = p->ret_rep == R_MAP ? of->partner2 : of->partner;
    if ((p->ret_rep == R_LIST || p->ret_rep == R_BYTES || p->ret_rep == R_MAP) && cnt >= 0) {
        u.n = sfmt(g, "(*%s)", names[cnt]);
        u.nty = pointee(g, mf->params[cnt].c_type);
    }
    if (p->ret_rep == R_MAP && of->partner >= 0) {
        u.vals = sfmt(g, "(*%s)", names[of->partner]);
        u.valsty = pointee(g, mf->params[of->partner].c_type);
    }
    return u;
}

static void gen_client_fn(hg *g, hbuf *out, const mplan *p)
{
    const imp_method_fact *mf = p->mf;
    const alri_method *m = irm(g, p->mi);
    uint32_t np = mf->nparams;
    g->locals.n = 0;
    const char **names = alri_arena_alloc(&g->a, (np + 1) * sizeof *names);
    const char **args = alri_arena_alloc(&g->a, (m->nparams + 1) * sizeof *args);
    if (!names || !args) {
        g->oom = 1;
        return;
    }
    for (uint32_t j = 0; j < np; j++)
        names[j] = local(g, mf->params[j].c_name);
    const char *e = local(g, "e_"), *scratch = local(g, "a_"), *res = local(g, "res_");
    const char *r = local(g, "r_"), *err = local(g, "err_"), *app = local(g, "app_");
    const char *ur = local(g, "ur_");
    const char *rt = unqual(g, mf->c_ret);
    int is_void = strcmp(rt, "void") == 0;
    int ret_c = p->ret_rep != R_SKIP && p->out < 0; /* the value is the C return value */
    hbuf decls = {0}, inits = {0}, checks = {0}, conv = {0}, tail = {0};
    cc c = {g, &checks, U2G, 1, scratch, e, "out", local(g, "i_"), local(g, "p_"), 0, 0};
    /* required pointers */
    for (uint32_t j = 0; j < np; j++)
        if (p->rep[j] == R_BYREF)
            fail_if(&c, sfmt(g, "!%s", names[j]), "ALR_EINVAL",
                    sfmt(g, "%s: %s is NULL", mf->c_func, mf->params[j].c_name));
    if (p->out >= 0) {
        const imp_member_fact *of = &mf->params[p->out];
        const char *cond = sfmt(g, "!%s", names[p->out]);
        if (of->partner >= 0)
            cond = sfmt(g, "%s || !%s", cond, names[of->partner]);
        if (of->partner2 >= 0)
            cond = sfmt(g, "%s || !%s", cond, names[of->partner2]);
        fail_if(&c, cond, "ALR_EINVAL", sfmt(g, "%s: an output pointer is NULL", mf->c_func));
    }
    /* the arguments, shared where they can be */
    c.b = &conv;
    for (uint32_t j = 0; j < np; j++) {
        int rep = p->rep[j];
        if (rep == R_SKIP || p->irp[j] < 0)
            continue;
        const alri_member *ip = &g->s->params.v[m->first_param + (uint32_t)p->irp[j]];
        uint8_t k = kind(g, ip->type);
        if (rep == R_STRING) {
            args[p->irp[j]] = names[j];
            continue;
        }
        if (rep == R_VALUE && k != ALR_K_STRUCT) {
            args[p->irp[j]] = sfmt(g, "(%s)%s", gtype(g, ip->type), names[j]);
            continue;
        }
        const char *gl = local(g, sfmt(g, "g_%s", ip->name));
        put(g, &decls, "    %s;\n", decl(g, gtype(g, ip->type), gl));
        put(g, &inits, "    memset(&%s, 0, sizeof %s);\n", gl, gl);
        uside u = param_side(g, p, j, names, rep);
        conv_value(&c, &u, ip->type, gl);
        args[p->irp[j]] = k == ALR_K_STRUCT ? sfmt(g, "&%s", gl) : gl;
    }
    int need_scratch = c.used_arena || (stub_has_ret(m) && has_var(g, m->ret, 0));
    /* the call */
    c.b = &tail;
    hbuf call = {0};
    put(g, &call, "%s(", stub_name(g, p->mi));
    for (uint32_t k = 0; k < m->nparams; k++)
        put(g, &call, "%s%s", k ? ", " : "", args[k] ? args[k] : "0");
    int any = m->nparams > 0;
    if (stub_has_ret(m)) {
        put(g, &decls, "    %s;\n", decl(g, gtype(g, m->ret), r));
        line(&c, "memset(&%s, 0, sizeof %s);", r, r);
        put(g, &call, "%s&%s", any++ ? ", " : "", r);
        if (has_var(g, m->ret, 0))
            put(g, &call, ", %s", scratch);
    }
    if (stub_has_err(m)) {
        put(g, &decls, "    %s %s = 0;\n", gtype(g, m->err), err);
        put(g, &call, "%s&%s", any++ ? ", " : "", err);
    }
    put_s(g, &call, ")");
    line(&c, "%s = %s;", e, call.p ? sdup(g, call.p, call.n) : "");
    free(call.p);
    int app_code = p->errk == ERR_INT && m->mode == ALR_RET_STATUS;
    if (app_code) {
        put(g, &decls, "    int64_t %s = 0;\n", app);
        line(&c, "%s = alr_last_app_code();", app);
    }
    /* the result, copied into the result arena */
    if (ret_c && !is_void) {
        put(g, &decls, "    %s;\n", decl(g, rt, ur));
        put(g, &inits, "    memset(&%s, 0, sizeof %s);\n", ur, ur);
    }
    if (p->ret_rep != R_SKIP) {
        uside u;
        if (p->out >= 0) {
            u = out_side(g, p, names);
        } else {
            memset(&u, 0, sizeof u);
            u.rep = p->ret_rep;
            u.v = ur;
            u.vty = mf->c_ret;
            u.what = sfmt(g, "%s: the result", mf->c_func);
        }
        line(&c, "if (%s == ALR_OK) {", e);
        c.ind++;
        hbuf rb = {0};
        cc rc = c;
        rc.b = &rb;
        rc.dir = G2U;
        rc.arena = res;
        rc.used_arena = 0;
        conv_value(&rc, &u, m->ret, r);
        if (rc.used_arena) {
            /* received variable-size parts are copied into the result arena */
            g->use_results = 1;
            put(g, &decls, "    alr_arena *%s;\n", res);
            line(&c, "%s = %sresults();", res, g->pfx);
            fail_if(&c, sfmt(g, "!%s", res), "ALR_ENOMEM",
                    sfmt(g, "%s: out of memory", mf->c_func));
        }
        hb_write(g, &tail, rb.p ? rb.p : "", rb.n);
        free(rb.p);
        c.used_label |= rc.used_label;
        c.ind--;
        line(&c, "}");
    }
    /* assemble */
    put(g, out, "\n/* %s */\n", ctext(g, alr_sig(g, p->mi)));
    put(g, out, "%s\n{\n", proto(g, mf, names));
    put(g, out, "    alr_err %s = ALR_OK;\n", e);
    if (need_scratch)
        put(g, out, "    alr_arena *%s = NULL;\n", scratch);
    hb_write(g, out, decls.p ? decls.p : "", decls.n);
    hb_write(g, out, inits.p ? inits.p : "", inits.n);
    put(g, out, "    %sbegin();\n", g->pfx);
    g->use_begin = g->use_done = 1;
    hb_write(g, out, checks.p ? checks.p : "", checks.n);
    if (need_scratch) {
        hbuf sb = {0};
        cc sc = c;
        sc.b = &sb;
        sc.ind = 1;
        line(&sc, "%s = alr_arena_new();", scratch);
        fail_if(&sc, sfmt(g, "!%s", scratch), "ALR_ENOMEM",
                sfmt(g, "%s: out of memory", mf->c_func));
        c.used_label = 1;
        hb_write(g, out, sb.p ? sb.p : "", sb.n);
        free(sb.p);
    }
    hb_write(g, out, conv.p ? conv.p : "", conv.n);
    hb_write(g, out, tail.p ? tail.p : "", tail.n);
    if (c.used_label)
        put_s(g, out, "out:\n");
    if (need_scratch)
        put(g, out, "    alr_arena_free(%s);\n", scratch);
    put(g, out, "    %sdone(%s, %s);\n", g->pfx, lit(g, mf->c_func), e);
    if (p->errk == ERR_ENUM && stub_has_err(m))
        put(g, out, "    return %s == ALR_OK ? (%s)0 : %s == ALR_EAPP && %s ? (%s)%s : %s;\n", e, rt,
            e, err, rt, err, fail_value(g, p, e));
    else if (p->errk == ERR_ENUM)
        put(g, out, "    return %s == ALR_OK ? (%s)0 : %s;\n", e, rt, fail_value(g, p, e));
    else if (p->errk == ERR_INT && app_code)
        put(g, out, "    return %s == ALR_OK ? 0 : %s == ALR_EAPP && %s ? (%s)%s : %s;\n", e, e, app,
            rt, app, fail_value(g, p, e));
    else if (p->errk == ERR_INT)
        put(g, out, "    return %s == ALR_OK ? 0 : %s;\n", e, fail_value(g, p, e));
    else if (p->errk == ERR_ALR)
        put(g, out, "    return %s;\n", e);
    else if (ret_c && !is_void) {
        put(g, out, "    if (%s != ALR_OK)\n        memset(&%s, 0, sizeof %s);\n", e, ur, ur);
        put(g, out, "    return %s;\n", ur);
    }
    put_s(g, out, "}\n");
    free(decls.p);
    free(inits.p);
    free(checks.p);
    free(conv.p);
    free(tail.p);
}

static void gen_client(hg *g, hbuf *b)
{
    const char *R = g->rootc;
    g->copy[U2G] = 0;
    g->copy[G2U] = 1;
    g->pfx = sfmt(g, "%s__client_", R);
    g->use_fail = g->use_count = g->use_alloc = g->use_empty = g->use_results = 0;
    g->use_begin = g->use_done = 0;
    memset(g->need, 0, g->s->structs.n + 1);
    memset(g->salloc, 0, (size_t)g->s->structs.n * 2 + 2);
    for (uint32_t i = 0; i < g->f->nmethods; i++) {
        const mplan *p = &g->plans[i];
        if (p->bad)
            continue;
        const alri_method *m = irm(g, p->mi);
        for (uint32_t k = 0; k < m->nparams; k++)
            mark(g, g->s->params.v[m->first_param + k].type, U2G, 0);
        if (stub_has_ret(m))
            mark(g, m->ret, G2U, 0);
    }
    /* converters and functions first: they say which helpers are used */
    hbuf conv = {0}, fns = {0};
    for (uint32_t si = 0; si < g->s->structs.n; si++)
        for (int d = 0; d < 2; d++)
            if (g->need[si] & (1u << d)) {
                conv_proto(g, &conv, si, d);
                put_s(g, &conv, ";\n");
            }
    for (uint32_t si = 0; si < g->s->structs.n; si++)
        for (int d = 0; d < 2; d++)
            if (g->need[si] & (1u << d))
                gen_converter(g, &conv, si, d);
    for (uint32_t i = 0; i < g->f->nmethods; i++) {
        const mplan *p = &g->plans[i];
        if (p->mi == ALRI_NONE)
            continue;
        if (p->bad)
            gen_client_unsupported(g, &fns, p);
        else
            gen_client_fn(g, &fns, p);
    }
    put(g, b,
        "/*\n"
        " * %s_client.c - generated by alrc from %s (package %s): do not edit.\n"
        " * The client side of %s: definitions of the header's own functions that\n"
        " * run them on the server behind this thread's current endpoint\n"
        " * (alr_endpoint_push), through the stubs of %s_gen.h.  Link it, %s_gen.c\n"
        " * and libalr instead of the library.  Errors, results and what is not\n"
        " * carried: %s_adapt.h and spec/annotations.md section 5.\n"
        " */\n",
        g->stem, ctext(g, g->src), g->s->package, ctext(g, g->hdr), g->stem, g->stem, g->stem);
    put(g, b, "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n#include \"%s_adapt.h\"\n",
        g->stem);
    gen_asserts(g, b);
    gen_not_carried(g, b,
                    "These are defined below but fail with ALR_ENOMETHOD, as a server without\n"
                    " * them would answer: they return 0, NULL or their failure value.");
    put(g, b,
        "\n/* ---- this thread's last call, the error hook, the result arena ---- */\n\n"
        "static _Thread_local alr_err %serr;\n"
        "static _Thread_local const char *%swhy;\n"
        "static _Thread_local alr_arena *%sres;\n"
        "static %s_client_error_fn %shook;\n"
        "static void *%shook_user;\n",
        g->pfx, g->pfx, g->pfx, R, g->pfx, g->pfx);
    put(g, b,
        "\nalr_err %s_client_last_error(void)\n{\n    return %serr;\n}\n"
        "\nconst char *%s_client_last_error_text(void)\n{\n"
        "    return %serr == ALR_OK ? \"\" : %swhy ? %swhy : alr_last_error_text();\n}\n",
        R, g->pfx, R, g->pfx, g->pfx, g->pfx);
    put(g, b,
        "\nvoid %s_client_set_error_hook(%s_client_error_fn %s, void *%s)\n{\n"
        "    %shook = %s;\n    %shook_user = %s;\n}\n",
        R, R, g->hfn, g->huser, g->pfx, g->hfn, g->pfx, g->huser);
    put(g, b, "\nvoid %s_client_free_results(void)\n{\n    alr_arena_free(%sres);\n    %sres = NULL;\n}\n",
        R, g->pfx, g->pfx);
    if (g->use_begin)
        put(g, b, "\nstatic void %sbegin(void)\n{\n    %swhy = NULL;\n}\n", g->pfx, g->pfx);
    if (g->use_done)
        put(g, b,
            "\n/* Records how the call of func ended and tells the hook about failures\n"
            " * of the call itself (an application error is the function's own answer). */\n"
            "static void %sdone(const char *%s, alr_err %s)\n{\n"
            "    %serr = %s;\n"
            "    if (%s != ALR_OK && %s != ALR_EAPP && %shook)\n"
            "        %shook(%s, %s, %s_client_last_error_text(), %shook_user);\n}\n",
            g->pfx, g->hfunc, g->he, g->pfx, g->he, g->he, g->he, g->pfx, g->pfx, g->hfunc, g->he,
            R, g->pfx);
    gen_helpers(g, b);
    if (g->use_results)
        put(g, b,
            "\n/* The arena results live in until %s_client_free_results(). */\n"
            "static alr_arena *%sresults(void)\n{\n"
            "    if (!%sres)\n        %sres = alr_arena_new();\n    return %sres;\n}\n",
            R, g->pfx, g->pfx, g->pfx, g->pfx);
    if (conv.n) {
        put_s(g, b, "\n/* ---- the header's structs to the generated ones (sent: shared) and back\n"
                    " * (received: copied into the result arena) ---- */\n\n");
        hb_write(g, b, conv.p, conv.n);
    }
    put(g, b, "\n/* ---- the functions of %s ---- */\n", ctext(g, g->hdr));
    hb_write(g, b, fns.p ? fns.p : "", fns.n);
    free(conv.p);
    free(fns.p);
}

/* ------------------------------------------------------------ the server */

static const char *handler_name(hg *g, uint32_t mi)
{
    return sfmt(g, "%s%s_%s", g->pfx, lname(g, g->s->services.v[g->msvc[mi]].name), irm(g, mi)->name);
}

static const char *ename_name(hg *g, uint32_t ei)
{
    return sfmt(g, "%sename_%s", g->pfx, cname(g, g->s->enums.v[ei].name));
}

static void gen_server_fn(hg *g, hbuf *out, const mplan *p)
{
    const imp_method_fact *mf = p->mf;
    const alri_method *m = irm(g, p->mi);
    uint32_t np = mf->nparams;
    g->locals.n = 0;
    const char *callv = local(g, "call_"), *retv = local(g, "ret_");
    const char **gn = alri_arena_alloc(&g->a, (m->nparams + 1) * sizeof *gn);
    const char **cargs = alri_arena_alloc(&g->a, (np + 1) * sizeof *cargs);
    if (!gn || !cargs) {
        g->oom = 1;
        return;
    }
    for (uint32_t k = 0; k < m->nparams; k++)
        gn[k] = local(g, g->s->params.v[m->first_param + k].name);
    for (uint32_t j = 0; j < np; j++)
        cargs[j] = "0";
    const char *e = local(g, "e_"), *a = local(g, "a_"), *st = local(g, "st_");
    const char *ur = local(g, "ur_");
    const char *rt = unqual(g, mf->c_ret);
    hbuf decls = {0}, inits = {0}, body = {0};
    cc c = {g, &body, G2U, 1, a, e, "out", local(g, "i_"), local(g, "p_"), 0, 0};
    /* the arguments, as the header's types (sharing the decoded ones) */
    for (uint32_t j = 0; j < np; j++) {
        int rep = p->rep[j];
        if (rep == R_SKIP || p->irp[j] < 0)
            continue;
        const imp_member_fact *pf = &mf->params[j];
        const alri_member *ip = &g->s->params.v[m->first_param + (uint32_t)p->irp[j]];
        const char *gv = gn[p->irp[j]];
        uint8_t k = kind(g, ip->type);
        const char *ut = unqual(g, pf->c_type);
        if (rep == R_STRING) {
            g->use_empty = 1;
            cargs[j] = sfmt(g, "(%s)(%s ? %s : %sempty)", ut, gv, gv, g->pfx);
            continue;
        }
        if (rep == R_VALUE && k != ALR_K_STRUCT) {
            cargs[j] = sfmt(g, "(%s)%s", ut, gv);
            continue;
        }
        const char *ul = local(g, sfmt(g, "u_%s", pf->c_name));
        uside u;
        memset(&u, 0, sizeof u);
        u.rep = rep;
        u.v = ul;
        u.vty = pf->c_type;
        u.what = sfmt(g, "%s: %s", mf->c_func, pf->c_name);
        if (rep == R_VALUE || rep == R_BYREF) {
            const char *st_ = rep == R_BYREF ? pointee(g, pf->c_type) : ut;
            if (!st_)
                st_ = unqual(g, user_type_of(g, ip->type));
            put(g, &decls, "    %s;\n", decl(g, st_, ul));
            u.rep = R_VALUE;
            u.vty = st_;
            conv_value(&c, &u, ip->type, sfmt(g, "(*%s)", gv));
            cargs[j] = rep == R_BYREF ? sfmt(g, "&%s", ul) : ul;
            continue;
        }
        put(g, &decls, "    %s = NULL;\n", decl(g, ut, ul));
        cargs[j] = ul;
        int32_t cnt = rep == R_MAP ? pf->partner2 : pf->partner;
        if (rep != R_OPT && cnt >= 0) {
            const char *nl = local(g, sfmt(g, "u_%s", mf->params[cnt].c_name));
            put(g, &decls, "    %s = 0;\n", decl(g, unqual(g, mf->params[cnt].c_type), nl));
            u.n = nl;
            u.nty = mf->params[cnt].c_type;
            cargs[cnt] = nl;
        }
        if (rep == R_MAP && pf->partner >= 0) {
            const char *vl = local(g, sfmt(g, "u_%s", mf->params[pf->partner].c_name));
            put(g, &decls, "    %s = NULL;\n",
                decl(g, unqual(g, mf->params[pf->partner].c_type), vl));
            u.vals = vl;
            cargs[pf->partner] = vl;
        }
        conv_value(&c, &u, ip->type, gv);
    }
    /* the ALR_OUT slots */
    uside ru;
    memset(&ru, 0, sizeof ru);
    ru.rep = p->ret_rep;
    ru.what = sfmt(g, "%s: the result", mf->c_func);
    if (p->out >= 0) {
        const imp_member_fact *of = &mf->params[p->out];
        const char *sty = pointee(g, of->c_type);
        const char *ol = local(g, sfmt(g, "o_%s", of->c_name));
        if (!sty)
            sty = unqual(g, user_type_of(g, m->ret != ALRI_NONE ? m->ret : 0));
        put(g, &decls, "    %s;\n", decl(g, sty, ol));
        put(g, &inits, "    memset(&%s, 0, sizeof %s);\n", ol, ol);
        cargs[p->out] = sfmt(g, "&%s", ol);
        ru.v = ol;
        ru.vty = sty;
        int32_t cnt = p->ret_rep == R_MAP ? of->partner2 : of->partner;
        if ((p->ret_rep == R_LIST || p->ret_rep == R_BYTES || p->ret_rep == R_MAP) && cnt >= 0) {
            const char *nty = pointee(g, mf->params[cnt].c_type);
            const char *nl = local(g, sfmt(g, "o_%s", mf->params[cnt].c_name));
            put(g, &decls, "    %s = 0;\n", decl(g, nty ? nty : "size_t", nl));
            cargs[cnt] = sfmt(g, "&%s", nl);
            ru.n = nl;
            ru.nty = nty;
        }
        if (p->ret_rep == R_MAP && of->partner >= 0) {
            const char *vty = pointee(g, mf->params[of->partner].c_type);
            const char *vl = local(g, sfmt(g, "o_%s", mf->params[of->partner].c_name));
            put(g, &decls, "    %s;\n", decl(g, vty ? vty : "void *", vl));
            put(g, &inits, "    memset(&%s, 0, sizeof %s);\n", vl, vl);
            cargs[of->partner] = sfmt(g, "&%s", vl);
            ru.vals = vl;
            ru.valsty = vty;
        }
    }
    /* the call */
    hbuf call = {0};
    put(g, &call, "%s(", mf->c_func);
    for (uint32_t j = 0; j < np; j++)
        put(g, &call, "%s%s", j ? ", " : "", cargs[j]);
    put_s(g, &call, ")");
    const char *callx = call.p ? sdup(g, call.p, call.n) : "";
    free(call.p);
    if (p->errk != ERR_NONE) {
        put(g, &decls, "    %s;\n", decl(g, rt, st));
        line(&c, "%s = %s;", st, callx);
        if (p->errk == ERR_ALR) {
            line(&c, "if (%s != ALR_OK) {", st);
            line(&c, "    alr_call_set_error(%s, \"%%s failed: %%s\", %s, alr_strerror(%s));", callv,
                 lit(g, mf->c_func), st);
            line(&c, "    return %s;", st);
            line(&c, "}");
        } else {
            line(&c, "if (%s != 0) {", st);
            if (p->errk == ERR_ENUM && g->efact[p->eenum] >= 0) {
                g->eneed[p->eenum] = 1;
                line(&c, "    alr_call_set_app_error(%s, (int64_t)%s, \"%%s: %%s\", %s, %s((int64_t)%s));",
                     callv, st, lit(g, mf->c_func), ename_name(g, p->eenum), st);
            } else {
                line(&c, "    alr_call_set_app_error(%s, (int64_t)%s, \"%%s returned %%lld\", %s, "
                         "(long long)%s);",
                     callv, st, lit(g, mf->c_func), st);
            }
            line(&c, "    return ALR_EAPP;");
            line(&c, "}");
        }
    } else if (p->ret_rep != R_SKIP && p->out < 0) {
        put(g, &decls, "    %s;\n", decl(g, rt, ur));
        line(&c, "%s = %s;", ur, callx);
        ru.v = ur;
        ru.vty = mf->c_ret;
    } else {
        line(&c, "%s;", callx);
    }
    /* the result, copied into the call's arena */
    if (p->ret_rep != R_SKIP && stub_has_ret(m)) {
        cc rc = c;
        rc.dir = U2G;
        conv_value(&rc, &ru, m->ret, sfmt(g, "(*%s)", retv));
        c.used_label |= rc.used_label;
        c.used_arena |= rc.used_arena;
    }
    /* assemble */
    put(g, out, "\n/* %s: calls %s */\n", ctext(g, alr_sig(g, p->mi)), ctext(g, mf->c_func));
    put(g, out, "static alr_err %s(alr_call *%s", handler_name(g, p->mi), callv);
    for (uint32_t k = 0; k < m->nparams; k++)
        put(g, out, ", %s", gparam(g, g->s->params.v[m->first_param + k].type, gn[k]));
    if (stub_has_ret(m))
        put(g, out, ", %s", decl(g, gtype(g, m->ret), sfmt(g, "*%s", retv)));
    put_s(g, out, ")\n{\n");
    if (c.used_label)
        put(g, out, "    alr_err %s;\n", e);
    if (c.used_arena)
        put(g, out, "    alr_arena *%s = alr_call_arena(%s);\n", a, callv);
    hb_write(g, out, decls.p ? decls.p : "", decls.n);
    hb_write(g, out, inits.p ? inits.p : "", inits.n);
    if (!c.used_label && !c.used_arena && !strstr(body.p ? body.p : "", callv))
        put(g, out, "    (void)%s;\n", callv);
    if (stub_has_ret(m) && p->ret_rep == R_SKIP)
        put(g, out, "    (void)%s;\n", retv);
    put(g, out, "    %swhy = NULL;\n", g->pfx);
    hb_write(g, out, body.p ? body.p : "", body.n);
    put_s(g, out, "    return ALR_OK;\n");
    if (c.used_label) {
        put(g, out, "out:\n    alr_call_set_error(%s, \"%%s\", %swhy ? %swhy : alr_strerror(%s));\n",
            callv, g->pfx, g->pfx, e);
        put(g, out, "    return %s;\n", e);
    }
    put_s(g, out, "}\n");
    free(decls.p);
    free(inits.p);
    free(body.p);
}

static void gen_server(hg *g, hbuf *b)
{
    const char *R = g->rootc;
    g->copy[U2G] = 1;
    g->copy[G2U] = 0;
    g->pfx = sfmt(g, "%s__server_", R);
    g->use_fail = g->use_count = g->use_alloc = g->use_empty = g->use_results = 0;
    g->use_begin = g->use_done = 0;
    memset(g->need, 0, g->s->structs.n + 1);
    memset(g->salloc, 0, (size_t)g->s->structs.n * 2 + 2);
    memset(g->eneed, 0, g->s->enums.n + 1);
    for (uint32_t i = 0; i < g->f->nmethods; i++) {
        const mplan *p = &g->plans[i];
        if (p->bad)
            continue;
        const alri_method *m = irm(g, p->mi);
        for (uint32_t k = 0; k < m->nparams; k++)
            mark(g, g->s->params.v[m->first_param + k].type, G2U, 0);
        if (stub_has_ret(m))
            mark(g, m->ret, U2G, 0);
    }
    hbuf conv = {0}, fns = {0};
    for (uint32_t si = 0; si < g->s->structs.n; si++)
        for (int d = 0; d < 2; d++)
            if (g->need[si] & (1u << d)) {
                conv_proto(g, &conv, si, d);
                put_s(g, &conv, ";\n");
            }
    for (uint32_t si = 0; si < g->s->structs.n; si++)
        for (int d = 0; d < 2; d++)
            if (g->need[si] & (1u << d))
                gen_converter(g, &conv, si, d);
    for (uint32_t i = 0; i < g->f->nmethods; i++)
        if (!g->plans[i].bad)
            gen_server_fn(g, &fns, &g->plans[i]);
    put(g, b,
        "/*\n"
        " * %s_server.c - generated by alrc from %s (package %s): do not edit.\n"
        " * The server side of %s: handler tables (%s_gen.h) whose handlers convert\n"
        " * the decoded arguments to the header's types, call the library's own\n"
        " * functions and convert what they return.  Link it with the library,\n"
        " * %s_gen.c and libalr; register with %s_server_serve().\n"
        " */\n",
        g->stem, ctext(g, g->src), g->s->package, ctext(g, g->hdr), g->stem, g->stem, R);
    put(g, b, "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n#include \"%s_adapt.h\"\n",
        g->stem);
    gen_asserts(g, b);
    gen_not_carried(g, b,
                    "These have no handler here: the server answers ALR_ENOMETHOD.");
    if (fns.n)
        put(g, b,
            "\n/* why the current handler failed (set with the failure, sent as its text) */\n"
            "static _Thread_local const char *%swhy;\n",
            g->pfx);
    if (g->use_empty)
        put(g, b, "\n/* a received string the peer left out is \"\" */\nstatic char %sempty[1];\n",
            g->pfx);
    gen_helpers(g, b);
    for (uint32_t ei = 0; ei < g->s->enums.n; ei++) {
        if (!g->eneed[ei] || g->efact[ei] < 0)
            continue;
        const imp_enum_fact *ef = &g->f->enums[g->efact[ei]];
        put(g, b, "\nstatic const char *%s(int64_t %s)\n{\n    switch (%s) {\n", ename_name(g, ei),
            g->hv, g->hv);
        for (uint32_t j = 0; j < ef->nvalues; j++) {
            int dup = 0;
            for (uint32_t q = 0; q < j; q++)
                dup |= ef->values[q].value == ef->values[j].value;
            if (!dup && ef->values[j].c_name)
                put(g, b, "    case %" PRId64 ":\n        return %s;\n", ef->values[j].value,
                    lit(g, ef->values[j].c_name));
        }
        put_s(g, b, "    default:\n        return \"a value the header does not name\";\n    }\n}\n");
    }
    if (conv.n) {
        put_s(g, b, "\n/* ---- the generated structs to the header's (arguments: shared) and back\n"
                    " * (results: copied into the call's arena) ---- */\n\n");
        hb_write(g, b, conv.p, conv.n);
    }
    put(g, b, "\n/* ---- handlers: the functions of %s ---- */\n", ctext(g, g->hdr));
    hb_write(g, b, fns.p ? fns.p : "", fns.n);
    /* the tables */
    put_s(g, b, "\n/* ---- handler tables ---- */\n");
    int nsv = 0;
    for (uint32_t si = 0; si < g->s->services.n; si++) {
        if (!svc_has_handlers(g, si))
            continue;
        const alri_service *sv = &g->s->services.v[si];
        const char *ht = sfmt(g, "%s_handlers", scoped(g, sv->name));
        put(g, b, "\nconst %s %s_server_%s_handlers = {\n", ht, R, lname(g, sv->name));
        int any = 0;
        for (uint32_t i = 0; i < g->f->nmethods; i++) {
            const mplan *p = &g->plans[i];
            if (p->bad || g->msvc[p->mi] != si)
                continue;
            put(g, b, "    .%s = %s,\n", irm(g, p->mi)->name, handler_name(g, p->mi));
            any = 1;
        }
        if (!any)
            put_s(g, b, "    0,\n");
        put_s(g, b, "};\n");
        nsv++;
    }
    for (int ep = 0; ep < 2; ep++) {
        const char *arg = ep ? g->hep : g->hsrv;
        put(g, b, "\nalr_err %s_server_serve%s(%s *%s)\n{\n", R, ep ? "_endpoint" : "",
            ep ? "alr_endpoint" : "alr_server", arg);
        if (!nsv) {
            put(g, b, "    (void)%s;\n    return ALR_OK;\n}\n", arg);
            continue;
        }
        put(g, b, "    alr_err %s = ALR_OK;\n", g->he);
        for (uint32_t si = 0; si < g->s->services.n; si++) {
            if (!svc_has_handlers(g, si))
                continue;
            const alri_service *sv = &g->s->services.v[si];
            put(g, b, "    if (%s == ALR_OK)\n        %s = %s_serve%s(%s, &%s_server_%s_handlers, NULL);\n",
                g->he, g->he, scoped(g, sv->name), ep ? "_endpoint" : "", arg, R,
                lname(g, sv->name));
        }
        put(g, b, "    return %s;\n}\n", g->he);
    }
    free(conv.p);
    free(fns.p);
}

/* ------------------------------------------------------------ the adapter header */

static void gen_adapt_h(hg *g, hbuf *b)
{
    const char *R = g->rootc;
    put(g, b,
        "/*\n"
        " * %s_adapt.h - generated by alrc from %s (package %s): do not edit.\n"
        " * %s itself over ALR (spec/annotations.md section 5):\n"
        " *\n"
        " *   %s_client.c  defines the functions of %s: each call runs on\n"
        " *   %*s the server behind this thread's current endpoint\n"
        " *   %*s (alr_endpoint_push).  A client links it with %s_gen.c and\n"
        " *   %*s libalr INSTEAD of the library, and calls the functions as before.\n"
        " *   %s_server.c  handler tables that call the library's own functions.\n"
        " *   %*s A server links it with the library, %s_gen.c and libalr\n"
        " *   %*s and registers them with %s_server_serve().\n"
        " */\n"
        "#ifndef ALR_ADAPT_%s_H\n#define ALR_ADAPT_%s_H\n\n"
        "#include \"%s\"\n#include \"%s_gen.h\"\n\n"
        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
        g->stem, ctext(g, g->src), g->s->package, ctext(g, g->hdr), g->stem, ctext(g, g->hdr),
        (int)strlen(g->stem) + 10, "", (int)strlen(g->stem) + 10, "", g->stem,
        (int)strlen(g->stem) + 10, "", g->stem, (int)strlen(g->stem) + 10, "", g->stem,
        (int)strlen(g->stem) + 10, "", R, R, R, g->hdr, g->stem);
    put(g, b,
        "\n/* ---- client (%s_client.c) ----\n"
        " *\n"
        " * Errors.  Every function of the header sets this thread's last error:\n"
        " * ALR_OK, ALR_EAPP when the implementation reported a failure of its own\n"
        " * (ALR_RESULT / ALR_STATUS functions), or why the call failed (no current\n"
        " * endpoint, ALR_ECLOSED, ALR_ETIMEDOUT, a NULL required pointer, ...).\n"
        " * A failed call also returns, where the prototype has an error channel:\n"
        " *   ALR_RESULT / ALR_STATUS E f()  the implementation's E; (E)-1 (or the\n"
        " *                                  next lower value no enumerator has)\n"
        " *                                  when the call itself failed\n"
        " *   ALR_STATUS int f()             the implementation's int; the alr_err\n"
        " *                                  (positive) when the call itself failed\n"
        " *   ALR_STATUS alr_err f()         the alr_err\n"
        " * and otherwise the zero value of its return type (0, NULL, a zeroed\n"
        " * struct); ALR_OUT parameters are written only on success.  So for a\n"
        " * function without an error channel (double f()) ask %s_client_last_error(),\n"
        " * or install a hook that sees every failure of a call. */\n",
        g->stem, R);
    put(g, b,
        "alr_err %s_client_last_error(void);\n"
        "/* Its text (\"\" after a success); valid until this thread's next call. */\n"
        "const char *%s_client_last_error_text(void);\n"
        "/* Called (on the calling thread) when a call fails for a reason other than\n"
        " * ALR_EAPP; set it before calls start on other threads.  NULL removes it. */\n"
        "typedef void (*%s_client_error_fn)(const char *func, alr_err e, const char *text,\n"
        "                                   void *user);\n"
        "void %s_client_set_error_hook(%s_client_error_fn fn, void *user);\n"
        "\n/* Results.  What a function returns or writes through its ALR_OUT\n"
        " * parameters that is not inline (strings, arrays, bytes, optional values,\n"
        " * and those inside returned structs) lives in this thread's result arena\n"
        " * until the thread calls %s_client_free_results(); never free() it.  Call it\n"
        " * once what you received is no longer needed, and before the thread ends. */\n"
        "void %s_client_free_results(void);\n",
        R, R, R, R, R, R, R);
    put(g, b,
        "\n/* ---- server (%s_server.c) ----\n"
        " *\n"
        " * One handler table per service (%s_gen.h), each handler calling the\n"
        " * function of %s with the arguments converted to the header's types (they\n"
        " * live until the handler returns; copy what the implementation keeps), and\n"
        " * copying what it returns before the reply (the adapter frees nothing the\n"
        " * implementation returns).  A nonzero E or int of an ALR_RESULT / ALR_STATUS\n"
        " * function is sent as the application error ALR_EAPP with that code. */\n",
        g->stem, g->stem, ctext(g, g->hdr));
    for (uint32_t si = 0; si < g->s->services.n; si++) {
        if (!svc_has_handlers(g, si))
            continue;
        const alri_service *sv = &g->s->services.v[si];
        put(g, b, "extern const %s_handlers %s_server_%s_handlers;\n", scoped(g, sv->name), R,
            lname(g, sv->name));
    }
    put(g, b,
        "/* Registers every table on srv (before alr_server_listen) or on one\n"
        " * connection (for callbacks), through the generated serve functions. */\n"
        "alr_err %s_server_serve(alr_server *srv);\n"
        "alr_err %s_server_serve_endpoint(alr_endpoint *ep);\n",
        R, R);
    put_s(g, b, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ------------------------------------------------------------ names */

static int single_ident(const char *t)
{
    if (!t || !*t || (*t >= '0' && *t <= '9'))
        return 0;
    for (const char *p = t; *p; p++)
        if (!is_ident_char((unsigned char)*p))
            return 0;
    return 1;
}

/* Fills g->user and g->fscope and checks that no name of the header is one
 * the generated files define. */
static int check_names(hg *g, char *err, size_t errlen)
{
    const imp_facts *f = g->f;
    const char *R = g->rootc;
    /* what the header declares: functions, enumerators, typedef names */
    sset ordinary = {0};
    for (uint32_t i = 0; i < f->nmethods; i++) {
        sset_add(g, &ordinary, f->methods[i].c_func);
        add_type_words(g, &g->user, f->methods[i].c_ret);
        for (uint32_t j = 0; j < f->methods[i].nparams; j++)
            add_type_words(g, &g->user, f->methods[i].params[j].c_type);
    }
    for (uint32_t i = 0; i < f->nenums; i++) {
        for (uint32_t j = 0; j < f->enums[i].nvalues; j++)
            sset_add(g, &ordinary, f->enums[i].values[j].c_name);
        if (single_ident(f->enums[i].c_type))
            sset_add(g, &ordinary, f->enums[i].c_type);
        add_type_words(g, &g->user, f->enums[i].c_type);
    }
    for (uint32_t i = 0; i < f->nstructs; i++) {
        if (single_ident(f->structs[i].c_type))
            sset_add(g, &ordinary, f->structs[i].c_type);
        add_type_words(g, &g->user, f->structs[i].c_type);
        for (uint32_t j = 0; j < f->structs[i].nmembers; j++)
            add_type_words(g, &g->user, f->structs[i].members[j].c_type);
    }
    for (uint32_t i = 0; i < f->nservices; i++) {
        if (single_ident(f->services[i].c_handle))
            sset_add(g, &ordinary, f->services[i].c_handle);
        add_type_words(g, &g->user, f->services[i].c_handle);
    }
    for (size_t i = 0; i < ordinary.n; i++)
        sset_add(g, &g->user, ordinary.v[i]);
    /* what the generated files define */
    sset gen = {0};
    const char **what = NULL;
    size_t nwhat = 0, capwhat = 0;
#define GEN_NAME(nm, wh)                                                                           \
    do {                                                                                           \
        const char *n_ = (nm);                                                                     \
        if (nwhat == capwhat) {                                                                    \
            capwhat = capwhat ? capwhat * 2 : 64;                                                  \
            const char **w_ = realloc(what, capwhat * sizeof *w_);                                 \
            if (!w_) {                                                                             \
                g->oom = 1;                                                                        \
                break;                                                                             \
            }                                                                                      \
            what = w_;                                                                             \
        }                                                                                          \
        size_t before_ = gen.n;                                                                    \
        sset_add(g, &gen, n_);                                                                     \
        if (gen.n > before_)                                                                       \
            what[nwhat++] = (wh);                                                                  \
    } while (0)
    GEN_NAME(sfmt(g, "%s_iface", R), "the schema object (X_gen.h)");
    for (uint32_t i = 0; i < g->s->structs.n; i++)
        GEN_NAME(cname(g, g->s->structs.v[i].name), "a generated struct type (X_gen.h)");
    for (uint32_t i = 0; i < g->s->enums.n; i++) {
        const alri_enum *en = &g->s->enums.v[i];
        GEN_NAME(cname(g, en->name), "a generated enum type (X_gen.h)");
        for (uint32_t j = 0; j < en->nvalues; j++)
            GEN_NAME(sfmt(g, "%s_%s", cname(g, en->name), g->s->enumvals.v[en->first_value + j].name),
                     "a generated enum value (X_gen.h)");
    }
    for (uint32_t si = 0; si < g->s->services.n; si++) {
        const alri_service *sv = &g->s->services.v[si];
        for (uint32_t k = 0; k < sv->nmethods; k++)
            if (has_stub(irm(g, sv->first_method + k)))
                GEN_NAME(stub_name(g, sv->first_method + k), "a generated client stub (X_gen.h)");
        if (svc_has_handlers(g, si)) {
            GEN_NAME(sfmt(g, "%s_handlers", scoped(g, sv->name)),
                     "a generated handler table type (X_gen.h)");
            GEN_NAME(sfmt(g, "%s_serve", scoped(g, sv->name)), "a generated function (X_gen.h)");
            GEN_NAME(sfmt(g, "%s_serve_endpoint", scoped(g, sv->name)),
                     "a generated function (X_gen.h)");
            GEN_NAME(sfmt(g, "%s_server_%s_handlers", R, lname(g, sv->name)),
                     "a handler table of X_server.c");
        }
    }
    static const char *const mine[] = {"client_last_error", "client_last_error_text",
                                       "client_error_fn",   "client_set_error_hook",
                                       "client_free_results", "server_serve",
                                       "server_serve_endpoint"};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
        GEN_NAME(sfmt(g, "%s_%s", R, mine[i]), "a function of the adapter (X_adapt.h)");
#undef GEN_NAME
    int rc = 0;
    const char *pre1 = sfmt(g, "%s__", R), *pre2 = sfmt(g, "%s_caps_", R);
    for (size_t i = 0; i < ordinary.n && !rc && !g->oom; i++) {
        const char *n = ordinary.v[i];
        const char *w = NULL;
        for (size_t k = 0; k < gen.n && !w; k++)
            if (strcmp(gen.v[k], n) == 0)
                w = what[k];
        if (!w && strncmp(n, pre1, strlen(pre1)) == 0)
            w = "reserved for generated names";
        if (!w && strncmp(n, pre2, strlen(pre2)) == 0)
            w = "reserved for the generated capability queries (X_gen.h)";
        if (w) {
            snprintf(err, errlen,
                     "C name '%s' of %s is also %s; rename one of them (ALR_NAME renames the "
                     "generated one)",
                     n, g->hdr, w);
            rc = -1;
        }
    }
    /* the file-scope names generated bodies use: locals step aside */
    for (size_t i = 0; i < gen.n; i++)
        sset_add(g, &g->fscope, gen.v[i]);
    static const char *const rt[] = {
        "memset", "memcpy", "NULL", "SIZE_MAX", "UINT32_MAX", "size_t", "int64_t", "uint64_t",
        "uint32_t", "int32_t", "uint8_t", "int8_t", "int16_t", "uint16_t", "bool", "true", "false",
        "offsetof", "alr_err", "alr_arena", "alr_call", "alr_list", "alr_map", "alr_bytes",
        "alr_ref", "alr_arena_new", "alr_arena_free", "alr_arena_alloc", "alr_arena_strdup",
        "alr_call_arena", "alr_call_set_error", "alr_call_set_app_error", "alr_strerror",
        "alr_last_error_text", "alr_last_app_code", "alr_server", "alr_endpoint"};
    for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++)
        sset_add(g, &g->fscope, rt[i]);
    for (uint32_t i = 0; i < g->s->structs.n; i++)
        for (int d = 0; d < 2; d++) {
            sset_add(g, &g->fscope, sfmt(g, "%s__client_%s_%s", R, d ? "g2u" : "u2g",
                                         cname(g, g->s->structs.v[i].name)));
            sset_add(g, &g->fscope, sfmt(g, "%s__server_%s_%s", R, d ? "g2u" : "u2g",
                                         cname(g, g->s->structs.v[i].name)));
        }
    free(ordinary.v);
    free(gen.v);
    free(what);
    return g->oom ? -1 : rc;
}

/* ------------------------------------------------------------ entry points */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int gen_header_generate(const alri_schema *ir, const struct imp_facts *facts, const char *stem,
                        const char *source, gen_header_output *out, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    hg g;
    memset(&g, 0, sizeof g);
    g.s = ir;
    g.f = facts;
    g.stem = stem;
    g.src = base_name(source);
    g.hdr = base_name(facts->header ? facts->header : source);
    alri_arena_init(&g.a);
    int rc = -1;
    g.sfact = calloc((size_t)ir->structs.n + 1, sizeof *g.sfact);
    g.efact = calloc((size_t)ir->enums.n + 1, sizeof *g.efact);
    g.sbad = calloc((size_t)ir->structs.n + 1, sizeof *g.sbad);
    g.sseen = calloc((size_t)ir->structs.n + 1, 1);
    g.need = calloc((size_t)ir->structs.n + 1, 1);
    g.eneed = calloc((size_t)ir->enums.n + 1, 1);
    g.salloc = calloc((size_t)ir->structs.n * 2 + 2, 1);
    g.msvc = calloc((size_t)ir->methods.n + 1, sizeof *g.msvc);
    g.plans = calloc((size_t)facts->nmethods + 1, sizeof *g.plans);
    hbuf h = {0}, cl = {0}, sv = {0};
    if (!g.sfact || !g.efact || !g.sbad || !g.sseen || !g.need || !g.eneed || !g.salloc || !g.msvc ||
        !g.plans) {
        g.oom = 1;
        goto done;
    }
    g.rootc = cname(&g, ir->package);
    for (uint32_t si = 0; si < ir->structs.n; si++) {
        g.sfact[si] = -1;
        for (uint32_t k = 0; k < facts->nstructs; k++)
            if (strcmp(facts->structs[k].qname, ir->structs.v[si].name) == 0)
                g.sfact[si] = (int32_t)k;
    }
    for (uint32_t ei = 0; ei < ir->enums.n; ei++) {
        g.efact[ei] = -1;
        for (uint32_t k = 0; k < facts->nenums; k++)
            if (strcmp(facts->enums[k].qname, ir->enums.v[ei].name) == 0)
                g.efact[ei] = (int32_t)k;
    }
    for (uint32_t si = 0; si < ir->services.n; si++)
        for (uint32_t k = 0; k < ir->services.v[si].nmethods; k++)
            g.msvc[ir->services.v[si].first_method + k] = si;
    for (uint32_t i = 0; i < facts->nmethods; i++) {
        mplan *p = &g.plans[i];
        p->mf = &facts->methods[i];
        p->mi = ALRI_NONE;
        for (uint32_t mi = 0; mi < ir->methods.n; mi++)
            if (strcmp(ir->services.v[g.msvc[mi]].name, p->mf->service) == 0 &&
                strcmp(ir->methods.v[mi].name, p->mf->name) == 0)
                p->mi = mi;
    }
    if (check_names(&g, err, errlen) != 0)
        goto done;
    for (uint32_t i = 0; i < facts->nmethods; i++)
        plan_method(&g, &g.plans[i]);
    /* converter parameter names, fixed per file */
    g.locals.n = 0;
    g.cu = local(&g, "u");
    g.cg = local(&g, "g");
    g.ca = local(&g, "a");
    g.ce = local(&g, "e");
    g.ci = local(&g, "i");
    g.cp = local(&g, "p");
    g.locals.n = 0;
    g.ha = local(&g, "a");
    g.hn = local(&g, "n");
    g.hsize = local(&g, "size");
    g.he = local(&g, "e");
    g.hwhy = local(&g, "why");
    g.hfn = local(&g, "fn");
    g.huser = local(&g, "user");
    g.hfunc = local(&g, "func");
    g.hv = local(&g, "v");
    g.hsrv = local(&g, "srv");
    g.hep = local(&g, "ep");
    gen_adapt_h(&g, &h);
    gen_client(&g, &cl);
    gen_server(&g, &sv);
    if (g.oom)
        goto done;
    out->adapt_h = h.p;
    out->adapt_hlen = h.n;
    out->client_c = cl.p;
    out->client_clen = cl.n;
    out->server_c = sv.p;
    out->server_clen = sv.n;
    h.p = cl.p = sv.p = NULL;
    rc = 0;
done:
    if (g.oom)
        snprintf(err, errlen, "out of memory");
    free(h.p);
    free(cl.p);
    free(sv.p);
    free(g.sfact);
    free(g.efact);
    free(g.sbad);
    free(g.sseen);
    free(g.need);
    free(g.eneed);
    free(g.salloc);
    free(g.msvc);
    free(g.plans);
    free(g.user.v);
    free(g.fscope.v);
    free(g.locals.v);
    alri_arena_fini(&g.a);
    return rc;
}

void gen_header_output_free(gen_header_output *out)
{
    if (!out)
        return;
    free(out->adapt_h);
    free(out->client_c);
    free(out->server_c);
    memset(out, 0, sizeof *out);
}

int gen_header_write(const alri_schema *ir, const struct imp_facts *facts, const char *dir,
                     const char *stem, const char *source, char *err, size_t errlen)
{
    gen_header_output o;
    if (gen_header_generate(ir, facts, stem, source, &o, err, errlen) != 0)
        return 1;
    static const char *const suffix[3] = {"_adapt.h", "_client.c", "_server.c"};
    const char *data[3] = {o.adapt_h, o.client_c, o.server_c};
    size_t len[3] = {o.adapt_hlen, o.client_clen, o.server_clen};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        size_t sl = strlen(stem), xl = strlen(suffix[k]);
        char *name = malloc(sl + xl + 1);
        char *path = NULL;
        if (name) {
            memcpy(name, stem, sl);
            memcpy(name + sl, suffix[k], xl + 1);
            path = util_join(dir, name);
        }
        int e = path ? util_write_if_changed(path, data[k], len[k], NULL) : ENOMEM;
        if (e) {
            snprintf(err, errlen, "cannot write '%s': %s", path ? path : stem, strerror(e));
            rc = 2;
        }
        free(name);
        free(path);
    }
    gen_header_output_free(&o);
    return rc;
}
