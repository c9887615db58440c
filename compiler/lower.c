/*
 * lower.c - lowers a checked AST into the flat schema IR.
 *
 * Content (spec/alr-language.md section 11): every declaration of the root
 * file plus, transitively, every declaration of another file that one of
 * them references through a type (struct / enum / flags / ref<service> in a
 * field, parameter, return value or error type).  Structs, enums (enum and
 * flags share one table) and services are each sorted by qualified name
 * (strcmp); ast_decl.ir is the index in its table.
 *
 * Canonical walk order.  The tables are filled in exactly this order, which
 * the blob writer and reader rely on (types, values, annotations and
 * annotation arguments are pushed at the moment the walk reaches them):
 *
 *   (1) each enum in sorted order: push the enum record; its annotations;
 *       then each value in declaration order: push the value record, then
 *       its annotations.
 *   (2) each struct in sorted order: push the struct record; its
 *       annotations; then each field in declaration order: push the member
 *       record, intern its type, push its default value (if any), then its
 *       annotations.
 *   (3) each service in sorted order: push the service record; its
 *       annotations; then each method in declaration order: push the method
 *       record; its annotations; each parameter in order exactly as a field
 *       (record, type, default, annotations); then intern the method's value
 *       type (if any), then its error type (if any).
 *
 *   An annotation: push the alri_annot record, then for each argument in
 *   order: push its value to the values table, then the alri_annot_arg.
 *   A type is interned operands first (post-order: list<T> interns T, then
 *   list<T>; map<K, V> interns K, V, then the map), so operand indices are
 *   always smaller; an equal type interned again gets its existing index.
 *   Unused type operands are 0.  Child ranges (first_x, nx) are therefore
 *   contiguous and tile their tables in walk order.  Docs are "" when none.
 *
 * Value records: signed integer targets ALRI_V_INT (i); unsigned ALRI_V_UINT
 * (u); bool ALRI_V_BOOL (u = 0/1); f32/f64 ALRI_V_FLOAT (f; an f32 default is
 * stored as (double)(float)v); string/bytes ALRI_V_STRING (s); enum
 * ALRI_V_ENUM (s = value name, i = value); flags ALRI_V_FLAGS (s = the named
 * values in the flags' declaration order, deduplicated, joined by "|"; u = OR
 * of their bits).  Annotation arguments: an integer is ALRI_V_UINT (u) when
 * non-negative, else ALRI_V_INT (i); string ALRI_V_STRING; identifier(s)
 * ALRI_V_IDENT (s, several joined by "|"); bool ALRI_V_BOOL; float
 * ALRI_V_FLOAT.
 */
#include "lower.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lower {
    ast_ctx *ctx;
    alri_schema *out;
    char *err;
    size_t errlen;
    int failed;
    ast_decl **work; /* included declarations, in discovery order */
    uint32_t nwork;
    ast_decl **structs, **enums, **services;
    uint32_t nstructs, nenums, nservices;
} lower;

static void lower_fail(lower *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first failure only. */
static void lower_fail(lower *l, const char *fmt, ...)
{
    if (l->failed)
        return;
    l->failed = 1;
    if (l->err && l->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->err, l->errlen, fmt, ap);
        va_end(ap);
    }
}

/* Checks the result of a push; n is the table size before the push. */
static void *lower_pushed(lower *l, void *p, uint32_t n, const char *what)
{
    if (!p) {
        if (n >= ALR_MAX_TABLE_COUNT)
            lower_fail(l, "too many %s in the schema (at most %u)", what, ALR_MAX_TABLE_COUNT);
        else
            lower_fail(l, "out of memory");
    }
    return p;
}

#define LOWER_PUSH(l, vec, what)                                                          \
    ((__typeof__((l)->out->vec.v))lower_pushed((l), ALRI_PUSH((l)->out, vec),             \
                                               (l)->out->vec.n, (what)))

static const char *lower_str(lower *l, const char *s)
{
    const char *p = alri_schema_strdup(l->out, s ? s : "");
    if (!p)
        lower_fail(l, "out of memory");
    return p;
}

