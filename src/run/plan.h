/* The tile plan of a run (rank 0 builds it, every rank holds it): tile grids per scale with
 * shifted last tiles, tiles without a valid pixel skipped, locality order; and the output blocks
 * the reducers own, with the tiles that touch each. */
#ifndef SWATH_RUN_PLAN_H
#define SWATH_RUN_PLAN_H

#include "io/raster.h"
#include "io/store.h"
#include "src/run/config.h"

#include <stdint.h>

/* A tile: id = its index in plan->tiles, which is the scheduling order; scale = index into
 * cfg->scales; x, y, w, h = its window in image pixels. The same row as run.h5's /tiles. */
typedef sw_store_tile sw_tile;

typedef struct {
    int width, height;
    int nscales;
    int side[SW_RUN_MAX_SCALES];     /* tile side per scale (clamped to the image) */
    int ovl[SW_RUN_MAX_SCALES];      /* overlap in pixels per scale: round(overlap * side) */
    int block;                       /* output block side */
    int nbx, nby;                    /* output blocks across and down */
    sw_tile *tiles;                  /* (ntiles) */
    int64_t ntiles;
    int64_t nskipped;                /* tiles of the full grids without a valid pixel */
    /* Spatial index (sw_plan_index): per scale, the tile id at each grid position, -1 skipped. */
    int gnx[SW_RUN_MAX_SCALES], gny[SW_RUN_MAX_SCALES];
    int32_t *grid[SW_RUN_MAX_SCALES];
} sw_plan;

/* Origins of the tiles along one axis of `extent` pixels for tiles of `side` with `ovl` overlap:
 * 0, s, 2s, ... (s = side - ovl), the last one shifted to end at the border. Returns the count;
 * writes up to cap origins (origins may be NULL to count). */
int sw_grid_origins(int extent, int side, int ovl, int *origins, int cap);
/* The crop core [lo, hi) of the tile at origin `o` on that axis: the pixels nearer its centre
 * than any neighbour's (cut at the middle of each overlap); the cores partition [0, extent). */
void sw_grid_core(int extent, int side, int ovl, int o, int *lo, int *hi);

/* Builds the plan: reads the validity of the whole image once in strips (exact: a tile is skipped
 * only when it has no valid pixel), orders tiles by scale (largest first) then along a Morton curve. */
sw_status sw_plan_build(sw_plan *p, const sw_run_config *cfg, sw_raster *r);
/* Fills the derived fields (side, ovl, nbx, nby) from the size and the config; tiles untouched. */
void sw_plan_geometry(sw_plan *p, const sw_run_config *cfg, int width, int height);
void sw_plan_free(sw_plan *p);

/* Builds the spatial index from the tiles (every rank, once the tiles are known). */
sw_status sw_plan_index(sw_plan *p);
/* The ids of the tiles whose window intersects the rectangle, ascending, into out (cap entries;
 * sw_plan_max_tiles_in(p, w, h) is always enough for a w x h rectangle). Returns the count. */
int sw_plan_tiles_in(const sw_plan *p, int x, int y, int w, int h, uint32_t *out, int cap);
int sw_plan_max_tiles_in(const sw_plan *p, int w, int h);

/* The blocks a tile touches: bx0..bx1, by0..by1 inclusive. */
void sw_plan_tile_blocks(const sw_plan *p, const sw_tile *t, int *bx0, int *by0, int *bx1, int *by1);
/* The pixel rectangle of block (bx, by). */
void sw_plan_block_rect(const sw_plan *p, int bx, int by, int *x, int *y, int *w, int *h);
/* How many tiles touch each block: counts (nby * nbx), caller-allocated. */
void sw_plan_block_contributors(const sw_plan *p, uint32_t *counts);

#endif
