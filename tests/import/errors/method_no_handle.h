/* an instance method without the handle */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Counter;
ALR_METHOD(Counter) uint32_t counter_get(uint32_t id);
