/*
 * dump.c - canonical .alr text of a schema IR.  Layout: `package <root>;`,
 * the root package's enums, structs and services (each sorted), then every
 * other package (sorted) introduced by its own `package` statement; 4-space
 * indent; docs as `///` lines; annotations on their own line (inline before
 * parameters); names of the same package short, others qualified.
 */
#include "dump.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_MAX_DEPTH 128 /* guard for malformed IRs */

typedef struct dumper {
    const alri_schema *s;
    FILE *out;
    const char *pkg; /* current package: pkg[0..pkglen) */
    size_t pkglen;
} dumper;

/* Length of the package part of a qualified name (0 if undotted). */
static size_t pkg_len(const char *qname)
{
    const char *dot = strrchr(qname, '.');
    return dot ? (size_t)(dot - qname) : 0;
}

static int in_pkg(const dumper *d, const char *qname)
{
    return pkg_len(qname) == d->pkglen && strncmp(qname, d->pkg, d->pkglen) == 0;
}

/* A declaration's name as seen from the current package. */
static const char *ref_name(const dumper *d, const char *qname)
{
    if (!qname)
        return "?";
    return in_pkg(d, qname) && d->pkglen ? qname + d->pkglen + 1 : qname;
}

static void indent(dumper *d, int level)
{
    for (int i = 0; i < level; i++)
        fputs("    ", d->out);
}

static void print_doc(dumper *d, const char *doc, int level)
{
    if (!doc || !*doc)
        return;
    const char *p = doc;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        indent(d, level);
        if (n) {
            fputs("/// ", d->out);
            fwrite(p, 1, n, d->out);
        } else {
            fputs("///", d->out);
        }
        fputc('\n', d->out);
        if (!nl)
            break;
        p = nl + 1;
    }
}

static void print_type(dumper *d, uint32_t t, int depth);

static void print_type(dumper *d, uint32_t t, int depth)
{
    static const char *const scalar[] = {
        [ALR_K_BOOL] = "bool", [ALR_K_I8] = "i8",   [ALR_K_I16] = "i16",   [ALR_K_I32] = "i32",
        [ALR_K_I64] = "i64",   [ALR_K_U8] = "u8",   [ALR_K_U16] = "u16",   [ALR_K_U32] = "u32",
        [ALR_K_U64] = "u64",   [ALR_K_F32] = "f32", [ALR_K_F64] = "f64",   [ALR_K_STRING] = "string",
        [ALR_K_BYTES] = "bytes",
    };
    const alri_schema *s = d->s;
    if (t >= s->types.n || depth > DUMP_MAX_DEPTH) {
        fputs("?", d->out);
        return;
    }
    const alri_type *ty = &s->types.v[t];
    switch (ty->kind) {
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_OPTIONAL:
        fputs(ty->kind == ALR_K_LIST ? "list<" : ty->kind == ALR_K_SET ? "set<" : "optional<",
              d->out);
        print_type(d, ty->a, depth + 1);
        fputc('>', d->out);
        break;
    case ALR_K_MAP:
        fputs("map<", d->out);
        print_type(d, ty->a, depth + 1);
        fputs(", ", d->out);
        print_type(d, ty->b, depth + 1);
        fputc('>', d->out);
        break;
    case ALR_K_ARRAY: /* only reached for malformed IRs: members print arrays */
        print_type(d, ty->a, depth + 1);
        fprintf(d->out, "[%" PRIu32 "]", ty->b);
        break;
    case ALR_K_STRUCT:
        fputs(ref_name(d, ty->a < s->structs.n ? s->structs.v[ty->a].name : NULL), d->out);
        break;
    case ALR_K_ENUM:
    case ALR_K_FLAGS:
        fputs(ref_name(d, ty->a < s->enums.n ? s->enums.v[ty->a].name : NULL), d->out);
        break;
    case ALR_K_REF:
        fputs("ref<", d->out);
        fputs(ref_name(d, ty->a < s->services.n ? s->services.v[ty->a].name : NULL), d->out);
        fputc('>', d->out);
        break;
    default:
        fputs(ty->kind >= ALR_K_BOOL && ty->kind <= ALR_K_BYTES ? scalar[ty->kind] : "?", d->out);
        break;
    }
}

