/* Speed of the pixel-defects detectors (src/image/pixel_defects.h) on a synthetic 2048x2048 RGB
 * tile: stripe noise (with and without the saturation boost), pixel missing, the whole tile, and
 * the labeller alone, and the post-processing of a class mask; best of N runs, one thread. Two tiles: a
 * smooth scene with stripes and missing pixels (typical), and uniform noise (the labeller's worst case: ~10^6
 * components). Each tile is timed twice: without a validity mask, and with one (an elliptic footprint,
 * ~80 % valid, as a mosaic's edge tile; the run always passes one). Usage: bench_image [--size N]
 * [--runs N] [--dump PREFIX] [--tile RGB MASK]; --dump writes PREFIX.{scene,noise}.raw for
 * `tests/ref/image_ref.py --bench PREFIX.scene.raw N N` (cv2 on the same tile); --tile adds a third tile
 * read from raw files, (N,N,3) and (N,N) bytes (e.g. mosaic.tif of `swath synth defects --size N`).
 */
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
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t rng_state = 0x853c49e6748fea9bull;
static uint32_t rng_u32(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A smooth scene, ~400 stripes (bright or dark, horizontal or vertical, 1-3 px, partial length),
 * and ~0.1 % missing pixels. */
static void make_scene(uint8_t *t /* (n,n,3) */, int n) {
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            for (int c = 0; c < 3; c++) {
                double f = 90 + 50 * sin(x / (37.0 + 9 * c)) * cos(y / (53.0 + 7 * c)) +
                           30.0 * (x + y) / (2 * n) + (double)(rng_u32() % 13) - 6;
                t[3 * ((size_t)y * n + x) + c] = (uint8_t)(f < 0 ? 0 : f > 255 ? 255 : f);
            }
    for (int k = 0; k < 400; k++) {
        uint8_t v = rng_u32() % 10 < 7 ? (uint8_t)(200 + rng_u32() % 56) : (uint8_t)(rng_u32() % 40);
        int th = 1 + rng_u32() % 3, a = rng_u32() % n, b0 = rng_u32() % (n / 2),
            len = 1 + rng_u32() % (n - b0);
        for (int i = 0; i < th && a + i < n; i++)
            for (int j = b0; j < b0 + len; j++) {
                size_t px = k % 2 ? (size_t)(a + i) * n + j : (size_t)j * n + a + i;
                memset(t + 3 * px, v, 3);
            }
    }
    for (size_t i = 0; i < (size_t)n * n / 1000; i++)
        memset(t + 3 * (rng_u32() % ((size_t)n * n)), 0, 3);
}

typedef void (*bench_fn)(void *arg);

/* Best wall time of `runs` calls, after one warm-up call. */
static double best_of(bench_fn fn, void *arg, int runs) {
    fn(arg);
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        fn(arg);
        double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

typedef struct {
    sw_pixel_defects_ws ws;
    uint8_t *cls, *tile, *mask, *mask2;
    const uint8_t *valid; /* (n,n) or NULL: the validity mask of the timed calls */
    int n;
} ctx;

static void run_stripe(void *a) {
    ctx *c = a;
    if (sw_stripe_noise_mark(&c->ws, c->cls, c->tile, c->valid, c->n, c->n, 0, 9)) abort();
}
static void run_stripe_boost(void *a) {
    ctx *c = a;
    if (sw_stripe_noise_mark(&c->ws, c->cls, c->tile, c->valid, c->n, c->n, 1, 9)) abort();
}
static void run_missing(void *a) {
    ctx *c = a;
    sw_pixel_missing_mark(c->cls, c->tile, c->valid, c->n, c->n, 10);
}
static void run_tile(void *a) {
    ctx *c = a;
    if (sw_pixel_defects_tile_ws(&c->ws, c->cls, c->tile, c->valid, c->n, c->n, 0)) abort();
}
static void run_hist(void *a) {
    ctx *c = a;
    int64_t hist[3 * 256];
    sw_otsu_hist(hist, c->tile, c->valid, c->n, c->n, 3);
}
static void run_boost(void *a) {
    ctx *c = a;
    sw_saturation_boost(c->ws.boost, c->tile, (int64_t)c->n * c->n, SW_SAT_BOOST_DELTA);
}
static void run_postprocess(void *a) { /* seed 4.7 on the stripe mask: disk(2), holes 10, objects */
    ctx *c = a;
    size_t npx = (size_t)c->n * c->n;
    for (size_t i = 0; i < npx; i++)
        c->mask[i] = c->cls[i] == 9;
    sw_mask_dilate_disk(c->mask2, c->mask, c->n, c->n, 2);
    if (sw_mask_remove_small_holes(c->mask2, &c->ws.cc, c->n, c->n, 10, 1)) abort();
    if (sw_mask_remove_small_objects(c->mask2, &c->ws.cc, c->n, c->n, 0.001 * npx, 2)) abort();
}
static void run_label3(void *a) { /* the labeller alone, 3 channels at a fixed threshold */
    ctx *c = a;
    for (int ch = 0; ch < 3; ch++)
        if (sw_components_label_range(&c->ws.cc, NULL, c->tile, c->valid, c->n, c->n, 3, ch, 128, 255, 8))
            abort();
}
static void run_label3_otsu(void *a) { /* the labeller as the stripe detector calls it: t+1..255 */
    ctx *c = a;
    int64_t hist[3 * 256];
    sw_otsu_hist(hist, c->tile, c->valid, c->n, c->n, 3);
    for (int ch = 0; ch < 3; ch++)
        if (sw_components_label_range(&c->ws.cc, NULL, c->tile, c->valid, c->n, c->n, 3, ch,
                                      sw_otsu_from_hist(hist + 256 * ch) + 1, 255, 8))
            abort();
}

/* Reads exactly n bytes of path into buf; 0 on success. */
static int read_raw(uint8_t *buf, size_t n, const char *path) {
    FILE *f = fopen(path, "rb");
    int ok = f && fread(buf, 1, n, f) == n;
    if (f) fclose(f);
    if (!ok) fprintf(stderr, "%s: cannot read %zu bytes\n", path, n);
    return !ok;
}

int main(int argc, char **argv) {
    int n = 2048, runs = 5;
    const char *dump = NULL, *tile_rgb = NULL, *tile_mask = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else if (!strcmp(argv[i], "--tile") && i + 2 < argc)
            tile_rgb = argv[i + 1], tile_mask = argv[i + 2], i += 2;
        else {
            fprintf(stderr, "usage: bench_image [--size N] [--runs N] [--dump PREFIX] [--tile RGB MASK]\n");
            return 2;
        }
    }
    size_t npx = (size_t)n * n;
    ctx c = {
        .n = n, .cls = calloc(npx, 1), .tile = malloc(3 * npx), .mask = malloc(npx), .mask2 = malloc(npx)};
    uint8_t *footprint = malloc(npx);
    if (!c.cls || !c.tile || !c.mask || !c.mask2 || !footprint) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    sw_pixel_defects_ws_init(&c.ws);
    static const struct {
        const char *name;
        bench_fn fn;
    } benches[] = {
        {"stripe noise (3x Otsu + 8-conn components + boxes)", run_stripe},
        {"stripe noise with saturation boost", run_stripe_boost},
        {"pixel missing", run_missing},
        {"tile (stripe + missing)", run_tile},
        {"  of which: 3-channel histograms", run_hist},
        {"  of which: labeller, 3 channels", run_label3},
        {"  labeller at the Otsu thresholds (+ histograms)", run_label3_otsu},
        {"  of which: saturation boost", run_boost},
        {"post-processing of the stripe mask (seed 4.7)", run_postprocess},
    };
    for (int scene = tile_rgb ? 2 : 1; scene >= 0; scene--) {
        if (scene == 2) {
            if (read_raw(c.tile, 3 * npx, tile_rgb) || read_raw(footprint, npx, tile_mask)) return 1;
        } else {
            if (scene)
                make_scene(c.tile, n);
            else
                for (size_t i = 0; i < 3 * npx; i++)
                    c.tile[i] = (uint8_t)rng_u32();
            for (int y = 0; y < n; y++) /* an ellipse leaning out of the tile: ~80 % valid */
                for (int x = 0; x < n; x++) {
                    double u = (x - 0.35 * n) / (0.6 * n), v = (y - 0.5 * n) / (0.5 * n);
                    footprint[(size_t)y * n + x] = u * u + v * v <= 1 ? 255 : 0;
                }
        }
        const char *name = scene == 2 ? "file" : scene ? "scene" : "noise";
        if (dump) {
            char path[4096];
            snprintf(path, sizeof path, "%s.%s.raw", dump, name);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(c.tile, 1, 3 * npx, f) != 3 * npx || fclose(f)) {
                fprintf(stderr, "%s: cannot write\n", path);
                return 1;
            }
        }
        for (int masked = 0; masked <= 1; masked++) {
            c.valid = masked ? footprint : NULL;
            size_t nvalid = 0;
            for (size_t i = 0; i < npx; i++)
                nvalid += footprint[i] != 0;
            memset(c.cls, 0, npx);
            run_tile(&c);
            size_t n9 = 0, n10 = 0;
            for (size_t i = 0; i < npx; i++)
                n9 += c.cls[i] == 9, n10 += c.cls[i] == 10;
            printf("%s tile %dx%dx3, %s: %.2f%% stripe, %.3f%% missing; %d components in the last channel\n",
                   name, n, n, masked ? "masked" : "no mask", 100.0 * n9 / npx, 100.0 * n10 / npx, c.ws.cc.n);
            if (masked) printf("  (mask: %.1f%% valid)\n", 100.0 * nvalid / npx);
            for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
                if (masked && (benches[b].fn == run_stripe_boost || benches[b].fn == run_boost ||
                               benches[b].fn == run_postprocess))
                    continue; /* not affected by the mask */
                double t = best_of(benches[b].fn, &c, runs);
                printf("  %-52s %8.2f ms %8.1f Mpx/s\n", benches[b].name, 1e3 * t, npx / t / 1e6);
            }
        }
    }
    sw_pixel_defects_ws_free(&c.ws);
    free(c.cls);
    free(c.tile);
    free(c.mask);
    free(c.mask2);
    free(footprint);
    return 0;
}
