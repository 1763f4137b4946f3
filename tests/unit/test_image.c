/* Hand-made checks of src/image: Otsu edge cases, labelling order and statistics, the stripe rule
 * (a 1x6 line qualifies, a 5x5 square does not), the footprint mask, pixel missing over stripes,
 * morphology, colour, and the overlapping-box painter against brute force. No Python needed. */
#include "src/core/error.h"
#include "src/image/colour.h"
#include "src/image/components.h"
#include "src/image/morphology.h"
#include "src/image/otsu.h"
#include "src/image/pixel_defects.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

/* An (h,w,3) tile of one grey value. */
static uint8_t *tile_new(int w, int h, uint8_t v) {
    uint8_t *t = malloc((size_t)w * h * 3);
    memset(t, v, (size_t)w * h * 3);
    return t;
}

static void tile_set(uint8_t *t, int w, int x, int y, uint8_t v) {
    memset(t + 3 * ((size_t)y * w + x), v, 3);
}

static int count_value(const uint8_t *cls, size_t n, uint8_t v) {
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += cls[i] == v;
    return k;
}

static void test_otsu(void) {
    uint8_t img[6] = {100, 100, 100, 100, 100, 100};
    CHECK(sw_otsu_threshold(img, NULL, 6, 1, 1, 0) == 0, "constant image: threshold 0 (as OpenCV)");
    uint8_t two[4] = {10, 200, 10, 200};
    CHECK(sw_otsu_threshold(two, NULL, 4, 1, 1, 0) == 10, "two values: threshold at the lower one");
    uint8_t one[1] = {77};
    CHECK(sw_otsu_threshold(one, NULL, 1, 1, 1, 0) == 0, "1 pixel");
    uint8_t none[2] = {0, 0};
    CHECK(sw_otsu_threshold(two, none, 2, 1, 1, 0) == 0, "no valid pixel");
    /* the mask removes the bright pixels, so the split moves into the dark ones */
    uint8_t img3[8] = {10, 12, 40, 42, 250, 250, 250, 250}, valid[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    CHECK(sw_otsu_threshold(img3, NULL, 8, 1, 1, 0) == 42, "unmasked: %d",
          sw_otsu_threshold(img3, NULL, 8, 1, 1, 0));
    CHECK(sw_otsu_threshold(img3, valid, 8, 1, 1, 0) == 12, "masked: %d",
          sw_otsu_threshold(img3, valid, 8, 1, 1, 0));
    /* interleaved: channel 1 of (r, g, b) pixels */
    uint8_t rgb[12] = {0, 10, 0, 0, 200, 0, 0, 10, 0, 0, 200, 0};
    CHECK(sw_otsu_threshold(rgb, NULL, 4, 1, 3, 1) == 10, "strided channel");
    int64_t hist[3 * 256];
    sw_otsu_hist(hist, rgb, NULL, 4, 1, 3);
    CHECK(hist[256 + 10] == 2 && hist[256 + 200] == 2 && hist[0] == 4 && hist[512] == 4,
          "one-pass histograms");
}

static void test_components(void) {
    /* row 0: a pixel at x=4 (first in raster order); row 1: a run from x=0; a U whose arms join
     * later; a diagonal pair that is one component 8-connected and two 4-connected */
    const char *pic[] = {
        "....#...#.#",
        "##.......#.",
        ".....#.#...",
        ".....###...",
    };
    int w = 11, h = 4;
    uint8_t bin[44];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            bin[y * w + x] = pic[y][x] == '#';
    sw_components cc;
    sw_components_init(&cc);
    int32_t lab[44];
    CHECK(sw_components_label(&cc, lab, bin, w, h, 8) == SW_OK, "label: %s", sw_errmsg());
    /* 8-connected: {(4,0)}, {(8,0),(10,0),(9,1)}, {(0,1),(1,1)}, the U {(5,2),(7,2),(5..7,3)} */
    CHECK(cc.n == 4, "8-connected count %d", cc.n);
    CHECK(lab[4] == 1 && lab[8] == 2 && lab[10] == 2 && lab[w + 9] == 2 && lab[w] == 3 &&
              lab[2 * w + 5] == 4 && lab[2 * w + 7] == 4 && lab[3 * w + 6] == 4 && lab[0] == 0,
          "8-connected labels in raster order of first pixel");
    sw_component u = cc.comp[3];
    CHECK(u.x == 5 && u.y == 2 && u.w == 3 && u.h == 2 && u.area == 5, "U stats %d %d %d %d %lld", u.x, u.y,
          u.w, u.h, (long long)u.area);
    sw_component v = cc.comp[1];
    CHECK(v.x == 8 && v.y == 0 && v.w == 3 && v.h == 2 && v.area == 3, "V stats");
    CHECK(sw_components_label(&cc, lab, bin, w, h, 4) == SW_OK, "label 4");
    CHECK(cc.n == 6, "4-connected count %d", cc.n);
    CHECK(lab[8] == 2 && lab[10] == 3 && lab[w + 9] == 5 && lab[w] == 4, "4-connected labels");
    /* statistics only; empty image; full image; errors */
    CHECK(sw_components_label(&cc, NULL, bin, w, h, 8) == SW_OK && cc.n == 4, "no label image");
    memset(bin, 0, sizeof bin);
    CHECK(sw_components_label(&cc, lab, bin, w, h, 8) == SW_OK && cc.n == 0 && lab[5] == 0, "empty");
    memset(bin, 1, sizeof bin);
    CHECK(sw_components_label(&cc, lab, bin, w, h, 4) == SW_OK && cc.n == 1 && cc.comp[0].area == 44 &&
              cc.comp[0].w == w && cc.comp[0].h == h,
          "full");
    CHECK(sw_components_label(&cc, lab, bin, w, h, 6) == SW_ERR_RUNTIME, "connectivity 6 refused");
    /* a range on an interleaved image with a mask */
    uint8_t rgb[3 * 4] = {5, 50, 0, 5, 60, 0, 5, 200, 0, 5, 55, 0}, valid[4] = {1, 1, 1, 0};
    CHECK(sw_components_label_range(&cc, lab, rgb, valid, 4, 1, 3, 1, 50, 60, 8) == SW_OK && cc.n == 1 &&
              cc.comp[0].w == 2 && lab[3] == 0,
          "range + mask");
    sw_components_free(&cc);
}

/* ---- plain references for the fast paths of otsu.c, components.c and sw_pixel_missing_mark ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng_u32(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* One pixel at a time, one channel at a time. */
static void ref_hist(int64_t *hist /* (nc,256) */, const uint8_t *img, const uint8_t *valid, int w, int h,
                     int nc) {
    memset(hist, 0, sizeof(int64_t) * 256 * (size_t)nc);
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < nc; c++)
            if (!valid || valid[i]) hist[256 * c + img[i * nc + c]]++;
}

