/* Train / val split of a raster into spatially disjoint areas (seed 002, III-B: 80 / 20, disjoint
 * sets): the raster is cut into square blocks, a seeded shuffle marks round(val * blocks) of them
 * validation (at least one when val > 0 and there are two blocks or more), and a chip window goes
 * to the split whose blocks hold it entirely. Windows that straddle a train / val boundary are
 * dropped: that guard band, one tile wide along every boundary, keeps every val pixel out of the
 * training chips. */
#ifndef SWATH_DATASET_SPLIT_H
#define SWATH_DATASET_SPLIT_H

#include "src/core/error.h"

#include <stdint.h>

typedef struct {
    int width, height, block, nbx, nby, nval;
    uint8_t *is_val;   /* (nby, nbx) 1 = validation block */
} sw_split_plan;

sw_status sw_split_plan_make(sw_split_plan *p, int width, int height, int block, double val,
                             unsigned long long seed);
void sw_split_plan_free(sw_split_plan *p);
/* The split of window (x, y, w, h): 0 train, 1 val, -1 straddles both (guard band, dropped). */
int sw_split_window(const sw_split_plan *p, int x, int y, int w, int h);

/* Tile origins along one axis of `size` pixels: 0, stride, 2 stride, ... while the tile fits, plus
 * size - tile when the last one does not end at the edge (so the whole axis is covered). Writes
 * them to pos (NULL: count only) and returns the count (0 when size < tile). */
int sw_tile_positions(int size, int tile, int stride, int *pos);

#endif
