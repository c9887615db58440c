/*
 * layout_check.c - layout agreement of generated code with the runtime.
 * Built by tests/gen/check.sh once per schema with -DGEN_HEADER='"x_gen.h"'
 * -DGEN_PKG=x and linked with x_gen.c: every generated struct, argument and
 * result descriptor must equal alr_layout_build() of the embedded blob (size,
 * align, index, member names, offsets, type descriptors, defaults), and the
 * type table and method table must match the blob's IR.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include GEN_HEADER
#include "alr/layout.h"
#include "schema_ir.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define IFACE CAT(GEN_PKG, _iface)
#define NTYPES CAT(GEN_PKG, __NTYPES)
#define NSTRUCTS CAT(GEN_PKG, __NSTRUCTS)

static unsigned passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Type descriptors agree: kind, size, align, len, index, struct by name,
 * element and key recursively (structs are compared by name, not entered). */
static int same_type(const alr_type_desc *a, const alr_type_desc *b, unsigned depth)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || a->size != b->size || a->align != b->align || a->len != b->len ||
        a->index != b->index || (a->sd == NULL) != (b->sd == NULL))
        return 0;
    if (a->sd && (strcmp(a->sd->name, b->sd->name) != 0 || a->sd->index != b->sd->index ||
                  a->sd->size != b->sd->size))
        return 0;
    if (depth > 64)
        return 1;
    return same_type(a->elem, b->elem, depth + 1) && same_type(a->key, b->key, depth + 1);
}

/* Two C values of (agreeing) types ta and tb are equal; NULL means zero. */
static int same_value(const alr_type_desc *ta, const alr_type_desc *tb, const void *a,
                      const void *b, unsigned depth)
{
    static const unsigned char zero[64];
    if (!a && !b)
        return 1;
    if (depth > 300) /* structs nest at most 256 deep by value */
        return 0;
    switch (ta->kind) {
    case ALR_K_F32:
    case ALR_K_F64: {
        double x = 0, y = 0;
        if (ta->kind == ALR_K_F32) {
            float fx = 0, fy = 0;
            memcpy(&fx, a ? a : zero, sizeof fx);
            memcpy(&fy, b ? b : zero, sizeof fy);
            x = fx;
            y = fy;
        } else {
            memcpy(&x, a ? a : zero, sizeof x);
            memcpy(&y, b ? b : zero, sizeof y);
        }
        if (isnan(x) || isnan(y))
            return isnan(x) && isnan(y);
        return memcmp(a ? a : zero, b ? b : zero, ta->size) == 0; /* -0.0 is not 0.0 */
    }
    case ALR_K_STRING: {
        const char *x = a ? *(char *const *)a : NULL, *y = b ? *(char *const *)b : NULL;
        return strcmp(x ? x : "", y ? y : "") == 0;
    }
    case ALR_K_BYTES: {
        alr_bytes x = {NULL, 0}, y = {NULL, 0};
        if (a)
            memcpy(&x, a, sizeof x);
        if (b)
            memcpy(&y, b, sizeof y);
        return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0) &&
               (x.len != 0 || (x.ptr == NULL && y.ptr == NULL));
    }
    case ALR_K_ARRAY:
        for (uint32_t i = 0; i < ta->len; i++)
            if (!same_value(ta->elem, tb->elem,
                            a ? (const char *)a + (size_t)i * ta->elem->size : NULL,
                            b ? (const char *)b + (size_t)i * tb->elem->size : NULL, depth + 1))
                return 0;
        return 1;
    case ALR_K_STRUCT:
        for (uint32_t k = 0; k < ta->sd->nmembers && k < tb->sd->nmembers; k++) {
            const alr_member_desc *ma = &ta->sd->members[k], *mb = &tb->sd->members[k];
            if (!same_value(ma->type, mb->type, a ? (const char *)a + ma->offset : NULL,
                            b ? (const char *)b + mb->offset : NULL, depth + 1))
                return 0;
        }
        return 1;
    default: /* scalars, enums, flags, refs; lists, maps, optionals are zero in defaults */
        if (ta->size > sizeof zero)
            return 0;
        return memcmp(a ? a : zero, b ? b : zero, ta->size) == 0;
    }
}

static void check_struct(const alr_struct_desc *g, const alr_struct_desc *l, const char *what)
{
    check(g && l, "%s: descriptor missing (generated %p, layout %p)", what, (const void *)g,
          (const void *)l);
    if (!g || !l)
        return;
    check(strcmp(g->name, l->name) == 0, "%s: name '%s', layout '%s'", what, g->name, l->name);
    check(g->size == l->size, "%s: size %u, layout %u", what, g->size, l->size);
    check(g->align == l->align, "%s: align %u, layout %u", what, g->align, l->align);
    check(g->index == l->index, "%s: index %#x, layout %#x", what, g->index, l->index);
    check(g->nmembers == l->nmembers, "%s: %u members, layout %u", what, g->nmembers, l->nmembers);
    for (uint32_t k = 0; k < g->nmembers && k < l->nmembers; k++) {
        const alr_member_desc *a = &g->members[k], *b = &l->members[k];
        check(strcmp(a->name, b->name) == 0, "%s: member %u named '%s', layout '%s'", what, k,
              a->name, b->name);
        check(a->offset == b->offset, "%s.%s: offset %u, layout %u", what, a->name, a->offset,
              b->offset);
        check(same_type(a->type, b->type, 0), "%s.%s: type descriptors differ", what, a->name);
        check((a->dflt == NULL) == (b->dflt == NULL), "%s.%s: default %s, layout %s", what, a->name,
              a->dflt ? "set" : "NULL", b->dflt ? "set" : "NULL");
        if (same_type(a->type, b->type, 0))
            check(same_value(a->type, b->type, a->dflt, b->dflt, 0), "%s.%s: defaults differ", what,
                  a->name);
    }
}

