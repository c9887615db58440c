/*
 * test_import.c - the C-header front end below the command line: the .alr
 * text inside annotations (values, annotations, doc comments) in every
 * build; with libclang, the side table of layout facts checked against the
 * C compiler (its _Static_asserts compile), and without, the clear refusal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imp.h"
#include "imp_text.h"
#include "test.h"

static const ast_loc L0 = {0, 0, 0};

/* ---------------------------------------------------------------- values */

static void test_values(void)
{
    diag d;
    diag_init(&d, NULL);
    ast_ctx c;
    ast_ctx_init(&c, &d);
    char err[200];
    ast_value *v = imp_text_value(&c, "8080", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_INT && v->mag == 8080 && !v->neg);
    v = imp_text_value(&c, " -12 ", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_INT && v->mag == 12 && v->neg);
    v = imp_text_value(&c, "0xFFFFFFFFFFFFFFFF", L0, err, sizeof err);
    CHECK(v && v->mag == UINT64_MAX);
    v = imp_text_value(&c, "-9223372036854775808", L0, err, sizeof err);
    CHECK(v && v->mag == (uint64_t)1 << 63 && v->neg);
    v = imp_text_value(&c, "1.5e2", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_FLOAT && v->f == 150.0);
    v = imp_text_value(&c, "-inf", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_FLOAT && isinf(v->f) && v->f < 0);
    v = imp_text_value(&c, "nan", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_FLOAT && isnan(v->f));
    v = imp_text_value(&c, "true", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_BOOL && v->b == 1);
    v = imp_text_value(&c, "\"a\\tb\\x41\\\"\"", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_STRING && v->slen == 5 && memcmp(v->s, "a\tbA\"", 5) == 0);
    v = imp_text_value(&c, "storm | flood|high", L0, err, sizeof err);
    CHECK(v && v->kind == AST_V_IDENT && v->idents && v->idents->next && v->idents->next->next &&
          strcmp(v->idents->next->next->name, "high") == 0);
    /* what .alr rejects, the importer rejects with a reason */
    const char *bad[] = {"",        "10u",       "012",      "0x",   "1.5f", "'x'",
                         "\"\\q\"", "\"\\x00\"", "\"abc",    "-nan", "a |",  "18446744073709551616",
                         "1 2",     "1e999",     "\"\\xff\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        v = imp_text_value(&c, bad[i], L0, err, sizeof err);
        CHECK(v == NULL && err[0] != '\0');
        if (v)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
    }
    ast_ctx_fini(&c);
    diag_fini(&d);
}

static void test_annots(void)
{
    diag d;
    diag_init(&d, NULL);
    ast_ctx c;
    ast_ctx_init(&c, &d);
    char err[200];
    ast_annot *a = imp_text_annot(&c, "@deprecated", L0, err, sizeof err);
    CHECK(a && strcmp(a->name, "deprecated") == 0 && !a->args);
    a = imp_text_annot(&c, "@deadline(2000)", L0, err, sizeof err);
    CHECK(a && a->args && !a->args->key && a->args->value->mag == 2000);
    a = imp_text_annot(&c, "@evolve(write = optional, enum = flags_strict)", L0, err, sizeof err);
    CHECK(a && a->args && a->args->next && strcmp(a->args->key, "write") == 0 &&
          strcmp(a->args->next->key, "enum") == 0 &&
          strcmp(a->args->next->value->idents->name, "flags_strict") == 0);
    a = imp_text_annot(&c, "@deprecated(\"why\")", L0, err, sizeof err);
    CHECK(a && a->args && a->args->value->kind == AST_V_STRING);
    a = imp_text_annot(&c, "@x()", L0, err, sizeof err);
    CHECK(a && !a->args);
    const char *bad[] = {"deadline", "@", "@1", "@x(", "@x(1,)", "@x(a = )", "@x(1) y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        a = imp_text_annot(&c, bad[i], L0, err, sizeof err);
        CHECK(a == NULL && err[0] != '\0');
    }
    CHECK(imp_text_is_ident("abc_1") && !imp_text_is_ident("1abc") && !imp_text_is_ident(""));
    CHECK(imp_text_is_qname("a.b.c") && !imp_text_is_qname("a..b") && !imp_text_is_qname("a.") &&
          !imp_text_is_qname("a b"));
    ast_ctx_fini(&c);
    diag_fini(&d);
}

