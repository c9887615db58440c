/*
 * plan.c - the handshake's intersection of two loaded schemas: which
 * services, structs, enums, fields, methods, parameters and enum values both
 * peers share (identity by name and type, never by position), the wire
 * order of shared members (the acceptor's), method id maps and the O(1)
 * capability tables.  Rules: spec/evolution.md.  Building is O(n) through
 * one FNV-1a keyed hash of the peer's names and a bottom-up type translation.
 */
#include "plan_internal.h"

#include <stdlib.h>
#include <string.h>

#include "schema_ir.h"

/* ---- the plan as allocated: the shared struct plus what only plan.c reads ---- */

typedef struct plan_enumval {
    int64_t value;
    uint32_t enm1;  /* local enum index + 1; 0 = empty slot */
    uint8_t caps;   /* bit0 peer has the value, bit1 with the same name */
} plan_enumval;

typedef struct plan_enum {
    uint64_t peer_mask;   /* flags: OR of every value the peer declares */
    uint64_t strict_mask; /* flags: OR of local values the peer has with the same name */
    uint8_t is_flags;
} plan_enum;

typedef struct plan_impl {
    struct alr_plan p;    /* first: an alr_plan * is a plan_impl * */
    plan_enum *enums;     /* by local enum index */
    plan_enumval *vals;   /* open addressing on (enum, value) */
    uint32_t vals_mask;
} plan_impl;

/* ---- method categories (spec/evolution.md "Return modes") ---- */

enum {
    CAT_NONE = 0, /* invalid kind or mode: never shared */
    CAT_SYNC,     /* void, value, result, status: the caller waits for one reply */
    CAT_ONEWAY,   /* oneway: no reply */
    CAT_ONEWAY_STATUS, /* oneway status: reply only on failure */
    CAT_ASYNC,    /* async: the reply completes an async frame */
    CAT_ASYNCREF, /* asyncref: the value stays on the producer */
    CAT_CTOR      /* new(...): makes a remote object */
};

static int method_category(const alri_method *m)
{
    if (m->kind == ALR_METHOD_CTOR)
        return CAT_CTOR;
    if (m->kind != ALR_METHOD_STATIC && m->kind != ALR_METHOD_INSTANCE)
        return CAT_NONE;
    switch (m->mode) {
    case ALR_RET_VOID:
    case ALR_RET_VALUE:
    case ALR_RET_RESULT:
    case ALR_RET_STATUS:
        return CAT_SYNC;
    case ALR_RET_ONEWAY:
        return CAT_ONEWAY;
    case ALR_RET_ONEWAY_STATUS:
        return CAT_ONEWAY_STATUS;
    case ALR_RET_ASYNC:
        return CAT_ASYNC;
    case ALR_RET_ASYNCREF:
        return CAT_ASYNCREF;
    default:
        return CAT_NONE;
    }
}

/* ---- a hash of the peer's named elements, keyed by FNV-1a of names ---- */

enum {
    HK_STRUCT = 1, /* parent unused */
    HK_ENUM,
    HK_SERVICE,
    HK_FIELD,      /* parent = peer struct */
    HK_METHOD,     /* parent = peer service */
    HK_PARAM,      /* parent = peer method */
    HK_ENUMVAL,    /* parent = peer enum; keyed by value, not name */
    HK_TYPE        /* parent = kind; keyed by (kind, a, b) */
};

typedef struct hent {
    uint64_t h;
    uint32_t parent;
    uint32_t idx1; /* peer index + 1; 0 = empty */
    uint8_t kind;
} hent;

typedef struct htab {
    hent *e;
    uint32_t mask;
    const alri_schema *s; /* the peer */
} htab;

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t name_hash(uint8_t kind, uint32_t parent, const char *name)
{
    uint64_t seed = ALRI_FNV1A64_INIT ^ mix64((uint64_t)kind << 32 | parent);
    return alri_fnv1a64(name ? name : "", name ? strlen(name) : 0, seed);
}

static uint64_t value_hash(uint32_t parent, int64_t v)
{
    return mix64((uint64_t)v ^ mix64(((uint64_t)HK_ENUMVAL << 32 | parent) + 0x9E3779B97F4A7C15ull));
}

static uint64_t type_hash(uint8_t kind, uint32_t a, uint32_t b)
{
    return mix64(mix64((uint64_t)a << 32 | b) ^ ((uint64_t)kind * 0x9E3779B97F4A7C15ull) ^ HK_TYPE);
}

/* Normalized operands: what the interned IR stores for an unused operand. */
static void type_ops(const alri_type *t, uint32_t *a, uint32_t *b)
{
    *a = t->a;
    *b = t->b;
    alri_type_normalize(t->kind, a, b);
}

