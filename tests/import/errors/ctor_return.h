/* a constructor must return the handle */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Counter;
ALR_CTOR(Counter) int counter_new(uint32_t start);