/* Flood fill from each unlabelled foreground pixel in raster order, so labels are in raster order
 * of first pixel; then the statistics and the runs straight from the label image. */
typedef struct {
    int n;
    sw_component *comp;
    int64_t nrun;
    int32_t *run, *run_label;
} ref_cc;

static void ref_label(ref_cc *r, int32_t *lab /* (h,w) out */, const uint8_t *img, const uint8_t *valid,
                      int w, int h, int nc, int c, int lo, int hi, int connectivity) {
    size_t npx = (size_t)w * h;
    int32_t *stack = malloc(sizeof(int32_t) * (npx + 1));
    memset(lab, 0, sizeof(int32_t) * npx);
    r->n = 0;
#define FG(i) (img[(size_t)(i) * nc + c] >= lo && img[(size_t)(i) * nc + c] <= hi && (!valid || valid[i]))
    for (size_t i0 = 0; i0 < npx; i0++) {
        if (!FG(i0) || lab[i0]) continue;
        int l = ++r->n, top = 0;
        lab[i0] = l;
        stack[top++] = (int32_t)i0;
        while (top) {
            int32_t i = stack[--top], x = i % w, y = i / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if ((!dx && !dy) || (connectivity == 4 && dx && dy)) continue;
                    if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
                    int32_t j = yy * w + xx;
                    if (FG(j) && !lab[j]) lab[j] = l, stack[top++] = j;
                }
        }
    }
