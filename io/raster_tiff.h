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
 * GDAL (the conditions are in raster_tiff.c), when $SWATH_READER is "gdal" (the reference path), or
 * when libtiff cannot open it. NULL is not an error: the caller reads through GDAL. */
sw_tiff *sw_tiff_open(GDALDatasetH ds, const char *path);
/* A handle for raw sample reads only (sw_tiff_reduce_nearest): tiled GeoTIFFs of 1 to 4 Byte bands,
 * pixel interleaved, photometric MINISBLACK, RGB or PALETTE (indices), whatever their nodata or
 * mask (GDAL's nearest read ignores both); NULL where GDAL must read (or SWATH_READER=gdal). */
sw_tiff *sw_tiff_open_raw(GDALDatasetH ds, const char *path);
void sw_tiff_close(sw_tiff *t);
/* From now on t's window reads use from's cache of decoded tiles (each handle keeps its own libtiff
 * handles, so each thread reads with its own: a tile is decoded once, by the first thread that
 * needs it). Both open on the same file. Returns 1, or 0 (nothing changed) when the files differ. */
int sw_tiff_share(sw_tiff *t, sw_tiff *from);
/* Image and mask tiles sw_tiff_read has decoded so far (cache misses; with sw_tiff_share, by all
 * the handles sharing the cache). */
int64_t sw_tiff_decoded(const sw_tiff *t);

/* Reads the window (x, y, w, h), inside the image, of bands sel[0..nb) (1-based):
 *   pix  (h, w, nb) interleaved, rows `line` bytes apart; invalid pixels 0
 *   v    (h, w) validity, rows `vline` bytes apart, already 1 inside the window: cleared where the
 *        internal mask says invalid; may be NULL only when the file has no mask.
 * Errors name the window, the tile and the file. */
sw_status sw_tiff_read(sw_tiff *t, int x, int y, int w, int h, const int *sel, int nb, uint8_t *pix, size_t line,
                       uint8_t *v, size_t vline);

/* 1 when sw_tiff_valid_cells can summarize cells of `cell` pixels: a multiple of 8 (whole bytes of
 * the 1-bit mask). */
int sw_tiff_cells_supported(const sw_tiff *t, int cell);
/* cells (ceil(H / cell), ceil(W / cell)): 1 where the cell x cell cell (cut at the image edges)
 * holds a valid pixel, else 0, from the mask IFD's tiles (each decoded once), or all 1 at once
 * without a mask: exactly what GDAL's mask band gives (the plan's scan, src/run/plan.c). */
sw_status sw_tiff_valid_cells(sw_tiff *t, int cell, uint8_t *cells);
/* The whole image reduced by integer factors (kx, ky dividing W, H) to ow = W / kx by oh = H / ky,
 * as GDAL's decimated RasterIO with GRIORA_Average gives it, each tile decoded once. Output row oy
 * (0 .. oh-1, in order) goes to emit(ctx, oy, row): row (ow, nb) floats, band sel[b] (1-based) at
 * row[o * nb + b]: the double mean of the valid samples of each kx x ky block stored as float, 0
 * where none is valid; with kx = ky = 1 every sample as stored (GDAL's plain read ignores the mask).
 *   valid (oh, ow) or NULL: the mask at GDAL's nearest-neighbour pick, floor((i + 0.5) * k).
 * The caller keeps GDAL where overviews would answer (cheaper there). Errors name the tile and file. */
typedef void (*sw_tiff_row_fn)(void *ctx, int oy, const float *row);
int sw_tiff_reduce_supported(const sw_tiff *t, int kx, int ky);   /* factors divide, mask tiles = image tiles */
sw_status sw_tiff_reduce_average(sw_tiff *t, int kx, int ky, const int *sel, int nb, sw_tiff_row_fn emit, void *ctx,
                                 uint8_t *valid);
/* Band `band` (1-based) of the whole image reduced to ow x oh as GDAL's nearest-neighbour decimated
 * RasterIO picks it (source floor((i + 0.5) * n / out)): each tile holding a pick decoded once. The
 * caller keeps GDAL where overviews would answer. */
sw_status sw_tiff_reduce_nearest(sw_tiff *t, int band, int ow, int oh, uint8_t *out /* (oh, ow) */);

#endif
