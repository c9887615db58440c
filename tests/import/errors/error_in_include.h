/* an error in an included header is reported at its own position */
#include <alr/annotate.h>
#include "inc/bad.h"

ALR_PACKAGE("errs");

struct ALR_STRUCT Outer { struct Inner in; };
