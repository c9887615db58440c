/*
 * imp_clang.c - drives libclang for the header importer: builds clang's
 * arguments (-DALR_IMPORT=1, alrc's -I and -D, flags from a compilation
 * database, everything after `--`), parses the header, registers every file
 * it read with the diag table (so diagnostics print the source line), and
 * turns clang's own errors into `path:line:col: error: message`.
 */
#include "imp_clang.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clang-c/CXCompilationDatabase.h>

#include "util.h"

/* ------------------------------------------------------------ helpers */

const char *imp_cxstr(imp_state *st, CXString s)
{
    const char *c = clang_getCString(s);
    const char *r = ast_strndup(st->ctx, c ? c : "", c ? strlen(c) : 0);
    clang_disposeString(s);
    return r;
}

void imp_error(imp_state *st, ast_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(st->d, loc, "error", fmt, ap);
    va_end(ap);
    st->errors++;
}

uint32_t imp_file_index(imp_state *st, CXFile f)
{
    if (!f)
        return UINT32_MAX;
    for (uint32_t i = 0; i < st->nfiles; i++)
        if (clang_File_isEqual(st->files[i].cx, f))
            return i;
    if (st->nfiles == st->capfiles) {
        uint32_t ncap = st->capfiles ? st->capfiles * 2 : 16;
        imp_file *nf = realloc(st->files, ncap * sizeof *nf);
        if (!nf) {
            st->ctx->oom = 1;
            return UINT32_MAX;
        }
        st->files = nf;
        st->capfiles = ncap;
    }
    int is_main = st->nfiles == 0;
    const char *path = is_main ? st->path : imp_cxstr(st, clang_getFileName(f));
    size_t len = 0;
    const char *src = clang_getFileContents(st->tu, f, &len);
    char *text = malloc(len + 1);
    if (!text || !path) {
        free(text);
        st->ctx->oom = 1;
        return UINT32_MAX;
    }
    if (len)
        memcpy(text, src, len);
    text[len] = '\0';
    uint32_t di = diag_add_file(st->d, path, text, len);
    if (!di) {
        free(text);
        st->ctx->oom = 1;
        return UINT32_MAX;
    }
    imp_file *e = &st->files[st->nfiles];
    memset(e, 0, sizeof *e);
    e->cx = f;
    e->diag = di;
    e->path = path;
    e->is_main = is_main;
    return st->nfiles++;
}

ast_loc imp_loc(imp_state *st, CXSourceLocation l)
{
    ast_loc loc = {0, 0, 0};
    CXFile f = NULL;
    unsigned line = 0, col = 0, off = 0;
    clang_getExpansionLocation(l, &f, &line, &col, &off);
    uint32_t i = imp_file_index(st, f);
    if (i == UINT32_MAX)
        return loc;
    loc.file = st->files[i].diag;
    loc.line = line;
    loc.col = col;
    return loc;
}

ast_loc imp_cursor_loc(imp_state *st, CXCursor c)
{
    return imp_loc(st, clang_getCursorLocation(c));
}

/* ------------------------------------------------------------ arguments */

typedef struct imp_args {
    const char **v;
    size_t n, cap;
} imp_args;

static int imp_args_add(imp_state *st, imp_args *a, const char *s)
{
    if (!s)
        return -1;
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 32;
        const char **nv = realloc(a->v, ncap * sizeof *nv);
        if (!nv) {
            st->ctx->oom = 1;
            return -1;
        }
        a->v = nv;
        a->cap = ncap;
    }
    a->v[a->n++] = s;
    return 0;
}

static const char *imp_concat(imp_state *st, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = alri_arena_alloc(&st->ctx->arena, na + nb + 1);
    if (!p) {
        st->ctx->oom = 1;
        return NULL;
    }
    memcpy(p, a, na);
    memcpy(p + na, b, nb + 1);
    return p;
}

