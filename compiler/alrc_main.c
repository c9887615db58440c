/*
 * alrc_main.c - the alrc command line: option parsing and the pipeline
 * load -> sema -> lower -> write for each input, or --dump of a blob.
 * Exit status: 0 success, 1 diagnostics, 2 usage or I/O errors.
 * Everything that is not option handling lives in its own module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alr/alr.h"
#include "ast.h"
#include "diag.h"
#include "dump.h"
#include "gen_c.h"
#include "gen_header.h"
#include "imp.h"
#include "load.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"
#include "util.h"

enum { EXIT_OK = 0, EXIT_DIAG = 1, EXIT_USAGE = 2 };

typedef struct alrc_opts {
    const char **incdirs;
    size_t nincdirs;
    const char *outdir;  /* NULL: next to each input */
    const char *depfile; /* -MF */
    int md;              /* -MD */
    const char **inputs;
    size_t ninputs;
    int dump;
    /* C-header input (import/imp.h): -D, --compile-commands, flags after -- */
    const char **defines;
    size_t ndefines;
    const char *compile_commands;
    const char *const *clang_args;
    size_t nclang_args;
    int emit_c; /* --emit=c: also DIR/FILE_gen.h and DIR/FILE_gen.c */
} alrc_opts;

static void alrc_usage(FILE *out)
{
    fputs("usage: alrc [-I DIR]... [-o DIR] [--emit=KIND[,KIND]] [-MD [-MF FILE]] FILE.alr...\n"
          "       alrc --dump FILE.alrs\n"
          "\n"
          "Compiles .alr schemas into schema blobs (FILE.alrs).\n"
          "\n"
          "  -I DIR          search DIR for imports (after the importing file's directory)\n"
          "  -o DIR          write outputs into DIR (default: next to each input)\n"
          "  --emit=schema   write the schema blob DIR/FILE.alrs (the default)\n"
          "  --emit=c        also write C: DIR/FILE_gen.h and DIR/FILE_gen.c (spec/c-api.md);\n"
          "                  the blob is always written (the C embeds it); --emit=schema,c\n"
          "                  is the same\n"
          "  -MD             also write a make depfile (DIR/FILE.alrs.d, or -MF FILE)\n"
          "  -MF FILE        name of the depfile (implies -MD)\n"
          "  FILE.h          an annotated C header (spec/annotations.md), read with libclang:\n"
          "  -D NAME[=VAL]   define a macro for the header (alrc's -I dirs are passed too)\n"
          "  --compile-commands DIR  take the header's flags from DIR/compile_commands.json\n"
          "  -- FLAGS...     pass the remaining arguments to clang\n"
          "  --dump FILE     print a schema blob as canonical .alr text\n"
          "  --help          show this text\n"
          "  --version       show the version\n"
          "\n"
          "Exit status: 0 success, 1 errors in the input, 2 usage or I/O errors.\n",
          out);
}

/* Escapes spaces and '$' for make. */
static void alrc_dep_path(FILE *f, const char *p)
{
    for (; *p; p++) {
        if (*p == ' ' || *p == '#')
            fputc('\\', f);
        if (*p == '$')
            fputc('$', f);
        fputc(*p, f);
    }
}

/* targets: the outputs (the blob first), NULL-terminated. */
static int alrc_write_depfile(const char *depfile, const char *const *targets, const diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return ENOMEM;
    for (size_t i = 0; targets[i]; i++) {
        if (i)
            fputc(' ', f);
        alrc_dep_path(f, targets[i]);
    }
    fputc(':', f);
    for (uint32_t i = 1; i < d->nfiles; i++) {
        fputs(" \\\n  ", f);
        alrc_dep_path(f, d->files[i].path);
    }
    fputc('\n', f);
    /* like gcc -MP: a phony target per dependency, so deleting one is not an error */
    for (uint32_t i = 2; i < d->nfiles; i++) {
        fputc('\n', f);
        alrc_dep_path(f, d->files[i].path);
        fputs(":\n", f);
    }
    fclose(f);
    int e = util_write_if_changed(depfile, buf, len, NULL);
    free(buf);
    return e;
}

