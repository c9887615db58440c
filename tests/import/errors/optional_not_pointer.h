/* ALR_OPTIONAL needs a pointer */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Maybe {
    ALR_OPTIONAL int32_t value;
};
