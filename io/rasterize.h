/* Vector labels -> class raster windows (for `swath dataset build`): polygons of an OGR layer with
 * a class field, reprojected to the raster's CRS when the two differ (OGRCoordinateTransformation)
 * and burned with GDALRasterizeGeometries into one window at a time, so memory stays bounded by
 * the window and the features that touch it (the layer's spatial filter picks them).
 * Classes: pixels no polygon covers are 0 ("background"); an integer field's values are the class
 * ids; a string field's distinct values get ids 1..n in sorted order, named by the values; an
 * explicit map "VALUE=ID,..." overrides both (features whose value it does not name burn 255,
 * ignore). Polygons burn in layer order (a later feature wins where two overlap). */
#ifndef SWATH_IO_RASTERIZE_H
#define SWATH_IO_RASTERIZE_H

#include "io/chips.h"

typedef struct sw_rasterizer sw_rasterizer;

/* Opens layer `layer` (NULL: the first) of `path` and scans the class field. An unknown field
 * lists the fields the layer has; a value that is not a class id (integer field outside 0..253)
 * names the feature. `class_map` may be NULL. */
sw_status sw_rasterize_open(sw_rasterizer **out, const char *path, const char *layer, const char *field,
                            const char *class_map);
/* Classes K (ids 0..K-1) and their names (K entries, owned by r). */
int sw_rasterize_classes(const sw_rasterizer *r, const char (**names)[SW_CHIPS_CLASS_NAME]);
/* Sets the target grid: the raster `raster_path` (named in errors) with CRS `wkt` (NULL: taken to
 * be the layer's) and geotransform gt, width x height. Labels whose extent does not overlap the
 * raster are an error naming both files and both extents (in the raster's CRS). */
sw_status sw_rasterize_set_grid(sw_rasterizer *r, const char *raster_path, const char *wkt, const double gt[6],
                                int width, int height);
/* Burns window (x, y, w, h) of the grid into out (h, w): 0 background, class ids, 255 ignore. */
sw_status sw_rasterize_window(sw_rasterizer *r, int x, int y, int w, int h, uint8_t *out);
void sw_rasterize_close(sw_rasterizer *r);

#endif
