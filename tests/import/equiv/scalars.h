/* Every scalar type, with the C types that map to it. */
#ifndef SCALARS_H
#define SCALARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <alr/annotate.h>

ALR_PACKAGE("scalars");

struct ALR_STRUCT Numbers {
    ALR_DEFAULT(true) bool flag;
    ALR_DEFAULT(-128) int8_t a;
    ALR_DEFAULT(255) uint8_t b;
    ALR_DEFAULT(-32768) int16_t c;
    ALR_DEFAULT(65535) uint16_t d;
    ALR_DEFAULT(-2147483648) int32_t e;
    ALR_DEFAULT(4294967295) uint32_t f;
    ALR_DEFAULT(-9223372036854775808) int64_t g;
    ALR_DEFAULT(18446744073709551615) uint64_t h;
    ALR_DEFAULT(0.333333333333) float third;
    ALR_DEFAULT(-0.0) float neg_zero;
    ALR_DEFAULT(5e-324) double tiny;
    ALR_DEFAULT(1.7976931348623157e308) double huge;
    ALR_DEFAULT(nan) double not_a_number;
    ALR_DEFAULT(inf) double plus_inf;
    signed char sc;
    unsigned char uc;
    short sh;
    unsigned short ush;
    int i;
    unsigned u;
    long long ll;
    unsigned long long ull;
    long l;
    unsigned long ul;
    size_t sz;
    ptrdiff_t pd;
    _Bool b2;
};

/// Strings with every escape and some unicode.
struct ALR_STRUCT Texts {
    ALR_DEFAULT("she said \"hi\"\n\ttabbed \\ back\x01") const char *quote;
    ALR_DEFAULT("żółw — 🐢") const char *unicode;
    ALR_DEFAULT("it\'s") const char *apostrophe;
    ALR_DEFAULT("") char *empty;
    ALR_DEFAULT("\xC3\xA9") ALR_BYTES(raw_len) const void *raw;
    unsigned raw_len;
};

struct ALR_STRUCT Arrays {
    uint8_t digest[32];
    int ints[4];
    double coords[3];
    bool bits[8];
    const char *names[2];
    struct Numbers numbers[2];
};

struct ALR_SERVICE ALR_PREFIX("calc_") Calc;

ALR_STATIC(Calc) int32_t calc_negate(int32_t x);
ALR_STATIC(Calc) double calc_scale(double x, ALR_DEFAULT(2.5) float by);
ALR_STATIC(Calc) uint64_t calc_sum(uint8_t a, uint16_t b, uint32_t c, uint64_t d);
ALR_STATIC(Calc) ALR_NAME(invert) bool calc_not(bool x);
ALR_STATIC(Calc) char *calc_echo(ALR_DEFAULT("\t") const char *s);
ALR_STATIC(Calc) struct Numbers calc_numbers(void);
ALR_STATIC(Calc) void calc_texts(const struct Arrays *a, ALR_OUT struct Texts *out);
ALR_STATIC(Calc) int8_t calc_narrow(long long wide);

#endif
