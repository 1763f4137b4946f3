/* Reference concat, residual add, linear and softmax. */
#include "kernels/cpu/ref.h"

#include <math.h>
#include <string.h>

void ref_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca, int Cb) {
    const size_t C = (size_t)Ca + Cb;
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < P; p++) {
        memcpy(out + p * C, a + p * Ca, (size_t)Ca * sizeof *out);
        memcpy(out + p * C + Ca, b + p * Cb, (size_t)Cb * sizeof *out);
    }
}

void ref_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca, int Cb) {
    const size_t C = (size_t)Ca + Cb;
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < P; p++) {
        if (da) memcpy(da + p * Ca, dout + p * C, (size_t)Ca * sizeof *da);
        if (db) memcpy(db + p * Cb, dout + p * C + Ca, (size_t)Cb * sizeof *db);
    }
}

void ref_add_forward(float *out, const float *a, const float *b, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void ref_add_backward(float *da, float *db, const float *dout, size_t n) {
    if (da && da != dout) memcpy(da, dout, n * sizeof *da);
    if (db && db != dout) memcpy(db, dout, n * sizeof *db);
}

void ref_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int N, int C, int K) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++) {
        for (int k = 0; k < K; k++) {
            const float *x = inp + (size_t)n * C, *w = weight + (size_t)k * C;
            double acc = bias ? bias[k] : 0.0;
            for (int c = 0; c < C; c++) acc += (double)x[c] * w[c];
            out[(size_t)n * K + k] = (float)acc;
        }
    }
}

void ref_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int N, int C, int K) {
    if (dinp) {
#pragma omp parallel for collapse(2) schedule(static)
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                double acc = 0.0;
                for (int k = 0; k < K; k++)
                    acc += (double)dout[(size_t)n * K + k] * weight[(size_t)k * C + c];
                dinp[(size_t)n * C + c] = (float)acc;
            }
        }
    }
#pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++) {
        double b = 0.0;
        for (int n = 0; n < N; n++) b += dout[(size_t)n * K + k];
        if (dbias) dbias[k] += (float)b;
        if (!dweight) continue;
        for (int c = 0; c < C; c++) {
            double acc = 0.0;
            for (int n = 0; n < N; n++)
                acc += (double)dout[(size_t)n * K + k] * inp[(size_t)n * C + c];
            dweight[(size_t)k * C + c] += (float)acc;
        }
    }
}

void ref_softmax_forward(float *out, const float *inp, size_t P, int K) {
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < P; p++) {
        const float *x = inp + p * K;
        float *o = out + p * K;
        float mx = x[0];
        for (int k = 1; k < K; k++) mx = x[k] > mx ? x[k] : mx;
        double sum = 0.0;
        for (int k = 0; k < K; k++) sum += exp((double)x[k] - mx);
        for (int k = 0; k < K; k++) o[k] = (float)(exp((double)x[k] - mx) / sum);
    }
}

void ref_softmax_backward(float *dinp, const float *dout, const float *out, size_t P, int K) {
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < P; p++) {
        const float *y = out + p * K, *dy = dout + p * K;
        double dot = 0.0;
        for (int k = 0; k < K; k++) dot += (double)y[k] * dy[k];
        for (int k = 0; k < K; k++) dinp[p * K + k] = (float)(y[k] * (dy[k] - dot));
    }
}
