/* a malformed annotation */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Thing {
    ALR_ANNOTATION(max_len(4,)) const char *x;
};
