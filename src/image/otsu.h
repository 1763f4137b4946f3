/* Otsu's threshold of an 8-bit channel, bit-identical to OpenCV's THRESH_OTSU (the stripe-noise
 * detector of seed-algorithms 4.6 must match the released seed code). Foreground is value > t. */
#ifndef SWATH_IMAGE_OTSU_H
#define SWATH_IMAGE_OTSU_H

#include <stdint.h>

/* Histograms of all nc channels in one pass; pixels with valid == 0 are left out. */
void sw_otsu_hist(int64_t *hist /* (nc,256) out */, const uint8_t *img /* (h,w,nc) */,
                  const uint8_t *valid /* (h,w) or NULL */, int w, int h, int nc);

/* OpenCV's getThreshVal_Otsu_8u on a histogram, same double arithmetic in the same order, so
 * ties and near-ties break the same way (the first maximum of the between-class variance wins).
 * Returns 0 for an empty or single-valued histogram, as OpenCV does. */
int sw_otsu_from_hist(const int64_t *hist /* (256) */);

/* Threshold of channel c of an interleaved image over its valid pixels. */
int sw_otsu_threshold(const uint8_t *img /* (h,w,nc) */, const uint8_t *valid /* (h,w) or NULL */, int w,
                      int h, int nc, int c);

#endif
