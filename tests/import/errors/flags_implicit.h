/* flags values need explicit bits in C */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

enum ALR_FLAGS Perm { perm_read = 1, perm_write = 2, perm_exec };
