/* a service handle used by value */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_SERVICE Peer { int32_t opaque; };
struct ALR_STRUCT Msg { struct Peer peer; };
