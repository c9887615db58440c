/*
 * textbuf.c - append-only text for the emitters (gen_c.c, gen_header.c).
 */
#include "textbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_reserve(textbuf *b, size_t more)
{
    if (b->oom)
        return 0;
    if (b->n + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void tb_write(textbuf *b, const char *s, size_t n)
{
    if (!tb_reserve(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void tb_puts(textbuf *b, const char *s)
{
    tb_write(b, s, strlen(s));
}

void tb_vprintf(textbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (!tb_reserve(b, (size_t)n))
        return;
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    b->n += (size_t)n;
}

void tb_printf(textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tb_vprintf(b, fmt, ap);
    va_end(ap);
}

void tb_cstring(textbuf *b, const char *s, size_t n)
{
    tb_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '\n':
            tb_puts(b, "\\n");
            continue;
        case '\t':
            tb_puts(b, "\\t");
            continue;
        case '\r':
            tb_puts(b, "\\r");
            continue;
        case '\\':
            tb_puts(b, "\\\\");
            continue;
        case '"':
            tb_puts(b, "\\\"");
            continue;
        case '?':
            tb_puts(b, i > 0 && s[i - 1] == '?' ? "\\?" : "?");
            continue;
        default:
            break;
        }
        if (ch < 0x20 || ch >= 0x7F)
            tb_printf(b, "\\%03o", ch);
        else
            tb_write(b, (const char *)&ch, 1);
    }
    tb_puts(b, "\"");
}
