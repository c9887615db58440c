/*
 * layout.c - dynamic codec descriptors from a loaded schema, with the
 * natural C layout the code generator emits (alr/layout.h): one type
 * descriptor per schema type (shared, so recursive structs form a graph),
 * struct sizes computed depth-first through by-value members only, declared
 * defaults materialized as C values.  Everything lives in one arena.
 */
#include "alr/layout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "schema_ir.h"

#define LAYOUT_MAX_DEPTH 256u        /* structs and arrays nested by value */
#define LAYOUT_MAX_SIZE 0x80000000u  /* bytes in one C type */

struct alr_layout {
    alri_arena arena;
    uint32_t nstructs, nmethods, ntypes;
    alr_type_desc *types;    /* by schema type index */
    alr_struct_desc *structs;
    alr_struct_desc *args;   /* by method index */
    alr_struct_desc *rets;   /* by method index; valid when has_ret[i] */
    uint8_t *has_ret;
};

typedef struct lbuild {
    alr_layout *l;
    const alri_schema *s;
    uint8_t *tstate;  /* per type: 0 unsized, 1 sizing, 2 sized */
    uint8_t *sstate;  /* per struct: the same */
    uint8_t *dstate;  /* per struct: default instance 0 todo, 1 building, 2 done */
    const void **dinst; /* per struct: default instance, NULL when all zero */
    int oom;          /* an allocation for a default failed */
} lbuild;

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static alr_err struct_size(lbuild *b, uint32_t si, unsigned depth);

/* Fills size and align of type t (recursing only through by-value parts). */
static alr_err type_size(lbuild *b, uint32_t t, unsigned depth)
{
    const alri_schema *s = b->s;
    if (t >= s->types.n)
        return ALR_ESCHEMA;
    if (b->tstate[t] == 2)
        return ALR_OK;
    if (b->tstate[t] == 1)
        return ALR_ESCHEMA; /* only a malformed IR loops through types alone */
    if (depth > LAYOUT_MAX_DEPTH)
        return ALR_ELIMIT;
    b->tstate[t] = 1;
    const alri_type *ty = &s->types.v[t];
    alr_type_desc *d = &b->l->types[t];
    uint32_t size = 0, align = 1;
    alr_err e = ALR_OK;
    switch (ty->kind) {
#define FIXED(K, T)             \
    case K:                     \
        size = sizeof(T);       \
        align = _Alignof(T);    \
        break;
    FIXED(ALR_K_BOOL, bool)
    FIXED(ALR_K_I8, int8_t)
    FIXED(ALR_K_I16, int16_t)
    FIXED(ALR_K_I32, int32_t)
    FIXED(ALR_K_I64, int64_t)
    FIXED(ALR_K_U8, uint8_t)
    FIXED(ALR_K_U16, uint16_t)
    FIXED(ALR_K_U32, uint32_t)
    FIXED(ALR_K_U64, uint64_t)
    FIXED(ALR_K_F32, float)
    FIXED(ALR_K_F64, double)
    FIXED(ALR_K_STRING, char *)
    FIXED(ALR_K_BYTES, alr_bytes)
    FIXED(ALR_K_LIST, alr_list)
    FIXED(ALR_K_SET, alr_list)
    FIXED(ALR_K_MAP, alr_map)
    FIXED(ALR_K_OPTIONAL, void *)
    FIXED(ALR_K_ENUM, int32_t)
    FIXED(ALR_K_FLAGS, uint64_t)
    FIXED(ALR_K_REF, alr_ref)
#undef FIXED
    case ALR_K_ARRAY:
        if (ty->b == 0 || ty->b > ALR_MAX_ARRAY_LEN) {
            e = ALR_ESCHEMA;
            break;
        }
        e = type_size(b, ty->a, depth + 1);
        if (e == ALR_OK) {
            const alr_type_desc *el = &b->l->types[ty->a];
            if ((uint64_t)el->size * ty->b >= LAYOUT_MAX_SIZE)
                e = ALR_ELIMIT;
            size = el->size * ty->b;
            align = el->align;
        }
        break;
    case ALR_K_STRUCT:
        if (ty->a >= s->structs.n) {
            e = ALR_ESCHEMA;
            break;
        }
        e = struct_size(b, ty->a, depth);
        if (e == ALR_OK) {
            size = b->l->structs[ty->a].size;
            align = b->l->structs[ty->a].align;
        }
        break;
    default:
        e = ALR_ESCHEMA;
        break;
    }
    if (e != ALR_OK)
        return e;
    d->kind = ty->kind;
    d->size = size;
    d->align = align;
    b->tstate[t] = 2;
    return ALR_OK;
}