#undef FG
    r->comp = calloc((size_t)r->n + 1, sizeof(sw_component));
    r->run = malloc(sizeof(int32_t) * 3 * (npx + 1));
    r->run_label = malloc(sizeof(int32_t) * (npx + 1));
    int32_t *x1 = calloc((size_t)r->n + 1, sizeof(int32_t)), *y1 = calloc((size_t)r->n + 1, sizeof(int32_t));
    r->nrun = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t l = lab[(size_t)y * w + x];
            if (!l) continue;
            sw_component *k = r->comp + l - 1;
            if (!k->area) k->x = x, k->y = y, x1[l] = x;
            k->x = x < k->x ? x : k->x;
            x1[l] = x > x1[l] ? x : x1[l];
            y1[l] = y;
            k->area++;
            if (x == 0 || lab[(size_t)y * w + x - 1] != l) { /* a run starts */
                int32_t *ru = r->run + 3 * r->nrun;
                ru[0] = x, ru[1] = x + 1, ru[2] = y;
                r->run_label[r->nrun++] = l;
            } else {
                r->run[3 * (r->nrun - 1) + 1] = x + 1;
            }
        }
    for (int l = 1; l <= r->n; l++)
        r->comp[l - 1].w = x1[l] - r->comp[l - 1].x + 1, r->comp[l - 1].h = y1[l] - r->comp[l - 1].y + 1;
    free(x1), free(y1), free(stack);
}

static void ref_cc_free(ref_cc *r) {
    free(r->comp), free(r->run), free(r->run_label);
}

static void ref_missing(uint8_t *cls, const uint8_t *rgb, const uint8_t *valid, int w, int h, uint8_t value) {
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const uint8_t *p = rgb + 3 * i;
        int black = p[0] == 0 && p[1] == 0 && p[2] == 0, white = p[0] == 255 && p[1] == 255 && p[2] == 255;
        if ((black || white) && (!valid || valid[i])) cls[i] = value;
    }
}

/* Test images: 0 uniform noise, 1 smooth (blocks of 9 px with +-2 noise), 2 all 200, 3 all 0,
 * 4 pixels black / white / near misses (the missing-pixel cases). */
static void fill_image(uint8_t *img, int w, int h, int nc, int kind) {
    size_t n = (size_t)w * h * nc;
    for (size_t i = 0; i < n; i++) {
        size_t px = i / nc, x = px % w, y = px / w;
        uint32_t r = rng_u32();
        switch (kind) {
        case 0: img[i] = (uint8_t)r; break;
        case 1: img[i] = (uint8_t)(((x / 9 * 73 + y / 9 * 151 + i % nc * 37) % 256) + r % 5 - 2); break;
        case 2: img[i] = 200; break;
        case 3: img[i] = 0; break;
        default: {
            static const uint8_t v[] = {0, 0, 255, 255, 1, 254, 128};
            img[i] = v[r % 7];
        }
        }
    }
    if (kind == 4) /* make whole pixels black or white often */
        for (size_t px = 0; px < (size_t)w * h; px++)
            if (rng_u32() % 3 == 0) memset(img + px * nc, rng_u32() % 2 ? 255 : 0, (size_t)nc);
}

/* Masks: 0 NULL, 1 all 255, 2 random (half 0, half any other byte), 3 one span of 1 per row at random
 * (aligned or not, as a footprint's edge gives), 4 all 0. */
static uint8_t *make_mask(int w, int h, int kind) {
    if (kind == 0) return NULL;
    size_t n = (size_t)w * h;
    uint8_t *m = malloc(n);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rng_u32();
        m[i] = kind == 1 ? 255 : kind == 2 && r % 2 ? (uint8_t)(1 + (r >> 8) % 255) : 0;
    }
    if (kind == 3)
        for (int y = 0; y < h; y++) {
            int e = (int)(rng_u32() % (unsigned)(w + 1)), s = (int)(rng_u32() % (unsigned)(w + 1));
            for (int x = s < e ? s : e; x < (s < e ? e : s); x++)
                m[(size_t)y * w + x] = 1;
        }
    return m;
}

