/* The CUDA backend's own small kernels (see cuda_backend.h): weight permutation for the
 * transposed convolution, bf16 accumulation, batch-norm statistics conversion, the batch norm
 * in training, eval and frozen modes (fixed-order two-pass reductions: deterministic), bias rows
 * and the deterministic column sums of bias gradients. Pooling is in k_pool.cu, the
 * memory-bound ops of the engine in k_*.cu (cuda_kernels.h).
 * The xkt_* kernels are templated over the activation storage type (k_store.cuh); the xk_* f32
 * functions of cuda_backend.h call their float instances. */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

enum { THREADS = 256, FROZEN_CHUNKS = 64 };

static int launched(const char *what) {
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return 0;
    sw_fail(SW_ERR_RUNTIME, "CUDA kernel %s: %s", what, cudaGetErrorString(e));
    return 1;
}

static unsigned blocks(size_t n) {
    size_t b = (n + THREADS - 1) / THREADS;
    return (unsigned)(b < 1 ? 1 : b > 65535u * 8 ? 65535u * 8 : b);
}

#define GRID_STRIDE(i, n) \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (size_t)gridDim.x * blockDim.x)

__global__ void permute_fwd(float *out, const float *in, int K, int RS, int C) {
    const size_t n = (size_t)K * RS * C;
    GRID_STRIDE(i, n) {
        const int c = (int)(i % C);
        const size_t t = i / C;
        const int rs = (int)(t % RS), k = (int)(t / RS);
        out[((size_t)c * RS + rs) * K + k] = in[i];
    }
}

__global__ void permute_add_back(float *dw, const float *dwp, int K, int RS, int C) {
    const size_t n = (size_t)K * RS * C;
    GRID_STRIDE(i, n) {
        const int c = (int)(i % C);
        const size_t t = i / C;
        const int rs = (int)(t % RS), k = (int)(t / RS);
        dw[i] += dwp[((size_t)c * RS + rs) * K + k];
    }
}

__global__ void bf16_acc(float *y, const uint16_t *x, size_t n) {
    GRID_STRIDE(i, n) {
        const unsigned int u = (unsigned int)x[i] << 16;
        y[i] += __uint_as_float(u);
    }
}

__global__ void invstd_k(float *o, const float *v, int C, float eps) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c < C) o[c] = rsqrtf(v[c] + eps);
}

__global__ void var_k(float *o, const float *is, int C, float eps) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c < C) o[c] = fmaxf(1.0f / (is[c] * is[c]) - eps, 0.0f);
}

/* Frozen batch norm backward, pass 1: chunk j of the pixels, 32 channels per block x 8 row
 * lanes; dinp written; partial sums of dout and dout * xhat per (chunk, channel) */
template <class T>
__global__ void frozen_pass1(T *dinp, const T *dout, const T *inp, const float *gamma,
                             const float *rm, const float *rv, int P, int C, float eps,
                             float *partial) {
    __shared__ float s_db[8][32], s_dg[8][32];
    const int c = blockIdx.x * 32 + threadIdx.x;
    const int chunk = blockIdx.y;
    const int per = (P + FROZEN_CHUNKS - 1) / FROZEN_CHUNKS;
    const int p0 = chunk * per, p1 = min(P, p0 + per);
    float db = 0.f, dg = 0.f;
    if (c < C) {
        const float is = rsqrtf(rv[c] + eps), g = gamma[c], m = rm[c];
        for (int p = p0 + threadIdx.y; p < p1; p += 8) {
            const size_t i = (size_t)p * C + c;
            const float dy = cuk_ld(dout, i);
            db += dy;
            dg += dy * (cuk_ld(inp, i) - m) * is;
            if (dinp) cuk_st(dinp, i, dy * g * is);
        }
    }
    s_db[threadIdx.y][threadIdx.x] = db;
    s_dg[threadIdx.y][threadIdx.x] = dg;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float a = 0.f, b = 0.f;
        for (int r = 0; r < 8; r++) a += s_db[r][threadIdx.x], b += s_dg[r][threadIdx.x];
        partial[(size_t)chunk * C + c] = a;
        partial[(size_t)(FROZEN_CHUNKS + chunk) * C + c] = b;
    }
}

