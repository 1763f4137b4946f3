/* Reference max / average / global average pooling, NHWC. */
#include "kernels/cpu/ref.h"

#include <float.h>
#include <string.h>

void ref_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, OH = d->OH, OW = d->OW;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                float *o = out + (((size_t)n * OH + oh) * OW + ow) * C;
                for (int c = 0; c < C; c++) o[c] = -FLT_MAX;
                for (int r = 0; r < d->R; r++) {
                    const int ih = oh * d->stride_h - d->pad_h + r;
                    if (ih < 0 || ih >= H) continue;
                    for (int s = 0; s < d->S; s++) {
                        const int iw = ow * d->stride_w - d->pad_w + s;
                        if (iw < 0 || iw >= W) continue;
                        const float *x = inp + (((size_t)n * H + ih) * W + iw) * C;
                        for (int c = 0; c < C; c++)
                            if (x[c] > o[c]) o[c] = x[c];
                    }
                }
            }
        }
    }
}

void ref_maxpool_backward(float *dinp, const float *dout, const float *inp,
                          const nn_pool2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, OH = d->OH, OW = d->OW;
    memset(dinp, 0, (size_t)d->N * H * W * C * sizeof *dinp);
    /* Scatter to the argmax; windows of one image may overlap, so images run in parallel. */
#pragma omp parallel for schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                const float *dv = dout + (((size_t)n * OH + oh) * OW + ow) * C;
                for (int c = 0; c < C; c++) {
                    float best = -FLT_MAX;
                    size_t at = (size_t)-1;
                    for (int r = 0; r < d->R; r++) {
                        const int ih = oh * d->stride_h - d->pad_h + r;
                        if (ih < 0 || ih >= H) continue;
                        for (int s = 0; s < d->S; s++) {
                            const int iw = ow * d->stride_w - d->pad_w + s;
                            if (iw < 0 || iw >= W) continue;
                            const size_t i = (((size_t)n * H + ih) * W + iw) * C + c;
                            if (inp[i] > best) {
                                best = inp[i];
                                at = i;
                            }
                        }
                    }
                    if (at != (size_t)-1) dinp[at] += dv[c];
                }
            }
        }
    }
}

void ref_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, OH = d->OH, OW = d->OW;
    const double inv = 1.0 / (d->R * d->S);
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            for (int ow = 0; ow < OW; ow++) {
                float *o = out + (((size_t)n * OH + oh) * OW + ow) * C;
                for (int c = 0; c < C; c++) {
                    double acc = 0.0;
                    for (int r = 0; r < d->R; r++) {
                        const int ih = oh * d->stride_h - d->pad_h + r;
                        if (ih < 0 || ih >= H) continue;
                        for (int s = 0; s < d->S; s++) {
                            const int iw = ow * d->stride_w - d->pad_w + s;
                            if (iw < 0 || iw >= W) continue;
                            acc += inp[(((size_t)n * H + ih) * W + iw) * C + c];
                        }
                    }
                    o[c] = (float)(acc * inv);
                }
            }
        }
    }
}

void ref_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d) {
    const int H = d->H, W = d->W, C = d->C, OH = d->OH, OW = d->OW;
    const double inv = 1.0 / (d->R * d->S);
    /* Gather: input pixel (ih,iw) receives from every window that covers it. */
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < d->N; n++) {
        for (int ih = 0; ih < H; ih++) {
            for (int iw = 0; iw < W; iw++) {
                float *di = dinp + (((size_t)n * H + ih) * W + iw) * C;
                for (int c = 0; c < C; c++) {
                    double acc = 0.0;
                    for (int r = 0; r < d->R; r++) {
                        const int t = ih + d->pad_h - r;
                        if (t < 0 || t % d->stride_h) continue;
                        const int oh = t / d->stride_h;
                        if (oh >= OH) continue;
                        for (int s = 0; s < d->S; s++) {
                            const int u = iw + d->pad_w - s;
                            if (u < 0 || u % d->stride_w) continue;
                            const int ow = u / d->stride_w;
                            if (ow >= OW) continue;
                            acc += dout[(((size_t)n * OH + oh) * OW + ow) * C + c];
                        }
                    }
                    di[c] = (float)(acc * inv);
                }
            }
        }
    }
}

void ref_global_avgpool_forward(float *out, const float *inp, int N, int HW, int C) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++) {
        for (int c = 0; c < C; c++) {
            double acc = 0.0;
            for (int p = 0; p < HW; p++) acc += inp[((size_t)n * HW + p) * C + c];
            out[(size_t)n * C + c] = (float)(acc / HW);
        }
    }
}

void ref_global_avgpool_backward(float *dinp, const float *dout, int N, int HW, int C) {
    const float inv = 1.0f / HW;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++)
        for (int p = 0; p < HW; p++)
            for (int c = 0; c < C; c++)
                dinp[((size_t)n * HW + p) * C + c] = dout[(size_t)n * C + c] * inv;
}
