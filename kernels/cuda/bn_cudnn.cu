/* Batch norm (f32 in every precision mode: activations are stored f32). Eval-mode forward
 * through cuDNN (the engine's (P,C) described as NHWC (1, C, 1, P)); training forward and
 * backward, and the frozen (eval-mode) backward, are our kernels (k_extra.cu): per-channel sums
 * in a fixed order (deterministic), the running variance updated unbiased with factor
 * `momentum` (PyTorch's rule). cuDNN's training kernels on this view ran 10x slower than ours
 * would need (a whole UNet step at 26 images/s on an H100, measured). */
#include "kernels/cuda/cuda_backend.h"

static int describe(cu_ctx *c, int P, int C) {
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tx, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, C, 1, P));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tb, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, C, 1, 1));
    return 0;
}

int cu_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                         float *running_var, const float *inp, const float *gamma,
                         const float *beta, int P, int C, float momentum, float eps,
                         int training, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (!training) {
        if (describe(c, P, C)) return 1;
        const float one = 1.0f, zero = 0.0f;
        DNN_CHECK(cudnnBatchNormalizationForwardInference(
            c->dnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, c->tx, inp, c->tx, out, c->tb, gamma,
            beta, running_mean, running_var, (double)eps));
        return 0;
    }
    /* our kernels: cuDNN's spatial kernels were 10x slower on the (1,C,1,P) view (measured) */
    float *partial = (float *)cu_ws(c, cu_align((size_t)2 * 256 * C * 4));
    if (!partial) return 1;
    CU_LAUNCHED(xk_bn_train_forward(out, mean, var, running_mean, running_var, inp, gamma, beta,
                                    P, C, momentum, eps, partial, c->stream));
    return 0;
}

int cu_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                          const float *inp, const float *gamma, const float *mean,
                          const float *var, int P, int C, float eps, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    const size_t bp = cu_align((size_t)2 * 256 * C * 4);
    char *ws = (char *)cu_ws(c, bp + cu_align((size_t)2 * C * 4));
    if (!ws) return 1;
    CU_LAUNCHED(xk_bn_train_backward(dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps,
                                     (float *)ws, (float *)(ws + bp), c->stream));
    return 0;
}

int cu_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                 const float *inp, const float *gamma, const float *running_mean,
                                 const float *running_var, int P, int C, float eps, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    float *partial = (float *)cu_ws(c, cu_align((size_t)2 * 64 * C * 4));
    if (!partial) return 1;
    CU_LAUNCHED(xk_bn_frozen_backward(dinp, dgamma, dbeta, dout, inp, gamma, running_mean,
                                      running_var, P, C, eps, partial, c->stream));
    return 0;
}
