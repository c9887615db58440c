/*
 * alr/annotate.h - annotations that make an ordinary C header an ALR schema
 * ("your header is the interface"; spec/annotations.md).  When alrc parses
 * the header it defines ALR_IMPORT and runs clang, and every macro becomes
 * __attribute__((annotate("alr:..."))); for every other compiler (and for
 * clang without ALR_IMPORT) they expand to nothing, so the header compiles
 * unchanged everywhere.
 */
#ifndef ALR_ANNOTATE_H
#define ALR_ANNOTATE_H

#if defined(ALR_IMPORT) && defined(__clang__)
#define ALR_ANNOTATE_(text) __attribute__((annotate(text)))
#else
#define ALR_ANNOTATE_(text)
#endif

#define ALR_CAT2_(a, b) a##b
#define ALR_CAT_(a, b) ALR_CAT2_(a, b)

/* ---- the package: a file-level marker, `ALR_PACKAGE("cityguide");` ----
 * It sets the package of the annotated declarations that follow in the same
 * file (like `package cityguide;` in .alr).  It expands to a typedef in
 * every mode, so the `;` after it is always a valid declaration.  For alrc
 * each marker's typedef has a name of its own (__COUNTER__): a redeclared
 * typedef would inherit another file's package. */
#if defined(ALR_IMPORT) && defined(__clang__)
#define ALR_PACKAGE(name) \
    typedef int ALR_CAT_(alr_package_, __COUNTER__) ALR_ANNOTATE_("alr:package=" name)
#else
#define ALR_PACKAGE(name) typedef int ALR_CAT_(alr_package_line_, __LINE__)
#endif

/* ---- declarations that travel ---- */
#define ALR_STRUCT ALR_ANNOTATE_("alr:struct")       /* struct ALR_STRUCT Name { ... }; */
#define ALR_ENUM ALR_ANNOTATE_("alr:enum")           /* enum ALR_ENUM Name { ... }; */
#define ALR_FLAGS ALR_ANNOTATE_("alr:flags")         /* enum ALR_FLAGS Name { a = 1, ... }; */
#define ALR_SERVICE ALR_ANNOTATE_("alr:service")     /* struct ALR_SERVICE Name; (the handle) */
/* The ALR name of a struct, enum, enum value, service, field, parameter or
 * method, when it differs from the C name: ALR_NAME(Location). */
#define ALR_NAME(name) ALR_ANNOTATE_("alr:name=" #name)
/* On a service: the prefix its functions' names start with, stripped to
 * give method names.  On an enum: the prefix of its enumerators' names. */
#define ALR_PREFIX(prefix) ALR_ANNOTATE_("alr:prefix=" prefix)

/* ---- functions: which service a prototype belongs to, and how ---- */
#define ALR_STATIC(service) ALR_ANNOTATE_("alr:static=" #service) /* static method */
#define ALR_METHOD(service) ALR_ANNOTATE_("alr:method=" #service) /* instance method: first
                                                                      parameter is the handle */
#define ALR_CTOR(service) ALR_ANNOTATE_("alr:ctor=" #service)     /* remote constructor:
                                                                      returns the handle */
/* Return modes (alone or combined as in .alr: ALR_ONEWAY ALR_STATUS). */
#define ALR_ONEWAY ALR_ANNOTATE_("alr:oneway")
#define ALR_ASYNC ALR_ANNOTATE_("alr:async")
#define ALR_ASYNCREF ALR_ANNOTATE_("alr:asyncref")
#define ALR_STATUS ALR_ANNOTATE_("alr:status")  /* the C return value is the status */
#define ALR_RESULT ALR_ANNOTATE_("alr:result")  /* the C return value is the error enum,
                                                    the value comes through ALR_OUT */
/* On a parameter `T *p`: the method's return value, written through p. */
#define ALR_OUT ALR_ANNOTATE_("alr:out")

/* ---- what a member (field or parameter) carries ---- */
#define ALR_LIST(len) ALR_ANNOTATE_("alr:list=" #len)   /* T *p + integer member len */
#define ALR_SET(len) ALR_ANNOTATE_("alr:set=" #len)     /* T *p + integer member len */
#define ALR_BYTES(len) ALR_ANNOTATE_("alr:bytes=" #len) /* uint8_t/void *p + member len */
/* On the keys pointer: the values pointer member and the length member. */
#define ALR_MAP(values, len) ALR_ANNOTATE_("alr:map=" #values "," #len)
#define ALR_OPTIONAL ALR_ANNOTATE_("alr:optional")    /* T *p: one T, or NULL = absent */
#define ALR_STRING ALR_ANNOTATE_("alr:string")        /* char *: a string (the default) */
/* The default a receiver sees when the sender lacks the member, written as
 * in .alr: ALR_DEFAULT(8080), ALR_DEFAULT("Unknown"), ALR_DEFAULT(storm | flood). */
#define ALR_DEFAULT(value) ALR_ANNOTATE_("alr:default=" #value)

/* ---- the annotations of the .alr language (spec/alr-language.md 9) ---- */
#define ALR_DEADLINE(ms) ALR_ANNOTATE_("alr:@deadline(" #ms ")")
#define ALR_MAX_SIZE(bytes) ALR_ANNOTATE_("alr:@max_size(" #bytes ")")
#define ALR_MAX_LEN(n) ALR_ANNOTATE_("alr:@max_len(" #n ")")
#define ALR_EVOLVE(...) ALR_ANNOTATE_("alr:@evolve(" #__VA_ARGS__ ")")
#define ALR_DEPRECATED ALR_ANNOTATE_("alr:@deprecated")
#define ALR_DEPRECATED_MSG(why) ALR_ANNOTATE_("alr:@deprecated(" #why ")")
#define ALR_COMMON ALR_ANNOTATE_("alr:@common")
/* Any annotation in .alr syntax without the '@': ALR_ANNOTATION(deadline(500)). */
#define ALR_ANNOTATION(...) ALR_ANNOTATE_("alr:@" #__VA_ARGS__)

#endif /* ALR_ANNOTATE_H */
