/* an unknown type name, reported by clang */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Thing {
    widget_t w;
};