/* Lays out members (types already valid indices) like a C compiler:
 * each at the next multiple of its alignment; the struct's alignment is the
 * largest; its size rounded up to it.  An empty struct is one byte (the
 * code generator's placeholder member). */
static alr_err lay_members(lbuild *b, alr_member_desc *m, uint32_t n, uint32_t *size,
                           uint32_t *align, unsigned depth)
{
    uint64_t off = 0;
    uint32_t al = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = (uint32_t)(m[i].type - b->l->types);
        alr_err e = type_size(b, t, depth);
        if (e != ALR_OK)
            return e;
        const alr_type_desc *td = m[i].type;
        off = (off + td->align - 1) & ~(uint64_t)(td->align - 1);
        m[i].offset = (uint32_t)off;
        off += td->size;
        if (td->align > al)
            al = td->align;
        if (off >= LAYOUT_MAX_SIZE)
            return ALR_ELIMIT;
    }
    if (n == 0)
        off = 1;
    *size = align_up((uint32_t)off, al);
    *align = al;
    return ALR_OK;
}

static alr_err struct_size(lbuild *b, uint32_t si, unsigned depth)
{
    if (b->sstate[si] == 2)
        return ALR_OK;
    if (b->sstate[si] == 1)
        return ALR_ESCHEMA; /* contains itself by value */
    if (depth > LAYOUT_MAX_DEPTH)
        return ALR_ELIMIT;
    b->sstate[si] = 1;
    alr_struct_desc *sd = &b->l->structs[si];
    alr_err e = lay_members(b, (alr_member_desc *)sd->members, sd->nmembers, &sd->size,
                            &sd->align, depth + 1);
    if (e != ALR_OK)
        return e;
    b->sstate[si] = 2;
    return ALR_OK;
}

/* ---- defaults ---- */

static const void *make_default_(lbuild *b, const alri_member *m, const alr_type_desc *td);

/* A member's declared default as a C value; NULL when it has none.  An
 * allocation failure sets b->oom (a NULL default would silently be zero). */
static const void *make_default(lbuild *b, const alri_member *m, const alr_type_desc *td)
{
    const void *p = make_default_(b, m, td);
    /* the reader guarantees every default fits its member, so NULL here is
     * an allocation failure */
    if (!p && m->dflt != ALRI_NONE && m->dflt < b->s->values.n)
        b->oom = 1;
    return p;
}

