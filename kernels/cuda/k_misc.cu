/* Channel concat, residual add, global average pooling, softmax and the f32 <-> bf16 conversion
 * (kernels/cuda/cuda_kernels.h), the twins of kernels/cpu/ref_misc.c and ref_pool.c.
 * Templated over the activation storage type (k_store.cuh). */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

/* ---- concat: out (P, Ca+Cb) from a (P,Ca), b (P,Cb); one thread per output value (4 values per
 * access when both widths are multiples of 4 and the buffers aligned), so the writes and, within
 * each part, the reads are coalesced; 32-bit index arithmetic when it fits. A pure copy: the
 * values move as raw bits (V: T itself, or 4 of them in one float4 / uint2). */
template <class T> struct vec4_of;
template <> struct vec4_of<float> { typedef float4 type; };
template <> struct vec4_of<bf16_t> { typedef uint2 type; };

template <class V, class I>
__global__ static void k_concat_fwd(V *out, const V *a, const V *b, I P, int Ca, int Cb) {
    const I C = (I)Ca + Cb;
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < P * C; i += (I)gridDim.x * blockDim.x) {
        const I p = i / C, c = i - p * C;
        out[i] = c < (I)Ca ? a[p * Ca + c] : b[p * Cb + (c - Ca)];
    }
}

/* One part of the backward: d (P,Cd) = dout[:, off:off+Cd]. */
template <class V, class I>
__global__ static void k_concat_part(V *d, const V *dout, I P, int Cd, int off, int C) {
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < P * Cd; i += (I)gridDim.x * blockDim.x) {
        const I p = i / Cd, c = i - p * Cd;
        d[i] = dout[p * C + off + c];
    }
}

template <class V, class I, class T>
static void concat_launch(T *out, const T *a, const T *b, T *da, T *db, const T *dout, size_t P,
                          int Ca, int Cb, int w, cudaStream_t s) {
    const size_t C = ((size_t)Ca + Cb) / w;
    if (out) {
        k_concat_fwd<V, I><<<cuk_blocks(P * C), CUK_THREADS, 0, s>>>(
            (V *)out, (const V *)a, (const V *)b, (I)P, Ca / w, Cb / w);
        return;
    }
    if (da && Ca)
        k_concat_part<V, I><<<cuk_blocks(P * Ca / w), CUK_THREADS, 0, s>>>(
            (V *)da, (const V *)dout, (I)P, Ca / w, 0, (int)C);
    if (db && Cb && cudaPeekAtLastError() == cudaSuccess)
        k_concat_part<V, I><<<cuk_blocks(P * Cb / w), CUK_THREADS, 0, s>>>(
            (V *)db, (const V *)dout, (I)P, Cb / w, Ca / w, (int)C);
}

/* Forward when out != NULL, else the backward into da / db (either may be NULL). */
template <class T>
static int concat(T *out, const T *a, const T *b, T *da, T *db, const T *dout, size_t P, int Ca,
                  int Cb, cudaStream_t s, const char *what) {
    typedef typename vec4_of<T>::type V4;
    if (P == 0 || Ca + Cb <= 0) return 0;
    const int vec = Ca % 4 == 0 && Cb % 4 == 0 && cuk_aligned4(out) && cuk_aligned4(a) &&
                    cuk_aligned4(b) && cuk_aligned4(da) && cuk_aligned4(db) && cuk_aligned4(dout);
    const int small = P * ((size_t)Ca + Cb) < 0xffffffffu;
    if (vec && small) concat_launch<V4, uint32_t>(out, a, b, da, db, dout, P, Ca, Cb, 4, s);
    else if (vec) concat_launch<V4, size_t>(out, a, b, da, db, dout, P, Ca, Cb, 4, s);
    else if (small) concat_launch<T, uint32_t>(out, a, b, da, db, dout, P, Ca, Cb, 1, s);
    else concat_launch<T, size_t>(out, a, b, da, db, dout, P, Ca, Cb, 1, s);
    return CUK_LAUNCHED(what);
}

template <class T>
int cukt_concat_forward(T *out, const T *a, const T *b, size_t P, int Ca, int Cb,
                        cudaStream_t s) {
    if (!out) return sw_fail(SW_ERR_RUNTIME, "CUDA concat forward: no output"), 1;
    return concat(out, a, b, (T *)NULL, (T *)NULL, (const T *)NULL, P, Ca, Cb, s,
                  "concat forward");
}

template <class T>
int cukt_concat_backward(T *da, T *db, const T *dout, size_t P, int Ca, int Cb, cudaStream_t s) {
    return concat((T *)NULL, (const T *)NULL, (const T *)NULL, da, db, dout, P, Ca, Cb, s,
                  "concat backward");
}

