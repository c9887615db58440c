/*
 * imp_facts.c - writes the importer's side table of C layout facts
 * (imp_facts.h) as C11 _Static_asserts: what generated code will check so
 * that the compiler that builds it agrees with the clang that read the
 * header about every size, alignment and offset the codec relies on.
 */
#include "imp_facts.h"

static void imp_assert(FILE *out, const char *expr, int64_t want, const char *what)
{
    fprintf(out, "_Static_assert(%s == %lld, \"%s\");\n", expr, (long long)want, what);
}

int imp_facts_write_asserts(const imp_facts *f, FILE *out)
{
    char expr[1024], what[1024];
    fprintf(out, "/* layout facts of %s as clang saw them (target %s) */\n",
            f->header ? f->header : "?", f->target ? f->target : "?");
    for (uint32_t i = 0; i < f->nstructs; i++) {
        const imp_struct_fact *s = &f->structs[i];
        snprintf(expr, sizeof expr, "sizeof(%s)", s->c_type);
        snprintf(what, sizeof what, "%s: size differs from the header as alrc read it", s->qname);
        imp_assert(out, expr, s->size, what);
        snprintf(expr, sizeof expr, "_Alignof(%s)", s->c_type);
        snprintf(what, sizeof what, "%s: alignment differs from the header as alrc read it",
                 s->qname);
        imp_assert(out, expr, s->align, what);
        for (uint32_t j = 0; j < s->nmembers; j++) {
            const imp_member_fact *m = &s->members[j];
            if (!m->c_name || !m->c_name[0] || m->offset < 0)
                continue;
            snprintf(expr, sizeof expr, "offsetof(%s, %s)", s->c_type, m->c_name);
            snprintf(what, sizeof what, "%s.%s: offset differs from the header as alrc read it",
                     s->qname, m->c_name);
            imp_assert(out, expr, m->offset, what);
            snprintf(expr, sizeof expr, "sizeof(((%s *)0)->%s)", s->c_type, m->c_name);
            snprintf(what, sizeof what, "%s.%s: size differs from the header as alrc read it",
                     s->qname, m->c_name);
            imp_assert(out, expr, m->size, what);
        }
    }
    for (uint32_t i = 0; i < f->nenums; i++) {
        const imp_enum_fact *e = &f->enums[i];
        snprintf(expr, sizeof expr, "sizeof(%s)", e->c_type);
        snprintf(what, sizeof what, "%s: size differs from the header as alrc read it", e->qname);
        imp_assert(out, expr, e->size, what);
        for (uint32_t j = 0; j < e->nvalues; j++) {
            const imp_enumval_fact *v = &e->values[j];
            if (!v->c_name)
                continue;
            if (e->is_flags)
                fprintf(out,
                        "_Static_assert((unsigned long long)%s == %lluull, \"%s.%s: value "
                        "differs\");\n",
                        v->c_name, (unsigned long long)v->value, e->qname,
                        v->alr_name ? v->alr_name : v->c_name);
            else
                fprintf(out, "_Static_assert(%s == %lld, \"%s.%s: value differs\");\n", v->c_name,
                        (long long)v->value, e->qname, v->alr_name ? v->alr_name : v->c_name);
        }
    }
    return ferror(out) ? -1 : 0;
}
