/* a method of a service that is not declared */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Log;
ALR_STATIC(Logger) void log_flush(void);