__global__ void frozen_pass2(float *dgamma, float *dbeta, const float *partial, int C) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float a = 0.f, b = 0.f;
    for (int j = 0; j < FROZEN_CHUNKS; j++)
        a += partial[(size_t)j * C + c], b += partial[(size_t)(FROZEN_CHUNKS + j) * C + c];
    if (dbeta) dbeta[c] += a;
    if (dgamma) dgamma[c] += b;
}

/* out (N x K) += bias per column (NULL: none), then max(0, .) when relu (the reference ReLU's
 * rule: NaN -> 0) */
__device__ __forceinline__ float bias_act(float x, float b, int relu) {
    const float v = x + b;
    return relu ? (v > 0.f ? v : 0.f) : v;
}

template <class T, class I>
__global__ void bias_act_rows(T *out, const float *bias, size_t n, int K, int relu) {
    CUK_GRID_STRIDE_I(I, i, n)
        cuk_st(out, i, bias_act(cuk_ld(out, i), bias ? bias[i % (I)K] : 0.f, relu));
}

/* 4 values at a time (K % 4 == 0, out and bias aligned); i counts groups of 4 */
template <class T, class I>
__global__ void bias_act_rows4(T *out, const float *bias, size_t n4, int K, int relu) {
    CUK_GRID_STRIDE_I(I, i, n4) {
        const float4 v = cuk_ld4(out, i);
        const float4 b = bias ? ((const float4 *)bias)[i * 4 % (I)K / 4]
                              : make_float4(0.f, 0.f, 0.f, 0.f);
        cuk_st4(out, i, make_float4(bias_act(v.x, b.x, relu), bias_act(v.y, b.y, relu),
                                    bias_act(v.z, b.z, relu), bias_act(v.w, b.w, relu)));
    }
}

template <typename I>
__global__ void bf16_bias_act(float *out, const uint16_t *x, const float *bias, size_t n, int K,
                              int relu) {
    CUK_GRID_STRIDE_I(I, i, n) {
        const float w = __uint_as_float((unsigned)x[i] << 16);
        const float v = bias ? w + bias[i % (I)K] : w;
        out[i] = relu ? (v > 0.f ? v : 0.f) : v;
    }
}

/* Column sums of x (N x K) added to db, deterministic: pass A sums chunk j of the rows per
 * column (32 columns per block x 8 row lanes, 4 loads in flight per lane); pass B adds the
 * chunks of a column in f64 by a fixed tree, one block per column. */
template <class T>
__global__ void colsum_partial(const T *x, size_t N, int K, float *partial) {
    __shared__ float sh[8][33];
    const int k = blockIdx.x * 32 + threadIdx.x;
    const size_t per = (N + XK_COLSUM_CHUNKS - 1) / XK_COLSUM_CHUNKS;
    const size_t p0 = (size_t)blockIdx.y * per, p1 = p0 + per < N ? p0 + per : N;
    float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f;
    if (k < K) {
        size_t p = p0 + threadIdx.y;
        for (; p + 24 < p1; p += 32) {
            a0 += cuk_ld(x, p * K + k), a1 += cuk_ld(x, (p + 8) * K + k);
            a2 += cuk_ld(x, (p + 16) * K + k), a3 += cuk_ld(x, (p + 24) * K + k);
        }
        for (; p < p1; p += 8) a0 += cuk_ld(x, p * K + k);
    }
    sh[threadIdx.y][threadIdx.x] = (a0 + a1) + (a2 + a3);
    __syncthreads();
    if (threadIdx.y == 0 && k < K) {
        float t = 0.f;
        for (int r = 0; r < 8; r++) t += sh[r][threadIdx.x];
        partial[(size_t)blockIdx.y * K + k] = t;
    }
}

__global__ void colsum_combine(float *db, const float *partial, int K) {
    __shared__ double sh[THREADS];
    const int k = blockIdx.x;
    double a = 0.0;
    for (int j = threadIdx.x; j < XK_COLSUM_CHUNKS; j += THREADS) a += partial[(size_t)j * K + k];
    sh[threadIdx.x] = a;
    __syncthreads();
    for (int w = THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) db[k] += (float)sh[0];
}

