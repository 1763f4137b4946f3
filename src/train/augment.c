/* Sample making and augmentation (see augment.h). */
#include "src/train/augment.h"

#include "src/train/shuffle.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum { DRAW_KIND = 1, DRAW_X, DRAW_Y, DRAW_THETA, DRAW_FLIPH, DRAW_FLIPV };

static uint64_t draw(uint64_t seed, int epoch, long long index, int what) {
    return sw_key4(seed, 0x4155474dULL /* "AUGM" */ ^ ((uint64_t)what << 40), (uint64_t)epoch,
                   (uint64_t)index);
}

void sw_sample_make(float *x, uint8_t *y, const uint8_t *img, const uint8_t *mask,
                    const sw_sample_geom *g, int augment, uint64_t seed, int epoch,
                    long long index) {
    const int H = g->H, W = g->W, C = g->C, S = g->crop;
    float scale[64], shift[64];
    for (int c = 0; c < C && c < 64; c++) {
        const float sd = g->std[c] > 0 ? g->std[c] : 1.0f;
        scale[c] = 1.0f / sd, shift[c] = -g->mean[c] / sd;
    }
    int rotate = 0, fh = 0, fv = 0, x0 = (W - S) / 2, y0 = (H - S) / 2;
    double ct = 1, st = 0;
    if (augment) {
        rotate = draw(seed, epoch, index, DRAW_KIND) >> 63;
        if (!rotate) {
            x0 = (int)(draw(seed, epoch, index, DRAW_X) % (uint64_t)(W - S + 1));
            y0 = (int)(draw(seed, epoch, index, DRAW_Y) % (uint64_t)(H - S + 1));
        } else {
            const double th = 2.0 * M_PI * sw_unit(draw(seed, epoch, index, DRAW_THETA));
            ct = cos(th), st = sin(th);
        }
        fh = draw(seed, epoch, index, DRAW_FLIPH) >> 63;
        fv = draw(seed, epoch, index, DRAW_FLIPV) >> 63;
    }
    const double cy = (H - 1) * 0.5, cx = (W - 1) * 0.5, oc = (S - 1) * 0.5;
    for (int i = 0; i < S; i++) {
        const int si = fv ? S - 1 - i : i; /* the output row that receives sample row i */
        for (int j = 0; j < S; j++) {
            const int sj = fh ? S - 1 - j : j;
            float *xo = x + ((size_t)si * S + sj) * C;
            uint8_t *yo = y + (size_t)si * S + sj;
            if (!rotate) {
                const size_t p = (size_t)(y0 + i) * W + (x0 + j);
                for (int c = 0; c < C; c++) xo[c] = img[p * C + c] * scale[c] + shift[c];
                *yo = mask[p];
                continue;
            }
            /* source position of output (i, j): rotate about the centres */
            const double di = i - oc, dj = j - oc;
            const double sy = cy + ct * di - st * dj, sx = cx + st * di + ct * dj;
            const int ny = (int)floor(sy + 0.5), nx = (int)floor(sx + 0.5);
            if (sy < 0 || sx < 0 || sy > H - 1 || sx > W - 1) {
                for (int c = 0; c < C; c++) xo[c] = 0.0f;
                *yo = 255;
                continue;
            }
            const int iy = (int)sy, ix = (int)sx;
            const int iy1 = iy + 1 < H ? iy + 1 : iy, ix1 = ix + 1 < W ? ix + 1 : ix;
            const double fy = sy - iy, fx = sx - ix;
            for (int c = 0; c < C; c++) {
                const double v = (1 - fy) * ((1 - fx) * img[((size_t)iy * W + ix) * C + c] +
                                             fx * img[((size_t)iy * W + ix1) * C + c]) +
                                 fy * ((1 - fx) * img[((size_t)iy1 * W + ix) * C + c] +
                                       fx * img[((size_t)iy1 * W + ix1) * C + c]);
                xo[c] = (float)v * scale[c] + shift[c];
            }
            *yo = mask[(size_t)ny * W + nx];
        }
    }
}
