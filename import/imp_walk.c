/*
 * imp_walk.c - turns the annotated declarations of a parsed header into the
 * common AST through the same ast_* builders as the .alr grammar, and
 * records clang's layout facts (imp_facts.h).  Pass 1 collects packages,
 * structs, enums, services and functions in source order; pass 2 builds
 * each file's declarations.  Anything the wire cannot carry is an error at
 * its declaration naming the annotation that would fix it (spec/annotations.md).
 */
#include "imp_clang.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imp_text.h"
#include "schema_ir.h"

/* ------------------------------------------------------------ annotation keys */

enum {
    K_PACKAGE,
    K_STRUCT,
    K_ENUM,
    K_FLAGS,
    K_SERVICE,
    K_NAME,
    K_PREFIX,
    K_STATIC,
    K_METHOD,
    K_CTOR,
    K_ONEWAY,
    K_ASYNC,
    K_ASYNCREF,
    K_STATUS,
    K_RESULT,
    K_OUT,
    K_LIST,
    K_SET,
    K_BYTES,
    K_MAP,
    K_OPTIONAL,
    K_STRING,
    K_DEFAULT,
    K_COUNT
};

/* Where an annotation may appear. */
enum {
    P_MARKER = 1, /* the typedef ALR_PACKAGE expands to */
    P_STRUCT = 2,
    P_ENUM = 4,
    P_ENUMVAL = 8,
    P_FIELD = 16,
    P_PARAM = 32,
    P_FUNC = 64,
    P_SERVICE = 128 /* a struct declaration carrying ALR_SERVICE */
};

static const struct {
    const char *key;
    int arg; /* takes "=value" */
    const char *macro;
    unsigned places;
    const char *where; /* for "X is not allowed here: it goes on ..." */
} imp_keys[K_COUNT] = {
    [K_PACKAGE] = {"package", 1, "ALR_PACKAGE", P_MARKER,
                   "file level, as `ALR_PACKAGE(\"name\");`"},
    [K_STRUCT] = {"struct", 0, "ALR_STRUCT", P_STRUCT | P_SERVICE, "a struct definition"},
    [K_ENUM] = {"enum", 0, "ALR_ENUM", P_ENUM, "an enum definition"},
    [K_FLAGS] = {"flags", 0, "ALR_FLAGS", P_ENUM, "an enum definition"},
    [K_SERVICE] = {"service", 0, "ALR_SERVICE", P_STRUCT | P_SERVICE,
                   "a struct declaration (the service's handle)"},
    [K_NAME] = {"name", 1, "ALR_NAME",
                P_STRUCT | P_ENUM | P_ENUMVAL | P_FIELD | P_PARAM | P_FUNC | P_SERVICE,
                "a struct, enum, enumerator, service, field, parameter or method"},
    [K_PREFIX] = {"prefix", 1, "ALR_PREFIX", P_ENUM | P_SERVICE, "an enum or a service"},
    [K_STATIC] = {"static", 1, "ALR_STATIC", P_FUNC, "a function prototype"},
    [K_METHOD] = {"method", 1, "ALR_METHOD", P_FUNC, "a function prototype"},
    [K_CTOR] = {"ctor", 1, "ALR_CTOR", P_FUNC, "a function prototype"},
    [K_ONEWAY] = {"oneway", 0, "ALR_ONEWAY", P_FUNC, "a method"},
    [K_ASYNC] = {"async", 0, "ALR_ASYNC", P_FUNC, "a method"},
    [K_ASYNCREF] = {"asyncref", 0, "ALR_ASYNCREF", P_FUNC, "a method"},
    [K_STATUS] = {"status", 0, "ALR_STATUS", P_FUNC, "a method"},
    [K_RESULT] = {"result", 0, "ALR_RESULT", P_FUNC, "a method"},
    [K_OUT] = {"out", 0, "ALR_OUT", P_PARAM, "a parameter"},
    [K_LIST] = {"list", 1, "ALR_LIST", P_FIELD | P_PARAM, "a pointer field or parameter"},
    [K_SET] = {"set", 1, "ALR_SET", P_FIELD | P_PARAM, "a pointer field or parameter"},
    [K_BYTES] = {"bytes", 1, "ALR_BYTES", P_FIELD | P_PARAM, "a pointer field or parameter"},
    [K_MAP] = {"map", 1, "ALR_MAP", P_FIELD | P_PARAM, "a pointer field or parameter"},
    [K_OPTIONAL] = {"optional", 0, "ALR_OPTIONAL", P_FIELD | P_PARAM | P_FUNC,
                    "a pointer field, parameter or return value"},
    [K_STRING] = {"string", 0, "ALR_STRING", P_FIELD | P_PARAM | P_FUNC, "a char pointer"},
    [K_DEFAULT] = {"default", 1, "ALR_DEFAULT", P_FIELD | P_PARAM, "a field or parameter"},
};

typedef struct imp_attrs {
    const char *arg[K_COUNT]; /* NULL = absent; "" for markers without argument */
    ast_loc at[K_COUNT];
    ast_annot *annots; /* the .alr annotations, in source order */
    int any;           /* any alr: attribute at all */
    int alr_annots;    /* how many of them are .alr annotations */
} imp_attrs;

/* ------------------------------------------------------------ items (pass 1) */

enum { IK_PACKAGE, IK_STRUCT, IK_ENUM, IK_FLAGS, IK_SERVICE, IK_FUNC };

typedef struct imp_item {
    int kind;
    CXCursor cur;
    CXCursor canon;
    uint32_t file;     /* st->files index */
    const char *pkg;   /* package in force; NULL when none (reported) */
    const char *cname; /* C name: tag, typedef name of an anonymous one, function */
    const char *name;  /* ALR name */
    const char *qname;
    const char *c_type;
    const char *doc;
    imp_attrs a;
    ast_loc loc;
    int bad;
    int32_t svc;         /* IK_FUNC: item index of its service */
    const char **ev_c;   /* IK_ENUM/IK_FLAGS: C enumerator names ... */
    const char **ev_alr; /* ... and their ALR names (NULL when bad) */
    uint32_t nev;
} imp_item;

typedef struct imp_w {
    imp_state *st;
    ast_ctx *ctx;
    imp_item *items;
    uint32_t nitems, cap;
    imp_item *mapped_enum; /* the enum/flags item the last mapped type names */
    imp_facts *facts;
    uint32_t cap_structs, cap_enums, cap_services, cap_methods;
} imp_w;

/* A member of a struct or a parameter of a function, being mapped. */
typedef struct imp_mem {
    CXCursor cur;
    CXType type;
    const char *cname;
    const char *what; /* "field 'x'" / "parameter 'x' of 'f'" */
    imp_attrs a;
    ast_loc loc;
    int role; /* 0: an ALR element; else IMP_REPR_LEN, _MAP_VALS, _HANDLE, _OUT */
    int32_t partner, partner2;
    int is_out; /* the value is behind one more pointer (ALR_OUT and its partners) */
} imp_mem;

#define IMP_ROLE_ELEMENT 0
#define IMP_ROLE_LEN 1
#define IMP_ROLE_MAPVALS 2
#define IMP_ROLE_RECEIVER 3

/* ------------------------------------------------------------ small helpers */