/* ---- residual add */
namespace {
struct add_f {
    __device__ float operator()(float x, float y) const { return x + y; }
};
} // namespace

template <class T> int cukt_add_forward(T *out, const T *a, const T *b, size_t n, cudaStream_t s) {
    return cuk_map2(out, a, b, n, add_f{}, s, "add forward");
}

template <class T> int cukt_add_backward(T *da, T *db, const T *dout, size_t n, cudaStream_t s) {
    const size_t bytes = n * sizeof(T);
    if (n == 0) return 0;
    if (da && da != dout &&
        cuk_check(cudaMemcpyAsync(da, dout, bytes, cudaMemcpyDeviceToDevice, s),
                  "add backward (copy to the first input)"))
        return 1;
    if (db && db != dout &&
        cuk_check(cudaMemcpyAsync(db, dout, bytes, cudaMemcpyDeviceToDevice, s),
                  "add backward (copy to the second input)"))
        return 1;
    return 0;
}

/* ---- global average pooling: out (N,C) = mean over HW of inp (N,HW,C). A block holds 32
 * channels by 8 pixel rows: coalesced reads along C, each thread sums every 8th pixel, then the 8
 * partial sums are added in a fixed order (deterministic). */
#define GAP_CX 32
#define GAP_PY 8
template <class T> __global__ static void k_gap_fwd(T *out, const T *inp, int HW, int C) {
    __shared__ float part[GAP_PY][GAP_CX];
    const int n = blockIdx.y, c = blockIdx.x * GAP_CX + threadIdx.x;
    float acc = 0.0f;
    if (c < C)
        for (int p = threadIdx.y; p < HW; p += GAP_PY)
            acc += cuk_ld(inp, ((size_t)n * HW + p) * C + c);
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float s = 0.0f;
        for (int y = 0; y < GAP_PY; y++) s += part[y][threadIdx.x];
        cuk_st(out, (size_t)n * C + c, s / (float)HW);
    }
}

template <class T>
__global__ static void k_gap_bwd(T *dinp, const T *dout, int HW, int C, size_t total, float inv) {
    CUK_GRID_STRIDE(i, total) {
        const size_t c = i % C, n = i / ((size_t)HW * C);
        cuk_st(dinp, i, cuk_ld(dout, n * C + c) * inv);
    }
}

template <class T>
int cukt_global_avgpool_forward(T *out, const T *inp, int N, int HW, int C, cudaStream_t s) {
    if (N <= 0 || C <= 0) return 0;
    if (HW <= 0)
        return cuk_check(cudaMemsetAsync(out, 0, (size_t)N * C * sizeof *out, s),
                         "global avgpool forward");
    dim3 grid((C + GAP_CX - 1) / GAP_CX, N), block(GAP_CX, GAP_PY);
    k_gap_fwd<<<grid, block, 0, s>>>(out, inp, HW, C);
    return CUK_LAUNCHED("global avgpool forward");
}

template <class T>
int cukt_global_avgpool_backward(T *dinp, const T *dout, int N, int HW, int C, cudaStream_t s) {
    const size_t total = (size_t)N * HW * C;
    if (total == 0) return 0;
    k_gap_bwd<<<cuk_blocks(total), CUK_THREADS, 0, s>>>(dinp, dout, HW, C, total, 1.0f / HW);
    return CUK_LAUNCHED("global avgpool backward");
}

/* ---- softmax over the last axis of (P,K). Few classes (K <= 32, the segmentation case): row
 * tiles in shared memory, one thread per row. More: one warp per row, lanes stride the row,
 * shuffle reductions. */
/* K <= 32: rows staged through shared memory (k_common.cuh tiles, f32 whatever T), one thread
 * per row, computed in place in the tile. */
#define SM_TILE 128
template <class T>
__global__ static void k_softmax_tile(T *out, const T *inp, size_t P, int K, int ld) {
    extern __shared__ float sm[];
    for (size_t p0 = (size_t)blockIdx.x * SM_TILE; p0 < P; p0 += (size_t)gridDim.x * SM_TILE) {
        const int rows = P - p0 < SM_TILE ? (int)(P - p0) : SM_TILE;
        __syncthreads();
        cuk_tile_load(sm, inp, p0, rows, K, ld);
        __syncthreads();
        if ((int)threadIdx.x < rows) {
            float *x = sm + threadIdx.x * ld;
            float mx = x[0];
            for (int k = 1; k < K; k++) mx = x[k] > mx ? x[k] : mx;
            float sum = 0.0f;
            for (int k = 0; k < K; k++) sum += (x[k] = expf(x[k] - mx));
            const float inv = 1.0f / sum;
            for (int k = 0; k < K; k++) x[k] *= inv;
        }
        __syncthreads();
        cuk_tile_store(out, sm, p0, rows, K, ld);
    }
}

