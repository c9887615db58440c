/* char arrays are not strings */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Name {
    char text[32];
};
