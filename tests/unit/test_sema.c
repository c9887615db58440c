/*
 * test_sema.c - sema and lowering on ASTs built with the builder API (no
 * parser): valid schemas (modes, kinds, enum and flags values, the IR tables
 * and their canonical order, determinism under reordering) and invalid ones
 * (exact message, line and column of each diagnostic, and no cascades).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "cnames.h"
#include "diag.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"
#include "test.h"

/* ---- harness: one AST context whose diagnostics go to a memory buffer */

typedef struct tc {
    diag d;
    ast_ctx ctx;
    FILE *out;
    char *buf;
    size_t len;
    uint32_t fid;
    int errors;
    char line[512];
} tc;

#define LC(l, c) ((ast_loc){1, (l), (c)})
#define LF(f, l, c) ((ast_loc){(f), (l), (c)})
#define X (&t.ctx)
#define TY(n, l, c) ast_type_named(X, (n), LC(l, c))
#define G1(n, a, l, c) ast_type_generic(X, (n), (a), LC(l, c))
#define G2(n, a, b, l, c) ast_type_generic(X, (n), ast_type_append((a), (b)), LC(l, c))
#define VI(m, l, c) ast_value_int(X, (m), 0, LC(l, c))
#define VN(m, l, c) ast_value_int(X, (m), 1, LC(l, c))
#define VS(s, l, c) ast_value_string(X, (s), (uint32_t)strlen(s), LC(l, c))
#define VID(s, l, c) ast_value_ident(X, (s), LC(l, c))
#define AN(n, args, l, c) ast_annot_new(X, (n), (args), LC(l, c))
#define ARG(k, v, l, c) ast_annot_arg_new(X, (k), (v), LC(l, c))

/* Starts a context with file "t.alr" (diag file 1) as the root; pkg may be
 * NULL for no package statement. */
static void tc_init(tc *t, const char *pkg)
{
    memset(t, 0, sizeof *t);
    t->out = open_memstream(&t->buf, &t->len);
    diag_init(&t->d, t->out);
    t->d.max_errors = 0;
    t->fid = diag_add_file(&t->d, "t.alr", NULL, 0);
    ast_ctx_init(&t->ctx, &t->d);
    t->ctx.root = ast_file_begin(&t->ctx, t->fid, "t.alr");
    if (pkg)
        ast_package(&t->ctx, pkg, LC(1, 9));
}

static void tc_fini(tc *t)
{
    ast_ctx_fini(&t->ctx);
    diag_fini(&t->d);
    fclose(t->out);
    free(t->buf);
}

static int tc_run(tc *t)
{
    t->errors = sema_check(&t->ctx);
    fflush(t->out);
    return t->errors;
}

/* Line i (0-based) of the diagnostics, or "" when there is none. */
static const char *tc_line(tc *t, int i)
{
    const char *p = t->buf ? t->buf : "";
    for (; i > 0 && *p; i--) {
        p = strchr(p, '\n');
        p = p ? p + 1 : "";
    }
    size_t n = strcspn(p, "\n");
    if (n >= sizeof t->line)
        n = sizeof t->line - 1;
    memcpy(t->line, p, n);
    t->line[n] = '\0';
    return t->line;
}

static int tc_nlines(tc *t)
{
    int n = 0;
    for (size_t i = 0; i < t->len; i++)
        n += t->buf[i] == '\n';
    return n;
}

/* Runs sema expecting exactly one error, printed as want (then note, if
 * not NULL), and nothing else. */
#define EXPECT(t, want, note)                                  \
    do {                                                       \
        CHECK_EQ_INT(tc_run(&(t)), 1);                         \
        CHECK_EQ_STR(tc_line(&(t), 0), (want));                \
        if (note) {                                            \
            CHECK_EQ_STR(tc_line(&(t), 1), (const char *)note); \
            CHECK_EQ_INT(tc_nlines(&(t)), 2);                  \
        } else {                                               \
            CHECK_EQ_INT(tc_nlines(&(t)), 1);                  \
        }                                                      \
    } while (0)

/* struct S (2:8) { <ty> x (3:<col>) [= dflt]; } with annotations an */
static void one_field(tc *tp, ast_annot *an, ast_type *ty, ast_value *dflt, uint32_t col)
{
    ast_struct_begin(&tp->ctx, NULL, NULL, "S", LC(2, 8));
    ast_field_add(&tp->ctx, NULL, an, ty, "x", dflt, LC(3, col));
    ast_decl_end(&tp->ctx);
}

/* service S (2:9) { [static] <mode> <ret> f (3:<col>)(); } with annotations an */
static ast_method *one_method(tc *tp, ast_annot *an, int is_static, ast_mode_kw kw, ast_type *ret,
                              uint32_t col)
{
    ast_service_begin(&tp->ctx, NULL, NULL, "S", LC(2, 9));
    ast_method *m = ast_method_begin(&tp->ctx, NULL, an, is_static, kw, ret, "f", LC(3, col));
    ast_method_end(&tp->ctx);
    ast_decl_end(&tp->ctx);
    return m;
}

/* ------------------------------------------------------------ keywords */