template <class T>
__global__ static void k_softmax_bwd_tile(T *dinp, const T *dout, const T *out, size_t P, int K,
                                          int ld) {
    extern __shared__ float sm[];
    float *ty = sm, *tg = sm + SM_TILE * ld;
    for (size_t p0 = (size_t)blockIdx.x * SM_TILE; p0 < P; p0 += (size_t)gridDim.x * SM_TILE) {
        const int rows = P - p0 < SM_TILE ? (int)(P - p0) : SM_TILE;
        __syncthreads();
        cuk_tile_load(ty, out, p0, rows, K, ld);
        cuk_tile_load(tg, dout, p0, rows, K, ld);
        __syncthreads();
        if ((int)threadIdx.x < rows) {
            const float *y = ty + threadIdx.x * ld;
            float *g = tg + threadIdx.x * ld;
            /* f64 as the reference: dy - dot cancels where one class holds the mass */
            double dot = 0.0;
            for (int k = 0; k < K; k++) dot += (double)y[k] * g[k];
            for (int k = 0; k < K; k++) g[k] = (float)(y[k] * (g[k] - dot));
        }
        __syncthreads();
        cuk_tile_store(dinp, tg, p0, rows, K, ld);
    }
}

/* A grid of a few waves, each block walking several tiles: measured faster on the H100 than one
 * block per tile (78% against 73% of the copy bandwidth for K = 8). */
static unsigned tile_blocks(size_t P) {
    return cuk_blocks((P + SM_TILE - 1) / SM_TILE * CUK_THREADS);
}

__device__ static float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
__device__ static float warp_sum(float v) { /* butterfly: every lane ends with the same sum */
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

template <class T> __global__ static void k_softmax_warp(T *out, const T *inp, size_t P, int K) {
    const int lane = threadIdx.x & 31;
    const size_t warps = (size_t)gridDim.x * (blockDim.x / 32);
    for (size_t p = ((size_t)blockIdx.x * blockDim.x + threadIdx.x) / 32; p < P; p += warps) {
        const T *x = inp + p * K;
        T *o = out + p * K;
        float mx = -INFINITY;
        for (int k = lane; k < K; k += 32) mx = fmaxf(mx, cuk_ld(x, k));
        mx = warp_max(mx);
        float sum = 0.0f;
        for (int k = lane; k < K; k += 32) sum += expf(cuk_ld(x, k) - mx);
        const float inv = 1.0f / warp_sum(sum);
        for (int k = lane; k < K; k += 32) cuk_st(o, k, expf(cuk_ld(x, k) - mx) * inv);
    }
}

template <class T>
__global__ static void k_softmax_bwd_warp(T *dinp, const T *dout, const T *out, size_t P, int K) {
    const int lane = threadIdx.x & 31;
    const size_t warps = (size_t)gridDim.x * (blockDim.x / 32);
    for (size_t p = ((size_t)blockIdx.x * blockDim.x + threadIdx.x) / 32; p < P; p += warps) {
        const T *y = out + p * K, *dy = dout + p * K;
        double dot = 0.0;
        for (int k = lane; k < K; k += 32) dot += (double)cuk_ld(y, k) * cuk_ld(dy, k);
        for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
        for (int k = lane; k < K; k += 32)
            cuk_st(dinp, p * K + k, (float)(cuk_ld(y, k) * (cuk_ld(dy, k) - dot)));
    }
}

template <class T> int cukt_softmax_forward(T *out, const T *inp, size_t P, int K, cudaStream_t s) {
    if (P == 0 || K <= 0) return 0;
    const int ld = cuk_tile_ld(K);
    if (K <= 32)
        k_softmax_tile<<<tile_blocks(P), SM_TILE, SM_TILE * ld * sizeof(float), s>>>(out, inp, P,
                                                                                    K, ld);
    else
        k_softmax_warp<<<cuk_blocks(P * 32), CUK_THREADS, 0, s>>>(out, inp, P, K);
    return CUK_LAUNCHED("softmax forward");
}

template <class T>
int cukt_softmax_backward(T *dinp, const T *dout, const T *out, size_t P, int K, cudaStream_t s) {
    if (P == 0 || K <= 0) return 0;
    const int ld = cuk_tile_ld(K);
    if (K <= 32)
        k_softmax_bwd_tile<<<tile_blocks(P), SM_TILE, 2 * SM_TILE * ld * sizeof(float), s>>>(
            dinp, dout, out, P, K, ld);
    else
        k_softmax_bwd_warp<<<cuk_blocks(P * 32), CUK_THREADS, 0, s>>>(dinp, dout, out, P, K);
    return CUK_LAUNCHED("softmax backward");
}

/* ---- the f32 C functions (cuda_kernels.h): the float instances */
extern "C" int cuk_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca,
                                  int Cb, void *stream) {
    return cukt_concat_forward<float>(out, a, b, P, Ca, Cb, CUK_STREAM(stream));
}

