/* a non-const struct pointer parameter */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Item { int32_t id; };
struct ALR_SERVICE Store;
ALR_STATIC(Store) void store_put(struct Item *item);
