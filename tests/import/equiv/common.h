/* Types shared by every service of the city guide. */
#ifndef COMMON_H
#define COMMON_H

#include <alr/annotate.h>

ALR_PACKAGE("common");

/// A point on the map, in degrees.
struct ALR_STRUCT Location {
    double latitude;
    double longitude;
};

/** A rectangle on the map. */
typedef struct ALR_STRUCT {
    struct Location north_west;
    struct Location south_east;
} Area;

#endif
