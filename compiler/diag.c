/*
 * diag.c - prints compiler diagnostics with the source line and a caret.
 * The line is located by scanning the file text only when a diagnostic is
 * printed.  Non-printable bytes in the echoed line are shown as '?', so a
 * hostile file cannot inject terminal control sequences.
 */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

void diag_init(diag *d, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->out = out;
    d->max_errors = 50;
}

void diag_fini(diag *d)
{
    for (uint32_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].path);
        free(d->files[i].text);
    }
    free(d->files);
    memset(d, 0, sizeof *d);
}

uint32_t diag_add_file(diag *d, const char *path, char *text, size_t len)
{
    if (d->nfiles == 0) {
        /* slot 0 is "no file" */
        d->files = calloc(8, sizeof *d->files);
        if (!d->files)
            return 0;
        d->cap = 8;
        d->nfiles = 1;
    }
    if (d->nfiles == d->cap) {
        diag_file *nf = realloc(d->files, (size_t)d->cap * 2 * sizeof *nf);
        if (!nf)
            return 0;
        d->files = nf;
        d->cap *= 2;
    }
    char *p = strdup(path ? path : "<input>");
    if (!p)
        return 0;
    diag_file *f = &d->files[d->nfiles];
    f->path = p;
    f->text = text;
    f->len = len;
    return d->nfiles++;
}

const char *diag_path(const diag *d, uint32_t f)
{
    if (f == 0 || f >= d->nfiles)
        return "<unknown>";
    return d->files[f].path;
}

/* Prints line `line` of file f and a caret under byte column col. */
static void diag_echo(diag *d, const diag_file *f, uint32_t line, uint32_t col)
{
    if (!f->text || line == 0)
        return;
    const char *p = f->text, *end = f->text + f->len;
    for (uint32_t l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    if (p > end)
        return;
    const char *e = p;
    while (e < end && *e != '\n')
        e++;
    if (e > p && e[-1] == '\r')
        e--;
    fputc(' ', d->out);
    for (const char *q = p; q < e; q++) {
        unsigned char c = (unsigned char)*q;
        fputc(c == '\t' || (c >= 0x20 && c != 0x7f) ? c : '?', d->out);
    }
    fputc('\n', d->out);
    fputc(' ', d->out);
    for (uint32_t i = 1; i < col && p + i - 1 < e; i++)
        fputc(p[i - 1] == '\t' ? '\t' : ' ', d->out);
    fputs("^\n", d->out);
}

void diag_verror(diag *d, diag_loc loc, const char *kind, const char *fmt, va_list ap)
{
    int is_error = strcmp(kind, "error") == 0;
    if (is_error) {
        d->errors++;
        if (d->max_errors && d->errors > d->max_errors) {
            if (!d->limit_said && d->out) {
                fprintf(d->out, "alrc: error: too many errors (%u), stopping\n", d->max_errors);
                d->limit_said = 1;
            }
            return;
        }
    } else if (d->max_errors && d->errors > d->max_errors) {
        return;
    }
    if (!d->out)
        return;
    if (loc.file && loc.file < d->nfiles) {
        const diag_file *f = &d->files[loc.file];
        if (loc.line)
            fprintf(d->out, "%s:%u:%u: %s: ", f->path, loc.line, loc.col, kind);
        else
            fprintf(d->out, "%s: %s: ", f->path, kind);
        vfprintf(d->out, fmt, ap);
        fputc('\n', d->out);
        diag_echo(d, f, loc.line, loc.col);
    } else {
        fprintf(d->out, "alrc: %s: ", kind);
        vfprintf(d->out, fmt, ap);
        fputc('\n', d->out);
    }
}

void diag_error(diag *d, diag_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(d, loc, "error", fmt, ap);
    va_end(ap);
}

void diag_note(diag *d, diag_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(d, loc, "note", fmt, ap);
    va_end(ap);
}