static void test_cnames(void)
{
    static const char *const c[] = {
        "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary",
        "_Noreturn", "_Static_assert", "_Thread_local", "auto", "break", "case", "char",
        "const", "continue", "default", "do", "double", "else", "enum", "extern", "float",
        "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
        "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
        "unsigned", "void", "volatile", "while"};
    static const char *const cxx[] = {
        "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch",
        "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield",
        "compl", "concept", "const_cast", "consteval", "constexpr", "constinit", "decltype",
        "delete", "dynamic_cast", "explicit", "export", "false", "friend", "mutable",
        "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq",
        "private", "protected", "public", "reinterpret_cast", "requires", "static_assert",
        "static_cast", "template", "this", "thread_local", "throw", "true", "try", "typeid",
        "typename", "using", "virtual", "wchar_t", "xor", "xor_eq"};
    static const char *const mac[] = {
        "BUFSIZ", "CHAR_BIT", "CHAR_MAX", "CHAR_MIN", "CLOCKS_PER_SEC", "EDOM", "EILSEQ",
        "EOF", "ERANGE", "EXIT_FAILURE", "EXIT_SUCCESS", "FILENAME_MAX", "FOPEN_MAX",
        "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "I", "INFINITY", "INT16_MAX", "INT16_MIN",
        "INT32_MAX", "INT32_MIN", "INT64_MAX", "INT64_MIN", "INT8_MAX", "INT8_MIN",
        "INTMAX_MAX", "INTMAX_MIN", "INTPTR_MAX", "INTPTR_MIN", "INT_MAX", "INT_MIN",
        "LLONG_MAX", "LLONG_MIN", "LONG_MAX", "LONG_MIN", "MB_CUR_MAX", "MB_LEN_MAX", "NAN",
        "NULL", "PTRDIFF_MAX", "PTRDIFF_MIN", "RAND_MAX", "SCHAR_MAX", "SCHAR_MIN", "SEEK_CUR",
        "SEEK_END", "SEEK_SET", "SHRT_MAX", "SHRT_MIN", "SIZE_MAX", "TIME_UTC", "TMP_MAX",
        "UCHAR_MAX", "UINT16_MAX", "UINT32_MAX", "UINT64_MAX", "UINT8_MAX", "UINTMAX_MAX",
        "UINTPTR_MAX", "UINT_MAX", "ULLONG_MAX", "ULONG_MAX", "USHRT_MAX", "complex", "errno",
        "imaginary", "linux", "noreturn", "stderr", "stdin", "stdout", "unix"};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        CHECK_EQ_INT(cnames_keyword(c[i]), CNAMES_C);
    for (size_t i = 0; i < sizeof cxx / sizeof cxx[0]; i++)
        CHECK_EQ_INT(cnames_keyword(cxx[i]), CNAMES_CXX);
    for (size_t i = 0; i < sizeof mac / sizeof mac[0]; i++)
        CHECK_EQ_INT(cnames_keyword(mac[i]), CNAMES_MACRO);
    CHECK_EQ_INT(cnames_keyword("_Reserved"), CNAMES_RESERVED);
    CHECK_EQ_INT(cnames_keyword("__x"), CNAMES_RESERVED);
    CHECK_EQ_INT(cnames_keyword("_"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword("_private"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword("Errno"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword("Class"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword("status"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword("list"), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword(""), CNAMES_NONE);
    CHECK_EQ_INT(cnames_keyword(NULL), CNAMES_NONE);
}

/* ------------------------------------------------------------ valid input */

static void test_valid_enums(void)
{
    tc t;
    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval *a = ast_enumval_add(X, NULL, NULL, "a", NULL, LC(2, 10));
    ast_enumval *b = ast_enumval_add(X, NULL, NULL, "b", VN(5, 2, 18), LC(2, 13));
    ast_enumval *c = ast_enumval_add(X, NULL, NULL, "c", NULL, LC(2, 21));
    ast_enumval *d = ast_enumval_add(X, NULL, NULL, "d", VI(2147483647, 3, 1), LC(3, 1));
    ast_enumval *e = ast_enumval_add(X, NULL, NULL, "e", VN(2147483648u, 4, 1), LC(4, 1));
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(5, 7));
    ast_enumval *f1 = ast_enumval_add(X, NULL, NULL, "a", NULL, LC(5, 10));
    ast_enumval *f2 = ast_enumval_add(X, NULL, NULL, "b", VI(8, 5, 17), LC(5, 13));
    ast_enumval *f3 = ast_enumval_add(X, NULL, NULL, "c", NULL, LC(5, 20));
    ast_enumval *f4 = ast_enumval_add(X, NULL, NULL, "d", VI(3, 5, 27), LC(5, 23));
    ast_enumval *f5 = ast_enumval_add(X, NULL, NULL, "e", NULL, LC(5, 30));
    ast_enumval *f6 = ast_enumval_add(X, NULL, NULL, "none", VI(0, 6, 1), LC(6, 1));
    ast_enumval *f7 = ast_enumval_add(X, NULL, NULL, "top", VI(1ull << 62, 7, 1), LC(7, 1));
    ast_enumval *f8 = ast_enumval_add(X, NULL, NULL, "last", NULL, LC(8, 1));
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "G", 1, LC(9, 7));
    ast_enumval *g1 = ast_enumval_add(X, NULL, NULL, "zero", VI(0, 9, 1), LC(9, 1));
    ast_enumval *g2 = ast_enumval_add(X, NULL, NULL, "one", NULL, LC(9, 2));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 0);
    CHECK_EQ_STR(tc_line(&t, 0), "");
    CHECK_EQ_INT(a->resolved, 0);
    CHECK_EQ_INT(b->resolved, -5);
    CHECK_EQ_INT(c->resolved, -4);
    CHECK_EQ_INT(d->resolved, 2147483647);
    CHECK_EQ_INT(e->resolved, -2147483648LL);
    CHECK_EQ_INT(f1->resolved, 1);
    CHECK_EQ_INT(f2->resolved, 8);
    CHECK_EQ_INT(f3->resolved, 16);
    CHECK_EQ_INT(f4->resolved, 3);
    CHECK_EQ_INT(f5->resolved, 32);
    CHECK_EQ_INT(f6->resolved, 0);
    CHECK_EQ_INT(f7->resolved, 1ll << 62);
    CHECK((uint64_t)f8->resolved == 1ull << 63);
    CHECK_EQ_INT(g1->resolved, 0);
    CHECK_EQ_INT(g2->resolved, 1);
    tc_fini(&t);
}

static void test_valid_modes(void)
{
    tc t;
    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "bad", NULL, LC(2, 10));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "P", LC(3, 8));
    ast_decl_end(X);
    ast_service_begin(X, NULL, NULL, "S", LC(4, 9));
    ast_method *m[12];
    int i = 0;
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, TY("void", 5, 1), "a", LC(5, 6));
    m[i++] = ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("u64", 6, 1), "b", LC(6, 5));
    ast_type *r1 = G2("result", TY("P", 7, 8), TY("E", 7, 11), 7, 1);
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, r1, "c", LC(7, 14));
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, TY("status", 8, 1), "d",
                              LC(8, 8));
    ast_type *st = G1("status", TY("E", 9, 8), 9, 1);
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, st, "e", LC(9, 11));
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_ONEWAY, TY("void", 10, 8), "f",
                              LC(10, 13));
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_ONEWAY, TY("status", 11, 8), "g",
                              LC(11, 15));
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_ASYNC, TY("P", 12, 7), "h", LC(12, 9));
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_ASYNC, TY("void", 13, 7), "i",
                              LC(13, 12));
    ast_type *lp = G1("list", TY("P", 14, 15), 14, 10);
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_ASYNCREF, lp, "j", LC(14, 18));
    ast_type *rv = G2("result", TY("void", 15, 8), TY("p.E", 15, 14), 15, 1);
    m[i++] = ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, rv, "k", LC(15, 19));
    m[i++] = ast_ctor_begin(X, NULL, NULL, LC(16, 1));
    ast_param_add(X, NULL, NULL, TY("string", 16, 5), "user", VS("me", 16, 19), LC(16, 12));
    ast_method_end(X);
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 0);
    CHECK_EQ_STR(tc_line(&t, 0), "");
    static const int modes[12] = {ALR_RET_VOID, ALR_RET_VALUE, ALR_RET_RESULT, ALR_RET_STATUS,
                                  ALR_RET_STATUS, ALR_RET_ONEWAY, ALR_RET_ONEWAY_STATUS,
                                  ALR_RET_ASYNC, ALR_RET_ASYNC, ALR_RET_ASYNCREF,
                                  ALR_RET_RESULT, ALR_RET_VOID};
    for (int k = 0; k < i; k++)
        CHECK_EQ_INT(m[k]->mode, modes[k]);
    CHECK(m[0]->value_type == NULL && m[0]->err_type == NULL);
    CHECK(m[1]->value_type == m[1]->ret && m[1]->ret->kind == ALR_K_U64);
    CHECK(m[2]->value_type == r1->args && r1->args->kind == ALR_K_STRUCT);
    CHECK(m[2]->err_type == r1->args->next && m[2]->err_type->kind == ALR_K_ENUM);
    CHECK(m[2]->err_type->decl && strcmp(m[2]->err_type->decl->qname, "p.E") == 0);
    CHECK_EQ_INT(r1->kind, 0); /* return-only forms have no kind */
    CHECK(m[3]->value_type == NULL && m[3]->err_type == NULL);
    CHECK(m[4]->value_type == NULL && m[4]->err_type == st->args);
    CHECK(m[6]->err_type == NULL);
    CHECK(m[7]->value_type == m[7]->ret);
    CHECK(m[8]->value_type == NULL);
    CHECK(m[9]->value_type == lp && lp->kind == ALR_K_LIST && lp->args->kind == ALR_K_STRUCT);
    CHECK(m[10]->value_type == NULL && m[10]->err_type == rv->args->next);
    CHECK(m[11]->is_ctor && m[11]->params && m[11]->params->type->kind == ALR_K_STRING);
    tc_fini(&t);
}

static void test_valid_types(void)
{
    tc t;
    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "x", NULL, LC(2, 10));
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(3, 7));
    ast_enumval_add(X, NULL, NULL, "x", NULL, LC(3, 10));
    ast_decl_end(X);
    ast_service_begin(X, NULL, NULL, "Svc", LC(4, 9));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(5, 8));
    /* fields may be called like built-in types */
    ast_type *t1 = G2("map", TY("E", 6, 9), G1("list", G1("optional", TY("p.S", 6, 26), 6, 17),
                                            6, 12), 6, 5);
    ast_field_add(X, NULL, NULL, t1, "status", NULL, LC(6, 33));
    ast_type *t2 = G1("set", TY("bytes", 7, 9), 7, 5);
    ast_field_add(X, NULL, NULL, t2, "list", NULL, LC(7, 16));
    ast_type *t3 = G1("ref", TY("Svc", 8, 9), 8, 5);
    ast_field_add(X, NULL, NULL, t3, "map", NULL, LC(8, 14));
    ast_type *t4 = ast_type_array(X, TY("F", 9, 5), VI(65536, 9, 9), LC(9, 5));
    ast_field_add(X, NULL, NULL, t4, "f", NULL, LC(9, 7));
    ast_type *t5 = TY("f32", 10, 5);
    ast_field_add(X, NULL, NULL, t5, "a", ast_value_float(X, -INFINITY, LC(10, 13)), LC(10, 9));
    ast_type *t6 = TY("f64", 11, 5);
    ast_field_add(X, NULL, NULL, t6, "b", VID("nan", 11, 13), LC(11, 9));
    ast_field_add(X, NULL, NULL, TY("i64", 12, 5), "c", VN(9223372036854775808ull, 12, 13),
                  LC(12, 9));
    ast_field_add(X, NULL, NULL, TY("u64", 13, 5), "d", VI(UINT64_MAX, 13, 13), LC(13, 9));
    ast_value *fv = VID("x", 14, 11);
    ast_field_add(X, NULL, NULL, TY("F", 14, 5), "e", ast_value_ident_or(X, fv, "x", LC(14, 15)),
                  LC(14, 7));
    ast_field_add(X, NULL, NULL, TY("f32", 15, 5), "g", ast_value_float(X, 3.4e38, LC(15, 13)),
                  LC(15, 9));
    /* every annotation in a valid place */
    ast_annot *an = AN("max_len", ARG(NULL, VI(3, 16, 14), 16, 14), 16, 5);
    ast_annot *ev = AN("evolve", ast_annot_arg_append(ARG("write", VID("required", 16, 33), 16, 25),
                                                      ARG("enum", VID("strict", 16, 50), 16, 43)),
                       16, 17);
    ast_annot *dp = AN("deprecated", ARG(NULL, VS("why", 16, 70), 16, 70), 16, 58);
    ast_field_add(X, NULL, ast_annot_append(an, ast_annot_append(ev, dp)),
                  G1("list", TY("E", 16, 80), 16, 75), "h", NULL, LC(16, 84));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 1);
    /* one error on purpose: @evolve(enum) on a list (the rule is strict) */
    CHECK_EQ_STR(tc_line(&t, 0),
                 "t.alr:16:43: error: '@evolve' key 'enum' needs an enum or flags type, not "
                 "'list<p.E>'");
    CHECK_EQ_INT(t1->kind, ALR_K_MAP);
    CHECK_EQ_INT(t1->args->kind, ALR_K_ENUM);
    CHECK_EQ_INT(t1->args->next->kind, ALR_K_LIST);
    CHECK_EQ_INT(t1->args->next->args->kind, ALR_K_OPTIONAL);
    CHECK_EQ_INT(t1->args->next->args->args->kind, ALR_K_STRUCT);
    CHECK(t1->args->next->args->args->decl && t1->args->decl);
    CHECK_EQ_INT(t2->kind, ALR_K_SET);
    CHECK_EQ_INT(t2->args->kind, ALR_K_BYTES);
    CHECK_EQ_INT(t3->kind, ALR_K_REF);
    CHECK(t3->decl && t3->decl->kind == AST_DECL_SERVICE);
    CHECK_EQ_INT(t4->kind, ALR_K_ARRAY);
    CHECK_EQ_INT(t4->args->kind, ALR_K_FLAGS);
    CHECK_EQ_INT(t5->kind, ALR_K_F32);
    CHECK_EQ_INT(t6->kind, ALR_K_F64);
    tc_fini(&t);
}

