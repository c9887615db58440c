/*
 * test_idl.c - the .alr front end: every construct of spec/alr-language.md
 * section 2 builds the expected AST (names, kinds, modes, values, docs,
 * locations), and bad inputs give the expected diagnostics at the expected
 * places.  Ends with a robustness sweep over random and mutated inputs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers */

typedef struct px {
    diag d;
    ast_ctx c;
    FILE *mem;
    char *out;
    size_t outlen;
    int errors;
    ast_file *f;
} px;

static void px_parse_n(px *p, const char *text, size_t len)
{
    memset(p, 0, sizeof *p);
    p->mem = open_memstream(&p->out, &p->outlen);
    diag_init(&p->d, p->mem);
    char *t = malloc(len + 1);
    memcpy(t, text, len);
    t[len] = 0;
    uint32_t fi = diag_add_file(&p->d, "t.alr", t, len);
    ast_ctx_init(&p->c, &p->d);
    p->errors = idl_parse(&p->c, fi);
    fflush(p->mem);
    p->f = p->c.cur_file;
}

static void px_parse(px *p, const char *text)
{
    px_parse_n(p, text, strlen(text));
}

static void px_done(px *p)
{
    ast_ctx_fini(&p->c);
    diag_fini(&p->d);
    fclose(p->mem);
    free(p->out);
}

static ast_decl *decl_at(ast_file *f, unsigned i)
{
    ast_decl *d = f ? f->decls : NULL;
    while (d && i--)
        d = d->next;
    return d;
}

