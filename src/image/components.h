/* Connected-component labelling with per-component statistics (bounding box, area), 4- or
 * 8-connected, run-based two-pass union-find in O(pixels). Labels are 1..n in raster-scan order
 * of each component's first pixel; 0 is background. */
#ifndef SWATH_IMAGE_COMPONENTS_H
#define SWATH_IMAGE_COMPONENTS_H

#include "src/core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t x, y, w, h; /* bounding box: first column, first row, width, height */
    int64_t area;       /* pixels */
} sw_component;

/* Results and scratch of the labeller; reuse one across calls to avoid reallocation. */
typedef struct {
    int n;              /* components found by the last call */
    sw_component *comp; /* (n) comp[k] describes label k + 1 */
    /* The foreground runs of the last call, in raster order, readable by callers that work on
     * runs rather than a label image (morphology.c): */
    int64_t nrun;
    int32_t *run;       /* (nrun,3) x0, x1 (exclusive), y */
    int32_t *run_label; /* (nrun) label of each run, 1..n */
    size_t cap_run, cap_comp;
} sw_components;

void sw_components_init(sw_components *cc);
void sw_components_free(sw_components *cc);

/* Labels the pixels lo <= img[(y*w+x)*nc + c] <= hi that have valid != 0 (all when valid is
 * NULL). labels may be NULL when only the statistics are wanted. connectivity: 4 or 8. */
sw_status sw_components_label_range(sw_components *cc, int32_t *labels /* (h,w) out or NULL */,
                                    const uint8_t *img /* (h,w,nc) */,
                                    const uint8_t *valid /* (h,w) or NULL */, int w, int h, int nc, int c,
                                    int lo, int hi, int connectivity);

/* Labels a binary image: foreground = bin != 0. */
sw_status sw_components_label(sw_components *cc, int32_t *labels /* (h,w) out or NULL */,
                              const uint8_t *bin /* (h,w) */, int w, int h, int connectivity);

#endif
