/*
 * parser.y - the .alr grammar (lemon).  Every action is one builder call
 * (compiler/ast.h); nothing is checked here beyond syntax.  Lists are left
 * recursive so that the parser stack only grows with type nesting.
 *
 * Built with: lemon -q -T/usr/share/lemon/lempar.c parser.y
 */

%name idl_Parse
%token_prefix TK_
%token_type {idl_token}
%extra_argument {idl_state *st}
%start_symbol file
%stack_size 512

%include {
#include <assert.h>
#include <math.h>
#include <string.h>

#include "idl.h"

/* The grammar's own small value types. */
typedef struct idl_qname {      /* a dotted name being collected */
    const char *p;              /* source text while contiguous, else arena */
    uint32_t n, cap;            /* cap 0: p points into the source */
    diag_loc loc;
} idl_qname;

typedef struct idl_types { ast_type *head, *tail; } idl_types;
typedef struct idl_annots { ast_annot *head, *tail; } idl_annots;
typedef struct idl_args { ast_annot_arg *head, *tail; } idl_args;
typedef struct idl_pre { const char *doc; ast_annot *annots; int is_static; } idl_pre;
typedef struct idl_dim { ast_value *len; diag_loc loc; } idl_dim;

struct yyParser;
static int idl_replay(struct yyParser *p, int tk);

#define CTX (st->ctx)
#define NAME(t) ast_strndup(CTX, (t).p, (t).n)
#define QNAME(q) ast_strndup(CTX, (q).p, (q).n)

static idl_qname idl_qname_one(idl_token t)
{
    idl_qname q;
    q.p = t.p;
    q.n = t.n;
    q.cap = 0;
    q.loc = t.loc;
    return q;
}

/* q "." t: stays a slice of the source while the parts are adjacent; else
 * copies into an arena buffer that grows by doubling (linear overall). */
static idl_qname idl_qname_add(idl_state *st, idl_qname q, idl_token dot, idl_token t)
{
    if (!q.p)
        return q;
    if (q.cap == 0 && q.p + q.n == dot.p && dot.p + 1 == t.p) {
        q.n += 1 + t.n;
        return q;
    }
    uint32_t need = q.n + 1 + t.n;
    if (need > q.cap) {
        uint32_t cap = q.cap ? q.cap : 32;
        while (cap < need)
            cap *= 2;
        char *b = alri_arena_alloc(&CTX->arena, cap);
        if (!b) {
            CTX->oom = 1;
            q.p = NULL;
            return q;
        }
        memcpy(b, q.p, q.n);
        q.p = b;
        q.cap = cap;
    }
    char *w = (char *)q.p;
    w[q.n] = '.';
    memcpy(w + q.n + 1, t.p, t.n);
    q.n = need;
    return q;
}

/* Appending at the tail keeps long lists linear. */
static idl_types idl_types_add(idl_types l, ast_type *x)
{
    if (x) {
        if (l.tail)
            ast_type_append(l.tail, x);
        else
            l.head = x;
        l.tail = x;
    }
    return l;
}

static idl_annots idl_annots_add(idl_annots l, ast_annot *x)
{
    if (x) {
        if (l.tail)
            ast_annot_append(l.tail, x);
        else
            l.head = x;
        l.tail = x;
    }
    return l;
}

static idl_args idl_args_add(idl_args l, ast_annot_arg *x)
{
    if (x) {
        if (l.tail)
            ast_annot_arg_append(l.tail, x);
        else
            l.head = x;
        l.tail = x;
    }
    return l;
}

static idl_pre idl_pre_make(const char *doc, idl_annots a, int is_static)
{
    idl_pre p;
    p.doc = doc;
    p.annots = a.head;
    p.is_static = is_static;
    return p;
}

static idl_dim idl_dim_make(ast_value *len, diag_loc loc)
{
    idl_dim d;
    d.len = len;
    d.loc = loc;
    return d;
}

/* `T name[N]`: the declared type is an array of T. */
static ast_type *idl_declarator(idl_state *st, ast_type *t, idl_dim d)
{
    return d.len ? ast_type_array(CTX, t, d.len, d.loc) : t;
}

/* An identifier in value position: inf and nan are floating-point. */
static ast_value *idl_value_word(idl_state *st, idl_token t)
{
    if (t.n == 3 && memcmp(t.p, "inf", 3) == 0)
        return ast_value_float(CTX, INFINITY, t.loc);
    if (t.n == 3 && memcmp(t.p, "nan", 3) == 0)
        return ast_value_float(CTX, NAN, t.loc);
    return ast_value_ident(CTX, NAME(t), t.loc);
}

/* "-" IDENT: only -inf. */
static ast_value *idl_value_neg_word(idl_state *st, idl_token minus, idl_token t)
{
    if (t.n == 3 && memcmp(t.p, "inf", 3) == 0)
        return ast_value_float(CTX, -INFINITY, minus.loc);
    if (!st->failed) {
        st->failed = 1;
        idl_error(st, t.loc, "expected number or 'inf' after '-', found '%.*s'", (int)t.n, t.p);
    }
    return NULL;
}
}

