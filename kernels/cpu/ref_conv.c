/* Reference convolution and transposed convolution, NHWC, weights (K,R,S,C/groups): direct
 * loops, gathers only (every output written by one thread), f64 accumulation. */
#include "kernels/cpu/ref.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* conv2d */

void ref_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                        const nn_conv2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, K = d->K, R = d->R, S = d->S;
    const int OH = d->OH, OW = d->OW, Cg = C / d->groups, Kg = K / d->groups;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                float *o = out + (((size_t)n * OH + oh) * OW + ow) * K;
                for (int k = 0; k < K; k++) {
                    const int g = k / Kg;
                    double acc = bias ? bias[k] : 0.0;
                    for (int r = 0; r < R; r++) {
                        const int ih = oh * d->stride_h - d->pad_h + r * d->dil_h;
                        if (ih < 0 || ih >= H) continue;
                        for (int s = 0; s < S; s++) {
                            const int iw = ow * d->stride_w - d->pad_w + s * d->dil_w;
                            if (iw < 0 || iw >= W) continue;
                            const float *x = inp + (((size_t)n * H + ih) * W + iw) * C + g * Cg;
                            const float *w = weight + (((size_t)k * R + r) * S + s) * Cg;
                            for (int c = 0; c < Cg; c++) acc += (double)x[c] * w[c];
                        }
                    }
                    o[k] = (float)acc;
                }
            }
        }
    }
}

/* dweight[k,r,s,c] += sum over (n, oh, ow) of dout[n,oh,ow,k] x[n, ih(oh,r), iw(ow,s), g*Cg+c];
 * `transposed` swaps the roles of the two spatial grids (x is then indexed by the small grid). */
static void conv_dweight(float *dweight, float *dbias, const float *dout, const float *inp,
                         const nn_conv2d_desc *d, int transposed) {
    const int H = d->H, W = d->W, C = d->C, K = d->K, R = d->R, S = d->S;
    const int OH = d->OH, OW = d->OW, Cg = C / d->groups, Kg = K / d->groups;
    const size_t wsz = (size_t)R * S * Cg;
#pragma omp parallel for schedule(dynamic)
    for (int k = 0; k < K; k++) {
        const int g = k / Kg;
        double *acc = calloc(wsz, sizeof *acc);
        double bacc = 0.0;
        if (!acc) continue; /* out of memory: leave this filter's gradient untouched */
        for (int n = 0; n < d->N; n++) {
            for (int oh = 0; oh < OH; oh++) {
                for (int ow = 0; ow < OW; ow++) {
                    const double dv = dout[(((size_t)n * OH + oh) * OW + ow) * K + k];
                    bacc += dv;
                    for (int r = 0; r < R; r++) {
                        int ih;
                        if (!transposed) {
                            ih = oh * d->stride_h - d->pad_h + r * d->dil_h;
                        } else {
                            const int t = oh + d->pad_h - r * d->dil_h;
                            if (t < 0 || t % d->stride_h) continue;
                            ih = t / d->stride_h;
                        }
                        if (ih < 0 || ih >= H) continue;
                        for (int s = 0; s < S; s++) {
                            int iw;
                            if (!transposed) {
                                iw = ow * d->stride_w - d->pad_w + s * d->dil_w;
                            } else {
                                const int t = ow + d->pad_w - s * d->dil_w;
                                if (t < 0 || t % d->stride_w) continue;
                                iw = t / d->stride_w;
                            }
                            if (iw < 0 || iw >= W) continue;
                            const float *x = inp + (((size_t)n * H + ih) * W + iw) * C + g * Cg;
                            double *a = acc + ((size_t)r * S + s) * Cg;
                            for (int c = 0; c < Cg; c++) a[c] += dv * x[c];
                        }
                    }
                }
            }
        }
        float *dw = dweight + (size_t)k * wsz;
        for (size_t i = 0; i < wsz; i++) dw[i] += (float)acc[i];
        if (dbias) dbias[k] += (float)bacc;
        free(acc);
    }
}