static ast_decl *decl_named(ast_file *f, const char *name)
{
    for (ast_decl *d = f ? f->decls : NULL; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static ast_member *field_at(ast_decl *d, unsigned i)
{
    ast_member *m = d ? d->fields : NULL;
    while (m && i--)
        m = m->next;
    return m;
}

static ast_enumval *eval_at(ast_decl *d, unsigned i)
{
    ast_enumval *v = d ? d->values : NULL;
    while (v && i--)
        v = v->next;
    return v;
}

static ast_method *method_named(ast_decl *d, const char *name)
{
    for (ast_method *m = d ? d->methods : NULL; m; m = m->next)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

static ast_member *param_at(ast_method *m, unsigned i)
{
    ast_member *p = m ? m->params : NULL;
    while (p && i--)
        p = p->next;
    return p;
}

static ast_type *targ_at(ast_type *t, unsigned i)
{
    ast_type *a = t ? t->args : NULL;
    while (a && i--)
        a = a->next;
    return a;
}

static ast_annot_arg *aarg_at(ast_annot *a, unsigned i)
{
    ast_annot_arg *g = a ? a->args : NULL;
    while (g && i--)
        g = g->next;
    return g;
}

static unsigned count_annots(ast_annot *a)
{
    unsigned n = 0;
    for (; a; a = a->next)
        n++;
    return n;
}

static unsigned count_aargs(ast_annot *a)
{
    unsigned n = 0;
    for (ast_annot_arg *g = a ? a->args : NULL; g; g = g->next)
        n++;
    return n;
}

#define CHECK_LOC(l, ln, cl)        \
    do {                            \
        CHECK_EQ_INT((l).line, ln); \
        CHECK_EQ_INT((l).col, cl);  \
    } while (0)

/* The first line of the diagnostics. */
static const char *first_line(px *p, char *buf, size_t cap)
{
    size_t n = 0;
    const char *s = p->out ? p->out : "";
    while (s[n] && s[n] != '\n' && n + 1 < cap)
        n++;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

/* Parses src; its first diagnostic line must be want, and idl_parse must
 * return nerr. */
static void expect_error_n(int line, const char *src, size_t len, const char *want, int nerr)
{
    px p;
    char buf[512];
    px_parse_n(&p, src, len);
    first_line(&p, buf, sizeof buf);
    if (strcmp(buf, want) != 0 || p.errors != nerr)
        fprintf(stderr, "test_idl.c:%d: input: %.*s\n", line, (int)len, src);
    CHECK_EQ_STR(buf, want);
    CHECK_EQ_INT(p.errors, nerr);
    CHECK_EQ_INT(p.d.errors, (unsigned)nerr);
    px_done(&p);
}

#define EXPECT_ERR(src, want) expect_error_n(__LINE__, src, strlen(src), want, 1)
#define EXPECT_ERRS(src, want, n) expect_error_n(__LINE__, src, strlen(src), want, n)

/* ---------------------------------------------------------------- the sketch */

static const char sketch[] =
    "/// Doc comments attach to the next declaration and are kept in the blob.\n"
    "package cityguide;\n"
    "import \"common.alr\";\n"
    "\n"
    "enum Conditions { sunny, cloudy = 5, rain }\n"
    "flags Warnings { storm = 4, flood = 8, high_wind = 16 }\n"
    "\n"
    "struct WeatherConditions {\n"
    "    f32 wind_speed;\n"
    "    string description = \"Unknown\";\n"
    "}\n"
    "\n"
    "service CityGuide {\n"
    "    static u64 add(u64 a, u64 b);\n"
    "    static oneway void log_event(string text);\n"
    "    static oneway status audit(string text);\n"
    "    static async PointOfInterest poi_async(Location at);\n"
    "    static result<PointOfInterest, PoiError> poi(Location at);\n"
    "    new(string user, string city = \"San Francisco\");\n"
    "    CityInfo current_city();\n"
    "    void stream_pois(ref<CityGuideClient> client, Area area, bool log = false);\n"
    "    asyncref list<PointOfInterest> pois(Area area);\n"
    "    @deadline(2000) WeatherInfo weather(Location at);\n"
    "}\n";

static void test_sketch(void)
{
    px p;
    px_parse(&p, sketch);
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.out, "");
    ast_file *f = p.f;
    CHECK(f != NULL);
    if (!f) {
        px_done(&p);
        return;
    }
    CHECK_EQ_STR(f->path, "t.alr");
    CHECK_EQ_INT(f->diag_file, 1);
    CHECK_EQ_STR(f->pkg, "cityguide");
    CHECK_LOC(f->pkg_loc, 2, 9);
    CHECK(f->imports != NULL);
    CHECK_EQ_STR(f->imports->path, "common.alr");
    CHECK_LOC(f->imports->loc, 3, 8);
    CHECK(f->imports->next == NULL);

    ast_decl *e = decl_at(f, 0);
    CHECK_EQ_STR(e->name, "Conditions");
    CHECK_EQ_STR(e->qname, "cityguide.Conditions");
    CHECK_EQ_INT(e->kind, AST_DECL_ENUM);
    CHECK(e->doc == NULL); /* the file's doc comment documents the package */
    CHECK_LOC(e->loc, 5, 6);
    CHECK_EQ_INT(e->nvalues, 3);
    CHECK_EQ_STR(eval_at(e, 0)->name, "sunny");
    CHECK(eval_at(e, 0)->value == NULL);
    CHECK_EQ_STR(eval_at(e, 1)->name, "cloudy");
    CHECK_EQ_INT(eval_at(e, 1)->value->kind, AST_V_INT);
    CHECK_EQ_INT(eval_at(e, 1)->value->mag, 5);
    CHECK_EQ_INT(eval_at(e, 1)->value->neg, 0);
    CHECK_LOC(eval_at(e, 1)->loc, 5, 26);
    CHECK_LOC(eval_at(e, 1)->value->loc, 5, 35);
    CHECK(eval_at(e, 2)->value == NULL);

    ast_decl *w = decl_at(f, 1);
    CHECK_EQ_STR(w->name, "Warnings");
    CHECK_EQ_INT(w->kind, AST_DECL_FLAGS);
    CHECK_EQ_INT(w->nvalues, 3);
    CHECK_EQ_STR(eval_at(w, 2)->name, "high_wind");
    CHECK_EQ_INT(eval_at(w, 2)->value->mag, 16);

    ast_decl *s = decl_at(f, 2);
    CHECK_EQ_STR(s->name, "WeatherConditions");
    CHECK_EQ_INT(s->kind, AST_DECL_STRUCT);
    CHECK_EQ_INT(s->nfields, 2);
    CHECK_EQ_STR(field_at(s, 0)->name, "wind_speed");
    CHECK_EQ_STR(field_at(s, 0)->type->name, "f32");
    CHECK_EQ_INT(field_at(s, 0)->type->nargs, 0);
    CHECK(field_at(s, 0)->dflt == NULL);
    CHECK_LOC(field_at(s, 0)->loc, 9, 9);
    CHECK_LOC(field_at(s, 0)->type->loc, 9, 5);
    ast_member *desc = field_at(s, 1);
    CHECK_EQ_STR(desc->type->name, "string");
    CHECK_EQ_INT(desc->dflt->kind, AST_V_STRING);
    CHECK_EQ_STR(desc->dflt->s, "Unknown");
    CHECK_EQ_INT(desc->dflt->slen, 7);
    CHECK_LOC(desc->dflt->loc, 10, 26);

    ast_decl *g = decl_at(f, 3);
    CHECK_EQ_STR(g->name, "CityGuide");
    CHECK_EQ_INT(g->kind, AST_DECL_SERVICE);
    CHECK_EQ_INT(g->nmethods, 10);
    CHECK(decl_at(f, 4) == NULL);

    ast_method *m = method_named(g, "add");
    CHECK(m && m->is_static && !m->is_ctor);
    CHECK_EQ_INT(m->mode_kw, AST_MODE_PLAIN);
    CHECK_EQ_STR(m->ret->name, "u64");
    CHECK_EQ_INT(m->nparams, 2);
    CHECK_EQ_STR(param_at(m, 1)->name, "b");
    CHECK_EQ_STR(param_at(m, 1)->type->name, "u64");
    CHECK_LOC(m->loc, 14, 16);
    CHECK_LOC(param_at(m, 1)->loc, 14, 31);

    m = method_named(g, "log_event");
    CHECK(m && m->is_static);
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ONEWAY);
    CHECK_EQ_STR(m->ret->name, "void");
    CHECK_EQ_INT(m->nparams, 1);

    m = method_named(g, "audit");
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ONEWAY);
    CHECK_EQ_STR(m->ret->name, "status");

    m = method_named(g, "poi_async");
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ASYNC);
    CHECK_EQ_STR(m->ret->name, "PointOfInterest");

    m = method_named(g, "poi");
    CHECK_EQ_INT(m->mode_kw, AST_MODE_PLAIN);
    CHECK_EQ_STR(m->ret->name, "result");
    CHECK_EQ_INT(m->ret->nargs, 2);
    CHECK_EQ_STR(targ_at(m->ret, 0)->name, "PointOfInterest");
    CHECK_EQ_STR(targ_at(m->ret, 1)->name, "PoiError");
    CHECK_LOC(targ_at(m->ret, 1)->loc, 18, 36);

    m = method_named(g, "new");
    CHECK(m && m->is_ctor && !m->is_static);
    CHECK(m->ret == NULL);
    CHECK_EQ_INT(m->nparams, 2);
    CHECK_LOC(m->loc, 19, 5);
    CHECK_EQ_STR(param_at(m, 1)->name, "city");
    CHECK_EQ_STR(param_at(m, 1)->dflt->s, "San Francisco");

    m = method_named(g, "current_city");
    CHECK(m && !m->is_static && m->nparams == 0 && m->params == NULL);
    CHECK_EQ_STR(m->ret->name, "CityInfo");

    m = method_named(g, "stream_pois");
    CHECK_EQ_STR(m->ret->name, "void");
    CHECK_EQ_INT(m->nparams, 3);
    CHECK_EQ_STR(param_at(m, 0)->type->name, "ref");
    CHECK_EQ_INT(param_at(m, 0)->type->nargs, 1);
    CHECK_EQ_STR(targ_at(param_at(m, 0)->type, 0)->name, "CityGuideClient");
    CHECK_EQ_INT(param_at(m, 2)->dflt->kind, AST_V_BOOL);
    CHECK_EQ_INT(param_at(m, 2)->dflt->b, 0);

    m = method_named(g, "pois");
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ASYNCREF);
    CHECK_EQ_STR(m->ret->name, "list");
    CHECK_EQ_STR(targ_at(m->ret, 0)->name, "PointOfInterest");

    m = method_named(g, "weather");
    CHECK_EQ_INT(count_annots(m->annots), 1);
    CHECK_EQ_STR(m->annots->name, "deadline");
    CHECK_LOC(m->annots->loc, 23, 5);
    CHECK_EQ_INT(count_aargs(m->annots), 1);
    CHECK(aarg_at(m->annots, 0)->key == NULL);
    CHECK_EQ_INT(aarg_at(m->annots, 0)->value->kind, AST_V_INT);
    CHECK_EQ_INT(aarg_at(m->annots, 0)->value->mag, 2000);
    CHECK_LOC(aarg_at(m->annots, 0)->loc, 23, 15);
    px_done(&p);
}

