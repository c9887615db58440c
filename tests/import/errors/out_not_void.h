/* a function returning a value and an ALR_OUT parameter */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Store;
ALR_STATIC(Store) int32_t store_get(const char *key, ALR_OUT int64_t *value);
