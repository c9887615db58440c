/* a pointer return value needs an annotation */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Item { int32_t id; };
struct ALR_SERVICE Store;
ALR_STATIC(Store) struct Item *store_first(void);
