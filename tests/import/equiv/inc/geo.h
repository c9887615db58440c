/* Shapes, from a header in another directory. */
#ifndef GEO_H
#define GEO_H

#include <alr/annotate.h>

ALR_PACKAGE("geo.shapes");

typedef enum ALR_ENUM ALR_NAME(Kind) ALR_PREFIX("GEO_") { GEO_circle, GEO_square } geo_kind;

typedef struct ALR_STRUCT ALR_NAME(Shape) geo_shape {
    geo_kind kind;
    ALR_DEFAULT(1.0) double size;
} geo_shape;

/// A drawing surface: its handle travels as ref<geo.shapes.Canvas>.
typedef struct ALR_SERVICE ALR_NAME(Canvas) ALR_PREFIX("geo_canvas_") geo_canvas geo_canvas;

ALR_METHOD(Canvas) void geo_canvas_draw(geo_canvas *self, geo_shape s);

#endif
