/* ALR_BYTES needs a byte pointer */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Data {
    ALR_BYTES(n) int32_t *words;
    uint32_t n;
};
