/* Test helper: per-class IoU of a class mask against a truth raster (both single-band Byte, 255 =
 * outside the footprint), read in strips through io/raster.h. Prints "class C iou X (pred P,
 * truth T, inter I)" for every class present in either, and "outside_mismatch N": pixels where
 * one is 255 and the other is not. Usage: run_iou MASK TRUTH [CLASS MIN_IOU]... ; exit 1 when a
 * class's IoU is below its minimum. */
#include "io/raster.h"

#include <stdio.h>
#include <stdlib.h>

static int open1(const char *path, sw_raster **r) {
    int one = 1;
    if (sw_raster_open(r, path) || sw_raster_select_bands(*r, &one, 1)) {
        fprintf(stderr, "run_iou: %s\n", sw_errmsg());
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: run_iou MASK TRUTH [CLASS MIN_IOU]...\n");
        return 2;
    }
    sw_raster *a, *b;
    if (open1(argv[1], &a) || open1(argv[2], &b)) return 2;
    const sw_raster_info *ia = sw_raster_get_info(a), *ib = sw_raster_get_info(b);
    if (ia->width != ib->width || ia->height != ib->height) {
        fprintf(stderr, "run_iou: sizes differ: %dx%d vs %dx%d\n", ia->width, ia->height, ib->width, ib->height);
        return 2;
    }
    int W = ia->width, H = ia->height, S = 256;
    uint8_t *pa = malloc((size_t)W * S), *va = malloc((size_t)W * S), *pb = malloc((size_t)W * S), *vb = malloc((size_t)W * S);
    long long pred[256] = {0}, truth[256] = {0}, inter[256] = {0}, outside = 0, conf9[256] = {0};
    for (int y = 0; y < H; y += S) {
        int h = H - y < S ? H - y : S;
        if (sw_raster_read_u8(a, 0, y, W, h, pa, va) || sw_raster_read_u8(b, 0, y, W, h, pb, vb)) {
            fprintf(stderr, "run_iou: %s\n", sw_errmsg());
            return 2;
        }
        for (size_t i = 0; i < (size_t)W * h; i++) {
            int ca = va[i] ? pa[i] : 255, cb = vb[i] ? pb[i] : 255;
            if ((ca == 255) != (cb == 255)) outside++;
            if (ca == 255 || cb == 255) continue;
            pred[ca]++, truth[cb]++;
            if (cb == 9) conf9[ca]++;
            if (ca == cb) inter[ca]++;
        }
    }
    int bad = 0;
    for (int c = 1; c < 255; c++) {
        if (!pred[c] && !truth[c]) continue;
        double iou = (double)inter[c] / (double)(pred[c] + truth[c] - inter[c]);
        printf("class %d iou %.4f (pred %lld, truth %lld, inter %lld)\n", c, iou, pred[c], truth[c], inter[c]);
    }
    printf("outside_mismatch %lld\ntruth 9 predicted as:", outside);
    for (int c = 0; c < 255; c++)
        if (conf9[c]) printf(" %d:%lld", c, conf9[c]);
    printf("\n");
    for (int k = 3; k + 1 < argc; k += 2) {
        int c = atoi(argv[k]);
        double min = atof(argv[k + 1]);
        double iou = pred[c] + truth[c] - inter[c] ? (double)inter[c] / (double)(pred[c] + truth[c] - inter[c]) : 0;
        if (iou < min) {
            printf("FAIL: class %d iou %.4f < %.4f\n", c, iou, min);
            bad = 1;
        }
    }
    free(pa), free(va), free(pb), free(vb);
    sw_raster_close(a), sw_raster_close(b);
    return bad;
}