%syntax_error {
    idl_syntax_error(st, yymajor, &TOKEN, idl_ParseExpected(yypParser));
}

%stack_overflow {
    idl_stack_overflow(st);
}

/* Token codes in a fixed order (their names are used in messages). */
%token DOC IDENT INT FLOAT STRING.
%token PACKAGE IMPORT STRUCT ENUM FLAGS SERVICE STATIC NEW ONEWAY ASYNC ASYNCREF TRUE FALSE.
%token LBRACE RBRACE LP RP LT GT LBRACKET RBRACKET SEMI COMMA EQ DOT AT PIPE MINUS.

/* ---------------------------------------------------------------- file */
file ::= items.
items ::= .
items ::= items item.

item ::= doc PACKAGE qname(Q) SEMI.            { ast_package(CTX, QNAME(Q), Q.loc); }
item ::= IMPORT STRING(S) SEMI.                { ast_import_add(CTX, ast_strndup(CTX, S.s, S.slen), S.loc); }
item ::= struct.
item ::= enum.
item ::= service.

%type doc {const char *}
doc(D) ::= .                                   { D = NULL; }
doc(D) ::= DOC(T).                             { D = T.s; }

%type annots {idl_annots}
annots(L) ::= .                                { L.head = L.tail = NULL; }
annots(L) ::= annots(A) annot(X).              { L = idl_annots_add(A, X); }

/* ---------------------------------------------------------------- struct */
struct ::= shead LBRACE fields RBRACE.         { ast_decl_end(CTX); }
shead ::= doc(D) annots(A) STRUCT IDENT(N).    { ast_struct_begin(CTX, D, A.head, NAME(N), N.loc); }
fields ::= .
fields ::= fields field.
field ::= doc(D) annots(A) type(T) IDENT(N) dim(L) default(V) SEMI.
                                               { ast_field_add(CTX, D, A.head, idl_declarator(st, T, L), NAME(N), V, N.loc); }

%type dim {idl_dim}
dim(L) ::= .                                   { L = idl_dim_make(NULL, st->cur.loc); }
dim(L) ::= LBRACKET(B) INT(I) RBRACKET.        { L = idl_dim_make(ast_value_int(CTX, I.u, 0, I.loc), B.loc); }

%type default {ast_value *}
default(V) ::= .                               { V = NULL; }
default(V) ::= EQ value(X).                    { V = X; }

/* ---------------------------------------------------------------- enum, flags */
enum ::= ehead LBRACE evals RBRACE.            { ast_decl_end(CTX); }
ehead ::= doc(D) annots(A) ENUM IDENT(N).      { ast_enum_begin(CTX, D, A.head, NAME(N), 0, N.loc); }
ehead ::= doc(D) annots(A) FLAGS IDENT(N).     { ast_enum_begin(CTX, D, A.head, NAME(N), 1, N.loc); }
evals ::= .
evals ::= evlist.
evals ::= evlist COMMA.
evlist ::= enumval.
evlist ::= evlist COMMA enumval.
enumval ::= doc(D) annots(A) IDENT(N).         { ast_enumval_add(CTX, D, A.head, NAME(N), NULL, N.loc); }
enumval ::= doc(D) annots(A) IDENT(N) EQ INT(I).
                                               { ast_enumval_add(CTX, D, A.head, NAME(N), ast_value_int(CTX, I.u, 0, I.loc), N.loc); }
enumval ::= doc(D) annots(A) IDENT(N) EQ MINUS(M) INT(I).
                                               { ast_enumval_add(CTX, D, A.head, NAME(N), ast_value_int(CTX, I.u, 1, M.loc), N.loc); }

