/*
 * cnames.h - names a C (or C++) identifier cannot take: C11 and C++20
 * keywords, object-like macros of the C library and of gcc/clang in their
 * default (GNU) mode, and the identifiers C reserves.  Every .alr name
 * becomes a C identifier in generated code, so sema rejects these as names
 * of anything; code generators may use the same tables to stay consistent.
 */
#ifndef ALR_CNAMES_H
#define ALR_CNAMES_H

typedef enum cnames_kind {
    CNAMES_NONE = 0, /* not a keyword */
    CNAMES_C = 1,    /* a C11 keyword (most are C++ keywords too) */
    CNAMES_CXX = 2,  /* a C++20 keyword that is not a C11 keyword */
    CNAMES_MACRO = 3, /* an object-like macro of the C library (errno, stdin, EOF,
                         INT_MAX, complex, ...) or predefined by gcc/clang (unix,
                         linux): a member with that name would not compile */
    CNAMES_RESERVED = 4 /* reserved by C11 7.1.3: _ and a capital, or __ */
} cnames_kind;

/* Classifies name (NUL-terminated; NULL gives CNAMES_NONE). */
cnames_kind cnames_keyword(const char *name);

#endif /* ALR_CNAMES_H */
