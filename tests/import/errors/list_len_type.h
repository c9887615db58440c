/* the length member must be an integer */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Bag {
    ALR_LIST(count) int32_t *items;
    double count;
};