/* ---------------------------------------------------------------- service */
service ::= vhead LBRACE methods RBRACE.       { ast_decl_end(CTX); }
vhead ::= doc(D) annots(A) SERVICE IDENT(N).   { ast_service_begin(CTX, D, A.head, NAME(N), N.loc); }
methods ::= .
methods ::= methods method.
method ::= mhead LP params RP SEMI.            { ast_method_end(CTX); }

%type pre {idl_pre}
pre(P) ::= doc(D) annots(A).                   { P = idl_pre_make(D, A, 0); }
pre(P) ::= doc(D) annots(A) STATIC.            { P = idl_pre_make(D, A, 1); }

mhead ::= pre(P) type(T) IDENT(N).             { ast_method_begin(CTX, P.doc, P.annots, P.is_static, AST_MODE_PLAIN, T, NAME(N), N.loc); }
mhead ::= pre(P) ONEWAY type(T) IDENT(N).      { ast_method_begin(CTX, P.doc, P.annots, P.is_static, AST_MODE_ONEWAY, T, NAME(N), N.loc); }
/* the short form `oneway name(...)` means `oneway void name(...)` */
mhead ::= pre(P) ONEWAY(O) IDENT(N).           { ast_method_begin(CTX, P.doc, P.annots, P.is_static, AST_MODE_ONEWAY, ast_type_named(CTX, "void", O.loc), NAME(N), N.loc); }
mhead ::= pre(P) ASYNC type(T) IDENT(N).       { ast_method_begin(CTX, P.doc, P.annots, P.is_static, AST_MODE_ASYNC, T, NAME(N), N.loc); }
mhead ::= pre(P) ASYNCREF type(T) IDENT(N).    { ast_method_begin(CTX, P.doc, P.annots, P.is_static, AST_MODE_ASYNCREF, T, NAME(N), N.loc); }
mhead ::= doc(D) annots(A) NEW(K).             { ast_ctor_begin(CTX, D, A.head, K.loc); }

params ::= .
params ::= plist.
plist ::= param.
plist ::= plist COMMA param.
param ::= doc(D) annots(A) type(T) IDENT(N) dim(L) default(V).
                                               { ast_param_add(CTX, D, A.head, idl_declarator(st, T, L), NAME(N), V, N.loc); }

/* ---------------------------------------------------------------- types */
%type qname {idl_qname}
qname(Q) ::= IDENT(I).                         { Q = idl_qname_one(I); }
qname(Q) ::= qname(A) DOT(D) IDENT(I).         { Q = idl_qname_add(st, A, D, I); }

%type type {ast_type *}
type(T) ::= qname(Q).                          { T = ast_type_named(CTX, QNAME(Q), Q.loc); }
type(T) ::= qname(Q) LT targs(L) GT.           { T = ast_type_generic(CTX, QNAME(Q), L.head, Q.loc); }

%type targs {idl_types}
targs(L) ::= type(X).                          { L.head = L.tail = NULL; L = idl_types_add(L, X); }
targs(L) ::= targs(A) COMMA type(X).           { L = idl_types_add(A, X); }

/* ---------------------------------------------------------------- values */
%type value {ast_value *}
value(V) ::= INT(I).                           { V = ast_value_int(CTX, I.u, 0, I.loc); }
value(V) ::= MINUS(M) INT(I).                  { V = ast_value_int(CTX, I.u, 1, M.loc); }
value(V) ::= FLOAT(F).                         { V = ast_value_float(CTX, F.f, F.loc); }
value(V) ::= MINUS(M) FLOAT(F).                { V = ast_value_float(CTX, -F.f, M.loc); }
value(V) ::= TRUE(T).                          { V = ast_value_bool(CTX, 1, T.loc); }
value(V) ::= FALSE(T).                         { V = ast_value_bool(CTX, 0, T.loc); }
value(V) ::= STRING(S).                        { V = ast_value_string(CTX, S.s, S.slen, S.loc); }
value(V) ::= IDENT(I).                         { V = idl_value_word(st, I); }
value(V) ::= MINUS(M) IDENT(I).                { V = idl_value_neg_word(st, M, I); }
value(V) ::= idents(X).                        { V = X; }

