/* flexible array members */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Packet {
    uint32_t len;
    uint8_t data[];
};
