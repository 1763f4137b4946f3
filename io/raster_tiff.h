/* Private to io/: the libtiff fast path of sw_raster_read_u8 (io/raster_tiff.c). It decodes the
 * tiles a window touches with TIFFReadEncodedTile and applies GDAL's internal 1-bit mask, for the
 * GeoTIFFs where that gives exactly GDAL's pixels and validity (about 2x faster than GDAL's RasterIO,
 * docs/performance.md). GDAL stays the reader for every other file. */
#ifndef SWATH_IO_RASTER_TIFF_H
#define SWATH_IO_RASTER_TIFF_H

#include "src/core/error.h"

#include <gdal.h>

#include <stddef.h>
#include <stdint.h>

typedef struct sw_tiff sw_tiff;

/* The fast path for `path`, already open in GDAL as `ds`, or NULL when it would not read exactly as
 * GDAL (the conditions are in raster_tiff.c), unless $SWATH_READER is "tiff" (opt-in), or when libtiff cannot
 * open it. NULL is not an error: the caller reads through GDAL. */
sw_tiff *sw_tiff_open(GDALDatasetH ds, const char *path);
void sw_tiff_close(sw_tiff *t);

/* Reads the window (x, y, w, h), inside the image, of bands sel[0..nb) (1-based):
 *   pix  (h, w, nb) interleaved, rows `line` bytes apart; invalid pixels 0
 *   v    (h, w) validity, rows `vline` bytes apart, already 1 inside the window: cleared where the
 *        internal mask says invalid; may be NULL only when the file has no mask.
 * Errors name the window, the tile and the file. */
sw_status sw_tiff_read(sw_tiff *t, int x, int y, int w, int h, const int *sel, int nb, uint8_t *pix, size_t line,
                       uint8_t *v, size_t vline);

#endif
