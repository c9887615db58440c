/* The smallest ALR service as a C header: one call, one reply. */
#ifndef GREETER_H
#define GREETER_H

#include <alr/annotate.h>

/// The smallest ALR service: one call, one reply.
ALR_PACKAGE("greeter");

struct ALR_SERVICE Greeter;

/// Returns "Hello, <name>!".
ALR_STATIC(Greeter) ALR_NAME(say_hello) const char *greeter_say_hello(const char *name);

#endif
