/* an annotation clang ignores must not vanish silently */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

ALR_STRUCT struct Misplaced { int32_t a; };