void ref_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, const nn_conv2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, K = d->K, R = d->R, S = d->S;
    const int OH = d->OH, OW = d->OW, Cg = C / d->groups, Kg = K / d->groups;
    if (dinp) {
        /* dinp[n,ih,iw,c] = sum over k, r, s with ih = oh*stride - pad + r*dil of
         * dout[n,oh,ow,k] w[k,r,s,c]: gathered per input pixel. */
#pragma omp parallel for collapse(2) schedule(static)
        for (int n = 0; n < d->N; n++) {
            for (int ih = 0; ih < H; ih++) {
                double *acc = malloc((size_t)C * sizeof *acc);
                if (!acc) continue;
                for (int iw = 0; iw < W; iw++) {
                    memset(acc, 0, (size_t)C * sizeof *acc);
                    for (int r = 0; r < R; r++) {
                        const int t = ih + d->pad_h - r * d->dil_h;
                        if (t < 0 || t % d->stride_h) continue;
                        const int oh = t / d->stride_h;
                        if (oh >= OH) continue;
                        for (int s = 0; s < S; s++) {
                            const int u = iw + d->pad_w - s * d->dil_w;
                            if (u < 0 || u % d->stride_w) continue;
                            const int ow = u / d->stride_w;
                            if (ow >= OW) continue;
                            const float *dv = dout + (((size_t)n * OH + oh) * OW + ow) * K;
                            for (int k = 0; k < K; k++) {
                                const float *w = weight + (((size_t)k * R + r) * S + s) * Cg;
                                double *a = acc + (k / Kg) * Cg;
                                for (int c = 0; c < Cg; c++) a[c] += (double)dv[k] * w[c];
                            }
                        }
                    }
                    float *di = dinp + (((size_t)n * H + ih) * W + iw) * C;
                    for (int c = 0; c < C; c++) di[c] = (float)acc[c];
                }
                free(acc);
            }
        }
    }
    if (dweight) conv_dweight(dweight, dbias, dout, inp, d, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* conv_transpose2d: the adjoint of conv2d with the two grids swapped. */

void ref_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                  const float *bias, const nn_conv2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, K = d->K, R = d->R, S = d->S;
    const int OH = d->OH, OW = d->OW, Cg = C / d->groups, Kg = K / d->groups;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                float *o = out + (((size_t)n * OH + oh) * OW + ow) * K;
                for (int k = 0; k < K; k++) {
                    const int g = k / Kg;
                    double acc = bias ? bias[k] : 0.0;
                    for (int r = 0; r < R; r++) {
                        const int t = oh + d->pad_h - r * d->dil_h;
                        if (t < 0 || t % d->stride_h) continue;
                        const int ih = t / d->stride_h;
                        if (ih >= H) continue;
                        for (int s = 0; s < S; s++) {
                            const int u = ow + d->pad_w - s * d->dil_w;
                            if (u < 0 || u % d->stride_w) continue;
                            const int iw = u / d->stride_w;
                            if (iw >= W) continue;
                            const float *x = inp + (((size_t)n * H + ih) * W + iw) * C + g * Cg;
                            const float *w = weight + (((size_t)k * R + r) * S + s) * Cg;
                            for (int c = 0; c < Cg; c++) acc += (double)x[c] * w[c];
                        }
                    }
                    o[k] = (float)acc;
                }
            }
        }
    }
}

void ref_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                   const float *inp, const float *weight,
                                   const nn_conv2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, K = d->K, R = d->R, S = d->S;
    const int OH = d->OH, OW = d->OW, Cg = C / d->groups, Kg = K / d->groups;
    if (dinp) {
        /* dinp[n,ih,iw,c] = sum over k, r, s of dout[n, ih*stride - pad + r*dil, ..., k]
         * w[k,r,s,c]: a plain convolution of dout. */
#pragma omp parallel for collapse(2) schedule(static)
        for (int n = 0; n < d->N; n++) {
            for (int ih = 0; ih < H; ih++) {
                double *acc = malloc((size_t)C * sizeof *acc);
                if (!acc) continue;
                for (int iw = 0; iw < W; iw++) {
                    memset(acc, 0, (size_t)C * sizeof *acc);
                    for (int r = 0; r < R; r++) {
                        const int oh = ih * d->stride_h - d->pad_h + r * d->dil_h;
                        if (oh < 0 || oh >= OH) continue;
                        for (int s = 0; s < S; s++) {
                            const int ow = iw * d->stride_w - d->pad_w + s * d->dil_w;
                            if (ow < 0 || ow >= OW) continue;
                            const float *dv = dout + (((size_t)n * OH + oh) * OW + ow) * K;
                            for (int k = 0; k < K; k++) {
                                const float *w = weight + (((size_t)k * R + r) * S + s) * Cg;
                                double *a = acc + (k / Kg) * Cg;
                                for (int c = 0; c < Cg; c++) a[c] += (double)dv[k] * w[c];
                            }
                        }
                    }
                    float *di = dinp + (((size_t)n * H + ih) * W + iw) * C;
                    for (int c = 0; c < C; c++) di[c] = (float)acc[c];
                }
                free(acc);
            }
        }
    }
    if (dweight) conv_dweight(dweight, dbias, dout, inp, d, 1);
}
