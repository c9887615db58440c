/* ALR_LIST names a member that does not exist */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Bag {
    ALR_LIST(count) int32_t *items;
    uint32_t n;
};
