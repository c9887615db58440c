/* duplicates found by the common checks, with notes */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Pair {
    int32_t first;
    ALR_NAME(first) int32_t second;
};
struct ALR_SERVICE ALR_PREFIX("calc_") Calc;
ALR_STATIC(Calc) int32_t calc_add(int32_t a, int32_t b);
ALR_STATIC(Calc) ALR_NAME(add) int32_t calc_plus(int32_t a, int32_t b);
