/* The CUDA backend's context and the helpers its files share (internal to kernels/cuda):
 * one device, one stream, one cuDNN and one cuBLAS handle, one workspace that grows only while
 * new shapes are met (the steady state allocates nothing), the per-shape cuDNN algorithm cache
 * and the mode (f32 / tf32 / bf16, deterministic). Every CUDA, cuDNN and cuBLAS call goes
 * through CU_CHECK / DNN_CHECK / BLAS_CHECK, which record the error with sw_fail (file, line,
 * call) and make the entry return nonzero. */
#ifndef SWATH_KERNELS_CUDA_BACKEND_H
#define SWATH_KERNELS_CUDA_BACKEND_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "kernels/backend.h"
#include "src/core/error.h"
}

enum { CU_ALGO_CACHE = 512 };

typedef struct {
    int kind;          /* 0 forward, 1 backward data, 2 backward filter */
    int n, c, h, w;    /* the conv problem's x */
    int k, r, s, oh, ow;
    int pad_h, pad_w, stride_h, stride_w, dil_h, dil_w, groups;
    int math, det;
} cu_algo_key;

typedef struct {
    cu_algo_key key;
    int algo;
    size_t ws;
    cudnnMathType_t math;
    int nofuse; /* cudnnConvolutionBiasActivationForward refused this algorithm */
} cu_algo_entry;

typedef struct {
    int device;
    cudaStream_t stream;
    cudnnHandle_t dnn;
    cublasHandle_t blas;
    void *ws;
    size_t ws_size;
    int math;          /* nn_cuda_math */
    int act_bf16;      /* activations stored in bf16 (NN_CUDA_BF16_ACT; k_store.cuh) */
    int deterministic;
    cu_algo_entry cache[CU_ALGO_CACHE];
    int ncache;
    unsigned long finds; /* FindEx runs (tests check the cache works) */
    /* reusable descriptors */
    cudnnTensorDescriptor_t tx, ty, tb;
    cudnnFilterDescriptor_t fw;
    cudnnConvolutionDescriptor_t conv;
    cudnnPoolingDescriptor_t pool;
    cudnnActivationDescriptor_t relu; /* for cudnnConvolutionBiasActivationForward */
} cu_ctx;

int cu_fail(const char *file, int line, const char *call, const char *why);
#define CU_CHECK(x)                                                                          \
    do {                                                                                     \
        cudaError_t e_ = (x);                                                                \
        if (e_ != cudaSuccess) return cu_fail(__FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
    } while (0)
#define DNN_CHECK(x)                                                                         \
    do {                                                                                     \
        cudnnStatus_t e_ = (x);                                                              \
        if (e_ != CUDNN_STATUS_SUCCESS)                                                      \
            return cu_fail(__FILE__, __LINE__, #x, cudnnGetErrorString(e_));                 \
    } while (0)
#define BLAS_CHECK(x)                                                                        \
    do {                                                                                     \
        cublasStatus_t e_ = (x);                                                             \
        if (e_ != CUBLAS_STATUS_SUCCESS)                                                     \
            return cu_fail(__FILE__, __LINE__, #x, cublasGetStatusString(e_));               \
    } while (0)
/* a kernel launch (or a cuk_* call returning nonzero) */
#define CU_LAUNCHED(x)                                                                       \
    do {                                                                                     \
        if ((x) != 0) return 1;                                                              \
    } while (0)

/* The workspace, at least `bytes` (grows with a synchronize; NULL after sw_fail). */
void *cu_ws(cu_ctx *c, size_t bytes);
static inline size_t cu_align(size_t b) { return (b + 255) / 256 * 256; }

/* conv_cudnn.cu */
int cu_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                      const nn_conv2d_desc *d, void *ctx);
/* conv2d forward, then bias and ReLU in one pass (inference) */
int cu_conv2d_relu_forward(float *out, const float *inp, const float *weight, const float *bias,
                           const nn_conv2d_desc *d, void *ctx);
int cu_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, const nn_conv2d_desc *d,
                       void *ctx);
int cu_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                const float *bias, const nn_conv2d_desc *d, void *ctx);
int cu_conv_transpose2d_relu_forward(float *out, const float *inp, const float *weight,
                                     const float *bias, const nn_conv2d_desc *d, void *ctx);
int cu_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                 const float *inp, const float *weight, const nn_conv2d_desc *d,
                                 void *ctx);
/* bn_cudnn.cu */
int cu_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                         float *running_var, const float *inp, const float *gamma,
                         const float *beta, int P, int C, float momentum, float eps,
                         int training, void *ctx);
int cu_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                          const float *inp, const float *gamma, const float *mean,
                          const float *var, int P, int C, float eps, void *ctx);
int cu_batchnorm_relu_forward(float *out, float *mean, float *var, float *running_mean,
                              float *running_var, const float *inp, const float *gamma,
                              const float *beta, int P, int C, float momentum, float eps,
                              int training, void *ctx);
int cu_batchnorm_relu_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                               const float *out, const float *inp, const float *gamma,
                               const float *beta, const float *mean, const float *var, int P,
                               int C, float eps, void *ctx);
int cu_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                 const float *inp, const float *gamma, const float *running_mean,
                                 const float *running_var, int P, int C, float eps, void *ctx);