static int same_cc(const sw_components *cc, const ref_cc *r) {
    if (cc->n != r->n || cc->nrun != r->nrun) return 0;
    for (int k = 0; k < r->n; k++) {
        const sw_component *a = cc->comp + k, *b = r->comp + k;
        if (a->x != b->x || a->y != b->y || a->w != b->w || a->h != b->h || a->area != b->area) return 0;
    }
    return !memcmp(cc->run, r->run, sizeof(int32_t) * 3 * (size_t)r->nrun) &&
           !memcmp(cc->run_label, r->run_label, sizeof(int32_t) * (size_t)r->nrun);
}

typedef struct {
    int hist, cc, lab, miss, ncc; /* cases that differ, and labeller cases run */
} fast_bad;

/* One image (w,h,nc) of the given kind with the given mask: histograms, labels of every channel
 * over four ranges (the stripe detector's Otsu + 1..255, everything, one value, a random band) in
 * both connectivities, and pixel missing for nc = 3. */
static void check_fast_case(sw_components *cc, fast_bad *bad, int w, int h, int nc, int kind, int mk) {
    size_t npx = (size_t)w * h;
    uint8_t *img = malloc(npx * nc), *valid = make_mask(w, h, mk);
    fill_image(img, w, h, nc, kind);
    int64_t got[4 * 256], exp[4 * 256];
    sw_otsu_hist(got, img, valid, w, h, nc);
    ref_hist(exp, img, valid, w, h, nc);
    if (memcmp(got, exp, sizeof(int64_t) * 256 * nc) && bad->hist++ < 3)
        printf("  hist differs: w %d h %d nc %d image %d mask %d\n", w, h, nc, kind, mk);
    int32_t *lab = malloc(sizeof(int32_t) * npx), *rlab = malloc(sizeof(int32_t) * npx);
    for (int c = 0; c < nc; c++) {
        int t = sw_otsu_from_hist(exp + 256 * c), band = (int)(rng_u32() % 128);
        int ranges[4][2] = {{t + 1, 255}, {0, 255}, {200, 200}, {band, band + (int)(rng_u32() % 128)}};
        for (int ri = 0; ri < 4; ri++)
            for (int conn = 4; conn <= 8; conn += 4) {
                int lo = ranges[ri][0], hi = ranges[ri][1], with_labels = (ri + c) % 2;
                ref_cc r;
                ref_label(&r, rlab, img, valid, w, h, nc, c, lo, hi, conn);
                bad->ncc++;
                int32_t *out = with_labels ? lab : NULL;
                sw_status st = sw_components_label_range(cc, out, img, valid, w, h, nc, c, lo, hi, conn);
                if (st || !same_cc(cc, &r)) {
                    if (bad->cc++ < 3)
                        printf("  components differ: w %d h %d nc %d c %d image %d mask %d range %d..%d "
                               "conn %d: n %d / %d, nrun %lld / %lld\n",
                               w, h, nc, c, kind, mk, lo, hi, conn, cc->n, r.n, (long long)cc->nrun,
                               (long long)r.nrun);
                } else if (with_labels && memcmp(lab, rlab, sizeof(int32_t) * npx)) {
                    bad->lab++;
                }
                ref_cc_free(&r);
            }
    }
    if (nc == 3) {
        uint8_t *cls = malloc(npx), *rcls = malloc(npx);
        for (size_t i = 0; i < npx; i++)
            cls[i] = rcls[i] = (uint8_t)(rng_u32() % 4);
        sw_pixel_missing_mark(cls, img, valid, w, h, 10);
        ref_missing(rcls, img, valid, w, h, 10);
        if (memcmp(cls, rcls, npx) && bad->miss++ < 3)
            printf("  missing differs: w %d h %d image %d mask %d\n", w, h, kind, mk);
        free(cls), free(rcls);
    }
    free(lab), free(rlab), free(img), free(valid);
}

