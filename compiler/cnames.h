/*
 * cnames.h - C11 and C++17 keywords.  Every .alr name becomes a C (or C++)
 * identifier in generated code, so sema rejects these as names of anything;
 * code generators may use the same table to stay consistent with it.
 */
#ifndef ALR_CNAMES_H
#define ALR_CNAMES_H

typedef enum cnames_kind {
    CNAMES_NONE = 0, /* not a keyword */
    CNAMES_C = 1,    /* a C11 keyword (most are C++ keywords too) */
    CNAMES_CXX = 2   /* a C++17 keyword that is not a C11 keyword */
} cnames_kind;

/* Classifies name (NUL-terminated; NULL gives CNAMES_NONE). */
cnames_kind cnames_keyword(const char *name);

#endif /* ALR_CNAMES_H */