/* ---------------------------------------------------------------------------------------- */
/* Batch norm in training mode over (P,C): per-channel sums in two passes (fixed-order
 * reductions: deterministic), chunked over the pixels: pass A sums per (chunk, channel) in f32
 * with 8 row lanes, pass B combines the chunks in f64 in chunk order. */

/* The normalized value (x - mean) / sqrt(var + eps) * g + b, rounded op by op (no contraction
 * left to the compiler): the forward's output before its ReLU, and the fused ReLU's mask
 * (y > 0) that the backward recomputes from x instead of reading the output: the same bits
 * in both. */
__device__ __forceinline__ float bn_invstd(float v, float eps) { return rsqrtf(__fadd_rn(v, eps)); }
__device__ __forceinline__ float bn_pre(float x, float m, float is, float g, float b) {
    return __fmaf_rn(__fmul_rn(__fsub_rn(x, m), is), g, b); /* is = bn_invstd(var, eps) */
}

/* One channel's mean, inverse standard deviation and affine parameters. */
struct bn_chan {
    float m, is, g, b;
};

/* what: 0 sum (x - k) and sum (x - k)^2 with k the chunk's first value of the channel (one
 * pass for mean and variance: shifted sums, combined by bn_stats_combine); 2 sum dy and
 * sum dy (x - mean), dy taken as 0 where the fused ReLU's output was not > 0 (relu: from
 * bn_pre(x) > 0, the forward's mask). Chunk blockIdx.y of the pixels, 32 channels per block x
 * 8 row lanes, 4 rows in flight per lane (the sums are latency-bound otherwise). */
template <class T>
__device__ __forceinline__ void bn_acc(int what, const T *x, const T *dy, int relu, size_t i,
                                       float m, const bn_chan &ch, float eps, float &a,
                                       float &b) {
    const float xv = cuk_ld(x, i), v = xv - m;
    if (what == 0) a += v, b += v * v;
    else {
        const float d =
            relu && !(bn_pre(xv, ch.m, ch.is, ch.g, ch.b) > 0.f) ? 0.f : cuk_ld(dy, i);
        a += d, b += d * v;
    }
}

template <class T>
__global__ void bn_partial(const T *x, const T *dy, int relu, const float *mean,
                           const float *var, const float *g, const float *beta, float eps, int P,
                           int C, int what, float *partial) {
    __shared__ float s_a[8][32], s_b[8][32];
    const int c = blockIdx.x * 32 + threadIdx.x;
    const int chunk = blockIdx.y;
    const int per = (P + XK_BN_CHUNKS - 1) / XK_BN_CHUNKS;
    const int p0 = chunk * per, p1 = min(P, p0 + per);
    float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f, b0 = 0.f, b1 = 0.f, b2 = 0.f, b3 = 0.f;
    if (c < C) {
        const float m = what ? mean[c] : p0 < P ? cuk_ld(x, (size_t)p0 * C + c) : 0.f;
        const bn_chan ch = relu ? bn_chan{mean[c], bn_invstd(var[c], eps), g[c], beta[c]}
                                : bn_chan{0, 0, 0, 0};
        int p = p0 + threadIdx.y;
        for (; p + 24 < p1; p += 32) {
            bn_acc(what, x, dy, relu, (size_t)p * C + c, m, ch, eps, a0, b0);
            bn_acc(what, x, dy, relu, (size_t)(p + 8) * C + c, m, ch, eps, a1, b1);
            bn_acc(what, x, dy, relu, (size_t)(p + 16) * C + c, m, ch, eps, a2, b2);
            bn_acc(what, x, dy, relu, (size_t)(p + 24) * C + c, m, ch, eps, a3, b3);
        }
        for (; p < p1; p += 8) bn_acc(what, x, dy, relu, (size_t)p * C + c, m, ch, eps, a0, b0);
    }
    s_a[threadIdx.y][threadIdx.x] = (a0 + a1) + (a2 + a3);
    s_b[threadIdx.y][threadIdx.x] = (b0 + b1) + (b2 + b3);
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float sa = 0.f, sb = 0.f;
        for (int r = 0; r < 8; r++) sa += s_a[r][threadIdx.x], sb += s_b[r][threadIdx.x];
        partial[(size_t)chunk * C + c] = sa;
        partial[(size_t)(XK_BN_CHUNKS + chunk) * C + c] = sb;
    }
}

