/* The defect renderer in memory (no files): pixels must not depend on the tiling or on the number
 * of threads; the truth must follow the invariants (class 10 <=> pure black / white, footprint
 * 255 / mask 0 outside, instance ids agree with classes and counts); scenes are deterministic. */
#include "src/synth/render.h"
#include "src/synth/scene.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

typedef struct {
    int W, H;
    uint8_t *rgb, *mask, *truth;
    uint32_t *inst;
    int64_t *counts;
} image;

static void image_alloc(image *im, const sw_scene *sc) {
    im->W = (int)sc->width, im->H = (int)sc->height;
    size_t n = (size_t)im->W * (size_t)im->H;
    im->rgb = calloc(n, 3);
    im->mask = calloc(n, 1);
    im->truth = calloc(n, 1);
    im->inst = calloc(n, sizeof(uint32_t));
    im->counts = calloc((size_t)sc->ninst + 1, sizeof(int64_t));
}

static void image_free(image *im) {
    free(im->rgb);
    free(im->mask);
    free(im->truth);
    free(im->inst);
    free(im->counts);
}

/* Renders the whole scene on a grid of tile x tile shifted by (sx, sy), with `threads` threads. */
static void render(const sw_scene *sc, image *im, int tile, int sx, int sy, int threads) {
    omp_set_num_threads(threads);
    int nt = threads;
    sw_render_scratch **scr = calloc((size_t)nt, sizeof *scr);
    int64_t *tc = calloc((size_t)nt * (size_t)(sc->ninst + 1), sizeof(int64_t));
    for (int t = 0; t < nt; t++) scr[t] = sw_render_scratch_new(sc, tile);
    int gx0 = sx ? sx - tile : 0, gy0 = sy ? sy - tile : 0;
    int ntx = (im->W - gx0 + tile - 1) / tile, nty = (im->H - gy0 + tile - 1) / tile;
#pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < ntx * nty; k++) {
        int x0 = gx0 + (k % ntx) * tile, y0 = gy0 + (k / ntx) * tile, x1 = x0 + tile, y1 = y0 + tile;
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 > im->W) x1 = im->W;
        if (y1 > im->H) y1 = im->H;
        if (x1 <= x0 || y1 <= y0) continue;
        size_t off = (size_t)y0 * (size_t)im->W + (size_t)x0;
        int th = omp_get_thread_num();
        sw_render_tile(sc, scr[th], x0, y0, x1 - x0, y1 - y0, im->rgb + off * 3, im->mask + off, im->truth + off,
                       im->inst + off, (size_t)im->W, tc + (size_t)th * (size_t)(sc->ninst + 1));
    }
    for (int t = 0; t < nt; t++) {
        for (int i = 0; i <= sc->ninst; i++) im->counts[i] += tc[(size_t)t * (size_t)(sc->ninst + 1) + (size_t)i];
        sw_render_scratch_free(scr[t]);
    }
    free(scr);
    free(tc);
}

static int same(const image *a, const image *b) {
    size_t n = (size_t)a->W * (size_t)a->H;
    return !memcmp(a->rgb, b->rgb, n * 3) && !memcmp(a->mask, b->mask, n) && !memcmp(a->truth, b->truth, n) &&
           !memcmp(a->inst, b->inst, n * sizeof(uint32_t));
}

static void build(sw_scene *sc, int W, int H, uint64_t seed, double density) {
    sw_scene_params p;
    memset(&p, 0, sizeof p);
    p.width = W, p.height = H, p.seed = seed, p.m_per_px = 1.0, p.density = density;
    for (int c = 0; c < SW_NCLASSES; c++) p.counts[c] = -1;
    p.sun_azimuth = p.sun_elevation = NAN;
    p.seam_band = 8;
    if (sw_scene_build(sc, &p) != SW_OK) {
        fprintf(stderr, "FAIL: scene build: %s\n", sw_errmsg());
        exit(1);
    }
}