static const void *make_default_(lbuild *b, const alri_member *m, const alr_type_desc *td)
{
    const alri_schema *s = b->s;
    if (m->dflt == ALRI_NONE || m->dflt >= s->values.n)
        return NULL;
    const alri_value *v = &s->values.v[m->dflt];
    alri_arena *a = &b->l->arena;
    int is_int = v->kind == ALRI_V_INT || v->kind == ALRI_V_UINT || v->kind == ALRI_V_BOOL;
    int64_t iv = v->kind == ALRI_V_INT ? v->i : (int64_t)v->u;
    void *p;
    switch (td->kind) {
    case ALR_K_BOOL:
        if (!is_int || !(p = alri_arena_alloc(a, sizeof(bool))))
            return NULL;
        *(bool *)p = iv != 0;
        return p;
#define INT_DFLT(K, T)                                        \
    case K:                                                   \
        if (!is_int || !(p = alri_arena_alloc(a, sizeof(T)))) \
            return NULL;                                      \
        *(T *)p = (T)iv;                                      \
        return p;
    INT_DFLT(ALR_K_I8, int8_t)
    INT_DFLT(ALR_K_I16, int16_t)
    INT_DFLT(ALR_K_I32, int32_t)
    INT_DFLT(ALR_K_I64, int64_t)
    INT_DFLT(ALR_K_U8, uint8_t)
    INT_DFLT(ALR_K_U16, uint16_t)
    INT_DFLT(ALR_K_U32, uint32_t)
    INT_DFLT(ALR_K_U64, uint64_t)
#undef INT_DFLT
    case ALR_K_F32:
    case ALR_K_F64: {
        double f = v->kind == ALRI_V_FLOAT ? v->f
                 : v->kind == ALRI_V_INT   ? (double)v->i
                 : v->kind == ALRI_V_UINT  ? (double)v->u
                                           : 0.0;
        if ((v->kind != ALRI_V_FLOAT && v->kind != ALRI_V_INT && v->kind != ALRI_V_UINT) ||
            !(p = alri_arena_alloc(a, td->size)))
            return NULL;
        if (td->kind == ALR_K_F32)
            *(float *)p = (float)f;
        else
            *(double *)p = f;
        return p;
    }
    case ALR_K_ENUM:
        if ((v->kind != ALRI_V_ENUM && v->kind != ALRI_V_INT) ||
            !(p = alri_arena_alloc(a, sizeof(int32_t))))
            return NULL;
        *(int32_t *)p = (int32_t)v->i;
        return p;
    case ALR_K_FLAGS:
        if ((v->kind != ALRI_V_FLAGS && v->kind != ALRI_V_UINT) ||
            !(p = alri_arena_alloc(a, sizeof(uint64_t))))
            return NULL;
        *(uint64_t *)p = v->u;
        return p;
    case ALR_K_STRING: {
        if (v->kind != ALRI_V_STRING || !v->s || !(p = alri_arena_alloc(a, sizeof(char *))))
            return NULL;
        char *str = alri_arena_strndup(a, v->s, strlen(v->s));
        if (!str)
            return NULL;
        *(char **)p = str;
        return p;
    }
    case ALR_K_BYTES: {
        if (v->kind != ALRI_V_STRING || !v->s || !(p = alri_arena_alloc(a, sizeof(alr_bytes))))
            return NULL;
        size_t n = strlen(v->s);
        alr_bytes *bv = p;
        bv->len = (uint32_t)n;
        bv->ptr = NULL;
        if (n) {
            bv->ptr = (uint8_t *)alri_arena_strndup(a, v->s, n);
            if (!bv->ptr)
                return NULL;
        }
        return p;
    }
    default:
        return NULL;
    }
}

/* ---- build ---- */

static char *join_name(alri_arena *a, const char *x, const char *y, const char *z)
{
    size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
    char *p = alri_arena_alloc(a, nx + ny + nz + 3);
    if (!p)
        return NULL;
    memcpy(p, x, nx);
    p[nx] = '.';
    memcpy(p + nx + 1, y, ny);
    p[nx + 1 + ny] = '.';
    memcpy(p + nx + 2 + ny, z, nz + 1);
    return p;
}

static const char *copy_str(alri_arena *a, const char *s)
{
    if (!s)
        s = "";
    return alri_arena_strndup(a, s, strlen(s));
}

