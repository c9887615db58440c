/*
 * sema.c - semantic analysis of the common AST (spec/alr-language.md
 * sections 3-9).  Three passes: register every declaration (and enum value
 * name), check each file's declarations in source order, then look for
 * structs that contain themselves by value.  Errors never cascade: a type
 * that does not resolve keeps kind 0, and every check depending on it is
 * skipped.  All scratch memory comes from ctx->arena.
 */
#include "sema.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alr/schema.h"
#include "cnames.h"

/* Type text deeper than this (only in messages) prints as "...". */
#define SEMA_TEXT_DEPTH 80u

/* ---- hash table: (key string, number, owner) -> value ---- */
typedef struct sema_ent {
    const char *key;   /* NULL for numeric keys */
    uint64_t num;
    const void *owner; /* scope: the declaration or method a name belongs to */
    void *val;         /* NULL = empty slot */
} sema_ent;

typedef struct sema_tab {
    sema_ent *e;
    uint32_t n, cap; /* cap is 0 or a power of two */
} sema_tab;

typedef struct sema {
    ast_ctx *ctx;
    diag *d;
    int errors;
    sema_tab decls;  /* qname -> ast_decl (the first definition) */
    sema_tab names;  /* (name, owner) -> field / param / method / enum value */
    sema_tab values; /* (value, enum decl) -> ast_enumval */
} sema;

/* Where a type is written: return-only forms are allowed in RET only (and
 * void also as T of result<T, E>); fixed arrays only as a member's type. */
enum {
    SEMA_POS_MEMBER, /* the type of a field or parameter */
    SEMA_POS_RET,    /* a method's return type */
    SEMA_POS_RESVAL, /* T of result<T, E> */
    SEMA_POS_ARG,    /* a type argument (including E of status<E>) */
    SEMA_POS_ELEM    /* the element of a fixed array */
};

/* Built-in type names. */
enum {
    SEMA_B_NONE,
    SEMA_B_SCALAR,
    SEMA_B_LIST,
    SEMA_B_SET,
    SEMA_B_MAP,
    SEMA_B_OPTIONAL,
    SEMA_B_REF,
    SEMA_B_RESULT,
    SEMA_B_STATUS,
    SEMA_B_VOID
};

static const struct {
    const char *name;
    int b;
    int kind;
} sema_builtins[] = {
    {"bool", SEMA_B_SCALAR, ALR_K_BOOL},       {"i8", SEMA_B_SCALAR, ALR_K_I8},
    {"i16", SEMA_B_SCALAR, ALR_K_I16},         {"i32", SEMA_B_SCALAR, ALR_K_I32},
    {"i64", SEMA_B_SCALAR, ALR_K_I64},         {"u8", SEMA_B_SCALAR, ALR_K_U8},
    {"u16", SEMA_B_SCALAR, ALR_K_U16},         {"u32", SEMA_B_SCALAR, ALR_K_U32},
    {"u64", SEMA_B_SCALAR, ALR_K_U64},         {"f32", SEMA_B_SCALAR, ALR_K_F32},
    {"f64", SEMA_B_SCALAR, ALR_K_F64},         {"string", SEMA_B_SCALAR, ALR_K_STRING},
    {"bytes", SEMA_B_SCALAR, ALR_K_BYTES},     {"list", SEMA_B_LIST, ALR_K_LIST},
    {"set", SEMA_B_SET, ALR_K_SET},            {"map", SEMA_B_MAP, ALR_K_MAP},
    {"optional", SEMA_B_OPTIONAL, ALR_K_OPTIONAL}, {"ref", SEMA_B_REF, ALR_K_REF},
    {"result", SEMA_B_RESULT, 0},              {"status", SEMA_B_STATUS, 0},
    {"void", SEMA_B_VOID, 0},
};

/* Annotations (spec section 9) and the places they may appear. */
enum {
    SEMA_AT_DECL = 1,     /* struct, enum, flags */
    SEMA_AT_SERVICE = 2,
    SEMA_AT_FIELD = 4,
    SEMA_AT_PARAM = 8,
    SEMA_AT_METHOD = 16,  /* methods and constructors */
    SEMA_AT_ENUMVAL = 32,
    SEMA_AT_ANY = 63
};

enum {
    SEMA_A_DEADLINE,
    SEMA_A_MAX_SIZE,
    SEMA_A_MAX_LEN,
    SEMA_A_EVOLVE,
    SEMA_A_DEPRECATED,
    SEMA_A_COMMON,
    SEMA_A_COUNT
};

static const struct {
    const char *name;
    unsigned places;
    const char *where;
} sema_annot_defs[SEMA_A_COUNT] = {
    {"deadline", SEMA_AT_METHOD, "methods only"},
    {"max_size", SEMA_AT_METHOD, "methods only"},
    {"max_len", SEMA_AT_FIELD | SEMA_AT_PARAM, "fields and parameters only"},
    {"evolve", SEMA_AT_FIELD | SEMA_AT_PARAM | SEMA_AT_METHOD,
     "fields, parameters and methods only"},
    {"deprecated", SEMA_AT_ANY, "anything"},
    {"common", SEMA_AT_SERVICE, "services only"},
};

/* ------------------------------------------------------------ reporting */

static void sema_error(sema *s, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sema_note(sema *s, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sema_error(sema *s, ast_loc loc, const char *fmt, ...)
{
    s->errors++;
    if (!s->d)
        return;
    va_list ap;
    va_start(ap, fmt);
    diag_verror(s->d, loc, "error", fmt, ap);
    va_end(ap);
}

static void sema_note(sema *s, ast_loc loc, const char *fmt, ...)
{
    if (!s->d)
        return;
    va_list ap;
    va_start(ap, fmt);
    diag_verror(s->d, loc, "note", fmt, ap);
    va_end(ap);
}

static void *sema_alloc(sema *s, size_t size)
{
    void *p = alri_arena_alloc(&s->ctx->arena, size);
    if (!p)
        s->ctx->oom = 1;
    return p;
}

/* ------------------------------------------------------------ hash table */

static uint64_t sema_hash(const char *key, uint64_t num, const void *owner)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (key)
        for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
        }
    h ^= num + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uintptr_t)owner * 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* Returns the slot holding the key or the empty slot where it belongs
 * (NULL for a table never allocated). */