static const char *imp_fmt(imp_w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *imp_fmt(imp_w *w, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ast_strndup(w->ctx, buf, strlen(buf));
}

static const char *imp_spelling(imp_w *w, CXCursor c)
{
    return imp_cxstr(w->st, clang_getCursorSpelling(c));
}

static const char *imp_type_str(imp_w *w, CXType t)
{
    return imp_cxstr(w->st, clang_getTypeSpelling(t));
}

static CXType imp_canon(CXType t)
{
    return clang_getCanonicalType(t);
}

static int imp_is_plain_char(CXType t)
{
    return t.kind == CXType_Char_S || t.kind == CXType_Char_U;
}

static int imp_is_integer(CXType t)
{
    switch (t.kind) {
    case CXType_SChar:
    case CXType_UChar:
    case CXType_Short:
    case CXType_UShort:
    case CXType_Int:
    case CXType_UInt:
    case CXType_Long:
    case CXType_ULong:
    case CXType_LongLong:
    case CXType_ULongLong:
        return 1;
    default:
        return 0;
    }
}

/* clang attaches a comment to the next declaration when only characters
 * other than ;{}#@ separate them, so "/// doc a\n a,\n b," documents b too.
 * An enumerator's doc must be right before it (only whitespace between) or
 * trail it. */
static int imp_doc_adjacent(imp_w *w, CXCursor c)
{
    CXSourceRange r = clang_Cursor_getCommentRange(c);
    CXFile fc = NULL, fd = NULL;
    unsigned l, col, cend, cstart, at;
    clang_getExpansionLocation(clang_getRangeStart(r), &fc, &l, &col, &cstart);
    clang_getExpansionLocation(clang_getRangeEnd(r), &fc, &l, &col, &cend);
    clang_getExpansionLocation(clang_getCursorLocation(c), &fd, &l, &col, &at);
    if (!fc || !fd || !clang_File_isEqual(fc, fd))
        return 0;
    if (cstart > at)
        return 1; /* a trailing comment */
    uint32_t fi = imp_file_index(w->st, fd);
    if (fi == UINT32_MAX)
        return 0;
    const diag_file *df = &w->st->d->files[w->st->files[fi].diag];
    if (!df->text || at > df->len || cend > at)
        return 0;
    for (unsigned i = cend; i < at; i++)
        if (!strchr(" \t\r\n\f\v", df->text[i]))
            return 0;
    return 1;
}

static const char *imp_doc(imp_w *w, CXCursor c, ast_loc loc)
{
    if (clang_getCursorKind(c) == CXCursor_EnumConstantDecl && !imp_doc_adjacent(w, c))
        return NULL;
    CXString raw = clang_Cursor_getRawCommentText(c);
    const char *r = clang_getCString(raw);
    const char *doc = r && *r ? imp_text_doc(w->ctx, r) : NULL;
    clang_disposeString(raw);
    if (!doc)
        return NULL;
    size_t n = strlen(doc);
    if (n > 65535) {
        imp_error(w->st, loc, "doc comment too long (max 65535 bytes)");
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t k = alri_utf8_seq((const unsigned char *)doc + i, n - i);
        if (!k) {
            imp_error(w->st, loc, "invalid UTF-8 in doc comment");
            return NULL;
        }
        i += k;
    }
    return doc;
}

/* ------------------------------------------------------------ attributes */

typedef struct imp_attr_walk {
    imp_w *w;
    imp_attrs *a;
    unsigned place; /* 0: a variable, where nothing belongs */
    int quiet;      /* collect only, report nothing */
} imp_attr_walk;

static void imp_attr_one(imp_attr_walk *aw, const char *text, ast_loc loc)
{
    imp_w *w = aw->w;
    imp_attrs *a = aw->a;
    a->any = 1;
    if (aw->quiet) {
        const char *eq = strchr(text, '=');
        size_t kl = eq ? (size_t)(eq - text) : strlen(text);
        for (int i = 0; i < K_COUNT; i++)
            if (strlen(imp_keys[i].key) == kl && memcmp(imp_keys[i].key, text, kl) == 0)
                a->arg[i] = "";
        return;
    }
    if (aw->place == 0) {
        imp_error(w->st, loc,
                  "ALR annotation 'alr:%s' on a variable: ALR annotations go on "
                  "structs, enums, service handles, functions and their members",
                  text);
        return;
    }
    if (text[0] == '@') {
        a->alr_annots++;
        if (aw->place == P_MARKER) {
            imp_error(w->st, loc,
                      "ALR annotation '%s' on the ALR_PACKAGE marker: annotations go on "
                      "declarations",
                      text);
            return;
        }
        char err[200];
        ast_annot *an = imp_text_annot(w->ctx, text, loc, err, sizeof err);
        if (!an) {
            if (!w->ctx->oom)
                imp_error(w->st, loc, "malformed ALR annotation '%s': %s", text, err);
            return;
        }
        a->annots = ast_annot_append(a->annots, an);
        return;
    }
    const char *eq = strchr(text, '=');
    size_t kl = eq ? (size_t)(eq - text) : strlen(text);
    int k = -1;
    for (int i = 0; i < K_COUNT; i++)
        if (strlen(imp_keys[i].key) == kl && memcmp(imp_keys[i].key, text, kl) == 0)
            k = i;
    if (k < 0 || (imp_keys[k].arg != (eq != NULL))) {
        imp_error(w->st, loc,
                  "unknown ALR annotation 'alr:%s' (is alr/annotate.h from another "
                  "version of ALR?)",
                  text);
        return;
    }
    if (!(imp_keys[k].places & aw->place)) {
        imp_error(w->st, loc, "%s is not allowed here: it goes on %s", imp_keys[k].macro,
                  imp_keys[k].where);
        return;
    }
    if (a->arg[k]) {
        imp_error(w->st, loc, "%s given twice", imp_keys[k].macro);
        return;
    }
    a->arg[k] = eq ? ast_strndup(w->ctx, eq + 1, strlen(eq + 1)) : "";
    a->at[k] = loc;
}

static enum CXChildVisitResult imp_attr_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_attr_walk *aw = data;
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_AnnotateAttr)
        return CXChildVisit_Continue;
    CXString s = clang_getCursorSpelling(c);
    const char *t = clang_getCString(s);
    if (t && strncmp(t, "alr:", 4) == 0)
        imp_attr_one(aw, t + 4, imp_cursor_loc(aw->w->st, c));
    clang_disposeString(s);
    return CXChildVisit_Continue;
}

/* Collects the alr: attributes of c, checking they belong at place. */
static void imp_attrs_get(imp_w *w, CXCursor c, unsigned place, imp_attrs *a)
{
    memset(a, 0, sizeof *a);
    if (!clang_Cursor_hasAttrs(c))
        return;
    imp_attr_walk aw = {w, a, place, 0};
    clang_visitChildren(c, imp_attr_visit, &aw);
}

/* Which alr: markers c carries, without checking or reporting anything
 * (a redeclaration inherits its attributes: they are checked once). */
static void imp_attrs_peek(imp_w *w, CXCursor c, imp_attrs *a)
{
    memset(a, 0, sizeof *a);
    if (!clang_Cursor_hasAttrs(c))
        return;
    imp_attr_walk aw = {w, a, 0, 1};
    clang_visitChildren(c, imp_attr_visit, &aw);
}

/* Reports every attribute of a that is not a .alr annotation and not in
 * `allowed` (a bit set over K_*), with `why` as the reason. */
static void imp_attrs_only(imp_w *w, const imp_attrs *a, unsigned long allowed, const char *why)
{
    for (int k = 0; k < K_COUNT; k++)
        if (a->arg[k] && !(allowed & (1ul << k)))
            imp_error(w->st, a->at[k], "%s is not allowed %s", imp_keys[k].macro, why);
}

/* ------------------------------------------------------------ item table */

static imp_item *imp_item_new(imp_w *w, int kind, CXCursor c)
{
    if (w->nitems == w->cap) {
        uint32_t ncap = w->cap ? w->cap * 2 : 32;
        imp_item *ni = realloc(w->items, ncap * sizeof *ni);
        if (!ni) {
            w->ctx->oom = 1;
            return NULL;
        }
        w->items = ni;
        w->cap = ncap;
    }
    imp_item *it = &w->items[w->nitems++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->cur = c;
    it->canon = clang_getCanonicalCursor(c);
    it->svc = -1;
    return it;
}

/* The item of the declaration c (any redeclaration of it), or NULL. */
static imp_item *imp_item_find(imp_w *w, CXCursor c, int kind)
{
    CXCursor k = clang_getCanonicalCursor(c);
    for (uint32_t i = 0; i < w->nitems; i++)
        if ((kind < 0 || w->items[i].kind == kind ||
             (kind == IK_ENUM && w->items[i].kind == IK_FLAGS)) &&
            clang_equalCursors(w->items[i].canon, k))
            return &w->items[i];
    return NULL;
}

/* The service item whose handle is the record type t (canonical), or NULL. */
static imp_item *imp_handle_item(imp_w *w, CXType t)
{
    if (t.kind != CXType_Record)
        return NULL;
    return imp_item_find(w, clang_getTypeDeclaration(t), IK_SERVICE);
}

/* The ALR struct/enum item a record/enum type t (canonical) names, or NULL. */
static imp_item *imp_decl_item(imp_w *w, CXType t, int kind)
{
    return imp_item_find(w, clang_getTypeDeclaration(t), kind);
}

/* ------------------------------------------------------------ pass 1 */

static const char *imp_qname(imp_w *w, const char *pkg, const char *name)
{
    return imp_fmt(w, "%s.%s", pkg, name);
}

/* The file and package of a declaration; reports a missing package. */
static void imp_item_place(imp_w *w, imp_item *it, const char *what)
{
    imp_state *st = w->st;
    CXFile f = NULL;
    unsigned line, col, off;
    clang_getExpansionLocation(clang_getCursorLocation(it->cur), &f, &line, &col, &off);
    it->file = imp_file_index(st, f);
    it->loc = imp_cursor_loc(st, it->cur);
    if (it->file == UINT32_MAX) {
        it->bad = 1;
        return;
    }
    if (it->kind != IK_FUNC)
        st->files[it->file].used = 1;
    it->pkg = st->files[it->file].pkg;
    if (!it->pkg && it->kind != IK_FUNC) {
        imp_error(st, it->loc,
                  "%s '%s' comes before any ALR_PACKAGE in its file: add "
                  "ALR_PACKAGE(\"name\"); above it",
                  what, it->cname);
        it->bad = 1;
    }
}

static void imp_item_name(imp_w *w, imp_item *it)
{
    it->name = it->a.arg[K_NAME] ? it->a.arg[K_NAME] : it->cname;
    if (it->a.arg[K_NAME] && !imp_text_is_ident(it->name)) {
        imp_error(w->st, it->a.at[K_NAME], "ALR_NAME(%s): not an identifier", it->name);
        it->bad = 1;
    }
    if (it->pkg && it->name && it->name[0])
        it->qname = imp_qname(w, it->pkg, it->name);
}

/* Enumerator names of an enum item (prefix stripped or ALR_NAME). */
typedef struct imp_ev_walk {
    imp_w *w;
    imp_item *it;
    uint32_t cap;
} imp_ev_walk;

static enum CXChildVisitResult imp_ev_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_ev_walk *ew = data;
    imp_w *w = ew->w;
    imp_item *it = ew->it;
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
        return CXChildVisit_Continue;
    if (it->nev == ew->cap) {
        uint32_t ncap = ew->cap ? ew->cap * 2 : 16;
        const char **nc =
            alri_arena_realloc(&w->ctx->arena, it->ev_c, ew->cap * sizeof *nc, ncap * sizeof *nc);
        const char **na =
            alri_arena_realloc(&w->ctx->arena, it->ev_alr, ew->cap * sizeof *na, ncap * sizeof *na);
        if (!nc || !na) {
            w->ctx->oom = 1;
            return CXChildVisit_Break;
        }
        it->ev_c = nc;
        it->ev_alr = na;
        ew->cap = ncap;
    }
    imp_attrs a;
    imp_attrs_get(w, c, P_ENUMVAL, &a);
    const char *cn = imp_spelling(w, c);
    const char *an = cn;
    const char *prefix = it->a.arg[K_PREFIX];
    ast_loc loc = imp_cursor_loc(w->st, c);
    if (a.arg[K_NAME]) {
        an = a.arg[K_NAME];
        if (!imp_text_is_ident(an)) {
            imp_error(w->st, a.at[K_NAME], "ALR_NAME(%s): not an identifier", an);
            an = NULL;
        }
    } else if (prefix && cn) {
        size_t pl = strlen(prefix);
        if (strncmp(cn, prefix, pl) != 0) {
            imp_error(w->st, loc,
                      "enumerator '%s' does not start with '%s', the ALR_PREFIX of "
                      "enum '%s': rename it or give it ALR_NAME(name)",
                      cn, prefix, it->cname);
            an = NULL;
        } else if (!imp_text_is_ident(cn + pl)) {
            imp_error(w->st, loc,
                      "enumerator '%s' minus the prefix '%s' is not an identifier: "
                      "give it ALR_NAME(name)",
                      cn, prefix);
            an = NULL;
        } else {
            an = cn + pl;
        }
    }
    it->ev_c[it->nev] = cn;
    it->ev_alr[it->nev] = an;
    it->nev++;
    return CXChildVisit_Continue;
}

