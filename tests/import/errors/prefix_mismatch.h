/* a function without the service's prefix */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE ALR_PREFIX("counter_") Counter;
ALR_STATIC(Counter) uint32_t count_all(void);
