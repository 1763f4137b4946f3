/* Op dispatch: the backend's table entry when it supports the op and succeeds, else the CPU
 * reference (kernels/cpu/ref.h). */
#include "src/nn/ops.h"

#include "kernels/cpu/ref.h"

static const nn_backend *pick(const nn_backend *be) { return be ? be : nn_backend_default(); }

static unsigned long fallbacks;
unsigned long nn_ops_fallback_count(void) { return fallbacks; }

/* ---------------------------------------------------------------------------------------- */
/* geometry */

sw_status nn_conv2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K, int R, int S,
                              int stride, int pad, int dil, int groups) {
    *d = (nn_conv2d_desc){N, H, W, C, K, R, S, stride, stride, pad, pad, dil, dil, groups, 0, 0,
                          0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || K < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        dil < 1 || groups < 1 || C % groups || K % groups)
        return sw_fail(SW_ERR_USAGE, "conv2d: bad geometry (C=%d K=%d groups=%d stride=%d)", C,
                       K, groups, stride);
    d->OH = (H + 2 * pad - dil * (R - 1) - 1) / stride + 1;
    d->OW = (W + 2 * pad - dil * (S - 1) - 1) / stride + 1;
    if (d->OH < 1 || d->OW < 1)
        return sw_fail(SW_ERR_USAGE, "conv2d: %dx%d input too small for a %dx%d kernel", H, W, R,
                       S);
    return SW_OK;
}

sw_status nn_conv_transpose2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K,
                                        int R, int S, int stride, int pad, int dil, int groups,
                                        int out_pad) {
    *d = (nn_conv2d_desc){N, H, W, C, K, R, S, stride, stride, pad, pad, dil, dil, groups,
                          out_pad, out_pad, 0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || K < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        dil < 1 || groups < 1 || C % groups || K % groups || out_pad < 0 ||
        out_pad >= (stride > dil ? stride : dil))
        return sw_fail(SW_ERR_USAGE, "conv_transpose2d: bad geometry (C=%d K=%d groups=%d "
                       "stride=%d out_pad=%d)", C, K, groups, stride, out_pad);
    d->OH = (H - 1) * stride - 2 * pad + dil * (R - 1) + 1 + out_pad;
    d->OW = (W - 1) * stride - 2 * pad + dil * (S - 1) + 1 + out_pad;
    if (d->OH < 1 || d->OW < 1)
        return sw_fail(SW_ERR_USAGE, "conv_transpose2d: empty output");
    return SW_OK;
}