static sema_ent *sema_tab_find(const sema_tab *t, const char *key, uint64_t num,
                               const void *owner)
{
    if (!t->cap)
        return NULL;
    uint32_t mask = t->cap - 1;
    uint32_t i = (uint32_t)sema_hash(key, num, owner) & mask;
    for (;; i = (i + 1) & mask) {
        sema_ent *e = &t->e[i];
        if (!e->val)
            return e;
        if (e->num == num && e->owner == owner &&
            (key ? e->key && strcmp(e->key, key) == 0 : !e->key))
            return e;
    }
}

static void *sema_tab_get(const sema_tab *t, const char *key, uint64_t num, const void *owner)
{
    sema_ent *e = sema_tab_find(t, key, num, owner);
    return e ? e->val : NULL;
}

/* Adds key -> val unless the key is present.  Returns the value already
 * there, or NULL when val was added (or on out of memory, with ctx->oom). */
static void *sema_tab_put(sema *s, sema_tab *t, const char *key, uint64_t num,
                          const void *owner, void *val)
{
    if ((uint64_t)t->n * 4 + 4 > (uint64_t)t->cap * 3) {
        uint32_t ncap = t->cap ? t->cap * 2 : 16;
        sema_ent *ne = sema_alloc(s, (size_t)ncap * sizeof *ne);
        if (!ne)
            return NULL;
        sema_tab nt = {ne, 0, ncap};
        for (uint32_t i = 0; i < t->cap; i++)
            if (t->e[i].val) {
                *sema_tab_find(&nt, t->e[i].key, t->e[i].num, t->e[i].owner) = t->e[i];
                nt.n++;
            }
        *t = nt;
    }
    sema_ent *e = sema_tab_find(t, key, num, owner);
    if (e->val)
        return e->val;
    e->key = key;
    e->num = num;
    e->owner = owner;
    e->val = val;
    t->n++;
    return NULL;
}

/* ------------------------------------------------------------ text helpers */

/* A string growing in the arena (for message parts only). */
typedef struct sema_sb {
    sema *s;
    char *p;
    size_t len, cap;
} sema_sb;

