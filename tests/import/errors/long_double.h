/* long double has no ALR type */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Precise {
    long double value;
};
