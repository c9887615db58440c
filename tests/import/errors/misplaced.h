/* annotations in places they do not belong */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT ALR_OUT Thing {
    ALR_ONEWAY int32_t x;
};
ALR_STRUCT int32_t global_counter;
