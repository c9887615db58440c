/* ALR_RESULT needs the error enum as return type */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Store;
ALR_STATIC(Store) ALR_RESULT int store_get(const char *key, ALR_OUT int64_t *value);
