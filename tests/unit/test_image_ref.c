/* src/image against the OpenCV / scikit-image reference dump of tests/ref/image_ref.py: every
 * case must match exactly (these are integer algorithms). Prints the first mismatches of each
 * failing case and one verdict; exit 77 (skip) when the dump is absent (no cv2 / skimage).
 * Usage: test_image_ref [image_ref.bin] */
#include "src/core/error.h"
#include "src/image/colour.h"
#include "src/image/components.h"
#include "src/image/morphology.h"
#include "src/image/otsu.h"
#include "src/image/pixel_defects.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    K_OTSU = 1,
    K_OTSU_HIST = 2,
    K_CC = 3,
    K_DEFECTS = 4,
    K_RGB2HSV = 7,
    K_HSV2RGB = 8,
    K_BOOST = 9,
    K_DILATE = 10,
    K_HOLES = 11,
    K_OBJECTS = 12,
    K_HSV_ALL = 13
};
enum { REF_VERSION = 1, MAX_SHOWN = 5 };

static FILE *ref;
static const char *ref_path;

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* Reads exactly n bytes or dies naming the file (a truncated dump is a broken test setup). */
static void read_exact(void *buf, size_t n) {
    if (n && fread(buf, 1, n, ref) != n) {
        fprintf(stderr, "%s: truncated reference file\n", ref_path);
        exit(1);
    }
}

static void *read_alloc(size_t n) {
    void *p = xmalloc(n);
    read_exact(p, n);
    return p;
}

static int32_t read_i32(void) {
    int32_t v;
    read_exact(&v, 4);
    return v;
}

typedef struct {
    int kind, w, h, nc, iparam, has_mask;
    double fparam;
    char name[256];
} case_head;

static int failed_cases = 0, checked_cases = 0;

/* Compares n bytes; on mismatch prints the case and the first differing pixels. */
static int cmp_u8(const case_head *c, const char *what, const uint8_t *got, const uint8_t *exp, size_t n,
                  int per_px) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] == exp[i]) continue;
        if (bad < MAX_SHOWN) {
            size_t px = i / per_px;
            printf("  %s: %s[%zu] (x=%zu, y=%zu): got %d, expected %d\n", c->name, what, i,
                   c->w ? px % c->w : px, c->w ? px / c->w : 0, got[i], exp[i]);
        }
        bad++;
    }
    if (bad) printf("  %s: %s: %zu of %zu values differ\n", c->name, what, bad, n);
    return bad == 0;
}

static int cmp_i32(const case_head *c, const char *what, const int32_t *got, const int32_t *exp, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] == exp[i]) continue;
        if (bad < MAX_SHOWN) printf("  %s: %s[%zu]: got %d, expected %d\n", c->name, what, i, got[i], exp[i]);
        bad++;
    }
    if (bad) printf("  %s: %s: %zu of %zu values differ\n", c->name, what, bad, n);
    return bad == 0;
}

static int check_status(const case_head *c, sw_status st) {
    if (st) printf("  %s: failed: %s\n", c->name, sw_errmsg());
    return st == SW_OK;
}

/* The checksum of image_ref.py: sum_k v[k] * ((k * SIGMA + OFFSET) | 1) mod 2^64. */
typedef struct {
    uint64_t sum, k;
} checksum;
static void checksum_add(checksum *cs, const uint8_t *v, size_t n) {
    for (size_t i = 0; i < n; i++, cs->k++)
        cs->sum += v[i] * ((cs->k * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) | 1);
}

static int run_hsv_all(const case_head *c) {
    uint64_t exp[3];
    read_exact(exp, sizeof exp);
    enum { BLOCK = 1 << 16 };
    uint8_t *in = xmalloc(3 * BLOCK), *out = xmalloc(3 * BLOCK);
    checksum cs[3] = {{0, 0}, {0, 0}, {0, 0}};
    for (uint32_t i0 = 0; i0 < (1u << 24); i0 += BLOCK) { /* every RGB colour, in index order */
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint32_t k = i0 + i;
            in[3 * i] = (uint8_t)(k >> 16), in[3 * i + 1] = (uint8_t)(k >> 8), in[3 * i + 2] = (uint8_t)k;
        }
        sw_rgb_to_hsv(out, in, BLOCK);
        checksum_add(&cs[0], out, 3 * BLOCK);
        sw_saturation_boost(out, in, BLOCK, 100);
        checksum_add(&cs[1], out, 3 * BLOCK);
    }
    for (uint32_t i0 = 0; i0 < (180u << 16); i0 += BLOCK) { /* every H < 180, S, V */
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint32_t k = i0 + i;
            in[3 * i] = (uint8_t)(k >> 16), in[3 * i + 1] = (uint8_t)(k >> 8), in[3 * i + 2] = (uint8_t)k;
        }
        sw_hsv_to_rgb(out, in, BLOCK);
        checksum_add(&cs[2], out, 3 * BLOCK);
    }
    free(in);
    free(out);
    static const char *what[3] = {"rgb2hsv over all 2^24 colours", "saturation boost +100 over all colours",
                                  "hsv2rgb over all H<180,S,V"};
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        if (cs[i].sum == exp[i]) continue;
        printf("  %s: %s: checksum %016llx, expected %016llx\n", c->name, what[i],
               (unsigned long long)cs[i].sum, (unsigned long long)exp[i]);
        ok = 0;
    }
    return ok;
}