/* ---------------------------------------------------------------- constructs */

static void test_packages_imports(void)
{
    px p;
    px_parse(&p, "package a.b.c;\nimport \"x.alr\";\nimport \"d/y.alr\";\n"
                 "struct S {}\npackage other ;\nstruct T {}\n");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.f->pkg, "a.b.c");
    CHECK_EQ_STR(p.f->imports->path, "x.alr");
    CHECK_EQ_STR(p.f->imports->next->path, "d/y.alr");
    CHECK_EQ_STR(decl_named(p.f, "S")->qname, "a.b.c.S");
    CHECK_EQ_STR(decl_named(p.f, "T")->qname, "other.T");
    CHECK_EQ_STR(decl_named(p.f, "T")->pkg, "other");
    CHECK_EQ_INT(decl_named(p.f, "S")->nfields, 0);
    px_done(&p);

    /* qualified names may have blanks and comments between their parts */
    px_parse(&p, "package a . b /* x */ . c;\nstruct S { common . Location at; x.y.Z z; }");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.f->pkg, "a.b.c");
    CHECK_LOC(p.f->pkg_loc, 1, 9);
    ast_decl *s = decl_named(p.f, "S");
    CHECK_EQ_STR(field_at(s, 0)->type->name, "common.Location");
    CHECK_EQ_STR(field_at(s, 1)->type->name, "x.y.Z");
    px_done(&p);

    /* an empty file and a file of comments are fine */
    px_parse(&p, "");
    CHECK_EQ_INT(p.errors, 0);
    CHECK(p.f != NULL && p.f->decls == NULL && p.f->pkg == NULL);
    px_done(&p);
    px_parse(&p, "// nothing\n/* at */ //// all\n");
    CHECK_EQ_INT(p.errors, 0);
    px_done(&p);
}

static void test_types(void)
{
    px p;
    px_parse(&p, "struct S {\n"
                 "  map<string, list<common.Location>> m;\n"
                 "  optional<optional<u8>> o;\n"
                 "  u8 id[32];\n"
                 "  list<u8> many[0x10] = 1;\n"
                 "  status list;\n"
                 "  map<a,b,c> wrong;\n"
                 "}");
    CHECK_EQ_INT(p.errors, 0);
    ast_decl *s = decl_named(p.f, "S");
    CHECK_EQ_INT(s->nfields, 6);
    ast_type *t = field_at(s, 0)->type;
    CHECK_EQ_STR(t->name, "map");
    CHECK_EQ_INT(t->nargs, 2);
    CHECK_LOC(t->loc, 2, 3);
    CHECK_EQ_STR(targ_at(t, 0)->name, "string");
    CHECK_EQ_STR(targ_at(t, 1)->name, "list");
    CHECK_EQ_INT(targ_at(t, 1)->nargs, 1);
    CHECK_EQ_STR(targ_at(targ_at(t, 1), 0)->name, "common.Location");
    CHECK(targ_at(t, 2) == NULL);
    t = field_at(s, 1)->type;
    CHECK_EQ_STR(targ_at(targ_at(t, 0), 0)->name, "u8");

    t = field_at(s, 2)->type; /* u8 id[32] */
    CHECK(t->name == NULL);
    CHECK_EQ_INT(t->nargs, 1);
    CHECK_EQ_STR(t->args->name, "u8");
    CHECK_EQ_INT(t->len->kind, AST_V_INT);
    CHECK_EQ_INT(t->len->mag, 32);
    CHECK_LOC(t->loc, 4, 8);
    CHECK_LOC(t->len->loc, 4, 9);
    CHECK_EQ_STR(field_at(s, 2)->name, "id");

    t = field_at(s, 3)->type; /* list<u8> many[0x10] = 1 */
    CHECK(t->name == NULL);
    CHECK_EQ_INT(t->len->mag, 16);
    CHECK_EQ_STR(t->args->name, "list");
    CHECK_EQ_INT(field_at(s, 3)->dflt->mag, 1);

    /* type names are identifiers: fields may be called list, status */
    CHECK_EQ_STR(field_at(s, 4)->type->name, "status");
    CHECK_EQ_STR(field_at(s, 4)->name, "list");
    CHECK_EQ_INT(field_at(s, 5)->type->nargs, 3); /* arity is sema's business */
    px_done(&p);

    /* nested generics close with '>' '>' */
    px_parse(&p, "struct S { list<list<list<u8>>> x; }");
    CHECK_EQ_INT(p.errors, 0);
    t = field_at(decl_named(p.f, "S"), 0)->type;
    CHECK_EQ_STR(t->args->args->args->name, "u8");
    px_done(&p);
}

