/* void * without ALR_BYTES */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Blob {
    void *data;
    uint32_t len;
};
