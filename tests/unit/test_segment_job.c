/* The segment job through the runtime against the job run by hand: for a run with one scale,
 * no overlap and crop blending, every pixel of mask.tif must be the argmax (first maximum) of
 * the job's own scores on the tile that covers it, 255 where the mosaic is invalid.
 * With MIN_CLASSES, at least that many classes must occur (a model that predicts one class
 * everywhere would make the comparison weak).
 * usage: test_segment_job MOSAIC MODEL.h5 MASK.tif SIDE [MIN_CLASSES]
 * BANDS=B1,B2,... in the environment selects the mosaic's bands (as swath run --bands). */
#include "io/raster.h"
#include "jobs/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: test_segment_job MOSAIC MODEL.h5 MASK.tif SIDE [MIN_CLASSES]\n");
        return 2;
    }
    int side = atoi(argv[4]);
    sw_job_kind k = sw_job_segment;
    sw_job_params p = {argv[2], "cpu", NULL, 0};
    void *ctx = NULL;
    sw_raster *img = NULL, *mask = NULL;
    if (k.configure(&k, &p) || k.init(&ctx, &p) || sw_raster_open(&img, argv[1]) || sw_raster_open(&mask, argv[3])) {
        fprintf(stderr, "test_segment_job: %s\n", sw_errmsg());
        return 1;
    }
    if (getenv("BANDS")) {
        int sel[SW_RASTER_MAX_BANDS], n = 0;
        for (char *s = getenv("BANDS"); *s && n < SW_RASTER_MAX_BANDS; s += *s == ',') sel[n++] = (int)strtol(s, &s, 10);
        if (sw_raster_select_bands(img, sel, n)) {
            fprintf(stderr, "test_segment_job: BANDS: %s\n", sw_errmsg());
            return 1;
        }
    }
    const sw_raster_info *in = sw_raster_get_info(img);
    int W = (int)in->width, H = (int)in->height, K = k.nclasses;
    size_t cap = (size_t)side * side;
    uint8_t *pix = malloc(cap * k.nbands), *val = malloc(cap), *sc = malloc(cap * K), *m = malloc(cap), *mv = malloc(cap);
    long long bad = 0, checked = 0, classes[16] = {0};
    for (int y = 0; y < H; y += side)
        for (int x = 0; x < W; x += side) {
            int w = W - x < side ? W - x : side, h = H - y < side ? H - y : side;
            size_t n = (size_t)w * h;
            if (sw_raster_read_u8(img, x, y, w, h, pix, val) || k.process(ctx, sc, pix, val, w, h) ||
                sw_raster_read_u8(mask, x, y, w, h, m, mv)) {
                fprintf(stderr, "test_segment_job: %s\n", sw_errmsg());
                return 1;
            }
            for (size_t i = 0; i < n; i++) {
                int want = 255;
                if (val[i]) {
                    want = 0;
                    for (int c = 1; c < K; c++)
                        if (sc[(size_t)c * n + i] > sc[(size_t)want * n + i]) want = c;
                    classes[want]++;
                }
                int got = mv[i] ? m[i] : 255;   /* one band; 255 is the mask's nodata */
                if (got != want && bad++ < 5)
                    fprintf(stderr, "pixel %d,%d: mask %d, the job's argmax %d\n", x + (int)(i % w), y + (int)(i / w), got, want);
                checked++;
            }
        }
    printf("%lld pixels checked, %lld differ; classes:", checked, bad);
    for (int c = 0; c < K; c++) printf(" %d:%lld", c, classes[c]);
    printf("\n");
    int present = 0, min_classes = argc == 6 ? atoi(argv[5]) : 0;
    for (int c = 0; c < K && c < 16; c++) present += classes[c] > 0;
    if (present < min_classes) {
        fprintf(stderr, "only %d class(es) occur, fewer than %d: the check is too weak\n", present, min_classes);
        bad++;
    }
    k.free(ctx);
    sw_raster_close(img), sw_raster_close(mask);
    free(pix), free(val), free(sc), free(m), free(mv);
    return bad ? 1 : 0;
}
