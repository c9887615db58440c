/* a member of an enum type without ALR_ENUM */
#include <stdint.h>
#include <alr/annotate.h>

ALR_PACKAGE("errs");

enum Color { red, green };

struct ALR_STRUCT Pixel {
    enum Color color;
};
