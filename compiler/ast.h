/*
 * ast.h - the one common AST of alrc.  Both front ends (idl/ for .alr text,
 * import/ for annotated C headers) build it through the builder functions
 * below, one call per grammar action; sema.c resolves and checks it; lower.c
 * turns it into the flat IR (runtime/schema_ir.h).
 *
 * Everything is allocated in ctx->arena and lives until ast_ctx_fini().
 * Lists are singly linked in source order (builders append at the tail).
 * Names are NUL-terminated copies.  The builders never fail loudly: on out of
 * memory they set ctx->oom and return NULL, and every builder accepts NULL
 * arguments from earlier failures, so grammar actions need no checks.
 */
#ifndef ALR_AST_H
#define ALR_AST_H

#include <stdint.h>

#include "arena.h"
#include "diag.h"

typedef diag_loc ast_loc;

/* ---- constant values (defaults, annotation arguments, array lengths) ---- */
typedef enum ast_value_kind {
    AST_V_INT,    /* integer literal: mag (magnitude) and neg (had a '-') */
    AST_V_FLOAT,  /* floating literal, also inf / nan: f */
    AST_V_BOOL,   /* true / false: b */
    AST_V_STRING, /* string literal: s[0..slen), escapes resolved */
    AST_V_IDENT   /* one identifier or several joined by '|': idents */
} ast_value_kind;

typedef struct ast_ident {
    ast_loc loc;
    const char *name;
    struct ast_ident *next;
} ast_ident;

typedef struct ast_value {
    ast_loc loc;
    ast_value_kind kind;
    uint64_t mag;
    int neg;
    double f;
    int b;
    const char *s;
    uint32_t slen;
    ast_ident *idents; /* AST_V_IDENT: one or more, in source order */
    ast_ident **idents_tail_; /* builder's append point */
} ast_value;

/* ---- annotations: @name, @name(arg, key = arg, ...) ---- */
typedef struct ast_annot_arg {
    ast_loc loc;
    const char *key; /* NULL for positional */
    ast_value *value;
    struct ast_annot_arg *next;
} ast_annot_arg;

typedef struct ast_annot {
    ast_loc loc;
    const char *name; /* without '@' */
    ast_annot_arg *args;
    struct ast_annot *next;
} ast_annot;

/* ---- types as written; sema fills the resolved part ---- */
typedef struct ast_decl ast_decl;

typedef struct ast_type {
    ast_loc loc;
    const char *name;      /* "u64", "list", "status", "void", "common.Location", or NULL for arrays */
    struct ast_type *args; /* generic arguments (linked by next), or the element of an array */
    uint32_t nargs;
    ast_value *len;        /* arrays: the length literal; else NULL */
    struct ast_type *next; /* next generic argument in the parent's list */
    /* resolved by sema */
    int kind;              /* alr_kind, or 0 for void / status / result (return-only forms) */
    ast_decl *decl;        /* struct / enum / flags / service it names */
    uint32_t ir;           /* IR type index, set by lower.c */
} ast_type;

/* ---- members: struct fields and method parameters ---- */
typedef struct ast_member {
    ast_loc loc;      /* of the name */
    const char *name;
    const char *doc;  /* NULL when none */
    ast_annot *annots;
    ast_type *type;   /* for `T x[N]` an array type wrapping T */
    ast_value *dflt;  /* NULL when none */
    struct ast_member *next;
} ast_member;

typedef struct ast_enumval {
    ast_loc loc;
    const char *name;
    const char *doc;
    ast_annot *annots;
    ast_value *value; /* NULL: previous + 1 (enum) / next free bit (flags) */
    int64_t resolved; /* set by sema (flags: the bits, as uint64 cast) */
    struct ast_enumval *next;
} ast_enumval;

/* Syntactic return-mode keyword in front of the return type. */
typedef enum ast_mode_kw {
    AST_MODE_PLAIN = 0,
    AST_MODE_ONEWAY,
    AST_MODE_ASYNC,
    AST_MODE_ASYNCREF
} ast_mode_kw;

typedef struct ast_method {
    ast_loc loc; /* of the name (of `new` for constructors) */
    const char *name;      /* "new" for constructors */
    const char *doc;
    ast_annot *annots;
    int is_static;
    int is_ctor;
    ast_mode_kw mode_kw;
    ast_type *ret;         /* as written; NULL for constructors */
    ast_member *params;
    uint32_t nparams;
    ast_member **params_tail_;
    struct ast_method *next;
    /* resolved by sema */
    int mode;              /* alr_return_mode */
    ast_type *value_type;  /* the T carried (ALR_RET_VALUE/RESULT/ASYNC/ASYNCREF), else NULL */
    ast_type *err_type;    /* E of result<T,E> / status<E>, else NULL */
} ast_method;

typedef enum ast_decl_kind {
    AST_DECL_STRUCT,
    AST_DECL_ENUM,
    AST_DECL_FLAGS,
    AST_DECL_SERVICE
} ast_decl_kind;

typedef struct ast_file ast_file;