static const char *peer_name(const alri_schema *s, uint8_t kind, uint32_t idx)
{
    switch (kind) {
    case HK_STRUCT:
        return idx < s->structs.n ? s->structs.v[idx].name : NULL;
    case HK_ENUM:
        return idx < s->enums.n ? s->enums.v[idx].name : NULL;
    case HK_SERVICE:
        return idx < s->services.n ? s->services.v[idx].name : NULL;
    case HK_FIELD:
        return idx < s->fields.n ? s->fields.v[idx].name : NULL;
    case HK_METHOD:
        return idx < s->methods.n ? s->methods.v[idx].name : NULL;
    case HK_PARAM:
        return idx < s->params.n ? s->params.v[idx].name : NULL;
    default:
        return NULL;
    }
}

/* Whether peer elements x and y of one kind have the same key (a hash
 * match alone proves nothing). */
static int same_key(const alri_schema *s, uint8_t kind, uint32_t x, uint32_t y)
{
    if (kind == HK_ENUMVAL)
        return x < s->enumvals.n && y < s->enumvals.n &&
               s->enumvals.v[x].value == s->enumvals.v[y].value;
    if (kind == HK_TYPE) {
        if (x >= s->types.n || y >= s->types.n || s->types.v[x].kind != s->types.v[y].kind)
            return 0;
        uint32_t xa, xb, ya, yb;
        type_ops(&s->types.v[x], &xa, &xb);
        type_ops(&s->types.v[y], &ya, &yb);
        return xa == ya && xb == yb;
    }
    const char *a = peer_name(s, kind, x), *b = peer_name(s, kind, y);
    return a && b && strcmp(a, b) == 0;
}

static void htab_put(htab *t, uint8_t kind, uint32_t parent, uint64_t h, uint32_t idx)
{
    uint32_t i = (uint32_t)h & t->mask;
    while (t->e[i].idx1) {
        if (t->e[i].h == h && t->e[i].kind == kind && t->e[i].parent == parent &&
            same_key(t->s, kind, t->e[i].idx1 - 1, idx))
            return; /* the same key twice (a malformed peer): the first one wins */
        i = (i + 1) & t->mask;
    }
    t->e[i].h = h;
    t->e[i].parent = parent;
    t->e[i].kind = kind;
    t->e[i].idx1 = idx + 1;
}

static uint32_t htab_name(const htab *t, uint8_t kind, uint32_t parent, const char *name)
{
    if (!name)
        return ALRI_NONE;
    uint64_t h = name_hash(kind, parent, name);
    for (uint32_t i = (uint32_t)h & t->mask; t->e[i].idx1; i = (i + 1) & t->mask) {
        const hent *e = &t->e[i];
        if (e->h != h || e->kind != kind || e->parent != parent)
            continue;
        const char *n = peer_name(t->s, kind, e->idx1 - 1);
        if (n && strcmp(n, name) == 0)
            return e->idx1 - 1;
    }
    return ALRI_NONE;
}

static uint32_t htab_value(const htab *t, uint32_t penum, int64_t v)
{
    uint64_t h = value_hash(penum, v);
    for (uint32_t i = (uint32_t)h & t->mask; t->e[i].idx1; i = (i + 1) & t->mask) {
        const hent *e = &t->e[i];
        if (e->h == h && e->kind == HK_ENUMVAL && e->parent == penum &&
            e->idx1 - 1 < t->s->enumvals.n && t->s->enumvals.v[e->idx1 - 1].value == v)
            return e->idx1 - 1;
    }
    return ALRI_NONE;
}

static uint32_t htab_type(const htab *t, uint8_t kind, uint32_t a, uint32_t b)
{
    uint64_t h = type_hash(kind, a, b);
    for (uint32_t i = (uint32_t)h & t->mask; t->e[i].idx1; i = (i + 1) & t->mask) {
        const hent *e = &t->e[i];
        if (e->h != h || e->kind != HK_TYPE || e->parent != kind || e->idx1 - 1 >= t->s->types.n)
            continue;
        uint32_t pa, pb;
        type_ops(&t->s->types.v[e->idx1 - 1], &pa, &pb);
        if (t->s->types.v[e->idx1 - 1].kind == kind && pa == a && pb == b)
            return e->idx1 - 1;
    }
    return ALRI_NONE;
}

/* Whether [first, first + n) lies inside a table of `total` records. */
static int range_ok(uint32_t first, uint32_t n, uint32_t total)
{
    return first <= total && n <= total - first;
}

