/*
 * cnames.c - the C11 keyword list (ISO/IEC 9899:2011 6.4.1), the C++20
 * keyword list (ISO/IEC 14882:2020 [lex.key] and the alternative tokens of
 * [lex.digraph]) minus the C11 ones, and the object-like macros of the C11
 * library (and of gcc/clang's default GNU mode) that a schema could pick as
 * a name.  Every table is sorted by strcmp for bsearch; test_sema.c checks
 * every entry is found.
 */
#include "cnames.h"

#include <stdlib.h>
#include <string.h>

static const char *const cnames_c11[] = {
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary",
    "_Noreturn", "_Static_assert", "_Thread_local", "auto", "break", "case", "char",
    "const", "continue", "default", "do", "double", "else", "enum", "extern", "float",
    "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while",
};

static const char *const cnames_cxx20[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch",
    "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield",
    "compl", "concept", "const_cast", "consteval", "constexpr", "constinit", "decltype",
    "delete", "dynamic_cast", "explicit", "export", "false", "friend", "mutable",
    "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
    "or_eq", "private", "protected", "public", "reinterpret_cast", "requires",
    "static_assert", "static_cast", "template", "this", "thread_local", "throw", "true",
    "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
};

/* <stdio.h> <errno.h> <limits.h> <stdint.h> <stdlib.h> <math.h> <time.h>
 * <complex.h> <stdnoreturn.h>, and gcc/clang's predefined unix and linux
 * (-std=gnu*, their default) */
static const char *const cnames_macros[] = {
    "BUFSIZ", "CHAR_BIT", "CHAR_MAX", "CHAR_MIN", "CLOCKS_PER_SEC", "EDOM", "EILSEQ",
    "EOF", "ERANGE", "EXIT_FAILURE", "EXIT_SUCCESS", "FILENAME_MAX", "FOPEN_MAX",
    "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "I", "INFINITY", "INT16_MAX", "INT16_MIN",
    "INT32_MAX", "INT32_MIN", "INT64_MAX", "INT64_MIN", "INT8_MAX", "INT8_MIN",
    "INTMAX_MAX", "INTMAX_MIN", "INTPTR_MAX", "INTPTR_MIN", "INT_MAX", "INT_MIN",
    "LLONG_MAX", "LLONG_MIN", "LONG_MAX", "LONG_MIN", "MB_CUR_MAX", "MB_LEN_MAX", "NAN",
    "NULL", "PTRDIFF_MAX", "PTRDIFF_MIN", "RAND_MAX", "SCHAR_MAX", "SCHAR_MIN",
    "SEEK_CUR", "SEEK_END", "SEEK_SET", "SHRT_MAX", "SHRT_MIN", "SIZE_MAX", "TIME_UTC",
    "TMP_MAX", "UCHAR_MAX", "UINT16_MAX", "UINT32_MAX", "UINT64_MAX", "UINT8_MAX",
    "UINTMAX_MAX", "UINTPTR_MAX", "UINT_MAX", "ULLONG_MAX", "ULONG_MAX", "USHRT_MAX",
    "complex", "errno", "imaginary", "linux", "noreturn", "stderr", "stdin", "stdout",
    "unix",
};

static int cnames_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

static int cnames_in(const char *name, const char *const *table, size_t n)
{
    return bsearch(name, table, n, sizeof table[0], cnames_cmp) != NULL;
}

cnames_kind cnames_keyword(const char *name)
{
    if (!name)
        return CNAMES_NONE;
    if (cnames_in(name, cnames_c11, sizeof cnames_c11 / sizeof cnames_c11[0]))
        return CNAMES_C;
    if (cnames_in(name, cnames_cxx20, sizeof cnames_cxx20 / sizeof cnames_cxx20[0]))
        return CNAMES_CXX;
    if (cnames_in(name, cnames_macros, sizeof cnames_macros / sizeof cnames_macros[0]))
        return CNAMES_MACRO;
    if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z')))
        return CNAMES_RESERVED;
    return CNAMES_NONE;
}
