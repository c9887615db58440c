/*
 * cnames.c - the C11 keyword list (ISO/IEC 9899:2011 6.4.1) and the C++17
 * keyword list (ISO/IEC 14882:2017 [lex.key] and the alternative tokens of
 * [lex.digraph]) minus the C11 ones.  Both tables are sorted by strcmp for
 * bsearch; test_sema.c checks every entry is found.
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

static const char *const cnames_cxx17[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch",
    "char16_t", "char32_t", "class", "compl", "const_cast", "constexpr", "decltype",
    "delete", "dynamic_cast", "explicit", "export", "false", "friend", "mutable",
    "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
    "or_eq", "private", "protected", "public", "reinterpret_cast", "static_assert",
    "static_cast", "template", "this", "thread_local", "throw", "true", "try", "typeid",
    "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
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
    if (cnames_in(name, cnames_cxx17, sizeof cnames_cxx17 / sizeof cnames_cxx17[0]))
        return CNAMES_CXX;
    return CNAMES_NONE;
}
