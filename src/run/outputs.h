/* The outputs of an inspection run, from its class mask: the defect polygons (DIR/defects.gpkg,
 * and .shp / .geojson on request), the quicklook (DIR/quicklook.png) and the report
 * (DIR/report.json). One entry point for the runtime (rank 0, after the mask is committed). */
#ifndef SWATH_RUN_OUTPUTS_H
#define SWATH_RUN_OUTPUTS_H

#include "src/core/error.h"
#include "src/run/report.h"

#include <stdint.h>

/* A source tile in pixel coordinates of the mask; a feature's `tiles` attribute lists the ids of
 * the tiles whose rectangle intersects the feature's pixel bounding box. */
typedef struct {
    const char *id;
    int64_t x, y, w, h;
} sw_tile_rect;

enum { SW_OUT_GPKG = 1u, SW_OUT_SHP = 2u, SW_OUT_GEOJSON = 4u };
enum { SW_CLUSTER_PX_DEFAULT = 16, SW_CLUSTER_OFF = -1 };

typedef struct {
    const char *mask_path;     /* required: Byte class mask 0..10 (0 background, 255 outside the
                                  footprint), the source CRS and geotransform (DIR/mask.tif) */
    const char *conf_path;     /* Byte confidence 0..255 on the mask's grid, or NULL (mean_conf = -1) */
    const char *mosaic_path;   /* the inspected mosaic (any GDAL raster, same size as the mask) for
                                  the quicklook; NULL: no quicklook */
    const char *out_dir;       /* required; made when missing */
    unsigned formats;          /* SW_OUT_* bits; defects.gpkg is always written */
    int connectivity;          /* 4 or 8 (GDALPolygonize; see io/mask_vectorize.c) */
    int cluster_px;            /* polygons of a clustered class within this many pixels of each other
                                  (bounding-box gap, src/run/cluster.h) become one multipolygon
                                  feature; SW_CLUSTER_OFF: no clustering */
    unsigned cluster_classes;  /* bit c: class c is clustered (default 9 stripe_noise, 10 pixel_missing) */
    const sw_tile_rect *tiles; /* (ntiles) or NULL: `tiles` attributes are empty */
    int64_t ntiles;
    int quicklook_max;         /* longest side of the quicklook image (legend strip excluded) */
    int threads;               /* 2 or more: the quicklook's reads run beside the polygons (default 1) */
    const struct sw_ql_mosaic *mosaic_reduced; /* the mosaic already reduced for the quicklook
                                  (sw_outputs_reduce_mosaic, read early by the runtime), or NULL */
    const char *const *class_names; /* (SW_NCLASSES) names by class id for a job with its own
                                  classes (segment), or NULL (a NULL entry): the defect names */
    sw_report *report;         /* the runtime's part in (may be NULL: a report with only the
                                  outputs' part); the per-class statistics and output paths out */
} sw_outputs_spec;

/* Defaults: GPKG only, 4-connected, cluster_px 16 on classes 9 and 10, quicklook 1024. */
void sw_outputs_spec_init(sw_outputs_spec *s);

/* The quicklook's costly input: the mosaic reduced to fit max_side (a decode of every source
 * block), with validity. It needs no mask, so the runtime reads it on a thread of its own while
 * the tiles are processed. */
typedef struct sw_ql_mosaic {
    int W, H, ow, oh;            /* the mosaic's size, the reduced size */
    uint8_t *img, *valid;        /* (oh, ow, 3), (oh, ow) */
    double seconds;
} sw_ql_mosaic;
sw_status sw_outputs_reduce_mosaic(const char *mosaic_path, int max_side, sw_ql_mosaic *m);
void sw_ql_mosaic_free(sw_ql_mosaic *m);

/* Writes, in this order, each file appearing atomically:
 *   1. DIR/defects.gpkg (layer "defects"; + defects.shp / defects.geojson per `formats`): one
 *      feature per polygon of classes 1..10 (polygons with holes, in the mask's CRS; clustered
 *      classes: one multipolygon per cluster), fields class, class_name, area_m2 (planar, or
 *      ellipsoidal for a geographic CRS), pixels, mean_conf (0..1, -1 without confidence), tiles
 *      (comma-separated tile ids), parts (polygons in the feature);
 *   2. DIR/quicklook.png when mosaic_path is set (src/run/quicklook.h);
 *   3. DIR/report.json (src/run/report.h).
 * Errors name the file: missing / unreadable / mismatched inputs SW_ERR_INPUT, outputs that cannot
 * be written SW_ERR_OUTPUT. Memory: the polygons in pixel-corner form (io/mask_vectorize.h), one
 * bounding box per polygon of a clustered class and the parts of one cluster at a time. */
sw_status sw_outputs_write(const sw_outputs_spec *spec);

/* Step 1 alone (used by sw_outputs_write and the tests): fills report's per-class statistics. */
sw_status sw_outputs_vectorize(const sw_outputs_spec *spec, sw_report *report);
/* Step 2 alone (without the marks of small defects, which need step 1's features). */
sw_status sw_outputs_quicklook(const sw_outputs_spec *spec, sw_report *report);

#endif