/* Mean, biased variance and running statistics from the shifted sums of bn_partial (what 0),
 * one block per channel: chunk j holds n_j values with shift k_j, S1_j = sum (x - k_j),
 * S2_j = sum (x - k_j)^2; mean = sum (n_j k_j + S1_j) / P, then
 * M2 = sum (S2_j - S1_j^2 / n_j + n_j (k_j + S1_j / n_j - mean)^2) (Chan et al.), each sum in
 * f64 by a fixed tree (deterministic). */
__device__ double block_sum(double v, double *sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int w = THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    const double r = sh[0];
    __syncthreads();
    return r;
}

template <class T>
__global__ void bn_stats_combine(const float *partial, const T *x, int P, int C, float *mean,
                                 float *var, float *rm, float *rv, float momentum) {
    __shared__ double sh[THREADS];
    const int c = blockIdx.x;
    const int per = (P + XK_BN_CHUNKS - 1) / XK_BN_CHUNKS;
    double a = 0.0;
    for (int j = threadIdx.x; j < XK_BN_CHUNKS; j += THREADS) {
        const long p0 = (long)j * per;
        if (p0 >= P) break;
        const double n = (double)(min((long)P, p0 + per) - p0), k = cuk_ld(x, p0 * C + c);
        a += n * k + partial[(size_t)j * C + c];
    }
    const double m = block_sum(a, sh) / P;
    double b = 0.0;
    for (int j = threadIdx.x; j < XK_BN_CHUNKS; j += THREADS) {
        const long p0 = (long)j * per;
        if (p0 >= P) break;
        const double n = (double)(min((long)P, p0 + per) - p0), k = cuk_ld(x, p0 * C + c);
        const double s1 = partial[(size_t)j * C + c];
        const double s2 = partial[(size_t)(XK_BN_CHUNKS + j) * C + c];
        const double d = k + s1 / n - m;
        b += s2 - s1 * s1 / n + n * d * d;
    }
    double v = block_sum(b, sh) / P;
    if (threadIdx.x) return;
    v = v > 0.0 ? v : 0.0; /* the shifted sums can round below 0 on a constant channel */
    mean[c] = (float)m;
    var[c] = (float)v;
    if (rm) {
        rm[c] = (1.0f - momentum) * rm[c] + momentum * mean[c];
        rv[c] = (float)((1.0 - momentum) * rv[c] + momentum * (P > 1 ? v * P / (P - 1) : v));
    }
}

/* The backward sums, one block per channel (f64, fixed trees): dgamma and dbeta +=, and (in
 * sums) the per-channel coefficients of the input gradient. */
__global__ void bn_grad_combine(const float *partial, int P, int C, const float *var, float eps,
                                float *dgamma, float *dbeta, float *sums) {
    __shared__ double sh[THREADS];
    const int c = blockIdx.x;
    double a = 0.0, b = 0.0;
    for (int j = threadIdx.x; j < XK_BN_CHUNKS; j += THREADS)
        a += partial[(size_t)j * C + c], b += partial[(size_t)(XK_BN_CHUNKS + j) * C + c];
    a = block_sum(a, sh);
    b = block_sum(b, sh);
    if (threadIdx.x) return;
    const double is = 1.0 / sqrt((double)var[c] + eps);
    if (dbeta) dbeta[c] += (float)a;
    if (dgamma) dgamma[c] += (float)(b * is);
    sums[c] = (float)(a / P);          /* mean dy */
    sums[C + c] = (float)(b * is / P); /* mean dy xhat */
}

/* The per-value expressions of the normalization and of the input gradient, shared by the
 * scalar and the 4-wide kernels (so both give the same bits). bn_y: (x - mean) / sqrt(var +
 * eps) * g + b, then the ReLU with the reference's rule (NaN -> 0) when relu; bn_dx: the
 * gradient from dy (0 where the ReLU's mask is not > 0) and the sums of bn_grad_combine. */