static void test_values(void)
{
    px p;
    px_parse(&p, "struct S {\n"
                 "  i32 a = -5; u64 b = 18446744073709551615; u64 c = 0xFFFFFFFFFFFFFFFF;\n"
                 "  f64 d = 1.5; f64 e = -2.5e3; f64 f = 1e-3; f32 g = inf; f32 h = -inf;\n"
                 "  f32 i = nan; bool j = true; bool k = false; Color l = red;\n"
                 "  Perm m = read | write|exec; string n = \"a\\n\\t\\r\\\\\\\"\\'\\x41\\xC3\\xA9\";\n"
                 "  i8 o = - 0; f64 q = 0.25; string r = \"\"; string u = \"h\\u00e9llo\";\n"
                 "}");
    /* \u is not an escape: one error, nothing else */
    CHECK_EQ_INT(p.errors, 1);
    px_done(&p);

    px_parse(&p, "struct S {\n"
                 "  i32 a = -5; u64 b = 18446744073709551615; u64 c = 0xFFFFFFFFFFFFFFFF;\n"
                 "  f64 d = 1.5; f64 e = -2.5e3; f64 f = 1e-3; f32 g = inf; f32 h = -inf;\n"
                 "  f32 i = nan; bool j = true; bool k = false; Color l = red;\n"
                 "  Perm m = read | write|exec; string n = \"a\\n\\t\\r\\\\\\\"\\'\\x41\\xC3\\xA9\";\n"
                 "  i8 o = - 0; f64 q = 0.25; string r = \"\"; string u = \"h\xc3\xa9llo \xf0\x9f\x98\x80\";\n"
                 "}");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.out, "");
    ast_decl *s = decl_named(p.f, "S");
    ast_value *v = field_at(s, 0)->dflt;
    CHECK_EQ_INT(v->kind, AST_V_INT);
    CHECK_EQ_INT(v->mag, 5);
    CHECK_EQ_INT(v->neg, 1);
    CHECK_LOC(v->loc, 2, 11);
    v = field_at(s, 1)->dflt;
    CHECK(v->mag == UINT64_MAX && !v->neg);
    CHECK(field_at(s, 2)->dflt->mag == UINT64_MAX);
    v = field_at(s, 3)->dflt;
    CHECK_EQ_INT(v->kind, AST_V_FLOAT);
    CHECK(v->f == 1.5);
    v = field_at(s, 4)->dflt;
    CHECK(v->kind == AST_V_FLOAT && v->f == -2500.0);
    CHECK_LOC(v->loc, 3, 24);
    CHECK(field_at(s, 5)->dflt->f == 1e-3);
    v = field_at(s, 6)->dflt;
    CHECK(v->kind == AST_V_FLOAT && isinf(v->f) && v->f > 0);
    v = field_at(s, 7)->dflt;
    CHECK(v->kind == AST_V_FLOAT && isinf(v->f) && v->f < 0);
    CHECK_LOC(v->loc, 3, 67);
    v = field_at(s, 8)->dflt;
    CHECK(v->kind == AST_V_FLOAT && isnan(v->f));
    CHECK(field_at(s, 9)->dflt->kind == AST_V_BOOL && field_at(s, 9)->dflt->b == 1);
    CHECK(field_at(s, 10)->dflt->kind == AST_V_BOOL && field_at(s, 10)->dflt->b == 0);
    v = field_at(s, 11)->dflt;
    CHECK_EQ_INT(v->kind, AST_V_IDENT);
    CHECK_EQ_STR(v->idents->name, "red");
    CHECK(v->idents->next == NULL);
    v = field_at(s, 12)->dflt;
    CHECK_EQ_INT(v->kind, AST_V_IDENT);
    CHECK_EQ_STR(v->idents->name, "read");
    CHECK_EQ_STR(v->idents->next->name, "write");
    CHECK_EQ_STR(v->idents->next->next->name, "exec");
    CHECK(v->idents->next->next->next == NULL);
    CHECK_LOC(v->idents->next->loc, 5, 19);
    CHECK_LOC(v->idents->next->next->loc, 5, 25);
    v = field_at(s, 13)->dflt;
    CHECK_EQ_INT(v->kind, AST_V_STRING);
    CHECK_EQ_INT(v->slen, 10);
    CHECK(memcmp(v->s, "a\n\t\r\\\"'A\xc3\xa9", 10) == 0);
    v = field_at(s, 14)->dflt;
    CHECK(v->kind == AST_V_INT && v->mag == 0 && v->neg == 1);
    CHECK(field_at(s, 15)->dflt->f == 0.25);
    CHECK(field_at(s, 16)->dflt->kind == AST_V_STRING && field_at(s, 16)->dflt->slen == 0);
    CHECK_EQ_STR(field_at(s, 17)->dflt->s, "h\xc3\xa9llo \xf0\x9f\x98\x80");
    px_done(&p);
}

static void test_enums(void)
{
    px p;
    px_parse(&p, "enum E { a = -3, b, c = 0x7fffffff, }\n"
                 "flags F { x, y = 1, }\n"
                 "enum Empty {}\n"
                 "flags Also { }\n"
                 "enum One { only }\n");
    CHECK_EQ_INT(p.errors, 0);
    ast_decl *e = decl_named(p.f, "E");
    CHECK_EQ_INT(e->nvalues, 3);
    ast_value *v = eval_at(e, 0)->value;
    CHECK(v->kind == AST_V_INT && v->mag == 3 && v->neg == 1);
    CHECK_LOC(v->loc, 1, 14);
    CHECK(eval_at(e, 1)->value == NULL);
    CHECK_EQ_INT(eval_at(e, 2)->value->mag, 0x7fffffff);
    CHECK_EQ_INT(decl_named(p.f, "F")->kind, AST_DECL_FLAGS);
    CHECK_EQ_INT(decl_named(p.f, "F")->nvalues, 2);
    CHECK_EQ_INT(decl_named(p.f, "Empty")->nvalues, 0);
    CHECK_EQ_INT(decl_named(p.f, "Also")->nvalues, 0);
    CHECK_EQ_INT(decl_named(p.f, "One")->nvalues, 1);
    px_done(&p);
}

static void test_services(void)
{
    px p;
    px_parse(&p, "service S {\n"
                 "  oneway log_event(string text);\n"
                 "  static oneway void ping();\n"
                 "  async void later(u8 buf[4] = 0, string s = \"x\");\n"
                 "  static status<Err> check();\n"
                 "  new();\n"
                 "}\n"
                 "@common service Empty {}\n");
    CHECK_EQ_INT(p.errors, 0);
    ast_decl *s = decl_named(p.f, "S");
    ast_method *m = method_named(s, "log_event");
    CHECK(m && !m->is_static);
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ONEWAY);
    CHECK_EQ_STR(m->ret->name, "void"); /* the short form */
    CHECK_EQ_INT(m->ret->nargs, 0);
    CHECK_LOC(m->ret->loc, 2, 3);
    CHECK_LOC(m->loc, 2, 10);
    CHECK_EQ_INT(m->nparams, 1);
    m = method_named(s, "ping");
    CHECK(m->is_static && m->mode_kw == AST_MODE_ONEWAY && m->nparams == 0);
    CHECK_EQ_STR(m->ret->name, "void");
    m = method_named(s, "later");
    CHECK_EQ_INT(m->mode_kw, AST_MODE_ASYNC);
    ast_member *a = param_at(m, 0);
    CHECK(a->type->name == NULL && a->type->len->mag == 4);
    CHECK_EQ_STR(a->type->args->name, "u8");
    CHECK_EQ_INT(a->dflt->mag, 0);
    m = method_named(s, "check");
    CHECK_EQ_STR(m->ret->name, "status");
    CHECK_EQ_STR(m->ret->args->name, "Err");
    m = method_named(s, "new");
    CHECK(m->is_ctor && m->nparams == 0);
    CHECK_EQ_INT(s->nmethods, 5);
    ast_decl *e = decl_named(p.f, "Empty");
    CHECK_EQ_INT(e->nmethods, 0);
    CHECK_EQ_STR(e->annots->name, "common");
    CHECK(e->annots->args == NULL);
    CHECK_LOC(e->annots->loc, 8, 1);
    CHECK_LOC(e->loc, 8, 17);
    px_done(&p);
}

