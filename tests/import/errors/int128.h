/* integers wider than 64 bits */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Wide {
    __int128 big;
};