/* Runs one case; returns 1 when it matches. */
static int run_case(const case_head *c, sw_components *cc, sw_pixel_defects_ws *ws) {
    size_t npx = (size_t)c->w * c->h, nin = npx * c->nc;
    if (c->kind == K_OTSU_HIST) {
        int64_t hist[256];
        read_exact(hist, sizeof hist);
        int32_t exp = read_i32(), got = sw_otsu_from_hist(hist);
        return cmp_i32(c, "threshold", &got, &exp, 1);
    }
    if (c->kind == K_HSV_ALL) return run_hsv_all(c);
    uint8_t *in = read_alloc(nin);
    uint8_t *mask = c->has_mask ? read_alloc(npx) : NULL;
    int ok = 1;
    switch (c->kind) {
    case K_OTSU: {
        int32_t exp[4], got[4];
        read_exact(exp, 4 * (size_t)c->nc);
        for (int ch = 0; ch < c->nc; ch++)
            got[ch] = sw_otsu_threshold(in, mask, c->w, c->h, c->nc, ch);
        ok = cmp_i32(c, "threshold", got, exp, (size_t)c->nc);
        if (c->nc == 3) { /* the one-pass histograms must agree with the per-channel call */
            int64_t hist[3 * 256];
            sw_otsu_hist(hist, in, mask, c->w, c->h, 3);
            for (int ch = 0; ch < 3; ch++)
                got[ch] = sw_otsu_from_hist(hist + 256 * ch);
            ok &= cmp_i32(c, "threshold (sw_otsu_hist)", got, exp, 3);
        }
        break;
    }
    case K_CC: {
        int32_t n = read_i32();
        int32_t *lab = read_alloc(4 * npx), *stats = read_alloc(20 * (size_t)n);
        int32_t *got = xmalloc(4 * npx);
        if ((ok = check_status(c, sw_components_label(cc, got, in, c->w, c->h, c->iparam)))) {
            ok = cmp_i32(c, "count", &cc->n, &n, 1) && cmp_i32(c, "labels", got, lab, npx);
            for (int k = 0; ok && k < n; k++) {
                const sw_component *q = cc->comp + k;
                int32_t g[5] = {q->x, q->y, q->w, q->h, (int32_t)q->area};
                char what[64];
                snprintf(what, sizeof what, "stats of label %d (x,y,w,h,area)", k + 1);
                ok = cmp_i32(c, what, g, stats + 5 * k, 5);
            }
        }
        free(lab), free(stats), free(got);
        break;
    }
    case K_DEFECTS: {
        uint8_t *exp = read_alloc(3 * npx), *got = xmalloc(npx);
        memset(got, 0, npx);
        if ((ok = check_status(c, sw_stripe_noise_mark(ws, got, in, mask, c->w, c->h, c->iparam, 9))))
            ok = cmp_u8(c, "stripe", got, exp, npx, 1);
        memset(got, 0, npx);
        sw_pixel_missing_mark(got, in, mask, c->w, c->h, 10);
        ok &= cmp_u8(c, "missing", got, exp + npx, npx, 1);
        memset(got, 0xAB, npx); /* the tile call must write every pixel */
        if (check_status(c, sw_pixel_defects_tile_ws(ws, got, in, mask, c->w, c->h, c->iparam)))
            ok &= cmp_u8(c, "tile", got, exp + 2 * npx, npx, 1);
        else
            ok = 0;
        free(exp), free(got);
        break;
    }
    case K_RGB2HSV:
    case K_HSV2RGB:
    case K_BOOST: {
        uint8_t *exp = read_alloc(nin), *got = xmalloc(nin);
        if (c->kind == K_RGB2HSV)
            sw_rgb_to_hsv(got, in, (int64_t)npx);
        else if (c->kind == K_HSV2RGB)
            sw_hsv_to_rgb(got, in, (int64_t)npx);
        else
            sw_saturation_boost(got, in, (int64_t)npx, c->iparam);
        ok = cmp_u8(c, "pixel", got, exp, nin, 3);
        if (ok && c->kind == K_BOOST) { /* in place too */
            sw_saturation_boost(in, in, (int64_t)npx, c->iparam);
            ok = cmp_u8(c, "pixel (in place)", in, exp, nin, 3);
        }
        free(exp), free(got);
        break;
    }
    case K_DILATE:
    case K_HOLES:
    case K_OBJECTS: {
        uint8_t *exp = read_alloc(npx), *got = xmalloc(npx);
        if (c->kind == K_DILATE) {
            sw_mask_dilate_disk(got, in, c->w, c->h, c->iparam);
        } else {
            memcpy(got, in, npx);
            sw_status st = c->kind == K_HOLES
                               ? sw_mask_remove_small_holes(got, cc, c->w, c->h, c->fparam, c->iparam)
                               : sw_mask_remove_small_objects(got, cc, c->w, c->h, c->fparam, c->iparam);
            if (!check_status(c, st)) ok = 0;
        }
        if (ok) ok = cmp_u8(c, "mask", got, exp, npx, 1);
        free(exp), free(got);
        break;
    }
    default:
        fprintf(stderr, "%s: unknown case kind %d (%s): regenerate it with tests/ref/image_ref.py\n",
                ref_path, c->kind, c->name);
        exit(1);
    }
    free(in);
    free(mask);
    return ok;
}