static void test_annotations(void)
{
    px p;
    px_parse(&p, "@deprecated(\"use T\") @x() struct S {\n"
                 "  @evolve(write = required, read = optional) @max_len(10) string s;\n"
                 "  @evolve(enum = flags) Perm p;\n"
                 "  @deprecated u8 old;\n"
                 "}\n"
                 "enum E { @deprecated(\"gone\") a, b }\n"
                 "service V { @deadline(2000) @max_size(65536) void f(@max_len(3) list<u8> l); }\n"
                 "@k(a | b, -1, 2.5, true, key = struct) struct K {}\n");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.out, "");
    ast_decl *s = decl_named(p.f, "S");
    CHECK_EQ_INT(count_annots(s->annots), 2);
    CHECK_EQ_STR(s->annots->name, "deprecated");
    CHECK_EQ_INT(count_aargs(s->annots), 1);
    CHECK_EQ_STR(aarg_at(s->annots, 0)->value->s, "use T");
    CHECK_EQ_STR(s->annots->next->name, "x");
    CHECK(s->annots->next->args == NULL);

    ast_member *f = field_at(s, 0);
    CHECK_EQ_INT(count_annots(f->annots), 2);
    ast_annot *ev = f->annots;
    CHECK_EQ_STR(ev->name, "evolve");
    CHECK_LOC(ev->loc, 2, 3);
    CHECK_EQ_INT(count_aargs(ev), 2);
    CHECK_EQ_STR(aarg_at(ev, 0)->key, "write");
    CHECK_LOC(aarg_at(ev, 0)->loc, 2, 11);
    CHECK_EQ_INT(aarg_at(ev, 0)->value->kind, AST_V_IDENT);
    CHECK_EQ_STR(aarg_at(ev, 0)->value->idents->name, "required");
    CHECK_EQ_STR(aarg_at(ev, 1)->key, "read");
    CHECK_EQ_STR(aarg_at(ev, 1)->value->idents->name, "optional");
    CHECK_EQ_STR(f->annots->next->name, "max_len");
    CHECK_EQ_INT(aarg_at(f->annots->next, 0)->value->mag, 10);

    /* keywords are words inside annotation arguments */
    f = field_at(s, 1);
    CHECK_EQ_STR(aarg_at(f->annots, 0)->key, "enum");
    CHECK_EQ_STR(aarg_at(f->annots, 0)->value->idents->name, "flags");
    f = field_at(s, 2);
    CHECK_EQ_STR(f->annots->name, "deprecated");
    CHECK(f->annots->args == NULL);

    ast_decl *e = decl_named(p.f, "E");
    CHECK_EQ_STR(eval_at(e, 0)->annots->name, "deprecated");
    CHECK(eval_at(e, 1)->annots == NULL);

    ast_method *m = method_named(decl_named(p.f, "V"), "f");
    CHECK_EQ_INT(count_annots(m->annots), 2);
    CHECK_EQ_STR(m->annots->next->name, "max_size");
    CHECK_EQ_STR(param_at(m, 0)->annots->name, "max_len");

    ast_annot *k = decl_named(p.f, "K")->annots;
    CHECK_EQ_INT(count_aargs(k), 5);
    CHECK_EQ_STR(aarg_at(k, 0)->value->idents->next->name, "b");
    CHECK(aarg_at(k, 1)->value->neg == 1 && aarg_at(k, 1)->value->mag == 1);
    CHECK(aarg_at(k, 2)->value->f == 2.5);
    CHECK(aarg_at(k, 3)->value->kind == AST_V_BOOL);
    CHECK_EQ_STR(aarg_at(k, 4)->key, "key");
    CHECK_EQ_STR(aarg_at(k, 4)->value->idents->name, "struct");
    px_done(&p);
}

static void test_docs(void)
{
    px p;
    px_parse(&p, "///   Leading blanks: one is stripped.   \n"
                 "///Second line\t \r\n"
                 "///\n"
                 "/// after an empty line\n"
                 "//// not a doc comment\n"
                 "struct S {\n"
                 "    /// the field\n"
                 "    u64 a;\n"
                 "    u64 b; // plain\n"
                 "    /// first run\n"
                 "\n"
                 "    // ordinary comment between\n"
                 "    /// second run\n"
                 "    u64 c;\n"
                 "}\n"
                 "/// E doc\n"
                 "enum E {\n"
                 "  /// value doc\n"
                 "  a,\n"
                 "  b /* x */\n"
                 "}\n"
                 "/// service doc\n"
                 "@common\n"
                 "service V {\n"
                 "  /// method doc\n"
                 "  void f(\n"
                 "    /// param doc\n"
                 "    u8 x);\n"
                 "  /// ctor doc\n"
                 "  new();\n"
                 "}\n");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_EQ_STR(p.out, "");
    ast_decl *s = decl_named(p.f, "S");
    CHECK_EQ_STR(s->doc, "  Leading blanks: one is stripped.\nSecond line\n\nafter an empty line");
    CHECK_EQ_STR(field_at(s, 0)->doc, "the field");
    CHECK(field_at(s, 1)->doc == NULL);
    CHECK_EQ_STR(field_at(s, 2)->doc, "first run\nsecond run");
    ast_decl *e = decl_named(p.f, "E");
    CHECK_EQ_STR(e->doc, "E doc");
    CHECK_EQ_STR(eval_at(e, 0)->doc, "value doc");
    CHECK(eval_at(e, 1)->doc == NULL);
    ast_decl *v = decl_named(p.f, "V");
    CHECK_EQ_STR(v->doc, "service doc");
    CHECK_EQ_STR(v->annots->name, "common");
    ast_method *m = method_named(v, "f");
    CHECK_EQ_STR(m->doc, "method doc");
    CHECK_EQ_STR(param_at(m, 0)->doc, "param doc");
    CHECK_EQ_STR(method_named(v, "new")->doc, "ctor doc");
    px_done(&p);

    /* a doc comment before `package` documents the file: accepted, dropped */
    px_parse(&p, "/// file doc\npackage p;\nstruct S {}\n");
    CHECK_EQ_INT(p.errors, 0);
    CHECK(decl_named(p.f, "S")->doc == NULL);
    px_done(&p);
}