static uint32_t ir_deadline(const alri_schema *ir, const alri_method *m)
{
    for (uint32_t i = 0; i < m->nannots; i++) {
        const alri_annot *an = &ir->annots.v[m->first_annot + i];
        if (strcmp(an->name, "deadline") != 0 || an->nargs != 1)
            continue;
        const alri_value *v = &ir->values.v[ir->args.v[an->first_arg].value];
        return (uint32_t)(v->kind == ALRI_V_INT ? (uint64_t)v->i : v->u);
    }
    return 0;
}

int main(void)
{
    const alr_iface *ifc = &IFACE;
    alr_schema *s = NULL;
    alr_layout *l = NULL;
    char err[256] = "";
    alr_err e = alr_schema_load(ifc->blob, ifc->blob_len, &s, err, sizeof err);
    check(e == ALR_OK, "the embedded blob does not load: %s", err);
    if (e == ALR_OK) {
        e = alr_layout_build(s, &l);
        check(e == ALR_OK, "alr_layout_build: %s", alr_strerror(e));
    }
    if (!l) {
        alr_schema_free(s);
        printf("%u passed, %u failed\n", passed, failed);
        return 1;
    }
    const alri_schema *ir = &s->ir;
    check(strcmp(ifc->package, ir->package) == 0, "iface package '%s', blob '%s'", ifc->package,
          ir->package);
    check(NTYPES == ir->types.n, "%u types, blob %u", (unsigned)NTYPES, ir->types.n);
    check(NSTRUCTS == ir->structs.n, "%u structs, blob %u", (unsigned)NSTRUCTS, ir->structs.n);

#if CAT(GEN_PKG, __NSTRUCTS) > 0
    for (uint32_t i = 0; i < ir->structs.n && i < NSTRUCTS; i++)
        check_struct(&CAT(GEN_PKG, __structs)[i], alr_layout_struct(l, i), ir->structs.v[i].name);
#endif
#if CAT(GEN_PKG, __NTYPES) > 0
    for (uint32_t t = 0; t < ir->types.n && t < NTYPES; t++) {
        const alr_type_desc *d = &CAT(GEN_PKG, __types)[t];
        const alri_type *y = &ir->types.v[t];
        const alr_type_desc *el = NULL, *key = NULL;
        const alr_struct_desc *sd = NULL;
        uint32_t len = 0, index = 0;
        switch (y->kind) {
        case ALR_K_LIST:
        case ALR_K_SET:
        case ALR_K_OPTIONAL:
            el = &CAT(GEN_PKG, __types)[y->a];
            break;
        case ALR_K_ARRAY:
            el = &CAT(GEN_PKG, __types)[y->a];
            len = y->b;
            break;
        case ALR_K_MAP:
            key = &CAT(GEN_PKG, __types)[y->a];
            el = &CAT(GEN_PKG, __types)[y->b];
            break;
        case ALR_K_STRUCT:
#if CAT(GEN_PKG, __NSTRUCTS) > 0
            sd = &CAT(GEN_PKG, __structs)[y->a];
#endif
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
        check(d->kind == y->kind && d->elem == el && d->key == key && d->sd == sd &&
                  d->len == len && d->index == index,
              "type %u: kind %u, operands or index differ from the blob", t, d->kind);
        check(d->size > 0 && d->align > 0 && d->size % d->align == 0, "type %u: size %u align %u",
              t, d->size, d->align);
    }
#endif

    check(ifc->nmethods == ir->methods.n, "%u methods, blob %u", ifc->nmethods, ir->methods.n);
    check(ifc->nservices == ir->services.n, "%u services, blob %u", ifc->nservices, ir->services.n);
    for (uint32_t v = 0; v < ir->services.n && v < ifc->nservices; v++) {
        const alri_service *sv = &ir->services.v[v];
        check(strcmp(ifc->services[v], sv->name) == 0, "service %u named '%s', blob '%s'", v,
              ifc->services[v], sv->name);
        for (uint32_t k = 0; k < sv->nmethods; k++) {
            uint32_t mi = sv->first_method + k;
            if (mi >= ifc->nmethods)
                break;
            const alri_method *m = &ir->methods.v[mi];
            const alr_method_info *info = &ifc->methods[mi];
            char qname[600];
            snprintf(qname, sizeof qname, "%s.%s", sv->name, m->name);
            check(strcmp(info->name, qname) == 0, "method %u named '%s', blob '%s'", mi, info->name,
                  qname);
            check(info->service == v && info->kind == m->kind && info->mode == m->mode,
                  "%s: service %u kind %u mode %u, blob %u %u %u", qname, info->service, info->kind,
                  info->mode, v, m->kind, m->mode);
            check(info->deadline_ms == ir_deadline(ir, m), "%s: deadline %u, blob %u", qname,
                  info->deadline_ms, ir_deadline(ir, m));
            check(info->invoke != NULL, "%s: no invoke thunk", qname);
            char what[640];
            snprintf(what, sizeof what, "%s.args", qname);
            check_struct(info->args, alr_layout_args(l, mi), what);
            snprintf(what, sizeof what, "%s.return", qname);
            if (info->ret || alr_layout_ret(l, mi))
                check_struct(info->ret, alr_layout_ret(l, mi), what);
        }
    }
    alr_layout_free(l);
    alr_schema_free(s);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
