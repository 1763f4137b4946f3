/* Reference nearest and bilinear resampling, NHWC, PyTorch's F.interpolate(size=...) rules
 * (scale = in/out as float; bilinear with align_corners=False). */
#include "kernels/cpu/ref.h"

#include <string.h>

static int nearest_src(int dst, int in, int out) {
    const float scale = (float)in / (float)out;
    int s = (int)((float)dst * scale); /* floor for dst >= 0 */
    return s < in - 1 ? s : in - 1;
}

/* Source coordinate of `dst` for align_corners=False: lower index, upper index, upper weight. */
static void linear_src(int dst, int in, int out, int *i0, int *i1, float *l1) {
    const float scale = (float)in / (float)out;
    float src = ((float)dst + 0.5f) * scale - 0.5f;
    if (src < 0.0f) src = 0.0f;
    int lo = (int)src;
    if (lo > in - 1) lo = in - 1;
    *i0 = lo;
    *i1 = lo < in - 1 ? lo + 1 : lo;
    *l1 = src - (float)lo;
}

void ref_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W, int C,
                                  int OH, int OW) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            const int ih = nearest_src(oh, H, OH);
            for (int ow = 0; ow < OW; ow++) {
                const int iw = nearest_src(ow, W, OW);
                memcpy(out + (((size_t)n * OH + oh) * OW + ow) * C,
                       inp + (((size_t)n * H + ih) * W + iw) * C, (size_t)C * sizeof *out);
            }
        }
    }
}

void ref_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                   int OH, int OW) {
    memset(dinp, 0, (size_t)N * H * W * C * sizeof *dinp);
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            const int ih = nearest_src(oh, H, OH);
            for (int ow = 0; ow < OW; ow++) {
                const int iw = nearest_src(ow, W, OW);
                float *di = dinp + (((size_t)n * H + ih) * W + iw) * C;
                const float *dv = dout + (((size_t)n * OH + oh) * OW + ow) * C;
                for (int c = 0; c < C; c++) di[c] += dv[c];
            }
        }
    }
}

void ref_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W, int C,
                                   int OH, int OW) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            int h0, h1, w0, w1;
            float lh, lw;
            linear_src(oh, H, OH, &h0, &h1, &lh);
            for (int ow = 0; ow < OW; ow++) {
                linear_src(ow, W, OW, &w0, &w1, &lw);
                const float *a = inp + (((size_t)n * H + h0) * W + w0) * C;
                const float *b = inp + (((size_t)n * H + h0) * W + w1) * C;
                const float *c_ = inp + (((size_t)n * H + h1) * W + w0) * C;
                const float *e = inp + (((size_t)n * H + h1) * W + w1) * C;
                float *o = out + (((size_t)n * OH + oh) * OW + ow) * C;
                for (int c = 0; c < C; c++)
                    o[c] = (1.0f - lh) * ((1.0f - lw) * a[c] + lw * b[c]) +
                           lh * ((1.0f - lw) * c_[c] + lw * e[c]);
            }
        }
    }
}

void ref_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                    int OH, int OW) {
    memset(dinp, 0, (size_t)N * H * W * C * sizeof *dinp);
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        for (int oh = 0; oh < OH; oh++) {
            int h0, h1, w0, w1;
            float lh, lw;
            linear_src(oh, H, OH, &h0, &h1, &lh);
            for (int ow = 0; ow < OW; ow++) {
                linear_src(ow, W, OW, &w0, &w1, &lw);
                const float *dv = dout + (((size_t)n * OH + oh) * OW + ow) * C;
                float *a = dinp + (((size_t)n * H + h0) * W + w0) * C;
                float *b = dinp + (((size_t)n * H + h0) * W + w1) * C;
                float *c_ = dinp + (((size_t)n * H + h1) * W + w0) * C;
                float *e = dinp + (((size_t)n * H + h1) * W + w1) * C;
                for (int c = 0; c < C; c++) {
                    a[c] += (1.0f - lh) * (1.0f - lw) * dv[c];
                    b[c] += (1.0f - lh) * lw * dv[c];
                    c_[c] += lh * (1.0f - lw) * dv[c];
                    e[c] += lh * lw * dv[c];
                }
            }
        }
    }
}