/* Nesting: 64 constructors are fine, 65 are not. */
static ast_type *nest(tc *tp, int n)
{
    ast_type *ty = ast_type_named(&tp->ctx, "u8", LC(3, 100));
    for (int i = n; i > 0; i--)
        ty = ast_type_generic(&tp->ctx, "list", ty, LC(3, (uint32_t)i));
    return ty;
}

static void test_nesting(void)
{
    tc t;
    tc_init(&t, "p");
    ast_type *ok = nest(&t, 64);
    one_field(&t, NULL, ok, NULL, 200);
    CHECK_EQ_INT(tc_run(&t), 0);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, nest(&t, 65), NULL, 200);
    EXPECT(t, "t.alr:3:65: error: type nesting is deeper than 64 levels", NULL);
    tc_fini(&t);
}

/* ------------------------------------------------------------ invalid: files and names */

static void test_no_package(void)
{
    tc t;
    tc_init(&t, NULL);
    ast_struct_begin(X, NULL, NULL, "S", LC(1, 8));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "T", LC(2, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:1:8: error: declaration before any package statement", NULL);
    tc_fini(&t);
}

static void test_missing_package(void)
{
    tc t;
    tc_init(&t, NULL); /* an empty root file */
    EXPECT(t, "t.alr:1:1: error: missing package statement", NULL);
    tc_fini(&t);

    char longpkg[300];
    memset(longpkg, 'a', sizeof longpkg - 1);
    longpkg[sizeof longpkg - 1] = '\0';
    tc_init(&t, longpkg);
    CHECK_EQ_INT(tc_run(&t), 1);
    CHECK(strstr(tc_line(&t, 0), "t.alr:1:9: error: package name 'aaaa") == tc_line(&t, 0));
    CHECK(strstr(tc_line(&t, 0), "' is longer than 255 bytes") != NULL);
    tc_fini(&t);
}

static void test_dup_struct(void)
{
    tc t;
    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "S", LC(2, 8));
    ast_decl_end(X);
    /* second file, same package: the duplicate is reported where it is */
    uint32_t f2 = diag_add_file(&t.d, "u.alr", NULL, 0);
    ast_file_begin(X, f2, "u.alr");
    ast_package(X, "p", LF(f2, 1, 9));
    ast_enum_begin(X, NULL, NULL, "S", 0, LF(f2, 3, 6));
    ast_enumval_add(X, NULL, NULL, "a", NULL, LF(f2, 3, 10));
    ast_decl_end(X);
    EXPECT(t, "u.alr:3:6: error: redefinition of 'p.S'", "t.alr:2:8: note: previous definition is here");
    tc_fini(&t);
}

static void test_dup_members(void)
{
    tc t;
    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "S", LC(2, 8));
    ast_field_add(X, NULL, NULL, TY("u32", 3, 5), "x", NULL, LC(3, 9));
    ast_field_add(X, NULL, NULL, TY("string", 4, 5), "x", NULL, LC(4, 12));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:12: error: duplicate field 'x'", "t.alr:3:9: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("void", 3, 12), "f", LC(3, 17));
    ast_param_add(X, NULL, NULL, TY("u32", 3, 19), "a", NULL, LC(3, 23));
    ast_param_add(X, NULL, NULL, TY("string", 3, 26), "a", NULL, LC(3, 33));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:33: error: duplicate parameter 'a'",
           "t.alr:3:23: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("void", 3, 12), "f", LC(3, 17));
    ast_method_end(X);
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("u32", 4, 12), "f", LC(4, 16));
    ast_param_add(X, NULL, NULL, TY("u32", 4, 18), "a", NULL, LC(4, 22));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:16: error: duplicate method 'f'", "t.alr:3:17: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "a", NULL, LC(2, 10));
    ast_enumval_add(X, NULL, NULL, "b", NULL, LC(2, 13));
    ast_enumval_add(X, NULL, NULL, "a", NULL, LC(2, 16));
    ast_decl_end(X);
    /* the second 'a' still gets value 2: no duplicate-value error */
    EXPECT(t, "t.alr:2:16: error: duplicate enum value 'a'",
           "t.alr:2:10: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "a", VI(1, 2, 14), LC(2, 10));
    ast_enumval_add(X, NULL, NULL, "b", VI(2, 2, 21), LC(2, 17));
    ast_enumval_add(X, NULL, NULL, "c", VI(1, 2, 28), LC(2, 24));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:28: error: value 1 of 'c' is already used by 'a'",
           "t.alr:2:10: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(2, 7));
    ast_enumval_add(X, NULL, NULL, "a", NULL, LC(2, 11));
    ast_enumval_add(X, NULL, NULL, "b", VI(1, 2, 18), LC(2, 14));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:18: error: value 1 of 'b' is already used by 'a'",
           "t.alr:2:11: note: previous definition is here");
    tc_fini(&t);
}

static void test_reserved_names(void)
{
    tc t;
    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "string", LC(2, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:8: error: 'string' is a built-in type name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("u32", 3, 5), NULL, 9);
    t.ctx.root->decls->fields->name = "default";
    EXPECT(t, "t.alr:3:9: error: 'default' is a C keyword and cannot be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, TY("void", 3, 5), "class", LC(3, 10));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:10: error: 'class' is a C++ keyword and cannot be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("u32", 3, 5), NULL, 9);
    t.ctx.root->decls->fields->name = "errno";
    EXPECT(t, "t.alr:3:9: error: 'errno' is a macro of the C library or compiler and cannot "
              "be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("u32", 3, 5), NULL, 9);
    t.ctx.root->decls->fields->name = "__len";
    EXPECT(t, "t.alr:3:9: error: '__len' is reserved in C (a leading underscore and a capital, "
              "or two underscores) and cannot be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, TY("void", 3, 5), "requires", LC(3, 10));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:10: error: 'requires' is a C++ keyword and cannot be used as a name",
           NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "int", NULL, LC(2, 10));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:10: error: 'int' is a C keyword and cannot be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "a.register.b");
    ast_struct_begin(X, NULL, NULL, "S", LC(2, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:1:9: error: 'register' is a C keyword and cannot be used as a name", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "S", LC(2, 8));
    ast_param_add(X, NULL, NULL, TY("u32", 3, 5), "x", NULL, LC(3, 9)); /* no method: ignored */
    ast_decl_end(X);
    ast_service_begin(X, NULL, NULL, "T", LC(4, 9));
    ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, TY("void", 5, 5), "f", LC(5, 10));
    ast_param_add(X, NULL, NULL, TY("u32", 5, 12), "this", NULL, LC(5, 16));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:5:16: error: 'this' is a C++ keyword and cannot be used as a name", NULL);
    tc_fini(&t);
}

/* main imports one.alr (package one) and two.alr (package two), both
 * declaring Thing. */
static void test_resolution(void)
{
    tc t;
    tc_init(&t, "main");
    ast_import *i1 = ast_import_add(X, "one.alr", LC(2, 8));
    ast_import *i2 = ast_import_add(X, "two.alr", LC(3, 8));
    ast_import *i3 = ast_import_add(X, "missing.alr", LC(4, 8));
    ast_struct_begin(X, NULL, NULL, "M", LC(5, 8));
    ast_field_add(X, NULL, NULL, TY("Thing", 6, 5), "t", NULL, LC(6, 11));
    ast_field_add(X, NULL, NULL, TY("one.Thing", 7, 5), "u", NULL, LC(7, 15));
    ast_field_add(X, NULL, NULL, TY("Only", 8, 5), "v", NULL, LC(8, 10));
    ast_decl_end(X);
    uint32_t f2 = diag_add_file(&t.d, "one.alr", NULL, 0);
    i1->file = ast_file_begin(X, f2, "one.alr");
    ast_package(X, "one", LF(f2, 1, 9));
    ast_struct_begin(X, NULL, NULL, "Thing", LF(f2, 2, 8));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "Only", LF(f2, 3, 8));
    ast_decl_end(X);
    uint32_t f3 = diag_add_file(&t.d, "two.alr", NULL, 0);
    i2->file = ast_file_begin(X, f3, "two.alr");
    ast_package(X, "two", LF(f3, 1, 9));
    ast_struct_begin(X, NULL, NULL, "Thing", LF(f3, 2, 8));
    ast_field_add(X, NULL, NULL, ast_type_named(X, "Only", LF(f3, 2, 16)), "x", NULL,
                  LF(f3, 2, 21)); /* one.alr is not imported here */
    ast_decl_end(X);
    (void)i3; /* file NULL: the driver reported it */
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0),
                 "t.alr:6:5: error: ambiguous type 'Thing': could be 'one.Thing' or 'two.Thing'");
    CHECK_EQ_STR(tc_line(&t, 1), "one.alr:2:8: note: 'one.Thing' is declared here");
    CHECK_EQ_STR(tc_line(&t, 2), "two.alr:2:8: note: 'two.Thing' is declared here");
    CHECK_EQ_STR(tc_line(&t, 3), "two.alr:2:16: error: unknown type 'Only'");
    CHECK_EQ_INT(tc_nlines(&t), 4);
    ast_member *u = t.ctx.root->decls->fields->next;
    CHECK(u->type->decl && strcmp(u->type->decl->qname, "one.Thing") == 0);
    CHECK(u->next->type->decl && strcmp(u->next->type->decl->qname, "one.Only") == 0);
    tc_fini(&t);

    /* the declaration's own package wins over imports */
    tc_init(&t, "two");
    ast_import *im = ast_import_add(X, "one.alr", LC(2, 8));
    ast_struct_begin(X, NULL, NULL, "Thing", LC(3, 8));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "M", LC(4, 8));
    ast_field_add(X, NULL, NULL, TY("Thing", 5, 5), "t", NULL, LC(5, 11));
    ast_field_add(X, NULL, NULL, TY("Locaton", 6, 5), "w", NULL, LC(6, 13));
    ast_field_add(X, NULL, NULL, TY("x.Thing", 7, 5), "z", NULL, LC(7, 13));
    ast_decl_end(X);
    uint32_t f4 = diag_add_file(&t.d, "one.alr", NULL, 0);
    im->file = ast_file_begin(X, f4, "one.alr");
    ast_package(X, "one", LF(f4, 1, 9));
    ast_struct_begin(X, NULL, NULL, "Thing", LF(f4, 2, 8));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:6:5: error: unknown type 'Locaton'");
    CHECK_EQ_STR(tc_line(&t, 1), "t.alr:7:5: error: unknown type 'x.Thing'");
    ast_member *tm = t.ctx.root->decls->next->fields;
    CHECK(tm->type->decl && strcmp(tm->type->decl->qname, "two.Thing") == 0);
    tc_fini(&t);
}

