/* Polygons of a class mask (Byte, classes 1..254; 0 background and 255 nodata are not
 * vectorized): one streaming pass finds the connected regions (class, pixels, confidence sum,
 * bounding box), then GDALPolygonize traces them window by window around the regions; the
 * polygons are held in memory (pixel-corner coordinates) and handed out in order or by id. The
 * caller (src/run/outputs.c) groups and writes them. */
#ifndef SWATH_IO_MASK_VECTORIZE_H
#define SWATH_IO_MASK_VECTORIZE_H

#include "io/vector.h"
#include "src/core/error.h"

#include <stdint.h>

typedef struct {
    const char *mask_path;  /* band 1: Byte class ids; 0 and 255 are skipped */
    const char *conf_path;  /* band 1: Byte confidence 0..255 on the mask's grid, or NULL */
    int connectivity;       /* 4 (default when 0; gdal_polygonize's default) or 8 */
    int window_cell;        /* grouping cell of the polygonize windows in pixels; 0: the default (tests
                               set it to 1..8 to put region edges on many window edges) */
} sw_mask_vec_spec;

typedef struct {
    int width, height;
    double gt[6];
    char *wkt;             /* the mask's CRS (NULL: none) */
    int geographic;        /* 1: area_m2 is ellipsoidal (see mask_vectorize.c), else planar */
    double unit_m;         /* metres per linear unit for a projected CRS (1 when none) */
    double pixel_area_m2;  /* planar pixel area in m2 (projected); 0 for geographic */
    int64_t npolys;        /* polygons (connected regions of classes 1..254) */
    int64_t nruns;         /* runs of equal class found by the scan */
    int64_t nwindows;      /* GDALPolygonize calls */
    int64_t window_pixels; /* pixels of all windows together */
    int inflated;          /* rasters whose blocks were inflated here, not by GDAL (0..2; mask_vectorize.c) */
    double seconds_scan;   /* reading the mask (and confidence) and labelling the regions */
    double seconds_polygonize;
} sw_mask_vec_info;

typedef struct {
    int64_t id;             /* 1..npolys, in raster order of each polygon's first pixel */
    int cls;
    int64_t pixels;         /* pixels of the polygon (holes excluded) */
    double area_m2;         /* planar (projected CRS, in m2) or ellipsoidal (geographic CRS) */
    double conf_sum;        /* sum of confidence over its pixels; -1 without a confidence raster */
    int64_t x0, y0, x1, y1; /* pixel bounding box, x1 and y1 exclusive */
    sw_polygon poly;        /* outer ring + holes in the mask's CRS: valid until the next call */
} sw_mask_poly;

typedef struct sw_mask_vec sw_mask_vec;

/* Finds and polygonizes the regions of the mask. Memory: the runs of equal class (20 bytes
 * each), the polygons' vertices, strips of whole rows of the mask and confidence, and the label
 * raster of one window (one byte per pixel of a window of up to 255 regions; a region larger than
 * 4 Mpx gets a window of its own). Errors name the file(s): missing or unreadable (SW_ERR_INPUT),
 * not Byte, confidence on another grid (SW_ERR_INPUT). */
sw_status sw_mask_vec_open(sw_mask_vec **out, const sw_mask_vec_spec *spec);
const sw_mask_vec_info *sw_mask_vec_get_info(const sw_mask_vec *v);
/* The next polygon in id order; *done = 1 (and nothing in *p) after the last. */
sw_status sw_mask_vec_next(sw_mask_vec *v, sw_mask_poly *p, int *done);
/* The polygon with this id (1..npolys), with everything sw_mask_vec_next gives. */
sw_status sw_mask_vec_get(sw_mask_vec *v, int64_t id, sw_mask_poly *p);
/* Frees everything. NULL is a no-op. */
void sw_mask_vec_close(sw_mask_vec *v);

/* Ellipsoidal area (m2) of a ring of (lon, lat) degrees on the ellipsoid (a, 1/f), exact for
 * edges along parallels and meridians (pixel edges), see mask_vectorize.c. Always >= 0. */
double sw_ring_area_ellipsoidal(const double *xy, int npts, double a, double inv_f);

#endif
