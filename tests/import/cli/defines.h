/* Command-line test: -D, flags after --, --compile-commands reach clang. */
#include <stdint.h>

#include <alr/annotate.h>

#ifndef ALR_IMPORT
#error "alrc defines ALR_IMPORT when it reads a header"
#endif

ALR_PACKAGE("defines");

struct ALR_STRUCT Sample {
    int32_t always;
#ifdef WITH_EXTRA
    EXTRA_TYPE extra;
#endif
};
