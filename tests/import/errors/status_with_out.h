/* ALR_STATUS carries no value */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

enum ALR_ENUM Err { ok, failed };
struct ALR_SERVICE Store;
ALR_STATIC(Store) ALR_STATUS enum Err store_get(const char *key, ALR_OUT int64_t *value);
