/* a function with annotations but no service */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

ALR_DEADLINE(100) int32_t lonely(int32_t x);
