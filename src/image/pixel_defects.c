/* Stripe noise and pixel missing (seed 传统检测.py, plus the footprint mask and the optional
 * saturation boost of the paper). */
#include "src/image/pixel_defects.h"
#include "src/image/colour.h"
#include "src/image/otsu.h"

#include <stdlib.h>
#include <string.h>

void sw_pixel_defects_ws_init(sw_pixel_defects_ws *ws) {
    memset(ws, 0, sizeof *ws);
    sw_components_init(&ws->cc);
}

void sw_pixel_defects_ws_free(sw_pixel_defects_ws *ws) {
    sw_components_free(&ws->cc);
    free(ws->boost);
    free(ws->rect);
    free(ws->cover);
    memset(ws, 0, sizeof *ws);
}

/* Makes *buf hold at least n elements of size sz, growing geometrically. */
static sw_status reserve(void **buf, size_t *cap, size_t n, size_t sz, const char *what) {
    if (n <= *cap) return SW_OK;
    size_t want = *cap * 2 > n ? *cap * 2 : n;
    void *p = realloc(*buf, want * sz);
    if (!p) return sw_fail(SW_ERR_RUNTIME, "pixel defects: out of memory for %s (%zu)", what, want);
    *buf = p;
    *cap = want;
    return SW_OK;
}

/* Sets the union of the boxes to value in cls, valid pixels only. Painting box by box costs the
 * sum of their areas; when that is more than a few tiles (boxes of comb-like components overlap),
 * a 2-D difference array gives the union in O(pixels) instead. */
static sw_status paint_boxes(sw_pixel_defects_ws *ws, uint8_t *cls, const uint8_t *valid, int w, int h,
                             int64_t nrect, uint8_t value) {
    const int32_t *rc = ws->rect;
    int64_t total = 0;
    for (int64_t k = 0; k < nrect; k++)
        total += (int64_t)(rc[4 * k + 2] - rc[4 * k]) * (rc[4 * k + 3] - rc[4 * k + 1]);
    if (total <= 4 * (int64_t)w * h) {
        for (int64_t k = 0; k < nrect; k++) {
            const int32_t *r = rc + 4 * k;
            for (int y = r[1]; y < r[3]; y++) {
                uint8_t *o = cls + (size_t)y * w;
                if (!valid) {
                    memset(o + r[0], value, (size_t)(r[2] - r[0]));
                } else {
                    const uint8_t *v = valid + (size_t)y * w;
                    for (int x = r[0]; x < r[2]; x++)
                        o[x] = v[x] ? value : o[x];
                }
            }
        }
        return SW_OK;
    }
    size_t W = (size_t)w + 1;
    sw_status st =
        reserve((void **)&ws->cover, &ws->cap_cover, W * ((size_t)h + 1), sizeof(int32_t), "box cover");
    if (st) return st;
    int32_t *d = ws->cover;
    memset(d, 0, sizeof(int32_t) * W * ((size_t)h + 1));
    for (int64_t k = 0; k < nrect; k++) {
        const int32_t *r = rc + 4 * k;
        d[r[1] * W + r[0]]++, d[r[1] * W + r[2]]--, d[r[3] * W + r[0]]--, d[r[3] * W + r[2]]++;
    }
    /* prefix sums: down the rows, then along each row; count > 0 means covered */
    for (int y = 1; y <= h; y++)
        for (int x = 0; x <= w; x++)
            d[y * W + x] += d[(y - 1) * W + x];
    for (int y = 0; y < h; y++) {
        int32_t *row = d + y * W, acc = 0;
        uint8_t *o = cls + (size_t)y * w;
        const uint8_t *v = valid ? valid + (size_t)y * w : NULL;
        for (int x = 0; x < w; x++) {
            acc += row[x];
            if (acc > 0 && (!v || v[x])) o[x] = value;
        }
    }
    return SW_OK;
}

