/* RGB <-> HSV in OpenCV's 8-bit convention (H in 0..179, S and V in 0..255), bit-exact with
 * cv2.cvtColor's COLOR_RGB2HSV and its scalar COLOR_HSV2RGB path; used for the saturation boost
 * that may precede stripe-noise detection (seed-algorithms 4.6). */
#ifndef SWATH_IMAGE_COLOUR_H
#define SWATH_IMAGE_COLOUR_H

#include <stdint.h>

/* OpenCV's RGB2HSV_b: integer arithmetic with its 12-bit reciprocal tables. out may equal in. */
void sw_rgb_to_hsv(uint8_t *hsv /* (n,3) out */, const uint8_t *rgb /* (n,3) */, int64_t n);

/* OpenCV's HSV2RGB_b, scalar path (float arithmetic, rounded to nearest), as cv2 runs it on an
 * AVX2 CPU. OpenCV 4.6's SIMD path truncates instead of rounding, on whole blocks of 4 vector
 * widths of each row, so cv2 on a full image depends on the column and the CPU; we follow its
 * scalar loop everywhere. H >= 180 wraps as in OpenCV. out may equal in. */
void sw_hsv_to_rgb(uint8_t *rgb /* (n,3) out */, const uint8_t *hsv /* (n,3) */, int64_t n);

/* RGB -> HSV, S = clamp(S + delta, 0, 255), -> RGB, per pixel (the paper's "+100 saturation").
 * out may equal in. */
void sw_saturation_boost(uint8_t *out /* (n,3) */, const uint8_t *rgb /* (n,3) */, int64_t n, int delta);

#endif
