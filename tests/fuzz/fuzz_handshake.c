/*
 * fuzz_handshake.c - libFuzzer target for the connection handshake: the
 * input is the peer's HELLO (header + schema blob) against a fixed local
 * schema compiled in-process at start-up.  Decode, load, intersect from both
 * roles; when a plan results, every capability is queried and the plan is
 * checked against the peer's own plan (same wire order on both sides).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/plan.h"
#include "alr/schema.h"
#include "ast.h"
#include "diag.h"
#include "handshake.h"
#include "idl.h"
#include "lower.h"
#include "plan_internal.h"
#include "schema_ir.h"
#include "sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The local side: a bit of everything the plan has to relate. */
static const char LOCAL_ALR[] =
    "package fz;\n"
    "enum E { a, b = 5, c, neg = -3 }\n"
    "flags F { x = 1, y = 2, z = 4, w = 64 }\n"
    "struct Loc { f64 lat; f64 lon; }\n"
    "struct Node { string name; list<Node> kids; optional<Node> parent; map<string, Node> by; }\n"
    "struct All { bool b; i8 i; u64 u; f32 f; string s = \"x\"; bytes r; list<Loc> l; set<E> se;\n"
    "  map<u32, F> m; optional<string> o; u8 d[4]; Loc at; E e = c; F fl = x | y; ref<Cb> cb; }\n"
    "struct Empty { }\n"
    "service Cb { void on(Node n); static oneway void ping(u32 seq); }\n"
    "service Svc {\n"
    "  static u64 add(u64 a, u64 b);\n"
    "  static oneway void log(string t);\n"
    "  static oneway status audit(string t);\n"
    "  static async Loc aa(Loc at);\n"
    "  static async void warm();\n"
    "  static result<Loc, E> r(Loc at, bool strict = false);\n"
    "  static result<void, E> forget(string n);\n"
    "  static status<E> v();\n"
    "  static status check();\n"
    "  new(string user, string city = \"SF\");\n"
    "  All get(Empty e);\n"
    "  asyncref list<Node> nodes(All a, F f);\n"
    "}\n";

static alr_schema *local;

static alr_schema *compile_local(void)
{
    FILE *null = fopen("/dev/null", "w");
    diag d;
    diag_init(&d, null ? null : stderr);
    ast_ctx ctx;
    ast_ctx_init(&ctx, &d);
    alr_schema *s = NULL;
    size_t n = sizeof LOCAL_ALR - 1;
    char *text = malloc(n + 1);
    if (!text)
        abort();
    memcpy(text, LOCAL_ALR, n + 1);
    uint32_t fi = diag_add_file(&d, "local.alr", text, n);
    if (fi && idl_parse(&ctx, fi) == 0) {
        ctx.root = ctx.files;
        if (sema_check(&ctx) == 0 && d.errors == 0 && !ctx.oom) {
            alri_schema ir;
            char err[256];
            if (lower_schema(&ctx, &ir, err, sizeof err) == 0) {
                uint8_t *blob = NULL;
                size_t len = 0;
                if (alri_schema_write(&ir, &blob, &len) == ALR_OK)
                    alr_schema_load(blob, len, &s, err, sizeof err);
                free(blob);
                alri_schema_fini(&ir);
            }
        }
    }
    ast_ctx_fini(&ctx);
    diag_fini(&d);
    if (null)
        fclose(null);
    return s;
}

static volatile uint32_t sink;

/* Every question a program can ask, in range and out of it. */
static void query_all(const alr_plan *p, const alri_schema *L)
{
    uint32_t acc = 0;
    for (uint32_t i = 0; i <= L->services.n; i++)
        acc += alr_caps_has_service(p, i);
    for (uint32_t i = 0; i <= L->structs.n; i++)
        acc += alr_caps_has_struct(p, i);
    for (uint32_t i = 0; i <= L->fields.n; i++)
        acc += alr_caps_has_field(p, i);
    for (uint32_t i = 0; i <= L->params.n; i++)
        acc += alr_caps_has_param(p, i);
    for (uint32_t i = 0; i <= L->methods.n; i++) {
        acc += alr_caps_has_method(p, i) + alr_caps_has_return(p, i);
        acc += alr_plan_method_out(p, i);
    }
    for (uint32_t w = 0; w <= p->n_wire_ids; w++)
        acc += alr_plan_method_in(p, w);
    for (uint32_t e = 0; e <= L->enums.n; e++) {
        acc += alr_caps_has_enum(p, e);
        uint32_t first = e < L->enums.n ? L->enums.v[e].first_value : 0;
        uint32_t n = e < L->enums.n ? L->enums.v[e].nvalues : 0;
        for (uint32_t k = 0; k < n; k++)
            for (int how = 0; how < 4; how++)
                acc += alr_caps_enum_value(p, e, (alr_enum_check)how,
                                           (uint64_t)L->enumvals.v[first + k].value);
        static const uint64_t odd[] = {0, 1, 3, 7, 0xFFFFFFFFu, UINT64_MAX, 1ull << 63, 0x80000000u};
        for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
            for (int how = 0; how < 5; how++)
                acc += alr_caps_enum_value(p, e, (alr_enum_check)how, odd[k]);
    }
    sink = acc;
}

