/* parameters need names */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Calc;
ALR_STATIC(Calc) int32_t calc_add(int32_t, int32_t b);
