/* Blending windows (see blend.h) and the names of the blend modes. */
#include "src/run/blend.h"

#include "src/run/plan.h"

#include <math.h>
#include <string.h>

static const char *names[] = {"crop", "mean", "linear", "cosine"};

int sw_blend_parse(const char *name) {
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

const char *sw_blend_name(sw_blend b) { return (unsigned)b < 4 ? names[b] : "?"; }

static uint16_t ramp(sw_blend b, int d, int ovl) {
    if (d >= ovl) return SW_BLEND_WMAX;
    if (b == SW_BLEND_LINEAR) return (uint16_t)(1 + (SW_BLEND_WMAX - 1) * d / ovl);
    double c = 0.5 * (1.0 - cos(M_PI * (d + 0.5) / ovl));
    return (uint16_t)lround(1.0 + (SW_BLEND_WMAX - 1) * c);
}

void sw_blend_axis(sw_blend b, int extent, int side, int ovl, int o, int len, uint16_t *w) {
    if (b == SW_BLEND_MEAN || (b != SW_BLEND_CROP && ovl <= 0)) {
        for (int i = 0; i < len; i++) w[i] = 1;
        return;
    }
    if (b == SW_BLEND_CROP) {
        int lo, hi;
        sw_grid_core(extent, side, ovl, o, &lo, &hi);
        for (int i = 0; i < len; i++) w[i] = o + i >= lo && o + i < hi;
        return;
    }
    int left_border = o == 0, right_border = o + len >= extent;
    for (int i = 0; i < len; i++) {
        uint16_t a = left_border ? SW_BLEND_WMAX : ramp(b, i, ovl);
        uint16_t c = right_border ? SW_BLEND_WMAX : ramp(b, len - 1 - i, ovl);
        w[i] = a < c ? a : c;
    }
}
