/* Test data for swath train: synthesizes a mosaic with exact truth and cuts it into chips.h5
 * (train from the left 75 % of the columns, val from the rest: spatially disjoint).
 *   make_chips OUT.h5 [W H TILE STRIDE SEED]
 * Classes: 0 land (smooth noisy texture), 1 "cloud" discs (brighter, with a soft edge and
 * texture), 2 "shadow" bands (darker, bluish), 255 ignore (a no-data border). The pixel noise
 * (sigma 28 of 255) makes single pixels ambiguous: a per-pixel colour rule reaches a mean IoU
 * of about 0.5; context from convolutions is needed to do better (tests/train.cmake). */
#include "io/chips_write.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs;
static double rnd(void) { /* xorshift64*, uniform [0,1) */
    rs ^= rs >> 12, rs ^= rs << 25, rs ^= rs >> 27;
    return (double)((rs * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static double gauss(void) {
    double u = rnd() + 1e-12, v = rnd();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: make_chips OUT.h5 [W H TILE STRIDE SEED]\n");
        return 2;
    }
    const int W = argc > 2 ? atoi(argv[2]) : 384, H = argc > 3 ? atoi(argv[3]) : 256;
    const int T = argc > 4 ? atoi(argv[4]) : 48, S = argc > 5 ? atoi(argv[5]) : 24;
    rs = argc > 6 ? strtoull(argv[6], NULL, 10) * 2654435761ULL + 1 : 12345;
    const int C = 3, K = 3;
    uint8_t *img = malloc((size_t)W * H * C), *lab = malloc((size_t)W * H);
    float *f = malloc((size_t)W * H * sizeof *f);
    /* land: smooth random field */
    for (size_t i = 0; i < (size_t)W * H; i++) f[i] = 0;
    for (int k = 0; k < 12; k++) {
        const double fx = 0.01 + 0.05 * rnd(), fy = 0.01 + 0.05 * rnd(), ph = 6.28 * rnd();
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) f[(size_t)y * W + x] += (float)(10 * sin(fx * x + fy * y + ph));
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) lab[(size_t)y * W + x] = 0;
    /* shadow bands */
    for (int k = 0; k < W * H / 9000; k++) {
        const double cx = W * rnd(), cy = H * rnd(), a = M_PI * rnd(), len = 15 + 30 * rnd(),
                     wid = 3 + 5 * rnd();
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const double dx = x - cx, dy = y - cy, u = dx * cos(a) + dy * sin(a),
                             v = -dx * sin(a) + dy * cos(a);
                if (fabs(u) < len && fabs(v) < wid) lab[(size_t)y * W + x] = 2;
            }
    }
    /* cloud discs */
    for (int k = 0; k < W * H / 6000; k++) {
        const double cx = W * rnd(), cy = H * rnd(), r = 5 + 12 * rnd();
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (hypot(x - cx, y - cy) < r) lab[(size_t)y * W + x] = 1;
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const size_t i = (size_t)y * W + x;
            double base[3] = {110 + f[i], 120 + f[i], 90 + 0.5 * f[i]};
            if (lab[i] == 1) base[0] += 45, base[1] += 45, base[2] += 60;
            if (lab[i] == 2) base[0] -= 40, base[1] -= 35, base[2] -= 10;
            for (int c = 0; c < C; c++) {
                double v = base[c] + 28 * gauss();
                img[i * C + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
            if (x < 6 || y < 6 || x >= W - 6 || y >= H - 6) lab[i] = 255, img[i * 3] = img[i * 3 + 1] = img[i * 3 + 2] = 0;
        }
    sw_chips_header h = {C, K, T, T, S, NULL, "synthetic", NULL};   /* no source bands: none recorded */
    const char names[3][SW_CHIPS_CLASS_NAME] = {"land", "cloud", "shadow"};
    h.class_names = names;
    sw_chips_writer *w;
    if (sw_chips_writer_create(argv[1], &h, &w)) return fprintf(stderr, "create failed\n"), 1;
    uint8_t *ci = malloc((size_t)T * T * C), *cm = malloc((size_t)T * T), labels[3];
    double sum[3] = {0}, sq[3] = {0}, n = 0;
    long long hist[3] = {0};
    const int xsplit = W * 3 / 4;
    for (int y0 = 0; y0 + T <= H; y0 += S)
        for (int x0 = 0; x0 + T <= W; x0 += S) {
            const int train = x0 + T <= xsplit, val = x0 >= xsplit;
            if (!train && !val) continue;
            memset(labels, 0, sizeof labels);
            for (int y = 0; y < T; y++)
                for (int x = 0; x < T; x++) {
                    const size_t i = (size_t)(y0 + y) * W + x0 + x, o = (size_t)y * T + x;
                    cm[o] = lab[i];
                    for (int c = 0; c < C; c++) ci[o * C + c] = img[i * C + c];
                    if (lab[i] < K) {
                        labels[lab[i]] = 1;
                        if (train) {
                            hist[lab[i]]++, n++;
                            for (int c = 0; c < C; c++) sum[c] += ci[o * C + c], sq[c] += (double)ci[o * C + c] * ci[o * C + c];
                        }
                    }
                }
            const int32_t org[3] = {0, x0, y0};
            if (sw_chips_writer_add(w, train ? SW_SPLIT_TRAIN : SW_SPLIT_VAL, ci, cm, labels, org, NULL, 0))
                return fprintf(stderr, "add failed\n"), 1;
        }
    /* baselines on the val area: the majority class everywhere, and the nearest class-mean
     * colour per pixel (class means from the train area) */
    {
        double cm3[3][3] = {{0}}, cn[3] = {0}, conf[2][3][3] = {{{0}}};
        for (int y = 0; y < H; y++)
            for (int x = 0; x < xsplit; x++) {
                const size_t i = (size_t)y * W + x;
                if (lab[i] >= K) continue;
                cn[lab[i]]++;
                for (int c = 0; c < C; c++) cm3[lab[i]][c] += img[i * C + c];
            }
        for (int k = 0; k < K; k++)
            for (int c = 0; c < C; c++) cm3[k][c] /= cn[k] > 0 ? cn[k] : 1;
        for (int y = 0; y < H; y++)
            for (int x = xsplit; x < W; x++) {
                const size_t i = (size_t)y * W + x;
                if (lab[i] >= K) continue;
                int best = 0;
                double bd = 1e30;
                for (int k = 0; k < K; k++) {
                    double d = 0;
                    for (int c = 0; c < C; c++) d += (img[i * C + c] - cm3[k][c]) * (img[i * C + c] - cm3[k][c]);
                    if (d < bd) bd = d, best = k;
                }
                conf[0][lab[i]][0]++;
                conf[1][lab[i]][best]++;
            }
        for (int b = 0; b < 2; b++) {
            double s = 0;
            int nk = 0;
            for (int k = 0; k < K; k++) {
                double tp = conf[b][k][k], row = 0, col = 0;
                for (int j = 0; j < K; j++) row += conf[b][k][j], col += conf[b][j][k];
                if (row + col - tp > 0) s += tp / (row + col - tp), nk++;
            }
            printf("%s val mIoU %.3f\n", b ? "nearest-colour per-pixel rule:" : "majority class:", nk ? s / nk : 0);
        }
    }
    float mean[3], sd[3];
    for (int c = 0; c < C; c++) mean[c] = (float)(sum[c] / n), sd[c] = (float)sqrt(sq[c] / n - (sum[c] / n) * (sum[c] / n));
    if (sw_chips_writer_finish(w, mean, sd, hist)) return fprintf(stderr, "finish failed\n"), 1;
    printf("train pixels per class %lld %lld %lld\n", hist[0], hist[1], hist[2]);
    free(img), free(lab), free(f), free(ci), free(cm);
    return 0;
}