static void print_string(dumper *d, const char *str)
{
    const unsigned char *p = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)p);
    fputc('"', d->out);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        switch (c) {
        case '\n': fputs("\\n", d->out); i++; continue;
        case '\t': fputs("\\t", d->out); i++; continue;
        case '\r': fputs("\\r", d->out); i++; continue;
        case '\\': fputs("\\\\", d->out); i++; continue;
        case '"': fputs("\\\"", d->out); i++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(d->out, "\\x%02X", c);
            i++;
        } else if (c < 0x80) {
            fputc(c, d->out);
            i++;
        } else {
            size_t k = alri_utf8_seq(p + i, n - i);
            if (k) {
                fwrite(p + i, 1, k, d->out);
                i += k;
            } else {
                fprintf(d->out, "\\x%02X", c);
                i++;
            }
        }
    }
    fputc('"', d->out);
}

static void print_float(dumper *d, double f)
{
    if (isnan(f)) {
        fputs("nan", d->out);
        return;
    }
    if (isinf(f)) {
        fputs(f < 0 ? "-inf" : "inf", d->out);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", f);
    fputs(buf, d->out);
    if (!strpbrk(buf, ".eEn"))
        fputs(".0", d->out);
}

static void print_value(dumper *d, uint32_t v)
{
    const alri_schema *s = d->s;
    if (v >= s->values.n) {
        fputs("?", d->out);
        return;
    }
    const alri_value *val = &s->values.v[v];
    switch (val->kind) {
    case ALRI_V_INT: fprintf(d->out, "%" PRId64, val->i); break;
    case ALRI_V_UINT: fprintf(d->out, "%" PRIu64, val->u); break;
    case ALRI_V_FLOAT: print_float(d, val->f); break;
    case ALRI_V_BOOL: fputs(val->u ? "true" : "false", d->out); break;
    case ALRI_V_STRING: print_string(d, val->s); break;
    case ALRI_V_ENUM:
    case ALRI_V_IDENT: fputs(val->s ? val->s : "?", d->out); break;
    case ALRI_V_FLAGS: fputs(val->s && *val->s ? val->s : "0", d->out); break;
    default: fputs("?", d->out); break;
    }
}

static void print_annot(dumper *d, uint32_t a)
{
    const alri_schema *s = d->s;
    if (a >= s->annots.n)
        return;
    const alri_annot *an = &s->annots.v[a];
    fprintf(d->out, "@%s", an->name ? an->name : "?");
    if (!an->nargs)
        return;
    fputc('(', d->out);
    for (uint32_t i = 0; i < an->nargs; i++) {
        uint32_t k = an->first_arg + i;
        if (k >= s->args.n)
            break;
        if (i)
            fputs(", ", d->out);
        if (s->args.v[k].key)
            fprintf(d->out, "%s = ", s->args.v[k].key);
        print_value(d, s->args.v[k].value);
    }
    fputc(')', d->out);
}

/* Annotations each on its own line at level. */
static void print_annots_lines(dumper *d, uint32_t first, uint32_t n, int level)
{
    for (uint32_t i = 0; i < n; i++) {
        indent(d, level);
        print_annot(d, first + i);
        fputc('\n', d->out);
    }
}

/* `type name[N] = value` (annotations and doc printed by the caller). */
static void print_member_decl(dumper *d, const alri_member *m)
{
    const alri_schema *s = d->s;
    uint32_t t = m->type;
    uint32_t arraylen = 0;
    if (t < s->types.n && s->types.v[t].kind == ALR_K_ARRAY) {
        arraylen = s->types.v[t].b;
        t = s->types.v[t].a;
    }
    print_type(d, t, 0);
    fprintf(d->out, " %s", m->name ? m->name : "?");
    if (arraylen)
        fprintf(d->out, "[%" PRIu32 "]", arraylen);
    if (m->dflt != ALRI_NONE) {
        fputs(" = ", d->out);
        print_value(d, m->dflt);
    }
}

static void print_enum(dumper *d, const alri_enum *e)
{
    const alri_schema *s = d->s;
    print_doc(d, e->doc, 0);
    print_annots_lines(d, e->first_annot, e->nannots, 0);
    fprintf(d->out, "%s %s {\n", e->is_flags ? "flags" : "enum", ref_name(d, e->name));
    for (uint32_t i = 0; i < e->nvalues; i++) {
        uint32_t k = e->first_value + i;
        if (k >= s->enumvals.n)
            break;
        const alri_enumval *v = &s->enumvals.v[k];
        print_doc(d, v->doc, 1);
        print_annots_lines(d, v->first_annot, v->nannots, 1);
        indent(d, 1);
        if (e->is_flags)
            fprintf(d->out, "%s = %" PRIu64 ",\n", v->name, (uint64_t)v->value);
        else
            fprintf(d->out, "%s = %" PRId64 ",\n", v->name, v->value);
    }
    fputs("}\n", d->out);
}

static void print_struct(dumper *d, const alri_struct *st)
{
    const alri_schema *s = d->s;
    print_doc(d, st->doc, 0);
    print_annots_lines(d, st->first_annot, st->nannots, 0);
    fprintf(d->out, "struct %s {\n", ref_name(d, st->name));
    for (uint32_t i = 0; i < st->nfields; i++) {
        uint32_t k = st->first_field + i;
        if (k >= s->fields.n)
            break;
        const alri_member *f = &s->fields.v[k];
        print_doc(d, f->doc, 1);
        print_annots_lines(d, f->first_annot, f->nannots, 1);
        indent(d, 1);
        print_member_decl(d, f);
        fputs(";\n", d->out);
    }
    fputs("}\n", d->out);
}

static void print_method(dumper *d, const alri_method *m)
{
    const alri_schema *s = d->s;
    print_doc(d, m->doc, 1);
    print_annots_lines(d, m->first_annot, m->nannots, 1);
    indent(d, 1);
    if (m->kind == ALR_METHOD_CTOR) {
        fputs("new", d->out);
    } else {
        if (m->kind == ALR_METHOD_STATIC)
            fputs("static ", d->out);
        switch (m->mode) {
        case ALR_RET_VOID: fputs("void", d->out); break;
        case ALR_RET_VALUE: print_type(d, m->ret, 0); break;
        case ALR_RET_RESULT:
            fputs("result<", d->out);
            if (m->ret == ALRI_NONE)
                fputs("void", d->out);
            else
                print_type(d, m->ret, 0);
            fputs(", ", d->out);
            print_type(d, m->err, 0);
            fputc('>', d->out);
            break;
        case ALR_RET_STATUS:
        case ALR_RET_ONEWAY_STATUS:
            fputs(m->mode == ALR_RET_STATUS ? "status" : "oneway status", d->out);
            if (m->err != ALRI_NONE) {
                fputc('<', d->out);
                print_type(d, m->err, 0);
                fputc('>', d->out);
            }
            break;
        case ALR_RET_ONEWAY: fputs("oneway void", d->out); break;
        case ALR_RET_ASYNC:
            fputs("async ", d->out);
            if (m->ret == ALRI_NONE)
                fputs("void", d->out);
            else
                print_type(d, m->ret, 0);
            break;
        case ALR_RET_ASYNCREF:
            fputs("asyncref ", d->out);
            print_type(d, m->ret, 0);
            break;
        default: fputs("?", d->out); break;
        }
        fprintf(d->out, " %s", m->name ? m->name : "?");
    }
    /* parameters: inline, or one per line when any has a doc comment */
    int multiline = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        uint32_t k = m->first_param + i;
        if (k < s->params.n && s->params.v[k].doc && *s->params.v[k].doc)
            multiline = 1;
    }
    fputc('(', d->out);
    for (uint32_t i = 0; i < m->nparams; i++) {
        uint32_t k = m->first_param + i;
        if (k >= s->params.n)
            break;
        const alri_member *p = &s->params.v[k];
        if (i)
            fputs(multiline ? "," : ", ", d->out);
        if (multiline) {
            fputc('\n', d->out);
            print_doc(d, p->doc, 2);
            indent(d, 2);
        }
        for (uint32_t a = 0; a < p->nannots; a++) {
            print_annot(d, p->first_annot + a);
            fputc(' ', d->out);
        }
        print_member_decl(d, p);
    }
    fputs(");\n", d->out);
}

