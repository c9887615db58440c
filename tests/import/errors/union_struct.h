/* ALR_STRUCT on a union */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

union ALR_STRUCT Either {
    int64_t i;
    double d;
};
