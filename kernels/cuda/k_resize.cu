/* Nearest and bilinear (align_corners=False) resampling, NHWC, the twins of
 * kernels/cpu/ref_resize.c (same float source-coordinate arithmetic, rounded op by op with the
 * __f*_rn intrinsics so that no multiply-add is fused: the same indices and weights as the CPU).
 * One thread per (pixel, channel vector): 4 channels per access when C % 4 == 0 and the buffers
 * are aligned for it. The backward passes GATHER: each input pixel sums the output pixels that
 * read it, in the reference's (oh, ow, corner) order, in f32 registers: no atomics,
 * deterministic, and (f32 storage) bitwise equal to the reference on a CPU that does not fuse
 * either. Templated over the activation storage type (k_store.cuh). */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

__device__ static inline float vadd(float a, float b) { return __fadd_rn(a, b); }
__device__ static inline float4 vadd(float4 a, float4 b) {
    return make_float4(__fadd_rn(a.x, b.x), __fadd_rn(a.y, b.y), __fadd_rn(a.z, b.z),
                       __fadd_rn(a.w, b.w));
}
__device__ static inline float vmul(float a, float w) { return __fmul_rn(a, w); }
__device__ static inline float4 vmul(float4 a, float w) {
    return make_float4(__fmul_rn(a.x, w), __fmul_rn(a.y, w), __fmul_rn(a.z, w), __fmul_rn(a.w, w));
}
template <class V> __device__ static inline V vzero();
template <> __device__ inline float vzero<float>() { return 0.0f; }
template <> __device__ inline float4 vzero<float4>() { return make_float4(0.f, 0.f, 0.f, 0.f); }

/* V values (float: one, float4: 4 channels) at vector index i of storage T, widened to f32, and
 * the rounding store (k_common.cuh). */
template <class T> __device__ static inline void vload(float *v, const T *p, size_t i) {
    *v = cuk_ld(p, i);
}
template <class T> __device__ static inline void vload(float4 *v, const T *p, size_t i) {
    *v = cuk_ld4(p, i);
}
template <class V, class T> __device__ static inline V vld(const T *p, size_t i) {
    V v;
    vload(&v, p, i);
    return v;
}
template <class T> __device__ static inline void vst(T *p, size_t i, float v) { cuk_st(p, i, v); }
template <class T> __device__ static inline void vst(T *p, size_t i, float4 v) {
    cuk_st4(p, i, v);
}

/* `scale` is (float)in / (float)out, computed once on the host: IEEE division there and in the
 * reference give the same float. */
__device__ static inline int nearest_src(int dst, int in, float scale) {
    const int s = (int)__fmul_rn((float)dst, scale);
    return s < in - 1 ? s : in - 1;
}

__device__ static inline void linear_src(int dst, int in, float scale, int *i0, int *i1,
                                         float *l1) {
    float src = __fsub_rn(__fmul_rn(__fadd_rn((float)dst, 0.5f), scale), 0.5f);
    if (src < 0.0f) src = 0.0f;
    int lo = (int)src;
    if (lo > in - 1) lo = in - 1;
    *i0 = lo;
    *i1 = lo < in - 1 ? lo + 1 : lo;
    *l1 = __fsub_rn(src, (float)lo);
}

/* Splits a flat index over (N, A, B, Cv) into its parts. */
template <class I>
__device__ static inline void split4(I i, int A, int B, int Cv, int *n, int *a, int *b, int *cv) {
    *cv = (int)(i % (I)Cv);
    I t = i / (I)Cv;
    *b = (int)(t % (I)B);
    t /= (I)B;
    *a = (int)(t % (I)A);
    *n = (int)(t / (I)A);
}

template <class V, class I, class T>
__global__ static void k_nearest_fwd(T *out, const T *inp, int H, int W, int Cv, int OH, int OW,
                                     I total, float sh, float sw) {
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
        int n, oh, ow, cv;
        split4(i, OH, OW, Cv, &n, &oh, &ow, &cv);
        const int ih = nearest_src(oh, H, sh), iw = nearest_src(ow, W, sw);
        vst(out, i, vld<V>(inp, (((size_t)n * H + ih) * W + iw) * Cv + cv));
    }
}

