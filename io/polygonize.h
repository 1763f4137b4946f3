/* Polygons of the equal-valued regions of an integer raster, through GDAL's GDALPolygonize, in
 * the raster's georeferenced coordinates, handed out in increasing order of value so a caller can
 * group them (for example into one multipolygon per instance) without holding them all. */
#ifndef SWATH_IO_POLYGONIZE_H
#define SWATH_IO_POLYGONIZE_H

#include "io/vector.h"
#include "src/core/error.h"

#include <stdint.h>

/* Called once per polygon; the polygon's memory is valid during the call only. A status other
 * than SW_OK stops the walk and is returned. */
typedef sw_status (*sw_polygon_fn)(void *ctx, int64_t value, const sw_polygon *poly);

/* Polygonizes band 1 of the integer raster `path`: 4-connected regions of equal value, pixels
 * that are invalid by the band's mask (nodata value) skipped. Calls fn for every polygon in
 * increasing order of value (polygons of one value in GDAL's order). progress (may be NULL) gets
 * the fraction done. Memory: GDAL keeps every polygon of the raster until the walk ends. Errors
 * name the file. */
sw_status sw_polygonize(const char *path, sw_polygon_fn fn, void *ctx, void (*progress)(double frac, void *pctx),
                        void *pctx);

#endif