static void imp_collect_record(imp_w *w, CXCursor c, int is_union)
{
    imp_attrs a;
    imp_attrs_peek(w, c, &a);
    if (!a.any)
        return;
    if (a.arg[K_SERVICE]) {
        /* every redeclaration inherits the attribute: the first one counts */
        if (imp_item_find(w, c, IK_SERVICE))
            return;
        imp_attrs_get(w, c, P_STRUCT | P_SERVICE, &a);
        if (is_union || a.arg[K_STRUCT]) {
            imp_error(w->st, a.at[K_SERVICE],
                      "ALR_SERVICE goes on a struct declaration of its "
                      "own (the opaque handle), without ALR_STRUCT");
            return;
        }
        imp_item *it = imp_item_new(w, IK_SERVICE, c);
        if (!it)
            return;
        it->a = a;
        it->cname = imp_spelling(w, c);
        it->c_type = imp_type_str(w, clang_getCursorType(c));
        imp_item_place(w, it, "service");
        imp_item_name(w, it);
        it->doc = imp_doc(w, c, it->loc);
        return;
    }
    if (!clang_isCursorDefinition(c) || imp_item_find(w, c, IK_STRUCT))
        return; /* a declaration: the definition is checked */
    imp_attrs_get(w, c, P_STRUCT | P_SERVICE, &a);
    if (is_union) {
        imp_error(w->st, a.arg[K_STRUCT] ? a.at[K_STRUCT] : imp_cursor_loc(w->st, c),
                  "union '%s' cannot travel: ALR has no unions; use an ALR_STRUCT with one "
                  "ALR_OPTIONAL pointer member per alternative",
                  imp_spelling(w, c));
        return;
    }
    if (!a.arg[K_STRUCT]) {
        if (a.arg[K_NAME] || a.alr_annots) {
            imp_error(w->st, a.arg[K_NAME] ? a.at[K_NAME] : imp_cursor_loc(w->st, c),
                      "struct '%s' has ALR annotations but neither ALR_STRUCT nor ALR_SERVICE",
                      imp_spelling(w, c));
        }
        return;
    }
    imp_attrs_only(w, &a, 1ul << K_STRUCT | 1ul << K_NAME, "on a struct");
    imp_item *it = imp_item_new(w, IK_STRUCT, c);
    if (!it)
        return;
    it->a = a;
    it->cname = imp_spelling(w, c);
    it->c_type = imp_type_str(w, clang_getCursorType(c));
    imp_item_place(w, it, "struct");
    imp_item_name(w, it);
    it->doc = imp_doc(w, c, it->loc);
}

static void imp_collect_enum(imp_w *w, CXCursor c)
{
    imp_attrs a;
    imp_attrs_peek(w, c, &a);
    if (!a.any || !clang_isCursorDefinition(c) || imp_item_find(w, c, IK_ENUM))
        return;
    imp_attrs_get(w, c, P_ENUM, &a);
    if (!a.arg[K_ENUM] && !a.arg[K_FLAGS]) {
        imp_error(w->st, imp_cursor_loc(w->st, c),
                  "enum '%s' has ALR annotations but neither ALR_ENUM nor ALR_FLAGS",
                  imp_spelling(w, c));
        return;
    }
    if (a.arg[K_ENUM] && a.arg[K_FLAGS]) {
        imp_error(w->st, a.at[K_FLAGS], "ALR_ENUM and ALR_FLAGS exclude each other");
        return;
    }
    imp_item *it = imp_item_new(w, a.arg[K_FLAGS] ? IK_FLAGS : IK_ENUM, c);
    if (!it)
        return;
    it->a = a;
    it->cname = imp_spelling(w, c);
    it->c_type = imp_type_str(w, clang_getCursorType(c));
    imp_item_place(w, it, it->kind == IK_FLAGS ? "flags" : "enum");
    imp_item_name(w, it);
    it->doc = imp_doc(w, c, it->loc);
    imp_ev_walk ew = {w, it, 0};
    clang_visitChildren(c, imp_ev_visit, &ew);
}

static void imp_collect_function(imp_w *w, CXCursor c)
{
    imp_attrs a;
    imp_attrs_peek(w, c, &a);
    if (!a.any || imp_item_find(w, c, IK_FUNC))
        return;
    imp_attrs_get(w, c, P_FUNC, &a);
    int kinds = !!a.arg[K_STATIC] + !!a.arg[K_METHOD] + !!a.arg[K_CTOR];
    if (kinds == 0) {
        imp_error(w->st, imp_cursor_loc(w->st, c),
                  "function '%s' has ALR annotations but no ALR_STATIC(service), "
                  "ALR_METHOD(service) or ALR_CTOR(service)",
                  imp_spelling(w, c));
        return;
    }
    if (kinds > 1) {
        int k = a.arg[K_CTOR] ? K_CTOR : K_METHOD;
        imp_error(w->st, a.at[k], "ALR_STATIC, ALR_METHOD and ALR_CTOR exclude each other");
        return;
    }
    imp_item *it = imp_item_new(w, IK_FUNC, c);
    if (!it)
        return;
    it->a = a;
    it->cname = imp_spelling(w, c);
    imp_item_place(w, it, "function");
    it->doc = imp_doc(w, c, it->loc);
}

/* 1 when inner's location lies within outer's extent (same declaration). */
static int imp_encloses(CXCursor outer, CXCursor inner)
{
    CXSourceRange r = clang_getCursorExtent(outer);
    CXFile f0, f1, f2;
    unsigned l, col, o0, o1, o2;
    clang_getExpansionLocation(clang_getRangeStart(r), &f0, &l, &col, &o0);
    clang_getExpansionLocation(clang_getRangeEnd(r), &f1, &l, &col, &o1);
    clang_getExpansionLocation(clang_getCursorLocation(inner), &f2, &l, &col, &o2);
    return f0 && f2 && clang_File_isEqual(f0, f2) && o2 >= o0 && o2 <= o1;
}

static void imp_collect_typedef(imp_w *w, CXCursor c)
{
    imp_attrs a;
    imp_attrs_get(w, c, P_MARKER, &a);
    if (a.arg[K_PACKAGE]) {
        const char *pkg = a.arg[K_PACKAGE];
        if (!imp_text_is_qname(pkg)) {
            imp_error(w->st, a.at[K_PACKAGE],
                      "ALR_PACKAGE(\"%s\"): not a package name "
                      "(identifiers joined by '.')",
                      pkg);
            return;
        }
        CXFile f = NULL;
        unsigned line, col, off;
        clang_getExpansionLocation(clang_getCursorLocation(c), &f, &line, &col, &off);
        uint32_t fi = imp_file_index(w->st, f);
        if (fi == UINT32_MAX)
            return;
        w->st->files[fi].pkg = pkg;
        w->st->files[fi].used = 1;
        imp_item *it = imp_item_new(w, IK_PACKAGE, c);
        if (!it)
            return;
        it->file = fi;
        it->pkg = pkg;
        it->loc = a.at[K_PACKAGE];
        return;
    }
    /* typedef struct { ... } Name; names an anonymous struct or enum, and
     * its doc comment may be attached to the typedef */
    CXType u = imp_canon(clang_getTypedefDeclUnderlyingType(c));
    if (u.kind == CXType_Record || u.kind == CXType_Enum) {
        imp_item *it = imp_item_find(w, clang_getTypeDeclaration(u), -1);
        if (it && !it->doc && imp_encloses(c, it->cur))
            it->doc = imp_doc(w, c, it->loc);
        if (it && (!it->cname || !it->cname[0])) {
            it->cname = imp_spelling(w, c);
            it->c_type = it->cname;
            if (!it->doc)
                it->doc = imp_doc(w, c, it->loc);
            if (!it->a.arg[K_NAME]) {
                it->name = it->cname;
                if (it->pkg)
                    it->qname = imp_qname(w, it->pkg, it->name);
            }
        }
    }
}

static enum CXChildVisitResult imp_collect_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_w *w = data;
    (void)parent;
    if (w->ctx->oom)
        return CXChildVisit_Break;
    CXSourceLocation l = clang_getCursorLocation(c);
    if (clang_Location_isInSystemHeader(l))
        return CXChildVisit_Continue;
    switch (clang_getCursorKind(c)) {
    case CXCursor_LinkageSpec:
    case CXCursor_UnexposedDecl:
        return CXChildVisit_Recurse; /* extern "C" { ... } when parsed as C++ */
    case CXCursor_StructDecl:
        imp_collect_record(w, c, 0);
        break;
    case CXCursor_UnionDecl:
        imp_collect_record(w, c, 1);
        break;
    case CXCursor_EnumDecl:
        imp_collect_enum(w, c);
        break;
    case CXCursor_FunctionDecl:
        imp_collect_function(w, c);
        break;
    case CXCursor_TypedefDecl:
        imp_collect_typedef(w, c);
        break;
    case CXCursor_VarDecl: {
        imp_attrs a;
        imp_attrs_get(w, c, 0, &a);
        (void)a; /* every alr: attribute was reported as misplaced */
        break;
    }
    default:
        break;
    }
    return CXChildVisit_Continue;
}

/* ------------------------------------------------------------ facts */

#define IMP_GROW(w, arr, n, capf)                                                                  \
    do {                                                                                           \
        if ((n) == (w)->capf) {                                                                    \
            uint32_t nc_ = (w)->capf ? (w)->capf * 2 : 8;                                          \
            void *p_ = alri_arena_realloc(&(w)->ctx->arena, (arr), (w)->capf * sizeof *(arr),      \
                                          nc_ * sizeof *(arr));                                    \
            if (!p_) {                                                                             \
                (w)->ctx->oom = 1;                                                                 \
                break;                                                                             \
            }                                                                                      \
            (arr) = p_;                                                                            \
            (w)->capf = nc_;                                                                       \
        }                                                                                          \
    } while (0)