__device__ __forceinline__ float bn_y(float x, float m, float v, float g, float b, float eps,
                                      int relu) {
    const float y = bn_pre(x, m, bn_invstd(v, eps), g, b);
    return relu ? (y > 0.f ? y : 0.f) : y;
}
/* relu: dy counts only where bn_pre(x) > 0 (b is beta; unused otherwise) */
__device__ __forceinline__ float bn_dx(float x, float dy, int relu, float m, float v, float g,
                                       float b, float s0, float s1, float eps) {
    const float is = bn_invstd(v, eps); /* the same bits as rsqrtf(v + eps) */
    const float xh = (x - m) * is;
    const float d = relu && !(bn_pre(x, m, is, g, b) > 0.f) ? 0.f : dy;
    return g * is * (d - s0 - xh * s1);
}

/* y = bn_y(x): the training forward with the batch statistics, the eval forward with the
 * running ones */
template <class T, class I>
__global__ void bn_normalize(T *y, const T *x, const float *mean, const float *var,
                             const float *g, const float *b, size_t n, int C, float eps,
                             int relu) {
    CUK_GRID_STRIDE_I(I, i, n) {
        const int c = (int)(i % (I)C);
        cuk_st(y, i, bn_y(cuk_ld(x, i), mean[c], var[c], g[c], b[c], eps, relu));
    }
}

/* The same 4 values at a time (C % 4 == 0, every pointer aligned for cuk_ld4 and float4): one
 * 16-byte (f32) or 8-byte (bf16) access per operand instead of 4; i counts groups of 4. */
#define BN_F4(p, c) (((const float4 *)(p))[(c) / 4])
template <class T, class I>
__global__ void bn_normalize4(T *y, const T *x, const float *mean, const float *var,
                              const float *g, const float *b, size_t n4, int C, float eps,
                              int relu) {
    CUK_GRID_STRIDE_I(I, i, n4) {
        const int c = (int)(i * 4 % (I)C);
        const float4 v = cuk_ld4(x, i), m = BN_F4(mean, c), q = BN_F4(var, c);
        const float4 gg = BN_F4(g, c), bb = BN_F4(b, c);
        cuk_st4(y, i, make_float4(bn_y(v.x, m.x, q.x, gg.x, bb.x, eps, relu),
                                  bn_y(v.y, m.y, q.y, gg.y, bb.y, eps, relu),
                                  bn_y(v.z, m.z, q.z, gg.z, bb.z, eps, relu),
                                  bn_y(v.w, m.w, q.w, gg.w, bb.w, eps, relu)));
    }
}

template <class T, class I>
__global__ void bn_dinp(T *dx, const T *dy, int relu, const T *x, const float *mean,
                        const float *var, const float *g, const float *b, const float *sums,
                        size_t n, int C, float eps) {
    CUK_GRID_STRIDE_I(I, i, n) {
        const int c = (int)(i % (I)C);
        cuk_st(dx, i, bn_dx(cuk_ld(x, i), cuk_ld(dy, i), relu, mean[c], var[c], g[c],
                            relu ? b[c] : 0.f, sums[c], sums[C + c], eps));
    }
}

template <class T, class I>
__global__ void bn_dinp4(T *dx, const T *dy, int relu, const T *x, const float *mean,
                         const float *var, const float *g, const float *b, const float *sums,
                         size_t n4, int C, float eps) {
    CUK_GRID_STRIDE_I(I, i, n4) {
        const int c = (int)(i * 4 % (I)C);
        const float4 v = cuk_ld4(x, i), d = cuk_ld4(dy, i);
        const float4 m = BN_F4(mean, c), q = BN_F4(var, c), gg = BN_F4(g, c);
        const float4 bb = relu ? BN_F4(b, c) : make_float4(0.f, 0.f, 0.f, 0.f);
        const float4 s0 = BN_F4(sums, c), s1 = BN_F4(sums + C, c);
        cuk_st4(dx, i, make_float4(bn_dx(v.x, d.x, relu, m.x, q.x, gg.x, bb.x, s0.x, s1.x, eps),
                                   bn_dx(v.y, d.y, relu, m.y, q.y, gg.y, bb.y, s0.y, s1.y, eps),
                                   bn_dx(v.z, d.z, relu, m.z, q.z, gg.z, bb.z, s0.z, s1.z, eps),
                                   bn_dx(v.w, d.w, relu, m.w, q.w, gg.w, bb.w, s0.w, s1.w, eps)));
    }
}

