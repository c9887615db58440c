/* a header without ALR_PACKAGE */
#include <alr/annotate.h>

typedef int unrelated;