/* ------------------------------------------------------------ invalid: types */

static void test_bad_types(void)
{
    tc t;
    tc_init(&t, "p");
    one_field(&t, NULL, G2("list", TY("u32", 3, 10), TY("u32", 3, 15), 3, 5), NULL, 20);
    EXPECT(t, "t.alr:3:5: error: 'list' expects 1 type argument, got 2", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G1("u64", TY("u32", 3, 9), 3, 5), NULL, 14);
    EXPECT(t, "t.alr:3:5: error: 'u64' expects no type arguments, got 1", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G1("map", TY("u32", 3, 9), 3, 5), NULL, 14);
    EXPECT(t, "t.alr:3:5: error: 'map' expects 2 type arguments, got 1", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("void", 3, 5), NULL, 10);
    EXPECT(t, "t.alr:3:5: error: 'void' is only allowed as a return type", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("void", 3, 12), "f", LC(3, 17));
    ast_param_add(X, NULL, NULL, TY("status", 3, 19), "s", NULL, LC(3, 26));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:19: error: 'status' is only allowed as a return type", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G2("result", TY("u32", 3, 12), TY("E", 3, 17), 3, 5), NULL, 20);
    EXPECT(t, "t.alr:3:5: error: 'result' is only allowed as a return type", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 0, AST_MODE_PLAIN, G1("list", TY("void", 3, 10), 3, 5), 16);
    EXPECT(t, "t.alr:3:10: error: 'void' is only allowed as a return type", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "P", LC(2, 8));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(3, 8));
    ast_field_add(X, NULL, NULL, G1("set", TY("P", 4, 9), 4, 5), "s", NULL, LC(4, 12));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:9: error: set element type must be an integer, bool, string, bytes or an "
              "enum, not 'p.P'",
           NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G2("map", TY("f32", 3, 9), TY("u32", 3, 14), 3, 5), NULL, 19);
    EXPECT(t, "t.alr:3:9: error: map key type must be an integer, bool, string, bytes or an enum, "
              "not 'f32'",
           NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G1("optional", G1("optional", TY("u32", 3, 23), 3, 14), 3, 5), NULL, 29);
    EXPECT(t, "t.alr:3:14: error: optional<optional<T>> is not allowed", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "P", LC(2, 8));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(3, 8));
    ast_field_add(X, NULL, NULL, G1("ref", TY("P", 4, 9), 4, 5), "r", NULL, LC(4, 12));
    ast_field_add(X, NULL, NULL, G1("ref", TY("u32", 5, 9), 5, 5), "q", NULL, LC(5, 14));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:4:9: error: 'ref' needs a service, not 'p.P'");
    CHECK_EQ_STR(tc_line(&t, 1), "t.alr:5:9: error: 'ref' needs a service, not 'u32'");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "Svc", LC(2, 9));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(3, 8));
    ast_field_add(X, NULL, NULL, G1("list", TY("Svc", 4, 10), 4, 5), "s", NULL, LC(4, 15));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:10: error: service 'p.Svc' can only be used as ref<p.Svc>", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, ast_type_array(X, TY("u8", 3, 5), VI(0, 3, 10), LC(3, 5)), NULL, 8);
    EXPECT(t, "t.alr:3:10: error: array length 0 is out of range (1 to 65536)", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, ast_type_array(X, TY("u8", 3, 5), VI(65537, 3, 10), LC(3, 5)), NULL, 8);
    EXPECT(t, "t.alr:3:10: error: array length 65537 is out of range (1 to 65536)", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, ast_type_array(X, TY("u8", 3, 5), VID("N", 3, 10), LC(3, 5)), NULL, 8);
    EXPECT(t, "t.alr:3:10: error: array length must be an integer literal", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 1, AST_MODE_PLAIN,
               G2("result", TY("u32", 3, 19), TY("string", 3, 24), 3, 12), 32);
    EXPECT(t, "t.alr:3:24: error: error type must be an enum, not 'string'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 1, AST_MODE_PLAIN, G2("status", TY("u32", 3, 19), TY("u8", 3, 24), 3, 12),
               32);
    EXPECT(t, "t.alr:3:12: error: 'status' expects at most 1 type argument, got 2", NULL);
    tc_fini(&t);

    /* arrays elsewhere than a member's type (only the header importer can) */
    tc_init(&t, "p");
    ast_type *inner = ast_type_array(X, TY("u8", 3, 5), VI(2, 3, 10), LC(3, 9));
    one_field(&t, NULL, ast_type_array(X, inner, VI(3, 3, 13), LC(3, 12)), NULL, 7);
    EXPECT(t, "t.alr:3:9: error: a fixed array cannot contain another fixed array", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_type *el = ast_type_array(X, TY("u8", 3, 10), VI(2, 3, 13), LC(3, 12));
    one_field(&t, NULL, G1("list", el, 3, 5), NULL, 17);
    EXPECT(t, "t.alr:3:12: error: a fixed array cannot be a type argument", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 0, AST_MODE_PLAIN,
               ast_type_array(X, TY("u8", 3, 5), VI(2, 3, 8), LC(3, 7)), 11);
    EXPECT(t, "t.alr:3:7: error: a fixed array cannot be a return type", NULL);
    tc_fini(&t);

    /* no cascade: an unknown element type only reports itself */
    tc_init(&t, "p");
    ast_annot *ml = AN("max_len", ARG(NULL, VI(4, 3, 14), 3, 14), 3, 5);
    one_field(&t, ml, G1("list", G1("set", TY("Foo", 3, 26), 3, 22), 3, 17), VI(1, 3, 35), 31);
    EXPECT(t, "t.alr:3:26: error: unknown type 'Foo'", NULL);
    tc_fini(&t);
}

static void test_recursion(void)
{
    tc t;
    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "Node", LC(2, 8));
    ast_field_add(X, NULL, NULL, TY("u32", 3, 5), "value", NULL, LC(3, 9));
    ast_field_add(X, NULL, NULL, TY("Node", 4, 5), "child", NULL, LC(4, 10));
    ast_field_add(X, NULL, NULL, G1("optional", TY("Node", 5, 14), 5, 5), "next", NULL, LC(5, 20));
    ast_field_add(X, NULL, NULL, G1("list", TY("Node", 6, 10), 6, 5), "kids", NULL, LC(6, 16));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:5: error: struct 'p.Node' contains itself by value (p.Node.child -> "
              "p.Node); use optional<> or list<>",
           NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, NULL, "Top", LC(2, 8));
    ast_field_add(X, NULL, NULL, TY("A", 2, 14), "a", NULL, LC(2, 16));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "A", LC(3, 8));
    ast_field_add(X, NULL, NULL, TY("B", 4, 5), "b", NULL, LC(4, 7));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "B", LC(6, 8));
    ast_field_add(X, NULL, NULL, TY("u8", 7, 5), "pad", NULL, LC(7, 8));
    ast_type *arr = ast_type_array(X, TY("A", 8, 5), VI(2, 8, 9), LC(8, 5));
    ast_field_add(X, NULL, NULL, arr, "a", NULL, LC(8, 7));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:5: error: struct 'p.A' contains itself by value (p.A.b -> p.B.a -> p.A); "
              "use optional<> or list<>",
           NULL);
    tc_fini(&t);
}

static void test_enum_errors(void)
{
    tc t;
    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(3, 7));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:2:6: error: enum 'p.E' has no values");
    CHECK_EQ_STR(tc_line(&t, 1), "t.alr:3:7: error: flags 'p.F' has no values");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "a", VI(2147483648u, 2, 14), LC(2, 10));
    ast_enumval_add(X, NULL, NULL, "b", NULL, LC(2, 26)); /* no cascade */
    ast_enumval_add(X, NULL, NULL, "c", VN(2147483649u, 2, 33), LC(2, 29));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:2:14: error: enum value 2147483648 does not fit in i32");
    CHECK_EQ_STR(tc_line(&t, 1), "t.alr:2:33: error: enum value -2147483649 does not fit in i32");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "a", VI(2147483647, 2, 14), LC(2, 10));
    ast_enumval_add(X, NULL, NULL, "b", NULL, LC(2, 26));
    ast_enumval_add(X, NULL, NULL, "c", NULL, LC(2, 29));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:26: error: enum value 'b' overflows i32", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(2, 7));
    ast_enumval_add(X, NULL, NULL, "a", VN(1, 2, 15), LC(2, 11));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:15: error: flags values cannot be negative", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(2, 7));
    ast_enumval_add(X, NULL, NULL, "a", VI(0x8000000000000000ull, 2, 15), LC(2, 11));
    ast_enumval_add(X, NULL, NULL, "b", NULL, LC(2, 35));
    ast_enumval_add(X, NULL, NULL, "c", NULL, LC(2, 38));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:35: error: no power of two above the previous values is left for 'b'", NULL);
    tc_fini(&t);
}

