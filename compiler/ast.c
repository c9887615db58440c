/*
 * ast.c - the AST builder functions shared by both front ends.  Builders
 * only record what was written; every check belongs to sema.c, so that the
 * .alr grammar and the header importer get identical diagnostics.
 */
#include "ast.h"

#include <string.h>

void ast_ctx_init(ast_ctx *ctx, diag *d)
{
    memset(ctx, 0, sizeof *ctx);
    alri_arena_init(&ctx->arena);
    ctx->diag = d;
}

void ast_ctx_fini(ast_ctx *ctx)
{
    alri_arena_fini(&ctx->arena);
    memset(ctx, 0, sizeof *ctx);
}

static void *ast_new(ast_ctx *ctx, size_t size)
{
    void *p = alri_arena_alloc(&ctx->arena, size);
    if (!p)
        ctx->oom = 1;
    return p;
}

const char *ast_strndup(ast_ctx *ctx, const char *p, size_t n)
{
    char *s = alri_arena_strndup(&ctx->arena, p, n);
    if (!s)
        ctx->oom = 1;
    return s;
}

static const char *ast_strdup(ast_ctx *ctx, const char *p)
{
    return p ? ast_strndup(ctx, p, strlen(p)) : NULL;
}

/* Appends item to the singly linked list whose head is *headp (any node
 * type whose `next` is its last-but-typed member is handled per type). */
#define AST_APPEND(headp, item)                       \
    do {                                              \
        __typeof__(item) *pp_ = (headp);              \
        while (*pp_)                                  \
            pp_ = &(*pp_)->next;                      \
        *pp_ = (item);                                \
    } while (0)

ast_file *ast_file_begin(ast_ctx *ctx, uint32_t file_index, const char *path)
{
    ast_file *f = ast_new(ctx, sizeof *f);
    if (!f)
        return NULL;
    f->diag_file = file_index;
    f->path = ast_strdup(ctx, path);
    f->decls_tail_ = &f->decls;
    f->imports_tail_ = &f->imports;
    AST_APPEND(&ctx->files, f);
    ctx->cur_file = f;
    ctx->cur_pkg = NULL;
    ctx->cur_decl = NULL;
    ctx->cur_method = NULL;
    return f;
}

void ast_package(ast_ctx *ctx, const char *qname, ast_loc loc)
{
    if (!ctx->cur_file || !qname)
        return;
    const char *p = ast_strdup(ctx, qname);
    ctx->cur_pkg = p;
    if (!ctx->cur_file->pkg) {
        ctx->cur_file->pkg = p;
        ctx->cur_file->pkg_loc = loc;
    }
}

ast_import *ast_import_add(ast_ctx *ctx, const char *path, ast_loc loc)
{
    if (!ctx->cur_file || !path)
        return NULL;
    ast_import *im = ast_new(ctx, sizeof *im);
    if (!im)
        return NULL;
    im->loc = loc;
    im->path = ast_strdup(ctx, path);
    *ctx->cur_file->imports_tail_ = im;
    ctx->cur_file->imports_tail_ = &im->next;
    return im;
}

static ast_decl *ast_decl_begin(ast_ctx *ctx, ast_decl_kind kind, const char *doc,
                                ast_annot *annots, const char *name, ast_loc loc)
{
    ctx->cur_decl = NULL;
    if (!ctx->cur_file || !name)
        return NULL;
    ast_decl *d = ast_new(ctx, sizeof *d);
    if (!d)
        return NULL;
    d->loc = loc;
    d->kind = kind;
    d->name = ast_strdup(ctx, name);
    d->pkg = ctx->cur_pkg ? ctx->cur_pkg : "";
    size_t pl = strlen(d->pkg), nl = strlen(name);
    char *q = alri_arena_alloc(&ctx->arena, pl + nl + 2);
    if (!q) {
        ctx->oom = 1;
        return NULL;
    }
    if (pl) {
        memcpy(q, d->pkg, pl);
        q[pl] = '.';
        memcpy(q + pl + 1, name, nl + 1);
    } else {
        memcpy(q, name, nl + 1);
    }
    d->qname = q;
    d->doc = ast_strdup(ctx, doc);
    d->annots = annots;
    d->file = ctx->cur_file;
    *ctx->cur_file->decls_tail_ = d;
    ctx->cur_file->decls_tail_ = &d->next;
    ctx->cur_decl = d;
    return d;
}

ast_decl *ast_struct_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                           const char *name, ast_loc loc)
{
    return ast_decl_begin(ctx, AST_DECL_STRUCT, doc, annots, name, loc);
}