static int htab_fill(htab *t)
{
    const alri_schema *s = t->s;
    for (uint32_t i = 0; i < s->structs.n; i++) {
        const alri_struct *st = &s->structs.v[i];
        htab_put(t, HK_STRUCT, 0, name_hash(HK_STRUCT, 0, st->name), i);
        if (!range_ok(st->first_field, st->nfields, s->fields.n))
            return -1;
        for (uint32_t k = 0; k < st->nfields; k++)
            htab_put(t, HK_FIELD, i, name_hash(HK_FIELD, i, s->fields.v[st->first_field + k].name),
                     st->first_field + k);
    }
    for (uint32_t i = 0; i < s->enums.n; i++) {
        const alri_enum *en = &s->enums.v[i];
        htab_put(t, HK_ENUM, 0, name_hash(HK_ENUM, 0, en->name), i);
        if (!range_ok(en->first_value, en->nvalues, s->enumvals.n))
            return -1;
        for (uint32_t k = 0; k < en->nvalues; k++)
            htab_put(t, HK_ENUMVAL, i, value_hash(i, s->enumvals.v[en->first_value + k].value),
                     en->first_value + k);
    }
    for (uint32_t i = 0; i < s->services.n; i++) {
        const alri_service *sv = &s->services.v[i];
        htab_put(t, HK_SERVICE, 0, name_hash(HK_SERVICE, 0, sv->name), i);
        if (!range_ok(sv->first_method, sv->nmethods, s->methods.n))
            return -1;
        for (uint32_t k = 0; k < sv->nmethods; k++)
            htab_put(t, HK_METHOD, i, name_hash(HK_METHOD, i, s->methods.v[sv->first_method + k].name),
                     sv->first_method + k);
    }
    for (uint32_t i = 0; i < s->methods.n; i++) {
        const alri_method *m = &s->methods.v[i];
        if (!range_ok(m->first_param, m->nparams, s->params.n))
            return -1;
        for (uint32_t k = 0; k < m->nparams; k++)
            htab_put(t, HK_PARAM, i, name_hash(HK_PARAM, i, s->params.v[m->first_param + k].name),
                     m->first_param + k);
    }
    for (uint32_t i = 0; i < s->types.n; i++) {
        uint32_t a, b;
        type_ops(&s->types.v[i], &a, &b);
        htab_put(t, HK_TYPE, s->types.v[i].kind, type_hash(s->types.v[i].kind, a, b), i);
    }
    return 0;
}

/* ---- the build ---- */

/* Scratch state of one build (freed before returning). */
typedef struct bctx {
    const alri_schema *L, *P;
    htab ht;
    uint32_t *struct_map;  /* local struct -> peer struct, or NONE */
    uint32_t *enum_map;    /* local enum -> peer enum (same kind), or NONE */
    uint32_t *svc_map;     /* local service -> peer service, or NONE */
    uint32_t *tmap;        /* local type -> equal peer type, or NONE */
    uint32_t *field_map;   /* local field -> peer field, or NONE */
    uint32_t *pfield_loc;  /* peer field -> local field, or NONE */
    uint32_t *meth_map;    /* local method -> peer method, or NONE */
    uint32_t *pmeth_loc;   /* peer method -> local method, or NONE */
    uint32_t *param_map;   /* local param -> peer param, or NONE */
    uint32_t *pparam_loc;  /* peer param -> local param, or NONE */
    uint8_t *ret_shared;   /* local method -> 1 when the return is the same */
} bctx;

static void fill_none(uint32_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        v[i] = ALRI_NONE;
}

/* Translates every local type into the peer's equal type (bottom-up: the
 * operands of a type have smaller indices).  Equal means equal canonical
 * text, with struct/enum/service references by qualified name; in addition
 * an enum and a flags of the same name are different (they travel
 * differently), which enum_map already encodes. */
static void translate_types(bctx *c)
{
    const alri_schema *L = c->L;
    for (uint32_t t = 0; t < L->types.n; t++) {
        const alri_type *ty = &L->types.v[t];
        uint32_t a, b, pa = ALRI_NONE, pb = 0;
        type_ops(ty, &a, &b);
        switch (ty->kind) {
        case ALR_K_LIST:
        case ALR_K_SET:
        case ALR_K_OPTIONAL:
            pa = a < t ? c->tmap[a] : ALRI_NONE;
            break;
        case ALR_K_MAP:
            pa = a < t ? c->tmap[a] : ALRI_NONE;
            pb = b < t ? c->tmap[b] : ALRI_NONE;
            break;
        case ALR_K_ARRAY:
            pa = a < t ? c->tmap[a] : ALRI_NONE;
            pb = b;
            break;
        case ALR_K_STRUCT:
            pa = a < L->structs.n ? c->struct_map[a] : ALRI_NONE;
            break;
        case ALR_K_ENUM:
        case ALR_K_FLAGS:
            pa = a < L->enums.n ? c->enum_map[a] : ALRI_NONE;
            break;
        case ALR_K_REF:
            pa = a < L->services.n ? c->svc_map[a] : ALRI_NONE;
            break;
        default:
            if (ty->kind >= ALR_K_BOOL && ty->kind <= ALR_K_BYTES)
                pa = 0;
            break;
        }
        c->tmap[t] = (pa == ALRI_NONE || pb == ALRI_NONE) ? ALRI_NONE
                                                          : htab_type(&c->ht, ty->kind, pa, pb);
    }
}