static void test_locations(void)
{
    px p;
    /* CRLF line ends, tabs count one column */
    px_parse(&p, "package p;\r\n\r\nstruct\tS {\r\n\tu64 a = 7;\r\n}\r\n");
    CHECK_EQ_INT(p.errors, 0);
    ast_decl *s = decl_named(p.f, "S");
    CHECK_LOC(s->loc, 3, 8);
    CHECK_LOC(field_at(s, 0)->loc, 4, 6);
    CHECK_LOC(field_at(s, 0)->type->loc, 4, 2);
    CHECK_LOC(field_at(s, 0)->dflt->loc, 4, 10);
    CHECK_EQ_INT(s->loc.file, 1);
    px_done(&p);

    /* lines are counted through block comments and doc comments */
    px_parse(&p, "\xef\xbb\xbf/* one\ntwo\nthree */ struct A {}\n/// d\n/// e\nstruct B {}");
    CHECK_EQ_INT(p.errors, 0);
    CHECK_LOC(decl_named(p.f, "A")->loc, 3, 17);
    CHECK_LOC(decl_named(p.f, "B")->loc, 6, 8);
    px_done(&p);
}

/* ---------------------------------------------------------------- errors */

static void test_syntax_errors(void)
{
    EXPECT_ERR("package a.b; struct S { u64 a u64 b; }",
               "t.alr:1:31: error: expected ';' after field declaration, found 'u64'");
    EXPECT_ERR("package a\nstruct S {}", "t.alr:2:1: error: expected ';' after package declaration, found 'struct'");
    EXPECT_ERR("import \"a.alr\"\nstruct S {}",
               "t.alr:2:1: error: expected ';' after import declaration, found 'struct'");
    EXPECT_ERR("import x;", "t.alr:1:8: error: expected string literal, found 'x'");
    EXPECT_ERR("service S { u64 f() }", "t.alr:1:21: error: expected ';' after method declaration, found '}'");
    EXPECT_ERR("enum E { a, b c }", "t.alr:1:15: error: expected ',' or '}', found 'c'");
    EXPECT_ERR("enum E { a = x }", "t.alr:1:14: error: expected integer literal, found 'x'");
    EXPECT_ERR("enum E { a, 5 }", "t.alr:1:13: error: expected enum value or '}', found '5'");
    EXPECT_ERR("flags F { ; }", "t.alr:1:11: error: expected flags value or '}', found ';'");
    EXPECT_ERR("struct S { list<u64 a; }", "t.alr:1:21: error: expected ',' or '>', found 'a'");
    EXPECT_ERR("struct S { map<string,> m; }", "t.alr:1:23: error: expected identifier, found '>'");
    EXPECT_ERR("struct S { u64 a[3 ; }", "t.alr:1:20: error: expected ']', found ';'");
    EXPECT_ERR("struct S { u64 a = ; }", "t.alr:1:20: error: expected value, found ';'");
    EXPECT_ERR("struct S { u64 a = -foo; }",
               "t.alr:1:21: error: expected number or 'inf' after '-', found 'foo'");
    EXPECT_ERR("struct S { f64 a = -nan; }",
               "t.alr:1:21: error: expected number or 'inf' after '-', found 'nan'");
    EXPECT_ERR("struct S { u64 a = -\"x\"; }",
               "t.alr:1:21: error: expected number or 'inf' after '-', found '\"x\"'");
    EXPECT_ERR("struct S { string package; }",
               "t.alr:1:19: error: expected identifier, found keyword 'package'");
    EXPECT_ERR("struct S { 5 }", "t.alr:1:12: error: expected field declaration or '}', found '5'");
    EXPECT_ERR("struct S { @x 5 }", "t.alr:1:15: error: expected field declaration, found '5'");
    EXPECT_ERR("struct { }", "t.alr:1:8: error: expected identifier, found '{'");
    EXPECT_ERR("struct S { u64 a; } ;", "t.alr:1:21: error: expected declaration, found ';'");
    EXPECT_ERR("x y;", "t.alr:1:1: error: expected declaration, found 'x'");
    EXPECT_ERR("service S { foo(); }",
               "t.alr:1:13: error: missing return type for method 'foo' (use 'void' for none)");
    EXPECT_ERR("service S { static new(); }", "t.alr:1:20: error: a constructor cannot be 'static'");
    EXPECT_ERR("service S { oneway new(); }", "t.alr:1:20: error: a constructor cannot be 'oneway'");
    EXPECT_ERR("service S { 5 }", "t.alr:1:13: error: expected method declaration or '}', found '5'");
    EXPECT_ERR("service S { @deadline 2000 void f(); }",
               "t.alr:1:23: error: expected method declaration, found '2000'");
    EXPECT_ERR("service S { void f(u64 a u64 b); }", "t.alr:1:26: error: expected ',' or ')', found 'u64'");
    EXPECT_ERR("service S { void f(u64 a,); }", "t.alr:1:26: error: expected identifier, found ')'");
    EXPECT_ERR("struct S { @x(1 2) u64 a; }", "t.alr:1:17: error: expected ',' or ')', found '2'");
    EXPECT_ERR("struct S { u64 a = \"" "0123456789012345678901234567890123456789\"; u64 b c; }",
               "t.alr:1:70: error: expected ';' after field declaration, found 'c'");
    EXPECT_ERR("struct S { u64 a \"0123456789012345678901234567890123456789\"; }",
               "t.alr:1:18: error: expected ';' after field declaration, found "
               "'\"0123456789012345678901234567890...'");

    /* end of file: at the end of the last token, with the open bracket */
    {
        px p;
        px_parse(&p, "struct S {\n  u64 a;\n\n");
        CHECK_EQ_STR(p.out, "t.alr:2:9: error: unexpected end of file\n"
                            "   u64 a;\n"
                            "         ^\n"
                            "t.alr:1:10: note: to match this '{'\n"
                            " struct S {\n"
                            "          ^\n");
        CHECK_EQ_INT(p.errors, 1);
        px_done(&p);
    }
    EXPECT_ERR("package a", "t.alr:1:10: error: unexpected end of file");
    EXPECT_ERR("service S { void f(u64 a", "t.alr:1:25: error: unexpected end of file");

    /* doc comments that document nothing */
    EXPECT_ERR("struct S { u64 a; /// trailing\n}",
               "t.alr:1:19: error: doc comment must be followed by a declaration");
    EXPECT_ERR("struct S {}\n/// at the end\n", "t.alr:2:1: error: doc comment must be followed by a declaration");
    EXPECT_ERR("/// x\nimport \"a\";", "t.alr:1:1: error: doc comment must be followed by a declaration");
    EXPECT_ERR("struct S { u64 /// inside\n a; }",
               "t.alr:1:16: error: doc comment must be followed by a declaration");
    EXPECT_ERR("enum E { a /// for b?\n, b }",
               "t.alr:1:12: error: doc comment must be followed by a declaration");
    EXPECT_ERR("@x\n/// late\nstruct S {}", "t.alr:2:1: error: doc comment must come before the annotations");

    /* only the first syntax error of a file is reported */
    EXPECT_ERR("struct S { u64 a u64 b; }\nstruct T { ; }\nx", "t.alr:1:18: error: expected ';' after field declaration, found 'u64'");

    /* nesting past the parser stack */
    {
        char buf[4096];
        size_t n = 0;
        n += (size_t)sprintf(buf + n, "struct S { ");
        for (int i = 0; i < 400; i++)
            n += (size_t)sprintf(buf + n, "l<");
        n += (size_t)sprintf(buf + n, "u8");
        for (int i = 0; i < 400; i++)
            buf[n++] = '>';
        n += (size_t)sprintf(buf + n, " a; }");
        px p;
        px_parse_n(&p, buf, n);
        CHECK_EQ_INT(p.errors, 1);
        CHECK(strstr(p.out, "error: types nested too deeply\n") != NULL);
        px_done(&p);
    }
}

