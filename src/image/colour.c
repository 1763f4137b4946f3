/* RGB <-> HSV, OpenCV-exact (OpenCV 4.x imgproc/src/color_hsv.simd.hpp, RGB2HSV_b and the scalar
 * loop of HSV2RGB_b). HSV -> RGB is float arithmetic whose last bit decides some roundings, so the
 * contraction of a*b+c into fused multiply-adds is spelled out, not left to the compiler (built with
 * -ffp-contract=off, src/image/CMakeLists.txt). OpenCV compiles that loop in its AVX2-dispatched
 * unit, where GCC fuses 1 - s*h (tab[2]) but not 1 - s*(1 - h) (tab[3]); we do the same (fma_1),
 * which reproduces cv2 4.6 (Debian 12, AVX2 CPU) on all 180*256*256 HSV triples and all 2^24 RGB
 * colours through the saturation boost (tests/ref/image_ref.py checks both exhaustively). */
#include "src/image/colour.h"

#include <math.h>
#include <stdlib.h>

enum { HSV_SHIFT = 12 };

typedef struct {
    int sdiv[256]; /* round((255 << 12) / v) */
    int hdiv[256]; /* round((180 << 12) / (6 diff)) */
} hsv_tables;

static void tables_init(hsv_tables *t) {
    t->sdiv[0] = t->hdiv[0] = 0;
    for (int i = 1; i < 256; i++) { /* cvRound: nearest, ties to even (no ties occur here) */
        t->sdiv[i] = (int)lrint((255 << HSV_SHIFT) / (1. * i));
        t->hdiv[i] = (int)lrint((180 << HSV_SHIFT) / (6. * i));
    }
}

static inline void rgb_hsv_px(uint8_t *o /* (3) out */, int r, int g, int b, const hsv_tables *t) {
    int v = b, vmin = b;
    if (g > v) v = g;
    if (r > v) v = r;
    if (g < vmin) vmin = g;
    if (r < vmin) vmin = r;
    int diff = v - vmin;
    int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
    int s = (diff * t->sdiv[v] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
    int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + ((~vg) & (r - g + 4 * diff))));
    h = (h * t->hdiv[diff] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT; /* arithmetic shift, as OpenCV */
    h += h < 0 ? 180 : 0;
    o[0] = (uint8_t)(h < 0 ? 0 : h > 255 ? 255 : h);
    o[1] = (uint8_t)s;
    o[2] = (uint8_t)v;
}

/* saturate_cast<uchar>(float): round to nearest even, then clamp. Adding and removing 1.5*2^23
 * rounds any |x| < 2^22 to an integer in the current (nearest) mode, without a libm call. */
static inline uint8_t sat_u8(float x) {
    if (!(x < 4194304.f && x > -4194304.f)) return x > 0 ? 255 : 0;
    float r = (x + 0x1.8p23f) - 0x1.8p23f;
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : (int)r);
}

/* fmaf(a, b, c) for the operands that occur here: a*b of two floats is exact in double, and for
 * a = -s, b = h, c = 1 (all 256x256 pairs of S and H) the double sum then rounds to the same float
 * as the fused operation (tests/unit/test_image.c checks every HSV triple against fmaf). Without
 * -mfma, fmaf is a libm call per pixel. */
static inline float fma_1(float a, float b) {
    return (float)((double)a * (double)b + 1.0);
}

/* The factors f of HSV2RGB for one (H, S): R = round(255 * (v * f[0])), G with f[1], B with
 * f[2], where v = V / 255. OpenCV computes each of its tab[] as v * (a function of H and S only),
 * and tab[0] = v = v * 1 exactly, so factoring them out changes no bit. */
static void hsv_factors(float *f /* (3) out: r, g, b */, int hh, int ss) {
    static const int sector_data[6][3] = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};
    const float hscale = 6.0f / 180;
    float h = (float)hh, s = ss * (1.0f / 255.0f);
    if (s == 0) {
        f[0] = f[1] = f[2] = 1.f;
        return;
    }
    float tab[4];
    h *= hscale;
    if (h >= 6.f) h = fmodf(h, 6.f); /* H >= 180 only; fmodf(h, 6) == h below 6 */
    int sector = (int)h;             /* cvFloor: h >= 0 here */
    h -= (float)sector;
    if ((unsigned)sector >= 6u) {
        sector = 0;
        h = 0.f;
    }
    tab[0] = 1.f;
    tab[1] = 1.f - s;
    tab[2] = fma_1(-s, h); /* fused: see the top of the file */
    tab[3] = 1.f - s * (1.f - h);
    f[0] = tab[sector_data[sector][2]];
    f[1] = tab[sector_data[sector][1]];
    f[2] = tab[sector_data[sector][0]];
}

static inline void hsv_rgb_apply(uint8_t *o /* (3) out */, const float *f /* (3) */, int vv) {
    float v = vv * (1.0f / 255.0f);
    o[0] = sat_u8(v * f[0] * 255.0f); /* (v * f) * 255, left to right as OpenCV */
    o[1] = sat_u8(v * f[1] * 255.0f);
    o[2] = sat_u8(v * f[2] * 255.0f);
}

/* Above this many pixels, the factors of all 256x256 (H, S) pairs are tabulated first (0.8 MB,
 * ~0.3 ms); below, they are computed per pixel. */
enum { FACTOR_TABLE_MIN = 1 << 16 };

static float *factor_table(int64_t n) {
    if (n < FACTOR_TABLE_MIN) return NULL;
    float *t = malloc(sizeof(float) * 3 * 256 * 256);
    if (!t) return NULL; /* the per-pixel path gives the same result */
    for (int hh = 0; hh < 256; hh++)
        for (int ss = 0; ss < 256; ss++)
            hsv_factors(t + 3 * (hh * 256 + ss), hh, ss);
    return t;
}

static inline void hsv_rgb_px(uint8_t *o /* (3) out: r, g, b */, int hh, int ss, int vv,
                              const float *table /* (256,256,3) or NULL */) {
    float f[3];
    const float *fp = f;
    if (table)
        fp = table + 3 * (hh * 256 + ss);
    else
        hsv_factors(f, hh, ss);
    hsv_rgb_apply(o, fp, vv);
}

void sw_rgb_to_hsv(uint8_t *hsv, const uint8_t *rgb, int64_t n) {
    hsv_tables t;
    tables_init(&t);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = rgb + 3 * i;
        rgb_hsv_px(hsv + 3 * i, p[0], p[1], p[2], &t);
    }
}

void sw_hsv_to_rgb(uint8_t *rgb, const uint8_t *hsv, int64_t n) {
    float *table = factor_table(n);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = hsv + 3 * i;
        hsv_rgb_px(rgb + 3 * i, p[0], p[1], p[2], table);
    }
    free(table);
}

void sw_saturation_boost(uint8_t *out, const uint8_t *rgb, int64_t n, int delta) {
    hsv_tables t;
    tables_init(&t);
    float *table = factor_table(n);
    for (int64_t i = 0; i < n; i++) {
        uint8_t hsv[3];
        const uint8_t *p = rgb + 3 * i;
        rgb_hsv_px(hsv, p[0], p[1], p[2], &t);
        int s = hsv[1] + delta;
        hsv_rgb_px(out + 3 * i, hsv[0], s < 0 ? 0 : s > 255 ? 255 : s, hsv[2], table);
    }
    free(table);
}