static int alrc_compile(const alrc_opts *o, const char *input)
{
    diag d;
    diag_init(&d, stderr);
    ast_ctx ctx;
    ast_ctx_init(&ctx, &d);
    int rc = EXIT_OK;
    alri_schema ir;
    int have_ir = 0;
    uint8_t *blob = NULL;
    size_t bloblen = 0;
    char *stem = NULL, *dir = NULL, *out = NULL, *dep = NULL, *gen_h = NULL, *gen_c = NULL;

    imp_options iopts = {o->incdirs, o->nincdirs, o->defines, o->ndefines, o->clang_args,
                         o->nclang_args, o->compile_commands, NULL};
    int n = imp_is_header(input) ? imp_load_header(&ctx, input, &iopts)
                                 : load_schema(&ctx, input, o->incdirs, o->nincdirs);
    if (n < 0) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (n == 0 && !ctx.oom)
        n = sema_check(&ctx);
    if (ctx.oom) {
        fprintf(stderr, "alrc: error: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (n > 0 || d.errors) {
        rc = EXIT_DIAG;
        goto done;
    }
    char err[256] = "";
    if (lower_schema(&ctx, &ir, err, sizeof err) != 0) {
        fprintf(stderr, "alrc: error: %s: %s\n", input, err[0] ? err : "cannot lower schema");
        rc = EXIT_DIAG;
        goto done;
    }
    have_ir = 1;
    alr_err e = alri_schema_write(&ir, &blob, &bloblen);
    if (e != ALR_OK) {
        fprintf(stderr, "alrc: error: %s: cannot write schema blob: %s\n", input, alr_strerror(e));
        rc = EXIT_DIAG;
        goto done;
    }
    stem = util_stem(input);
    dir = o->outdir ? strdup(o->outdir) : util_dirname(input);
    if (!stem || !dir) {
        rc = EXIT_USAGE;
        goto done;
    }
    int merr = o->outdir ? util_mkdir_p(dir) : 0; /* -o DIR is created like mkdir -p */
    if (merr) {
        fprintf(stderr, "alrc: error: cannot create directory '%s': %s\n", dir, strerror(merr));
        rc = EXIT_USAGE;
        goto done;
    }
    size_t sl = strlen(stem);
    char *name = malloc(sl + 6);
    if (!name) {
        rc = EXIT_USAGE;
        goto done;
    }
    memcpy(name, stem, sl);
    memcpy(name + sl, ".alrs", 6);
    out = util_join(dir, name);
    free(name);
    if (!out) {
        rc = EXIT_USAGE;
        goto done;
    }
    int werr = util_write_if_changed(out, blob, bloblen, NULL);
    if (werr) {
        fprintf(stderr, "alrc: error: cannot write '%s': %s\n", out, strerror(werr));
        rc = EXIT_USAGE;
        goto done;
    }
    if (o->emit_c) {
        int g = gen_c_write(&ir, blob, bloblen, dir, stem, input, err, sizeof err);
        /* a C header also gets its adapter: X_adapt.h, X_client.c, X_server.c */
        if (g == 0 && iopts.facts)
            g = gen_header_write(&ir, iopts.facts, dir, stem, input, err, sizeof err);
        if (g != 0) {
            fprintf(stderr, "alrc: error: %s: %s\n", input, err);
            rc = g == 1 ? EXIT_DIAG : EXIT_USAGE;
            goto done;
        }
    }
    if (o->md || o->depfile) {
        const char *df = o->depfile;
        if (!df) {
            size_t ol = strlen(out);
            dep = malloc(ol + 3);
            if (!dep) {
                rc = EXIT_USAGE;
                goto done;
            }
            memcpy(dep, out, ol);
            memcpy(dep + ol, ".d", 3);
            df = dep;
        }
        const char *targets[4] = {out, NULL, NULL, NULL};
        if (o->emit_c) {
            size_t ol = strlen(out);
            gen_h = malloc(ol + 3);
            gen_c = malloc(ol + 3);
            if (!gen_h || !gen_c) {
                rc = EXIT_USAGE;
                goto done;
            }
            /* DIR/FILE.alrs -> DIR/FILE_gen.h, DIR/FILE_gen.c */
            memcpy(gen_h, out, ol - 5);
            memcpy(gen_h + ol - 5, "_gen.h", 7);
            memcpy(gen_c, out, ol - 5);
            memcpy(gen_c + ol - 5, "_gen.c", 7);
            targets[1] = gen_h;
            targets[2] = gen_c;
        }
        werr = alrc_write_depfile(df, targets, &d);
        if (werr) {
            fprintf(stderr, "alrc: error: cannot write '%s': %s\n", df, strerror(werr));
            rc = EXIT_USAGE;
        }
    }
done:
    free(blob);
    free(stem);
    free(dir);
    free(out);
    free(dep);
    free(gen_h);
    free(gen_c);
    if (have_ir)
        alri_schema_fini(&ir);
    ast_ctx_fini(&ctx);
    diag_fini(&d);
    return rc;
}

static int alrc_dump(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int e = util_read_file(path, ALR_MAX_BLOB_SIZE, &data, &len);
    if (e) {
        fprintf(stderr, "alrc: error: cannot read '%s': %s\n", path,
                e == EFBIG ? "file too large for a schema blob" : strerror(e));
        return EXIT_USAGE;
    }
    alri_schema ir;
    char err[256];
    alr_err rc = alri_schema_read(&ir, data, len, err, sizeof err);
    free(data);
    if (rc != ALR_OK) {
        fprintf(stderr, "alrc: error: %s: %s\n", path, err);
        return EXIT_DIAG;
    }
    int r = dump_alr(&ir, stdout);
    alri_schema_fini(&ir);
    if (r != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "alrc: error: cannot write output\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    alrc_opts o = {0};
    o.incdirs = calloc((size_t)argc, sizeof *o.incdirs);
    o.inputs = calloc((size_t)argc, sizeof *o.inputs);
    if (!o.incdirs || !o.inputs) {
        fprintf(stderr, "alrc: error: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            alrc_usage(stdout);
            goto out;
        } else if (strcmp(a, "--version") == 0) {
            printf("alrc %s (schema blob format %d.%d)\n", ALR_VERSION_STRING,
                   ALR_BLOB_VERSION_MAJOR, ALR_BLOB_VERSION_MINOR);
            goto out;
        } else if (strcmp(a, "-I") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "-MF") == 0 ||
                   strcmp(a, "--dump") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "alrc: error: option '%s' needs an argument\n", a);
                rc = EXIT_USAGE;
                goto out;
            }
            const char *v = argv[++i];
            if (a[1] == 'I')
                o.incdirs[o.nincdirs++] = v;
            else if (a[1] == 'o')
                o.outdir = v;
            else if (a[1] == 'M')
                o.depfile = v;
            else {
                o.dump = 1;
                o.inputs[o.ninputs++] = v;
            }
        } else if (strncmp(a, "-I", 2) == 0) {
            o.incdirs[o.nincdirs++] = a + 2;
        } else if (strcmp(a, "-MD") == 0) {
            o.md = 1;
        } else if (strncmp(a, "--emit=", 7) == 0) {
            /* a comma-separated list of schema, c */
            const char *k = a + 7;
            o.emit_c = 0;
            for (;;) {
                size_t n = strcspn(k, ",");
                if (n == 1 && k[0] == 'c') {
                    o.emit_c = 1;
                } else if (!(n == 6 && strncmp(k, "schema", 6) == 0)) {
                    fprintf(stderr, "alrc: error: unknown --emit kind '%.*s' (known: schema, c)\n",
                            (int)n, k);
                    rc = EXIT_USAGE;
                    goto out;
                }
                if (!k[n])
                    break;
                k += n + 1;
            }
        } else if (strcmp(a, "--") == 0) {
            /* C-header input: everything after -- goes to clang */
            o.clang_args = (const char *const *)(argv + i + 1);
            o.nclang_args = (size_t)(argc - i - 1);
            break;
        } else if (strcmp(a, "--compile-commands") == 0 || strncmp(a, "-D", 2) == 0) {
            /* C-header input: -D NAME[=VALUE] for clang; flags from compile_commands.json */
            const char *v = a[1] == 'D' && a[2] ? a + 2 : i + 1 < argc ? argv[++i] : NULL;
            if (!o.defines)
                o.defines = calloc((size_t)argc, sizeof *o.defines);
            if (!v || !o.defines) {
                if (v)
                    fprintf(stderr, "alrc: error: out of memory\n");
                else
                    fprintf(stderr, "alrc: error: option '%s' needs an argument\n", a);
                rc = EXIT_USAGE;
                goto out;
            }
            if (a[1] == 'D')
                o.defines[o.ndefines++] = v;
            else
                o.compile_commands = v;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "alrc: error: unknown option '%s' (see alrc --help)\n", a);
            rc = EXIT_USAGE;
            goto out;
        } else {
            o.inputs[o.ninputs++] = a;
        }
    }
    if (o.ninputs == 0) {
        fprintf(stderr, "alrc: error: no input files (see alrc --help)\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if (o.dump) {
        if (o.ninputs != 1) {
            fprintf(stderr, "alrc: error: --dump takes exactly one blob\n");
            rc = EXIT_USAGE;
            goto out;
        }
        rc = alrc_dump(o.inputs[0]);
        goto out;
    }
    if (o.depfile && o.ninputs > 1) {
        fprintf(stderr, "alrc: error: -MF needs exactly one input file\n");
        rc = EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < o.ninputs; i++) {
        int r = alrc_compile(&o, o.inputs[i]);
        if (r > rc)
            rc = r;
    }
out:
    free(o.incdirs);
    free(o.inputs);
    free(o.defines);
    return rc;
}