/* A path argument of a compile command, made absolute against its directory. */
static const char *imp_cc_path(imp_state *st, const char *dir, const char *p)
{
    if (!p[0] || p[0] == '/' || !dir || !dir[0])
        return ast_strndup(st->ctx, p, strlen(p));
    char *j = util_join(dir, p);
    if (!j) {
        st->ctx->oom = 1;
        return NULL;
    }
    const char *r = ast_strndup(st->ctx, j, strlen(j));
    free(j);
    return r;
}

/* Options of a compile command that matter for parsing a header.  Those
 * in `two` take a separate argument when not joined; `paths` are paths. */
static int imp_cc_keep(const char *a, int *takes_next, int *is_path, size_t *joined)
{
    static const struct {
        const char *opt;
        int path;
    } two[] = {
        {"-I", 1},       {"-isystem", 1}, {"-iquote", 1},   {"-idirafter", 1},
        {"-include", 1}, {"-imacros", 1}, {"--sysroot", 1}, {"-isysroot", 1},
        {"-D", 0},       {"-U", 0},       {"-target", 0},
    };
    *takes_next = 0;
    *is_path = 0;
    *joined = 0;
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
        size_t n = strlen(two[i].opt);
        if (strcmp(a, two[i].opt) == 0) {
            *takes_next = 1;
            *is_path = two[i].path;
            return 1;
        }
        if (strncmp(a, two[i].opt, n) == 0 && (n == 2 || a[n] == '=')) {
            *is_path = two[i].path;
            *joined = n + (a[n] == '=');
            return 1;
        }
    }
    if (strncmp(a, "-std=", 5) == 0 || strncmp(a, "--target=", 9) == 0 || strcmp(a, "-ansi") == 0 ||
        strcmp(a, "-pthread") == 0)
        return 1;
    if (strncmp(a, "-m", 2) == 0 && a[2])
        return 1;
    if (strncmp(a, "-f", 2) == 0 && strncmp(a, "-fsanitize", 10) != 0 &&
        strncmp(a, "-fprofile", 9) != 0 && strncmp(a, "-fcoverage", 10) != 0 &&
        strncmp(a, "-fdiagnostics", 13) != 0)
        return 1;
    return 0;
}

/* Adds the parse-relevant flags of the compile command for path (or, when
 * the header has none, of a source file in its directory, else the first
 * command).  Returns 0, or -1 after reporting. */