ast_decl *ast_enum_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                         const char *name, int is_flags, ast_loc loc)
{
    return ast_decl_begin(ctx, is_flags ? AST_DECL_FLAGS : AST_DECL_ENUM, doc, annots, name, loc);
}

ast_decl *ast_service_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                            const char *name, ast_loc loc)
{
    return ast_decl_begin(ctx, AST_DECL_SERVICE, doc, annots, name, loc);
}

void ast_decl_end(ast_ctx *ctx)
{
    ctx->cur_decl = NULL;
    ctx->cur_method = NULL;
}

static ast_member *ast_member_new(ast_ctx *ctx, const char *doc, ast_annot *annots,
                                  ast_type *type, const char *name, ast_value *dflt,
                                  ast_loc loc)
{
    if (!name || !type)
        return NULL;
    ast_member *m = ast_new(ctx, sizeof *m);
    if (!m)
        return NULL;
    m->loc = loc;
    m->name = ast_strdup(ctx, name);
    m->doc = ast_strdup(ctx, doc);
    m->annots = annots;
    m->type = type;
    m->dflt = dflt;
    return m;
}

ast_member *ast_field_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                          ast_type *type, const char *name, ast_value *dflt, ast_loc loc)
{
    ast_decl *d = ctx->cur_decl;
    if (!d || d->kind != AST_DECL_STRUCT)
        return NULL;
    ast_member *m = ast_member_new(ctx, doc, annots, type, name, dflt, loc);
    if (!m)
        return NULL;
    if (!d->tail_)
        d->tail_ = (void **)&d->fields;
    *(ast_member **)d->tail_ = m;
    d->tail_ = (void **)&m->next;
    d->nfields++;
    return m;
}

ast_enumval *ast_enumval_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                             const char *name, ast_value *value, ast_loc loc)
{
    ast_decl *d = ctx->cur_decl;
    if (!d || (d->kind != AST_DECL_ENUM && d->kind != AST_DECL_FLAGS) || !name)
        return NULL;
    ast_enumval *v = ast_new(ctx, sizeof *v);
    if (!v)
        return NULL;
    v->loc = loc;
    v->name = ast_strdup(ctx, name);
    v->doc = ast_strdup(ctx, doc);
    v->annots = annots;
    v->value = value;
    if (!d->tail_)
        d->tail_ = (void **)&d->values;
    *(ast_enumval **)d->tail_ = v;
    d->tail_ = (void **)&v->next;
    d->nvalues++;
    return v;
}

static ast_method *ast_method_new(ast_ctx *ctx, const char *doc, ast_annot *annots,
                                  const char *name, ast_loc loc)
{
    ast_decl *d = ctx->cur_decl;
    ctx->cur_method = NULL;
    if (!d || d->kind != AST_DECL_SERVICE || !name)
        return NULL;
    ast_method *m = ast_new(ctx, sizeof *m);
    if (!m)
        return NULL;
    m->loc = loc;
    m->name = ast_strdup(ctx, name);
    m->doc = ast_strdup(ctx, doc);
    m->annots = annots;
    if (!d->tail_)
        d->tail_ = (void **)&d->methods;
    *(ast_method **)d->tail_ = m;
    d->tail_ = (void **)&m->next;
    d->nmethods++;
    ctx->cur_method = m;
    return m;
}

ast_method *ast_method_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                             int is_static, ast_mode_kw mode, ast_type *ret,
                             const char *name, ast_loc loc)
{
    if (!ret)
        return NULL;
    ast_method *m = ast_method_new(ctx, doc, annots, name, loc);
    if (!m)
        return NULL;
    m->is_static = is_static;
    m->mode_kw = mode;
    m->ret = ret;
    return m;
}

ast_method *ast_ctor_begin(ast_ctx *ctx, const char *doc, ast_annot *annots, ast_loc loc)
{
    ast_method *m = ast_method_new(ctx, doc, annots, "new", loc);
    if (m)
        m->is_ctor = 1;
    return m;
}

ast_member *ast_param_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                          ast_type *type, const char *name, ast_value *dflt, ast_loc loc)
{
    ast_method *me = ctx->cur_method;
    if (!me)
        return NULL;
    ast_member *m = ast_member_new(ctx, doc, annots, type, name, dflt, loc);
    if (!m)
        return NULL;
    if (!me->params_tail_)
        me->params_tail_ = &me->params;
    *me->params_tail_ = m;
    me->params_tail_ = &m->next;
    me->nparams++;
    return m;
}

void ast_method_end(ast_ctx *ctx)
{
    ctx->cur_method = NULL;
}

ast_type *ast_type_named(ast_ctx *ctx, const char *qname, ast_loc loc)
{
    if (!qname)
        return NULL;
    ast_type *t = ast_new(ctx, sizeof *t);
    if (!t)
        return NULL;
    t->loc = loc;
    t->name = ast_strdup(ctx, qname);
    return t;
}

