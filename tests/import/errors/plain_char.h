/* plain char is neither a number nor a string */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Letter {
    char c;
};