sw_status sw_stripe_noise_mark(sw_pixel_defects_ws *ws, uint8_t *cls, const uint8_t *rgb,
                               const uint8_t *valid, int w, int h, int sat_boost, uint8_t value) {
    if (w <= 0 || h <= 0) return SW_OK;
    size_t npx = (size_t)w * h;
    sw_status st;
    const uint8_t *img = rgb;
    if (sat_boost) {
        if ((st = reserve((void **)&ws->boost, &ws->cap_boost, 3 * npx, 1, "boosted tile"))) return st;
        sw_saturation_boost(ws->boost, rgb, (int64_t)npx, SW_SAT_BOOST_DELTA);
        img = ws->boost;
    }
    int64_t hist[3 * 256];
    sw_otsu_hist(hist, img, valid, w, h, 3);
    int64_t nrect = 0;
    for (int c = 0; c < 3; c++) {
        int t = sw_otsu_from_hist(hist + 256 * c);
        /* foreground = value > t: the range t+1..255 (empty for t = 255) */
        if ((st = sw_components_label_range(&ws->cc, NULL, img, valid, w, h, 3, c, t + 1, 255, 8)))
            return sw_fail_ctx(st, "stripe noise, channel %d: ", c);
        for (int k = 0; k < ws->cc.n; k++) {
            const sw_component *q = ws->cc.comp + k;
            /* w/h > 5 or w/h < 0.2, exactly, in integers */
            if (!((int64_t)q->w > 5 * (int64_t)q->h || 5 * (int64_t)q->w < (int64_t)q->h)) continue;
            if ((st = reserve((void **)&ws->rect, &ws->cap_rect, (size_t)nrect + 1, 4 * sizeof(int32_t),
                              "boxes")))
                return st;
            int32_t *r = ws->rect + 4 * nrect++;
            r[0] = q->x, r[1] = q->y, r[2] = q->x + q->w, r[3] = q->y + q->h;
        }
    }
    return paint_boxes(ws, cls, valid, w, h, nrect, value);
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define SW_PD_X86 1
/* sw_pixel_missing_mark on the first npx - npx % 16 pixels, 16 at a time: byte shuffles split 48
 * bytes into the three channels (SSSE3, chosen at run time). Returns the count of pixels done. */
__attribute__((target("ssse3"))) static size_t missing_ssse3(uint8_t *cls, const uint8_t *rgb,
                                                            const uint8_t *valid, size_t npx, uint8_t value) {
    uint8_t sh[3][3][16]; /* sh[ch][k][i]: byte of the k-th 16-byte block that holds channel ch of pixel i */
    for (int ch = 0; ch < 3; ch++)
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 16; i++) {
                int b = 3 * i + ch - 16 * k;
                sh[ch][k][i] = b >= 0 && b < 16 ? (uint8_t)b : 0x80;
            }
    __m128i s[3][3];
    for (int ch = 0; ch < 3; ch++)
        for (int k = 0; k < 3; k++)
            s[ch][k] = _mm_loadu_si128((const __m128i *)sh[ch][k]);
    const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi8(-1), vval = _mm_set1_epi8((char)value);
    size_t i = 0;
    for (; i + 16 <= npx; i += 16) {
        const __m128i *q = (const __m128i *)(rgb + 3 * i);
        __m128i a = _mm_loadu_si128(q), b = _mm_loadu_si128(q + 1), d = _mm_loadu_si128(q + 2), ch[3];
        for (int c = 0; c < 3; c++)
            ch[c] = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, s[c][0]), _mm_shuffle_epi8(b, s[c][1])),
                                 _mm_shuffle_epi8(d, s[c][2]));
        __m128i any = _mm_or_si128(_mm_or_si128(ch[0], ch[1]), ch[2]),
                all = _mm_and_si128(_mm_and_si128(ch[0], ch[1]), ch[2]);
        __m128i sel = _mm_or_si128(_mm_cmpeq_epi8(any, zero), _mm_cmpeq_epi8(all, ones));
        if (valid)
            sel = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(valid + i)), zero), sel);
        __m128i o = _mm_loadu_si128((const __m128i *)(cls + i));
        o = _mm_or_si128(_mm_and_si128(sel, vval), _mm_andnot_si128(sel, o));
        _mm_storeu_si128((__m128i *)(cls + i), o);
    }
    return i;
}
#endif

void sw_pixel_missing_mark(uint8_t *cls, const uint8_t *rgb, const uint8_t *valid, int w, int h,
                           uint8_t value) {
    size_t npx = (size_t)w * h, i = 0;
#ifdef SW_PD_X86
    if (__builtin_cpu_supports("ssse3")) i = missing_ssse3(cls, rgb, valid, npx, value);
#endif
    for (; i < npx; i++) {
        const uint8_t *p = rgb + 3 * i;
        int lo = (p[0] | p[1] | p[2]) == 0, hi = (p[0] & p[1] & p[2]) == 255;
        int in = valid ? valid[i] != 0 : 1;
        cls[i] = (lo | hi) & in ? value : cls[i];
    }
}

sw_status sw_pixel_defects_tile_ws(sw_pixel_defects_ws *ws, uint8_t *cls, const uint8_t *rgb,
                                   const uint8_t *valid, int w, int h, int sat_boost) {
    if (w <= 0 || h <= 0) return SW_OK;
    memset(cls, 0, (size_t)w * h);
    sw_status st = sw_stripe_noise_mark(ws, cls, rgb, valid, w, h, sat_boost, SW_CLASS_STRIPE_NOISE);
    if (st) return st;
    sw_pixel_missing_mark(cls, rgb, valid, w, h, SW_CLASS_PIXEL_MISSING);
    return SW_OK;
}

sw_status sw_pixel_defects_tile(uint8_t *cls, const uint8_t *rgb, const uint8_t *valid, int w, int h,
                                int sat_boost) {
    sw_pixel_defects_ws ws;
    sw_pixel_defects_ws_init(&ws);
    sw_status st = sw_pixel_defects_tile_ws(&ws, cls, rgb, valid, w, h, sat_boost);
    sw_pixel_defects_ws_free(&ws);
    return st;
}