/* sw_otsu_hist, sw_components_label_range and sw_pixel_missing_mark against the references on odd
 * widths (around the 8-, 16- and 64-pixel blocks of the fast paths), several images and masks. */
static void test_fast_paths(void) {
    static const int widths[] = {1, 7, 8, 15, 16, 17, 63, 64, 65, 128, 513};
    static const int heights[] = {1, 3, 19};
    static const int ncs[] = {1, 3, 2, 4};
    fast_bad bad = {0};
    sw_components cc;
    sw_components_init(&cc);
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
        for (size_t hi = 0; hi < sizeof heights / sizeof *heights; hi++)
            for (int kind = 0; kind < 5; kind++)
                for (int mk = 0; mk < 5; mk++)
                    for (size_t ni = 0; ni < sizeof ncs / sizeof *ncs; ni++)
                        check_fast_case(&cc, &bad, widths[wi], heights[hi], ncs[ni], kind, mk);
    CHECK(bad.hist == 0, "sw_otsu_hist differs from the plain loop in %d cases", bad.hist);
    CHECK(bad.cc == 0, "sw_components_label_range differs from flood fill in %d of %d cases", bad.cc,
          bad.ncc);
    CHECK(bad.lab == 0, "label images differ from flood fill in %d cases", bad.lab);
    CHECK(bad.miss == 0, "sw_pixel_missing_mark differs from the plain loop in %d cases", bad.miss);
    sw_components_free(&cc);
}

