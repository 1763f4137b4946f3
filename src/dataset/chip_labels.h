/* What a chip's mask says beyond its pixels: which classes it holds (the multi-label vector of
 * seed 003's classifier) and one point per connected object (seed 000's single-point
 * supervision). Class 0 is background and 255 ignore: neither gets points. */
#ifndef SWATH_DATASET_CHIP_LABELS_H
#define SWATH_DATASET_CHIP_LABELS_H

#include "src/core/error.h"
#include "src/image/components.h"

#include <stdint.h>

/* labels[k] = 1 when some pixel of mask (h, w) is k (k < K); returns 1 when the chip holds a
 * class other than background (0), 0 for a negative chip. */
int sw_chip_classes(uint8_t *labels, const uint8_t *mask, int w, int h, int K);

/* One point per 8-connected region of each class 1..K-1 present (labels from
 * sw_chip_classes): the region's pixel nearest its centroid (ties: first in raster order), as
 * (row, column, class) triples in class order, then raster order of the regions' first pixels.
 * *pts grows as needed (*cap triples); *npts receives the count. */
sw_status sw_chip_points(int32_t **pts, long long *cap, long long *npts, sw_components *cc, int32_t *lab_scratch,
                         const uint8_t *mask, const uint8_t *labels, int w, int h, int K);

#endif
