/* Binary morphology for post-processing class masks (seed-algorithms 4.7), matching scikit-image:
 * dilation by a disk, remove_small_holes, remove_small_objects. Masks are 0 / nonzero in, 0 / 1 out. */
#ifndef SWATH_IMAGE_MORPHOLOGY_H
#define SWATH_IMAGE_MORPHOLOGY_H

#include "src/core/error.h"
#include "src/image/components.h"

#include <stdint.h>

/* out = in dilated by skimage.morphology.disk(radius): offsets dx^2 + dy^2 <= radius^2, pixels
 * outside the image count as 0 (radius 2 is the 13-pixel 5x5 disk). out must not alias in. */
void sw_mask_dilate_disk(uint8_t *out /* (h,w) */, const uint8_t *in /* (h,w) */, int w, int h, int radius);

/* skimage.morphology.remove_small_objects(mask, min_size, connectivity): foreground components
 * with area < min_size are cleared (strictly less; min_size may be fractional, e.g. thr*H*W).
 * connectivity 1 = 4-connected, 2 = 8-connected, as in skimage. cc is scratch (may be NULL). */
sw_status sw_mask_remove_small_objects(uint8_t *mask /* (h,w) in/out */, sw_components *cc, int w, int h,
                                       double min_size, int connectivity);

/* skimage.morphology.remove_small_holes(mask, area_threshold, connectivity): background
 * components with area < area_threshold are filled. As in skimage (0.19), this includes
 * background regions that touch the image border: a hole is any small background component. */
sw_status sw_mask_remove_small_holes(uint8_t *mask /* (h,w) in/out */, sw_components *cc, int w, int h,
                                     double area_threshold, int connectivity);

#endif