static imp_member_fact *imp_facts_members(imp_w *w, uint32_t n)
{
    imp_member_fact *f = alri_arena_alloc(&w->ctx->arena, (n ? n : 1) * sizeof *f);
    if (!f)
        w->ctx->oom = 1;
    return f;
}

/* ------------------------------------------------------------ type mapping */

static ast_type *imp_named(imp_w *w, const char *name, ast_loc loc)
{
    return ast_type_named(w->ctx, name, loc);
}

static ast_type *imp_generic1(imp_w *w, const char *name, ast_type *arg, ast_loc loc)
{
    return arg ? ast_type_generic(w->ctx, name, arg, loc) : NULL;
}

/* A type in value position: scalar, enum, flags, struct, string (char *),
 * or a service handle pointer (ref<S>).  Reports and returns NULL when t
 * cannot travel; `what` names the element ("field 'x'"). */
static ast_type *imp_elem(imp_w *w, CXType t0, const char *what, ast_loc loc)
{
    CXType t = imp_canon(t0);
    const char *ts = imp_type_str(w, t0);
    switch (t.kind) {
    case CXType_Bool:
        return imp_named(w, "bool", loc);
    case CXType_SChar:
        return imp_named(w, "i8", loc);
    case CXType_UChar:
        return imp_named(w, "u8", loc);
    case CXType_Short:
        return imp_named(w, "i16", loc);
    case CXType_UShort:
        return imp_named(w, "u16", loc);
    case CXType_Int:
        return imp_named(w, "i32", loc);
    case CXType_UInt:
        return imp_named(w, "u32", loc);
    case CXType_Long:
    case CXType_LongLong:
        return imp_named(w, clang_Type_getSizeOf(t) == 4 ? "i32" : "i64", loc);
    case CXType_ULong:
    case CXType_ULongLong:
        return imp_named(w, clang_Type_getSizeOf(t) == 4 ? "u32" : "u64", loc);
    case CXType_Float:
        return imp_named(w, "f32", loc);
    case CXType_Double:
        return imp_named(w, "f64", loc);
    case CXType_Char_S:
    case CXType_Char_U:
        imp_error(w->st, loc,
                  "%s has type '%s': plain char has no ALR meaning; use int8_t or "
                  "uint8_t for a number, or const char * for a string",
                  what, ts);
        return NULL;
    case CXType_LongDouble:
        imp_error(w->st, loc, "%s has type '%s', which cannot travel: use double (f64)", what, ts);
        return NULL;
    case CXType_Int128:
    case CXType_UInt128:
        imp_error(w->st, loc,
                  "%s has type '%s', which cannot travel: ALR integers have at most "
                  "64 bits (int64_t, uint64_t)",
                  what, ts);
        return NULL;
    case CXType_WChar:
    case CXType_Char16:
    case CXType_Char32:
        imp_error(w->st, loc,
                  "%s has type '%s', which cannot travel: ALR strings are UTF-8 "
                  "(const char *)",
                  what, ts);
        return NULL;
    case CXType_Enum: {
        imp_item *it = imp_decl_item(w, t, IK_ENUM);
        if (!it) {
            imp_error(w->st, loc,
                      "%s has type '%s', which is not annotated: add ALR_ENUM (or "
                      "ALR_FLAGS) to the definition of '%s'",
                      what, ts, imp_type_str(w, t));
            return NULL;
        }
        w->mapped_enum = it;
        return it->bad || !it->qname ? NULL : imp_named(w, it->qname, loc);
    }
    case CXType_Record: {
        CXCursor d = clang_getTypeDeclaration(t);
        if (clang_getCursorKind(d) == CXCursor_UnionDecl) {
            CXString us = clang_getCursorSpelling(d);
            const char *un = clang_getCString(us);
            int unnamed = !un || !un[0] || strstr(ts, "(unnamed") || strstr(ts, "(anonymous");
            clang_disposeString(us);
            if (unnamed)
                imp_error(w->st, loc,
                          "%s is an unnamed union, which cannot travel: ALR has no "
                          "unions; use an ALR_STRUCT with one ALR_OPTIONAL pointer "
                          "member per alternative",
                          what);
            else
                imp_error(w->st, loc,
                          "%s has type '%s', a union, which cannot travel: ALR has "
                          "no unions; use an ALR_STRUCT with one ALR_OPTIONAL pointer "
                          "member per alternative",
                          what, ts);
            return NULL;
        }
        imp_item *svc = imp_handle_item(w, t);
        if (svc) {
            imp_error(w->st, loc,
                      "%s has type '%s', the handle of service '%s', by value: a "
                      "handle travels as a pointer ('%s *', a ref<%s>)",
                      what, ts, svc->name, svc->c_type, svc->name);
            return NULL;
        }
        imp_item *it = imp_decl_item(w, t, IK_STRUCT);
        if (!it) {
            imp_error(w->st, loc,
                      "%s has type '%s', which is not annotated: add ALR_STRUCT to "
                      "the definition of '%s'",
                      what, ts, imp_type_str(w, t));
            return NULL;
        }
        return it->bad || !it->qname ? NULL : imp_named(w, it->qname, loc);
    }
    case CXType_Pointer: {
        CXType p = imp_canon(clang_getPointeeType(t));
        if (imp_is_plain_char(p))
            return imp_named(w, "string", loc);
        imp_item *svc = imp_handle_item(w, p);
        if (svc)
            return svc->bad || !svc->qname
                       ? NULL
                       : imp_generic1(w, "ref", imp_named(w, svc->qname, loc), loc);
        if (p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto) {
            imp_error(w->st, loc,
                      "%s is a function pointer ('%s'), which cannot travel: pass a "
                      "service handle instead (a pointer to an ALR_SERVICE struct is "
                      "a ref<S>)",
                      what, ts);
            return NULL;
        }
        imp_error(w->st, loc,
                  "%s is a pointer ('%s') in a place where only strings (char *) "
                  "and service handles can be: wrap it in an ALR_STRUCT",
                  what, ts);
        return NULL;
    }
    case CXType_ConstantArray:
    case CXType_IncompleteArray:
    case CXType_VariableArray:
        imp_error(w->st, loc,
                  "%s is an array ('%s') inside a list, map or array: ALR arrays have "
                  "one dimension; wrap the inner one in an ALR_STRUCT",
                  what, ts);
        return NULL;
    default:
        break;
    }
    if (t.kind == CXType_Complex || t.kind == CXType_Vector || t.kind == CXType_ExtVector ||
        t.kind == CXType_Half || t.kind == CXType_Float16 || t.kind == CXType_Float128 ||
        t.kind == CXType_BFloat16 || t.kind == CXType_Ibm128)
        imp_error(w->st, loc,
                  "%s has type '%s', which cannot travel: use float (f32) or double "
                  "(f64)",
                  what, ts);
    else if (t.kind == CXType_Atomic)
        imp_error(w->st, loc, "%s has type '%s', which cannot travel: drop _Atomic", what, ts);
    else if (t.kind == CXType_Void)
        imp_error(w->st, loc, "%s has type void", what);
    else
        imp_error(w->st, loc, "%s has type '%s', which has no ALR type", what, ts);
    return NULL;
}

/* The member (or ALR_OUT target) type, partner-aware.  ms[i] is the member;
 * f receives its repr.  is_param allows `const T *` for a struct input. */