/* Member descriptors for [first, first + n) of tab (fields or params). */
static alr_err make_members(lbuild *b, const alri_member *tab, uint32_t total, uint32_t first,
                            uint32_t n, alr_member_desc **out)
{
    *out = NULL;
    if (first > total || n > total - first)
        return ALR_ESCHEMA;
    if (n == 0)
        return ALR_OK;
    alr_member_desc *m = alri_arena_alloc(&b->l->arena, (size_t)n * sizeof *m);
    if (!m)
        return ALR_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const alri_member *src = &tab[first + i];
        if (src->type >= b->s->types.n)
            return ALR_ESCHEMA;
        m[i].name = copy_str(&b->l->arena, src->name);
        if (!m[i].name)
            return ALR_ENOMEM;
        m[i].type = &b->l->types[src->type];
    }
    *out = m;
    return ALR_OK;
}

/* The default of a by-value member without a declared default: the default
 * instance of its struct (or an array of them); NULL when that is all zero. */
static const void *struct_default(lbuild *b, uint32_t si, unsigned depth);

static const void *member_nested_default(lbuild *b, const alr_type_desc *td, unsigned depth)
{
    if (td->kind == ALR_K_STRUCT)
        return struct_default(b, td->index, depth + 1);
    if (td->kind == ALR_K_ARRAY && td->elem && td->elem->kind == ALR_K_STRUCT) {
        const void *one = struct_default(b, td->elem->index, depth + 1);
        if (!one)
            return NULL;
        uint8_t *arr = alri_arena_alloc(&b->l->arena, td->size);
        if (!arr) {
            b->oom = 1;
            return NULL;
        }
        for (uint32_t i = 0; i < td->len; i++)
            memcpy(arr + (size_t)i * td->elem->size, one, td->elem->size);
        return arr;
    }
    return NULL;
}

static const void *struct_default(lbuild *b, uint32_t si, unsigned depth)
{
    if (si >= b->s->structs.n || depth > LAYOUT_MAX_DEPTH)
        return NULL;
    if (b->dstate[si])
        return b->dinst[si]; /* done, or a by-value cycle (impossible in a valid IR) */
    b->dstate[si] = 1;
    const alr_struct_desc *sd = &b->l->structs[si];
    uint8_t *inst = NULL;
    for (uint32_t k = 0; k < sd->nmembers; k++) {
        const alr_member_desc *m = &sd->members[k];
        const void *src = m->dflt ? m->dflt : member_nested_default(b, m->type, depth);
        if (!src)
            continue;
        if (!inst && !(inst = alri_arena_alloc(&b->l->arena, sd->size))) {
            b->oom = 1;
            break;
        }
        memcpy(inst + m->offset, src, m->type->size);
    }
    b->dinst[si] = inst;
    b->dstate[si] = 2;
    return inst;
}

static void nested_defaults(lbuild *b, alr_member_desc *m, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (!m[k].dflt)
            m[k].dflt = member_nested_default(b, m[k].type, 0);
}