sw_status nn_pool2d_desc_init(nn_pool2d_desc *d, int N, int H, int W, int C, int R, int S,
                              int stride, int pad) {
    *d = (nn_pool2d_desc){N, H, W, C, R, S, stride, stride, pad, pad, 0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        2 * pad > R || 2 * pad > S)
        return sw_fail(SW_ERR_USAGE, "pool2d: bad geometry (%dx%d window, stride %d, pad %d)",
                       R, S, stride, pad);
    d->OH = (H + 2 * pad - R) / stride + 1;
    d->OW = (W + 2 * pad - S) / stride + 1;
    if (d->OH < 1 || d->OW < 1) return sw_fail(SW_ERR_USAGE, "pool2d: input too small");
    return SW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* ops with backend entries: the entry when present and supported; a failure counts as a
 * fallback (nn_ops_fallback_count) and runs the reference */

void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       const nn_conv2d_desc *d, const nn_backend *be) {
    be = pick(be);
    if (be->iface.conv2d_forward && nn_backend_supports(be, NN_OP_CONV2D, d)) {
        if (be->iface.conv2d_forward(out, inp, weight, bias, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_conv2d_forward(out, inp, weight, bias, d);
}

void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, const nn_conv2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    if (be->iface.conv2d_backward && nn_backend_supports(be, NN_OP_CONV2D, d)) {
        if (be->iface.conv2d_backward(dinp, dweight, dbias, dout, inp, weight, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_conv2d_backward(dinp, dweight, dbias, dout, inp, weight, d);
}

void nn_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                 const float *bias, const nn_conv2d_desc *d,
                                 const nn_backend *be) {
    be = pick(be);
    if (be->iface.conv_transpose2d_forward && nn_backend_supports(be, NN_OP_CONV_TRANSPOSE2D, d)) {
        if (be->iface.conv_transpose2d_forward(out, inp, weight, bias, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_conv_transpose2d_forward(out, inp, weight, bias, d);
}

void nn_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                  const float *inp, const float *weight,
                                  const nn_conv2d_desc *d, const nn_backend *be) {
    be = pick(be);
    if (be->iface.conv_transpose2d_backward && nn_backend_supports(be, NN_OP_CONV_TRANSPOSE2D, d)) {
        if (be->iface.conv_transpose2d_backward(dinp, dweight, dbias, dout, inp, weight, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_conv_transpose2d_backward(dinp, dweight, dbias, dout, inp, weight, d);
}

void nn_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                          float *running_var, const float *inp, const float *gamma,
                          const float *beta, int P, int C, float momentum, float eps,
                          int training, const nn_backend *be) {
    be = pick(be);
    if (be->iface.batchnorm_forward && nn_backend_supports(be, NN_OP_BATCHNORM, NULL)) {
        if (be->iface.batchnorm_forward(out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
                          momentum, eps, training, be->context) == 0) return;
        fallbacks++;
    }
    ref_batchnorm_forward(out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
                          momentum, eps, training);
}

void nn_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                           const float *inp, const float *gamma, const float *mean,
                           const float *var, int P, int C, float eps, const nn_backend *be) {
    be = pick(be);
    if (be->iface.batchnorm_backward && nn_backend_supports(be, NN_OP_BATCHNORM, NULL)) {
        if (be->iface.batchnorm_backward(dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps, be->context) == 0) return;
        fallbacks++;
    }
    ref_batchnorm_backward(dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps);
}

void nn_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    if (be->iface.maxpool_forward && nn_backend_supports(be, NN_OP_MAXPOOL, d)) {
        if (be->iface.maxpool_forward(out, inp, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_maxpool_forward(out, inp, d);
}

void nn_maxpool_backward(float *dinp, const float *dout, const float *inp,
                         const nn_pool2d_desc *d, const nn_backend *be) {
    be = pick(be);
    if (be->iface.maxpool_backward && nn_backend_supports(be, NN_OP_MAXPOOL, d)) {
        if (be->iface.maxpool_backward(dinp, dout, inp, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_maxpool_backward(dinp, dout, inp, d);
}

void nn_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    if (be->iface.avgpool_forward && nn_backend_supports(be, NN_OP_AVGPOOL, d)) {
        if (be->iface.avgpool_forward(out, inp, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_avgpool_forward(out, inp, d);
}

void nn_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d,
                         const nn_backend *be) {
    be = pick(be);
    if (be->iface.avgpool_backward && nn_backend_supports(be, NN_OP_AVGPOOL, d)) {
        if (be->iface.avgpool_backward(dinp, dout, d, be->context) == 0) return;
        fallbacks++;
    }
    ref_avgpool_backward(dinp, dout, d);
}

/* ---------------------------------------------------------------------------------------- */
/* memory-bound ops: the reference loops (OpenMP) on every CPU backend */

void nn_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                  const float *inp, const float *gamma,
                                  const float *running_mean, const float *running_var, int P,
                                  int C, float eps) {
    ref_batchnorm_frozen_backward(dinp, dgamma, dbeta, dout, inp, gamma, running_mean,
                                  running_var, P, C, eps);
}

void nn_relu_forward(float *out, const float *inp, size_t n) { ref_relu_forward(out, inp, n); }
void nn_relu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
    ref_relu_backward(dinp, dout, inp, n);
}
void nn_leaky_relu_forward(float *out, const float *inp, size_t n, float slope) {
    ref_leaky_relu_forward(out, inp, n, slope);
}
void nn_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                            float slope) {
    ref_leaky_relu_backward(dinp, dout, inp, n, slope);
}
void nn_sigmoid_forward(float *out, const float *inp, size_t n) {
    ref_sigmoid_forward(out, inp, n);
}
void nn_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n) {
    ref_sigmoid_backward(dinp, dout, out, n);
}
void nn_global_avgpool_forward(float *out, const float *inp, int N, int HW, int C) {
    ref_global_avgpool_forward(out, inp, N, HW, C);
}
void nn_global_avgpool_backward(float *dinp, const float *dout, int N, int HW, int C) {
    ref_global_avgpool_backward(dinp, dout, N, HW, C);
}
void nn_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W, int C,
                                 int OH, int OW) {
    ref_upsample_nearest_forward(out, inp, N, H, W, C, OH, OW);
}
void nn_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                  int OH, int OW) {
    ref_upsample_nearest_backward(dinp, dout, N, H, W, C, OH, OW);
}
void nn_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W, int C,
                                  int OH, int OW) {
    ref_upsample_bilinear_forward(out, inp, N, H, W, C, OH, OW);
}
void nn_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                   int OH, int OW) {
    ref_upsample_bilinear_backward(dinp, dout, N, H, W, C, OH, OW);
}
void nn_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca, int Cb) {
    ref_concat_forward(out, a, b, P, Ca, Cb);
}
void nn_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca, int Cb) {
    ref_concat_backward(da, db, dout, P, Ca, Cb);
}
void nn_add_forward(float *out, const float *a, const float *b, size_t n) {
    ref_add_forward(out, a, b, n);
}
void nn_add_backward(float *da, float *db, const float *dout, size_t n) {
    ref_add_backward(da, db, dout, n);
}
void nn_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                       int N, int C, int K) {
    ref_linear_forward(out, inp, weight, bias, N, C, K);
}
void nn_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, int N, int C, int K) {
    ref_linear_backward(dinp, dweight, dbias, dout, inp, weight, N, C, K);
}
void nn_softmax_forward(float *out, const float *inp, size_t P, int K) {
    ref_softmax_forward(out, inp, P, K);
}
void nn_softmax_backward(float *dinp, const float *dout, const float *out, size_t P, int K) {
    ref_softmax_backward(dinp, dout, out, P, K);
}