/* Joins the identifiers of an identifier value with "|". */
static const char *lower_join(lower *l, const ast_ident *ids)
{
    size_t len = 0;
    for (const ast_ident *id = ids; id; id = id->next)
        len += strlen(id->name) + (id != ids);
    char *p = alri_arena_alloc(&l->out->arena, len + 1);
    if (!p) {
        lower_fail(l, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (const ast_ident *id = ids; id; id = id->next) {
        size_t n = strlen(id->name);
        if (id != ids)
            p[o++] = '|';
        memcpy(p + o, id->name, n);
        o += n;
    }
    p[o] = '\0';
    return p;
}

/* ------------------------------------------------------------ content */

static void lower_include(lower *l, ast_decl *d)
{
    if (d && !d->mark) {
        d->mark = 1;
        l->work[l->nwork++] = d;
    }
}

/* Includes every declaration a type (and its siblings) names. */
static void lower_refs(lower *l, const ast_type *t)
{
    for (; t; t = t->next) {
        lower_include(l, t->decl);
        lower_refs(l, t->args);
    }
}

static int lower_cmp(const void *a, const void *b)
{
    return strcmp((*(ast_decl *const *)a)->qname, (*(ast_decl *const *)b)->qname);
}

static ast_decl **lower_array(lower *l, uint32_t n)
{
    ast_decl **p = alri_arena_alloc(&l->ctx->arena, (size_t)(n ? n : 1) * sizeof *p);
    if (!p)
        lower_fail(l, "out of memory");
    return p;
}

static void lower_collect(lower *l)
{
    uint32_t total = 0;
    for (ast_file *f = l->ctx->files; f; f = f->next)
        for (ast_decl *d = f->decls; d; d = d->next) {
            d->mark = 0;
            d->ir = ALRI_NONE;
            total++;
        }
    l->work = lower_array(l, total);
    l->structs = lower_array(l, total);
    l->enums = lower_array(l, total);
    l->services = lower_array(l, total);
    if (l->failed)
        return;
    for (ast_decl *d = l->ctx->root->decls; d; d = d->next)
        lower_include(l, d);
    for (uint32_t i = 0; i < l->nwork; i++) {
        ast_decl *d = l->work[i];
        for (const ast_member *m = d->fields; m; m = m->next)
            lower_refs(l, m->type);
        for (const ast_method *me = d->methods; me; me = me->next) {
            for (const ast_member *p = me->params; p; p = p->next)
                lower_refs(l, p->type);
            lower_refs(l, me->ret);
        }
    }
    for (uint32_t i = 0; i < l->nwork; i++) {
        ast_decl *d = l->work[i];
        if (d->kind == AST_DECL_STRUCT)
            l->structs[l->nstructs++] = d;
        else if (d->kind == AST_DECL_SERVICE)
            l->services[l->nservices++] = d;
        else
            l->enums[l->nenums++] = d;
    }
    qsort(l->structs, l->nstructs, sizeof *l->structs, lower_cmp);
    qsort(l->enums, l->nenums, sizeof *l->enums, lower_cmp);
    qsort(l->services, l->nservices, sizeof *l->services, lower_cmp);
    for (uint32_t i = 0; i < l->nstructs; i++)
        l->structs[i]->ir = i;
    for (uint32_t i = 0; i < l->nenums; i++)
        l->enums[i]->ir = i;
    for (uint32_t i = 0; i < l->nservices; i++)
        l->services[i]->ir = i;
}

/* ------------------------------------------------------------ elements */

/* Interns t, operands first; returns its index or ALRI_NONE on failure. */
static uint32_t lower_type(lower *l, ast_type *t)
{
    if (l->failed)
        return ALRI_NONE;
    uint32_t a = 0, b = 0;
    switch (t->kind) {
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
        a = lower_type(l, t->args);
        break;
    case ALR_K_MAP:
        a = lower_type(l, t->args);
        b = lower_type(l, t->args->next);
        break;
    case ALR_K_ARRAY:
        a = lower_type(l, t->args);
        b = (uint32_t)t->len->mag;
        break;
    case ALR_K_STRUCT:
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
    case ALR_K_REF:
        a = t->decl->ir;
        if (a == ALRI_NONE)
            lower_fail(l, "internal error: '%s' was not collected", t->decl->qname);
        break;
    default:
        if (t->kind < ALR_K_BOOL || t->kind > ALR_K_BYTES)
            lower_fail(l, "internal error: unresolved type '%s'", t->name ? t->name : "[]");
        break;
    }
    if (l->failed)
        return ALRI_NONE;
    uint32_t idx = alri_schema_type(l->out, (uint8_t)t->kind, a, b);
    if (idx == ALRI_NONE)
        lower_pushed(l, NULL, l->out->types.n, "types");
    t->ir = idx;
    return idx;
}

static uint32_t lower_value(lower *l, const alri_value *v)
{
    uint32_t idx = l->out->values.n;
    alri_value *p = LOWER_PUSH(l, values, "values");
    if (!p)
        return ALRI_NONE;
    *p = *v;
    return idx;
}

static int64_t lower_signed(const ast_value *v)
{
    if (!v->neg)
        return (int64_t)v->mag;
    if (v->mag > (uint64_t)INT64_MAX)
        return INT64_MIN;
    return -(int64_t)v->mag;
}

static double lower_double(const ast_value *v)
{
    if (v->kind == AST_V_INT)
        return v->neg ? -(double)v->mag : (double)v->mag;
    if (v->kind == AST_V_FLOAT)
        return v->f;
    if (v->kind == AST_V_IDENT && v->idents && strcmp(v->idents->name, "nan") == 0)
        return NAN;
    return INFINITY; /* the identifier inf */
}

static int lower_named(const ast_value *v, const char *name)
{
    for (const ast_ident *id = v->kind == AST_V_IDENT ? v->idents : NULL; id; id = id->next)
        if (strcmp(id->name, name) == 0)
            return 1;
    return 0;
}

/* The flags default: named values in declaration order, deduplicated. */
static void lower_flags(lower *l, const ast_decl *fl, const ast_value *v, alri_value *x)
{
    size_t len = 0;
    uint64_t bits = 0;
    for (const ast_enumval *e = fl->values; e; e = e->next)
        if (lower_named(v, e->name)) {
            len += strlen(e->name) + (len != 0);
            bits |= (uint64_t)e->resolved;
        }
    char *p = alri_arena_alloc(&l->out->arena, len + 1);
    if (!p) {
        lower_fail(l, "out of memory");
        return;
    }
    size_t o = 0;
    for (const ast_enumval *e = fl->values; e; e = e->next)
        if (lower_named(v, e->name)) {
            size_t n = strlen(e->name);
            if (o)
                p[o++] = '|';
            memcpy(p + o, e->name, n);
            o += n;
        }
    p[o] = '\0';
    x->s = p;
    x->u = bits;
}

/* Pushes the default v of a member of type t; ALRI_NONE when v is NULL. */
static uint32_t lower_default(lower *l, const ast_type *t, const ast_value *v)
{
    if (!v || l->failed)
        return ALRI_NONE;
    alri_value x;
    memset(&x, 0, sizeof x);
    switch (t->kind) {
    case ALR_K_BOOL:
        x.kind = ALRI_V_BOOL;
        x.u = v->b != 0;
        break;
    case ALR_K_I8:
    case ALR_K_I16:
    case ALR_K_I32:
    case ALR_K_I64:
        x.kind = ALRI_V_INT;
        x.i = lower_signed(v);
        break;
    case ALR_K_U8:
    case ALR_K_U16:
    case ALR_K_U32:
    case ALR_K_U64:
        x.kind = ALRI_V_UINT;
        x.u = v->mag;
        break;
    case ALR_K_F32:
    case ALR_K_F64:
        x.kind = ALRI_V_FLOAT;
        x.f = lower_double(v);
        if (t->kind == ALR_K_F32)
            x.f = (double)(float)x.f; /* sema checked the range */
        break;
    case ALR_K_STRING:
    case ALR_K_BYTES:
        x.kind = ALRI_V_STRING;
        x.s = lower_str(l, v->s);
        break;
    case ALR_K_ENUM:
        x.kind = ALRI_V_ENUM;
        for (const ast_enumval *e = t->decl->values; e; e = e->next)
            if (lower_named(v, e->name)) {
                x.s = lower_str(l, e->name);
                x.i = e->resolved;
                break;
            }
        if (!x.s)
            lower_fail(l, "internal error: bad default for '%s'", t->decl->qname);
        break;
    case ALR_K_FLAGS:
        x.kind = ALRI_V_FLAGS;
        lower_flags(l, t->decl, v, &x);
        break;
    default:
        lower_fail(l, "internal error: default value for a type without defaults");
        break;
    }
    if (l->failed)
        return ALRI_NONE;
    return lower_value(l, &x);
}

/* Pushes the annotations of one element; sets its range. */
static void lower_annots(lower *l, const ast_annot *list, uint32_t *first, uint32_t *n)
{
    *first = l->out->annots.n;
    *n = 0;
    for (const ast_annot *a = list; a && !l->failed; a = a->next) {
        uint32_t ai = l->out->annots.n;
        alri_annot *p = LOWER_PUSH(l, annots, "annotations");
        if (!p)
            return;
        p->name = lower_str(l, a->name);
        uint32_t fa = l->out->args.n, na = 0;
        for (const ast_annot_arg *g = a->args; g && !l->failed; g = g->next) {
            const ast_value *v = g->value;
            alri_value x;
            memset(&x, 0, sizeof x);
            switch (v->kind) {
            case AST_V_INT:
                if (v->neg && v->mag) {
                    x.kind = ALRI_V_INT;
                    x.i = lower_signed(v);
                } else {
                    x.kind = ALRI_V_UINT;
                    x.u = v->mag;
                }
                break;
            case AST_V_FLOAT:
                x.kind = ALRI_V_FLOAT;
                x.f = v->f;
                break;
            case AST_V_BOOL:
                x.kind = ALRI_V_BOOL;
                x.u = v->b != 0;
                break;
            case AST_V_STRING:
                x.kind = ALRI_V_STRING;
                x.s = lower_str(l, v->s);
                break;
            case AST_V_IDENT:
                x.kind = ALRI_V_IDENT;
                x.s = lower_join(l, v->idents);
                break;
            }
            uint32_t vi = lower_value(l, &x);
            alri_annot_arg *ap = LOWER_PUSH(l, args, "annotation arguments");
            if (!ap)
                return;
            ap->key = g->key ? lower_str(l, g->key) : NULL;
            ap->value = vi;
            na++;
        }
        l->out->annots.v[ai].first_arg = fa;
        l->out->annots.v[ai].nargs = na;
    }
    *n = l->out->annots.n - *first;
}

/* A field (is_param 0) or a parameter: record, type, default, annotations. */
static void lower_member(lower *l, ast_member *m, int is_param)
{
    uint32_t idx = is_param ? l->out->params.n : l->out->fields.n;
    alri_member *p = is_param ? LOWER_PUSH(l, params, "parameters")
                              : LOWER_PUSH(l, fields, "fields");
    if (!p)
        return;
    p->name = lower_str(l, m->name);
    p->doc = lower_str(l, m->doc);
    uint32_t type = lower_type(l, m->type);
    uint32_t dflt = lower_default(l, m->type, m->dflt);
    uint32_t fa, na;
    lower_annots(l, m->annots, &fa, &na);
    alri_member *r = is_param ? &l->out->params.v[idx] : &l->out->fields.v[idx];
    r->type = type;
    r->dflt = dflt;
    r->first_annot = fa;
    r->nannots = na;
}

static void lower_enums(lower *l)
{
    for (uint32_t i = 0; i < l->nenums && !l->failed; i++) {
        const ast_decl *d = l->enums[i];
        uint32_t ei = l->out->enums.n;
        alri_enum *p = LOWER_PUSH(l, enums, "enums");
        if (!p)
            return;
        p->name = lower_str(l, d->qname);
        p->doc = lower_str(l, d->doc);
        p->is_flags = d->kind == AST_DECL_FLAGS;
        uint32_t fa, na;
        lower_annots(l, d->annots, &fa, &na);
        uint32_t fv = l->out->enumvals.n;
        for (const ast_enumval *v = d->values; v && !l->failed; v = v->next) {
            uint32_t vi = l->out->enumvals.n;
            alri_enumval *q = LOWER_PUSH(l, enumvals, "enum values");
            if (!q)
                return;
            q->name = lower_str(l, v->name);
            q->doc = lower_str(l, v->doc);
            q->value = v->resolved;
            uint32_t va, vn;
            lower_annots(l, v->annots, &va, &vn);
            l->out->enumvals.v[vi].first_annot = va;
            l->out->enumvals.v[vi].nannots = vn;
        }
        alri_enum *r = &l->out->enums.v[ei];
        r->first_annot = fa;
        r->nannots = na;
        r->first_value = fv;
        r->nvalues = l->out->enumvals.n - fv;
    }
}

static void lower_structs(lower *l)
{
    for (uint32_t i = 0; i < l->nstructs && !l->failed; i++) {
        const ast_decl *d = l->structs[i];
        uint32_t si = l->out->structs.n;
        alri_struct *p = LOWER_PUSH(l, structs, "structs");
        if (!p)
            return;
        p->name = lower_str(l, d->qname);
        p->doc = lower_str(l, d->doc);
        uint32_t fa, na;
        lower_annots(l, d->annots, &fa, &na);
        uint32_t ff = l->out->fields.n;
        for (ast_member *m = d->fields; m && !l->failed; m = m->next)
            lower_member(l, m, 0);
        alri_struct *r = &l->out->structs.v[si];
        r->first_annot = fa;
        r->nannots = na;
        r->first_field = ff;
        r->nfields = l->out->fields.n - ff;
    }
}

static void lower_method(lower *l, ast_method *m)
{
    uint32_t mi = l->out->methods.n;
    alri_method *p = LOWER_PUSH(l, methods, "methods");
    if (!p)
        return;
    p->name = lower_str(l, m->name);
    p->doc = lower_str(l, m->doc);
    p->kind = m->is_ctor     ? ALR_METHOD_CTOR
              : m->is_static ? ALR_METHOD_STATIC
                             : ALR_METHOD_INSTANCE;
    p->mode = (uint8_t)m->mode;
    uint32_t fa, na;
    lower_annots(l, m->annots, &fa, &na);
    uint32_t fp = l->out->params.n;
    for (ast_member *q = m->params; q && !l->failed; q = q->next)
        lower_member(l, q, 1);
    uint32_t ret = m->value_type ? lower_type(l, m->value_type) : ALRI_NONE;
    uint32_t err = m->err_type ? lower_type(l, m->err_type) : ALRI_NONE;
    alri_method *r = &l->out->methods.v[mi];
    r->first_annot = fa;
    r->nannots = na;
    r->first_param = fp;
    r->nparams = l->out->params.n - fp;
    r->ret = ret;
    r->err = err;
}

static void lower_services(lower *l)
{
    for (uint32_t i = 0; i < l->nservices && !l->failed; i++) {
        const ast_decl *d = l->services[i];
        uint32_t si = l->out->services.n;
        alri_service *p = LOWER_PUSH(l, services, "services");
        if (!p)
            return;
        p->name = lower_str(l, d->qname);
        p->doc = lower_str(l, d->doc);
        uint32_t fa, na;
        lower_annots(l, d->annots, &fa, &na);
        uint32_t fm = l->out->methods.n;
        for (ast_method *m = d->methods; m && !l->failed; m = m->next)
            lower_method(l, m);
        alri_service *r = &l->out->services.v[si];
        r->first_annot = fa;
        r->nannots = na;
        r->first_method = fm;
        r->nmethods = l->out->methods.n - fm;
    }
}

int lower_schema(ast_ctx *ctx, alri_schema *out, char *err, size_t errlen)
{
    lower l;
    memset(&l, 0, sizeof l);
    l.ctx = ctx;
    l.out = out;
    l.err = err;
    l.errlen = errlen;
    alri_schema_init(out);
    if (err && errlen)
        err[0] = '\0';
    if (!ctx->root) {
        lower_fail(&l, "no root file");
    } else {
        out->package = lower_str(&l, ctx->root->pkg);
        lower_collect(&l);
        lower_enums(&l);
        lower_structs(&l);
        lower_services(&l);
    }
    if (l.failed) {
        alri_schema_fini(out);
        return -1;
    }
    return 0;
}