static void check_invariants(const sw_scene *sc, const image *im) {
    size_t n = (size_t)im->W * (size_t)im->H;
    int64_t bad_pure = 0, bad_out = 0, bad_inst = 0, per_inst_mismatch = 0, present[SW_NCLASSES] = {0};
    int64_t *cnt = calloc((size_t)sc->ninst + 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = im->rgb + i * 3;
        int black = !p[0] && !p[1] && !p[2], white = p[0] == 255 && p[1] == 255 && p[2] == 255;
        if (!im->mask[i]) {
            bad_out += im->truth[i] != 255 || p[0] || p[1] || p[2] || im->inst[i];
            continue;
        }
        bad_out += im->truth[i] > 10;
        bad_pure += (im->truth[i] == 10) != (black || white);
        uint32_t id = im->inst[i];
        if (id) {
            bad_inst += id > (uint32_t)sc->ninst || sc->inst[id - 1].cls != im->truth[i];
            cnt[id]++;
        } else {
            bad_inst += im->truth[i] != 0;
        }
        if (im->truth[i] <= 10) present[im->truth[i]]++;
    }
    for (int i = 1; i <= sc->ninst; i++) per_inst_mismatch += cnt[i] != im->counts[i];
    CHECK(bad_pure == 0, "%lld pixels break 'class 10 <=> pure black or white'", (long long)bad_pure);
    CHECK(bad_out == 0, "%lld pixels break the footprint rules (outside: 0 / 255 / mask 0)", (long long)bad_out);
    CHECK(bad_inst == 0, "%lld pixels have an instance of another class", (long long)bad_inst);
    CHECK(per_inst_mismatch == 0, "%lld instances' pixel counts disagree with the instance raster",
          (long long)per_inst_mismatch);
    for (int c = 1; c < SW_NCLASSES; c++) CHECK(present[c] > 0, "class %d (%s) is missing", c, sw_class_name(c));
    free(cnt);
}

/* The default density on a 50000 x 50000 mosaic (--size accepts up to 1000000): the stitching
 * patches grow with the area past SW_SYNTH_MAX_STITCH; the default is capped, not refused. */
static void check_large_default(void) {
    sw_scene big;
    build(&big, 50000, 50000, 7, 1.0);
    int n[SW_NCLASSES] = {0};
    for (int i = 0; i < big.ninst; i++) n[big.inst[i].cls]++;
    CHECK(n[SW_CLS_STITCH_TRACE] == SW_SYNTH_MAX_STITCH / 2 && n[SW_CLS_STITCH_MISALIGN] == SW_SYNTH_MAX_STITCH / 2,
          "50000 x 50000 at the default density: %d + %d stitching patches, expected the cap %d + %d",
          n[SW_CLS_STITCH_TRACE], n[SW_CLS_STITCH_MISALIGN], SW_SYNTH_MAX_STITCH / 2, SW_SYNTH_MAX_STITCH / 2);
    sw_scene_free(&big);
}

int main(void) {
    check_large_default();
    sw_scene sc, sc2;
    build(&sc, 1536, 1280, 11, 1.0);
    build(&sc2, 1536, 1280, 11, 1.0);
    CHECK(sc.ninst == sc2.ninst && !memcmp(sc.inst, sc2.inst, sizeof(sw_inst) * (size_t)sc.ninst),
          "the same seed drew different instances");
    CHECK(sc.footprint_fraction > 0.6 && sc.footprint_fraction < 0.9, "footprint covers %.2f of the frame",
          sc.footprint_fraction);
    sw_scene_free(&sc2);
    for (int i = 0; i < sc.ninst; i++) {
        const sw_inst *I = &sc.inst[i];
        CHECK(I->id == i + 1, "instance %d has id %d", i, I->id);
        CHECK(I->radius <= SW_SYNTH_HALO, "instance %d needs %d px of context (> halo)", I->id, I->radius);
        if (I->cls == SW_CLS_STRIPE_NOISE) {
            double w = (double)(I->x1 - I->x0), h = (double)(I->y1 - I->y0);
            CHECK(w / h > 5 || w / h < 0.2 || I->u.stripe.len < 100, "stripe %d has a box of %g x %g", I->id, w, h);
        }
    }

    image a, b, c;
    image_alloc(&a, &sc);
    image_alloc(&b, &sc);
    image_alloc(&c, &sc);
    render(&sc, &a, 512, 0, 0, 1);
    render(&sc, &b, 192, 77, 131, 2);
    render(&sc, &c, 64, 0, 0, 2);
    CHECK(same(&a, &b), "tiles of 192 shifted by (77, 131) on 2 threads differ from tiles of 512 on 1 thread");
    CHECK(same(&a, &c), "tiles of 64 differ from tiles of 512");
    check_invariants(&sc, &a);

    /* another seed: another mosaic */
    sw_scene sd;
    build(&sd, 1536, 1280, 12, 1.0);
    image d;
    image_alloc(&d, &sd);
    render(&sd, &d, 512, 0, 0, 2);
    CHECK(memcmp(a.rgb, d.rgb, (size_t)a.W * (size_t)a.H * 3) != 0, "seeds 11 and 12 give the same pixels");
    image_free(&a);
    image_free(&b);
    image_free(&c);
    image_free(&d);
    sw_scene_free(&sc);
    sw_scene_free(&sd);
    if (failures) {
        fprintf(stderr, "test_synth_render: %d failures\n", failures);
        return 1;
    }
    printf("test_synth_render: ok\n");
    return 0;
}