/* pool_cudnn.cu */
int cu_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx);
int cu_maxpool_backward(float *dinp, const float *dout, const float *inp,
                        const nn_pool2d_desc *d, void *ctx);
int cu_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx);
int cu_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d, void *ctx);

/* k_extra.cu: the backend's own small kernels (0 or nonzero after sw_fail) */
extern "C" {
int xk_permute_krsc_to_crsk(float *out, const float *in, int K, int RS, int C, cudaStream_t s);
int xk_permute_add_crsk_to_krsc(float *dw, const float *dwp, int K, int RS, int C,
                                cudaStream_t s);
int xk_bf16_accumulate(float *y, const uint16_t *x, size_t n, cudaStream_t s);
int xk_invstd_from_var(float *invstd, const float *var, int C, float eps, cudaStream_t s);
int xk_var_from_invstd(float *var, const float *invstd, int C, float eps, cudaStream_t s);
int xk_bn_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                          const float *inp, const float *gamma, const float *rm, const float *rv,
                          int P, int C, float eps, float *partial /* 2*64*C */, cudaStream_t s);
/* training-mode batch norm (relu: max(0, .) on the output; in the backward, dy taken as 0
 * where the forward's output was not > 0, recomputed from x, g and b: the fused ReLU's
 * backward); partial: 2 * XK_BN_CHUNKS * C floats, sums: 2 * C floats */
enum { XK_BN_CHUNKS = 1024 };
int xk_bn_train_forward(float *out, float *mean, float *var, float *rm, float *rv, const float *x,
                        const float *g, const float *b, int P, int C, float momentum, float eps,
                        int relu, float *partial, cudaStream_t s);
int xk_bn_train_backward(float *dx, float *dgamma, float *dbeta, const float *dy, int relu,
                         const float *x, const float *g, const float *b, const float *mean,
                         const float *var, int P, int C, float eps, float *partial, float *sums,
                         cudaStream_t s);
/* out (N x K) += bias per column (bias NULL: none), then max(0, .) when relu */
int xk_bias_act_rows(float *out, const float *bias, size_t N, int K, int relu, cudaStream_t s);
/* out (N x K, f32) = the bf16 values x widened, + bias per column (NULL: none), max(0, .) when
 * relu */
int xk_bf16_bias_act(float *out, const uint16_t *x, const float *bias, size_t N, int K, int relu,
                     cudaStream_t s);
/* db[k] += sum over the N rows of dout (N x K), deterministic; partial: XK_COLSUM_CHUNKS * K
 * floats of scratch */
enum { XK_COLSUM_CHUNKS = 2048 };
int xk_colsum_accumulate(float *db, const float *dout, size_t N, int K, float *partial,
                         cudaStream_t s);
/* max pooling's input gradient (written), bitwise equal to the reference; at: scratch of
 * N * OH * OW * C ints (overlapping windows only; NULL otherwise) */
int xk_maxpool_backward(float *dinp, const float *dout, const float *inp,
                        const nn_pool2d_desc *d, int *at, cudaStream_t s);
}

/* whether convolutions and linears compute from bf16 operands (both bf16 modes) */
static inline int cu_bf16_math(const cu_ctx *c) {
    return c->math == NN_CUDA_BF16 || c->math == NN_CUDA_BF16_ACT;
}
/* cuBLAS's compute type for the mode: f32 (no TF32), TF32, or bf16 with f32 accumulation from
 * f32 operands; with bf16 operands (the bf16 activation storage: cuBLAS takes FAST_16BF with
 * f32 operands only) plain f32 compute, which runs bf16 x bf16 on the tensor cores */
static inline cublasComputeType_t cu_blas_compute(const cu_ctx *c) {
    return c->act_bf16                 ? CUBLAS_COMPUTE_32F
           : c->math == NN_CUDA_BF16   ? CUBLAS_COMPUTE_32F_FAST_16BF
           : c->math == NN_CUDA_TF32   ? CUBLAS_COMPUTE_32F_FAST_TF32
                                       : CUBLAS_COMPUTE_32F;
}
/* cuBLAS's type of the activations */
static inline cudaDataType_t cu_act_type(const cu_ctx *c) {
    return c->act_bf16 ? CUDA_R_16BF : CUDA_R_32F;
}
/* A bias gradient db (K) += the column sums of dy (rows x K, activation storage),
 * deterministic (workspace start). */
int cu_bias_grad(cu_ctx *c, float *db, const float *dy, size_t rows, int k);
/* out (rows x K, activation storage) += bias per column (NULL: none), then max(0, .) when
 * relu. */
int cu_bias_act(cu_ctx *c, float *out, const float *bias, size_t rows, int k, int relu);

/* conv_gemm.cu: the convolutions that are one matrix product (1x1 stride 1 unpadded; a
 * transposed convolution with kernel = stride, unpadded), through cuBLAS */
int cu_gemm_conv_applies(const nn_conv2d_desc *d, int transposed);
int cu_gemm_conv_forward(cu_ctx *c, float *out, const float *inp, const float *weight,
                         const float *bias, const nn_conv2d_desc *d, int transposed, int relu);
int cu_gemm_conv_backward(cu_ctx *c, float *dinp, float *dweight, float *dbias,
                          const float *dout, const float *inp, const float *weight,
                          const nn_conv2d_desc *d, int transposed);

#endif