/* Output indices [*lo, *hi) that can map to input index i under nearest_src (a superset by one
 * on each side; the loop checks each exactly). */
__device__ static inline void nearest_range(int i, int in, int out, int *lo, int *hi) {
    long long a = (long long)i * out / in - 1, b = ((long long)(i + 1) * out + in - 1) / in + 1;
    *lo = a < 0 ? 0 : (int)a;
    *hi = i == in - 1 || b > out ? out : (int)b;
}

template <class V, class I, class T>
__global__ static void k_nearest_bwd(T *dinp, const T *dout, int H, int W, int Cv, int OH, int OW,
                                     I total, float sh, float sw) {
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
        int n, ih, iw, cv, hs, he, ws, we;
        split4(i, H, W, Cv, &n, &ih, &iw, &cv);
        nearest_range(ih, H, OH, &hs, &he);
        nearest_range(iw, W, OW, &ws, &we);
        V acc = vzero<V>();
        for (int oh = hs; oh < he; oh++) {
            if (nearest_src(oh, H, sh) != ih) continue;
            const size_t row = ((size_t)n * OH + oh) * OW * Cv + cv;
            for (int ow = ws; ow < we; ow++)
                if (nearest_src(ow, W, sw) == iw)
                    acc = vadd(acc, vld<V>(dout, row + (size_t)ow * Cv));
        }
        vst(dinp, i, acc);
    }
}

template <class V, class I, class T>
__global__ static void k_bilinear_fwd(T *out, const T *inp, int H, int W, int Cv, int OH, int OW,
                                      I total, float sh, float sw) {
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
        int n, oh, ow, cv, h0, h1, w0, w1;
        float lh, lw;
        split4(i, OH, OW, Cv, &n, &oh, &ow, &cv);
        linear_src(oh, H, sh, &h0, &h1, &lh);
        linear_src(ow, W, sw, &w0, &w1, &lw);
        const size_t base = (size_t)n * H * W * Cv + cv;
        const V a = vld<V>(inp, base + ((size_t)h0 * W + w0) * Cv);
        const V b = vld<V>(inp, base + ((size_t)h0 * W + w1) * Cv);
        const V c = vld<V>(inp, base + ((size_t)h1 * W + w0) * Cv);
        const V e = vld<V>(inp, base + ((size_t)h1 * W + w1) * Cv);
        const float mh = __fsub_rn(1.0f, lh), mw = __fsub_rn(1.0f, lw);
        vst(out, i, vadd(vmul(vadd(vmul(a, mw), vmul(b, lw)), mh),
                         vmul(vadd(vmul(c, mw), vmul(e, lw)), lh)));
    }
}

/* Output indices that can read input index i bilinearly: those whose lower source index is i - 1
 * or i, a superset by one on each side. */
__device__ static inline void linear_range(int i, int in, int out, int *lo, int *hi) {
    const float r = (float)out / (float)in; /* an estimate: the margins absorb its rounding */
    const long long a = (long long)floorf((i - 0.5f) * r - 0.5f) - 1;
    const long long b = (long long)ceilf((i + 1.5f) * r - 0.5f) + 1;
    *lo = i <= 1 || a < 0 ? 0 : (int)a;
    *hi = i >= in - 1 || b > out ? out : (int)b;
}

__device__ static inline int linear_touches(int dst, int i, int in, float scale) {
    int i0, i1;
    float l1;
    linear_src(dst, in, scale, &i0, &i1, &l1);
    return i0 == i || i1 == i;
}

/* The output indices reading input index i: the superset of linear_range trimmed to the exact
 * (contiguous) set. */
__device__ static inline void linear_range_exact(int i, int in, int out, float scale, int *lo,
                                                 int *hi) {
    linear_range(i, in, out, lo, hi);
    while (*lo < *hi && !linear_touches(*lo, i, in, scale)) (*lo)++;
    while (*hi > *lo && !linear_touches(*hi - 1, i, in, scale)) (*hi)--;
}

