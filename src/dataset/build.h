/* `swath dataset build`: chips.h5 from rasters and labels (a class mask raster on the raster's grid,
 * or vector polygons with a class field, rasterized through GDAL in the raster's CRS). Streams one
 * chip window at a time: memory holds a chip, not the raster. Docs: docs/cli.md, docs/formats.md. */
#ifndef SWATH_DATASET_BUILD_H
#define SWATH_DATASET_BUILD_H

#include "io/chips.h"
#include "io/raster.h"

typedef enum { SW_NEG_KEEP = 0, SW_NEG_DROP, SW_NEG_CAP } sw_negatives;

typedef struct {
    const char *const *rasters;
    int nrasters;
    const char *const *labels;   /* 1 (for every raster) or nrasters */
    int nlabels;
    const char *class_field;     /* set: labels are vectors; NULL: class mask rasters */
    const char *layer;           /* vector layer, NULL: the first */
    const char *class_map;       /* "VALUE=ID,..." or NULL */
    const char *class_names;     /* "name0,name1,..." or NULL */
    int num_classes;             /* K (0: mask rasters: the largest value found + 1; vectors: from the
                                  * field); vectors: at least this many */
    int bands[SW_RASTER_MAX_BANDS], nbands;       /* image bands (nbands 0: the reader's default) */
    int tile, stride, block;     /* block: split block side (0: 4 tiles) */
    double val;
    unsigned long long seed;
    sw_negatives negatives;
    long long neg_cap;           /* SW_NEG_CAP: negatives kept per split, the first in raster order */
    const char *out;
    int rank, nranks;            /* nranks > 1: this rank's share, then rank 0 merges (merge.h) */
} sw_dataset_opts;

typedef struct {
    long long windows;           /* chip windows considered */
    long long chips[2], points[2];
    long long guard;             /* windows dropped in the guard band */
    long long empty;             /* windows without a valid labelled pixel */
    long long negatives[2];      /* negative chips written per split */
    long long negatives_dropped;
    int classes, channels;
} sw_dataset_stats;

sw_status sw_dataset_build(const sw_dataset_opts *o, sw_dataset_stats *stats);

#endif