static int imp_compile_commands(imp_state *st, imp_args *a, const char *dbdir)
{
    diag_loc none = {0, 0, 0};
    CXCompilationDatabase_Error err = CXCompilationDatabase_NoError;
    CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dbdir, &err);
    if (err != CXCompilationDatabase_NoError || !db) {
        imp_error(st, none, "cannot load '%s/compile_commands.json'", dbdir);
        if (db)
            clang_CompilationDatabase_dispose(db);
        return -1;
    }
    char *real = realpath(st->path, NULL);
    CXCompileCommands cmds =
        clang_CompilationDatabase_getCompileCommands(db, real ? real : st->path);
    CXCompileCommand cmd = NULL;
    if (cmds && clang_CompileCommands_getSize(cmds) > 0) {
        cmd = clang_CompileCommands_getCommand(cmds, 0);
    } else {
        if (cmds)
            clang_CompileCommands_dispose(cmds);
        cmds = clang_CompilationDatabase_getAllCompileCommands(db);
        unsigned n = cmds ? clang_CompileCommands_getSize(cmds) : 0;
        char *hdir = real ? util_dirname(real) : NULL;
        for (unsigned i = 0; i < n && hdir && !cmd; i++) {
            CXCompileCommand c = clang_CompileCommands_getCommand(cmds, i);
            CXString fs = clang_CompileCommand_getFilename(c);
            CXString ds = clang_CompileCommand_getDirectory(c);
            const char *file = clang_getCString(fs);
            const char *dir = clang_getCString(ds);
            char *full = NULL;
            if (file && file[0] != '/' && dir)
                full = util_join(dir, file);
            char *fdir = util_dirname(full ? full : (file ? file : ""));
            char *rdir = fdir ? realpath(fdir, NULL) : NULL;
            if (rdir && strcmp(rdir, hdir) == 0)
                cmd = c;
            free(rdir);
            free(fdir);
            free(full);
            clang_disposeString(fs);
            clang_disposeString(ds);
        }
        free(hdir);
        if (!cmd && n > 0)
            cmd = clang_CompileCommands_getCommand(cmds, 0);
    }
    free(real);
    if (!cmd) {
        imp_error(st, none, "'%s/compile_commands.json' has no command to take flags from", dbdir);
        if (cmds)
            clang_CompileCommands_dispose(cmds);
        clang_CompilationDatabase_dispose(db);
        return -1;
    }
    const char *dir = imp_cxstr(st, clang_CompileCommand_getDirectory(cmd));
    unsigned nargs = clang_CompileCommand_getNumArgs(cmd);
    int rc = 0;
    for (unsigned i = 1; i < nargs && rc == 0; i++) {
        const char *arg = imp_cxstr(st, clang_CompileCommand_getArg(cmd, i));
        int next, path;
        size_t joined;
        if (!arg || !imp_cc_keep(arg, &next, &path, &joined))
            continue;
        if (next) {
            if (i + 1 >= nargs)
                break;
            const char *val = imp_cxstr(st, clang_CompileCommand_getArg(cmd, ++i));
            rc |= imp_args_add(st, a, arg);
            rc |= imp_args_add(st, a, val && path ? imp_cc_path(st, dir, val) : val);
        } else if (joined && path) {
            const char *opt = ast_strndup(st->ctx, arg, joined);
            const char *p = imp_cc_path(st, dir, arg + joined);
            rc |= imp_args_add(st, a, opt && p ? imp_concat(st, opt, p) : NULL);
        } else {
            rc |= imp_args_add(st, a, arg);
        }
    }
    clang_CompileCommands_dispose(cmds);
    clang_CompilationDatabase_dispose(db);
    return rc ? -1 : 0;
}

static int imp_build_args(imp_state *st, imp_args *a, const imp_options *o)
{
    int rc = imp_args_add(st, a, "-DALR_IMPORT=1");
    if (o && o->compile_commands && imp_compile_commands(st, a, o->compile_commands) != 0)
        return -1;
    for (size_t i = 0; o && i < o->nincdirs; i++)
        rc |= imp_args_add(st, a, imp_concat(st, "-I", o->incdirs[i]));
    for (size_t i = 0; o && i < o->ndefines; i++)
        rc |= imp_args_add(st, a, imp_concat(st, "-D", o->defines[i]));
    for (size_t i = 0; o && i < o->nclang_args; i++)
        rc |= imp_args_add(st, a, o->clang_args[i]);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ diagnostics */

static void imp_note_children(imp_state *st, CXDiagnostic dg)
{
    CXDiagnosticSet kids = clang_getChildDiagnostics(dg);
    unsigned n = kids ? clang_getNumDiagnosticsInSet(kids) : 0;
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic k = clang_getDiagnosticInSet(kids, i);
        if (clang_getDiagnosticSeverity(k) == CXDiagnostic_Note) {
            CXString s = clang_getDiagnosticSpelling(k);
            diag_note(st->d, imp_loc(st, clang_getDiagnosticLocation(k)), "%s",
                      clang_getCString(s));
            clang_disposeString(s);
        }
        clang_disposeDiagnostic(k);
    }
}

/* 1 when clang warns that it ignored an attribute written with one of
 * the ALR_ macros: the annotation would silently vanish from the schema. */
static int imp_ignored_alr(imp_state *st, CXDiagnostic dg, ast_loc loc)
{
    CXString opt = clang_getDiagnosticOption(dg, NULL);
    CXString msg = clang_getDiagnosticSpelling(dg);
    const char *o = clang_getCString(opt), *m = clang_getCString(msg);
    int hit = o && strcmp(o, "-Wignored-attributes") == 0 && m && strstr(m, "'annotate'");
    clang_disposeString(opt);
    clang_disposeString(msg);
    if (!hit || !loc.file || !loc.line)
        return 0;
    const diag_file *f = &st->d->files[loc.file];
    const char *p = f->text, *end = f->text ? f->text + f->len : NULL;
    for (uint32_t l = 1; p && l < loc.line && p < end; p++)
        if (*p == '\n')
            l++;
    return p && (size_t)(end - p) > loc.col + 3 && strncmp(p + loc.col - 1, "ALR_", 4) == 0;
}

