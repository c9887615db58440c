/* a union member cannot travel */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Value {
    int32_t tag;
    union {
        int64_t i;
        double d;
    } as;
};