static void test_stripes(void) {
    int w = 20, h = 20;
    size_t n = (size_t)w * h;
    uint8_t *cls = malloc(n);
    sw_pixel_defects_ws ws;
    sw_pixel_defects_ws_init(&ws);

    /* a 1x6 horizontal line: w/h = 6 > 5 qualifies; its box is the line itself */
    uint8_t *t = tile_new(w, h, 30);
    for (int x = 3; x < 9; x++)
        tile_set(t, w, x, 5, 220);
    memset(cls, 0, n);
    CHECK(sw_stripe_noise_mark(&ws, cls, t, NULL, w, h, 0, 9) == SW_OK, "stripe: %s", sw_errmsg());
    CHECK(count_value(cls, n, 9) == 6 && cls[5 * w + 3] == 9 && cls[5 * w + 8] == 9, "1x6 line: %d pixels",
          count_value(cls, n, 9));
    /* the same line as a column: h/w = 6, w/h < 0.2 */
    free(t);
    t = tile_new(w, h, 30);
    for (int y = 10; y < 16; y++)
        tile_set(t, w, 2, y, 220);
    memset(cls, 0, n);
    sw_stripe_noise_mark(&ws, cls, t, NULL, w, h, 0, 9);
    CHECK(count_value(cls, n, 9) == 6, "6x1 column");
    /* 1x5 (w/h = 5 exactly) and a 5x5 square do not qualify */
    free(t);
    t = tile_new(w, h, 30);
    for (int x = 3; x < 8; x++)
        tile_set(t, w, x, 2, 220);
    for (int y = 10; y < 15; y++)
        for (int x = 10; x < 15; x++)
            tile_set(t, w, x, y, 220);
    memset(cls, 0, n);
    sw_stripe_noise_mark(&ws, cls, t, NULL, w, h, 0, 9);
    CHECK(count_value(cls, n, 9) == 0, "1x5 line and 5x5 square: %d marked", count_value(cls, n, 9));
    /* a dark stripe is background for Otsu, but stays a stripe in another channel if bright there */
    free(t);
    t = tile_new(w, h, 128);
    for (int x = 0; x < 12; x++) {
        uint8_t *p = t + 3 * ((size_t)7 * w + x);
        p[0] = 0, p[1] = 0, p[2] = 255; /* blue line */
    }
    memset(cls, 0, n);
    sw_stripe_noise_mark(&ws, cls, t, NULL, w, h, 0, 9);
    CHECK(count_value(cls, n, 9) == 12, "blue line found in channel 2: %d", count_value(cls, n, 9));

    /* validity: the line half outside the footprint. Its box is painted only inside, and bright
     * pixels outside do not shift the threshold or join components */
    free(t);
    t = tile_new(w, h, 30);
    for (int x = 0; x < 20; x++)
        tile_set(t, w, x, 4, 220);
    uint8_t *valid = calloc(n, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < 10; x++)
            valid[y * w + x] = 1;
    for (int y = 0; y < h; y++)
        tile_set(t, w, 15, y, 250); /* an outside column, would qualify */
    memset(cls, 0, n);
    sw_stripe_noise_mark(&ws, cls, t, valid, w, h, 0, 9);
    int inside = 0, outside = 0;
    for (size_t i = 0; i < n; i++) {
        if (valid[i])
            inside += cls[i] == 9;
        else
            outside += cls[i] == 9;
    }
    CHECK(inside == 10 && outside == 0, "mask: %d inside, %d outside", inside, outside);

    /* pixel missing wins over stripe; footprint respected; near misses are not missing */
    free(t);
    t = tile_new(w, h, 30);
    for (int x = 0; x < 12; x++)
        tile_set(t, w, x, 3, 255); /* a white line: stripe and missing */
    tile_set(t, w, 5, 9, 0);
    tile_set(t, w, 15, 9, 0); /* outside */
    uint8_t *p = t + 3 * ((size_t)10 * w + 5);
    p[0] = 0, p[1] = 0, p[2] = 1;
    p = t + 3 * ((size_t)11 * w + 5);
    p[0] = 255, p[1] = 254, p[2] = 255;
    memset(cls, 0xEE, n);
    CHECK(sw_pixel_defects_tile_ws(&ws, cls, t, valid, w, h, 0) == SW_OK, "tile");
    CHECK(cls[3 * w + 4] == 10 && cls[3 * w + 11] == 0 && cls[9 * w + 5] == 10 && cls[9 * w + 15] == 0 &&
              cls[10 * w + 5] == 0 && cls[11 * w + 5] == 0 && cls[0] == 0,
          "tile classes");
    CHECK(count_value(cls, n, 10) == 11 && count_value(cls, n, 9) == 0 &&
              count_value(cls, n, 0) == (int)n - 11,
          "tile counts: %d x10, %d x9", count_value(cls, n, 10), count_value(cls, n, 9));
    /* the one-shot entry point gives the same */
    uint8_t *cls2 = malloc(n);
    CHECK(sw_pixel_defects_tile(cls2, t, valid, w, h, 0) == SW_OK && !memcmp(cls, cls2, n), "tile one-shot");
    /* 1-pixel and empty tiles */
    uint8_t px[3] = {0, 0, 0}, c1 = 7;
    CHECK(sw_pixel_defects_tile(&c1, px, NULL, 1, 1, 1) == SW_OK && c1 == 10, "1 pixel");
    CHECK(sw_pixel_defects_tile(cls2, t, NULL, 0, 0, 0) == SW_OK, "empty tile");
    free(cls2);
    free(valid);
    free(t);
    free(cls);
    sw_pixel_defects_ws_free(&ws);
}

/* Nested L shapes whose tall boxes overlap many times over (more than 4 tiles' worth of box
 * area): the painter's O(pixels) path must give the union that box-by-box painting gives. */
