/* Raster input and output through GDAL: open any GDAL raster, describe it, read windows of chosen
 * bands as 8-bit with a validity mask; write tiled, compressed BigTIFF GeoTIFFs (and COG copies)
 * that appear atomically. GDAL is used only in io/. */
#ifndef SWATH_IO_RASTER_H
#define SWATH_IO_RASTER_H

#include "src/core/error.h"

#include <stdint.h>

#define SW_RASTER_MAX_BANDS 16  /* bands a window read delivers (R, G, B, or a multispectral model's inputs) */

typedef enum { SW_MASK_NONE = 0, SW_MASK_NODATA, SW_MASK_ALPHA, SW_MASK_BAND } sw_mask_kind;

typedef struct {
    char path[1024];
    char driver[32];          /* GDAL short name: GTiff, VRT, COG files report GTiff */
    int width, height, nbands;
    char dtype[16];           /* GDAL data type name of band 1: Byte, UInt16, Int16, Float32, ... */
    int bits;                 /* 8 or 16 or 32 ... bits per sample of band 1 */
    double gt[6];             /* geotransform; identity-like (0,1,0,0,0,1) when has_gt = 0 */
    int has_gt;
    char *wkt;                /* CRS as WKT, NULL when the file has none */
    char crs_name[128];       /* short CRS name ("WGS 84 / UTM zone 33N"), "" when none */
    int has_nodata;
    double nodata;            /* nodata value of band 1 when has_nodata */
    sw_mask_kind mask_kind;   /* where the validity mask comes from */
    int alpha_band;           /* 1-based alpha band, 0 when none */
    int block_w, block_h;     /* natural block size of band 1 */
    int tiled;                /* 1 when blocks are tiles (not strips) */
    int rgb[3];               /* default R, G, B band numbers (1-based): see sw_raster_select_bands */
    char interp[16][16];      /* colour interpretation name of the first 16 bands */
} sw_raster_info;

typedef struct sw_raster sw_raster;

/* Opens `path` read-only. Errors name the file: missing, not a raster, unsupported. */
sw_status sw_raster_open(sw_raster **out, const char *path);
void sw_raster_close(sw_raster *r);
const sw_raster_info *sw_raster_get_info(const sw_raster *r);
/* Band 1's category name of `value` (GDAL category names: a class mask's class names) into buf;
 * 0 when it has none (no category table, too short, or an empty name). */
int sw_raster_category_name(const sw_raster *r, int value, char *buf, size_t cap);
/* 1 when sw_raster_read_u8 decodes this file's tiles with libtiff directly (io/raster_tiff.c: about
 * 1.5x the speed of GDAL in tests/bench/bench_read.c, same pixels and validity), 0 when GDAL reads
 * it. Chosen once at open, only for tiled pixel-interleaved GeoTIFFs of 3 or 4 Byte bands without
 * nodata whose validity is all valid or GDAL's internal mask IFD; the default, unless SWATH_READER=gdal
 * is in the environment at open (docs/performance.md). */
int sw_raster_fast_path(const sw_raster *r);
/* Threads reading one file: r (opened on the same path as `with`) serves its window reads from
 * with's cache of decoded tiles, so a tile that several threads' windows touch is decoded once
 * (each thread still reads with its own handle). 1 when shared, 0 where it cannot be (GDAL's path,
 * different files): then r keeps its own cache. */
int sw_raster_share_tiles(sw_raster *r, sw_raster *with);
/* 1 when io/image_png.h sw_image_read_reduced_rgb(r's file, ow, oh) averages the samples as
 * stored, which are the samples r's window reads give: the fast path with bands 1, 2, 3 selected,
 * no overviews, integer factors, not 1 x 1. A caller holding full-resolution windows then gets the
 * same image by averaging them itself (src/run/ql_tiles.h). */
int sw_raster_reduced_rgb_tiled(const sw_raster *r, int ow, int oh);
/* Tiles (image and mask) the fast path's window reads have decoded so far: the misses of its cache
 * of decoded tiles; 0 on GDAL's path. For tests and benches. */
int64_t sw_raster_tiles_decoded(const sw_raster *r);

/* Chooses the bands a window read delivers (1-based, 1..SW_RASTER_MAX_BANDS of them). The default
 * is info.rgb, by this rule, first match wins:
 *   1. bands whose colour interpretation is red, green and blue (RGB and RGBA files);
 *   2. bands whose descriptions name red, green and blue as words ("Red", "B4 (red)", ...);
 *   3. 4 or more bands without colour interpretation (Gray / Undefined): 3,2,1, because
 *      multispectral stacks store blue first (Landsat 4-7 TM / ETM+, 4-band BGRN, Sentinel-2
 *      B2,B3,B4,B8 stacks); files with a coastal band first (Landsat 8-9, all 13 Sentinel-2
 *      bands) need explicit bands or band descriptions;
 *   4. exactly 3 bands: 1,2,3;
 *   5. 1 or 2 bands: band 1 alone (info.rgb = 1,1,1; reads deliver one band).
 * A band that does not exist is an error naming the band and the file. */
sw_status sw_raster_select_bands(sw_raster *r, const int *bands, int nbands);
int sw_raster_selected_bands(const sw_raster *r, int *bands);  /* returns the count */