static ast_type *imp_member_type(imp_w *w, imp_mem *ms, uint32_t i, int is_param,
                                 imp_member_fact *f)
{
    imp_mem *m = &ms[i];
    const imp_attrs *a = &m->a;
    ast_loc loc = m->loc;
    CXType t = imp_canon(m->type);
    f->repr = IMP_REPR_VALUE;
    w->mapped_enum = NULL;
    if (m->is_out) {
        if (t.kind != CXType_Pointer) {
            imp_error(w->st, a->at[K_OUT],
                      "ALR_OUT needs a pointer parameter ('T *%s'): '%s' "
                      "has type '%s'",
                      m->cname, m->cname, imp_type_str(w, m->type));
            return NULL;
        }
        t = imp_canon(clang_getPointeeType(t));
    }
    int coll = a->arg[K_LIST]    ? K_LIST
               : a->arg[K_SET]   ? K_SET
               : a->arg[K_BYTES] ? K_BYTES
               : a->arg[K_MAP]   ? K_MAP
                                 : -1;
    if (coll >= 0) {
        if (a->arg[K_OPTIONAL] || a->arg[K_STRING]) {
            int k = a->arg[K_OPTIONAL] ? K_OPTIONAL : K_STRING;
            imp_error(w->st, a->at[k], "%s and %s exclude each other", imp_keys[coll].macro,
                      imp_keys[k].macro);
            return NULL;
        }
        if (t.kind != CXType_Pointer) {
            imp_error(w->st, a->at[coll], "%s(%s) needs a pointer: %s has type '%s'",
                      imp_keys[coll].macro, a->arg[coll], m->what, imp_type_str(w, m->type));
            return NULL;
        }
        CXType e = imp_canon(clang_getPointeeType(t));
        if (coll == K_BYTES) {
            f->repr = IMP_REPR_BYTES_PTR;
            if (e.kind == CXType_UChar || e.kind == CXType_SChar || imp_is_plain_char(e) ||
                e.kind == CXType_Void)
                return imp_named(w, "bytes", loc);
            imp_error(w->st, a->at[coll],
                      "ALR_BYTES(%s) needs a pointer to uint8_t, char or "
                      "void: %s has type '%s'; for other elements use "
                      "ALR_LIST",
                      a->arg[coll], m->what, imp_type_str(w, m->type));
            return NULL;
        }
        const char *ew = imp_fmt(w, "each element of %s", m->what);
        ast_type *el = imp_elem(w, e, ew, loc);
        if (!el)
            return NULL;
        if (coll == K_MAP) {
            f->repr = IMP_REPR_MAP_KEYS;
            imp_mem *v = &ms[m->partner];
            CXType vt = imp_canon(v->type);
            if (v->is_out && vt.kind == CXType_Pointer)
                vt = imp_canon(clang_getPointeeType(vt));
            if (vt.kind != CXType_Pointer) {
                imp_error(w->st, a->at[K_MAP],
                          "ALR_MAP(%s): the values member '%s' must be a "
                          "pointer, not '%s'",
                          a->arg[K_MAP], v->cname, imp_type_str(w, v->type));
                return NULL;
            }
            ast_type *vl = imp_elem(w, imp_canon(clang_getPointeeType(vt)),
                                    imp_fmt(w, "each value of %s", m->what), loc);
            if (!vl)
                return NULL;
            return ast_type_generic(w->ctx, "map", ast_type_append(el, vl), loc);
        }
        f->repr = IMP_REPR_LIST_PTR;
        return imp_generic1(w, coll == K_LIST ? "list" : "set", el, loc);
    }
    if (a->arg[K_OPTIONAL]) {
        if (t.kind != CXType_Pointer) {
            imp_error(w->st, a->at[K_OPTIONAL],
                      "ALR_OPTIONAL needs a pointer (NULL = absent): %s "
                      "has type '%s'",
                      m->what, imp_type_str(w, m->type));
            return NULL;
        }
        CXType p = imp_canon(clang_getPointeeType(t));
        f->repr = IMP_REPR_OPT_PTR;
        if (imp_is_plain_char(p))
            return imp_generic1(w, "optional", imp_named(w, "string", loc), loc);
        if (imp_handle_item(w, p)) {
            imp_error(w->st, a->at[K_OPTIONAL],
                      "ALR_OPTIONAL on a service handle: drop it, a "
                      "NULL handle already means 'no object'");
            return NULL;
        }
        return imp_generic1(w, "optional", imp_elem(w, p, m->what, loc), loc);
    }
    if (t.kind == CXType_Pointer) {
        CXType p = imp_canon(clang_getPointeeType(t));
        if (imp_is_plain_char(p)) {
            f->repr = IMP_REPR_STRING;
            return imp_named(w, "string", loc);
        }
        if (a->arg[K_STRING]) {
            imp_error(w->st, a->at[K_STRING], "ALR_STRING needs a char pointer: %s has type '%s'",
                      m->what, imp_type_str(w, m->type));
            return NULL;
        }
        imp_item *svc = imp_handle_item(w, p);
        if (svc) {
            f->repr = IMP_REPR_HANDLE;
            return svc->bad || !svc->qname
                       ? NULL
                       : imp_generic1(w, "ref", imp_named(w, svc->qname, loc), loc);
        }
        if (p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto) {
            imp_error(w->st, loc,
                      "%s is a function pointer ('%s'), which cannot travel: pass a "
                      "service handle instead (a pointer to an ALR_SERVICE struct is "
                      "a ref<S>)",
                      m->what, imp_type_str(w, m->type));
            return NULL;
        }
        if (is_param && !m->is_out && p.kind == CXType_Record && clang_isConstQualifiedType(p) &&
            imp_decl_item(w, p, IK_STRUCT)) {
            f->repr = IMP_REPR_OPT_PTR; /* an input struct passed by address */
            return imp_elem(w, p, m->what, loc);
        }
        if (is_param && !m->is_out && p.kind == CXType_Record && imp_decl_item(w, p, IK_STRUCT)) {
            imp_error(w->st, loc,
                      "%s is a pointer to a mutable struct ('%s'): pass an input as "
                      "'const %s *' (or by value), or mark the method's return value "
                      "ALR_OUT",
                      m->what, imp_type_str(w, m->type),
                      imp_type_str(w, clang_getPointeeType(m->type)));
            return NULL;
        }
        imp_error(w->st, loc,
                  "%s is a pointer ('%s') that does not say what it carries: add "
                  "ALR_OPTIONAL (one value or NULL), ALR_LIST(len) or ALR_SET(len) "
                  "(elements and their count), or ALR_BYTES(len)%s",
                  m->what, imp_type_str(w, m->type),
                  is_param && !m->is_out ? "; ALR_OUT if it returns the method's value" : "");
        return NULL;
    }
    if (a->arg[K_STRING]) {
        imp_error(w->st, a->at[K_STRING], "ALR_STRING needs a char pointer: %s has type '%s'",
                  m->what, imp_type_str(w, m->type));
        return NULL;
    }
    if (t.kind == CXType_ConstantArray) {
        CXType e = imp_canon(clang_getArrayElementType(t));
        if (imp_is_plain_char(e)) {
            imp_error(w->st, loc,
                      "%s is a char array ('%s'): use const char * for a string, or "
                      "uint8_t for bytes of fixed size (u8[N])",
                      m->what, imp_type_str(w, m->type));
            return NULL;
        }
        if (e.kind == CXType_ConstantArray || e.kind == CXType_IncompleteArray) {
            imp_error(w->st, loc,
                      "%s is an array of arrays ('%s'): ALR fixed arrays have one "
                      "dimension; wrap the inner array in an ALR_STRUCT",
                      m->what, imp_type_str(w, m->type));
            return NULL;
        }
        long long n = clang_getArraySize(t);
        ast_type *el = imp_elem(w, e, imp_fmt(w, "each element of %s", m->what), loc);
        if (!el)
            return NULL;
        return ast_type_array(w->ctx, el, ast_value_int(w->ctx, (uint64_t)(n < 0 ? 0 : n), 0, loc),
                              loc);
    }
    if (t.kind == CXType_IncompleteArray) {
        imp_error(w->st, loc,
                  "%s is a flexible array member ('%s'), which cannot travel: use a "
                  "pointer with ALR_LIST(len)",
                  m->what, imp_type_str(w, m->type));
        return NULL;
    }
    if (t.kind == CXType_VariableArray || t.kind == CXType_DependentSizedArray) {
        imp_error(w->st, loc,
                  "%s is a variable-length array ('%s'): use a pointer with "
                  "ALR_LIST(len)",
                  m->what, imp_type_str(w, m->type));
        return NULL;
    }
    return imp_elem(w, t, m->what, loc);
}

/* Resolves ALR_LIST/SET/BYTES/MAP partners among ms[0..n).  owner names
 * the struct or function for messages. */
static void imp_partners(imp_w *w, imp_mem *ms, uint32_t n, const char *owner)
{
    for (uint32_t i = 0; i < n; i++) {
        imp_mem *m = &ms[i];
        int ks[] = {K_LIST, K_SET, K_BYTES, K_MAP};
        int k = -1;
        for (int j = 0; j < 4; j++) {
            if (!m->a.arg[ks[j]])
                continue;
            if (k >= 0) {
                imp_error(w->st, m->a.at[ks[j]], "%s and %s exclude each other", imp_keys[k].macro,
                          imp_keys[ks[j]].macro);
                m->a.arg[ks[j]] = NULL;
                continue;
            }
            k = ks[j];
        }
        if (k < 0 || m->role != IMP_ROLE_ELEMENT)
            continue;
        const char *names[2] = {m->a.arg[k], NULL};
        char *split = NULL;
        if (k == K_MAP) {
            split = (char *)ast_strndup(w->ctx, m->a.arg[k], strlen(m->a.arg[k]));
            char *comma = split ? strchr(split, ',') : NULL;
            if (!comma) {
                imp_error(w->st, m->a.at[k],
                          "ALR_MAP(%s): expected the values member and the "
                          "length member",
                          m->a.arg[k]);
                m->a.arg[k] = NULL;
                continue;
            }
            *comma = '\0';
            names[0] = split;
            names[1] = comma + 1;
        }
        int32_t found[2] = {-1, -1};
        int ok = 1;
        for (int p = 0; p < (k == K_MAP ? 2 : 1); p++) {
            const char *nm = names[p];
            for (uint32_t j = 0; j < n; j++)
                if (j != i && ms[j].cname && strcmp(ms[j].cname, nm) == 0)
                    found[p] = (int32_t)j;
            int is_len = k != K_MAP || p == 1;
            if (found[p] < 0) {
                imp_error(w->st, m->a.at[k], "%s(%s): %s has no %s named '%s'", imp_keys[k].macro,
                          m->a.arg[k], owner, strstr(m->what, "parameter") ? "parameter" : "member",
                          nm);
                ok = 0;
                continue;
            }
            imp_mem *pm = &ms[found[p]];
            if (pm->role != IMP_ROLE_ELEMENT) {
                imp_error(w->st, m->a.at[k], "%s(%s): '%s' already belongs to another member",
                          imp_keys[k].macro, m->a.arg[k], nm);
                ok = 0;
                continue;
            }
            if (pm->a.any) {
                imp_error(w->st, pm->loc,
                          "'%s' is the %s of '%s' (%s), so it cannot carry ALR "
                          "annotations of its own",
                          nm, is_len ? "length" : "values", m->cname, imp_keys[k].macro);
                ok = 0;
                continue;
            }
            if (is_len) {
                CXType lt = imp_canon(pm->type);
                if (m->is_out && lt.kind == CXType_Pointer)
                    lt = imp_canon(clang_getPointeeType(lt));
                if (!imp_is_integer(lt)) {
                    imp_error(w->st, pm->loc,
                              "'%s', the length of '%s' (%s), must be %s, not "
                              "'%s'",
                              nm, m->cname, imp_keys[k].macro,
                              m->is_out ? "a pointer to an integer (it is an output)"
                                        : "an integer",
                              imp_type_str(w, pm->type));
                    ok = 0;
                    continue;
                }
            }
        }
        if (!ok) {
            m->a.arg[k] = NULL;
            m->role = -1; /* reported: skip the member */
            continue;
        }
        if (k == K_MAP) {
            ms[found[0]].role = IMP_ROLE_MAPVALS;
            ms[found[0]].is_out = m->is_out;
            ms[found[1]].role = IMP_ROLE_LEN;
            ms[found[1]].is_out = m->is_out;
            m->partner = found[0];
            m->partner2 = found[1];
        } else {
            ms[found[0]].role = IMP_ROLE_LEN;
            ms[found[0]].is_out = m->is_out;
            m->partner = found[0];
        }
    }
}

