/* enumerators must start with the enum's ALR_PREFIX */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

enum ALR_ENUM ALR_PREFIX("COLOR_") Color { COLOR_red, COLOR_green, BLUE, COLOR_1st };
