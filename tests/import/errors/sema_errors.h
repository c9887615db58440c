/* errors from the common checks (sema) at header positions */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Conf {
    ALR_DEFAULT(300) uint8_t small;
    ALR_MAX_LEN(4) int32_t n;
};
struct ALR_SERVICE Svc;
ALR_STATIC(Svc) ALR_DEADLINE(0) void svc_go(void);
ALR_STATIC(Svc) ALR_ASYNC ALR_STATUS int svc_async_status(void);