/* The default of member m (ALR_DEFAULT), with C enumerator names of the
 * member's enum turned into ALR names. */
static ast_value *imp_default(imp_w *w, imp_mem *m, imp_item *en)
{
    const char *text = m->a.arg[K_DEFAULT];
    if (!text)
        return NULL;
    char err[200];
    ast_value *v = imp_text_value(w->ctx, text, m->a.at[K_DEFAULT], err, sizeof err);
    if (!v) {
        if (!w->ctx->oom)
            imp_error(w->st, m->a.at[K_DEFAULT], "ALR_DEFAULT(%s): %s", text, err);
        return NULL;
    }
    if (v->kind == AST_V_IDENT && en)
        for (ast_ident *id = v->idents; id; id = id->next)
            for (uint32_t i = 0; i < en->nev; i++)
                if (en->ev_alr[i] && strcmp(id->name, en->ev_c[i]) == 0)
                    id->name = en->ev_alr[i];
    return v;
}

/* Fills the C part of a member fact. */
static void imp_fact_member(imp_w *w, imp_member_fact *f, const imp_mem *m, int is_field)
{
    f->c_name = m->cname;
    f->c_type = imp_type_str(w, m->type);
    f->offset = is_field ? clang_Cursor_getOffsetOfField(m->cur) : -1;
    if (f->offset > 0)
        f->offset /= 8;
    f->size = clang_Type_getSizeOf(m->type);
    f->align = clang_Type_getAlignOf(m->type);
    f->partner = m->partner;
    f->partner2 = m->partner2;
    if (m->role == IMP_ROLE_LEN)
        f->repr = IMP_REPR_LEN;
    else if (m->role == IMP_ROLE_MAPVALS)
        f->repr = IMP_REPR_MAP_VALS;
    else if (m->role == IMP_ROLE_RECEIVER)
        f->repr = IMP_REPR_HANDLE;
}

/* ------------------------------------------------------------ structs */

typedef struct imp_mems {
    imp_w *w;
    imp_mem *v;
    uint32_t n, cap;
    int failed;
} imp_mems;

static imp_mem *imp_mems_add(imp_mems *ms, CXCursor c)
{
    if (ms->n == ms->cap) {
        uint32_t ncap = ms->cap ? ms->cap * 2 : 16;
        imp_mem *nv = realloc(ms->v, ncap * sizeof *nv);
        if (!nv) {
            ms->w->ctx->oom = 1;
            ms->failed = 1;
            return NULL;
        }
        ms->v = nv;
        ms->cap = ncap;
    }
    imp_mem *m = &ms->v[ms->n++];
    memset(m, 0, sizeof *m);
    m->cur = c;
    m->type = clang_getCursorType(c);
    m->partner = m->partner2 = -1;
    m->loc = imp_cursor_loc(ms->w->st, c);
    return m;
}

static enum CXChildVisitResult imp_field_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_mems *ms = data;
    imp_w *w = ms->w;
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    imp_mem *m = imp_mems_add(ms, c);
    if (!m)
        return CXChildVisit_Break;
    m->cname = imp_spelling(w, c);
    m->what = imp_fmt(w, "field '%s'", m->cname);
    imp_attrs_get(w, c, P_FIELD, &m->a);
    if (clang_Cursor_isBitField(c)) {
        imp_error(w->st, m->loc,
                  "bit-field '%s' cannot travel: ALR has no bit-fields; use a whole "
                  "integer member (uint8_t, uint32_t, ...) or an ALR_FLAGS enum",
                  m->cname);
        m->role = -1;
    } else if (!m->cname[0]) {
        imp_error(w->st, m->loc,
                  "anonymous member ('%s') cannot travel: give it a name and an "
                  "ALR_STRUCT type",
                  imp_type_str(w, m->type));
        m->role = -1;
    }
    return CXChildVisit_Continue;
}

static void imp_build_struct(imp_w *w, imp_item *it)
{
    ast_ctx *ctx = w->ctx;
    ast_struct_begin(ctx, it->doc, it->a.annots, it->name, it->loc);
    imp_mems ms = {w, NULL, 0, 0, 0};
    clang_visitChildren(it->cur, imp_field_visit, &ms);
    imp_partners(w, ms.v, ms.n, imp_fmt(w, "struct '%s'", it->cname));
    IMP_GROW(w, w->facts->structs, w->facts->nstructs, cap_structs);
    imp_struct_fact *sf = NULL;
    if (!ctx->oom) {
        sf = &w->facts->structs[w->facts->nstructs++];
        memset(sf, 0, sizeof *sf);
        sf->qname = it->qname;
        sf->c_type = it->c_type;
        sf->size = clang_Type_getSizeOf(clang_getCursorType(it->cur));
        sf->align = clang_Type_getAlignOf(clang_getCursorType(it->cur));
        sf->members = imp_facts_members(w, ms.n);
        sf->nmembers = sf->members ? ms.n : 0;
    }
    for (uint32_t i = 0; i < ms.n && !ctx->oom; i++) {
        imp_mem *m = &ms.v[i];
        imp_member_fact tmp, *f = sf && sf->members ? &sf->members[i] : &tmp;
        memset(f, 0, sizeof *f);
        if (m->role == IMP_ROLE_ELEMENT) {
            if (m->a.arg[K_NAME] && !imp_text_is_ident(m->a.arg[K_NAME])) {
                imp_error(w->st, m->a.at[K_NAME], "ALR_NAME(%s): not an identifier",
                          m->a.arg[K_NAME]);
                continue;
            }
            ast_type *t = imp_member_type(w, ms.v, i, 0, f);
            imp_item *en = w->mapped_enum;
            f->alr_name = m->a.arg[K_NAME] ? m->a.arg[K_NAME] : m->cname;
            if (t) {
                ast_value *dv = imp_default(w, m, en);
                ast_field_add(ctx, imp_doc(w, m->cur, m->loc), m->a.annots, t, f->alr_name, dv,
                              m->loc);
            }
        }
        imp_fact_member(w, f, m, 1);
    }
    free(ms.v);
    ast_decl_end(ctx);
}

/* ------------------------------------------------------------ enums */

typedef struct imp_enum_walk {
    imp_w *w;
    imp_item *it;
    uint32_t i;
    imp_enum_fact *ef;
} imp_enum_walk;

static enum CXChildVisitResult imp_init_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    int *found = data;
    (void)parent;
    if (!clang_isAttribute(clang_getCursorKind(c))) {
        *found = 1;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Continue;
}

static enum CXChildVisitResult imp_enumval_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_enum_walk *ew = data;
    imp_w *w = ew->w;
    imp_item *it = ew->it;
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
        return CXChildVisit_Continue;
    uint32_t i = ew->i++;
    imp_attrs a;
    imp_attrs_get(w, c, P_ENUMVAL, &a);
    ast_loc loc = imp_cursor_loc(w->st, c);
    long long sv = clang_getEnumConstantDeclValue(c);
    unsigned long long uv = clang_getEnumConstantDeclUnsignedValue(c);
    if (ew->ef && i < ew->ef->nvalues) {
        ew->ef->values[i].c_name = i < it->nev ? it->ev_c[i] : NULL;
        ew->ef->values[i].alr_name = i < it->nev ? it->ev_alr[i] : NULL;
        ew->ef->values[i].value = it->kind == IK_FLAGS ? (int64_t)uv : sv;
    }
    if (i >= it->nev || !it->ev_alr[i])
        return CXChildVisit_Continue;
    ast_value *v;
    if (it->kind == IK_FLAGS) {
        int found = 0;
        clang_visitChildren(c, imp_init_visit, &found);
        if (!found) {
            imp_error(w->st, loc,
                      "flags value '%s' has no explicit value: C makes it the "
                      "previous value plus one (%llu), not the next free bit as "
                      ".alr would; write '%s = 0x%llx' (or the bit you mean)",
                      it->ev_c[i], uv, it->ev_c[i], uv);
            return CXChildVisit_Continue;
        }
        CXType it_t = imp_canon(clang_getEnumDeclIntegerType(it->cur));
        int is_unsigned = it_t.kind == CXType_UInt || it_t.kind == CXType_ULong ||
                          it_t.kind == CXType_ULongLong || it_t.kind == CXType_UShort ||
                          it_t.kind == CXType_UChar;
        v = sv < 0 && !is_unsigned ? ast_value_int(w->ctx, (uint64_t)0 - (uint64_t)sv, 1, loc)
                                   : ast_value_int(w->ctx, uv, 0, loc);
    } else {
        v = sv < 0 ? ast_value_int(w->ctx, (uint64_t)0 - (uint64_t)sv, 1, loc)
                   : ast_value_int(w->ctx, (uint64_t)sv, 0, loc);
    }
    imp_attrs_only(w, &a, 1ul << K_NAME, "on an enumerator");
    ast_enumval_add(w->ctx, imp_doc(w, c, loc), a.annots, it->ev_alr[i], v, loc);
    return CXChildVisit_Continue;
}

static void imp_build_enum(imp_w *w, imp_item *it)
{
    imp_attrs_only(w, &it->a, 1ul << K_ENUM | 1ul << K_FLAGS | 1ul << K_NAME | 1ul << K_PREFIX,
                   "on an enum");
    ast_enum_begin(w->ctx, it->doc, it->a.annots, it->name, it->kind == IK_FLAGS, it->loc);
    IMP_GROW(w, w->facts->enums, w->facts->nenums, cap_enums);
    imp_enum_fact *ef = NULL;
    if (!w->ctx->oom) {
        ef = &w->facts->enums[w->facts->nenums++];
        memset(ef, 0, sizeof *ef);
        CXType t = clang_getCursorType(it->cur);
        ef->qname = it->qname;
        ef->c_type = it->c_type;
        ef->is_flags = it->kind == IK_FLAGS;
        ef->size = clang_Type_getSizeOf(t);
        ef->align = clang_Type_getAlignOf(t);
        ef->values = alri_arena_alloc(&w->ctx->arena, (it->nev ? it->nev : 1) * sizeof *ef->values);
        ef->nvalues = ef->values ? it->nev : 0;
    }
    imp_enum_walk ew = {w, it, 0, ef};
    clang_visitChildren(it->cur, imp_enumval_visit, &ew);
    ast_decl_end(w->ctx);
}

