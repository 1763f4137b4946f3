/* Synchronized batch norm (see syncbn.h). The global count travels with the sums, so ranks may
 * hold different numbers of pixels. */
#include "src/nn/syncbn.h"

#include <math.h>
#include <string.h>

void nn_syncbn_forward(const nn_bn_sync *s, float *out, float *mean, float *var,
                       float *running_mean, float *running_var, const float *inp,
                       const float *gamma, const float *beta, int P, int C, float momentum,
                       float eps, const void *be) {
    (void)be;
    double *b = s->scratch; /* [sum x (C), sum x^2 (C), count] */
    memset(b, 0, (2 * (size_t)C + 1) * sizeof *b);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        double sx = 0.0, sxx = 0.0;
        for (int p = 0; p < P; p++) {
            const double v = inp[(size_t)p * C + c];
            sx += v;
            sxx += v * v;
        }
        b[c] = sx, b[C + c] = sxx;
    }
    b[2 * C] = P;
    s->allreduce(s->ctx, b, 2 * C + 1);
    const double n = b[2 * C];
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const double m = b[c] / n;
        double v = b[C + c] / n - m * m;
        if (v < 0) v = 0;
        mean[c] = (float)m;
        var[c] = (float)v;
        const double unbiased = n > 1 ? v * n / (n - 1) : v;
        running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * m);
        running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
        const double rstd = 1.0 / sqrt(v + eps);
        const double scale = gamma[c] * rstd, shift = beta[c] - m * scale;
        for (int p = 0; p < P; p++)
            out[(size_t)p * C + c] = (float)(inp[(size_t)p * C + c] * scale + shift);
    }
}

void nn_syncbn_backward(const nn_bn_sync *s, float *dinp, float *dgamma, float *dbeta,
                        const float *dout, const float *inp, const float *gamma,
                        const float *mean, const float *var, int P, int C, float eps) {
    double *b = s->scratch; /* [sum dy (C), sum dy xhat (C), count] */
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const double rstd = 1.0 / sqrt((double)var[c] + eps), m = mean[c];
        double sdy = 0.0, sdyx = 0.0;
        for (int p = 0; p < P; p++) {
            const double dy = dout[(size_t)p * C + c];
            sdy += dy;
            sdyx += dy * (inp[(size_t)p * C + c] - m) * rstd;
        }
        if (dgamma) dgamma[c] += (float)sdyx;
        if (dbeta) dbeta[c] += (float)sdy;
        b[c] = sdy, b[C + c] = sdyx;
    }
    b[2 * C] = P;
    s->allreduce(s->ctx, b, 2 * C + 1);
    if (!dinp) return;
    const double n = b[2 * C];
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const double rstd = 1.0 / sqrt((double)var[c] + eps), m = mean[c];
        const double sdy = b[c], sdyx = b[C + c], k = gamma[c] * rstd / n;
        for (int p = 0; p < P; p++) {
            const size_t i = (size_t)p * C + c;
            const double xhat = (inp[i] - m) * rstd;
            dinp[i] = (float)(k * (n * (double)dout[i] - sdy - xhat * sdyx));
        }
    }
}
