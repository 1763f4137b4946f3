/* Blending windows as integer weights, so that sums of weight x score are exact and the same in
 * any order (the output does not depend on the rank count). A tile's weight at (i, j) is
 * wx[i] * wy[j]; invalid pixels weigh 0 (the reducer applies that). */
#ifndef SWATH_RUN_BLEND_H
#define SWATH_RUN_BLEND_H

#include "src/run/config.h"

#include <stdint.h>

#define SW_BLEND_WMAX 64   /* largest 1-D weight: a product fits 12 bits */

/* The 1-D weights of the tile at origin `o` (len pixels) on an axis of `extent` pixels, for
 * tiles of `side` with `ovl` pixels of overlap:
 *   crop    1 inside the tile's crop core (sw_grid_core), 0 outside;
 *   mean    1 everywhere;
 *   linear  1 + 63 d / ovl over the first ovl pixels from an inner edge (d = distance), else 64;
 *   cosine  1 + 63 (1 - cos(pi (d + 0.5) / ovl)) / 2, rounded, over the same ramp, else 64.
 * Edges on the image border do not ramp (no neighbour there). */
void sw_blend_axis(sw_blend b, int extent, int side, int ovl, int o, int len, uint16_t *w /* (len) */);

#endif
