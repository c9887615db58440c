/* a pointer without an annotation */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

struct ALR_STRUCT Node {
    int32_t value;
    struct Node *next;
};