static void test_overlapping_boxes(void) {
    int w = 20, h = 200, nl = 10;
    size_t n = (size_t)w * h;
    uint8_t *t = tile_new(w, h, 0), *cls = calloc(n, 1), *exp = calloc(n, 1);
    for (int k = 0; k < nl; k++) {
        for (int y = 0; y <= h - 1 - 2 * k; y++)
            tile_set(t, w, 2 * k, y, 200);
        for (int x = 2 * k; x < w; x++)
            tile_set(t, w, x, h - 1 - 2 * k, 200);
    }
    uint8_t *valid = malloc(n); /* holes in the footprint, off the shapes so as not to cut them */
    for (size_t i = 0; i < n; i++)
        valid[i] = t[3 * i] || (i * 7919) % 13 != 0;
    sw_components cc;
    sw_components_init(&cc);
    CHECK(sw_components_label_range(&cc, NULL, t, valid, w, h, 3, 0, 1, 255, 8) == SW_OK, "label");
    CHECK(cc.n == nl, "%d nested L shapes, expected %d", cc.n, nl);
    int64_t total = 0;
    for (int k = 0; k < cc.n; k++) {
        const sw_component *q = cc.comp + k;
        if (!(q->w > 5 * q->h || 5 * q->w < q->h)) continue;
        total += (int64_t)q->w * q->h;
        for (int y = q->y; y < q->y + q->h; y++)
            for (int x = q->x; x < q->x + q->w; x++)
                exp[y * w + x] = valid[y * w + x] ? 9 : 0;
    }
    CHECK(total > 4 * (int64_t)n, "the boxes cover %lld pixels, not enough overlap to test",
          (long long)total);
    sw_pixel_defects_ws ws;
    sw_pixel_defects_ws_init(&ws);
    CHECK(sw_stripe_noise_mark(&ws, cls, t, valid, w, h, 0, 9) == SW_OK, "mark");
    CHECK(!memcmp(cls, exp, n), "union of overlapping boxes");
    sw_pixel_defects_ws_free(&ws);
    sw_components_free(&cc);
    free(t), free(cls), free(exp), free(valid);
}

static void test_morphology(void) {
    int w = 9, h = 9;
    uint8_t in[81] = {0}, out[81];
    in[4 * w + 4] = 1;
    sw_mask_dilate_disk(out, in, w, h, 2);
    int k = 0;
    for (int i = 0; i < 81; i++)
        k += out[i];
    CHECK(k == 13 && out[2 * w + 4] && out[3 * w + 3] && !out[2 * w + 3] && out[4 * w + 2],
          "disk(2) is 13 pixels: %d", k);
    in[4 * w + 4] = 0, in[0] = 255; /* a corner pixel: clipped disk, values normalized to 1 */
    sw_mask_dilate_disk(out, in, w, h, 2);
    k = 0;
    for (int i = 0; i < 81; i++)
        k += out[i];
    CHECK(k == 6 && out[0] == 1, "corner disk: %d", k);
    sw_mask_dilate_disk(out, in, w, h, 0);
    CHECK(out[0] == 1 && out[1] == 0, "radius 0 copies");

    /* holes: a 1-pixel hole inside and a 2-pixel background notch at the border */
    uint8_t m[25];
    memset(m, 1, sizeof m);
    m[12] = 0;
    m[0] = m[1] = 0;
    uint8_t a[25];
    memcpy(a, m, 25);
    CHECK(sw_mask_remove_small_holes(a, NULL, 5, 5, 2, 1) == SW_OK && a[12] == 1 && a[0] == 0, "holes < 2");
    memcpy(a, m, 25);
    sw_mask_remove_small_holes(a, NULL, 5, 5, 3, 1);
    CHECK(a[12] == 1 && a[0] == 1 && a[1] == 1, "holes < 3 fill the border notch too (as skimage)");
    memcpy(a, m, 25);
    sw_mask_remove_small_holes(a, NULL, 5, 5, 1, 1);
    CHECK(a[12] == 0, "hole of 1 is not < 1");

    /* objects: a diagonal pair is one object of 2 (8-connected) or two of 1 (4-connected) */
    uint8_t o[16] = {0};
    o[0] = o[5] = 1, o[15] = 1;
    uint8_t b[16];
    memcpy(b, o, 16);
    CHECK(sw_mask_remove_small_objects(b, NULL, 4, 4, 2, 2) == SW_OK && b[0] && b[5] && !b[15],
          "8-conn min 2");
    memcpy(b, o, 16);
    sw_mask_remove_small_objects(b, NULL, 4, 4, 2, 1);
    CHECK(!b[0] && !b[5] && !b[15], "4-conn min 2");
    memcpy(b, o, 16);
    sw_mask_remove_small_objects(b, NULL, 4, 4, 1.5, 2);
    CHECK(b[0] && b[5] && !b[15], "fractional min_size");
    CHECK(sw_mask_remove_small_objects(b, NULL, 4, 4, 2, 8) == SW_ERR_RUNTIME,
          "connectivity 8 refused (1 or 2)");
}