/* Reads the window (x, y, w, h), which may reach past the image edges, as 8-bit pixels:
 *   pix   (h, w, nb) interleaved, nb = selected bands; pixels outside the image or not valid are 0
 *   valid (h, w) or NULL: 1 where the pixel is inside the image and valid: the file's mask band
 *         or alpha band (non-zero = valid), or its nodata values (a pixel is nodata when every
 *         selected band that has a nodata value holds it); NaN samples are never valid
 * Byte bands are copied; other types go through a per-band 2-98 % percentile stretch computed
 * once per handle, for all selected bands together, from a sample that excludes invalid pixels:
 * a decimated read of the whole image (at most 1024 x 1024, from overviews when there are some),
 * or for large tiled files without overviews 64 blocks spread over the image. A window that does
 * not overlap the image at all, or has w or h <= 0, is an error naming the window and the file.
 * Thread-safe: each thread may read with its own sw_raster handle (open one per thread). */
sw_status sw_raster_read_u8(sw_raster *r, int64_t x, int64_t y, int w, int h, uint8_t *pix, uint8_t *valid);

/* Only the validity of the window, as `valid` of sw_raster_read_u8 (same window rules). When the
 * validity comes from a mask or alpha band, or the file has none, no colour band is read (much
 * cheaper: the footprint scan of `swath run`'s plan); with nodata values or float bands it reads
 * the bands through sw_raster_read_u8. */
sw_status sw_raster_read_valid(sw_raster *r, int64_t x, int64_t y, int w, int h, uint8_t *valid);

/* Which cell x cell cells of the image hold a valid pixel (validity as sw_raster_read_valid):
 * cells (ceil(height / cell), ceil(width / cell)), 1 or 0; the cells of the last row and column
 * are cut at the image edges. On the libtiff fast path it reads the 1-bit mask IFD's tiles (or
 * answers at once when every pixel is valid), else full-resolution validity strips through GDAL;
 * both give the same cells (tests/unit/test_raster_cells.c). The scan of `swath run`'s plan. */
sw_status sw_raster_valid_cells(sw_raster *r, int cell, uint8_t *cells);

/* The stretch used for band b (1-based): out = clamp((v - lo) * 255 / (hi - lo)). Byte bands
 * report lo = 0, hi = 255. */
sw_status sw_raster_stretch(sw_raster *r, int band, double *lo, double *hi);

/* ---- writing ---- */

typedef struct {
    int width, height, nbands;
    const char *dtype;       /* "Byte" (default when NULL), "UInt16", "UInt32", "Float32" */
    double gt[6];
    const char *wkt;         /* CRS, may be NULL */
    int tile;                /* tile side, default 512 */
    const char *compress;    /* "DEFLATE" (default), "LZW", "ZSTD", "NONE": lossless only */
    int has_nodata;
    double nodata;
    int mask;                /* 1: write an internal per-dataset mask band (validity) */
    int rgb;                 /* 1: mark bands 1..3 as red, green, blue (photometric RGB) */
    const uint8_t (*palette)[4];  /* colour table of band 1 (Byte, one band): RGBA of values
                                     0..npalette-1, the others transparent; NULL: none */
    int npalette;
    const char *const *class_names;  /* category names of band 1's values 0..nclass_names-1 (GDAL
                                        category names: QGIS and gdalinfo show them); NULL: none */
    int nclass_names;
} sw_raster_spec;

typedef struct sw_raster_writer sw_raster_writer;

/* Creates `path` aside (as `path`.part) as a tiled, compressed BigTIFF GeoTIFF (pixel interleaved,
 * PREDICTOR 2 for integers / 3 for floats). A folder that does not exist or cannot be written is an
 * error naming it (SW_ERR_OUTPUT); a bad type, tile or compression is SW_ERR_USAGE; spec.wkt may
 * be WKT, "EPSG:n" or PROJJSON (invalid: SW_ERR_INPUT). */
sw_status sw_raster_create(sw_raster_writer **out, const char *path, const sw_raster_spec *spec);
/* Writes a block of pixels at (x, y): data (h, w, nbands) interleaved in the spec's data type;
 * mask (h, w) or NULL (validity, non-zero = valid; NULL = all valid; only with spec.mask; parts
 * never written read back as invalid). Blocks may have any size and position; GDAL's block cache
 * (sw_raster_configure) holds partly written tiles, so write in tile-aligned blocks or in row order
 * and keep the cache larger than the tile rows in progress. One-band, mask-less writes of whole
 * tiles (edge tiles cut at the image border) go straight to the file, compressed at once, until a
 * write goes through the cache. */
sw_status sw_raster_write(sw_raster_writer *wr, int x, int y, int w, int h, const void *data,
                          const uint8_t *mask);
/* Finishes the file and renames it into place. With cog_path set, also writes a Cloud Optimized
 * GeoTIFF copy there (atomically, with overviews: nearest for integer class maps, average for RGB
 * and floats); if only the COG fails, the GeoTIFF stays committed and the error names the COG. The
 * writer is freed in every case. */
sw_status sw_raster_commit(sw_raster_writer *wr, const char *cog_path);
/* Drops the partial file; the writer is freed. */
void sw_raster_abort(sw_raster_writer *wr);

/* GDAL's block cache size (bytes) and thread count for this process (from its share of the node). */
void sw_raster_configure(int64_t cache_bytes, int threads);
/* GDAL's version string, for `swath --version`. */
const char *sw_raster_gdal_version(void);

#endif
