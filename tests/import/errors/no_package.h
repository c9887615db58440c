/* annotated declarations before any ALR_PACKAGE */
#include <stdint.h>
#include <alr/annotate.h>

struct ALR_STRUCT Early { int32_t x; };

ALR_PACKAGE("late");

struct ALR_STRUCT Later { int32_t y; };
