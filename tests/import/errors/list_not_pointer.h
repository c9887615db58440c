/* ALR_LIST on a member that is not a pointer */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Bag {
    ALR_LIST(n) int32_t items;
    uint32_t n;
};