static void test_lexical_errors(void)
{
    EXPECT_ERR("struct S {} /* never closed\n\n", "t.alr:1:13: error: unterminated block comment");
    EXPECT_ERR("import \"abc\nstruct S {}", "t.alr:1:8: error: unterminated string literal");
    EXPECT_ERR("import \"abc", "t.alr:1:8: error: unterminated string literal");
    EXPECT_ERR("import \"a\\qb\";", "t.alr:1:10: error: unknown escape sequence '\\q' in string literal");
    EXPECT_ERR("import \"a\\\x01\";",
               "t.alr:1:10: error: unknown escape sequence in string literal: byte 0x01 after '\\'");
    EXPECT_ERR("import \"a\\x4\";",
               "t.alr:1:10: error: invalid escape sequence '\\x' in string literal: expected two hexadecimal digits");
    EXPECT_ERR("import \"a\\x00\";", "t.alr:1:10: error: NUL character in string literal");
    expect_error_n(__LINE__, "import \"a\0b\";", 13, "t.alr:1:10: error: NUL character in string literal", 1);
    EXPECT_ERR("import \"ok\xff\";", "t.alr:1:11: error: invalid UTF-8 in string literal");
    EXPECT_ERR("import \"\\xC3\";", "t.alr:1:9: error: invalid UTF-8 in string literal");
    EXPECT_ERR("import \"\xed\xa0\x80\";", "t.alr:1:9: error: invalid UTF-8 in string literal"); /* surrogate */
    EXPECT_ERR("import \"\xc0\xaf\";", "t.alr:1:9: error: invalid UTF-8 in string literal");     /* overlong */
    EXPECT_ERR("struct S { u64 a = 18446744073709551616; }", "t.alr:1:20: error: integer literal too large");
    EXPECT_ERR("struct S { u64 a = 0x1FFFFFFFFFFFFFFFF; }", "t.alr:1:20: error: integer literal too large");
    EXPECT_ERR("struct S { u64 a = 012; }",
               "t.alr:1:20: error: leading zeros are not allowed in integer literals");
    EXPECT_ERR("struct S { f32 a = 1.5f; }", "t.alr:1:23: error: invalid suffix 'f' on floating-point literal");
    EXPECT_ERR("struct S { u32 a = 12abc; }", "t.alr:1:22: error: invalid suffix 'abc' on integer literal");
    EXPECT_ERR("struct S { u32 a = 0x1g; }", "t.alr:1:23: error: invalid suffix 'g' on integer literal");
    EXPECT_ERR("struct S { f64 a = 1e999; }", "t.alr:1:20: error: floating-point literal out of range");
    EXPECT_ERR("struct S { u64 a = $; }", "t.alr:1:20: error: unexpected character '$'");
    EXPECT_ERR("struct S\x01 {}", "t.alr:1:9: error: unexpected byte 0x01");
    EXPECT_ERR("struct Caf\xc3\xa9 {}", "t.alr:1:11: error: unexpected character '\xc3\xa9' (U+00E9)");
    EXPECT_ERR("struct S\xc2\xa0{}", "t.alr:1:9: error: unexpected character '\xc2\xa0' (U+00A0)");
    EXPECT_ERR("struct S \xf0\x9f\x98\x80 {}", "t.alr:1:10: error: unexpected character '\xf0\x9f\x98\x80' (U+1F600)");
    EXPECT_ERR("struct S \x80\x80\x80 {}", "t.alr:1:10: error: unexpected byte 0x80");
    expect_error_n(__LINE__, "struct \0S {}", 12, "t.alr:1:8: error: unexpected byte 0x00", 1);
    expect_error_n(__LINE__, "// a \0 b\nstruct S {}", 20, "t.alr:1:6: error: NUL character in comment", 1);
    expect_error_n(__LINE__, "/* \0 */ struct S {}", 19, "t.alr:1:4: error: NUL character in comment", 1);
    expect_error_n(__LINE__, "/// \0\nstruct S {}", 17, "t.alr:1:5: error: NUL character in comment", 1);
    EXPECT_ERR("/// bad \xff\nstruct S {}", "t.alr:1:9: error: invalid UTF-8 in doc comment");
    {
        char buf[400];
        memcpy(buf, "struct ", 7);
        memset(buf + 7, 'a', 256);
        strcpy(buf + 7 + 256, " {}");
        EXPECT_ERR(buf, "t.alr:1:8: error: identifier too long (max 255 bytes)");
        buf[7 + 255] = ' '; /* 255 bytes is fine */
        px p;
        px_parse(&p, buf);
        CHECK_EQ_INT(p.errors, 0);
        px_done(&p);
    }
    {
        size_t n = 65536 + 32;
        char *buf = malloc(n + 1);
        strcpy(buf, "import \"");
        memset(buf + 8, 'x', 65536);
        strcpy(buf + 8 + 65536, "\";");
        EXPECT_ERR(buf, "t.alr:1:8: error: string literal too long");
        buf[8 + 65535] = '"'; /* 65535 bytes is fine */
        buf[8 + 65536] = ';';
        buf[8 + 65537] = 0;
        px p;
        px_parse(&p, buf);
        CHECK_EQ_INT(p.errors, 0);
        CHECK_EQ_INT(p.f->imports ? strlen(p.f->imports->path) : 0, 65535);
        px_done(&p);
        free(buf);
    }

    /* several lexical errors in one pass; a run of stray bytes is one error */
    EXPECT_ERRS("struct S { u64 a = $; } $$$ # \"\\q\" 012",
                "t.alr:1:20: error: unexpected character '$'", 5);
    {
        px p;
        px_parse(&p, "struct S {\n  u64 a = 0x;\n  string s = \"\\z\";\n}\n");
        CHECK_EQ_INT(p.errors, 2);
        CHECK(strstr(p.out, "t.alr:2:12: error: invalid suffix 'x' on integer literal\n") != NULL);
        CHECK(strstr(p.out, "t.alr:3:15: error: unknown escape sequence '\\z' in string literal\n") != NULL);
        px_done(&p);
    }
    /* a lexical error stops the parse: no syntax error follows it */
    EXPECT_ERR("struct S { u64 a = 1.5f } }", "t.alr:1:23: error: invalid suffix 'f' on floating-point literal");
}

