/* Two packages in one header, types from an included header in a third. */
#ifndef PACKAGES_H
#define PACKAGES_H

#include <stdint.h>

#include <alr/annotate.h>

#include "inc/geo.h"

ALR_PACKAGE("app.model");

/// A layer of shapes.
struct ALR_STRUCT Layer {
    const char *title;
    ALR_LIST(nshapes) geo_shape *shapes;
    uint32_t nshapes;
    ALR_DEFAULT(GEO_square) geo_kind default_kind;
};

ALR_PACKAGE("app.api");

struct ALR_STRUCT Scene {
    ALR_LIST(nlayers) struct Layer *layers;
    uint32_t nlayers;
    geo_canvas *target;
};

/// Edits scenes.
struct ALR_SERVICE ALR_PREFIX("editor_") Editor;
struct ALR_SERVICE ALR_PREFIX("viewer_") Viewer;

ALR_STATIC(Editor) struct Scene editor_open(const char *path);
ALR_STATIC(Editor) void editor_render(struct Scene s, geo_canvas *on);
ALR_STATIC(app.api.Editor) geo_canvas *editor_canvas(void);
ALR_CTOR(Editor) struct Editor *editor_new(ALR_DEFAULT("untitled.scene") const char *path);
ALR_METHOD(Editor) void editor_add(struct Editor *self, const struct Layer *layer);
ALR_STATIC(Viewer) struct Editor *viewer_editor_of(const char *path);

#endif