/* The names at each wire slot, as one comparable hash. */
static uint64_t wire_hash(const alri_plan_members *pm, const alri_member *tab, uint32_t first,
                          uint32_t n)
{
    uint64_t h = ALRI_FNV1A64_INIT;
    if (pm->nwire + pm->nmissing != n)
        abort(); /* every local member is on the wire or missing */
    for (uint32_t i = 0; i < pm->nwire; i++) {
        if (pm->wire[i] >= n)
            abort();
        const char *name = tab[first + pm->wire[i]].name;
        h = alri_fnv1a64(name, strlen(name) + 1, h);
    }
    for (uint32_t i = 0; i < pm->nmissing; i++)
        if (pm->missing[i] >= n || (i && pm->missing[i] <= pm->missing[i - 1]))
            abort();
    return h;
}

/* The two sides of one connection must agree on every wire order. */
static void check_agree(const alri_schema *A, const alr_plan *pa, const alri_schema *C,
                        const alr_plan *pc)
{
    for (uint32_t i = 0; i < A->structs.n; i++) {
        if (!alr_caps_has_struct(pa, i))
            continue;
        uint32_t j = 0;
        while (j < C->structs.n && strcmp(C->structs.v[j].name, A->structs.v[i].name) != 0)
            j++;
        if (j == C->structs.n || !alr_caps_has_struct(pc, j))
            abort();
        const alri_struct *sa = &A->structs.v[i], *sc = &C->structs.v[j];
        if (wire_hash(&pa->structs[i], A->fields.v, sa->first_field, sa->nfields) !=
            wire_hash(&pc->structs[j], C->fields.v, sc->first_field, sc->nfields))
            abort();
    }
    for (uint32_t m = 0; m < A->methods.n; m++) {
        uint32_t w = alr_plan_method_out(pa, m);
        if (w == ALR_NONE)
            continue;
        uint32_t cm = alr_plan_method_in(pc, w);
        if (w != m || cm == ALR_NONE || alr_plan_method_out(pc, cm) != w ||
            alr_caps_has_return(pa, m) != alr_caps_has_return(pc, cm))
            abort();
        const alri_method *ma = &A->methods.v[m], *mc = &C->methods.v[cm];
        if (wire_hash(&pa->args[m], A->params.v, ma->first_param, ma->nparams) !=
            wire_hash(&pc->args[cm], C->params.v, mc->first_param, mc->nparams))
            abort();
    }
    for (uint32_t m = 0; m < C->methods.n; m++) {
        uint32_t w = alr_plan_method_out(pc, m);
        if (w != ALR_NONE && alr_plan_method_out(pa, w) != w)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!local) {
        local = compile_local();
        if (!local) {
            fprintf(stderr, "fuzz_handshake: cannot compile the local schema\n");
            abort();
        }
    }
    char err[256];
    alri_hello h;
    size_t used = 0;
    alr_err e = alri_hello_decode(data, size, &used, &h, err, sizeof err);
    if (e != ALR_OK) {
        if (used != 0)
            abort();
        return 0;
    }
    if (used > size || h.blob + h.blob_len != data + used)
        abort();
    for (int r = 0; r < 2; r++) {
        alr_role role = (alr_role)r;
        alr_plan *plan = NULL;
        alr_schema *peer = NULL;
        e = alri_handshake(local, &h, role, &peer, &plan, err, sizeof err);
        if (e != ALR_OK) {
            if (plan || peer)
                abort();
            continue;
        }
        if (h.role == (uint8_t)role || !plan || !peer)
            abort(); /* same roles must be refused */
        query_all(plan, &local->ir);
        /* the peer's view of the same connection */
        alr_plan *other = NULL;
        alr_role orole = role == ALR_ROLE_ACCEPTOR ? ALR_ROLE_CONNECTOR : ALR_ROLE_ACCEPTOR;
        if (alr_plan_build(peer, local, orole, &other, err, sizeof err) == ALR_OK) {
            query_all(other, &peer->ir);
            if (role == ALR_ROLE_ACCEPTOR)
                check_agree(&local->ir, plan, &peer->ir, other);
            else
                check_agree(&peer->ir, other, &local->ir, plan);
            alr_plan_free(other);
        }
        alr_plan_free(plan);
        alr_schema_free(peer);
    }
    return 0;
}