static void print_service(dumper *d, const alri_service *sv)
{
    const alri_schema *s = d->s;
    print_doc(d, sv->doc, 0);
    print_annots_lines(d, sv->first_annot, sv->nannots, 0);
    fprintf(d->out, "service %s {\n", ref_name(d, sv->name));
    for (uint32_t i = 0; i < sv->nmethods; i++) {
        uint32_t k = sv->first_method + i;
        if (k >= s->methods.n)
            break;
        print_method(d, &s->methods.v[k]);
    }
    fputs("}\n", d->out);
}

/* Prints every declaration of package d->pkg. */
static void print_package(dumper *d)
{
    const alri_schema *s = d->s;
    for (uint32_t i = 0; i < s->enums.n; i++)
        if (s->enums.v[i].name && in_pkg(d, s->enums.v[i].name)) {
            fputc('\n', d->out);
            print_enum(d, &s->enums.v[i]);
        }
    for (uint32_t i = 0; i < s->structs.n; i++)
        if (s->structs.v[i].name && in_pkg(d, s->structs.v[i].name)) {
            fputc('\n', d->out);
            print_struct(d, &s->structs.v[i]);
        }
    for (uint32_t i = 0; i < s->services.n; i++)
        if (s->services.v[i].name && in_pkg(d, s->services.v[i].name)) {
            fputc('\n', d->out);
            print_service(d, &s->services.v[i]);
        }
}