extern "C" int cuk_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca,
                                   int Cb, void *stream) {
    return cukt_concat_backward<float>(da, db, dout, P, Ca, Cb, CUK_STREAM(stream));
}

extern "C" int cuk_add_forward(float *out, const float *a, const float *b, size_t n,
                               void *stream) {
    return cukt_add_forward<float>(out, a, b, n, CUK_STREAM(stream));
}

extern "C" int cuk_add_backward(float *da, float *db, const float *dout, size_t n, void *stream) {
    return cukt_add_backward<float>(da, db, dout, n, CUK_STREAM(stream));
}

extern "C" int cuk_global_avgpool_forward(float *out, const float *inp, int N, int HW, int C,
                                          void *stream) {
    return cukt_global_avgpool_forward<float>(out, inp, N, HW, C, CUK_STREAM(stream));
}

extern "C" int cuk_global_avgpool_backward(float *dinp, const float *dout, int N, int HW, int C,
                                           void *stream) {
    return cukt_global_avgpool_backward<float>(dinp, dout, N, HW, C, CUK_STREAM(stream));
}

extern "C" int cuk_softmax_forward(float *out, const float *inp, size_t P, int K, void *stream) {
    return cukt_softmax_forward<float>(out, inp, P, K, CUK_STREAM(stream));
}

extern "C" int cuk_softmax_backward(float *dinp, const float *dout, const float *out, size_t P,
                                    int K, void *stream) {
    return cukt_softmax_backward<float>(dinp, dout, out, P, K, CUK_STREAM(stream));
}

/* ---- f32 <-> bf16 (bf16 = the upper 16 bits of an f32): the loads and stores of k_common.cuh,
 * so the rounding is cuk_bf16_bits' (to nearest, ties to even, by integer arithmetic; NaN stays a
 * quiet NaN with its sign; overflow rounds to infinity as IEEE rounding does). With vec, 4 values
 * per thread: one 16-byte f32 access, one 8-byte bf16 access. */
template <class D, class S>
__global__ static void k_convert(D *out, const S *inp, size_t n, int vec) {
    size_t done = 0;
    if (vec) {
        const size_t n4 = n / 4;
        CUK_GRID_STRIDE(i, n4) cuk_st4(out, i, cuk_ld4(inp, i));
        done = n4 * 4;
    }
    CUK_GRID_STRIDE(j, n - done) cuk_st(out, done + j, cuk_ld(inp, done + j));
}

extern "C" int cuk_f32_to_bf16(uint16_t *out, const float *inp, size_t n, void *stream) {
    if (n == 0) return 0;
    const int vec = cuk_aligned4(inp) && cuk_aligned4(out);
    k_convert<<<cuk_blocks(vec ? n / 4 + 1 : n), CUK_THREADS, 0, CUK_STREAM(stream)>>>(out, inp, n,
                                                                                     vec);
    return CUK_LAUNCHED("f32 to bf16");
}

extern "C" int cuk_bf16_to_f32(float *out, const uint16_t *inp, size_t n, void *stream) {
    if (n == 0) return 0;
    const int vec = cuk_aligned4(out) && cuk_aligned4(inp);
    k_convert<<<cuk_blocks(vec ? n / 4 + 1 : n), CUK_THREADS, 0, CUK_STREAM(stream)>>>(out, inp, n,
                                                                                     vec);
    return CUK_LAUNCHED("bf16 to f32");
}

#define MISC_INST(T)                                                                             \
    template int cukt_concat_forward<T>(T *, const T *, const T *, size_t, int, int,             \
                                        cudaStream_t);                                           \
    template int cukt_concat_backward<T>(T *, T *, const T *, size_t, int, int, cudaStream_t);   \
    template int cukt_add_forward<T>(T *, const T *, const T *, size_t, cudaStream_t);           \
    template int cukt_add_backward<T>(T *, T *, const T *, size_t, cudaStream_t);                \
    template int cukt_global_avgpool_forward<T>(T *, const T *, int, int, int, cudaStream_t);    \
    template int cukt_global_avgpool_backward<T>(T *, const T *, int, int, int, cudaStream_t);   \
    template int cukt_softmax_forward<T>(T *, const T *, size_t, int, cudaStream_t);             \
    template int cukt_softmax_backward<T>(T *, const T *, const T *, size_t, int, cudaStream_t);
MISC_INST(float)
MISC_INST(bf16_t)