/* OpenCV's scalar HSV2RGB_b loop for one pixel, literally, with libm's fmaf for the one product
 * its AVX2 build fuses: the reference for colour.c's libm-free fast path. */
static void hsv_rgb_literal(uint8_t *o, int hh, int ss, int vv) {
    static const int sector_data[6][3] = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};
    float h = (float)hh, s = ss * (1.0f / 255.0f), v = vv * (1.0f / 255.0f), b, g, r;
    if (s == 0) {
        b = g = r = v;
    } else {
        float tab[4];
        h *= 6.0f / 180;
        h = fmodf(h, 6.f);
        int sector = (int)floorf(h);
        h -= (float)sector;
        tab[0] = v;
        tab[1] = v * (1.f - s);
        tab[2] = v * fmaf(-s, h, 1.f);
        tab[3] = v * (1.f - s * (1.f - h));
        b = tab[sector_data[sector][0]], g = tab[sector_data[sector][1]], r = tab[sector_data[sector][2]];
    }
    float f[3] = {r * 255.0f, g * 255.0f, b * 255.0f};
    for (int c = 0; c < 3; c++) {
        long q = lrintf(f[c]);
        o[c] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
}

/* sw_hsv_to_rgb against the literal loop on every one of the 2^24 byte triples (H up to 255). */
static void test_hsv_exhaustive(void) {
    enum { BLOCK = 1 << 16 };
    uint8_t *in = malloc(3 * BLOCK), *out = malloc(3 * BLOCK);
    long bad = 0;
    for (uint32_t i0 = 0; i0 < (1u << 24); i0 += BLOCK) {
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint32_t k = i0 + i;
            in[3 * i] = (uint8_t)(k >> 16), in[3 * i + 1] = (uint8_t)(k >> 8), in[3 * i + 2] = (uint8_t)k;
        }
        sw_hsv_to_rgb(out, in, BLOCK);
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint8_t e[3];
            hsv_rgb_literal(e, in[3 * i], in[3 * i + 1], in[3 * i + 2]);
            if (!memcmp(e, out + 3 * i, 3)) continue;
            if (bad++ < 5)
                printf("  hsv %d %d %d: got %d %d %d, literal %d %d %d\n", in[3 * i], in[3 * i + 1],
                       in[3 * i + 2], out[3 * i], out[3 * i + 1], out[3 * i + 2], e[0], e[1], e[2]);
        }
    }
    CHECK(bad == 0, "sw_hsv_to_rgb differs from the literal OpenCV loop on %ld triples", bad);
    free(in);
    free(out);
}

static void test_colour(void) {
    uint8_t rgb[15] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 0, 0, 0}, hsv[15], back[15];
    sw_rgb_to_hsv(hsv, rgb, 5);
    CHECK(hsv[0] == 0 && hsv[1] == 255 && hsv[2] == 255, "red");
    CHECK(hsv[3] == 60 && hsv[6] == 120 && hsv[9] == 0 && hsv[10] == 0 && hsv[11] == 128,
          "green, blue, grey");
    sw_hsv_to_rgb(back, hsv, 5);
    CHECK(!memcmp(back, rgb, 15), "round trip of primaries and grey");
    uint8_t g[3] = {128, 128, 128};
    sw_saturation_boost(g, g, 1, 100); /* S 0 -> 100 at hue 0: (128, 78, 78) */
    CHECK(g[0] == 128 && g[1] == 78 && g[2] == 78, "boost of grey: %d %d %d", g[0], g[1], g[2]);
}

int main(void) {
    test_otsu();
    test_components();
    test_fast_paths();
    test_stripes();
    test_overlapping_boxes();
    test_morphology();
    test_colour();
    test_hsv_exhaustive();
    if (failures) {
        printf("FAIL: %d image checks failed\n", failures);
        return 1;
    }
    printf("OK: image checks passed\n");
    return 0;
}