static int same_type(const bctx *c, uint32_t lt, uint32_t pt)
{
    if (lt == ALRI_NONE || pt == ALRI_NONE)
        return lt == pt;
    return lt < c->L->types.n && c->tmap[lt] == pt;
}

/* Pairs the members [lfirst, +ln) of a local parent with the members
 * [pfirst, +pn) of its peer counterpart: same name (hash) and same type. */
static void match_members(bctx *c, const alri_member *lm, uint32_t lfirst, uint32_t ln,
                          const alri_member *pm, uint8_t hk, uint32_t pparent,
                          uint32_t *map, uint32_t *ploc)
{
    for (uint32_t k = 0; k < ln; k++) {
        uint32_t li = lfirst + k;
        uint32_t pi = htab_name(&c->ht, hk, pparent, lm[li].name);
        if (pi == ALRI_NONE || ploc[pi] != ALRI_NONE || !same_type(c, lm[li].type, pm[pi].type))
            continue;
        map[li] = pi;
        ploc[pi] = li;
    }
}

static void match_all(bctx *c)
{
    const alri_schema *L = c->L, *P = c->P;
    for (uint32_t i = 0; i < L->structs.n; i++)
        c->struct_map[i] = htab_name(&c->ht, HK_STRUCT, 0, L->structs.v[i].name);
    for (uint32_t i = 0; i < L->enums.n; i++) {
        uint32_t pe = htab_name(&c->ht, HK_ENUM, 0, L->enums.v[i].name);
        if (pe != ALRI_NONE && (P->enums.v[pe].is_flags != 0) != (L->enums.v[i].is_flags != 0))
            pe = ALRI_NONE;
        c->enum_map[i] = pe;
    }
    for (uint32_t i = 0; i < L->services.n; i++)
        c->svc_map[i] = htab_name(&c->ht, HK_SERVICE, 0, L->services.v[i].name);

    translate_types(c);

    for (uint32_t i = 0; i < L->structs.n; i++) {
        uint32_t ps = c->struct_map[i];
        const alri_struct *st = &L->structs.v[i];
        if (ps != ALRI_NONE)
            match_members(c, L->fields.v, st->first_field, st->nfields, P->fields.v, HK_FIELD, ps,
                          c->field_map, c->pfield_loc);
    }
    for (uint32_t i = 0; i < L->services.n; i++) {
        uint32_t psv = c->svc_map[i];
        if (psv == ALRI_NONE)
            continue;
        const alri_service *sv = &L->services.v[i];
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t lm = sv->first_method + k;
            const alri_method *m = &L->methods.v[lm];
            uint32_t pm = htab_name(&c->ht, HK_METHOD, psv, m->name);
            if (pm == ALRI_NONE || c->pmeth_loc[pm] != ALRI_NONE)
                continue;
            const alri_method *q = &P->methods.v[pm];
            int cat = method_category(m);
            if (cat == CAT_NONE || cat != method_category(q) || m->kind != q->kind)
                continue; /* another category, or static <-> instance: another method */
            c->meth_map[lm] = pm;
            c->pmeth_loc[pm] = lm;
            c->ret_shared[lm] = cat == CAT_CTOR ||
                                (m->mode == q->mode && same_type(c, m->ret, q->ret) &&
                                 same_type(c, m->err, q->err));
            match_members(c, L->params.v, m->first_param, m->nparams, P->params.v, HK_PARAM, pm,
                          c->param_map, c->pparam_loc);
        }
    }
}

/* ---- one allocation for every table of the plan ---- */

typedef struct lay {
    size_t off;
} lay;

static size_t lay_take(lay *l, size_t size, size_t align)
{
    l->off = (l->off + align - 1) & ~(align - 1);
    size_t at = l->off;
    l->off += size;
    return at;
}

#define BITS(n) (((size_t)(n) + 7) / 8)