static void sema_sb_add(sema_sb *b, const char *str, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 64;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *np = alri_arena_realloc(&b->s->ctx->arena, b->p, b->len, ncap);
        if (!np) {
            b->s->ctx->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, str, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sema_sb_puts(sema_sb *b, const char *str)
{
    sema_sb_add(b, str, strlen(str));
}

static const char *sema_sb_str(const sema_sb *b)
{
    return b->p ? b->p : "";
}

static void sema_text_(sema_sb *b, const ast_type *t, unsigned depth)
{
    if (!t) {
        sema_sb_puts(b, "?");
        return;
    }
    if (depth > SEMA_TEXT_DEPTH) {
        sema_sb_puts(b, "...");
        return;
    }
    if (!t->name) {
        char n[48];
        const ast_value *v = t->len;
        sema_text_(b, t->args, depth + 1);
        if (v && v->kind == AST_V_INT)
            snprintf(n, sizeof n, "[%s%llu]", v->neg && v->mag ? "-" : "",
                     (unsigned long long)v->mag);
        else
            snprintf(n, sizeof n, "[?]");
        sema_sb_puts(b, n);
        return;
    }
    /* a resolved name prints qualified; ref<S> keeps its own name */
    sema_sb_puts(b, t->decl && !t->args ? t->decl->qname : t->name);
    if (t->args) {
        sema_sb_puts(b, "<");
        for (const ast_type *a = t->args; a; a = a->next) {
            if (a != t->args)
                sema_sb_puts(b, ",");
            sema_text_(b, a, depth + 1);
        }
        sema_sb_puts(b, ">");
    }
}

/* The type as text for messages, canonical style: "map<string,p.Item>". */
static const char *sema_text(sema *s, const ast_type *t)
{
    sema_sb b = {s, NULL, 0, 0};
    sema_text_(&b, t, 0);
    return sema_sb_str(&b);
}

static const char *sema_kind_name(int kind)
{
    for (size_t i = 0; i < sizeof sema_builtins / sizeof sema_builtins[0]; i++)
        if (sema_builtins[i].b == SEMA_B_SCALAR && sema_builtins[i].kind == kind)
            return sema_builtins[i].name;
    return "?";
}

/* Classifies an undotted name as a built-in type (SEMA_B_NONE if not). */
static int sema_builtin(const char *name, int *kind)
{
    *kind = 0;
    if (!name)
        return SEMA_B_NONE;
    for (size_t i = 0; i < sizeof sema_builtins / sizeof sema_builtins[0]; i++)
        if (strcmp(sema_builtins[i].name, name) == 0) {
            *kind = sema_builtins[i].kind;
            return sema_builtins[i].b;
        }
    return SEMA_B_NONE;
}

/* The built-in form a type is written with (undotted names only). */
static int sema_form(const ast_type *t)
{
    int kind;
    if (!t || !t->name || strchr(t->name, '.'))
        return SEMA_B_NONE;
    return sema_builtin(t->name, &kind);
}

/* The single identifier of an identifier value, or NULL. */
static const char *sema_ident1(const ast_value *v)
{
    if (!v || v->kind != AST_V_IDENT || !v->idents || v->idents->next)
        return NULL;
    return v->idents->name;
}

/* ------------------------------------------------------------ names */

/* Reports a name C code cannot use (cnames.h); returns 1 when it did. */
static int sema_keyword(sema *s, const char *name, ast_loc loc)
{
    cnames_kind k = cnames_keyword(name);
    switch (k) {
    case CNAMES_NONE:
        return 0;
    case CNAMES_C:
    case CNAMES_CXX:
        sema_error(s, loc, "'%s' is a %s keyword and cannot be used as a name", name,
                   k == CNAMES_C ? "C" : "C++");
        break;
    case CNAMES_MACRO:
        sema_error(s, loc, "'%s' is a macro of the C library or compiler and cannot be used "
                   "as a name", name);
        break;
    case CNAMES_RESERVED:
        sema_error(s, loc, "'%s' is reserved in C (a leading underscore and a capital, or two "
                   "underscores) and cannot be used as a name", name);
        break;
    }
    return 1;
}

/* Checks the length and every dot-separated component of a package name. */
static void sema_package(sema *s, const char *pkg, ast_loc loc)
{
    char part[ALR_MAX_NAME_LEN + 1];
    if (pkg && strlen(pkg) > ALR_MAX_NAME_LEN)
        sema_error(s, loc, "package name '%s' is longer than %u bytes", pkg, ALR_MAX_NAME_LEN);
    while (pkg && *pkg) {
        const char *dot = strchr(pkg, '.');
        size_t n = dot ? (size_t)(dot - pkg) : strlen(pkg);
        if (n < sizeof part) {
            memcpy(part, pkg, n);
            part[n] = '\0';
            sema_keyword(s, part, loc);
        }
        pkg = dot ? dot + 1 : NULL;
    }
}

static void sema_doc(sema *s, const char *doc, ast_loc loc)
{
    if (doc && strlen(doc) > ALR_MAX_STRING_LEN)
        sema_error(s, loc, "doc comment is longer than %u bytes", ALR_MAX_STRING_LEN);
}

/* The declaration pkg.name, if any. */
static ast_decl *sema_find(sema *s, const char *pkg, const char *name)
{
    char buf[512];
    size_t pl = strlen(pkg), nl = strlen(name);
    if (!pl)
        return sema_tab_get(&s->decls, name, 0, NULL);
    char *q = pl + nl + 2 <= sizeof buf ? buf : sema_alloc(s, pl + nl + 2);
    if (!q)
        return NULL;
    memcpy(q, pkg, pl);
    q[pl] = '.';
    memcpy(q + pl + 1, name, nl + 1);
    return sema_tab_get(&s->decls, q, 0, NULL);
}

/* Resolves a declaration name written inside `from` (spec section 4).
 * Reports and returns NULL when it is unknown or ambiguous. */
static ast_decl *sema_lookup(sema *s, const ast_decl *from, const char *name, ast_loc loc)
{
    if (strchr(name, '.')) {
        ast_decl *d = sema_tab_get(&s->decls, name, 0, NULL);
        if (!d)
            sema_error(s, loc, "unknown type '%s'", name);
        return d;
    }
    ast_decl *d = sema_find(s, from->pkg, name);
    if (d)
        return d;
    ast_decl *first = NULL;
    int ambiguous = 0;
    uint32_t nimports = 0;
    for (const ast_import *im = from->file ? from->file->imports : NULL; im; im = im->next) {
        nimports++;
        if (!im->file || !im->file->pkg)
            continue;
        ast_decl *c = sema_find(s, im->file->pkg, name);
        if (!c)
            continue;
        if (!first)
            first = c;
        else if (c != first)
            ambiguous = 1;
    }
    if (!first) {
        sema_error(s, loc, "unknown type '%s'", name);
        return NULL;
    }
    if (!ambiguous)
        return first;
    /* list the distinct candidates in import order */
    ast_decl **cand = sema_alloc(s, (size_t)nimports * sizeof *cand);
    if (!cand)
        return NULL;
    uint32_t n = 0;
    for (const ast_import *im = from->file->imports; im; im = im->next) {
        if (!im->file || !im->file->pkg)
            continue;
        ast_decl *c = sema_find(s, im->file->pkg, name);
        uint32_t j = 0;
        while (j < n && cand[j] != c)
            j++;
        if (c && j == n)
            cand[n++] = c;
    }
    sema_sb b = {s, NULL, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        sema_sb_puts(&b, i == 0 ? "'" : i + 1 == n ? " or '" : ", '");
        sema_sb_puts(&b, cand[i]->qname);
        sema_sb_puts(&b, "'");
    }
    sema_error(s, loc, "ambiguous type '%s': could be %s", name, sema_sb_str(&b));
    for (uint32_t i = 0; i < n; i++)
        sema_note(s, cand[i]->loc, "'%s' is declared here", cand[i]->qname);
    return NULL;
}

/* ------------------------------------------------------------ types */

static int sema_type(sema *s, const ast_decl *from, ast_type *t, int pos, unsigned depth);

static int sema_is_key_kind(int k)
{
    return (k >= ALR_K_BOOL && k <= ALR_K_U64) || k == ALR_K_STRING || k == ALR_K_BYTES ||
           k == ALR_K_ENUM;
}

static int sema_arity(sema *s, const ast_type *t, uint32_t want)
{
    if (t->nargs == want)
        return 1;
    sema_error(s, t->loc, "'%s' expects %s, got %u", t->name,
               want == 0   ? "no type arguments"
               : want == 1 ? "1 type argument"
                           : "2 type arguments",
               t->nargs);
    return 0;
}

static int sema_too_deep(sema *s, const ast_type *t, unsigned depth)
{
    if (depth < ALR_MAX_TYPE_DEPTH)
        return 0;
    sema_error(s, t->loc, "type nesting is deeper than %u levels", ALR_MAX_TYPE_DEPTH);
    return 1;
}

/* E of status<E> / result<T, E>: an enum. */
static int sema_err_type(sema *s, const ast_decl *from, ast_type *e, unsigned depth)
{
    if (!sema_type(s, from, e, SEMA_POS_ARG, depth))
        return 0;
    if (e->kind == ALR_K_ENUM)
        return 1;
    sema_error(s, e->loc, "error type must be an enum, not '%s'", sema_text(s, e));
    return 0;
}

static int sema_named(sema *s, const ast_decl *from, ast_type *t)
{
    ast_decl *d = sema_lookup(s, from, t->name, t->loc);
    if (!d)
        return 0;
    if (t->nargs) {
        sema_error(s, t->loc, "'%s' expects no type arguments, got %u", t->name, t->nargs);
        return 0;
    }
    if (d->kind == AST_DECL_SERVICE) {
        sema_error(s, t->loc, "service '%s' can only be used as ref<%s>", d->qname, d->qname);
        return 0;
    }
    t->decl = d;
    t->kind = d->kind == AST_DECL_STRUCT ? ALR_K_STRUCT
              : d->kind == AST_DECL_ENUM ? ALR_K_ENUM
                                         : ALR_K_FLAGS;
    return 1;
}

/* ref<S>: S names a service. */
static int sema_ref(sema *s, const ast_decl *from, ast_type *t)
{
    ast_type *a = t->args;
    if (!a)
        return 0;
    if (!a->name || a->args || sema_form(a) != SEMA_B_NONE) {
        sema_error(s, a->loc, "'ref' needs a service, not '%s'", sema_text(s, a));
        return 0;
    }
    ast_decl *d = sema_lookup(s, from, a->name, a->loc);
    if (!d)
        return 0;
    if (d->kind != AST_DECL_SERVICE) {
        sema_error(s, a->loc, "'ref' needs a service, not '%s'", d->qname);
        return 0;
    }
    a->decl = d; /* the service name itself is not a type: kind stays 0 */
    t->decl = d;
    t->kind = ALR_K_REF;
    return 1;
}

static int sema_array(sema *s, const ast_decl *from, ast_type *t, int pos, unsigned depth)
{
    /* only `T name[N]` makes arrays; the header importer could put one elsewhere */
    if (pos != SEMA_POS_MEMBER) {
        sema_error(s, t->loc, "%s",
                   pos == SEMA_POS_ELEM  ? "a fixed array cannot contain another fixed array"
                   : pos == SEMA_POS_ARG ? "a fixed array cannot be a type argument"
                                         : "a fixed array cannot be a return type");
        return 0;
    }
    if (sema_too_deep(s, t, depth))
        return 0;
    int ok = sema_type(s, from, t->args, SEMA_POS_ELEM, depth + 1);
    const ast_value *n = t->len;
    if (!n || n->kind != AST_V_INT) {
        sema_error(s, n ? n->loc : t->loc, "array length must be an integer literal");
        return 0;
    }
    if ((n->neg && n->mag) || n->mag == 0 || n->mag > ALR_MAX_ARRAY_LEN) {
        sema_error(s, n->loc, "array length %s%llu is out of range (1 to %u)",
                   n->neg && n->mag ? "-" : "", (unsigned long long)n->mag, ALR_MAX_ARRAY_LEN);
        return 0;
    }
    if (!ok)
        return 0;
    t->kind = ALR_K_ARRAY;
    return 1;
}

/* Resolves t (written inside `from`) and checks it; depth counts the type
 * constructors around t.  Returns 1 when t and everything in it resolved
 * (t->kind is then set, except for void / status / result). */
static int sema_type(sema *s, const ast_decl *from, ast_type *t, int pos, unsigned depth)
{
    if (!t)
        return 0; /* a builder failed (out of memory): already flagged */
    if (!t->name)
        return sema_array(s, from, t, pos, depth);
    int kind = 0;
    int b = strchr(t->name, '.') ? SEMA_B_NONE : sema_builtin(t->name, &kind);
    int ok = 1;
    switch (b) {
    case SEMA_B_NONE:
        return sema_named(s, from, t);
    case SEMA_B_SCALAR:
        if (!sema_arity(s, t, 0))
            return 0;
        t->kind = kind;
        return 1;
    case SEMA_B_VOID:
        if (pos != SEMA_POS_RET && pos != SEMA_POS_RESVAL) {
            sema_error(s, t->loc, "'void' is only allowed as a return type");
            return 0;
        }
        return sema_arity(s, t, 0);
    case SEMA_B_STATUS:
        if (pos != SEMA_POS_RET) {
            sema_error(s, t->loc, "'status' is only allowed as a return type");
            return 0;
        }
        if (t->nargs > 1) {
            sema_error(s, t->loc, "'status' expects at most 1 type argument, got %u", t->nargs);
            return 0;
        }
        return t->nargs == 0 || sema_err_type(s, from, t->args, depth);
    case SEMA_B_RESULT:
        if (pos != SEMA_POS_RET) {
            sema_error(s, t->loc, "'result' is only allowed as a return type");
            return 0;
        }
        if (!sema_arity(s, t, 2))
            return 0;
        ok = sema_type(s, from, t->args, SEMA_POS_RESVAL, depth);
        if (!sema_err_type(s, from, t->args->next, depth))
            ok = 0;
        return ok;
    case SEMA_B_REF:
        if (!sema_arity(s, t, 1))
            return 0;
        return sema_ref(s, from, t);
    default: /* list, set, map, optional */
        if (!sema_arity(s, t, b == SEMA_B_MAP ? 2 : 1) || sema_too_deep(s, t, depth))
            return 0;
        for (ast_type *a = t->args; a; a = a->next)
            if (!sema_type(s, from, a, SEMA_POS_ARG, depth + 1))
                ok = 0;
        if (!ok)
            return 0;
        if ((b == SEMA_B_SET || b == SEMA_B_MAP) && !sema_is_key_kind(t->args->kind)) {
            sema_error(s, t->args->loc,
                       "%s type must be an integer, bool, string, bytes or an enum, not '%s'",
                       b == SEMA_B_SET ? "set element" : "map key", sema_text(s, t->args));
            return 0;
        }
        if (b == SEMA_B_OPTIONAL && t->args->kind == ALR_K_OPTIONAL) {
            sema_error(s, t->args->loc, "optional<optional<T>> is not allowed");
            return 0;
        }
        t->kind = kind;
        return 1;
    }
}

/* ------------------------------------------------------------ defaults */

static int sema_int_fits(int kind, uint64_t mag, int neg)
{
    if (neg && mag) {
        uint64_t lim = kind == ALR_K_I8    ? 128u
                       : kind == ALR_K_I16 ? 32768u
                       : kind == ALR_K_I32 ? 2147483648u
                       : kind == ALR_K_I64 ? 9223372036854775808ull
                                           : 0;
        return mag <= lim;
    }
    switch (kind) {
    case ALR_K_I8: return mag <= 127u;
    case ALR_K_I16: return mag <= 32767u;
    case ALR_K_I32: return mag <= 2147483647u;
    case ALR_K_I64: return mag <= 9223372036854775807ull;
    case ALR_K_U8: return mag <= 255u;
    case ALR_K_U16: return mag <= 65535u;
    case ALR_K_U32: return mag <= 4294967295u;
    default: return 1;
    }
}

/* A flags default: every name a value of fl, and the names, deduplicated
 * and joined by '|' as lower.c stores them, within ALR_MAX_STRING_LEN. */
static void sema_flags_default(sema *s, const ast_decl *fl, const ast_value *v)
{
    size_t len = 0;
    int ok = 1;
    for (const ast_ident *id = v->idents; id; id = id->next) {
        if (!sema_tab_get(&s->names, id->name, 0, fl)) {
            sema_error(s, id->loc, "'%s' is not a value of flags '%s'", id->name, fl->qname);
            ok = 0;
        }
        len += strlen(id->name) + 1;
    }
    if (!ok || len <= ALR_MAX_STRING_LEN)
        return;
    /* long only with repeats, or really too long: count each name once */
    sema_tab seen = {NULL, 0, 0};
    len = 0;
    for (const ast_ident *id = v->idents; id; id = id->next)
        if (!sema_tab_put(s, &seen, id->name, 0, NULL, (void *)id))
            len += strlen(id->name) + 1;
    if (len - 1 > ALR_MAX_STRING_LEN)
        sema_error(s, v->loc, "default value for flags '%s' is longer than %u bytes", fl->qname,
                   ALR_MAX_STRING_LEN);
}

/* Checks the default value v of a member of resolved type t (section 8). */
static void sema_default(sema *s, const ast_type *t, const ast_value *v)
{
    int k = t->kind;
    const char *kn = sema_kind_name(k);
    switch (k) {
    case ALR_K_BOOL:
        if (v->kind != AST_V_BOOL)
            sema_error(s, v->loc, "default value for 'bool' must be true or false");
        return;
    case ALR_K_I8: case ALR_K_I16: case ALR_K_I32: case ALR_K_I64:
    case ALR_K_U8: case ALR_K_U16: case ALR_K_U32: case ALR_K_U64:
        if (v->kind != AST_V_INT)
            sema_error(s, v->loc, "default value for '%s' must be an integer", kn);
        else if (!sema_int_fits(k, v->mag, v->neg))
            sema_error(s, v->loc, "default value %s%llu does not fit in %s",
                       v->neg && v->mag ? "-" : "", (unsigned long long)v->mag, kn);
        return;
    case ALR_K_F32:
    case ALR_K_F64: {
        const char *id = sema_ident1(v);
        if (v->kind == AST_V_INT || (id && (strcmp(id, "inf") == 0 || strcmp(id, "nan") == 0)))
            return; /* every u64 magnitude is below FLT_MAX */
        if (v->kind != AST_V_FLOAT)
            sema_error(s, v->loc, "default value for '%s' must be a number, inf or nan", kn);
        else if (k == ALR_K_F32 && isfinite(v->f) && fabs(v->f) > FLT_MAX)
            sema_error(s, v->loc, "default value %g does not fit in f32", v->f);
        return;
    }
    case ALR_K_STRING:
    case ALR_K_BYTES:
        if (v->kind != AST_V_STRING)
            sema_error(s, v->loc, "default value for '%s' must be a string literal", kn);
        return;
    case ALR_K_ENUM:
        if (v->kind != AST_V_IDENT || !v->idents) {
            sema_error(s, v->loc, "default value for enum '%s' must be one of its value names",
                       t->decl->qname);
        } else if (v->idents->next) {
            sema_error(s, v->idents->next->loc,
                       "default value for enum '%s' must be a single value name", t->decl->qname);
        } else if (!sema_tab_get(&s->names, v->idents->name, 0, t->decl)) {
            sema_error(s, v->idents->loc, "'%s' is not a value of enum '%s'", v->idents->name,
                       t->decl->qname);
        }
        return;
    case ALR_K_FLAGS:
        if (v->kind != AST_V_IDENT || !v->idents) {
            sema_error(s, v->loc, "default value for flags '%s' must be value names joined by '|'",
                       t->decl->qname);
            return;
        }
        sema_flags_default(s, t->decl, v);
        return;
    default:
        sema_error(s, v->loc, "default value for '%s' is not allowed", sema_text(s, t));
        return;
    }
}

/* ------------------------------------------------------------ annotations */

/* Checks the arguments of a known annotation; returns 1 when they are valid. */
static int sema_annot_args(sema *s, const ast_annot *a, int id)
{
    const ast_annot_arg *g = a->args;
    uint32_t n = 0;
    for (const ast_annot_arg *x = g; x; x = x->next)
        n++;
    switch (id) {
    case SEMA_A_DEADLINE:
    case SEMA_A_MAX_SIZE:
    case SEMA_A_MAX_LEN: {
        const ast_value *v = n == 1 ? g->value : NULL;
        if (!v || g->key || v->kind != AST_V_INT || v->neg || v->mag == 0) {
            sema_error(s, n == 1 ? g->loc : a->loc, "'@%s' needs one argument: a positive integer",
                       a->name);
            return 0;
        }
        if (id == SEMA_A_DEADLINE && v->mag > UINT32_MAX) {
            sema_error(s, v->loc, "'@deadline' value %llu is larger than %u",
                       (unsigned long long)v->mag, (unsigned)UINT32_MAX);
            return 0;
        }
        return 1;
    }
    case SEMA_A_DEPRECATED:
        if (n == 0 || (n == 1 && !g->key && g->value->kind == AST_V_STRING))
            return 1;
        sema_error(s, n == 1 ? g->loc : a->loc,
                   "'@deprecated' takes at most one argument, a string");
        return 0;
    case SEMA_A_COMMON:
        if (n == 0)
            return 1;
        sema_error(s, a->loc, "'@common' takes no arguments");
        return 0;
    default: { /* evolve */
        static const char *const keys[] = {"write", "read", "enum"};
        if (n == 0) {
            sema_error(s, a->loc, "'@evolve' needs at least one of 'write', 'read' or 'enum'");
            return 0;
        }
        int ok = 1;
        unsigned seen = 0;
        for (; g; g = g->next) {
            if (!g->key) {
                sema_error(s, g->loc, "'@evolve' arguments are written key = value");
                ok = 0;
                continue;
            }
            int k = 0;
            while (k < 3 && strcmp(keys[k], g->key) != 0)
                k++;
            if (k == 3) {
                sema_error(s, g->loc, "unknown '@evolve' key '%s'", g->key);
                ok = 0;
                continue;
            }
            if (seen & (1u << k)) {
                sema_error(s, g->loc, "duplicate '@evolve' key '%s'", g->key);
                ok = 0;
                continue;
            }
            seen |= 1u << k;
            const char *v = sema_ident1(g->value);
            if (k < 2) {
                if (!v || (strcmp(v, "required") != 0 && strcmp(v, "optional") != 0)) {
                    sema_error(s, g->value->loc,
                               "'@evolve' key '%s' must be 'required' or 'optional'", g->key);
                    ok = 0;
                }
            } else if (!v || (strcmp(v, "value") != 0 && strcmp(v, "strict") != 0 &&
                              strcmp(v, "flags") != 0 && strcmp(v, "flags_strict") != 0)) {
                sema_error(s, g->value->loc,
                           "'@evolve' key 'enum' must be 'value', 'strict', 'flags' or "
                           "'flags_strict'");
                ok = 0;
            }
        }
        return ok;
    }
    }
}

/* Checks names, places, repeats and arguments of the annotations of one
 * element.  first[id] receives each valid annotation (NULL otherwise) for
 * the type-dependent checks of sema_annots_typed. */
static void sema_annots(sema *s, const ast_annot *list, unsigned place,
                        const ast_annot *first[SEMA_A_COUNT])
{
    const ast_annot *seen[SEMA_A_COUNT] = {0};
    for (int i = 0; i < SEMA_A_COUNT; i++)
        first[i] = NULL;
    for (const ast_annot *a = list; a; a = a->next) {
        int id = 0;
        while (id < SEMA_A_COUNT && strcmp(sema_annot_defs[id].name, a->name) != 0)
            id++;
        if (id == SEMA_A_COUNT) {
            sema_error(s, a->loc, "unknown annotation '@%s'", a->name);
            continue;
        }
        if (seen[id]) {
            sema_error(s, a->loc, "duplicate annotation '@%s'", a->name);
            sema_note(s, seen[id]->loc, "previous definition is here");
            continue;
        }
        seen[id] = a;
        if (!(sema_annot_defs[id].places & place)) {
            sema_error(s, a->loc, "'@%s' applies to %s", a->name, sema_annot_defs[id].where);
            continue;
        }
        if (sema_annot_args(s, a, id))
            first[id] = a;
    }
}

/* The checks that need the element's type: t is the member type or the
 * method's value type (NULL: none); known is 0 when it did not resolve. */
static void sema_annots_typed(sema *s, const ast_annot *const first[SEMA_A_COUNT],
                              const ast_type *t, int known)
{
    if (!known)
        return;
    const ast_annot *ml = first[SEMA_A_MAX_LEN];
    if (ml && t) {
        int k = t->kind;
        if (k != ALR_K_STRING && k != ALR_K_BYTES && k != ALR_K_LIST && k != ALR_K_SET &&
            k != ALR_K_MAP)
            sema_error(s, ml->loc, "'@max_len' needs a string, bytes, list, set or map type, not '%s'",
                       sema_text(s, t));
    }
    const ast_annot *ev = first[SEMA_A_EVOLVE];
    if (!ev)
        return;
    if (!t) {
        sema_error(s, ev->loc, "'@evolve' on a method needs a return value");
        return;
    }
    for (const ast_annot_arg *g = ev->args; g; g = g->next)
        if (strcmp(g->key, "enum") == 0 && t->kind != ALR_K_ENUM && t->kind != ALR_K_FLAGS)
            sema_error(s, g->loc, "'@evolve' key 'enum' needs an enum or flags type, not '%s'",
                       sema_text(s, t));
}

/* ------------------------------------------------------------ declarations */

/* A struct field or a method parameter; owner scopes the name. */
static void sema_member(sema *s, const ast_decl *from, const void *owner, ast_member *m,
                        unsigned place, const char *what)
{
    const ast_annot *first[SEMA_A_COUNT];
    sema_annots(s, m->annots, place, first);
    int ok = sema_type(s, from, m->type, SEMA_POS_MEMBER, 0);
    sema_keyword(s, m->name, m->loc);
    ast_member *prev = sema_tab_put(s, &s->names, m->name, 0, owner, m);
    if (prev) {
        sema_error(s, m->loc, "duplicate %s '%s'", what, m->name);
        sema_note(s, prev->loc, "previous definition is here");
    }
    sema_doc(s, m->doc, m->loc);
    if (ok && m->dflt)
        sema_default(s, m->type, m->dflt);
    sema_annots_typed(s, first, m->type, ok);
}

static void sema_struct(sema *s, ast_decl *d)
{
    for (ast_member *m = d->fields; m; m = m->next)
        sema_member(s, d, d, m, SEMA_AT_FIELD, "field");
}

/* Value, duplicate-value check and bookkeeping for one enum/flags value. */
static void sema_enum_value(sema *s, ast_decl *d, ast_enumval *v, uint64_t bits)
{
    int is_flags = d->kind == AST_DECL_FLAGS;
    v->resolved = (int64_t)bits;
    ast_enumval *prev = sema_tab_put(s, &s->values, NULL, bits, d, v);
    if (prev) {
        ast_loc at = v->value ? v->value->loc : v->loc;
        if (is_flags)
            sema_error(s, at, "value %llu of '%s' is already used by '%s'",
                       (unsigned long long)bits, v->name, prev->name);
        else
            sema_error(s, at, "value %lld of '%s' is already used by '%s'",
                       (long long)(int64_t)bits, v->name, prev->name);
        sema_note(s, prev->loc, "previous definition is here");
    }
}

static void sema_enum(sema *s, ast_decl *d)
{
    int is_flags = d->kind == AST_DECL_FLAGS;
    const char *what = is_flags ? "flags" : "enum";
    if (!d->values)
        sema_error(s, d->loc, "%s '%s' has no values", what, d->qname);
    int known = 0, any = 0; /* the previous value is known / exists */
    int64_t prev = 0;       /* enum: the previous value */
    uint64_t maxbits = 0;   /* flags: the largest value so far */
    for (ast_enumval *v = d->values; v; v = v->next) {
        const ast_annot *first[SEMA_A_COUNT];
        sema_annots(s, v->annots, SEMA_AT_ENUMVAL, first);
        sema_keyword(s, v->name, v->loc);
        ast_enumval *same = sema_tab_get(&s->names, v->name, 0, d);
        if (same && same != v) {
            sema_error(s, v->loc, "duplicate %s value '%s'", what, v->name);
            sema_note(s, same->loc, "previous definition is here");
        }
        sema_doc(s, v->doc, v->loc);
        v->resolved = 0;
        const ast_value *x = v->value;
        int first_value = !any;
        any = 1;
        if (x) {
            known = 0;
            if (x->kind != AST_V_INT) {
                sema_error(s, x->loc, "%s value must be an integer literal", what);
                continue;
            }
            if (is_flags) {
                if (x->neg && x->mag) {
                    sema_error(s, x->loc, "flags values cannot be negative");
                    continue;
                }
                maxbits = x->mag > maxbits ? x->mag : maxbits;
                known = 1;
                sema_enum_value(s, d, v, x->mag);
            } else {
                if (!sema_int_fits(ALR_K_I32, x->mag, x->neg)) {
                    sema_error(s, x->loc, "enum value %s%llu does not fit in i32",
                               x->neg && x->mag ? "-" : "", (unsigned long long)x->mag);
                    continue;
                }
                prev = x->neg ? -(int64_t)x->mag : (int64_t)x->mag;
                known = 1;
                sema_enum_value(s, d, v, (uint64_t)prev);
            }
            continue;
        }
        if (!first_value && !known)
            continue; /* follows a bad value: no value, no further error */
        if (is_flags) {
            uint64_t bit = 1;
            if (!first_value) {
                if (maxbits >= (1ull << 63)) {
                    sema_error(s, v->loc,
                               "no power of two above the previous values is left for '%s'",
                               v->name);
                    known = 0;
                    continue;
                }
                while (bit <= maxbits)
                    bit <<= 1;
            }
            maxbits = bit > maxbits ? bit : maxbits;
            known = 1;
            sema_enum_value(s, d, v, bit);
        } else {
            if (!first_value && prev == INT32_MAX) {
                sema_error(s, v->loc, "enum value '%s' overflows i32", v->name);
                known = 0;
                continue;
            }
            prev = first_value ? 0 : prev + 1;
            known = 1;
            sema_enum_value(s, d, v, (uint64_t)prev);
        }
    }
}

/* Derives the return mode of a (non-constructor) method from its keyword
 * and return form (the table of spec section 7).  ok: the return type
 * resolved.  Returns 1 when the mode and value/error types are known. */
static int sema_mode(sema *s, ast_method *m, int ok)
{
    ast_type *r = m->ret;
    int form = sema_form(r);
    ast_type *value = NULL, *err = NULL;
    int mode;
    if (!r)
        return 0;
    if (form == SEMA_B_STATUS)
        err = r->nargs == 1 ? r->args : NULL;
    if (form == SEMA_B_RESULT && r->nargs == 2) {
        value = sema_form(r->args) == SEMA_B_VOID ? NULL : r->args;
        err = r->args->next;
    }
    switch (m->mode_kw) {
    case AST_MODE_ONEWAY:
        if (form != SEMA_B_VOID && form != SEMA_B_STATUS) {
            sema_error(s, r->loc, "'oneway' methods must return 'void' or 'status'");
            return 0;
        }
        mode = form == SEMA_B_VOID ? ALR_RET_ONEWAY : ALR_RET_ONEWAY_STATUS;
        break;
    case AST_MODE_ASYNC:
        if (form == SEMA_B_STATUS || form == SEMA_B_RESULT) {
            sema_error(s, r->loc, "'async' methods must return a value or 'void'");
            return 0;
        }
        mode = ALR_RET_ASYNC;
        value = form == SEMA_B_VOID ? NULL : r;
        break;
    case AST_MODE_ASYNCREF:
        if (form == SEMA_B_VOID || form == SEMA_B_STATUS || form == SEMA_B_RESULT) {
            sema_error(s, r->loc, "'asyncref' methods must return a value");
            return 0;
        }
        mode = ALR_RET_ASYNCREF;
        value = r;
        break;
    default:
        mode = form == SEMA_B_VOID     ? ALR_RET_VOID
               : form == SEMA_B_STATUS ? ALR_RET_STATUS
               : form == SEMA_B_RESULT ? ALR_RET_RESULT
                                       : ALR_RET_VALUE;
        if (mode == ALR_RET_VALUE)
            value = r;
        break;
    }
    m->mode = mode;
    if (!ok)
        return 0;
    m->value_type = value;
    m->err_type = err;
    return 1;
}

static void sema_service(sema *s, ast_decl *d)
{
    static const char *const kw[] = {"", "oneway", "async", "asyncref"};
    const ast_method *ctor = NULL;
    for (ast_method *m = d->methods; m; m = m->next) {
        const ast_annot *first[SEMA_A_COUNT];
        int known;
        sema_annots(s, m->annots, SEMA_AT_METHOD, first);
        m->value_type = m->err_type = NULL;
        if (m->is_ctor) {
            if (ctor) {
                sema_error(s, m->loc, "service '%s' has more than one constructor", d->qname);
                sema_note(s, ctor->loc, "previous definition is here");
            } else {
                ctor = m;
            }
            if (m->is_static)
                sema_error(s, m->loc, "a constructor cannot be 'static'");
            if (m->mode_kw > AST_MODE_PLAIN && m->mode_kw <= AST_MODE_ASYNCREF)
                sema_error(s, m->loc, "a constructor cannot be '%s'", kw[m->mode_kw]);
            m->mode = ALR_RET_VOID;
            known = 1;
        } else {
            int ok = sema_type(s, d, m->ret, SEMA_POS_RET, 0);
            known = sema_mode(s, m, ok);
            sema_keyword(s, m->name, m->loc);
            ast_method *prev = sema_tab_put(s, &s->names, m->name, 0, d, m);
            if (prev) {
                sema_error(s, m->loc, "duplicate method '%s'", m->name);
                sema_note(s, prev->loc, "previous definition is here");
            }
        }
        sema_doc(s, m->doc, m->loc);
        for (ast_member *p = m->params; p; p = p->next)
            sema_member(s, d, m, p, SEMA_AT_PARAM, "parameter");
        sema_annots_typed(s, first, m->value_type, known);
    }
}

static void sema_decl(sema *s, ast_decl *d)
{
    ast_decl *prev = sema_tab_get(&s->decls, d->qname, 0, NULL);
    if (prev && prev != d) {
        sema_error(s, d->loc, "redefinition of '%s'", d->qname);
        sema_note(s, prev->loc, "previous definition is here");
    }
    int kind;
    if (sema_builtin(d->name, &kind) != SEMA_B_NONE)
        sema_error(s, d->loc, "'%s' is a built-in type name", d->name);
    else
        sema_keyword(s, d->name, d->loc);
    if (strlen(d->qname) > ALR_MAX_NAME_LEN)
        sema_error(s, d->loc, "qualified name '%s' is longer than %u bytes", d->qname,
                   ALR_MAX_NAME_LEN);
    sema_doc(s, d->doc, d->loc);
    const ast_annot *first[SEMA_A_COUNT];
    sema_annots(s, d->annots, d->kind == AST_DECL_SERVICE ? SEMA_AT_SERVICE : SEMA_AT_DECL, first);
    switch (d->kind) {
    case AST_DECL_STRUCT:
        sema_struct(s, d);
        break;
    case AST_DECL_ENUM:
    case AST_DECL_FLAGS:
        sema_enum(s, d);
        break;
    case AST_DECL_SERVICE:
        sema_service(s, d);
        break;
    }
}

static void sema_file(sema *s, ast_file *f)
{
    if (f->pkg)
        sema_package(s, f->pkg, f->pkg_loc);
    const char *last = f->pkg;
    int said = 0;
    for (ast_decl *d = f->decls; d; d = d->next) {
        if (!d->pkg || !d->pkg[0]) {
            if (!said)
                sema_error(s, d->loc, "declaration before any package statement");
            said = 1;
        } else if (!last || strcmp(d->pkg, last) != 0) {
            /* a later package statement of a multi-package file */
            sema_package(s, d->pkg, d->loc);
            last = d->pkg;
        }
        sema_decl(s, d);
    }
}

/* ------------------------------------------------------------ recursion */

/* The struct a field contains by value (directly or through arrays). */
static ast_decl *sema_by_value(const ast_type *t)
{
    while (t && t->kind == ALR_K_ARRAY)
        t = t->args;
    return t && t->kind == ALR_K_STRUCT ? t->decl : NULL;
}

typedef struct sema_frame {
    ast_decl *decl;
    ast_member *cur;  /* the field being followed */
    ast_member *next; /* the next field to follow */
} sema_frame;

static void sema_report_cycle(sema *s, const sema_frame *fr, uint32_t from, uint32_t top)
{
    sema_sb b = {s, NULL, 0, 0};
    for (uint32_t i = from; i < top; i++) {
        sema_sb_puts(&b, fr[i].decl->qname);
        sema_sb_puts(&b, ".");
        sema_sb_puts(&b, fr[i].cur->name);
        sema_sb_puts(&b, " -> ");
    }
    sema_sb_puts(&b, fr[from].decl->qname);
    sema_error(s, fr[from].cur->type->loc,
               "struct '%s' contains itself by value (%s); use optional<> or list<>",
               fr[from].decl->qname, sema_sb_str(&b));
}

/* Depth-first search over by-value struct edges (explicit stack: a chain of
 * thousands of structs must not exhaust the C stack).  mark: 0 unvisited,
 * 1 on the stack, 2 done. */
static void sema_recursion(sema *s)
{
    uint32_t nstructs = 0;
    for (ast_file *f = s->ctx->files; f; f = f->next)
        for (ast_decl *d = f->decls; d; d = d->next)
            if (d->kind == AST_DECL_STRUCT) {
                d->mark = 0;
                nstructs++;
            }
    if (!nstructs)
        return;
    sema_frame *fr = sema_alloc(s, (size_t)nstructs * sizeof *fr);
    if (!fr)
        return;
    for (ast_file *f = s->ctx->files; f; f = f->next)
        for (ast_decl *root = f->decls; root; root = root->next) {
            if (root->kind != AST_DECL_STRUCT || root->mark)
                continue;
            uint32_t top = 0;
            fr[top++] = (sema_frame){root, NULL, root->fields};
            root->mark = 1;
            while (top) {
                sema_frame *t = &fr[top - 1];
                if (!t->next) {
                    t->decl->mark = 2;
                    top--;
                    continue;
                }
                t->cur = t->next;
                t->next = t->next->next;
                ast_decl *to = sema_by_value(t->cur->type);
                if (!to || to->kind != AST_DECL_STRUCT || to->mark == 2)
                    continue;
                if (to->mark == 1) {
                    uint32_t i = 0;
                    while (fr[i].decl != to)
                        i++;
                    sema_report_cycle(s, fr, i, top);
                    continue;
                }
                to->mark = 1;
                fr[top++] = (sema_frame){to, NULL, to->fields};
            }
        }
}

/* ------------------------------------------------------------ entry */

int sema_check(ast_ctx *ctx)
{
    sema s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.d = ctx->diag;
    /* pass 1: every declaration, and the value names defaults may use */
    for (ast_file *f = ctx->files; f; f = f->next)
        for (ast_decl *d = f->decls; d; d = d->next) {
            sema_tab_put(&s, &s.decls, d->qname, 0, NULL, d);
            if (d->kind == AST_DECL_ENUM || d->kind == AST_DECL_FLAGS)
                for (ast_enumval *v = d->values; v; v = v->next)
                    sema_tab_put(&s, &s.names, v->name, 0, d, v);
        }
    /* pass 2: each file in load order, each declaration in source order */
    for (ast_file *f = ctx->files; f; f = f->next)
        sema_file(&s, f);
    /* the root's package names the blob: a file without one cannot be compiled
     * (with declarations, "declaration before any package statement" said it) */
    if (ctx->root && !ctx->root->pkg && !ctx->root->decls)
        sema_error(&s, (ast_loc){ctx->root->diag_file, 1, 1}, "missing package statement");
    /* pass 3: structs containing themselves */
    sema_recursion(&s);
    if (ctx->oom && !s.errors)
        s.errors = 1;
    return s.errors;
}
