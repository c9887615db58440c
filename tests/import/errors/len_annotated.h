/* a length member cannot carry annotations */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Bag {
    ALR_LIST(n) int32_t *items;
    ALR_DEFAULT(0) uint32_t n;
};
