/* functions need a prototype */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Log;
ALR_STATIC(Log) void log_flush();