static void test_method_errors(void)
{
    tc t;
    tc_init(&t, "p");
    one_method(&t, NULL, 1, AST_MODE_ONEWAY, TY("u64", 3, 19), 23);
    EXPECT(t, "t.alr:3:19: error: 'oneway' methods must return 'void' or 'status'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 0, AST_MODE_ASYNC, TY("status", 3, 11), 18);
    EXPECT(t, "t.alr:3:11: error: 'async' methods must return a value or 'void'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, NULL, 0, AST_MODE_ASYNCREF, TY("void", 3, 14), 19);
    EXPECT(t, "t.alr:3:14: error: 'asyncref' methods must return a value", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_ctor_begin(X, NULL, NULL, LC(3, 5));
    ast_method_end(X);
    ast_ctor_begin(X, NULL, NULL, LC(4, 5));
    ast_param_add(X, NULL, NULL, TY("u32", 4, 9), "x", NULL, LC(4, 13));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:5: error: service 'p.S' has more than one constructor",
           "t.alr:3:5: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method *c = ast_ctor_begin(X, NULL, NULL, LC(3, 12));
    c->is_static = 1; /* the header importer could produce this */
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:12: error: a constructor cannot be 'static'", NULL);
    tc_fini(&t);
}

/* ------------------------------------------------------------ invalid: defaults */

static void test_defaults(void)
{
    tc t;
    tc_init(&t, "p");
    one_field(&t, NULL, TY("u8", 3, 5), VI(300, 3, 12), 8);
    EXPECT(t, "t.alr:3:12: error: default value 300 does not fit in u8", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("i8", 3, 5), VN(129, 3, 12), 8);
    EXPECT(t, "t.alr:3:12: error: default value -129 does not fit in i8", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, NULL, "S", LC(2, 9));
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN, TY("void", 3, 12), "f", LC(3, 17));
    ast_param_add(X, NULL, NULL, TY("u32", 3, 19), "x", VN(1, 3, 27), LC(3, 23));
    ast_method_end(X);
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:27: error: default value -1 does not fit in u32", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("bool", 3, 5), VI(1, 3, 14), 10);
    EXPECT(t, "t.alr:3:14: error: default value for 'bool' must be true or false", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("string", 3, 5), VI(5, 3, 16), 12);
    EXPECT(t, "t.alr:3:16: error: default value for 'string' must be a string literal", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("u16", 3, 5), ast_value_bool(X, 1, LC(3, 13)), 9);
    EXPECT(t, "t.alr:3:13: error: default value for 'u16' must be an integer", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, G1("list", TY("u32", 3, 10), 3, 5), VI(1, 3, 19), 15);
    EXPECT(t, "t.alr:3:19: error: default value for 'list<u32>' is not allowed", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("f32", 3, 5), ast_value_float(X, 1e39, LC(3, 13)), 9);
    EXPECT(t, "t.alr:3:13: error: default value 1e+39 does not fit in f32", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, NULL, TY("f64", 3, 5), VID("infinity", 3, 13), 9);
    EXPECT(t, "t.alr:3:13: error: default value for 'f64' must be a number, inf or nan", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "Color", 0, LC(2, 6));
    ast_enumval_add(X, NULL, NULL, "red", NULL, LC(2, 14));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(3, 8));
    ast_field_add(X, NULL, NULL, TY("Color", 4, 5), "c", VID("blue", 4, 15), LC(4, 11));
    ast_value *two = ast_value_ident_or(X, VID("red", 5, 15), "red", LC(5, 21));
    ast_field_add(X, NULL, NULL, TY("Color", 5, 5), "d", two, LC(5, 11));
    ast_field_add(X, NULL, NULL, TY("Color", 6, 5), "e", VI(0, 6, 15), LC(6, 11));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 3);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:4:15: error: 'blue' is not a value of enum 'p.Color'");
    CHECK_EQ_STR(tc_line(&t, 1),
                 "t.alr:5:21: error: default value for enum 'p.Color' must be a single value name");
    CHECK_EQ_STR(tc_line(&t, 2),
                 "t.alr:6:15: error: default value for enum 'p.Color' must be one of its value names");
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "W", 1, LC(2, 7));
    ast_enumval_add(X, NULL, NULL, "storm", NULL, LC(2, 11));
    ast_enumval_add(X, NULL, NULL, "flood", NULL, LC(2, 18));
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "S", LC(3, 8));
    ast_value *w = ast_value_ident_or(X, VID("storm", 4, 11), "fire", LC(4, 19));
    ast_field_add(X, NULL, NULL, TY("W", 4, 5), "w", w, LC(4, 7));
    ast_field_add(X, NULL, NULL, TY("W", 5, 5), "v", VI(1, 5, 11), LC(5, 7));
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 2);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:4:19: error: 'fire' is not a value of flags 'p.W'");
    CHECK_EQ_STR(tc_line(&t, 1),
                 "t.alr:5:11: error: default value for flags 'p.W' must be value names joined by '|'");
    tc_fini(&t);
}

/* name[0..3] = "vNNN" (the rest of the 250-byte name stays 'n'). */
static void flag_name(char *name, int i)
{
    name[0] = 'v';
    name[1] = (char)('0' + i / 100 % 10);
    name[2] = (char)('0' + i / 10 % 10);
    name[3] = (char)('0' + i % 10);
}

/* The stored flags default (names deduplicated, joined by '|') must fit
 * a blob string; repeats do not count. */
static void test_flags_default_length(void)
{
    tc t;
    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "F", 1, LC(2, 7));
    char name[251];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    for (int i = 0; i < 300; i++) {
        flag_name(name, i);
        ast_enumval_add(X, NULL, NULL, name, VI((uint64_t)i + 1, 3, 1), LC(3, 1));
    }
    ast_decl_end(X);
    ast_value *all = NULL;
    for (int i = 0; i < 300; i++) {
        flag_name(name, i);
        all = all ? ast_value_ident_or(X, all, name, LC(4, 20)) : VID(name, 4, 11);
    }
    flag_name(name, 0);
    ast_value *rep = VID(name, 5, 11);
    for (int i = 0; i < 400; i++)
        ast_value_ident_or(X, rep, name, LC(5, 20));
    ast_struct_begin(X, NULL, NULL, "S", LC(4, 1));
    ast_field_add(X, NULL, NULL, TY("F", 4, 5), "a", all, LC(4, 7));
    ast_field_add(X, NULL, NULL, TY("F", 5, 5), "b", rep, LC(5, 7));
    ast_decl_end(X);
    EXPECT(t, "t.alr:4:11: error: default value for flags 'p.F' is longer than 65535 bytes", NULL);
    tc_fini(&t);
}

/* ------------------------------------------------------------ invalid: annotations */

