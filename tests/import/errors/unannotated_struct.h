/* a member of a struct type without ALR_STRUCT */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct Point { int32_t x, y; };

struct ALR_STRUCT Line {
    struct Point from;
    struct Point to;
};