%type idents {ast_value *}
idents(V) ::= IDENT(A) PIPE IDENT(B).          { V = ast_value_ident_or(CTX, ast_value_ident(CTX, NAME(A), A.loc), NAME(B), B.loc); }
idents(V) ::= idents(X) PIPE IDENT(B).         { V = ast_value_ident_or(CTX, X, NAME(B), B.loc); }

/* ---------------------------------------------------------------- annotations */
%type annot {ast_annot *}
annot(X) ::= AT(A) IDENT(N).                   { X = ast_annot_new(CTX, NAME(N), NULL, A.loc); }
annot(X) ::= AT(A) IDENT(N) LP RP.             { X = ast_annot_new(CTX, NAME(N), NULL, A.loc); }
annot(X) ::= AT(A) IDENT(N) LP aargs(L) RP.    { X = ast_annot_new(CTX, NAME(N), L.head, A.loc); }

%type aargs {idl_args}
aargs(L) ::= aarg(X).                          { L.head = L.tail = NULL; L = idl_args_add(L, X); }
aargs(L) ::= aargs(A) COMMA aarg(X).           { L = idl_args_add(A, X); }

%type aarg {ast_annot_arg *}
aarg(X) ::= avalue(V).                         { X = ast_annot_arg_new(CTX, NULL, V, V ? V->loc : st->cur.loc); }
aarg(X) ::= akey(K) EQ avalue(V).              { X = ast_annot_arg_new(CTX, NAME(K), V, K.loc); }

/* Inside annotation arguments keywords are plain words:
 * @evolve(enum = flags). */
%type akey {idl_token}
akey(K) ::= IDENT(T).                          { K = T; }
akey(K) ::= kword(T).                          { K = T; }

%type avalue {ast_value *}
avalue(V) ::= value(X).                        { V = X; }
avalue(V) ::= kword(T).                        { V = ast_value_ident(CTX, NAME(T), T.loc); }

%type kword {idl_token}
kword(K) ::= PACKAGE(T).                       { K = T; }
kword(K) ::= IMPORT(T).                        { K = T; }
kword(K) ::= STRUCT(T).                        { K = T; }
kword(K) ::= ENUM(T).                          { K = T; }
kword(K) ::= FLAGS(T).                         { K = T; }
kword(K) ::= SERVICE(T).                       { K = T; }
kword(K) ::= STATIC(T).                        { K = T; }
kword(K) ::= NEW(T).                           { K = T; }
kword(K) ::= ONEWAY(T).                        { K = T; }
kword(K) ::= ASYNC(T).                         { K = T; }
kword(K) ::= ASYNCREF(T).                      { K = T; }

%code {
/* Would token tk be accepted in the parser's current state?  Replays the
 * parser's own tables on a shadow of the stack: reduce until a shift
 * (accepted) or an error (not).  Nothing is executed or changed. */
static int idl_replay(struct yyParser *p, int tk)
{
    YYACTIONTYPE push[64];
    int npush = 0;
    yyStackEntry *base = p->yytos;
    if (tk < 0 || tk >= YYNTOKEN)
        return 0;
    for (int step = 0; step < 1000; step++) {
        YYACTIONTYPE top = npush ? push[npush - 1] : base->stateno;
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tk, top);
        if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION)
            return 1;
        if (act < YY_MIN_REDUCE || act > YY_MAX_REDUCE)
            return 0;
        unsigned rule = (unsigned)(act - YY_MIN_REDUCE);
        int pop = -yyRuleInfoNRhs[rule];
        while (pop > 0 && npush > 0) {
            npush--;
            pop--;
        }
        if (base - p->yystack < pop || npush == 64)
            return 0;
        base -= pop;
        top = npush ? push[npush - 1] : base->stateno;
        push[npush++] = yy_find_reduce_action(top, (YYCODETYPE)yyRuleInfoLhs[rule]);
    }
    return 0;
}

int idl_ParseAccepts(void *p, int tk)
{
    return idl_replay((struct yyParser *)p, tk);
}

#if YYNTOKEN > 64
#error "more than 64 tokens: widen the expected-token set"
#endif

uint64_t idl_ParseExpected(void *p)
{
    uint64_t set = 0;
    for (int tk = 0; tk < YYNTOKEN; tk++)
        if (idl_replay((struct yyParser *)p, tk))
            set |= (uint64_t)1 << tk;
    return set;
}
}
