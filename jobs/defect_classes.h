/* The quality-inspection classes of seed 003 (Table 1) and their conflict priority. */
#ifndef SWATH_DEFECT_CLASSES_H
#define SWATH_DEFECT_CLASSES_H

enum {
    SW_CLS_BACKGROUND = 0,
    SW_CLS_CLOUD = 1,
    SW_CLS_SHADOW = 2,
    SW_CLS_STRETCH_BLUR = 3,
    SW_CLS_BLUR = 4,
    SW_CLS_SPECTRAL_OVERFLOW = 5,
    SW_CLS_DISTORTION = 6,
    SW_CLS_STITCH_TRACE = 7,
    SW_CLS_STITCH_MISALIGN = 8,
    SW_CLS_STRIPE_NOISE = 9,
    SW_CLS_PIXEL_MISSING = 10,
    SW_NCLASSES = 11,
    SW_CLS_IGNORE = 255,   /* outside the image footprint */
};

/* English name ("stripe_noise"), and the tier used to resolve conflicts:
 * 3 = pixel-based (9, 10), 2 = region-based (1..6), 1 = boundary-based (7, 8), 0 = background. */
const char *sw_class_name(int cls);
int sw_class_tier(int cls);

/* The paper's conflict rule, used by the synthesizer's truth and by the reducer: does a pixel of
 * class `a` with confidence `ca` win over class `b` with confidence `cb`? Higher tier wins; within
 * the pixel tier 10 beats 9; within the region tier the higher confidence wins (ties: the later,
 * i.e. `a`). */
int sw_class_wins(int a, float ca, int b, float cb);

#endif