/* ------------------------------------------------------------ services and methods */

/* The return type of fn when it has no ALR_OUT parameter. */
static ast_type *imp_ret_direct(imp_w *w, imp_item *fn, CXType r0, ast_loc loc)
{
    CXType r = imp_canon(r0);
    const char *what = imp_fmt(w, "the return value of '%s'", fn->cname);
    if (fn->a.arg[K_STRING] &&
        (r.kind != CXType_Pointer || !imp_is_plain_char(imp_canon(clang_getPointeeType(r))))) {
        imp_error(w->st, fn->a.at[K_STRING], "ALR_STRING needs a char pointer: '%s' returns '%s'",
                  fn->cname, imp_type_str(w, r0));
        return NULL;
    }
    if (r.kind == CXType_Void) {
        if (fn->a.arg[K_OPTIONAL])
            imp_error(w->st, fn->a.at[K_OPTIONAL], "ALR_OPTIONAL on '%s', which returns void",
                      fn->cname);
        return imp_named(w, "void", loc);
    }
    if (r.kind == CXType_Pointer) {
        CXType p = imp_canon(clang_getPointeeType(r));
        if (fn->a.arg[K_OPTIONAL]) {
            if (imp_is_plain_char(p))
                return imp_generic1(w, "optional", imp_named(w, "string", loc), loc);
            return imp_generic1(w, "optional", imp_elem(w, p, what, loc), loc);
        }
        if (imp_is_plain_char(p))
            return imp_named(w, "string", loc);
        if (imp_handle_item(w, p))
            return imp_elem(w, r, what, loc);
        if (p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto) {
            imp_error(w->st, loc, "%s is a function pointer ('%s'), which cannot travel", what,
                      imp_type_str(w, r0));
            return NULL;
        }
        imp_error(w->st, loc,
                  "%s is a pointer ('%s') that does not say what it carries: add "
                  "ALR_OPTIONAL to the function (one value or NULL), or return the "
                  "value through an ALR_OUT parameter",
                  what, imp_type_str(w, r0));
        return NULL;
    }
    if (fn->a.arg[K_OPTIONAL]) {
        imp_error(w->st, fn->a.at[K_OPTIONAL],
                  "ALR_OPTIONAL needs a pointer return value: '%s' "
                  "returns '%s'",
                  fn->cname, imp_type_str(w, r0));
        return NULL;
    }
    return imp_elem(w, r, what, loc);
}

static enum CXChildVisitResult imp_param_visit(CXCursor c, CXCursor parent, CXClientData data)
{
    imp_mems *ms = data;
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_ParmDecl)
        return CXChildVisit_Continue;
    imp_mem *m = imp_mems_add(ms, c);
    if (!m)
        return CXChildVisit_Break;
    m->cname = imp_spelling(ms->w, c);
    return CXChildVisit_Continue;
}

static void imp_build_method(imp_w *w, imp_item *svc, imp_item *fn)
{
    ast_ctx *ctx = w->ctx;
    imp_state *st = w->st;
    const imp_attrs *fa = &fn->a;
    CXType ft = imp_canon(clang_getCursorType(fn->cur));
    if (ft.kind == CXType_FunctionNoProto) {
        imp_error(st, fn->loc, "function '%s' has no prototype: declare it as '%s(void)'",
                  fn->cname, fn->cname);
        return;
    }
    if (clang_isFunctionTypeVariadic(ft)) {
        imp_error(st, fn->loc,
                  "variadic function '%s' cannot be a method: the wire needs a fixed "
                  "parameter list (pass a list with ALR_LIST(len) instead of '...')",
                  fn->cname);
        return;
    }
    int is_ctor = fa->arg[K_CTOR] != NULL, is_inst = fa->arg[K_METHOD] != NULL;
    /* parameters */
    imp_mems ms = {w, NULL, 0, 0, 0};
    clang_visitChildren(fn->cur, imp_param_visit, &ms);
    if (ms.failed) {
        free(ms.v);
        return;
    }
    int bad = 0;
    for (uint32_t i = 0; i < ms.n; i++) {
        imp_mem *m = &ms.v[i];
        if (!m->cname[0]) {
            imp_error(st, m->loc, "parameter %u of '%s' has no name: ALR parameters need one",
                      i + 1, fn->cname);
            bad = 1;
        }
        m->what = imp_fmt(w, "parameter '%s' of '%s'", m->cname, fn->cname);
        imp_attrs_get(w, m->cur, P_PARAM, &m->a);
        if (m->a.arg[K_OUT])
            m->is_out = 1;
    }
    /* the receiver of an instance method */
    if (is_inst) {
        CXType r = ms.n ? imp_canon(ms.v[0].type) : (CXType){0};
        imp_item *h = ms.n && r.kind == CXType_Pointer
                          ? imp_handle_item(w, imp_canon(clang_getPointeeType(r)))
                          : NULL;
        if (h != svc) {
            imp_error(st, fa->at[K_METHOD],
                      "ALR_METHOD(%s): the first parameter of '%s' must be "
                      "the handle ('%s *self'); a method without one is "
                      "ALR_STATIC(%s)",
                      fa->arg[K_METHOD], fn->cname, svc->c_type, fa->arg[K_METHOD]);
            bad = 1;
        } else {
            if (ms.v[0].a.any)
                imp_error(st, ms.v[0].loc,
                          "the handle parameter '%s' of '%s' cannot carry ALR "
                          "annotations",
                          ms.v[0].cname, fn->cname);
            ms.v[0].role = IMP_ROLE_RECEIVER;
        }
    }
    if (is_ctor) {
        CXType r = imp_canon(clang_getCursorResultType(fn->cur));
        imp_item *h = r.kind == CXType_Pointer
                          ? imp_handle_item(w, imp_canon(clang_getPointeeType(r)))
                          : NULL;
        if (h != svc) {
            imp_error(st, fa->at[K_CTOR],
                      "ALR_CTOR(%s): '%s' must return the handle ('%s *'), "
                      "not '%s'",
                      fa->arg[K_CTOR], fn->cname, svc->c_type,
                      imp_type_str(w, clang_getCursorResultType(fn->cur)));
            bad = 1;
        }
        for (int k = K_ONEWAY; k <= K_RESULT; k++)
            if (fa->arg[k]) {
                imp_error(st, fa->at[k], "%s is not allowed on a constructor (ALR_CTOR)",
                          imp_keys[k].macro);
                bad = 1;
            }
        if (fa->arg[K_OPTIONAL] || fa->arg[K_STRING] || fa->arg[K_NAME]) {
            int k = fa->arg[K_OPTIONAL] ? K_OPTIONAL : fa->arg[K_STRING] ? K_STRING : K_NAME;
            imp_error(st, fa->at[k],
                      "%s is not allowed on a constructor (ALR_CTOR): its ALR "
                      "name is always 'new'",
                      imp_keys[k].macro);
            bad = 1;
        }
    }
    int32_t out = -1;
    for (uint32_t i = 0; i < ms.n; i++) {
        if (!ms.v[i].is_out)
            continue;
        if (is_ctor) {
            imp_error(st, ms.v[i].a.at[K_OUT],
                      "ALR_OUT is not allowed on a constructor: it "
                      "returns the handle");
            bad = 1;
        } else if (out >= 0) {
            imp_error(st, ms.v[i].a.at[K_OUT],
                      "'%s' has two ALR_OUT parameters: a method "
                      "returns one value (use an ALR_STRUCT for more)",
                      fn->cname);
            bad = 1;
        } else {
            out = (int32_t)i;
        }
    }
    imp_partners(w, ms.v, ms.n, imp_fmt(w, "function '%s'", fn->cname));
    /* the method name */
    const char *name = "new";
    if (!is_ctor) {
        name = fa->arg[K_NAME];
        if (!name) {
            const char *prefix = svc->a.arg[K_PREFIX];
            name = fn->cname;
            if (prefix) {
                size_t pl = strlen(prefix);
                if (strncmp(name, prefix, pl) != 0) {
                    imp_error(st, fn->loc,
                              "function '%s' does not start with '%s', the "
                              "ALR_PREFIX of service '%s': rename it or give it "
                              "ALR_NAME(name)",
                              fn->cname, prefix, svc->name);
                    bad = 1;
                } else {
                    name += pl;
                }
            }
        }
        if (!bad && !imp_text_is_ident(name)) {
            imp_error(st, fa->arg[K_NAME] ? fa->at[K_NAME] : fn->loc,
                      "method name '%s' (from '%s') is not an identifier: give it ALR_NAME(name)",
                      name, fn->cname);
            bad = 1;
        }
    }
    /* facts */
    IMP_GROW(w, w->facts->methods, w->facts->nmethods, cap_methods);
    imp_method_fact *mf = NULL;
    if (!ctx->oom) {
        mf = &w->facts->methods[w->facts->nmethods++];
        memset(mf, 0, sizeof *mf);
        mf->service = svc->qname;
        mf->name = name;
        mf->c_func = fn->cname;
        mf->c_ret = imp_type_str(w, clang_getCursorResultType(fn->cur));
        mf->is_static = !is_inst && !is_ctor;
        mf->is_ctor = is_ctor;
        mf->params = imp_facts_members(w, ms.n);
        mf->nparams = mf->params ? ms.n : 0;
    }
    if (bad) {
        free(ms.v);
        return;
    }
    /* the return type and mode */
    ast_type *ret = NULL;
    ast_mode_kw mode = AST_MODE_PLAIN;
    int modes = !!fa->arg[K_ONEWAY] + !!fa->arg[K_ASYNC] + !!fa->arg[K_ASYNCREF];
    if (modes > 1) {
        int k = fa->arg[K_ASYNCREF] ? K_ASYNCREF : K_ASYNC;
        imp_error(st, fa->at[k], "ALR_ONEWAY, ALR_ASYNC and ALR_ASYNCREF exclude each other");
        free(ms.v);
        return;
    }
    if (fa->arg[K_ONEWAY])
        mode = AST_MODE_ONEWAY;
    else if (fa->arg[K_ASYNC])
        mode = AST_MODE_ASYNC;
    else if (fa->arg[K_ASYNCREF])
        mode = AST_MODE_ASYNCREF;
    CXType r0 = clang_getCursorResultType(fn->cur);
    CXType r = imp_canon(r0);
    imp_member_fact outf;
    memset(&outf, 0, sizeof outf);
    ast_type *outt = NULL;
    if (out >= 0) {
        outt = imp_member_type(w, ms.v, (uint32_t)out, 1, &outf);
        if (!outt) {
            free(ms.v);
            return;
        }
    }
    if (is_ctor) {
        ret = NULL;
    } else if (fa->arg[K_STATUS] && fa->arg[K_RESULT]) {
        imp_error(st, fa->at[K_RESULT], "ALR_STATUS and ALR_RESULT exclude each other");
    } else if (fa->arg[K_RESULT] || fa->arg[K_STATUS]) {
        int k = fa->arg[K_RESULT] ? K_RESULT : K_STATUS;
        imp_item *en = r.kind == CXType_Enum ? imp_decl_item(w, r, IK_ENUM) : NULL;
        CXCursor rd = clang_getTypeDeclaration(r);
        CXString rds = clang_getCursorSpelling(rd);
        int is_alr_err = r.kind == CXType_Enum && strcmp(clang_getCString(rds), "alr_err") == 0;
        clang_disposeString(rds);
        if (k == K_STATUS && out >= 0) {
            imp_error(st, fa->at[K_STATUS],
                      "ALR_STATUS carries no value: drop the ALR_OUT "
                      "parameter '%s', or use ALR_RESULT",
                      ms.v[out].cname);
        } else if (k == K_STATUS && (r.kind == CXType_Int || is_alr_err)) {
            ret = imp_named(w, "status", fn->loc);
        } else if (en && en->kind == IK_ENUM && en->qname) {
            ast_type *e = imp_named(w, en->qname, fn->loc);
            if (k == K_STATUS)
                ret = ast_type_generic(ctx, "status", e, fn->loc);
            else
                ret = ast_type_generic(
                    ctx, "result", ast_type_append(outt ? outt : imp_named(w, "void", fn->loc), e),
                    fn->loc);
        } else if (!en || en->kind != IK_ENUM) {
            imp_error(st, fa->at[k], "%s: '%s' must return %s, not '%s'", imp_keys[k].macro,
                      fn->cname,
                      k == K_STATUS ? "int (a plain status) or an ALR_ENUM error enum (status<E>)"
                                    : "its error enum (an ALR_ENUM type), the value coming "
                                      "through an ALR_OUT parameter",
                      imp_type_str(w, r0));
        }
    } else if (out >= 0) {
        if (r.kind != CXType_Void)
            imp_error(st, fn->loc,
                      "'%s' returns its value through the ALR_OUT parameter '%s', so "
                      "it must return void (or its error enum with ALR_RESULT)",
                      fn->cname, ms.v[out].cname);
        else
            ret = outt;
    } else {
        ret = imp_ret_direct(w, fn, r0, fn->loc);
    }
    if (!is_ctor && !ret) {
        free(ms.v);
        return;
    }
    if (fa->arg[K_OPTIONAL] && (out >= 0 || fa->arg[K_RESULT] || fa->arg[K_STATUS]))
        imp_error(st, fa->at[K_OPTIONAL],
                  "ALR_OPTIONAL on a function applies to its C return "
                  "value; put it on the ALR_OUT parameter instead");
    if (is_ctor)
        ast_ctor_begin(ctx, fn->doc, fa->annots, fn->loc);
    else
        ast_method_begin(ctx, fn->doc, fa->annots, is_inst ? 0 : 1, mode, ret, name, fn->loc);
    for (uint32_t i = 0; i < ms.n && !ctx->oom; i++) {
        imp_mem *m = &ms.v[i];
        imp_member_fact tmp, *f = mf && mf->params ? &mf->params[i] : &tmp;
        memset(f, 0, sizeof *f);
        if ((int32_t)i == out) {
            *f = outf;
            f->repr = IMP_REPR_OUT;
        } else if (m->role == IMP_ROLE_ELEMENT) {
            if (m->a.arg[K_NAME] && !imp_text_is_ident(m->a.arg[K_NAME])) {
                imp_error(st, m->a.at[K_NAME], "ALR_NAME(%s): not an identifier", m->a.arg[K_NAME]);
                continue;
            }
            ast_type *t = imp_member_type(w, ms.v, i, 1, f);
            imp_item *en = w->mapped_enum;
            f->alr_name = m->a.arg[K_NAME] ? m->a.arg[K_NAME] : m->cname;
            if (t)
                ast_param_add(ctx, NULL, m->a.annots, t, f->alr_name, imp_default(w, m, en),
                              m->loc);
        }
        imp_fact_member(w, f, m, 0);
        if ((int32_t)i == out)
            f->repr = IMP_REPR_OUT;
    }
    ast_method_end(ctx);
    free(ms.v);
}