/* Adds the contributions of output pixel (oh, ow) to input pixel (ih, iw) in the reference's
 * corner order: (h0,w0), (h0,w1), (h1,w0), (h1,w1). */
template <class V>
__device__ static inline V add_corners(V acc, V dv, int ih, int iw, int h0, int h1, float lh,
                                       int w0, int w1, float lw) {
    const float mh = __fsub_rn(1.0f, lh), mw = __fsub_rn(1.0f, lw);
    if (h0 == ih && w0 == iw) acc = vadd(acc, vmul(dv, __fmul_rn(mh, mw)));
    if (h0 == ih && w1 == iw) acc = vadd(acc, vmul(dv, __fmul_rn(mh, lw)));
    if (h1 == ih && w0 == iw) acc = vadd(acc, vmul(dv, __fmul_rn(lh, mw)));
    if (h1 == ih && w1 == iw) acc = vadd(acc, vmul(dv, __fmul_rn(lh, lw)));
    return acc;
}

template <class V, class I, class T>
__global__ static void k_bilinear_bwd(T *dinp, const T *dout, int H, int W, int Cv, int OH,
                                      int OW, I total, float sh, float sw) {
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
        int n, ih, iw, cv, hs, he, ws, we;
        split4(i, H, W, Cv, &n, &ih, &iw, &cv);
        linear_range_exact(ih, H, OH, sh, &hs, &he);
        linear_range_exact(iw, W, OW, sw, &ws, &we);
        V acc = vzero<V>();
        /* (Keeping the columns' source coordinates in registers instead of recomputing them
         * per row measured 35% slower on the H100: more instructions for the guards.) */
        for (int oh = hs; oh < he; oh++) {
            int h0, h1, w0, w1;
            float lh, lw;
            linear_src(oh, H, sh, &h0, &h1, &lh);
            const size_t row = ((size_t)n * OH + oh) * OW * Cv + cv;
            for (int ow = ws; ow < we; ow++) {
                linear_src(ow, W, sw, &w0, &w1, &lw);
                acc = add_corners(acc, vld<V>(dout, row + (size_t)ow * Cv), ih, iw, h0, h1, lh, w0,
                                  w1, lw);
            }
        }
        vst(dinp, i, acc);
    }
}

enum { OP_NEAREST_FWD, OP_NEAREST_BWD, OP_BILINEAR_FWD, OP_BILINEAR_BWD };

template <class V, class I, class T>
static void launch(int op, T *d, const T *x, int H, int W, int Cv, int OH, int OW, size_t total,
                   cudaStream_t s) {
    const unsigned g = cuk_blocks(total);
    const float sh = (float)H / (float)OH, sw = (float)W / (float)OW; /* as the reference */
    switch (op) {
    case OP_NEAREST_FWD: k_nearest_fwd<V, I, T><<<g, CUK_THREADS, 0, s>>>(d, x, H, W, Cv, OH, OW, (I)total, sh, sw); break;
    case OP_NEAREST_BWD: k_nearest_bwd<V, I, T><<<g, CUK_THREADS, 0, s>>>(d, x, H, W, Cv, OH, OW, (I)total, sh, sw); break;
    case OP_BILINEAR_FWD: k_bilinear_fwd<V, I, T><<<g, CUK_THREADS, 0, s>>>(d, x, H, W, Cv, OH, OW, (I)total, sh, sw); break;
    default: k_bilinear_bwd<V, I, T><<<g, CUK_THREADS, 0, s>>>(d, x, H, W, Cv, OH, OW, (I)total, sh, sw); break;
    }
}

