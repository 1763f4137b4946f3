/* The quicklook's reduced mosaic from the workers' own reads, instead of a second decode of the
 * whole mosaic at the end: each tile of the largest scale reduces the quicklook cells it owns (the
 * cells whose first pixel lies in its crop core: the cores partition the image, so every cell has
 * one owner) from the window it has just read, into its rank's copy of the reduced image; rank 0
 * gathers the copies (cells do not overlap) and reads itself only the windows of tiles that no rank
 * reduced in this run (tiles done before a --resume, failed tiles).
 *
 * Used only where the result is byte for byte what io/image_png.h sw_image_read_reduced_rgb gives
 * (sw_image_reduced_rgb_tiled: Byte bands read as stored, no overviews, integer factors), and
 * where every owned cell lies inside its tile's window (the factor at most the inset of the core:
 * about half the overlap). The cells: GDAL's average of the valid samples of each kx x ky block,
 * the double mean stored as float, rounded to 8 bits; validity at GDAL's nearest pick
 * (x * kx + kx / 2, y * ky + ky / 2). No MPI here (run.c gathers the ranks' copies); only
 * sw_ql_tiles_fill reads, through io/raster.h. */
#ifndef SWATH_RUN_QL_TILES_H
#define SWATH_RUN_QL_TILES_H

#include "src/run/plan.h"

#include <stdint.h>

typedef struct {
    int ow, oh;        /* the reduced size; 0: not built from the tiles */
    int kx, ky;        /* factors: width = ow * kx, height = oh * ky */
    int scale;         /* the largest scale (index into plan->side) */
    uint8_t *img;      /* (oh, ow, 3) */
    uint8_t *valid;    /* (oh, ow) */
    uint8_t *filled;   /* (oh, ow): 1 where a tile reduced the cell in this run */
} sw_ql_tiles;

/* Sets q's geometry for a quicklook of ow x oh over the plan's image when the tiles can build it
 * (integer factors, not both 1; every largest-scale tile's cells inside its window). Returns 1, or
 * 0 with q->ow = 0. Allocates nothing. */
int sw_ql_tiles_geometry(sw_ql_tiles *q, const sw_plan *p, int ow, int oh);
/* Allocates the zeroed buffers (one block: img, then valid, then filled: 5 x ow x oh bytes, for
 * gathering in one message). SW_ERR_RUNTIME when out of memory. */
sw_status sw_ql_tiles_alloc(sw_ql_tiles *q);
void sw_ql_tiles_free(sw_ql_tiles *q);

/* The cells tile t owns: [*cx0, *cx1) x [*cy0, *cy1), empty (cx0 == cx1) unless t is of the
 * largest scale. */
void sw_ql_tiles_cells(const sw_ql_tiles *q, const sw_plan *p, const sw_tile *t, int *cx0, int *cy0, int *cx1, int *cy1);

/* Reduces the cells tile t owns from its window's pixels (t->h, t->w, 3) and validity (t->h, t->w)
 * as sw_raster_read_u8 gives them (invalid pixels 0) into q's buffers, marking them filled. Tiles
 * own disjoint cells, so threads may reduce different tiles at once. */
void sw_ql_tiles_reduce(const sw_ql_tiles *q, const sw_plan *p, const sw_tile *t, const uint8_t *pix, const uint8_t *valid);

/* Rank 0, after gathering: reduces the cells no tile filled in this run from windows it reads
 * itself (`mosaic`, read with io/raster.h): the largest-scale tiles of the plan with an unfilled
 * cell. A window that cannot be read leaves its cells empty (its tile failed: the report says so).
 * Returns the count of windows read. */
int64_t sw_ql_tiles_fill(sw_ql_tiles *q, const sw_plan *p, const char *mosaic);

#endif
