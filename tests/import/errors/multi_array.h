/* arrays of arrays */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Matrix {
    double m[3][3];
};