static alr_err build(lbuild *b)
{
    const alri_schema *s = b->s;
    alr_layout *l = b->l;
    alri_arena *a = &l->arena;
    alr_err e;

    /* type descriptors: pointers first (no sizes needed) */
    for (uint32_t t = 0; t < s->types.n; t++) {
        const alri_type *ty = &s->types.v[t];
        alr_type_desc *d = &l->types[t];
        d->kind = ty->kind;
        switch (ty->kind) {
        case ALR_K_LIST:
        case ALR_K_SET:
        case ALR_K_OPTIONAL:
        case ALR_K_ARRAY:
            if (ty->a >= s->types.n)
                return ALR_ESCHEMA;
            d->elem = &l->types[ty->a];
            if (ty->kind == ALR_K_ARRAY)
                d->len = ty->b;
            break;
        case ALR_K_MAP:
            if (ty->a >= s->types.n || ty->b >= s->types.n)
                return ALR_ESCHEMA;
            d->key = &l->types[ty->a];
            d->elem = &l->types[ty->b];
            break;
        case ALR_K_STRUCT:
            if (ty->a >= s->structs.n)
                return ALR_ESCHEMA;
            d->sd = &l->structs[ty->a];
            d->index = ty->a;
            break;
        case ALR_K_ENUM:
        case ALR_K_FLAGS:
            if (ty->a >= s->enums.n)
                return ALR_ESCHEMA;
            d->index = ty->a;
            break;
        case ALR_K_REF:
            if (ty->a >= s->services.n)
                return ALR_ESCHEMA;
            d->index = ty->a;
            break;
        default:
            break;
        }
    }

    /* struct descriptors: names and members */
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        alr_struct_desc *sd = &l->structs[i];
        alr_member_desc *m;
        if ((e = make_members(b, s->fields.v, s->fields.n, st->first_field, st->nfields, &m)))
            return e;
        sd->name = copy_str(a, st->name);
        if (!sd->name)
            return ALR_ENOMEM;
        sd->nmembers = st->nfields;
        sd->members = m;
        sd->index = i;
    }
    /* method descriptors */
    for (uint32_t v = 0; v < s->services.n; v++) {
        const alri_service *sv = &s->services.v[v];
        if (sv->first_method > s->methods.n || sv->nmethods > s->methods.n - sv->first_method)
            return ALR_ESCHEMA;
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t mi = sv->first_method + k;
            const alri_method *me = &s->methods.v[mi];
            alr_struct_desc *ad = &l->args[mi];
            alr_member_desc *m;
            if ((e = make_members(b, s->params.v, s->params.n, me->first_param, me->nparams, &m)))
                return e;
            ad->name = join_name(a, sv->name, me->name, "args");
            if (!ad->name)
                return ALR_ENOMEM;
            ad->nmembers = me->nparams;
            ad->members = m;
            ad->index = ALR_DESC_ARGS | mi;
            if (me->ret == ALRI_NONE)
                continue;
            if (me->ret >= s->types.n)
                return ALR_ESCHEMA;
            alr_struct_desc *rd = &l->rets[mi];
            alr_member_desc *rm = alri_arena_alloc(a, sizeof *rm);
            rd->name = join_name(a, sv->name, me->name, "return");
            if (!rm || !rd->name)
                return ALR_ENOMEM;
            rm->name = "return";
            rm->type = &l->types[me->ret];
            rd->nmembers = 1;
            rd->members = rm;
            rd->index = ALR_DESC_RET | mi;
            l->has_ret[mi] = 1;
        }
    }
    /* every method belongs to a service; a stray one still gets a name */
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        if (!l->args[mi].name) {
            l->args[mi].name = "?";
            l->args[mi].index = ALR_DESC_ARGS | mi;
        }
    }

    /* sizes and offsets */
    for (uint32_t t = 0; t < s->types.n; t++)
        if ((e = type_size(b, t, 0)))
            return e;
    for (uint32_t i = 0; i < s->structs.n; i++)
        if ((e = struct_size(b, i, 0)))
            return e;
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        alr_struct_desc *ad = &l->args[mi];
        if ((e = lay_members(b, (alr_member_desc *)ad->members, ad->nmembers, &ad->size,
                             &ad->align, 0)))
            return e;
        if (l->has_ret[mi] &&
            (e = lay_members(b, (alr_member_desc *)l->rets[mi].members, 1, &l->rets[mi].size,
                             &l->rets[mi].align, 0)))
            return e;
    }

    /* defaults (need final type kinds and sizes) */
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        alr_member_desc *m = (alr_member_desc *)l->structs[i].members;
        for (uint32_t k = 0; k < st->nfields; k++) {
            const alri_member *src = &s->fields.v[st->first_field + k];
            m[k].dflt = make_default(b, src, m[k].type);
        }
    }
    for (uint32_t mi = 0; mi < s->methods.n; mi++) {
        const alri_method *me = &s->methods.v[mi];
        alr_member_desc *m = (alr_member_desc *)l->args[mi].members;
        if (!m)
            continue;
        for (uint32_t k = 0; k < l->args[mi].nmembers; k++) {
            const alri_member *src = &s->params.v[me->first_param + k];
            m[k].dflt = make_default(b, src, m[k].type);
        }
    }
    if (b->oom)
        return ALR_ENOMEM;
    /* A missing member of struct type takes that struct with its own declared
     * defaults (recursively), not all zeros: "Unknown" survives nesting. */
    for (uint32_t i = 0; i < s->structs.n; i++)
        struct_default(b, i, 0);
    for (uint32_t i = 0; i < s->structs.n; i++)
        nested_defaults(b, (alr_member_desc *)l->structs[i].members, l->structs[i].nmembers);
    for (uint32_t mi = 0; mi < s->methods.n; mi++)
        if (l->args[mi].members)
            nested_defaults(b, (alr_member_desc *)l->args[mi].members, l->args[mi].nmembers);
    return b->oom ? ALR_ENOMEM : ALR_OK;
}

