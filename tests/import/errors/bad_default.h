/* a default that is not .alr syntax */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Conf {
    ALR_DEFAULT(10u) uint32_t retries;
    ALR_DEFAULT('x') int8_t letter;
};
