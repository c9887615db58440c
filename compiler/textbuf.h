/*
 * textbuf.h - the growable text buffer the code emitters write into, and
 * the one C string-literal escaper they share.  An allocation failure sets
 * oom and turns every later write into a no-op, so emitters check once.
 */
#ifndef ALR_TEXTBUF_H
#define ALR_TEXTBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct textbuf {
    char *p;     /* malloc'ed, NUL-terminated after any write; owned by the user */
    size_t n;    /* bytes written (the NUL not counted) */
    size_t cap;
    int oom;     /* an allocation failed */
} textbuf;

/* Room for `more` bytes plus a NUL; 0 (and oom set) on failure. */
int tb_reserve(textbuf *b, size_t more);
void tb_write(textbuf *b, const char *s, size_t n);
void tb_puts(textbuf *b, const char *s);
void tb_vprintf(textbuf *b, const char *fmt, va_list ap);
void tb_printf(textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A C string literal with its quotes for s[0..n): printable ASCII as is,
 * \n \t \r \\ \" escaped, every other byte as a 3-digit octal escape, and
 * "??" broken so no trigraph forms. */
void tb_cstring(textbuf *b, const char *s, size_t n);

#endif /* ALR_TEXTBUF_H */