static void bit_set(uint8_t *set, uint32_t i)
{
    set[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Fills one members plan.  lmap: local member -> peer member (global
 * indices); ploc: peer member -> local member.  slots: room for ln indices. */
static void fill_members(alri_plan_members *pm, uint32_t *slots, int local_is_acceptor,
                         uint32_t lfirst, uint32_t ln, uint32_t pfirst, uint32_t pn,
                         const uint32_t *lmap, const uint32_t *ploc, int shared)
{
    uint32_t nw = 0, nm = 0;
    if (shared && local_is_acceptor) {
        for (uint32_t k = 0; k < ln; k++)
            if (lmap[lfirst + k] != ALRI_NONE)
                slots[nw++] = k;
    } else if (shared) {
        for (uint32_t k = 0; k < pn && nw < ln; k++) {
            uint32_t li = ploc[pfirst + k];
            if (li != ALRI_NONE && li - lfirst < ln && lmap[li] == pfirst + k)
                slots[nw++] = li - lfirst;
        }
    }
    uint32_t *missing = slots + nw;
    for (uint32_t k = 0; k < ln; k++)
        if (!shared || lmap[lfirst + k] == ALRI_NONE)
            missing[nm++] = k;
    pm->nwire = nw;
    pm->wire = nw ? slots : NULL;
    pm->nmissing = nm;
    pm->missing = nm ? missing : NULL;
    uint8_t id = nm == 0;
    for (uint32_t k = 0; k < nw && id; k++)
        id = slots[k] == k;
    pm->identity = id;
}

static void plan_vals_put(plan_impl *pi, uint32_t enm, int64_t v, uint8_t caps, int only_new)
{
    uint64_t h = value_hash(enm, v);
    uint32_t i = (uint32_t)h & pi->vals_mask;
    while (pi->vals[i].enm1) {
        if (pi->vals[i].enm1 == enm + 1 && pi->vals[i].value == v) {
            if (!only_new)
                pi->vals[i].caps |= caps;
            return;
        }
        i = (i + 1) & pi->vals_mask;
    }
    pi->vals[i].enm1 = enm + 1;
    pi->vals[i].value = v;
    pi->vals[i].caps = caps;
}

static const plan_enumval *plan_vals_get(const plan_impl *pi, uint32_t enm, int64_t v)
{
    uint64_t h = value_hash(enm, v);
    for (uint32_t i = (uint32_t)h & pi->vals_mask; pi->vals[i].enm1; i = (i + 1) & pi->vals_mask)
        if (pi->vals[i].enm1 == enm + 1 && pi->vals[i].value == v)
            return &pi->vals[i];
    return NULL;
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t s = 16;
    while (s < n * 2)
        s *= 2;
    return s;
}

static alr_err set_err(char *errbuf, size_t errlen, alr_err e, const char *msg)
{
    if (errbuf && errlen) {
        size_t n = strlen(msg);
        if (n >= errlen)
            n = errlen - 1;
        memcpy(errbuf, msg, n);
        errbuf[n] = '\0';
    }
    return e;
}

/* Checks the ranges every later loop relies on (the reader validated them;
 * this keeps a hand-built or damaged IR from reading out of bounds). */
static int ranges_ok(const alri_schema *s)
{
    for (uint32_t i = 0; i < s->structs.n; i++)
        if (!range_ok(s->structs.v[i].first_field, s->structs.v[i].nfields, s->fields.n))
            return 0;
    for (uint32_t i = 0; i < s->enums.n; i++)
        if (!range_ok(s->enums.v[i].first_value, s->enums.v[i].nvalues, s->enumvals.n))
            return 0;
    for (uint32_t i = 0; i < s->services.n; i++)
        if (!range_ok(s->services.v[i].first_method, s->services.v[i].nmethods, s->methods.n))
            return 0;
    for (uint32_t i = 0; i < s->methods.n; i++)
        if (!range_ok(s->methods.v[i].first_param, s->methods.v[i].nparams, s->params.n))
            return 0;
    return 1;
}

alr_err alr_plan_build(const alr_schema *local, const alr_schema *peer, alr_role local_role,
                       alr_plan **out, char *errbuf, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!local || !peer || !out || (local_role != ALR_ROLE_CONNECTOR && local_role != ALR_ROLE_ACCEPTOR))
        return set_err(errbuf, errlen, ALR_EINVAL, "invalid argument to alr_plan_build");
    const alri_schema *L = &local->ir, *P = &peer->ir;
    if (!ranges_ok(L))
        return set_err(errbuf, errlen, ALR_ESCHEMA, "local schema: member range out of bounds");
    if (!ranges_ok(P))
        return set_err(errbuf, errlen, ALR_ESCHEMA, "peer schema: member range out of bounds");
    int acc = local_role == ALR_ROLE_ACCEPTOR;

    /* ---- scratch: hash of the peer + maps ---- */
    uint64_t pnames = (uint64_t)P->structs.n + P->enums.n + P->services.n + P->fields.n +
                      P->methods.n + P->params.n + P->enumvals.n + P->types.n;
    uint32_t hslots = pow2_at_least(pnames);
    lay sl = {0};
    size_t o_h = lay_take(&sl, (size_t)hslots * sizeof(hent), _Alignof(hent));
    size_t o_sm = lay_take(&sl, (size_t)L->structs.n * 4, 4);
    size_t o_em = lay_take(&sl, (size_t)L->enums.n * 4, 4);
    size_t o_vm = lay_take(&sl, (size_t)L->services.n * 4, 4);
    size_t o_tm = lay_take(&sl, (size_t)L->types.n * 4, 4);
    size_t o_fm = lay_take(&sl, (size_t)L->fields.n * 4, 4);
    size_t o_pf = lay_take(&sl, (size_t)P->fields.n * 4, 4);
    size_t o_mm = lay_take(&sl, (size_t)L->methods.n * 4, 4);
    size_t o_pm = lay_take(&sl, (size_t)P->methods.n * 4, 4);
    size_t o_am = lay_take(&sl, (size_t)L->params.n * 4, 4);
    size_t o_pa = lay_take(&sl, (size_t)P->params.n * 4, 4);
    size_t o_rs = lay_take(&sl, (size_t)L->methods.n, 1);
    unsigned char *scratch = calloc(1, sl.off ? sl.off : 1);
    if (!scratch)
        return set_err(errbuf, errlen, ALR_ENOMEM, "out of memory building the plan");
    bctx c = {
        .L = L, .P = P,
        .ht = {(hent *)(scratch + o_h), hslots - 1, P},
        .struct_map = (uint32_t *)(scratch + o_sm),
        .enum_map = (uint32_t *)(scratch + o_em),
        .svc_map = (uint32_t *)(scratch + o_vm),
        .tmap = (uint32_t *)(scratch + o_tm),
        .field_map = (uint32_t *)(scratch + o_fm),
        .pfield_loc = (uint32_t *)(scratch + o_pf),
        .meth_map = (uint32_t *)(scratch + o_mm),
        .pmeth_loc = (uint32_t *)(scratch + o_pm),
        .param_map = (uint32_t *)(scratch + o_am),
        .pparam_loc = (uint32_t *)(scratch + o_pa),
        .ret_shared = scratch + o_rs,
    };
    fill_none(c.field_map, L->fields.n);
    fill_none(c.pfield_loc, P->fields.n);
    fill_none(c.meth_map, L->methods.n);
    fill_none(c.pmeth_loc, P->methods.n);
    fill_none(c.param_map, L->params.n);
    fill_none(c.pparam_loc, P->params.n);
    if (htab_fill(&c.ht) != 0) {
        free(scratch);
        return set_err(errbuf, errlen, ALR_ESCHEMA, "peer schema: member range out of bounds");
    }
    match_all(&c);

    /* ---- the plan: one allocation ---- */
    uint32_t n_wire_ids = acc ? L->methods.n : P->methods.n;
    uint64_t nvals = (uint64_t)L->enumvals.n + P->enumvals.n;
    uint32_t vslots = pow2_at_least(nvals);
    lay pl = {0};
    lay_take(&pl, sizeof(plan_impl), _Alignof(plan_impl));
    size_t o_structs = lay_take(&pl, (size_t)L->structs.n * sizeof(alri_plan_members), _Alignof(alri_plan_members));
    size_t o_args = lay_take(&pl, (size_t)L->methods.n * sizeof(alri_plan_members), _Alignof(alri_plan_members));
    size_t o_enums = lay_take(&pl, (size_t)L->enums.n * sizeof(plan_enum), _Alignof(plan_enum));
    size_t o_vals = lay_take(&pl, (size_t)vslots * sizeof(plan_enumval), _Alignof(plan_enumval));
    size_t o_fslots = lay_take(&pl, (size_t)L->fields.n * 4, 4);
    size_t o_pslots = lay_take(&pl, (size_t)L->params.n * 4, 4);
    size_t o_mout = lay_take(&pl, (size_t)L->methods.n * 4, 4);
    size_t o_min = lay_take(&pl, (size_t)n_wire_ids * 4, 4);
    size_t o_ret = lay_take(&pl, L->methods.n, 1);
    size_t o_hsv = lay_take(&pl, BITS(L->services.n), 1);
    size_t o_hme = lay_take(&pl, BITS(L->methods.n), 1);
    size_t o_hpa = lay_take(&pl, BITS(L->params.n), 1);
    size_t o_hst = lay_take(&pl, BITS(L->structs.n), 1);
    size_t o_hfi = lay_take(&pl, BITS(L->fields.n), 1);
    size_t o_hen = lay_take(&pl, BITS(L->enums.n), 1);
    size_t o_evc = lay_take(&pl, L->enumvals.n, 1);
    unsigned char *mem = calloc(1, pl.off);
    if (!mem) {
        free(scratch);
        return set_err(errbuf, errlen, ALR_ENOMEM, "out of memory building the plan");
    }
    plan_impl *pi = (plan_impl *)mem;
    alr_plan *p = &pi->p;
    p->role = local_role;
    p->nstructs = L->structs.n;
    p->nmethods = L->methods.n;
    p->nfields = L->fields.n;
    p->nparams = L->params.n;
    p->nenums = L->enums.n;
    p->nservices = L->services.n;
    p->nenumvals = L->enumvals.n;
    p->structs = (alri_plan_members *)(mem + o_structs);
    p->args = (alri_plan_members *)(mem + o_args);
    p->ret_shared = mem + o_ret;
    p->method_out = (uint32_t *)(mem + o_mout);
    p->n_wire_ids = n_wire_ids;
    p->method_in = (uint32_t *)(mem + o_min);
    p->has_service = mem + o_hsv;
    p->has_method = mem + o_hme;
    p->has_param = mem + o_hpa;
    p->has_struct = mem + o_hst;
    p->has_field = mem + o_hfi;
    p->has_enum = mem + o_hen;
    p->enumval_caps = mem + o_evc;
    p->mem = mem;
    pi->enums = (plan_enum *)(mem + o_enums);
    pi->vals = (plan_enumval *)(mem + o_vals);
    pi->vals_mask = vslots - 1;

    uint32_t *fslots = (uint32_t *)(mem + o_fslots);
    uint32_t *pslots = (uint32_t *)(mem + o_pslots);

    for (uint32_t i = 0; i < L->services.n; i++)
        if (c.svc_map[i] != ALRI_NONE)
            bit_set(p->has_service, i);
    for (uint32_t i = 0; i < L->structs.n; i++) {
        const alri_struct *st = &L->structs.v[i];
        uint32_t ps = c.struct_map[i];
        if (ps != ALRI_NONE)
            bit_set(p->has_struct, i);
        fill_members(&p->structs[i], fslots + st->first_field, acc, st->first_field, st->nfields,
                     ps != ALRI_NONE ? P->structs.v[ps].first_field : 0,
                     ps != ALRI_NONE ? P->structs.v[ps].nfields : 0, c.field_map, c.pfield_loc,
                     ps != ALRI_NONE);
    }
    for (uint32_t i = 0; i < L->fields.n; i++)
        if (c.field_map[i] != ALRI_NONE)
            bit_set(p->has_field, i);

    for (uint32_t i = 0; i < L->methods.n; i++) {
        const alri_method *m = &L->methods.v[i];
        uint32_t pm = c.meth_map[i];
        if (pm != ALRI_NONE) {
            bit_set(p->has_method, i);
            p->ret_shared[i] = c.ret_shared[i];
        }
        p->method_out[i] = pm == ALRI_NONE ? ALR_NONE : acc ? i : pm;
        fill_members(&p->args[i], pslots + m->first_param, acc, m->first_param, m->nparams,
                     pm != ALRI_NONE ? P->methods.v[pm].first_param : 0,
                     pm != ALRI_NONE ? P->methods.v[pm].nparams : 0, c.param_map, c.pparam_loc,
                     pm != ALRI_NONE);
    }
    for (uint32_t w = 0; w < n_wire_ids; w++)
        p->method_in[w] = acc ? (c.meth_map[w] != ALRI_NONE ? w : ALR_NONE)
                              : (c.pmeth_loc[w] != ALRI_NONE ? c.pmeth_loc[w] : ALR_NONE);
    for (uint32_t i = 0; i < L->params.n; i++)
        if (c.param_map[i] != ALRI_NONE)
            bit_set(p->has_param, i);

    /* enums: per value caps, flags masks, and the (enum, value) lookup */
    for (uint32_t i = 0; i < L->enums.n; i++) {
        const alri_enum *en = &L->enums.v[i];
        plan_enum *pe = &pi->enums[i];
        pe->is_flags = en->is_flags != 0;
        uint32_t q = c.enum_map[i];
        if (q == ALRI_NONE)
            continue;
        bit_set(p->has_enum, i);
        const alri_enum *qe = &P->enums.v[q];
        for (uint32_t k = 0; k < en->nvalues; k++) {
            uint32_t lv = en->first_value + k;
            const alri_enumval *v = &L->enumvals.v[lv];
            uint32_t pv = htab_value(&c.ht, q, v->value);
            uint8_t caps = 0;
            if (pv != ALRI_NONE) {
                caps = 1;
                if (v->name && P->enumvals.v[pv].name && strcmp(v->name, P->enumvals.v[pv].name) == 0)
                    caps |= 2;
            }
            p->enumval_caps[lv] = caps;
            plan_vals_put(pi, i, v->value, caps, 0);
            if (caps & 2)
                pe->strict_mask |= (uint64_t)v->value;
        }
        for (uint32_t k = 0; k < qe->nvalues; k++) {
            int64_t v = P->enumvals.v[qe->first_value + k].value;
            pe->peer_mask |= (uint64_t)v;
            plan_vals_put(pi, i, v, 1, 1); /* values only the peer declares */
        }
    }

    free(scratch);
    *out = p;
    return ALR_OK;
}

void alr_plan_free(alr_plan *plan)
{
    if (plan)
        free(plan->mem);
}

/* ---- capability look-ups ---- */

static bool cap_bit(const alr_plan *p, const uint8_t *set, uint32_t i, uint32_t n)
{
    return p && set && i < n && alri_bit(set, i);
}

bool alr_caps_has_service(const alr_plan *p, uint32_t service)
{
    return p && cap_bit(p, p->has_service, service, p->nservices);
}

bool alr_caps_has_method(const alr_plan *p, uint32_t method)
{
    return p && cap_bit(p, p->has_method, method, p->nmethods);
}

bool alr_caps_has_param(const alr_plan *p, uint32_t param)
{
    return p && cap_bit(p, p->has_param, param, p->nparams);
}

bool alr_caps_has_return(const alr_plan *p, uint32_t method)
{
    return alr_caps_has_method(p, method) && p->ret_shared[method];
}

bool alr_caps_has_struct(const alr_plan *p, uint32_t strct)
{
    return p && cap_bit(p, p->has_struct, strct, p->nstructs);
}

bool alr_caps_has_field(const alr_plan *p, uint32_t field)
{
    return p && cap_bit(p, p->has_field, field, p->nfields);
}

bool alr_caps_has_enum(const alr_plan *p, uint32_t enm)
{
    return p && cap_bit(p, p->has_enum, enm, p->nenums);
}

bool alr_caps_enum_value(const alr_plan *p, uint32_t enm, alr_enum_check how, uint64_t value)
{
    if (!alr_caps_has_enum(p, enm) || p->mem != (const void *)p)
        return false; /* not a plan from alr_plan_build */
    const plan_impl *pi = (const plan_impl *)p;
    const plan_enum *pe = &pi->enums[enm];
    int64_t v;
    if (pe->is_flags) {
        v = (int64_t)value;
    } else {
        /* enum values are i32: accept them sign-extended or zero-extended */
        int64_t sv = (int64_t)value;
        if (sv >= INT32_MIN && sv <= INT32_MAX)
            v = sv;
        else if (value <= UINT32_MAX)
            v = (int32_t)(uint32_t)value;
        else
            return false;
    }
    if (pe->is_flags && how == ALR_ENUM_FLAGS)
        return (value & ~pe->peer_mask) == 0;
    if (pe->is_flags && how == ALR_ENUM_FLAGS_STRICT)
        return (value & ~pe->strict_mask) == 0;
    /* an enum has no bits: FLAGS means VALUE, FLAGS_STRICT means STRICT */
    if (how != ALR_ENUM_VALUE && how != ALR_ENUM_STRICT && how != ALR_ENUM_FLAGS &&
        how != ALR_ENUM_FLAGS_STRICT)
        return false;
    const plan_enumval *e = plan_vals_get(pi, enm, v);
    if (!e)
        return false;
    return (how == ALR_ENUM_VALUE || how == ALR_ENUM_FLAGS) ? (e->caps & 1) != 0 : (e->caps & 2) != 0;
}

uint32_t alr_plan_method_out(const alr_plan *p, uint32_t method)
{
    return p && method < p->nmethods ? p->method_out[method] : ALR_NONE;
}

uint32_t alr_plan_method_in(const alr_plan *p, uint32_t wire_id)
{
    return p && wire_id < p->n_wire_ids ? p->method_in[wire_id] : ALR_NONE;
}
