/* Binary morphology on byte masks. The dilation ORs shifted rows, one pass per disk offset, which
 * the compiler vectorizes (13 passes for radius 2). The small-component filters work on the runs
 * of the component labeller, so they need no label image. */
#include "src/image/morphology.h"

#include <string.h>

void sw_mask_dilate_disk(uint8_t *out, const uint8_t *in, int w, int h, int radius) {
    if (radius < 0) radius = 0;
    for (int y = 0; y < h; y++) {
        uint8_t *o = out + (size_t)y * w;
        memset(o, 0, (size_t)w);
        for (int dy = -radius; dy <= radius; dy++) {
            int yy = y + dy;
            if (yy < 0 || yy >= h) continue;
            const uint8_t *s = in + (size_t)yy * w;
            /* widest dx with dx^2 + dy^2 <= r^2, in integers (skimage's test is on integers) */
            int hw = 0;
            while ((hw + 1) * (hw + 1) + dy * dy <= radius * radius)
                hw++;
            for (int dx = -hw; dx <= hw; dx++) {
                /* o[x] |= s[x + dx] for the x where x + dx is inside the row */
                int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w - dx : w;
                for (int x = x0; x < x1; x++)
                    o[x] |= s[x + dx] != 0;
            }
        }
    }
}

/* Clears (value 0) or sets (value 1) every run of every labelled component smaller than min. */
static void paint_small(uint8_t *mask, const sw_components *cc, int w, double min, uint8_t value) {
    for (int64_t r = 0; r < cc->nrun; r++) {
        const int32_t *ru = cc->run + 3 * r;
        if ((double)cc->comp[cc->run_label[r] - 1].area < min)
            memset(mask + (size_t)ru[2] * w + ru[0], value, (size_t)(ru[1] - ru[0]));
    }
}

static sw_status small_filter(uint8_t *mask, sw_components *cc, int w, int h, double min, int connectivity,
                              int holes) {
    if (connectivity != 1 && connectivity != 2)
        return sw_fail(SW_ERR_RUNTIME, "morphology: connectivity %d, expected 1 or 2", connectivity);
    sw_components own;
    sw_components *c = cc;
    if (!c) {
        sw_components_init(&own);
        c = &own;
    }
    /* outputs are 0/1 like skimage's bool arrays */
    for (size_t i = 0; i < (size_t)w * h; i++)
        mask[i] = mask[i] != 0;
    sw_status st = SW_OK;
    if (min > 0) { /* skimage returns early for min_size == 0; nothing is < a negative size */
        /* holes: components of the background, which are then set to 1 */
        st = sw_components_label_range(c, NULL, mask, NULL, w, h, 1, 0, holes ? 0 : 1, holes ? 0 : 1,
                                       connectivity == 1 ? 4 : 8);
        if (!st) paint_small(mask, c, w, min, holes ? 1 : 0);
    }
    if (c == &own) sw_components_free(&own);
    return st;
}

sw_status sw_mask_remove_small_objects(uint8_t *mask, sw_components *cc, int w, int h, double min_size,
                                       int connectivity) {
    return small_filter(mask, cc, w, h, min_size, connectivity, 0);
}

sw_status sw_mask_remove_small_holes(uint8_t *mask, sw_components *cc, int w, int h, double area_threshold,
                                     int connectivity) {
    return small_filter(mask, cc, w, h, area_threshold, connectivity, 1);
}
