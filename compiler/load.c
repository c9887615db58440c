/*
 * load.c - the import graph.  Files are identified by realpath(), so one file
 * reached by two spellings is loaded once.  A file is marked "open" while its
 * imports are being loaded; reaching an open file again is a cycle, reported
 * at the import that closes it with the whole chain.
 */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idl.h"
#include "util.h"

enum { MARK_OPEN = 1, MARK_DONE = 2 };

typedef struct load_entry {
    char *real;
    ast_file *file;
} load_entry;

typedef struct load_state {
    ast_ctx *ctx;
    const char *const *incdirs;
    size_t nincdirs;
    load_entry *v;
    size_t n, cap;
    ast_file **stack; /* files being loaded, root first */
    size_t depth, stack_cap;
    int errors;
} load_state;

#define LOAD_MAX_DEPTH 256

static ast_file *load_known(load_state *st, const char *real)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->v[i].real, real) == 0)
            return st->v[i].file;
    return NULL;
}

static int load_remember(load_state *st, char *real, ast_file *f)
{
    if (st->n == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 16;
        load_entry *nv = realloc(st->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        st->v = nv;
        st->cap = ncap;
    }
    st->v[st->n].real = real;
    st->v[st->n].file = f;
    st->n++;
    return 0;
}

/* Reads and parses one file; returns its ast_file or NULL (error reported
 * at `at`, which is a no-position loc for the root). */
static ast_file *load_parse(load_state *st, const char *path, diag_loc at, const char *what)
{
    char *text = NULL;
    size_t len = 0;
    int e = util_read_file(path, UTIL_MAX_SOURCE, &text, &len);
    if (e) {
        diag_error(st->ctx->diag, at, "cannot read %s'%s': %s", what, path,
                   e == EFBIG ? "file too large (max 16 MiB)" : strerror(e));
        st->errors++;
        return NULL;
    }
    uint32_t fi = diag_add_file(st->ctx->diag, path, text, len);
    if (!fi) {
        free(text);
        diag_error(st->ctx->diag, at, "out of memory");
        st->errors++;
        return NULL;
    }
    st->errors += idl_parse(st->ctx, fi);
    ast_file *f = st->ctx->cur_file;
    if (!f || f->diag_file != fi) {
        st->errors++;
        return NULL;
    }
    return f;
}

/* Finds the file an import names; returns a malloc'ed path or NULL. */
static char *load_resolve(load_state *st, const ast_file *from, const char *name)
{
    if (!name[0])
        return NULL;
    if (name[0] == '/')
        return access(name, R_OK) == 0 ? strdup(name) : NULL;
    char *dir = util_dirname(from->path);
    if (!dir)
        return NULL;
    char *p = util_join(dir, name);
    free(dir);
    if (p && access(p, R_OK) == 0)
        return p;
    free(p);
    for (size_t i = 0; i < st->nincdirs; i++) {
        p = util_join(st->incdirs[i], name);
        if (p && access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

static void load_cycle(load_state *st, const ast_import *im, const ast_file *target)
{
    size_t start = 0;
    for (size_t i = 0; i < st->depth; i++)
        if (st->stack[i] == target)
            start = i;
    size_t cap = 64, len = 0;
    for (size_t i = start; i < st->depth; i++)
        cap += strlen(st->stack[i]->path) + 4;
    cap += strlen(target->path);
    char *chain = malloc(cap);
    if (!chain)
        return;
    chain[0] = '\0';
    for (size_t i = start; i < st->depth; i++)
        len += (size_t)snprintf(chain + len, cap - len, "%s -> ", st->stack[i]->path);
    snprintf(chain + len, cap - len, "%s", target->path);
    diag_error(st->ctx->diag, im->loc, "import cycle: %s", chain);
    st->errors++;
    free(chain);
}

static void load_imports(load_state *st, ast_file *f)
{
    if (st->depth == st->stack_cap) {
        size_t ncap = st->stack_cap ? st->stack_cap * 2 : 16;
        ast_file **ns = realloc(st->stack, ncap * sizeof *ns);
        if (!ns)
            return;
        st->stack = ns;
        st->stack_cap = ncap;
    }
    st->stack[st->depth++] = f;
    f->mark = MARK_OPEN;
    for (ast_import *im = f->imports; im; im = im->next) {
        if (st->depth >= LOAD_MAX_DEPTH) {
            diag_error(st->ctx->diag, im->loc, "imports nested too deeply (max %d)", LOAD_MAX_DEPTH);
            st->errors++;
            break;
        }
        char *path = load_resolve(st, f, im->path);
        if (!path) {
            diag_error(st->ctx->diag, im->loc, "cannot find import '%s'", im->path);
            st->errors++;
            continue;
        }
        char *real = realpath(path, NULL);
        if (!real) {
            diag_error(st->ctx->diag, im->loc, "cannot read import '%s': %s", im->path, strerror(errno));
            st->errors++;
            free(path);
            continue;
        }
        ast_file *known = load_known(st, real);
        if (known) {
            free(real);
            free(path);
            im->file = known;
            if (known->mark == MARK_OPEN)
                load_cycle(st, im, known);
            continue;
        }
        ast_file *nf = load_parse(st, path, im->loc, "import ");
        free(path);
        if (!nf || load_remember(st, real, nf) != 0) {
            free(real);
            continue;
        }
        im->file = nf;
        load_imports(st, nf);
    }
    f->mark = MARK_DONE;
    st->depth--;
}

int load_schema(ast_ctx *ctx, const char *path, const char *const *incdirs, size_t nincdirs)
{
    load_state st = {.ctx = ctx, .incdirs = incdirs, .nincdirs = nincdirs};
    diag_loc none = {0, 0, 0};
    int rc;
    ast_file *root = load_parse(&st, path, none, "");
    if (!root) {
        rc = ctx->cur_file ? st.errors : -1;
        goto out;
    }
    ctx->root = root;
    char *real = realpath(path, NULL);
    if (!real || load_remember(&st, real, root) != 0) {
        free(real);
        diag_error(ctx->diag, none, "cannot resolve '%s': %s", path, strerror(errno));
        rc = -1;
        goto out;
    }
    load_imports(&st, root);
    rc = st.errors;
out:
    for (size_t i = 0; i < st.n; i++)
        free(st.v[i].real);
    free(st.v);
    free(st.stack);
    return rc;
}
