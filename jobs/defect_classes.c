/* Class names and conflict priority of seed 003 (see defect_classes.h). */
#include "jobs/defect_classes.h"

static const char *const class_names[SW_NCLASSES] = {
    "background",      "cloud",      "shadow",          "stretching_blur_pattern",
    "blur",            "spectral_overflow", "distortion", "stitching_trace",
    "stitching_misalignment", "stripe_noise", "pixel_missing",
};

const char *sw_class_name(int cls) {
    if (cls >= 0 && cls < SW_NCLASSES) return class_names[cls];
    return cls == SW_CLS_IGNORE ? "ignore" : "unknown";
}

int sw_class_tier(int cls) {
    if (cls == SW_CLS_STRIPE_NOISE || cls == SW_CLS_PIXEL_MISSING) return 3;
    if (cls >= SW_CLS_CLOUD && cls <= SW_CLS_DISTORTION) return 2;
    if (cls == SW_CLS_STITCH_TRACE || cls == SW_CLS_STITCH_MISALIGN) return 1;
    return 0;
}

int sw_class_wins(int a, float ca, int b, float cb) {
    int ta = sw_class_tier(a), tb = sw_class_tier(b);
    if (ta != tb) return ta > tb;
    if (ta == 3 || ta == 1) return a >= b;
    if (ta == 2) return ca >= cb;
    return 1;
}