static void test_docs(void)
{
    diag d;
    diag_init(&d, NULL);
    ast_ctx c;
    ast_ctx_init(&c, &d);
    CHECK_EQ_STR(imp_text_doc(&c, "/// one\n    /// two  "), "one\ntwo");
    CHECK_EQ_STR(imp_text_doc(&c, "///\n///   indented"), "\n  indented");
    CHECK_EQ_STR(imp_text_doc(&c, "/** A block. */"), "A block.");
    CHECK_EQ_STR(imp_text_doc(&c, "/**\n * First.\n * Second.\n */"), "First.\nSecond.");
    CHECK_EQ_STR(imp_text_doc(&c, "///< trailing"), "trailing");
    CHECK_EQ_STR(imp_text_doc(&c, "//! bang"), "bang");
    CHECK_EQ_STR(imp_text_doc(&c, "/*! x\n    y */"), "x\ny");
    CHECK(imp_text_doc(&c, "/***/") == NULL);
    CHECK(imp_text_doc(&c, "") == NULL);
    ast_ctx_fini(&c);
    diag_fini(&d);
}

/* ---------------------------------------------------------------- the header */

static void test_header(void)
{
    diag d;
    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    diag_init(&d, mem);
    ast_ctx c;
    ast_ctx_init(&c, &d);
    const char *inc[] = {"runtime/include"};
    imp_options o = {inc, 1, NULL, 0, NULL, 0, NULL, NULL};
    int n = imp_load_header(&c, "tests/import/equiv/cityguide.h", &o);
    fflush(mem);
    if (!imp_available()) {
        /* the refusal is the whole story without libclang */
        CHECK_EQ_INT(n, -1);
        CHECK(out && strstr(out, "C-header input needs libclang; install the Debian package "
                                 "libclang-14-dev and rebuild"));
        CHECK(o.facts == NULL);
        goto done;
    }
    CHECK_EQ_INT(n, 0);
    CHECK(c.root && c.root->pkg && strcmp(c.root->pkg, "cityguide") == 0);
    const imp_facts *f = o.facts;
    CHECK(f != NULL);
    if (!f)
        goto done;
    CHECK(f->target && strstr(f->target, "-"));
    CHECK_EQ_INT(f->nstructs, 6); /* 4 of cityguide, Location and Area of common */
    const imp_struct_fact *poi = NULL;
    for (uint32_t i = 0; i < f->nstructs; i++)
        if (strcmp(f->structs[i].qname, "cityguide.PointOfInterest") == 0)
            poi = &f->structs[i];
    CHECK(poi != NULL);
    if (poi) {
        CHECK_EQ_STR(poi->c_type, "struct PointOfInterest");
        CHECK_EQ_INT(poi->nmembers, 5);
        CHECK_EQ_INT(poi->members[4].repr, IMP_REPR_LEN);
        CHECK_EQ_INT(poi->members[3].repr, IMP_REPR_LIST_PTR);
        CHECK_EQ_INT(poi->members[3].partner, 4);
        CHECK_EQ_INT(poi->members[2].repr, IMP_REPR_OPT_PTR);
        CHECK_EQ_INT(poi->members[0].repr, IMP_REPR_STRING);
        CHECK(poi->members[4].alr_name == NULL);
        CHECK_EQ_STR(poi->members[3].alr_name, "nearby");
    }
    CHECK_EQ_INT(f->nenums, 3);
    CHECK_EQ_INT(f->nservices, 3);
    const imp_method_fact *pois = NULL;
    for (uint32_t i = 0; i < f->nmethods; i++)
        if (strcmp(f->methods[i].c_func, "cityguide_pois") == 0)
            pois = &f->methods[i];
    CHECK(pois != NULL);
    if (pois) {
        CHECK_EQ_STR(pois->name, "pois");
        CHECK_EQ_STR(pois->service, "cityguide.CityGuide");
        CHECK_EQ_INT(pois->nparams, 4);
        CHECK_EQ_INT(pois->params[0].repr, IMP_REPR_HANDLE);
        CHECK_EQ_INT(pois->params[2].repr, IMP_REPR_OUT);
        CHECK_EQ_INT(pois->params[3].repr, IMP_REPR_LEN);
    }
    /* the facts, as _Static_asserts, hold for the C compiler too */
    char dir[] = "/tmp/alr_test_import_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], cmd[1024];
    snprintf(path, sizeof path, "%s/facts.c", dir);
    FILE *fc = fopen(path, "w");
    CHECK(fc != NULL);
    if (fc) {
        fputs("#include <stddef.h>\n#include \"cityguide.h\"\n", fc);
        CHECK_EQ_INT(imp_facts_write_asserts(f, fc), 0);
        fclose(fc);
        snprintf(cmd, sizeof cmd,
                 "cc -std=c11 -fsyntax-only -Werror -Iruntime/include -Itests/import/equiv %s",
                 path);
        CHECK_EQ_INT(system(cmd), 0);
        unlink(path);
    }
    rmdir(dir);
done:
    ast_ctx_fini(&c);
    diag_fini(&d);
    fclose(mem);
    free(out);
}

int main(void)
{
    TEST_RUN(test_values);
    TEST_RUN(test_annots);
    TEST_RUN(test_docs);
    TEST_RUN(test_header);
    TEST_MAIN_END();
}
