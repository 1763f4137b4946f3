/* Shared by kernels/cuda/k_*.cu: launch geometry (grid-stride loops over a grid sized to the
 * device), the launch check that turns a CUDA error into sw_fail, alignment tests for the
 * vector paths, and the loads and stores of the activation storage types (f32, bf16).
 * Internal to kernels/cuda. */
#ifndef SWATH_KERNELS_CUDA_K_COMMON_CUH
#define SWATH_KERNELS_CUDA_K_COMMON_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "src/core/error.h"
}

#define CUK_THREADS 256

/* Blocks for `work` independent items at CUK_THREADS per block: enough to fill the device (a few
 * waves of resident blocks), never more than the work needs; the kernels loop grid-stride. */
static inline unsigned cuk_blocks(size_t work) {
    static int sms[64];
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) dev = 0;
    if (!sms[dev]) {
        int n = 0;
        if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || n <= 0)
            n = 132;
        sms[dev] = n;
    }
    size_t need = (work + CUK_THREADS - 1) / CUK_THREADS, cap = (size_t)sms[dev] * 16;
    if (need < 1) need = 1;
    return (unsigned)(need < cap ? need : cap);
}

/* After a launch (or any runtime call): 0, or nonzero with the CUDA error recorded. */
static inline int cuk_check(cudaError_t e, const char *what) {
    if (e == cudaSuccess) e = cudaGetLastError();
    if (e == cudaSuccess) return 0;
    sw_fail(SW_ERR_RUNTIME, "CUDA %s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
    return 1;
}
#define CUK_LAUNCHED(what) cuk_check(cudaSuccess, what)

static inline int cuk_aligned16(const void *p) { return ((uintptr_t)p & 15u) == 0; }

#define CUK_STREAM(s) ((cudaStream_t)(s))

#define CUK_GRID_STRIDE(i, n) \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (size_t)gridDim.x * blockDim.x)
/* the same with index type I: the kernels that split an index by division run it in 32 bits
 * when n allows (cuk_small_index; 64-bit division and remainder cost tens of instructions) */
#define CUK_GRID_STRIDE_I(I, i, n) \
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < (I)(n); \
         i += (I)gridDim.x * blockDim.x)
static inline int cuk_small_index(size_t n) { return n <= 0x7fffffffu; }

/* ---- activation storage (k_store.cuh): f32, or bf16 held as uint16_t (the upper half of an
 * f32). Loads widen to f32, stores round to nearest even by integer arithmetic (exact, no
 * dependence on the FPU's rounding mode; NaN stays a quiet NaN with its sign). The f32
 * overloads are plain loads and stores: the f32 kernels are unchanged by the templates. */
typedef uint16_t bf16_t;