int main(int argc, char **argv) {
    ref_path = argc > 1 ? argv[1] : "image_ref.bin";
    ref = fopen(ref_path, "rb");
    if (!ref) {
        printf("SKIP: no reference file %s (tests/ref/image_ref.py writes it; it needs "
               "/usr/bin/python3 with python3-opencv and python3-skimage)\n",
               ref_path);
        return 77;
    }
    char magic[8];
    uint32_t hdr[2];
    read_exact(magic, 8);
    read_exact(hdr, 8);
    if (memcmp(magic, "SWIMGREF", 8) || hdr[0] != REF_VERSION) {
        fprintf(stderr,
                "%s: not an image reference file of version %d (magic %.8s, version %u): "
                "regenerate it with tests/ref/image_ref.py\n",
                ref_path, REF_VERSION, magic, hdr[0]);
        return 1;
    }
    sw_components cc;
    sw_components_init(&cc);
    sw_pixel_defects_ws ws;
    sw_pixel_defects_ws_init(&ws);
    int per_kind_fail[16] = {0}, per_kind[16] = {0};
    for (uint32_t i = 0; i < hdr[1]; i++) {
        case_head c;
        int32_t h6[6], nlen;
        read_exact(h6, sizeof h6);
        read_exact(&c.fparam, 8);
        nlen = read_i32();
        if (nlen < 0 || nlen >= (int32_t)sizeof c.name) {
            fprintf(stderr, "%s: bad case name length %d in case %u\n", ref_path, nlen, i);
            return 1;
        }
        read_exact(c.name, (size_t)nlen);
        c.name[nlen] = 0;
        c.kind = h6[0], c.w = h6[1], c.h = h6[2], c.nc = h6[3], c.iparam = h6[4], c.has_mask = h6[5];
        int ok = run_case(&c, &cc, &ws);
        checked_cases++;
        per_kind[c.kind & 15]++;
        if (!ok) {
            failed_cases++;
            per_kind_fail[c.kind & 15]++;
        }
    }
    fclose(ref);
    sw_components_free(&cc);
    sw_pixel_defects_ws_free(&ws);
    static const char *names[16] = {[K_OTSU] = "otsu",
                                    [K_OTSU_HIST] = "otsu-hist",
                                    [K_CC] = "components",
                                    [K_DEFECTS] = "stripe/missing/tile",
                                    [K_RGB2HSV] = "rgb2hsv",
                                    [K_HSV2RGB] = "hsv2rgb",
                                    [K_BOOST] = "boost",
                                    [K_DILATE] = "dilate",
                                    [K_HOLES] = "holes",
                                    [K_OBJECTS] = "objects",
                                    [K_HSV_ALL] = "hsv-exhaustive"};
    for (int k = 0; k < 16; k++)
        if (per_kind[k])
            printf("%-20s %4d cases, %d failed\n", names[k] ? names[k] : "?", per_kind[k], per_kind_fail[k]);
    printf("%s: %d of %d reference cases match exactly\n", failed_cases ? "FAIL" : "OK",
           checked_cases - failed_cases, checked_cases);
    return failed_cases ? 1 : 0;
}
