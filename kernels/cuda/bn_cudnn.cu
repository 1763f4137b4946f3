/* Batch norm (f32 arithmetic in every precision mode). Eval-mode forward through cuDNN with f32
 * activations (the engine's (P,C) described as NHWC (1, C, 1, P)), our kernel with bf16 ones
 * (bf16-act mode: every kernel here reads and writes the activations in bf16); training forward and
 * backward, and the frozen (eval-mode) backward, are our kernels (k_extra.cu): per-channel sums
 * in a fixed order (deterministic), the running variance updated unbiased with factor
 * `momentum` (PyTorch's rule). cuDNN's training kernels on this view ran 10x slower than ours
 * would need (a whole UNet step at 26 images/s on an H100, measured). The fused entries run the
 * ReLU after the batch norm in its normalization pass, and its backward as a mask in the
 * batch norm's backward passes. */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/k_store.cuh"

extern "C" {
#include "kernels/cuda/cuda_kernels.h"
}

static int describe(cu_ctx *c, int P, int C) {
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tx, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, C, 1, P));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tb, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, C, 1, 1));
    return 0;
}

/* training mode: our kernels, the ReLU fused into the normalization when `relu` */
static int train_forward(cu_ctx *c, float *out, float *mean, float *var, float *running_mean,
                         float *running_var, const float *inp, const float *gamma,
                         const float *beta, int P, int C, float momentum, float eps, int relu) {
    float *partial = (float *)cu_ws(c, cu_align((size_t)2 * XK_BN_CHUNKS * C * 4));
    if (!partial) return 1;
    if (c->act_bf16)
        CU_LAUNCHED(xkt_bn_train_forward((bf16_t *)out, mean, var, running_mean, running_var,
                                         (const bf16_t *)inp, gamma, beta, P, C, momentum, eps,
                                         relu, partial, c->stream));
    else
        CU_LAUNCHED(xk_bn_train_forward(out, mean, var, running_mean, running_var, inp, gamma,
                                        beta, P, C, momentum, eps, relu, partial, c->stream));
    return 0;
}

/* eval mode; `relu` is applied here only with bf16 activations (the caller's ReLU pass
 * otherwise) */
static int eval_forward(cu_ctx *c, float *out, const float *inp, const float *gamma,
                        const float *beta, const float *running_mean, const float *running_var,
                        int P, int C, float eps, int relu) {
    if (c->act_bf16) {
        CU_LAUNCHED(xkt_bn_eval_forward((bf16_t *)out, (const bf16_t *)inp, running_mean,
                                        running_var, gamma, beta, P, C, eps, relu, c->stream));
        return 0;
    }
    if (describe(c, P, C)) return 1;
    const float one = 1.0f, zero = 0.0f;
    DNN_CHECK(cudnnBatchNormalizationForwardInference(
        c->dnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, c->tx, inp, c->tx, out, c->tb, gamma, beta,
        running_mean, running_var, (double)eps));
    return 0;
}

int cu_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                         float *running_var, const float *inp, const float *gamma,
                         const float *beta, int P, int C, float momentum, float eps,
                         int training, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (!training)
        return eval_forward(c, out, inp, gamma, beta, running_mean, running_var, P, C, eps, 0);
    return train_forward(c, out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
                         momentum, eps, 0);
}

int cu_batchnorm_relu_forward(float *out, float *mean, float *var, float *running_mean,
                              float *running_var, const float *inp, const float *gamma,
                              const float *beta, int P, int C, float momentum, float eps,
                              int training, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (training)
        return train_forward(c, out, mean, var, running_mean, running_var, inp, gamma, beta, P,
                             C, momentum, eps, 1);
    if (eval_forward(c, out, inp, gamma, beta, running_mean, running_var, P, C, eps, 1)) return 1;
    if (!c->act_bf16) CU_LAUNCHED(cuk_relu_forward(out, out, (size_t)P * C, c->stream));
    return 0;
}

/* relu: the fused ReLU's backward (its mask recomputed from inp, gamma and beta) */
static int train_backward(cu_ctx *c, float *dinp, float *dgamma, float *dbeta, const float *dout,
                          int relu, const float *inp, const float *gamma, const float *beta,
                          const float *mean, const float *var, int P, int C, float eps) {
    const size_t bp = cu_align((size_t)2 * XK_BN_CHUNKS * C * 4);
    char *ws = (char *)cu_ws(c, bp + cu_align((size_t)2 * C * 4));
    if (!ws) return 1;
    if (c->act_bf16)
        CU_LAUNCHED(xkt_bn_train_backward((bf16_t *)dinp, dgamma, dbeta, (const bf16_t *)dout,
                                          relu, (const bf16_t *)inp, gamma, beta, mean, var, P, C,
                                          eps, (float *)ws, (float *)(ws + bp), c->stream));
    else
        CU_LAUNCHED(xk_bn_train_backward(dinp, dgamma, dbeta, dout, relu, inp, gamma, beta, mean,
                                         var, P, C, eps, (float *)ws, (float *)(ws + bp),
                                         c->stream));
    return 0;
}

int cu_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                          const float *inp, const float *gamma, const float *mean,
                          const float *var, int P, int C, float eps, void *ctx) {
    return train_backward((cu_ctx *)ctx, dinp, dgamma, dbeta, dout, 0, inp, gamma, NULL, mean,
                          var, P, C, eps);
}

int cu_batchnorm_relu_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                               const float *out, const float *inp, const float *gamma,
                               const float *beta, const float *mean, const float *var, int P,
                               int C, float eps, void *ctx) {
    (void)out; /* the mask is recomputed from inp: one read pass fewer, the same bits */
    return train_backward((cu_ctx *)ctx, dinp, dgamma, dbeta, dout, 1, inp, gamma, beta, mean,
                          var, P, C, eps);
}

int cu_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                 const float *inp, const float *gamma, const float *running_mean,
                                 const float *running_var, int P, int C, float eps, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    float *partial = (float *)cu_ws(c, cu_align((size_t)2 * 64 * C * 4));
    if (!partial) return 1;
    if (c->act_bf16)
        CU_LAUNCHED(xkt_bn_frozen_backward((bf16_t *)dinp, dgamma, dbeta, (const bf16_t *)dout,
                                           (const bf16_t *)inp, gamma, running_mean, running_var,
                                           P, C, eps, partial, c->stream));
    else
        CU_LAUNCHED(xk_bn_frozen_backward(dinp, dgamma, dbeta, dout, inp, gamma, running_mean,
                                          running_var, P, C, eps, partial, c->stream));
    return 0;
}
