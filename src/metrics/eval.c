/* Block-streamed mask evaluation (see eval.h). */
#include "src/metrics/eval.h"

#include "io/raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sw_status open_mask(sw_raster **r, const char *path, const char *role) {
    sw_status st = sw_raster_open(r, path);
    if (st) return sw_fail_ctx(st, "%s", role);
    const sw_raster_info *in = sw_raster_get_info(*r);
    int band = 1;
    if (in->nbands != 1)
        st = sw_fail(SW_ERR_INPUT, "%s '%s' has %d bands: a class mask has one band of Byte class ids", role, path,
                     in->nbands);
    else if (strcmp(in->dtype, "Byte") != 0)
        st = sw_fail(SW_ERR_INPUT, "%s '%s', band 1: type %s, expected Byte class ids", role, path, in->dtype);
    else st = sw_raster_select_bands(*r, &band, 1);
    if (st) {
        sw_raster_close(*r);
        *r = NULL;
    }
    return st;
}

static sw_status same_grid(const sw_raster_info *a, const sw_raster_info *b) {
    if (a->width != b->width || a->height != b->height)
        return sw_fail(SW_ERR_INPUT, "the mask '%s' is %dx%d but the truth '%s' is %dx%d", a->path, a->width,
                       a->height, b->path, b->width, b->height);
    double px = fabs(a->gt[1]) + fabs(a->gt[5]);
    for (int i = 0; i < 6; i++)
        if (fabs(a->gt[i] - b->gt[i]) > 1e-6 * px)
            return sw_fail(SW_ERR_INPUT, "the mask '%s' and the truth '%s' have different geotransforms "
                           "(term %d: %.12g vs %.12g)", a->path, b->path, i, a->gt[i], b->gt[i]);
    if (a->crs_name[0] && b->crs_name[0] && strcmp(a->crs_name, b->crs_name) != 0)
        return sw_fail(SW_ERR_INPUT, "the mask '%s' is in '%s' but the truth '%s' in '%s'", a->path, a->crs_name,
                       b->path, b->crs_name);
    return SW_OK;
}

sw_status sw_eval_masks(const char *mask_path, const char *truth_path, sw_confusion *out) {
    sw_confusion_init(out);
    sw_raster *m = NULL, *t = NULL;
    sw_status st = open_mask(&m, mask_path, "mask");
    if (!st) st = open_mask(&t, truth_path, "truth");
    if (!st) st = same_grid(sw_raster_get_info(m), sw_raster_get_info(t));
    int W = st ? 0 : sw_raster_get_info(m)->width, H = st ? 0 : sw_raster_get_info(m)->height;
    int bw = W < 4096 ? W : 4096, bh = bw > 0 ? (1 << 22) / bw : 1;
    if (bh > H) bh = H;
    size_t n = (size_t)bw * (size_t)(bh > 0 ? bh : 1);
    uint8_t *buf = st ? NULL : malloc(4 * n);
    if (!st && !buf) st = sw_fail(SW_ERR_RUNTIME, "out of memory for eval windows (%zu bytes)", 4 * n);
    for (int y = 0; !st && y < H; y += bh)
        for (int x = 0; !st && x < W; x += bw) {
            int w = W - x < bw ? W - x : bw, h = H - y < bh ? H - y : bh;
            uint8_t *pm = buf, *vm = buf + n, *pt = buf + 2 * n, *vt = buf + 3 * n;
            st = sw_raster_read_u8(m, x, y, w, h, pm, vm);
            if (!st) st = sw_raster_read_u8(t, x, y, w, h, pt, vt);
            if (!st) sw_confusion_add(out, pt, vt, pm, vm, (int64_t)w * h);
        }
    free(buf);
    sw_raster_close(m);
    sw_raster_close(t);
    return st;
}