static void test_annotations(void)
{
    tc t;
    tc_init(&t, "p");
    ast_struct_begin(X, NULL, AN("frobnicate", NULL, 2, 1), "S", LC(3, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:1: error: unknown annotation '@frobnicate'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, AN("deadline", ARG(NULL, VI(5, 2, 11), 2, 11), 2, 1), "S", LC(3, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:1: error: '@deadline' applies to methods only", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_struct_begin(X, NULL, AN("common", NULL, 2, 1), "S", LC(3, 8));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:1: error: '@common' applies to services only", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_annot *two = ast_annot_append(AN("deadline", ARG(NULL, VI(5, 3, 15), 3, 15), 3, 5),
                                      AN("deadline", ARG(NULL, VI(6, 3, 28), 3, 28), 3, 18));
    one_method(&t, two, 1, AST_MODE_PLAIN, TY("void", 3, 38), 43);
    EXPECT(t, "t.alr:3:18: error: duplicate annotation '@deadline'",
           "t.alr:3:5: note: previous definition is here");
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("deadline", ARG(NULL, VS("soon", 3, 15), 3, 15), 3, 5), 1, AST_MODE_PLAIN,
               TY("void", 3, 29), 34);
    EXPECT(t, "t.alr:3:15: error: '@deadline' needs one argument: a positive integer", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("max_size", ARG(NULL, VI(0, 3, 15), 3, 15), 3, 5), 1, AST_MODE_PLAIN,
               TY("void", 3, 25), 30);
    EXPECT(t, "t.alr:3:15: error: '@max_size' needs one argument: a positive integer", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("deadline", NULL, 3, 5), 1, AST_MODE_PLAIN, TY("void", 3, 25), 30);
    EXPECT(t, "t.alr:3:5: error: '@deadline' needs one argument: a positive integer", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("deadline", ARG(NULL, VI(4294967296ull, 3, 15), 3, 15), 3, 5), 1,
               AST_MODE_PLAIN, TY("void", 3, 35), 40);
    EXPECT(t, "t.alr:3:15: error: '@deadline' value 4294967296 is larger than 4294967295", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, AN("max_len", ARG(NULL, VI(4, 3, 14), 3, 14), 3, 5), TY("u32", 3, 17), NULL, 21);
    EXPECT(t, "t.alr:3:5: error: '@max_len' needs a string, bytes, list, set or map type, not 'u32'",
           NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, AN("evolve", ARG("write", VID("sometimes", 3, 21), 3, 13), 3, 5),
              TY("u32", 3, 32), NULL, 36);
    EXPECT(t, "t.alr:3:21: error: '@evolve' key 'write' must be 'required' or 'optional'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_field(&t, AN("evolve", ARG("enum", VID("strict", 3, 20), 3, 13), 3, 5), TY("u32", 3, 28),
              NULL, 32);
    EXPECT(t, "t.alr:3:13: error: '@evolve' key 'enum' needs an enum or flags type, not 'u32'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_annot_arg *ea = ast_annot_arg_append(ARG(NULL, VID("required", 3, 13), 3, 13),
                                             ARG("colour", VID("red", 3, 32), 3, 23));
    ea = ast_annot_arg_append(ea, ARG("read", VID("optional", 3, 44), 3, 37));
    ea = ast_annot_arg_append(ea, ARG("read", VID("optional", 3, 61), 3, 54));
    ea = ast_annot_arg_append(ea, ARG("enum", VID("loose", 3, 78), 3, 71));
    one_field(&t, AN("evolve", ea, 3, 5), TY("u32", 3, 90), NULL, 94);
    CHECK_EQ_INT(tc_run(&t), 4);
    CHECK_EQ_STR(tc_line(&t, 0), "t.alr:3:13: error: '@evolve' arguments are written key = value");
    CHECK_EQ_STR(tc_line(&t, 1), "t.alr:3:23: error: unknown '@evolve' key 'colour'");
    CHECK_EQ_STR(tc_line(&t, 2), "t.alr:3:54: error: duplicate '@evolve' key 'read'");
    CHECK_EQ_STR(tc_line(&t, 3), "t.alr:3:78: error: '@evolve' key 'enum' must be 'value', "
                                 "'strict', 'flags' or 'flags_strict'");
    CHECK_EQ_INT(tc_nlines(&t), 4);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("evolve", ARG("read", VID("optional", 3, 20), 3, 13), 3, 5), 0,
               AST_MODE_PLAIN, TY("void", 3, 30), 35);
    EXPECT(t, "t.alr:3:5: error: '@evolve' on a method needs a return value", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    one_method(&t, AN("evolve", NULL, 3, 5), 0, AST_MODE_PLAIN, TY("u32", 3, 13), 17);
    EXPECT(t, "t.alr:3:5: error: '@evolve' needs at least one of 'write', 'read' or 'enum'", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_service_begin(X, NULL, AN("common", ARG(NULL, VI(1, 2, 9), 2, 9), 2, 1), "S", LC(3, 9));
    ast_decl_end(X);
    EXPECT(t, "t.alr:2:1: error: '@common' takes no arguments", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, AN("deprecated", ARG(NULL, VI(1, 3, 17), 3, 17), 3, 5), "a", NULL,
                    LC(3, 20));
    ast_enumval_add(X, NULL, AN("deprecated", ARG(NULL, VS("old", 4, 17), 4, 17), 4, 5), "b", NULL,
                    LC(4, 24));
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:17: error: '@deprecated' takes at most one argument, a string", NULL);
    tc_fini(&t);

    tc_init(&t, "p");
    ast_enum_begin(X, NULL, NULL, "E", 0, LC(2, 6));
    ast_enumval_add(X, NULL, AN("max_len", ARG(NULL, VI(1, 3, 14), 3, 14), 3, 5), "a", NULL,
                    LC(3, 17));
    ast_decl_end(X);
    EXPECT(t, "t.alr:3:5: error: '@max_len' applies to fields and parameters only", NULL);
    tc_fini(&t);
}

/* ------------------------------------------------------------ lowering */

/* common.alr: Location, Unused, service Client.  t.alr (package p) imports
 * it and declares B, Color, W, A, Svc; reverse = declare everything in the
 * opposite order (files and declarations). */
static void build_schema(tc *tp, int reverse)
{
    ast_ctx *x = &tp->ctx;
    ast_loc z = LC(1, 1);
    ast_import *im = ast_import_add(x, "common.alr", z);
    for (int pass = 0; pass < 5; pass++) {
        int k = reverse ? 4 - pass : pass;
        if (k == 0) {
            ast_struct_begin(x, "doc B", NULL, "B", z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "u32", z), "n",
                          ast_value_int(x, 7, 0, z), z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "Color", z), "c",
                          ast_value_ident(x, "green", z), z);
            ast_field_add(x, NULL, NULL,
                          ast_type_generic(x, "list", ast_type_named(x, "u32", z), z), "xs", NULL,
                          z);
            ast_decl_end(x);
        } else if (k == 1) {
            ast_enum_begin(x, NULL, NULL, "Color", 0, z);
            ast_enumval_add(x, NULL, NULL, "red", NULL, z);
            ast_enumval_add(x, "the green", NULL, "green", ast_value_int(x, 5, 0, z), z);
            ast_enumval_add(x, NULL, NULL, "blue", NULL, z);
            ast_decl_end(x);
        } else if (k == 2) {
            ast_enum_begin(x, NULL, NULL, "W", 1, z);
            ast_enumval_add(x, NULL, NULL, "storm", NULL, z);
            ast_enumval_add(x, NULL, NULL, "flood", NULL, z);
            ast_enumval_add(x, NULL, NULL, "wind", NULL, z);
            ast_decl_end(x);
        } else if (k == 3) {
            ast_annot *dep = ast_annot_new(
                x, "deprecated", ast_annot_arg_new(x, NULL, ast_value_string(x, "old", 3, z), z), z);
            ast_struct_begin(x, NULL, dep, "A", z);
            ast_annot *ml =
                ast_annot_new(x, "max_len", ast_annot_arg_new(x, NULL, ast_value_int(x, 10, 0, z), z), z);
            ast_field_add(x, NULL, ml, ast_type_named(x, "string", z), "name",
                          ast_value_string(x, "x", 1, z), z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "Location", z), "at", NULL, z);
            ast_field_add(x, NULL, NULL,
                          ast_type_array(x, ast_type_named(x, "u8", z), ast_value_int(x, 4, 0, z), z),
                          "raw", NULL, z);
            ast_field_add(x, NULL, NULL,
                          ast_type_generic(x, "map",
                                           ast_type_append(ast_type_named(x, "string", z),
                                                           ast_type_named(x, "u32", z)),
                                           z),
                          "m", NULL, z);
            ast_value *w = ast_value_ident(x, "wind", z);
            ast_value_ident_or(x, w, "storm", z);
            ast_value_ident_or(x, w, "wind", z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "W", z), "w", w, z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "f32", z), "f",
                          ast_value_float(x, 0.1, z), z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "i16", z), "neg",
                          ast_value_int(x, 3, 1, z), z);
            ast_decl_end(x);
        } else {
            ast_service_begin(x, NULL, NULL, "Svc", z);
            ast_ctor_begin(x, NULL, NULL, z);
            ast_param_add(x, NULL, NULL, ast_type_named(x, "u32", z), "seed",
                          ast_value_int(x, 1, 0, z), z);
            ast_method_end(x);
            ast_annot *dl = ast_annot_new(
                x, "deadline", ast_annot_arg_new(x, NULL, ast_value_int(x, 100, 0, z), z), z);
            ast_type *res = ast_type_generic(
                x, "result",
                ast_type_append(ast_type_named(x, "u32", z), ast_type_named(x, "Color", z)), z);
            ast_method_begin(x, NULL, dl, 1, AST_MODE_PLAIN, res, "get", z);
            ast_param_add(x, NULL, NULL, ast_type_named(x, "u32", z), "id", NULL, z);
            ast_param_add(x, NULL, NULL,
                          ast_type_generic(x, "ref", ast_type_named(x, "Client", z), z), "cb",
                          NULL, z);
            ast_method_end(x);
            ast_method_begin(x, NULL, NULL, 0, AST_MODE_ONEWAY, ast_type_named(x, "void", z),
                             "log", z);
            ast_param_add(x, NULL, NULL, ast_type_named(x, "string", z), "s", NULL, z);
            ast_method_end(x);
            ast_decl_end(x);
        }
    }
    uint32_t f2 = diag_add_file(&tp->d, "common.alr", NULL, 0);
    im->file = ast_file_begin(x, f2, "common.alr");
    ast_package(x, "common", z);
    for (int pass = 0; pass < 3; pass++) {
        int k = reverse ? 2 - pass : pass;
        if (k == 0) {
            ast_struct_begin(x, NULL, NULL, "Location", z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "f64", z), "lat", NULL, z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "f64", z), "lon", NULL, z);
            ast_decl_end(x);
        } else if (k == 1) {
            ast_struct_begin(x, NULL, NULL, "Unused", z);
            ast_field_add(x, NULL, NULL, ast_type_named(x, "u32", z), "x", NULL, z);
            ast_decl_end(x);
        } else {
            ast_service_begin(x, NULL, NULL, "Client", z);
            ast_method_begin(x, NULL, NULL, 0, AST_MODE_PLAIN, ast_type_named(x, "void", z),
                             "ping", z);
            ast_method_end(x);
            ast_decl_end(x);
        }
    }
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int value_eq(const alri_value *a, const alri_value *b)
{
    return a->kind == b->kind && a->i == b->i && a->u == b->u &&
           memcmp(&a->f, &b->f, sizeof a->f) == 0 && str_eq(a->s, b->s);
}

static int member_eq(const alri_member *a, const alri_member *b)
{
    return str_eq(a->name, b->name) && str_eq(a->doc, b->doc) && a->type == b->type &&
           a->dflt == b->dflt && a->first_annot == b->first_annot && a->nannots == b->nannots;
}

