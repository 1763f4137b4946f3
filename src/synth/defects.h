/* The look of each defect type (seed 003, Figure 1): blob shapes, cloud opacity and colour,
 * the stretching and distortion remaps, spectral overflow colours, stripe and missing-pixel
 * tests. Pure functions of an instance and a position (docs/synth.md, "Defect models"). */
#ifndef SWATH_SYNTH_DEFECTS_H
#define SWATH_SYNTH_DEFECTS_H

#include "src/synth/scene.h"

#include <stdint.h>

/* Blob inside score s (>= 0 inside; see sw_blob) and blend weight smoothstep(-soft, soft, s). */
float sw_blob_score(const sw_blob *b, uint64_t key, double x, double y);
float sw_blob_weight(const sw_blob *b, float s);

/* Cloud density score (>= 0 where there is cloud at all), and its shape in [0, 1]:
 * smoothstep(0, soft, score). Opacity is amax * shape. */
float sw_cloud_score(const sw_inst *c, double x, double y);
float sw_cloud_shape(const sw_inst *c, float score);
/* Cloud colour at (x, y) for a density score: thick parts white, thin parts grey-blue. */
void sw_cloud_colour(const sw_inst *c, double x, double y, float score, float col[3]);

/* Geometric remaps (stage 2): move the sample point (x, y) in place, scaled by the blob weight. */
void sw_stretch_remap(const sw_inst *I, double *x, double *y);
void sw_distort_remap(const sw_inst *I, double *x, double *y);

/* Spectral overflow: blends rgb towards a saturated bloom of its own brightness with weight w. */
void sw_overflow_apply(const sw_inst *I, double x, double y, float w, float rgb[3]);

/* Stripe noise: is the pixel centre (x, y) on the stripe? If so, *scale is the brightness
 * factor along it (multiplies delta). */
int sw_stripe_hit(const sw_inst *I, double x, double y, float *scale);
/* Pixel missing: is pixel (i, j) missing? If so *value is 0 (black) or 255 (white). */
int sw_missing_hit(const sw_inst *I, int64_t i, int64_t j, uint8_t *value);

#endif