/* whether the 4-wide kernels apply: C % 4 == 0 and every pointer aligned (NULL counts as
 * aligned) */
template <class T>
static int bn_vec4(int C, const T *a, const T *b, const T *c, const float *p0, const float *p1,
                   const float *p2, const float *p3, const float *p4) {
    return C % 4 == 0 && cuk_aligned4(a) && cuk_aligned4(b) && cuk_aligned4(c) &&
           cuk_aligned4(p0) && cuk_aligned4(p1) && cuk_aligned4(p2) && cuk_aligned4(p3) &&
           cuk_aligned4(p4);
}

template <class T>
static void bn_normalize_launch(T *out, const T *x, const float *mean, const float *var,
                                const float *g, const float *b, int P, int C, float eps, int relu,
                                cudaStream_t s) {
    const size_t n = (size_t)P * C;
    if (bn_vec4<T>(C, out, x, NULL, mean, var, g, b, NULL)) {
        if (cuk_small_index(n))
            bn_normalize4<T, unsigned><<<blocks(n / 4), THREADS, 0, s>>>(out, x, mean, var, g, b,
                                                                        n / 4, C, eps, relu);
        else
            bn_normalize4<T, size_t><<<blocks(n / 4), THREADS, 0, s>>>(out, x, mean, var, g, b,
                                                                      n / 4, C, eps, relu);
    } else if (cuk_small_index(n))
        bn_normalize<T, unsigned><<<blocks(n), THREADS, 0, s>>>(out, x, mean, var, g, b, n, C,
                                                                eps, relu);
    else
        bn_normalize<T, size_t><<<blocks(n), THREADS, 0, s>>>(out, x, mean, var, g, b, n, C, eps,
                                                              relu);
}

template <class T>
int xkt_bn_train_forward(T *out, float *mean, float *var, float *rm, float *rv, const T *x,
                         const float *g, const float *b, int P, int C, float momentum, float eps,
                         int relu, float *partial, cudaStream_t s) {
    dim3 grid((C + 31) / 32, XK_BN_CHUNKS), block(32, 8);
    bn_partial<T><<<grid, block, 0, s>>>(x, NULL, 0, NULL, NULL, NULL, NULL, eps, P, C, 0,
                                         partial);
    bn_stats_combine<T><<<C, THREADS, 0, s>>>(partial, x, P, C, mean, var, rm, rv, momentum);
    bn_normalize_launch(out, x, mean, var, g, b, P, C, eps, relu, s);
    return launched("bn_train_forward");
}

template <class T>
int xkt_bn_eval_forward(T *out, const T *x, const float *rm, const float *rv, const float *g,
                        const float *b, int P, int C, float eps, int relu, cudaStream_t s) {
    bn_normalize_launch(out, x, rm, rv, g, b, P, C, eps, relu, s);
    return launched("bn_eval_forward");
}

