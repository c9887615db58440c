/* function pointers cannot travel */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Callback {
    void (*fn)(void *user, int32_t code);
};