typedef struct pkgref {
    const char *p;
    size_t len;
} pkgref;

static int pkgref_cmp(const void *a, const void *b)
{
    const pkgref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

int dump_alr(const alri_schema *s, FILE *out)
{
    dumper d = {s, out, s->package ? s->package : "", 0};
    d.pkglen = strlen(d.pkg);
    fprintf(out, "package %s;\n", d.pkg);
    print_package(&d);

    /* the other packages, sorted and unique */
    size_t total = (size_t)s->enums.n + s->structs.n + s->services.n;
    pkgref *pk = malloc((total ? total : 1) * sizeof *pk);
    if (!pk)
        return -1;
    size_t n = 0;
    const char *root = d.pkg;
    size_t rootlen = d.pkglen;
    for (int t = 0; t < 3; t++) {
        uint32_t cnt = t == 0 ? s->enums.n : t == 1 ? s->structs.n : s->services.n;
        for (uint32_t i = 0; i < cnt; i++) {
            const char *name = t == 0 ? s->enums.v[i].name
                             : t == 1 ? s->structs.v[i].name
                                      : s->services.v[i].name;
            if (!name)
                continue;
            size_t len = pkg_len(name);
            if (len == rootlen && strncmp(name, root, len) == 0)
                continue;
            pk[n].p = name;
            pk[n].len = len;
            n++;
        }
    }
    qsort(pk, n, sizeof *pk, pkgref_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && pkgref_cmp(&pk[i - 1], &pk[i]) == 0)
            continue;
        d.pkg = pk[i].p;
        d.pkglen = pk[i].len;
        fprintf(out, "\npackage %.*s;\n", (int)pk[i].len, pk[i].p);
        print_package(&d);
    }
    free(pk);
    return ferror(out) ? -1 : 0;
}
