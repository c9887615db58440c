/* a C syntax error, reported by clang */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Broken {
    int32_t x
    int32_t y;
};
