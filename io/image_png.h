/* Small images for people: reduced (overview-aware, decimated) reads of a whole raster, and an
 * RGB buffer written as a PNG through GDAL's PNG driver. Used by the quicklook (src/run/). */
#ifndef SWATH_IO_IMAGE_PNG_H
#define SWATH_IO_IMAGE_PNG_H

#include "src/core/error.h"

#include <stdint.h>

/* Reads the whole of `path` reduced to ow x oh with GDAL's decimated RasterIO (answered from
 * overviews when the file has them): the bands sw_raster_select_bands would choose by default
 * (R, G, B; one band: grey, copied to all three), averaged (GRIORA_Average), as 8-bit with the same
 * stretch as sw_raster_read_u8 (Byte bands copied); valid (oh, ow) or NULL: 1 where the mask band
 * (nodata, alpha, per-dataset mask) says valid, nearest-neighbour. Errors name the file. Files
 * without overviews on the libtiff path (io/raster_tiff.h) at integer factors are read there, each
 * tile decoded once, to the same bytes. */
sw_status sw_image_read_reduced_rgb(const char *path, int ow, int oh, uint8_t *rgb /* (oh,ow,3) */,
                                    uint8_t *valid /* (oh,ow) or NULL */);
/* Band 1 of `path` reduced to ow x oh, nearest neighbour (class ids stay class ids; defects
 * smaller than the reduction factor may be missed). Tiled Byte GeoTIFFs without overviews are read
 * with libtiff (sw_tiff_open_raw), the same picks as GDAL's. */
sw_status sw_image_read_reduced_u8(const char *path, int ow, int oh, uint8_t *out /* (oh,ow) */);
/* Writes rgb (h, w, 3) as an 8-bit RGB PNG at `path`, atomically (PATH.part, then renamed): with
 * libdeflate (level 1, every row Sub-filtered), else (or with SWATH_PNG_GDAL set) through GDAL's
 * PNG driver at zlib level 1; the same pixels either way.
 * Errors name the file (SW_ERR_OUTPUT). */
sw_status sw_image_write_png(const char *path, int w, int h, const uint8_t *rgb /* (h,w,3) */);

#endif