struct ast_decl {
    ast_loc loc; /* of the name */
    ast_decl_kind kind;
    const char *name;   /* as declared */
    const char *pkg;    /* package in force at the declaration */
    const char *qname;  /* pkg + "." + name */
    const char *doc;
    ast_annot *annots;
    ast_file *file;
    ast_member *fields;    /* struct */
    uint32_t nfields;
    ast_enumval *values;   /* enum, flags */
    uint32_t nvalues;
    ast_method *methods;   /* service */
    uint32_t nmethods;
    void **tail_;          /* builder's append point for the member list */
    ast_decl *next;        /* next declaration of the same file */
    /* sema / lower scratch */
    int mark;
    uint32_t ir;
};

typedef struct ast_import {
    ast_loc loc; /* of the string */
    const char *path;     /* as written */
    ast_file *file;       /* resolved by the driver (idl_load) */
    struct ast_import *next;
} ast_import;

struct ast_file {
    uint32_t diag_file;   /* index in the diag file table */
    const char *path;
    const char *pkg;      /* the first package statement; NULL if none */
    ast_loc pkg_loc;
    ast_import *imports;
    ast_decl *decls;
    ast_decl **decls_tail_;
    ast_import **imports_tail_;
    ast_file *next;       /* next file in ctx->files (load order) */
    int mark;             /* for cycle detection */
};

typedef struct ast_ctx {
    alri_arena arena;
    diag *diag;
    ast_file *files;      /* every file loaded, the root first */
    ast_file *root;       /* the file being compiled */
    int oom;
    /* builder state */
    ast_file *cur_file;
    const char *cur_pkg;
    ast_decl *cur_decl;
    ast_method *cur_method;
} ast_ctx;

void ast_ctx_init(ast_ctx *ctx, diag *d);
void ast_ctx_fini(ast_ctx *ctx);

/* Copies n bytes into the arena with a NUL (for the front ends). */
const char *ast_strndup(ast_ctx *ctx, const char *p, size_t n);

/* ---- builders: files ---- */
/* Starts a file (appended to ctx->files) and makes it current. */
ast_file *ast_file_begin(ast_ctx *ctx, uint32_t file_index, const char *path);
/* `package a.b;`: sets the package for the declarations that follow. */
void ast_package(ast_ctx *ctx, const char *qname, ast_loc loc);
/* `import "path";` */
ast_import *ast_import_add(ast_ctx *ctx, const char *path, ast_loc loc);

/* ---- builders: declarations (begin ... end brackets the members) ---- */
ast_decl *ast_struct_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                           const char *name, ast_loc loc);
ast_decl *ast_enum_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                         const char *name, int is_flags, ast_loc loc);
ast_decl *ast_service_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                            const char *name, ast_loc loc);
void ast_decl_end(ast_ctx *ctx);

ast_member *ast_field_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                          ast_type *type, const char *name, ast_value *dflt, ast_loc loc);
ast_enumval *ast_enumval_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                             const char *name, ast_value *value, ast_loc loc);
ast_method *ast_method_begin(ast_ctx *ctx, const char *doc, ast_annot *annots,
                             int is_static, ast_mode_kw mode, ast_type *ret,
                             const char *name, ast_loc loc);
ast_method *ast_ctor_begin(ast_ctx *ctx, const char *doc, ast_annot *annots, ast_loc loc);
ast_member *ast_param_add(ast_ctx *ctx, const char *doc, ast_annot *annots,
                          ast_type *type, const char *name, ast_value *dflt, ast_loc loc);
void ast_method_end(ast_ctx *ctx);

/* ---- builders: types ---- */
ast_type *ast_type_named(ast_ctx *ctx, const char *qname, ast_loc loc);
/* name<args...>; args is a list built with ast_type_append. */
ast_type *ast_type_generic(ast_ctx *ctx, const char *name, ast_type *args, ast_loc loc);
ast_type *ast_type_append(ast_type *list, ast_type *item);
/* elem[len] (from a `T name[N]` declarator). */
ast_type *ast_type_array(ast_ctx *ctx, ast_type *elem, ast_value *len, ast_loc loc);

/* ---- builders: values and annotations ---- */
ast_value *ast_value_int(ast_ctx *ctx, uint64_t mag, int neg, ast_loc loc);
ast_value *ast_value_float(ast_ctx *ctx, double f, ast_loc loc);
ast_value *ast_value_bool(ast_ctx *ctx, int b, ast_loc loc);
ast_value *ast_value_string(ast_ctx *ctx, const char *s, uint32_t len, ast_loc loc);
ast_value *ast_value_ident(ast_ctx *ctx, const char *name, ast_loc loc);
/* Adds `| name` to an identifier value (flags combinations). */
ast_value *ast_value_ident_or(ast_ctx *ctx, ast_value *v, const char *name, ast_loc loc);
/* Negates a numeric value (for a leading '-'); reports nothing. */
ast_value *ast_value_negate(ast_value *v);

ast_annot_arg *ast_annot_arg_new(ast_ctx *ctx, const char *key, ast_value *v, ast_loc loc);
ast_annot_arg *ast_annot_arg_append(ast_annot_arg *list, ast_annot_arg *item);
ast_annot *ast_annot_new(ast_ctx *ctx, const char *name, ast_annot_arg *args, ast_loc loc);
ast_annot *ast_annot_append(ast_annot *list, ast_annot *item);

#endif /* ALR_AST_H */
