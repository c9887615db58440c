/* a broken annotation macro call, reported by clang */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Thing {
    ALR_MAX_LEN(4, 5) const char *x;
};