/* ---------------------------------------------------------------- robustness */

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_robustness(void)
{
    static const char *const frag[] = {
        "struct", "enum", "flags", "service", "package", "import", "static", "new", "oneway",
        "async", "asyncref", "true", "false", "S", "u64", "list", "inf", "nan", "{", "}", "(",
        ")", "<", ">", "[", "]", ";", ",", "=", ".", "@", "|", "-", "0", "12", "0x1f", "1.5",
        "1e3", "\"s\"", "\"\\x41\"", "/// d\n", "// c\n", "/* c */", "\n", " ", "\"", "/*",
        "\\", "\xff", "\xc3\xa9", "012", "\x01",
    };
    const size_t nfrag = sizeof frag / sizeof frag[0];
    unsigned clean = 0;
    char buf[2048];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        if (iter % 4 == 0) { /* raw bytes, NULs included */
            n = (size_t)(next_rand() % 200);
            for (size_t i = 0; i < n; i++)
                buf[i] = next_rand() % 7 == 0 ? "{}<>;\"/"[next_rand() % 7] : (char)next_rand();
        } else if (iter % 4 == 1) { /* the sketch with a few bytes changed or cut */
            n = sizeof sketch - 1;
            memcpy(buf, sketch, n);
            for (int k = (int)(next_rand() % 4); k >= 0; k--)
                buf[next_rand() % n] = (char)next_rand();
            n = (size_t)(next_rand() % n);
        } else { /* random token soup */
            int k = (int)(next_rand() % 40);
            while (k-- > 0) {
                const char *f = frag[next_rand() % nfrag];
                size_t l = strlen(f);
                if (n + l + 1 >= sizeof buf)
                    break;
                memcpy(buf + n, f, l);
                n += l;
                buf[n++] = next_rand() % 3 ? ' ' : '\n';
            }
        }
        px p;
        px_parse_n(&p, buf, n);
        CHECK(p.f != NULL);
        /* the count returned is the count reported */
        if ((unsigned)p.errors != p.d.errors)
            CHECK_EQ_INT(p.errors, p.d.errors);
        if (p.errors == 0)
            clean++;
        px_done(&p);
    }
    CHECK(clean > 0);
    printf("robustness: %u of 20000 inputs parsed cleanly\n", clean);

    /* long inputs stay linear: a long qualified name with blanks, long docs,
     * many annotations on one field */
    {
        size_t cap = 1 << 20, n = 0;
        char *big = malloc(cap);
        n += (size_t)sprintf(big, "package a");
        for (int i = 0; i < 50000; i++)
            n += (size_t)sprintf(big + n, " . b%d", i);
        n += (size_t)sprintf(big + n, ";\n");
        for (int i = 0; i < 20000; i++)
            n += (size_t)sprintf(big + n, "/// line %d\n", i);
        n += (size_t)sprintf(big + n, "struct S { ");
        for (int i = 0; i < 20000; i++)
            n += (size_t)sprintf(big + n, "@a%d ", i);
        n += (size_t)sprintf(big + n, "u8 x; }");
        px p;
        px_parse_n(&p, big, n);
        CHECK_EQ_INT(p.errors, 0);
        CHECK(p.f->pkg && strncmp(p.f->pkg, "a.b0.b1.b2.", 11) == 0);
        ast_decl *s = decl_named(p.f, "S");
        CHECK(s && strncmp(s->doc, "line 0\nline 1\n", 14) == 0);
        CHECK(s && count_annots(field_at(s, 0)->annots) == 20000);
        px_done(&p);
        free(big);
    }
}

int main(void)
{
    TEST_RUN(test_sketch);
    TEST_RUN(test_packages_imports);
    TEST_RUN(test_types);
    TEST_RUN(test_values);
    TEST_RUN(test_enums);
    TEST_RUN(test_services);
    TEST_RUN(test_annotations);
    TEST_RUN(test_docs);
    TEST_RUN(test_locations);
    TEST_RUN(test_syntax_errors);
    TEST_RUN(test_lexical_errors);
    TEST_RUN(test_robustness);
    TEST_MAIN_END();
}