alr_err alr_layout_build(const alr_schema *schema, alr_layout **out)
{
    if (!out)
        return ALR_EINVAL;
    *out = NULL;
    if (!schema)
        return ALR_EINVAL;
    const alri_schema *s = &schema->ir;
    alr_layout *l = calloc(1, sizeof *l);
    if (!l)
        return ALR_ENOMEM;
    alri_arena_init(&l->arena);
    l->nstructs = s->structs.n;
    l->nmethods = s->methods.n;
    l->ntypes = s->types.n;
    alri_arena *a = &l->arena;
    /* +1: never a zero-sized request */
    l->types = alri_arena_alloc(a, ((size_t)s->types.n + 1) * sizeof *l->types);
    l->structs = alri_arena_alloc(a, ((size_t)s->structs.n + 1) * sizeof *l->structs);
    l->args = alri_arena_alloc(a, ((size_t)s->methods.n + 1) * sizeof *l->args);
    l->rets = alri_arena_alloc(a, ((size_t)s->methods.n + 1) * sizeof *l->rets);
    l->has_ret = alri_arena_alloc(a, (size_t)s->methods.n + 1);
    lbuild b = {l, s, NULL, NULL, NULL, NULL, 0};
    b.tstate = calloc((size_t)s->types.n + 1, 1);
    b.sstate = calloc((size_t)s->structs.n + 1, 1);
    b.dstate = calloc((size_t)s->structs.n + 1, 1);
    b.dinst = calloc((size_t)s->structs.n + 1, sizeof *b.dinst);
    alr_err e = ALR_ENOMEM;
    if (l->types && l->structs && l->args && l->rets && l->has_ret && b.tstate && b.sstate &&
        b.dstate && b.dinst)
        e = build(&b);
    free(b.tstate);
    free(b.sstate);
    free(b.dstate);
    free(b.dinst);
    if (e != ALR_OK) {
        alr_layout_free(l);
        return e;
    }
    *out = l;
    return ALR_OK;
}

void alr_layout_free(alr_layout *l)
{
    if (!l)
        return;
    alri_arena_fini(&l->arena);
    free(l);
}

const alr_struct_desc *alr_layout_struct(const alr_layout *l, uint32_t struct_index)
{
    return l && struct_index < l->nstructs ? &l->structs[struct_index] : NULL;
}

const alr_struct_desc *alr_layout_find(const alr_layout *l, const char *qname)
{
    if (!l || !qname)
        return NULL;
    /* structs are sorted by qualified name (strcmp) */
    uint32_t lo = 0, hi = l->nstructs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->structs[mid].name, qname);
        if (c == 0)
            return &l->structs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const alr_struct_desc *alr_layout_args(const alr_layout *l, uint32_t method)
{
    return l && method < l->nmethods ? &l->args[method] : NULL;
}

const alr_struct_desc *alr_layout_ret(const alr_layout *l, uint32_t method)
{
    return l && method < l->nmethods && l->has_ret[method] ? &l->rets[method] : NULL;
}