/* Deep equality of two IRs. */
static int ir_eq(const alri_schema *a, const alri_schema *b)
{
#define SAME_N(t) if (a->t.n != b->t.n) return 0
    SAME_N(types); SAME_N(values); SAME_N(annots); SAME_N(args); SAME_N(structs);
    SAME_N(fields); SAME_N(enums); SAME_N(enumvals); SAME_N(services); SAME_N(methods);
    SAME_N(params);
#undef SAME_N
    if (!str_eq(a->package, b->package))
        return 0;
    for (uint32_t i = 0; i < a->types.n; i++)
        if (a->types.v[i].kind != b->types.v[i].kind || a->types.v[i].a != b->types.v[i].a ||
            a->types.v[i].b != b->types.v[i].b)
            return 0;
    for (uint32_t i = 0; i < a->values.n; i++)
        if (!value_eq(&a->values.v[i], &b->values.v[i]))
            return 0;
    for (uint32_t i = 0; i < a->annots.n; i++)
        if (!str_eq(a->annots.v[i].name, b->annots.v[i].name) ||
            a->annots.v[i].first_arg != b->annots.v[i].first_arg ||
            a->annots.v[i].nargs != b->annots.v[i].nargs)
            return 0;
    for (uint32_t i = 0; i < a->args.n; i++)
        if (!str_eq(a->args.v[i].key, b->args.v[i].key) || a->args.v[i].value != b->args.v[i].value)
            return 0;
    for (uint32_t i = 0; i < a->structs.n; i++) {
        const alri_struct *x = &a->structs.v[i], *y = &b->structs.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->doc, y->doc) || x->first_field != y->first_field ||
            x->nfields != y->nfields || x->first_annot != y->first_annot || x->nannots != y->nannots)
            return 0;
    }
    for (uint32_t i = 0; i < a->fields.n; i++)
        if (!member_eq(&a->fields.v[i], &b->fields.v[i]))
            return 0;
    for (uint32_t i = 0; i < a->params.n; i++)
        if (!member_eq(&a->params.v[i], &b->params.v[i]))
            return 0;
    for (uint32_t i = 0; i < a->enums.n; i++) {
        const alri_enum *x = &a->enums.v[i], *y = &b->enums.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->doc, y->doc) || x->is_flags != y->is_flags ||
            x->first_value != y->first_value || x->nvalues != y->nvalues ||
            x->first_annot != y->first_annot || x->nannots != y->nannots)
            return 0;
    }
    for (uint32_t i = 0; i < a->enumvals.n; i++) {
        const alri_enumval *x = &a->enumvals.v[i], *y = &b->enumvals.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->doc, y->doc) || x->value != y->value ||
            x->first_annot != y->first_annot || x->nannots != y->nannots)
            return 0;
    }
    for (uint32_t i = 0; i < a->services.n; i++) {
        const alri_service *x = &a->services.v[i], *y = &b->services.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->doc, y->doc) ||
            x->first_method != y->first_method || x->nmethods != y->nmethods ||
            x->first_annot != y->first_annot || x->nannots != y->nannots)
            return 0;
    }
    for (uint32_t i = 0; i < a->methods.n; i++) {
        const alri_method *x = &a->methods.v[i], *y = &b->methods.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->doc, y->doc) || x->kind != y->kind ||
            x->mode != y->mode || x->ret != y->ret || x->err != y->err ||
            x->first_param != y->first_param || x->nparams != y->nparams ||
            x->first_annot != y->first_annot || x->nannots != y->nannots)
            return 0;
    }
    return 1;
}

#define CHECK_TYPE(ir, i, k, a_, b_)                                          \
    do {                                                                      \
        CHECK_EQ_INT((ir).types.v[i].kind, (k));                              \
        CHECK_EQ_INT((ir).types.v[i].a, (a_));                                \
        CHECK_EQ_INT((ir).types.v[i].b, (b_));                                \
    } while (0)

static void test_lower(void)
{
    tc t;
    tc_init(&t, "p");
    build_schema(&t, 0);
    CHECK_EQ_INT(tc_run(&t), 0);
    CHECK_EQ_STR(tc_line(&t, 0), "");
    alri_schema ir;
    char err[128] = "x";
    CHECK_EQ_INT(lower_schema(&t.ctx, &ir, err, sizeof err), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_STR(ir.package, "p");
    /* counts */
    CHECK_EQ_INT(ir.types.n, 13);
    CHECK_EQ_INT(ir.values.n, 10);
    CHECK_EQ_INT(ir.annots.n, 3);
    CHECK_EQ_INT(ir.args.n, 3);
    CHECK_EQ_INT(ir.structs.n, 3);
    CHECK_EQ_INT(ir.fields.n, 12);
    CHECK_EQ_INT(ir.enums.n, 2);
    CHECK_EQ_INT(ir.enumvals.n, 6);
    CHECK_EQ_INT(ir.services.n, 2);
    CHECK_EQ_INT(ir.methods.n, 4);
    CHECK_EQ_INT(ir.params.n, 4);
    if (ir.types.n != 13 || ir.values.n != 10 || ir.structs.n != 3 || ir.methods.n != 4 ||
        ir.enums.n != 2 || ir.fields.n != 12 || ir.params.n != 4 || ir.annots.n != 3) {
        alri_schema_fini(&ir);
        tc_fini(&t);
        return;
    }
    /* sorted content; common.Unused is not referenced */
    CHECK_EQ_STR(ir.enums.v[0].name, "p.Color");
    CHECK_EQ_STR(ir.enums.v[1].name, "p.W");
    CHECK_EQ_STR(ir.structs.v[0].name, "common.Location");
    CHECK_EQ_STR(ir.structs.v[1].name, "p.A");
    CHECK_EQ_STR(ir.structs.v[2].name, "p.B");
    CHECK_EQ_STR(ir.services.v[0].name, "common.Client");
    CHECK_EQ_STR(ir.services.v[1].name, "p.Svc");
    /* enums */
    CHECK_EQ_INT(ir.enums.v[0].is_flags, 0);
    CHECK_EQ_INT(ir.enums.v[1].is_flags, 1);
    CHECK_EQ_INT(ir.enums.v[0].first_value, 0);
    CHECK_EQ_INT(ir.enums.v[0].nvalues, 3);
    CHECK_EQ_INT(ir.enums.v[1].first_value, 3);
    CHECK_EQ_INT(ir.enums.v[1].nvalues, 3);
    static const char *const vn[6] = {"red", "green", "blue", "storm", "flood", "wind"};
    static const int64_t vv[6] = {0, 5, 6, 1, 2, 4};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_STR(ir.enumvals.v[i].name, vn[i]);
        CHECK_EQ_INT(ir.enumvals.v[i].value, vv[i]);
    }
    CHECK_EQ_STR(ir.enumvals.v[1].doc, "the green");
    CHECK_EQ_STR(ir.enumvals.v[0].doc, "");
    /* structs and fields */
    CHECK_EQ_INT(ir.structs.v[0].first_field, 0);
    CHECK_EQ_INT(ir.structs.v[0].nfields, 2);
    CHECK_EQ_INT(ir.structs.v[1].first_field, 2);
    CHECK_EQ_INT(ir.structs.v[1].nfields, 7);
    CHECK_EQ_INT(ir.structs.v[2].first_field, 9);
    CHECK_EQ_INT(ir.structs.v[2].nfields, 3);
    CHECK_EQ_STR(ir.structs.v[2].doc, "doc B");
    CHECK_EQ_INT(ir.structs.v[1].first_annot, 0);
    CHECK_EQ_INT(ir.structs.v[1].nannots, 1);
    CHECK_EQ_INT(ir.structs.v[0].nannots, 0);
    CHECK_EQ_STR(ir.annots.v[0].name, "deprecated");
    CHECK_EQ_INT(ir.annots.v[0].first_arg, 0);
    CHECK_EQ_INT(ir.annots.v[0].nargs, 1);
    CHECK(ir.args.v[0].key == NULL);
    CHECK_EQ_INT(ir.args.v[0].value, 0);
    CHECK_EQ_INT(ir.values.v[0].kind, ALRI_V_STRING);
    CHECK_EQ_STR(ir.values.v[0].s, "old");
    /* types: interned once, operands first */
    CHECK_TYPE(ir, 0, ALR_K_F64, 0, 0);
    CHECK_TYPE(ir, 1, ALR_K_STRING, 0, 0);
    CHECK_TYPE(ir, 2, ALR_K_STRUCT, 0, 0);
    CHECK_TYPE(ir, 3, ALR_K_U8, 0, 0);
    CHECK_TYPE(ir, 4, ALR_K_ARRAY, 3, 4);
    CHECK_TYPE(ir, 5, ALR_K_U32, 0, 0);
    CHECK_TYPE(ir, 6, ALR_K_MAP, 1, 5);
    CHECK_TYPE(ir, 7, ALR_K_FLAGS, 1, 0);
    CHECK_TYPE(ir, 8, ALR_K_F32, 0, 0);
    CHECK_TYPE(ir, 9, ALR_K_I16, 0, 0);
    CHECK_TYPE(ir, 10, ALR_K_ENUM, 0, 0);
    CHECK_TYPE(ir, 11, ALR_K_LIST, 5, 0);
    CHECK_TYPE(ir, 12, ALR_K_REF, 0, 0);
    static const uint32_t ftype[12] = {0, 0, 1, 2, 4, 6, 7, 8, 9, 5, 10, 11};
    static const char *const fname[12] = {"lat", "lon", "name", "at", "raw", "m",
                                          "w",   "f",   "neg",  "n",  "c",   "xs"};
    for (int i = 0; i < 12; i++) {
        CHECK_EQ_INT(ir.fields.v[i].type, ftype[i]);
        CHECK_EQ_STR(ir.fields.v[i].name, fname[i]);
        CHECK_EQ_STR(ir.fields.v[i].doc, "");
    }
    /* defaults and annotation values in walk order */
    CHECK_EQ_INT(ir.fields.v[2].dflt, 1);
    CHECK_EQ_STR(ir.values.v[1].s, "x");
    CHECK_EQ_INT(ir.fields.v[2].first_annot, 1);
    CHECK_EQ_INT(ir.fields.v[2].nannots, 1);
    CHECK_EQ_STR(ir.annots.v[1].name, "max_len");
    CHECK_EQ_INT(ir.args.v[1].value, 2);
    CHECK_EQ_INT(ir.values.v[2].kind, ALRI_V_UINT);
    CHECK_EQ_INT(ir.values.v[2].u, 10);
    CHECK_EQ_INT(ir.fields.v[3].dflt, ALRI_NONE);
    CHECK_EQ_INT(ir.fields.v[3].first_annot, 2);
    CHECK_EQ_INT(ir.fields.v[3].nannots, 0);
    CHECK_EQ_INT(ir.fields.v[6].dflt, 3);
    CHECK_EQ_INT(ir.values.v[3].kind, ALRI_V_FLAGS);
    CHECK_EQ_STR(ir.values.v[3].s, "storm|wind");
    CHECK_EQ_INT(ir.values.v[3].u, 5);
    CHECK_EQ_INT(ir.fields.v[7].dflt, 4);
    CHECK_EQ_INT(ir.values.v[4].kind, ALRI_V_FLOAT);
    CHECK(ir.values.v[4].f == (double)0.1f);
    CHECK_EQ_INT(ir.fields.v[8].dflt, 5);
    CHECK_EQ_INT(ir.values.v[5].kind, ALRI_V_INT);
    CHECK_EQ_INT(ir.values.v[5].i, -3);
    CHECK_EQ_INT(ir.fields.v[9].dflt, 6);
    CHECK_EQ_INT(ir.values.v[6].kind, ALRI_V_UINT);
    CHECK_EQ_INT(ir.values.v[6].u, 7);
    CHECK_EQ_INT(ir.fields.v[10].dflt, 7);
    CHECK_EQ_INT(ir.values.v[7].kind, ALRI_V_ENUM);
    CHECK_EQ_STR(ir.values.v[7].s, "green");
    CHECK_EQ_INT(ir.values.v[7].i, 5);
    /* services, methods, params */
    CHECK_EQ_INT(ir.services.v[0].first_method, 0);
    CHECK_EQ_INT(ir.services.v[0].nmethods, 1);
    CHECK_EQ_INT(ir.services.v[1].first_method, 1);
    CHECK_EQ_INT(ir.services.v[1].nmethods, 3);
    const alri_method *m = ir.methods.v;
    CHECK_EQ_STR(m[0].name, "ping");
    CHECK_EQ_INT(m[0].kind, ALR_METHOD_INSTANCE);
    CHECK_EQ_INT(m[0].mode, ALR_RET_VOID);
    CHECK_EQ_INT(m[0].ret, ALRI_NONE);
    CHECK_EQ_INT(m[0].err, ALRI_NONE);
    CHECK_EQ_STR(m[1].name, "new");
    CHECK_EQ_INT(m[1].kind, ALR_METHOD_CTOR);
    CHECK_EQ_INT(m[1].mode, ALR_RET_VOID);
    CHECK_EQ_INT(m[1].first_param, 0);
    CHECK_EQ_INT(m[1].nparams, 1);
    CHECK_EQ_INT(ir.params.v[0].type, 5);
    CHECK_EQ_INT(ir.params.v[0].dflt, 8);
    CHECK_EQ_INT(ir.values.v[8].u, 1);
    CHECK_EQ_STR(m[2].name, "get");
    CHECK_EQ_INT(m[2].kind, ALR_METHOD_STATIC);
    CHECK_EQ_INT(m[2].mode, ALR_RET_RESULT);
    CHECK_EQ_INT(m[2].first_annot, 2);
    CHECK_EQ_INT(m[2].nannots, 1);
    CHECK_EQ_STR(ir.annots.v[2].name, "deadline");
    CHECK_EQ_INT(ir.annots.v[2].first_arg, 2);
    CHECK_EQ_INT(ir.args.v[2].value, 9);
    CHECK_EQ_INT(ir.values.v[9].u, 100);
    CHECK_EQ_INT(m[2].first_param, 1);
    CHECK_EQ_INT(m[2].nparams, 2);
    CHECK_EQ_INT(ir.params.v[2].type, 12);
    CHECK_EQ_INT(m[2].ret, 5);
    CHECK_EQ_INT(m[2].err, 10);
    CHECK_EQ_STR(m[3].name, "log");
    CHECK_EQ_INT(m[3].mode, ALR_RET_ONEWAY);
    CHECK_EQ_INT(m[3].first_param, 3);
    CHECK_EQ_INT(m[3].nparams, 1);
    CHECK_EQ_INT(m[3].first_annot, 3);
    CHECK_EQ_INT(m[3].nannots, 0);
    CHECK_EQ_INT(m[3].ret, ALRI_NONE);

    /* the same declarations in the opposite order give the same IR */
    tc u;
    tc_init(&u, "p");
    build_schema(&u, 1);
    CHECK_EQ_INT(tc_run(&u), 0);
    alri_schema ir2;
    CHECK_EQ_INT(lower_schema(&u.ctx, &ir2, err, sizeof err), 0);
    CHECK(ir_eq(&ir, &ir2));
    alri_schema_fini(&ir2);
    tc_fini(&u);

    /* and lowering twice gives the same IR */
    alri_schema ir3;
    CHECK_EQ_INT(lower_schema(&t.ctx, &ir3, err, sizeof err), 0);
    CHECK(ir_eq(&ir, &ir3));
    alri_schema_fini(&ir3);

    alri_schema_fini(&ir);
    tc_fini(&t);
}

