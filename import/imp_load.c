/*
 * imp_load.c - the entry of the C-header front end, built in every
 * configuration.  With libclang (IMP_HAVE_LIBCLANG=1, set by import.mk) it
 * hands the header to imp_clang.c; without, it says what to install, so an
 * alrc built without libclang still compiles .alr files and fails clearly
 * on a header.
 */
#include "imp.h"

#include <string.h>

#ifndef IMP_HAVE_LIBCLANG
#define IMP_HAVE_LIBCLANG 0
#endif

int imp_is_header(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 2 && strcmp(path + n - 2, ".h") == 0;
}

int imp_available(void)
{
    return IMP_HAVE_LIBCLANG;
}

int imp_load_header(ast_ctx *ctx, const char *path, imp_options *opts)
{
    if (opts)
        opts->facts = NULL;
#if IMP_HAVE_LIBCLANG
    return imp_clang_load(ctx, path, opts);
#else
    diag_loc none = {0, 0, 0};
    diag_error(ctx->diag, none,
               "%s: C-header input needs libclang; install the Debian package libclang-14-dev "
               "and rebuild",
               path);
    return -1;
#endif
}
