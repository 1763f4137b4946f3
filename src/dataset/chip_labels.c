/* Multi-label vectors and single points of a chip (see chip_labels.h). */
#include "src/dataset/chip_labels.h"

#include <stdlib.h>
#include <string.h>

int sw_chip_classes(uint8_t *labels, const uint8_t *mask, int w, int h, int K) {
    memset(labels, 0, (size_t)K);
    for (long long i = 0; i < (long long)w * h; i++)
        if (mask[i] < K) labels[mask[i]] = 1;
    for (int k = 1; k < K; k++)
        if (labels[k]) return 1;
    return 0;
}

sw_status sw_chip_points(int32_t **pts, long long *cap, long long *npts, sw_components *cc, int32_t *lab,
                         const uint8_t *mask, const uint8_t *labels, int w, int h, int K) {
    *npts = 0;
    double *sum = NULL;
    long long *best = NULL;
    double *bestd = NULL;
    size_t scap = 0;
    sw_status st = SW_OK;
    for (int k = 1; k < K && !st; k++) {
        if (!labels[k]) continue;
        st = sw_components_label_range(cc, lab, mask, NULL, w, h, 1, 0, k, k, 8);
        if (st) break;
        const int n = cc->n;
        if ((size_t)n > scap) {
            free(sum), free(best), free(bestd);
            scap = (size_t)n;
            sum = malloc(scap * 2 * sizeof *sum);
            best = malloc(scap * sizeof *best);
            bestd = malloc(scap * sizeof *bestd);
            if (!sum || !best || !bestd) {
                st = sw_fail(SW_ERR_RUNTIME, "out of memory for %d regions of a chip", n);
                break;
            }
        }
        memset(sum, 0, (size_t)n * 2 * sizeof *sum);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int l = lab[(long long)y * w + x];
                if (l) sum[2 * (l - 1)] += y, sum[2 * (l - 1) + 1] += x;
            }
        for (int i = 0; i < n; i++) {
            double a = (double)cc->comp[i].area;
            sum[2 * i] /= a, sum[2 * i + 1] /= a;
            best[i] = -1;
            bestd[i] = 1e300;
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const long long p = (long long)y * w + x;
                int l = lab[p];
                if (!l) continue;
                double dy = y - sum[2 * (l - 1)], dx = x - sum[2 * (l - 1) + 1], d = dy * dy + dx * dx;
                if (d < bestd[l - 1]) bestd[l - 1] = d, best[l - 1] = p;
            }
        if (*npts + n > *cap) {
            long long nc = (*npts + n) * 2;
            int32_t *np = realloc(*pts, (size_t)nc * 3 * sizeof *np);
            if (!np) {
                st = sw_fail(SW_ERR_RUNTIME, "out of memory for %lld points", nc);
                break;
            }
            *pts = np, *cap = nc;
        }
        for (int i = 0; i < n; i++) {
            int32_t *q = *pts + 3 * (*npts)++;
            q[0] = (int32_t)(best[i] / w), q[1] = (int32_t)(best[i] % w), q[2] = k;
        }
    }
    free(sum), free(best), free(bestd);
    return st;
}
