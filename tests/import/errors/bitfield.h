/* bit-fields cannot travel */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Packed {
    uint32_t kind : 4;
    uint32_t rest : 28;
};