__device__ __forceinline__ uint16_t cuk_bf16_bits(float f) {
    const uint32_t u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
__device__ __forceinline__ float cuk_ld(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ float cuk_ld(const bf16_t *p, size_t i) {
    return __uint_as_float((uint32_t)p[i] << 16);
}
__device__ __forceinline__ void cuk_st(float *p, size_t i, float v) { p[i] = v; }
__device__ __forceinline__ void cuk_st(bf16_t *p, size_t i, float v) { p[i] = cuk_bf16_bits(v); }
/* values 4 i4 .. 4 i4 + 3: one 16-byte access (f32) or one 8-byte access (bf16) */
__device__ __forceinline__ float4 cuk_ld4(const float *p, size_t i4) {
    return ((const float4 *)p)[i4];
}
__device__ __forceinline__ float4 cuk_ld4(const bf16_t *p, size_t i4) {
    const uint2 r = ((const uint2 *)p)[i4];
    return make_float4(__uint_as_float(r.x << 16), __uint_as_float(r.x & 0xffff0000u),
                       __uint_as_float(r.y << 16), __uint_as_float(r.y & 0xffff0000u));
}
__device__ __forceinline__ void cuk_st4(float *p, size_t i4, float4 v) { ((float4 *)p)[i4] = v; }
__device__ __forceinline__ void cuk_st4(bf16_t *p, size_t i4, float4 v) {
    uint2 r;
    r.x = (uint32_t)cuk_bf16_bits(v.x) | ((uint32_t)cuk_bf16_bits(v.y) << 16);
    r.y = (uint32_t)cuk_bf16_bits(v.z) | ((uint32_t)cuk_bf16_bits(v.w) << 16);
    ((uint2 *)p)[i4] = r;
}
/* whether p (NULL counts as aligned) suits cuk_ld4 / cuk_st4 for element type T */
template <class T> static inline int cuk_aligned4(const T *p) {
    return ((uintptr_t)p & (4 * sizeof(T) - 1)) == 0;
}

/* out[i] = f(a[i], b[i]) over n values (b may be NULL: f gets 0 there), in storage type T (f
 * works in f32), 4 values per access when every pointer is aligned for it; out may alias a or
 * b (same index only). */
template <class T, class F>
__global__ void cuk_map2_vec(T *out, const T *a, const T *b, size_t n, F f) {
    const size_t n4 = n / 4;
    CUK_GRID_STRIDE(i, n4) {
        const float4 x = cuk_ld4(a, i), y = b ? cuk_ld4(b, i) : make_float4(0.f, 0.f, 0.f, 0.f);
        cuk_st4(out, i, make_float4(f(x.x, y.x), f(x.y, y.y), f(x.z, y.z), f(x.w, y.w)));
    }
    CUK_GRID_STRIDE(j, n - n4 * 4) {
        const size_t i = n4 * 4 + j;
        cuk_st(out, i, f(cuk_ld(a, i), b ? cuk_ld(b, i) : 0.f));
    }
}

template <class T, class F>
__global__ void cuk_map2_scalar(T *out, const T *a, const T *b, size_t n, F f) {
    CUK_GRID_STRIDE(i, n) cuk_st(out, i, f(cuk_ld(a, i), b ? cuk_ld(b, i) : 0.f));
}

template <class T, class F>
static int cuk_map2(T *out, const T *a, const T *b, size_t n, F f, void *stream,
                    const char *what) {
    if (n == 0) return 0;
    if (cuk_aligned4(out) && cuk_aligned4(a) && cuk_aligned4(b))
        cuk_map2_vec<<<cuk_blocks(n / 4 + 1), CUK_THREADS, 0, CUK_STREAM(stream)>>>(out, a, b, n, f);
    else
        cuk_map2_scalar<<<cuk_blocks(n), CUK_THREADS, 0, CUK_STREAM(stream)>>>(out, a, b, n, f);
    return CUK_LAUNCHED(what);
}

/* Row tiles of a (P,K) array for small K: the rows p0 .. p0+rows-1 are contiguous in memory, so
 * a block copies them to shared memory with coalesced accesses and each thread then works on
 * one row there. Row r, column k sits at sm[r * ld + k], ld = K rounded up to odd (no bank
 * conflicts between the threads' rows). */
static inline int cuk_tile_ld(int K) { return K | 1; }

template <class T>
__device__ static inline void cuk_tile_load(float *sm, const T *g, size_t p0, int rows, int K,
                                            int ld) {
    const T *src = g + p0 * K;
    const int dr = blockDim.x / K, dk = blockDim.x % K; /* (r, k) of j advance by constants */
    int r = threadIdx.x / K, k = threadIdx.x % K;
#pragma unroll 8 /* several loads in flight before the first store */
    for (int j = threadIdx.x; j < rows * K; j += blockDim.x) {
        sm[r * ld + k] = cuk_ld(src, j);
        r += dr, k += dk;
        if (k >= K) k -= K, r++;
    }
}

template <class T>
__device__ static inline void cuk_tile_store(T *g, const float *sm, size_t p0, int rows, int K,
                                             int ld) {
    T *dst = g + p0 * K;
    const int dr = blockDim.x / K, dk = blockDim.x % K;
    int r = threadIdx.x / K, k = threadIdx.x % K;
#pragma unroll 8 /* several loads in flight before the first store */
    for (int j = threadIdx.x; j < rows * K; j += blockDim.x) {
        cuk_st(dst, j, sm[r * ld + k]);
        r += dr, k += dk;
        if (k >= K) k -= K, r++;
    }
}

#endif
