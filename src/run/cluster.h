/* Groups boxes that lie within a pixel distance of each other (union-find over a grid index), so
 * that thousands of scattered pixel defects become a handful of features. */
#ifndef SWATH_RUN_CLUSTER_H
#define SWATH_RUN_CLUSTER_H

#include "src/core/error.h"

#include <stdint.h>

/* A pixel bounding box: columns x0..x1-1, rows y0..y1-1. */
typedef struct {
    int64_t x0, y0, x1, y1;
} sw_pixbox;

/* The gap between two boxes in pixels: the Chebyshev distance between their pixel sets' boxes,
 * max(gap in x, gap in y), 0 when they overlap or touch (also diagonally). */
int64_t sw_pixbox_gap(const sw_pixbox *a, const sw_pixbox *b);

/* Puts boxes i and j in one group when sw_pixbox_gap <= dist, transitively (single linkage on
 * the box gap: an upper bound of the pixels' own distance, exact for single pixels and
 * rectangles). group[i] (n) gets 0..ngroups-1, numbered in order of each group's first box.
 * O(n log n + pairs sharing a grid cell): each box goes into the cells of a grid it covers once
 * grown by dist/2 + 1 on every side (boxes that would cover many cells are compared with every
 * box instead), and only boxes sharing a cell are compared. dist < 0: every box is its own group. */
sw_status sw_cluster_boxes(const sw_pixbox *box /* (n) */, int64_t n, int64_t dist, int64_t *group /* (n) out */,
                           int64_t *ngroups);

#endif