ast_type *ast_type_generic(ast_ctx *ctx, const char *name, ast_type *args, ast_loc loc)
{
    ast_type *t = ast_type_named(ctx, name, loc);
    if (!t)
        return NULL;
    t->args = args;
    for (ast_type *a = args; a; a = a->next)
        t->nargs++;
    if (!args)
        t->nargs = 0;
    return t;
}

ast_type *ast_type_append(ast_type *list, ast_type *item)
{
    if (!list)
        return item;
    if (item)
        AST_APPEND(&list, item);
    return list;
}

ast_type *ast_type_array(ast_ctx *ctx, ast_type *elem, ast_value *len, ast_loc loc)
{
    if (!elem || !len)
        return NULL;
    ast_type *t = ast_new(ctx, sizeof *t);
    if (!t)
        return NULL;
    t->loc = loc;
    t->name = NULL;
    t->args = elem;
    t->nargs = 1;
    t->len = len;
    return t;
}

static ast_value *ast_value_new(ast_ctx *ctx, ast_value_kind kind, ast_loc loc)
{
    ast_value *v = ast_new(ctx, sizeof *v);
    if (!v)
        return NULL;
    v->kind = kind;
    v->loc = loc;
    return v;
}

ast_value *ast_value_int(ast_ctx *ctx, uint64_t mag, int neg, ast_loc loc)
{
    ast_value *v = ast_value_new(ctx, AST_V_INT, loc);
    if (v) {
        v->mag = mag;
        v->neg = neg;
    }
    return v;
}

ast_value *ast_value_float(ast_ctx *ctx, double f, ast_loc loc)
{
    ast_value *v = ast_value_new(ctx, AST_V_FLOAT, loc);
    if (v)
        v->f = f;
    return v;
}

ast_value *ast_value_bool(ast_ctx *ctx, int b, ast_loc loc)
{
    ast_value *v = ast_value_new(ctx, AST_V_BOOL, loc);
    if (v)
        v->b = b != 0;
    return v;
}

ast_value *ast_value_string(ast_ctx *ctx, const char *s, uint32_t len, ast_loc loc)
{
    ast_value *v = ast_value_new(ctx, AST_V_STRING, loc);
    if (v) {
        v->s = ast_strndup(ctx, s ? s : "", s ? len : 0);
        v->slen = s ? len : 0;
    }
    return v;
}

ast_value *ast_value_ident(ast_ctx *ctx, const char *name, ast_loc loc)
{
    ast_value *v = ast_value_new(ctx, AST_V_IDENT, loc);
    return ast_value_ident_or(ctx, v, name, loc);
}

ast_value *ast_value_ident_or(ast_ctx *ctx, ast_value *v, const char *name, ast_loc loc)
{
    if (!v || !name || v->kind != AST_V_IDENT)
        return v;
    ast_ident *id = ast_new(ctx, sizeof *id);
    if (!id)
        return v;
    id->loc = loc;
    id->name = ast_strdup(ctx, name);
    if (!v->idents_tail_)
        v->idents_tail_ = &v->idents;
    *v->idents_tail_ = id;
    v->idents_tail_ = &id->next;
    return v;
}

ast_value *ast_value_negate(ast_value *v)
{
    if (!v)
        return NULL;
    if (v->kind == AST_V_INT)
        v->neg = !v->neg;
    else if (v->kind == AST_V_FLOAT)
        v->f = -v->f;
    return v;
}

ast_annot_arg *ast_annot_arg_new(ast_ctx *ctx, const char *key, ast_value *v, ast_loc loc)
{
    if (!v)
        return NULL;
    ast_annot_arg *a = ast_new(ctx, sizeof *a);
    if (!a)
        return NULL;
    a->loc = loc;
    a->key = ast_strdup(ctx, key);
    a->value = v;
    return a;
}

ast_annot_arg *ast_annot_arg_append(ast_annot_arg *list, ast_annot_arg *item)
{
    if (!list)
        return item;
    if (item)
        AST_APPEND(&list, item);
    return list;
}

ast_annot *ast_annot_new(ast_ctx *ctx, const char *name, ast_annot_arg *args, ast_loc loc)
{
    if (!name)
        return NULL;
    ast_annot *a = ast_new(ctx, sizeof *a);
    if (!a)
        return NULL;
    a->loc = loc;
    a->name = ast_strdup(ctx, name);
    a->args = args;
    return a;
}

ast_annot *ast_annot_append(ast_annot *list, ast_annot *item)
{
    if (!list)
        return item;
    if (item)
        AST_APPEND(&list, item);
    return list;
}
