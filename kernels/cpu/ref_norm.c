/* Reference batch norm over (P,C) = NHWC pixels by channels, PyTorch semantics. */
#include "kernels/cpu/ref.h"

#include <math.h>
#include <stdlib.h>

void ref_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                           float *running_var, const float *inp, const float *gamma,
                           const float *beta, int P, int C, float momentum, float eps,
                           int training) {
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        double m, v;
        if (training) {
            double s = 0.0, ss = 0.0;
            for (int p = 0; p < P; p++) s += inp[(size_t)p * C + c];
            m = s / P;
            for (int p = 0; p < P; p++) {
                const double t = inp[(size_t)p * C + c] - m;
                ss += t * t;
            }
            v = ss / P;
            mean[c] = (float)m;
            var[c] = (float)v;
            const double unbiased = P > 1 ? ss / (P - 1) : v;
            running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * m);
            running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
        } else {
            m = running_mean[c];
            v = running_var[c];
        }
        const double rstd = 1.0 / sqrt(v + eps);
        const double scale = gamma[c] * rstd, shift = beta[c] - m * scale;
        for (int p = 0; p < P; p++)
            out[(size_t)p * C + c] = (float)(inp[(size_t)p * C + c] * scale + shift);
    }
}

void ref_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                            const float *inp, const float *gamma, const float *mean,
                            const float *var, int P, int C, float eps) {
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
        if (!dinp) continue;
        const double k = gamma[c] * rstd / P;
        for (int p = 0; p < P; p++) {
            const size_t i = (size_t)p * C + c;
            const double xhat = (inp[i] - m) * rstd;
            dinp[i] = (float)(k * (P * (double)dout[i] - sdy - xhat * sdyx));
        }
    }
}

void ref_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                   const float *inp, const float *gamma, const float *mean,
                                   const float *var, int P, int C, float eps) {
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const double rstd = 1.0 / sqrt((double)var[c] + eps), m = mean[c];
        double sdy = 0.0, sdyx = 0.0;
        for (int p = 0; p < P; p++) {
            const size_t i = (size_t)p * C + c;
            sdy += dout[i];
            sdyx += (double)dout[i] * (inp[i] - m) * rstd;
            if (dinp) dinp[i] = (float)(dout[i] * gamma[c] * rstd);
        }
        if (dgamma) dgamma[c] += (float)sdyx;
        if (dbeta) dbeta[c] += (float)sdy;
    }
}
