/* An included header with a declaration the wire cannot carry. */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs.inc");

struct ALR_STRUCT Inner {
    int32_t *values;
};