/* Lowering an imported file's struct pulls in what it references, and
 * nothing else; an empty root lowers to an empty schema. */
static void test_lower_closure(void)
{
    tc t;
    tc_init(&t, "root");
    ast_loc z = LC(1, 1);
    ast_import *im = ast_import_add(X, "a.alr", z);
    ast_service_begin(X, NULL, NULL, "R", z);
    ast_method_begin(X, NULL, NULL, 1, AST_MODE_PLAIN,
                     ast_type_generic(X, "status", ast_type_named(X, "a.Err", z), z), "f", z);
    ast_param_add(X, NULL, NULL, ast_type_named(X, "a.Outer", z), "o", NULL, z);
    ast_method_end(X);
    ast_decl_end(X);
    uint32_t f2 = diag_add_file(&t.d, "a.alr", NULL, 0);
    im->file = ast_file_begin(X, f2, "a.alr");
    ast_package(X, "a", z);
    ast_struct_begin(X, NULL, NULL, "Outer", z);
    ast_field_add(X, NULL, NULL,
                  ast_type_generic(X, "optional", ast_type_named(X, "Inner", z), z), "i", NULL, z);
    ast_field_add(X, NULL, NULL,
                  ast_type_generic(X, "list", ast_type_generic(X, "ref", ast_type_named(X, "Cb", z), z), z),
                  "cbs", NULL, z);
    ast_decl_end(X);
    ast_struct_begin(X, NULL, NULL, "Inner", z);
    ast_field_add(X, NULL, NULL, ast_type_named(X, "Flags", z), "f", NULL, z);
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "Flags", 1, z);
    ast_enumval_add(X, NULL, NULL, "x", NULL, z);
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "Err", 0, z);
    ast_enumval_add(X, NULL, NULL, "bad", NULL, z);
    ast_decl_end(X);
    ast_enum_begin(X, NULL, NULL, "Unused", 0, z);
    ast_enumval_add(X, NULL, NULL, "x", NULL, z);
    ast_decl_end(X);
    ast_service_begin(X, NULL, NULL, "Cb", z);
    ast_method_begin(X, NULL, NULL, 0, AST_MODE_PLAIN, ast_type_named(X, "Inner", z), "g", z);
    ast_method_end(X);
    ast_decl_end(X);
    CHECK_EQ_INT(tc_run(&t), 0);
    alri_schema ir;
    char err[128];
    CHECK_EQ_INT(lower_schema(&t.ctx, &ir, err, sizeof err), 0);
    CHECK_EQ_STR(ir.package, "root");
    CHECK_EQ_INT(ir.structs.n, 2);
    CHECK_EQ_INT(ir.enums.n, 2);
    CHECK_EQ_INT(ir.services.n, 2);
    if (ir.structs.n == 2 && ir.enums.n == 2 && ir.services.n == 2 && ir.methods.n == 2) {
        CHECK_EQ_STR(ir.structs.v[0].name, "a.Inner");
        CHECK_EQ_STR(ir.structs.v[1].name, "a.Outer");
        CHECK_EQ_STR(ir.enums.v[0].name, "a.Err");
        CHECK_EQ_STR(ir.enums.v[1].name, "a.Flags");
        CHECK_EQ_STR(ir.services.v[0].name, "a.Cb");
        CHECK_EQ_STR(ir.services.v[1].name, "root.R");
        CHECK_EQ_INT(ir.methods.v[1].mode, ALR_RET_STATUS);
        CHECK_EQ_INT(ir.methods.v[1].ret, ALRI_NONE);
        uint32_t e = ir.methods.v[1].err;
        CHECK(e < ir.types.n && ir.types.v[e].kind == ALR_K_ENUM && ir.types.v[e].a == 0);
        /* every operand index is smaller than its type's */
        for (uint32_t i = 0; i < ir.types.n; i++) {
            const alri_type *ty = &ir.types.v[i];
            if (ty->kind == ALR_K_LIST || ty->kind == ALR_K_OPTIONAL || ty->kind == ALR_K_SET)
                CHECK(ty->a < i);
        }
    }
    alri_schema_fini(&ir);
    tc_fini(&t);

    tc_init(&t, "only.a.package");
    CHECK_EQ_INT(tc_run(&t), 0);
    CHECK_EQ_INT(lower_schema(&t.ctx, &ir, err, sizeof err), 0);
    CHECK_EQ_STR(ir.package, "only.a.package");
    CHECK_EQ_INT(ir.types.n + ir.structs.n + ir.enums.n + ir.services.n, 0);
    alri_schema_fini(&ir);
    tc_fini(&t);
}

int main(void)
{
    TEST_RUN(test_cnames);
    TEST_RUN(test_valid_enums);
    TEST_RUN(test_valid_modes);
    TEST_RUN(test_valid_types);
    TEST_RUN(test_nesting);
    TEST_RUN(test_no_package);
    TEST_RUN(test_missing_package);
    TEST_RUN(test_dup_struct);
    TEST_RUN(test_dup_members);
    TEST_RUN(test_reserved_names);
    TEST_RUN(test_resolution);
    TEST_RUN(test_bad_types);
    TEST_RUN(test_recursion);
    TEST_RUN(test_enum_errors);
    TEST_RUN(test_method_errors);
    TEST_RUN(test_defaults);
    TEST_RUN(test_flags_default_length);
    TEST_RUN(test_annotations);
    TEST_RUN(test_lower);
    TEST_RUN(test_lower_closure);
    TEST_MAIN_END();
}
