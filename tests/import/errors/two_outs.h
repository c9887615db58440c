/* a method returns one value */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Store;
ALR_STATIC(Store) void store_pair(ALR_OUT int64_t *a, ALR_OUT int64_t *b);
