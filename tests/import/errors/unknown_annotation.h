/* unknown annotations and bad arguments (sema) */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Thing {
    ALR_ANNOTATION(colour(red)) const char *y;
    ALR_EVOLVE(write = sometimes) const char *z;
};
