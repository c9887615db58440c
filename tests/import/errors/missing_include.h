/* a missing include, reported by clang */
#include <alr/annotate.h>
#include "not_there.h"

ALR_PACKAGE("errs");