template <class T>
int xkt_bn_train_backward(T *dx, float *dgamma, float *dbeta, const T *dy, int relu,
                          const T *x, const float *g, const float *b, const float *mean,
                          const float *var, int P, int C, float eps, float *partial, float *sums,
                          cudaStream_t s) {
    dim3 grid((C + 31) / 32, XK_BN_CHUNKS), block(32, 8);
    bn_partial<T><<<grid, block, 0, s>>>(x, dy, relu, mean, var, g, b, eps, P, C, 2, partial);
    bn_grad_combine<<<C, THREADS, 0, s>>>(partial, P, C, var, eps, dgamma, dbeta, sums);
    if (dx) {
        const size_t n = (size_t)P * C;
        const int v4 = bn_vec4<T>(C, dx, dy, x, mean, var, g, relu ? b : NULL, sums);
        if (v4 && cuk_small_index(n))
            bn_dinp4<T, unsigned><<<blocks(n / 4), THREADS, 0, s>>>(dx, dy, relu, x, mean, var,
                                                                   g, b, sums, n / 4, C, eps);
        else if (v4)
            bn_dinp4<T, size_t><<<blocks(n / 4), THREADS, 0, s>>>(dx, dy, relu, x, mean, var, g,
                                                                 b, sums, n / 4, C, eps);
        else if (cuk_small_index(n))
            bn_dinp<T, unsigned><<<blocks(n), THREADS, 0, s>>>(dx, dy, relu, x, mean, var, g, b,
                                                               sums, n, C, eps);
        else
            bn_dinp<T, size_t><<<blocks(n), THREADS, 0, s>>>(dx, dy, relu, x, mean, var, g, b,
                                                             sums, n, C, eps);
    }
    return launched("bn_train_backward");
}

template <class T>
int xkt_bn_frozen_backward(T *dinp, float *dgamma, float *dbeta, const T *dout, const T *inp,
                           const float *gamma, const float *rm, const float *rv, int P, int C,
                           float eps, float *partial, cudaStream_t s) {
    dim3 grid((C + 31) / 32, FROZEN_CHUNKS), block(32, 8);
    frozen_pass1<T><<<grid, block, 0, s>>>(dinp, dout, inp, gamma, rm, rv, P, C, eps, partial);
    if (launched("bn_frozen_backward pass 1")) return 1;
    frozen_pass2<<<(C + THREADS - 1) / THREADS, THREADS, 0, s>>>(dgamma, dbeta, partial, C);
    return launched("bn_frozen_backward pass 2");
}

template <class T>
int xkt_bias_act_rows(T *out, const float *bias, size_t N, int K, int relu, cudaStream_t s) {
    const size_t n = N * K;
    if (K % 4 == 0 && cuk_aligned4(out) && cuk_aligned4(bias)) {
        if (cuk_small_index(n))
            bias_act_rows4<T, unsigned><<<blocks(n / 4), THREADS, 0, s>>>(out, bias, n / 4, K,
                                                                         relu);
        else
            bias_act_rows4<T, size_t><<<blocks(n / 4), THREADS, 0, s>>>(out, bias, n / 4, K,
                                                                       relu);
    } else if (cuk_small_index(n))
        bias_act_rows<T, unsigned><<<blocks(n), THREADS, 0, s>>>(out, bias, n, K, relu);
    else
        bias_act_rows<T, size_t><<<blocks(n), THREADS, 0, s>>>(out, bias, n, K, relu);
    return launched("bias_act_rows");
}

template <class T>
int xkt_colsum_accumulate(float *db, const T *dout, size_t N, int K, float *partial,
                          cudaStream_t s) {
    colsum_partial<T><<<dim3((K + 31) / 32, XK_COLSUM_CHUNKS), dim3(32, 8), 0, s>>>(dout, N, K,
                                                                                    partial);
    colsum_combine<<<K, THREADS, 0, s>>>(db, partial, K);
    return launched("colsum_accumulate");
}