static void imp_build_service(imp_w *w, uint32_t si)
{
    imp_item *svc = &w->items[si];
    imp_attrs_only(w, &svc->a, 1ul << K_SERVICE | 1ul << K_NAME | 1ul << K_PREFIX, "on a service");
    ast_service_begin(w->ctx, svc->doc, svc->a.annots, svc->name, svc->loc);
    IMP_GROW(w, w->facts->services, w->facts->nservices, cap_services);
    if (!w->ctx->oom) {
        imp_service_fact *sf = &w->facts->services[w->facts->nservices++];
        sf->qname = svc->qname;
        sf->c_handle = svc->c_type;
        sf->prefix = svc->a.arg[K_PREFIX] ? svc->a.arg[K_PREFIX] : "";
    }
    for (uint32_t i = 0; i < w->nitems && !w->ctx->oom; i++) {
        imp_item *fn = &w->items[i];
        if (fn->kind == IK_FUNC && fn->svc == (int32_t)si && !fn->bad)
            imp_build_method(w, svc, fn);
    }
    ast_decl_end(w->ctx);
}

/* Finds the service each function names. */
static void imp_resolve_functions(imp_w *w)
{
    for (uint32_t i = 0; i < w->nitems; i++) {
        imp_item *fn = &w->items[i];
        if (fn->kind != IK_FUNC || fn->bad)
            continue;
        int k = fn->a.arg[K_STATIC] ? K_STATIC : fn->a.arg[K_METHOD] ? K_METHOD : K_CTOR;
        const char *want = fn->a.arg[k];
        int dotted = strchr(want, '.') != NULL;
        int32_t found = -1, count = 0;
        for (uint32_t j = 0; j < w->nitems; j++) {
            imp_item *s = &w->items[j];
            if (s->kind != IK_SERVICE || !s->name)
                continue;
            if (dotted ? (s->qname && strcmp(s->qname, want) == 0) : strcmp(s->name, want) == 0) {
                if (found < 0)
                    found = (int32_t)j;
                count++;
            }
        }
        if (found < 0) {
            imp_error(w->st, fn->a.at[k],
                      "%s(%s): no service '%s' (declare its handle with "
                      "'struct ALR_SERVICE %s;')",
                      imp_keys[k].macro, want, want, want);
            fn->bad = 1;
        } else if (count > 1) {
            imp_error(w->st, fn->a.at[k],
                      "%s(%s): several services are named '%s': write the "
                      "qualified name (package.%s)",
                      imp_keys[k].macro, want, want, want);
            fn->bad = 1;
        } else if (w->items[found].bad) {
            fn->bad = 1;
        } else {
            fn->svc = found;
        }
    }
}

/* ------------------------------------------------------------ entry */

int imp_walk(imp_state *st)
{
    int before = st->errors;
    imp_w w;
    memset(&w, 0, sizeof w);
    w.st = st;
    w.ctx = st->ctx;
    w.facts = alri_arena_alloc(&st->ctx->arena, sizeof *w.facts);
    if (!w.facts) {
        st->ctx->oom = 1;
        return 0;
    }
    st->facts = w.facts;
    /* pass 1 */
    clang_visitChildren(clang_getTranslationUnitCursor(st->tu), imp_collect_visit, &w);
    for (uint32_t i = 0; i < w.nitems; i++) {
        imp_item *it = &w.items[i];
        if ((it->kind == IK_STRUCT || it->kind == IK_ENUM || it->kind == IK_FLAGS) && !it->bad &&
            (!it->name || !it->name[0])) {
            imp_error(st, it->loc, "anonymous %s: give it a tag, a typedef name or ALR_NAME(name)",
                      it->kind == IK_STRUCT ? "struct" : "enum");
            it->bad = 1;
        }
    }
    imp_resolve_functions(&w);
    if (st->nfiles == 0 || st->files[0].pkg == NULL) {
        ast_loc top = {st->nfiles ? st->files[0].diag : 0, 1, 1};
        if (st->errors == before)
            imp_error(st, top,
                      "missing ALR_PACKAGE(\"name\"); in the header: it names the "
                      "package of its annotated declarations (alr/annotate.h)");
    }
    /* pass 2: each file with ALR content, the header first */
    for (uint32_t fi = 0; fi < st->nfiles && !st->ctx->oom; fi++) {
        imp_file *f = &st->files[fi];
        if (fi != 0 && !f->used)
            continue;
        ast_file *af = ast_file_begin(st->ctx, f->diag, f->path);
        if (fi == 0)
            st->ctx->root = af;
        for (uint32_t i = 0; i < w.nitems && !st->ctx->oom; i++) {
            imp_item *it = &w.items[i];
            if (it->file != fi || it->bad)
                continue;
            switch (it->kind) {
            case IK_PACKAGE:
                ast_package(st->ctx, it->pkg, it->loc);
                break;
            case IK_STRUCT:
                imp_build_struct(&w, it);
                break;
            case IK_ENUM:
            case IK_FLAGS:
                imp_build_enum(&w, it);
                break;
            case IK_SERVICE:
                imp_build_service(&w, i);
                break;
            default:
                break;
            }
        }
    }
    free(w.items);
    return st->errors - before;
}