/* dst has (N, DH, DW, C) values: the output of a forward, dinp of a backward. */
template <class T>
static int run(int op, T *dst, const T *src, int N, int H, int W, int C, int OH, int OW,
               cudaStream_t s, const char *what) {
    const int fwd = op == OP_NEAREST_FWD || op == OP_BILINEAR_FWD;
    const size_t pixels = (size_t)N * (fwd ? (size_t)OH * OW : (size_t)H * W);
    if (pixels == 0 || C <= 0) return 0;
    if (H <= 0 || W <= 0 || OH <= 0 || OW <= 0)
        return sw_fail(SW_ERR_RUNTIME, "CUDA %s: empty size %dx%d -> %dx%d", what, H, W, OH, OW),
               1;
    const int vec = C % 4 == 0 && cuk_aligned4(dst) && cuk_aligned4(src);
    const int Cv = vec ? C / 4 : C;
    const size_t total = pixels * Cv;
    const int small = total < 0xffffffffu;
    if (vec && small) launch<float4, uint32_t>(op, dst, src, H, W, Cv, OH, OW, total, s);
    else if (vec) launch<float4, size_t>(op, dst, src, H, W, Cv, OH, OW, total, s);
    else if (small) launch<float, uint32_t>(op, dst, src, H, W, Cv, OH, OW, total, s);
    else launch<float, size_t>(op, dst, src, H, W, Cv, OH, OW, total, s);
    return CUK_LAUNCHED(what);
}

template <class T>
int cukt_upsample_nearest_forward(T *out, const T *inp, int N, int H, int W, int C, int OH,
                                  int OW, cudaStream_t s) {
    return run(OP_NEAREST_FWD, out, inp, N, H, W, C, OH, OW, s, "nearest upsample forward");
}

template <class T>
int cukt_upsample_nearest_backward(T *dinp, const T *dout, int N, int H, int W, int C, int OH,
                                   int OW, cudaStream_t s) {
    return run(OP_NEAREST_BWD, dinp, dout, N, H, W, C, OH, OW, s, "nearest upsample backward");
}

template <class T>
int cukt_upsample_bilinear_forward(T *out, const T *inp, int N, int H, int W, int C, int OH,
                                   int OW, cudaStream_t s) {
    return run(OP_BILINEAR_FWD, out, inp, N, H, W, C, OH, OW, s, "bilinear upsample forward");
}

template <class T>
int cukt_upsample_bilinear_backward(T *dinp, const T *dout, int N, int H, int W, int C, int OH,
                                    int OW, cudaStream_t s) {
    return run(OP_BILINEAR_BWD, dinp, dout, N, H, W, C, OH, OW, s, "bilinear upsample backward");
}

extern "C" int cuk_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W,
                                            int C, int OH, int OW, void *stream) {
    return cukt_upsample_nearest_forward<float>(out, inp, N, H, W, C, OH, OW, CUK_STREAM(stream));
}

extern "C" int cuk_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W,
                                             int C, int OH, int OW, void *stream) {
    return cukt_upsample_nearest_backward<float>(dinp, dout, N, H, W, C, OH, OW,
                                                 CUK_STREAM(stream));
}

extern "C" int cuk_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W,
                                             int C, int OH, int OW, void *stream) {
    return cukt_upsample_bilinear_forward<float>(out, inp, N, H, W, C, OH, OW,
                                                 CUK_STREAM(stream));
}

extern "C" int cuk_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H,
                                              int W, int C, int OH, int OW, void *stream) {
    return cukt_upsample_bilinear_backward<float>(dinp, dout, N, H, W, C, OH, OW,
                                                  CUK_STREAM(stream));
}

#define RESIZE_INST(T)                                                                           \
    template int cukt_upsample_nearest_forward<T>(T *, const T *, int, int, int, int, int, int,  \
                                                  cudaStream_t);                                 \
    template int cukt_upsample_nearest_backward<T>(T *, const T *, int, int, int, int, int, int, \
                                                   cudaStream_t);                                \
    template int cukt_upsample_bilinear_forward<T>(T *, const T *, int, int, int, int, int, int, \
                                                   cudaStream_t);                                \
    template int cukt_upsample_bilinear_backward<T>(T *, const T *, int, int, int, int, int,     \
                                                    int, cudaStream_t);
RESIZE_INST(float)
RESIZE_INST(bf16_t)
