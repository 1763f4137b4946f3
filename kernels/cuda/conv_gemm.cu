/* The convolutions that are one matrix product, through cuBLAS instead of cuDNN (see
 * cuda_backend.h): a 1x1 convolution with stride 1 and no padding (a segmentation head), and a
 * transposed convolution whose kernel equals its stride with no padding (the UNet upsampler,
 * 2x2 stride 2: the output's windows do not overlap). cuDNN's NHWC f32 backward for these ran
 * 10-17x slower than their forward on an H100 (bench_gpu's SWATH_PROFILE table, 2026-11-23).
 *
 * Rows are pixels. A 1x1 convolution is Y (P x K) = X (P x C) W^T, W our (K, C) weight.
 * A non-overlapping transposed convolution with kernel R x S is Z (P x K*R*S) = X W^T with W
 * our (K, R, S, C) weight read as (K*R*S) x C, then each row of Z is scattered to its R x S
 * block of output pixels (z_to_out); its backward gathers the output gradient into Z
 * (out_to_z) and runs the two products of a linear layer. Z lives in the workspace (as many
 * floats as the output). Bias: added per output row; its gradient by the deterministic column
 * sums of k_extra.cu. cuBLAS's compute type follows the mode (cu_blas_compute). In the bf16-act
 * mode X, Y, Z and their gradients are bf16 and the weight is converted into the workspace
 * (bf16 x bf16 products with f32 compute; the weight gradient is accumulated in f32). */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

extern "C" {
#include "kernels/cuda/cuda_kernels.h"
}

#include <limits.h>

enum { T = 256 };

static unsigned blocks(size_t n) {
    size_t b = (n + T - 1) / T;
    return (unsigned)(b < 1 ? 1 : b > 65535u * 8 ? 65535u * 8 : b);
}

static int launched(const char *what) {
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return 0;
    sw_fail(SW_ERR_RUNTIME, "CUDA kernel %s: %s", what, cudaGetErrorString(e));
    return 1;
}

/* out (N, H*R, W*S, K) from z (N*H*W, K*R*S), plus bias (back 0; back 2: then max(0, .)); or
 * (back 1) z from out; both in activation storage X. One thread per output value: the output
 * side is read or written coalesced. */
template <typename X, typename I> /* I: 32 bits when n allows (64-bit division is slow) */
__global__ void z_out(X *out, X *z, const float *bias, int H, int W, int K, int R, int S,
                      size_t n, int back) {
    const int OW = W * S, OH = H * R;
    for (I o = (I)blockIdx.x * blockDim.x + threadIdx.x; o < (I)n;
         o += (I)gridDim.x * blockDim.x) {
        const int k = (int)(o % (I)K);
        I t = o / (I)K;
        const int ow = (int)(t % (I)OW);
        t /= (I)OW;
        const int oh = (int)(t % (I)OH);
        const size_t nn = t / (I)OH;
        const size_t p = (nn * H + oh / R) * W + ow / S;
        const size_t zi = p * ((size_t)K * R * S) + ((size_t)k * R + oh % R) * S + ow % S;
        if (back == 1) {
            z[zi] = out[o];
        } else {
            const float v = cuk_ld(z, zi) + (bias ? bias[k] : 0.0f);
            cuk_st(out, o, back == 2 ? (v > 0.f ? v : 0.f) : v); /* 2: ReLU (the reference's) */
        }
    }
}

template <typename X>
static void z_out_launch(X *out, X *z, const float *bias, const nn_conv2d_desc *d, size_t n,
                         int back, cudaStream_t s) {
    if (n <= 0x7fffffffu)
        z_out<X, unsigned><<<blocks(n), T, 0, s>>>(out, z, bias, d->H, d->W, d->K, d->R, d->S, n,
                                                   back);
    else
        z_out<X, size_t><<<blocks(n), T, 0, s>>>(out, z, bias, d->H, d->W, d->K, d->R, d->S, n,
                                                 back);
}

/* the activation storage's size; *w: the weight as the products read it (in the bf16-act mode
 * converted to bf16 at byte `at` of the workspace, which the caller reserved) */
