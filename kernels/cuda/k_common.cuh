/* Shared by kernels/cuda/k_*.cu: launch geometry (grid-stride loops over a grid sized to the
 * device), the launch check that turns a CUDA error into sw_fail, and 16-byte alignment tests
 * for the float4 paths. Internal to kernels/cuda. */
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

/* out[i] = f(a[i], b[i]) over n values (b may be NULL: f gets 0 there), float4 loads and stores
 * when every pointer is 16-byte aligned; out may alias a or b (same index only). */
template <class F>
__global__ void cuk_map2_vec(float *out, const float *a, const float *b, size_t n, F f) {
    const size_t n4 = n / 4;
    float4 *o4 = (float4 *)out;
    const float4 *a4 = (const float4 *)a, *b4 = (const float4 *)b;
    CUK_GRID_STRIDE(i, n4) {
        const float4 x = a4[i], y = b4 ? b4[i] : make_float4(0.f, 0.f, 0.f, 0.f);
        o4[i] = make_float4(f(x.x, y.x), f(x.y, y.y), f(x.z, y.z), f(x.w, y.w));
    }
    CUK_GRID_STRIDE(j, n - n4 * 4) {
        const size_t i = n4 * 4 + j;
        out[i] = f(a[i], b ? b[i] : 0.f);
    }
}

template <class F>
__global__ void cuk_map2_scalar(float *out, const float *a, const float *b, size_t n, F f) {
    CUK_GRID_STRIDE(i, n) out[i] = f(a[i], b ? b[i] : 0.f);
}

template <class F>
static int cuk_map2(float *out, const float *a, const float *b, size_t n, F f, void *stream,
                    const char *what) {
    if (n == 0) return 0;
    if (cuk_aligned16(out) && cuk_aligned16(a) && cuk_aligned16(b))
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

__device__ static inline void cuk_tile_load(float *sm, const float *g, size_t p0, int rows, int K,
                                            int ld) {
    const float *src = g + p0 * K;
    const int dr = blockDim.x / K, dk = blockDim.x % K; /* (r, k) of j advance by constants */
    int r = threadIdx.x / K, k = threadIdx.x % K;
#pragma unroll 8 /* several loads in flight before the first store */
    for (int j = threadIdx.x; j < rows * K; j += blockDim.x) {
        sm[r * ld + k] = src[j];
        r += dr, k += dk;
        if (k >= K) k -= K, r++;
    }
}

__device__ static inline void cuk_tile_store(float *g, const float *sm, size_t p0, int rows, int K,
                                             int ld) {
    float *dst = g + p0 * K;
    const int dr = blockDim.x / K, dk = blockDim.x % K;
    int r = threadIdx.x / K, k = threadIdx.x % K;
#pragma unroll 8 /* several loads in flight before the first store */
    for (int j = threadIdx.x; j < rows * K; j += blockDim.x) {
        dst[j] = sm[r * ld + k];
        r += dr, k += dk;
        if (k >= K) k -= K, r++;
    }
}

#endif
