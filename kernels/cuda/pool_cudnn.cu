/* Max and average pooling through cuDNN (NHWC f32). Max pooling uses cuDNN's deterministic
 * mode; its backward is ours (k_extra.cu: cuDNN's, which also needed the forward recomputed,
 * took 20x the forward's time on an H100, measured). Average pooling counts the
 * padding (PyTorch's default). With bf16 activations (bf16-act mode) every direction is ours
 * (k_extra.cu, k_store.cuh). */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/k_store.cuh"

#define B(p) ((bf16_t *)(p))
#define CB(p) ((const bf16_t *)(p))

static int describe(cu_ctx *c, const nn_pool2d_desc *d, cudnnPoolingMode_t mode) {
    DNN_CHECK(cudnnSetPooling2dDescriptor(c->pool, mode, CUDNN_PROPAGATE_NAN, d->R, d->S,
                                          d->pad_h, d->pad_w, d->stride_h, d->stride_w));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tx, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d->N, d->C,
                                         d->H, d->W));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->ty, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d->N, d->C,
                                         d->OH, d->OW));
    return 0;
}

static int forward(cu_ctx *c, float *out, const float *inp, const nn_pool2d_desc *d,
                   cudnnPoolingMode_t mode) {
    if (describe(c, d, mode)) return 1;
    const float one = 1.0f, zero = 0.0f;
    DNN_CHECK(cudnnPoolingForward(c->dnn, c->pool, &one, c->tx, inp, &zero, c->ty, out));
    return 0;
}

int cu_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (c->act_bf16) {
        CU_LAUNCHED(xkt_maxpool_forward(B(out), CB(inp), d, c->stream));
        return 0;
    }
    return forward(c, out, inp, d, CUDNN_POOLING_MAX_DETERMINISTIC);
}

int cu_maxpool_backward(float *dinp, const float *dout, const float *inp,
                        const nn_pool2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    int *at = NULL;
    if (d->stride_h < d->R || d->stride_w < d->S) { /* overlapping: argmax scratch */
        at = (int *)cu_ws(c, cu_align((size_t)d->N * d->OH * d->OW * d->C * sizeof(int)));
        if (!at) return 1;
    }
    if (c->act_bf16) CU_LAUNCHED(xkt_maxpool_backward(B(dinp), CB(dout), CB(inp), d, at, c->stream));
    else CU_LAUNCHED(xk_maxpool_backward(dinp, dout, inp, d, at, c->stream));
    return 0;
}

int cu_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (c->act_bf16) {
        CU_LAUNCHED(xkt_avgpool_forward(B(out), CB(inp), d, c->stream));
        return 0;
    }
    return forward(c, out, inp, d, CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING);
}

int cu_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (c->act_bf16) {
        CU_LAUNCHED(xkt_avgpool_backward(B(dinp), CB(dout), d, c->stream));
        return 0;
    }
    if (describe(c, d, CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING)) return 1;
    const float one = 1.0f, zero = 0.0f;
    /* averaging reads neither x nor y: dout and dinp stand in for them */
    DNN_CHECK(cudnnPoolingBackward(c->dnn, c->pool, &one, c->ty, dout, c->ty, dout, c->tx, dinp,
                                   &zero, c->tx, dinp));
    return 0;
}
