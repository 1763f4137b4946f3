/* Training samples from chips (seed 002, III-B): with probability 1/2 a random crop x crop
 * window, otherwise a rotation by theta in (0, 2 pi) about the chip's centre and a centre crop
 * (bilinear image, nearest mask; pixels from outside the chip are 0 after normalization and
 * ignored, 255, in the mask); then horizontal and vertical flips with probability 1/2 each;
 * then per-channel normalization (x - mean) / std. The draws are keyed by (seed, epoch, global
 * sample index). Validation samples are the centre crop, normalized. */
#ifndef SWATH_TRAIN_AUGMENT_H
#define SWATH_TRAIN_AUGMENT_H

#include <stdint.h>

typedef struct {
    int H, W, C;            /* chip size */
    int crop;               /* sample side */
    const float *mean, *std; /* (C), 0..255 scale */
} sw_sample_geom;

/* x (crop,crop,C) normalized, y (crop,crop). `augment` 0: the centre crop (validation). */
void sw_sample_make(float *x, uint8_t *y, const uint8_t *img, const uint8_t *mask,
                    const sw_sample_geom *g, int augment, uint64_t seed, int epoch,
                    long long index);

#endif
