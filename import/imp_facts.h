/*
 * imp_facts.h - the side table of C facts the header importer records for
 * the code generator: for each imported struct, enum and service the C type
 * as the header spells it, clang's sizeof/alignof/offsetof, how each C
 * member carries its ALR value, and each method's C prototype.  Plain data
 * (no libclang types); it lives in the ast_ctx arena.  The generator's use
 * of it (_Static_asserts, marshalling) is planned in spec/annotations.md.
 */
#ifndef ALR_IMP_FACTS_H
#define ALR_IMP_FACTS_H

#include <stdint.h>
#include <stdio.h>

/* How one C member (or parameter) carries its ALR value. */
typedef enum imp_repr {
    IMP_REPR_VALUE,     /* scalar, enum, flags, struct or fixed array stored inline */
    IMP_REPR_STRING,    /* char * / const char *: NUL-terminated UTF-8 (string) */
    IMP_REPR_OPT_PTR,   /* T *: one value or NULL (optional<T>; optional<string> is a char *) */
    IMP_REPR_LIST_PTR,  /* T *: elements of list<T> / set<T>; count in `partner` */
    IMP_REPR_BYTES_PTR, /* uint8_t * / void *: bytes; count in `partner` */
    IMP_REPR_MAP_KEYS,  /* K *: keys of map<K, V>; values in `partner`, count in `partner2` */
    IMP_REPR_MAP_VALS,  /* V *: values of a map (not an ALR element of its own) */
    IMP_REPR_LEN,       /* integer: the count of another member (not an ALR element) */
    IMP_REPR_HANDLE,    /* S *: a service handle (ref<S>, or a method's receiver) */
    IMP_REPR_OUT        /* T *: a method's return value, written by the callee */
} imp_repr;

typedef struct imp_member_fact {
    const char *c_name;   /* member or parameter name in C */
    const char *alr_name; /* ALR field / parameter name; NULL when not an ALR element */
    const char *c_type;   /* the C type as spelled in the header */
    imp_repr repr;
    int32_t partner;     /* index of the count (or map values) member, -1 when none */
    int32_t partner2;    /* MAP_KEYS: index of the count member, else -1 */
    int64_t offset;      /* struct members: offsetof in bytes; parameters: -1 */
    int64_t size, align; /* sizeof / alignof of the member's C type */
} imp_member_fact;

typedef struct imp_struct_fact {
    const char *qname;  /* ALR qualified name */
    const char *c_type; /* "struct Location", or a typedef name for an anonymous struct */
    int64_t size, align;
    imp_member_fact *members; /* every C member in declaration order */
    uint32_t nmembers;
} imp_struct_fact;

typedef struct imp_enumval_fact {
    const char *c_name;
    const char *alr_name;
    int64_t value; /* flags: the bits, as a uint64_t cast */
} imp_enumval_fact;

typedef struct imp_enum_fact {
    const char *qname;
    const char *c_type; /* "enum Conditions" */
    int is_flags;
    int64_t size, align; /* of the C enum type (the codec's are 4 for enums, 8 for flags) */
    imp_enumval_fact *values;
    uint32_t nvalues;
} imp_enum_fact;

typedef struct imp_service_fact {
    const char *qname;
    const char *c_handle; /* "struct CityGuide": the opaque handle type */
    const char *prefix;   /* ALR_PREFIX, "" when none */
} imp_service_fact;

typedef struct imp_method_fact {
    const char *service; /* qualified name of the service */
    const char *name;    /* ALR method name ("new" for the constructor) */
    const char *c_func;  /* the C function */
    const char *c_ret;   /* its C return type */
    int is_static, is_ctor;
    imp_member_fact *params; /* every C parameter in order (receiver, out, counts too) */
    uint32_t nparams;
} imp_method_fact;

typedef struct imp_facts {
    const char *header; /* the header as given to alrc */
    const char *target; /* clang's target triple the facts hold for */
    imp_struct_fact *structs;
    uint32_t nstructs;
    imp_enum_fact *enums;
    uint32_t nenums;
    imp_service_fact *services;
    uint32_t nservices;
    imp_method_fact *methods;
    uint32_t nmethods;
} imp_facts;

/* Writes C11 _Static_asserts for every size, alignment and offset in f (a
 * file that includes the header and <stddef.h> compiles them).  Returns 0,
 * or -1 on a write error. */
int imp_facts_write_asserts(const imp_facts *f, FILE *out);

#endif /* ALR_IMP_FACTS_H */
