/*
 * diag.h - compiler diagnostics: "path:line:col: error: message", then the
 * source line and a caret under the column; notes point at a second place
 * ("previous definition is here").  Line and column are 1-based; the column
 * counts bytes (a tab is one column).  Line text is found only when a
 * diagnostic is printed, never on the happy path.
 */
#ifndef ALR_DIAG_H
#define ALR_DIAG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* A source position.  file indexes the diag's file table; 0 = no position. */
typedef struct diag_loc {
    uint32_t file;
    uint32_t line;
    uint32_t col;
} diag_loc;

typedef struct diag_file {
    char *path;  /* as given on the command line / import (owned) */
    char *text;  /* whole contents, NUL-terminated (owned); may be NULL */
    size_t len;
} diag_file;

typedef struct diag {
    FILE *out;          /* where diagnostics go (stderr in alrc) */
    diag_file *files;   /* files[0] is a dummy so that 0 means "none" */
    uint32_t nfiles, cap;
    unsigned errors;    /* errors reported so far */
    unsigned max_errors;/* stop reporting after this many (default 50) */
    int limit_said;     /* "too many errors" already printed */
} diag;

void diag_init(diag *d, FILE *out);
void diag_fini(diag *d);

/* Registers a file; takes ownership of text (malloc'ed, NUL-terminated at
 * text[len]); copies path.  Returns its index (>= 1), 0 on out of memory. */
uint32_t diag_add_file(diag *d, const char *path, char *text, size_t len);

/* Path of file index f ("<unknown>" for 0). */
const char *diag_path(const diag *d, uint32_t f);

/* Reports an error (counted) or a note (not counted) at loc.  A loc with
 * file 0 prints "alrc: error: ..." without a position. */
void diag_error(diag *d, diag_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_note(diag *d, diag_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_verror(diag *d, diag_loc loc, const char *kind, const char *fmt, va_list ap);

#endif /* ALR_DIAG_H */