/* Reports clang's errors (warnings are the C compiler's business, not
 * ours, except an ALR annotation clang ignored); returns how many. */
static int imp_clang_errors(imp_state *st)
{
    int n = 0;
    unsigned nd = clang_getNumDiagnostics(st->tu);
    for (unsigned i = 0; i < nd; i++) {
        CXDiagnostic dg = clang_getDiagnostic(st->tu, i);
        enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(dg);
        ast_loc loc = imp_loc(st, clang_getDiagnosticLocation(dg));
        if (sev == CXDiagnostic_Error || sev == CXDiagnostic_Fatal) {
            CXString s = clang_getDiagnosticSpelling(dg);
            imp_error(st, loc, "%s", clang_getCString(s));
            clang_disposeString(s);
            imp_note_children(st, dg);
            n++;
        } else if (sev == CXDiagnostic_Warning && imp_ignored_alr(st, dg, loc)) {
            CXString s = clang_getDiagnosticSpelling(dg);
            imp_error(st, loc, "this ALR annotation would be lost: %s", clang_getCString(s));
            clang_disposeString(s);
            n++;
        }
        clang_disposeDiagnostic(dg);
    }
    return n;
}

/* Registers every non-system file clang read, in inclusion order (the
 * header first), so that a depfile lists them. */
static void imp_inclusion(CXFile f, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
    imp_state *st = data;
    (void)stack;
    if (depth > 0) {
        CXSourceLocation at = clang_getLocation(st->tu, f, 1, 1);
        if (clang_Location_isInSystemHeader(at))
            return;
    }
    imp_file_index(st, f);
}

/* ------------------------------------------------------------ entry */

int imp_clang_load(ast_ctx *ctx, const char *path, imp_options *opts)
{
    diag_loc none = {0, 0, 0};
    imp_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.d = ctx->diag;
    st.path = path;
    if (access(path, R_OK) != 0) {
        diag_error(ctx->diag, none, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    imp_args args = {0};
    if (imp_build_args(&st, &args, opts) != 0) {
        free(args.v);
        return ctx->oom ? -1 : st.errors;
    }
    CXIndex index = clang_createIndex(0, 0);
    enum CXErrorCode ec = clang_parseTranslationUnit2(index, path, args.v, (int)args.n, NULL, 0,
                                                      CXTranslationUnit_SkipFunctionBodies, &st.tu);
    free(args.v);
    int rc;
    if (ec != CXError_Success || !st.tu) {
        diag_error(ctx->diag, none, "%s: libclang cannot parse this header (CXErrorCode %d)", path,
                   (int)ec);
        rc = -1;
        goto out;
    }
    /* the header itself is file 0 and diag file 1 */
    imp_file_index(&st, clang_getFile(st.tu, path));
    clang_getInclusions(st.tu, imp_inclusion, &st);
    if (imp_clang_errors(&st) == 0 && !ctx->oom)
        imp_walk(&st);
    rc = st.errors;
    if (opts && rc == 0 && st.facts) {
        CXTargetInfo ti = clang_getTranslationUnitTargetInfo(st.tu);
        if (ti) {
            st.facts->target = imp_cxstr(&st, clang_TargetInfo_getTriple(ti));
            clang_TargetInfo_dispose(ti);
        }
        st.facts->header = ast_strndup(ctx, path, strlen(path));
        opts->facts = st.facts;
    }
out:
    if (st.tu)
        clang_disposeTranslationUnit(st.tu);
    clang_disposeIndex(index);
    free(st.files);
    return rc;
}
