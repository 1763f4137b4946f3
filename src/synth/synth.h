/* Synthetic data with exact ground truth. `swath synth defects`: a georeferenced RGB orthophoto
 * mosaic with an irregular footprint and the ten defect types of seed 003, its truth raster and
 * one polygon per defect instance (docs/synth.md). */
#ifndef SWATH_SYNTH_H
#define SWATH_SYNTH_H

#include "jobs/defect_classes.h"
#include "src/core/error.h"

#include <stdint.h>

typedef struct {
    int64_t width, height;    /* pixels */
    uint64_t seed;
    const char *out_dir;      /* created when missing */
    const char *crs;          /* WKT, EPSG:n or PROJJSON; projected or geographic */
    double gsd;               /* pixel size in CRS units; 0: 1 m, or 1e-5 degrees for geographic */
    double origin_x, origin_y;   /* upper-left corner in CRS units */
    int has_origin;           /* 0: a default origin for the CRS kind (docs/synth.md) */
    double density;           /* multiplier of the default instance rates */
    int density_set;          /* 1: --density was given (0: the default, whose stitching patches are capped) */
    int counts[SW_NCLASSES];  /* per class (1..10): >= 0 overrides the density; -1 = from density */
    const char *background;   /* optional real image mixed under the procedural texture */
    double bg_scale;          /* mosaic pixels per background pixel; 0: automatic */
    double bg_mix;            /* weight of the background, 0..1 */
    int tile;                 /* block side for streaming and GeoTIFF tiles (multiple of 16) */
    double sun_azimuth, sun_elevation;   /* degrees; NaN: drawn from the seed */
    double seam_band;         /* truth half-width around stitching seamlines, pixels */
    int keep_instances;       /* also keep instances.tif (UInt32 instance id per pixel) */
} sw_synth_defects_params;

typedef struct {
    int64_t instances[SW_NCLASSES];   /* instances drawn per class */
    int64_t features[SW_NCLASSES];    /* instances visible in the truth (polygons written) */
    int64_t pixels[SW_NCLASSES];      /* truth pixels per class (0: clean pixels in the footprint) */
    double area_m2[SW_NCLASSES];      /* ground area per class */
    int64_t outside;                  /* pixels outside the footprint */
    double pixel_area_m2;             /* ground area of one pixel (at the centre for geographic) */
    double sun_azimuth, sun_elevation;
    double seconds, seconds_render, seconds_polygons;
} sw_synth_defects_summary;

/* Fills the defaults (4096 x 4096, seed 1, EPSG:32650, density 1, tile 512, band 8 px, ...). */
void sw_synth_defects_defaults(sw_synth_defects_params *p);

/* Writes out_dir/mosaic.tif, truth.tif and truth.gpkg (each appears atomically). Memory is
 * O(width x tile) plus the instances and the polygons of one instance. */
sw_status sw_synth_defects(const sw_synth_defects_params *p, sw_synth_defects_summary *sum);

#endif