static size_t act_size(const cu_ctx *c) { return c->act_bf16 ? 2 : 4; }
static int weight_operand(cu_ctx *c, const float *weight, size_t n, size_t at, const void **w) {
    *w = weight;
    if (!c->act_bf16) return 0;
    uint16_t *h = (uint16_t *)((char *)c->ws + at);
    CU_LAUNCHED(cuk_f32_to_bf16(h, weight, n, c->stream));
    *w = h;
    return 0;
}

static void scatter(cu_ctx *c, float *out, void *z, const float *bias, const nn_conv2d_desc *d,
                    size_t n, int back) {
    if (c->act_bf16) z_out_launch((bf16_t *)out, (bf16_t *)z, bias, d, n, back, c->stream);
    else z_out_launch(out, (float *)z, bias, d, n, back, c->stream);
}

int cu_gemm_conv_applies(const nn_conv2d_desc *d, int transposed) {
    if (d->groups != 1 || (size_t)d->N * d->H * d->W > INT_MAX) return 0;
    if (!transposed)
        return d->R == 1 && d->S == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 &&
               d->pad_w == 0;
    return d->R == d->stride_h && d->S == d->stride_w && d->pad_h == 0 && d->pad_w == 0 &&
           d->dil_h == 1 && d->dil_w == 1 && d->out_pad_h == 0 && d->out_pad_w == 0 &&
           (size_t)d->K * d->R * d->S <= INT_MAX;
}

int cu_gemm_conv_forward(cu_ctx *c, float *out, const float *inp, const float *weight,
                         const float *bias, const nn_conv2d_desc *d, int transposed, int relu) {
    const int P = d->N * d->H * d->W, M = d->K * d->R * d->S;
    const float one = 1.0f, zero = 0.0f;
    const cudaDataType_t t = cu_act_type(c);
    const size_t bz = transposed ? cu_align((size_t)P * M * act_size(c)) : 0;
    const size_t nW = (size_t)M * d->C;
    if (!cu_ws(c, bz + cu_align(nW * 2))) return 1;
    void *z = transposed ? c->ws : (void *)out;
    const void *w = NULL;
    if (weight_operand(c, weight, nW, bz, &w)) return 1;
    /* Z (M x P col-major) = W^T (M x C) X (C x P) */
    BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, M, P, d->C, &one, w, t, d->C, inp,
                            t, d->C, &zero, z, t, M, cu_blas_compute(c), CUBLAS_GEMM_DEFAULT));
    if (transposed) {
        scatter(c, out, z, bias, d, (size_t)P * M, relu ? 2 : 0);
        return launched("transposed conv scatter");
    }
    return cu_bias_act(c, out, bias, (size_t)P, d->K, relu);
}

int cu_gemm_conv_backward(cu_ctx *c, float *dinp, float *dweight, float *dbias,
                          const float *dout, const float *inp, const float *weight,
                          const nn_conv2d_desc *d, int transposed) {
    const int P = d->N * d->H * d->W, M = d->K * d->R * d->S;
    const size_t rows = (size_t)d->N * d->OH * d->OW; /* output pixels */
    const float one = 1.0f, zero = 0.0f;
    const cudaDataType_t t = cu_act_type(c);
    const int gather = transposed && (dinp || dweight);
    const size_t bz = gather ? cu_align((size_t)P * M * act_size(c)) : 0;
    const size_t nW = (size_t)M * d->C;
    if (!cu_ws(c, bz + cu_align(nW * 2))) return 1;
    const void *z = dout;
    if (gather) {
        scatter(c, (float *)dout, c->ws, NULL, d, (size_t)P * M, 1);
        if (launched("transposed conv gather")) return 1;
        z = c->ws;
    }
    if (dinp) { /* dX (C x P) = W (C x M) Z (M x P) */
        const void *w = NULL;
        if (weight_operand(c, weight, nW, bz, &w)) return 1;
        BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, d->C, P, M, &one, w, t, d->C,
                                z, t, M, &zero, dinp, t, d->C, cu_blas_compute(c),
                                CUBLAS_GEMM_DEFAULT));
    }
    if (dweight) /* dW (C x M, f32) += X (C x P) Z^T (P x M) */
        BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_T, d->C, M, P, &one, inp, t,
                                d->C, z, t, M, &one, dweight, CUDA_R_32F, d->C, cu_blas_compute(c),
                                CUBLAS_GEMM_DEFAULT));
    return dbias ? cu_bias_grad(c, dbias, dout, rows, d->K) : 0;
}