/* ---------------------------------------------------------------------------------------- */
/* cuda_backend.h's C functions: the f32 ones are the float instances. */
extern "C" int xk_permute_krsc_to_crsk(float *out, const float *in, int K, int RS, int C,
                                       cudaStream_t s) {
    permute_fwd<<<blocks((size_t)K * RS * C), THREADS, 0, s>>>(out, in, K, RS, C);
    return launched("permute_krsc_to_crsk");
}
extern "C" int xk_permute_add_crsk_to_krsc(float *dw, const float *dwp, int K, int RS, int C,
                                           cudaStream_t s) {
    permute_add_back<<<blocks((size_t)K * RS * C), THREADS, 0, s>>>(dw, dwp, K, RS, C);
    return launched("permute_add_crsk_to_krsc");
}
extern "C" int xk_bf16_accumulate(float *y, const uint16_t *x, size_t n, cudaStream_t s) {
    bf16_acc<<<blocks(n), THREADS, 0, s>>>(y, x, n);
    return launched("bf16_accumulate");
}
extern "C" int xk_invstd_from_var(float *invstd, const float *var, int C, float eps,
                                  cudaStream_t s) {
    invstd_k<<<(C + THREADS - 1) / THREADS, THREADS, 0, s>>>(invstd, var, C, eps);
    return launched("invstd_from_var");
}
extern "C" int xk_var_from_invstd(float *var, const float *invstd, int C, float eps,
                                  cudaStream_t s) {
    var_k<<<(C + THREADS - 1) / THREADS, THREADS, 0, s>>>(var, invstd, C, eps);
    return launched("var_from_invstd");
}
extern "C" int xk_bn_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                     const float *inp, const float *gamma, const float *rm,
                                     const float *rv, int P, int C, float eps, float *partial,
                                     cudaStream_t s) {
    return xkt_bn_frozen_backward<float>(dinp, dgamma, dbeta, dout, inp, gamma, rm, rv, P, C, eps,
                                         partial, s);
}
extern "C" int xk_bf16_bias_act(float *out, const uint16_t *x, const float *bias, size_t N, int K,
                                int relu, cudaStream_t s) {
    const size_t n = N * K;
    if (cuk_small_index(n))
        bf16_bias_act<unsigned><<<blocks(n), THREADS, 0, s>>>(out, x, bias, n, K, relu);
    else
        bf16_bias_act<size_t><<<blocks(n), THREADS, 0, s>>>(out, x, bias, n, K, relu);
    return launched("bf16_bias_act");
}
extern "C" int xk_bias_act_rows(float *out, const float *bias, size_t N, int K, int relu,
                                cudaStream_t s) {
    return xkt_bias_act_rows<float>(out, bias, N, K, relu, s);
}
extern "C" int xk_colsum_accumulate(float *db, const float *dout, size_t N, int K,
                                    float *partial, cudaStream_t s) {
    return xkt_colsum_accumulate<float>(db, dout, N, K, partial, s);
}
extern "C" int xk_bn_train_forward(float *out, float *mean, float *var, float *rm, float *rv,
                                   const float *x, const float *g, const float *b, int P, int C,
                                   float momentum, float eps, int relu, float *partial,
                                   cudaStream_t s) {
    return xkt_bn_train_forward<float>(out, mean, var, rm, rv, x, g, b, P, C, momentum, eps, relu,
                                       partial, s);
}
extern "C" int xk_bn_train_backward(float *dx, float *dgamma, float *dbeta, const float *dy,
                                    int relu, const float *x, const float *g, const float *b,
                                    const float *mean, const float *var, int P, int C, float eps,
                                    float *partial, float *sums, cudaStream_t s) {
    return xkt_bn_train_backward<float>(dx, dgamma, dbeta, dy, relu, x, g, b, mean, var, P, C,
                                        eps, partial, sums, s);
}

#define EXTRA_INST(T)                                                                            \
    template int xkt_bn_train_forward<T>(T *, float *, float *, float *, float *, const T *,     \
                                         const float *, const float *, int, int, float, float,   \
                                         int, float *, cudaStream_t);                            \
    template int xkt_bn_train_backward<T>(T *, float *, float *, const T *, int, const T *,      \
                                          const float *, const float *, const float *,           \
                                          const float *, int, int, float, float *, float *,      \
                                          cudaStream_t);                                         \
    template int xkt_bn_eval_forward<T>(T *, const T *, const float *, const float *,           \
                                        const float *, const float *, int, int, float, int,      \
                                        cudaStream_t);                                           \
    template int xkt_bn_frozen_backward<T>(T *, float *, float *, const T *, const T *,          \
                                           const float *, const float *, const float *, int, int, \
                                           float, float *, cudaStream_t);                        \
    template int xkt_bias_act_rows<T>(T *, const float *, size_t, int, int, cudaStream_t);       \
    template int xkt_colsum_accumulate<T>(float *, const T *, size_t, int, float *,              \
                                          cudaStream_t);
EXTRA_INST(float)
EXTRA_INST(bf16_t)
