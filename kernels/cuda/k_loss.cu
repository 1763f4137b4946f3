/* Cross-entropy (class weights, ignore index) and BCE with logits (kernels/cuda/cuda_kernels.h),
 * the twins of src/nn/loss.c. Reductions are deterministic: a fixed grid (its size depends on P
 * only, not on the device) whose blocks each sum their rows in f64 and combine the threads in a
 * fixed tree, then one block that adds the block partials in a fixed order. No float atomics, so
 * a loss is reproducible bit for bit on any GPU. The partials live in a small per-device scratch
 * buffer allocated on first use and kept (no allocation in the steady state); the losses of one
 * device must therefore not run concurrently from two host threads. Templated over the activation
 * storage type of the logits and dlogits (k_store.cuh). */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

/* Enough blocks for several waves (a small tail), fixed so the sum order depends on P only. */
#define LOSS_BLOCKS_MAX 8192
#define LOSS_THREADS 256

/* scratch layout: LOSS_BLOCKS_MAX partial (sum, weight) pairs, then the finished values */
struct loss_scratch {
    double2 part[LOSS_BLOCKS_MAX];
    double wsum;  /* cross-entropy backward: the weight sum of the valid pixels */
    float value;  /* the finished loss, copied to the host */
};

static loss_scratch *scratch_get(void) {
    static loss_scratch *per_device[64];
    int dev = 0;
    if (cuk_check(cudaGetDevice(&dev), "loss scratch (current device)")) return NULL;
    if (dev < 0 || dev >= 64) {
        sw_fail(SW_ERR_RUNTIME, "CUDA loss scratch: device %d out of range", dev);
        return NULL;
    }
    if (!per_device[dev] &&
        cuk_check(cudaMalloc((void **)&per_device[dev], sizeof(loss_scratch)),
                  "loss scratch allocation"))
        return NULL;
    return per_device[dev];
}

static unsigned loss_blocks(size_t rows) {
    size_t b = (rows + LOSS_THREADS - 1) / LOSS_THREADS;
    return (unsigned)(b < 1 ? 1 : b > LOSS_BLOCKS_MAX ? LOSS_BLOCKS_MAX : b);
}

/* Fixed-order tree over the block's threads; thread 0 gets the block's total. */
__device__ static double2 block_sum(double2 v) {
    __shared__ double2 sh[LOSS_THREADS];
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = LOSS_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s) {
            sh[threadIdx.x].x += sh[threadIdx.x + s].x;
            sh[threadIdx.x].y += sh[threadIdx.x + s].y;
        }
        __syncthreads();
    }
    return sh[0];
}

/* Sums the partials in a fixed order. mode 0: value = x / y (0 when y == 0: every pixel ignored);
 * mode 1: value = x / count; mode 2: wsum = y. */
__global__ static void k_finish(loss_scratch *s, unsigned nb, int mode, double count) {
    double2 v = make_double2(0.0, 0.0);
    for (unsigned b = threadIdx.x; b < nb; b += LOSS_THREADS) {
        v.x += s->part[b].x;
        v.y += s->part[b].y;
    }
    v = block_sum(v);
    if (threadIdx.x == 0) {
        if (mode == 0) s->value = v.y > 0.0 ? (float)(v.x / v.y) : 0.0f;
        else if (mode == 1) s->value = count > 0.0 ? (float)(v.x / count) : 0.0f;
        else s->wsum = v.y;
    }
}

__device__ static inline int valid(int y, int K, int ignore) { return y != ignore && y < K; }

/* Row max (its first index in *am) and rest = the sum of exp(z_k - max) over k != am, so that
 * log(sum exp) = max + log1p(rest) keeps its precision when one class takes almost all the mass
 * (a confident, right prediction: loss ~1e-4 would lose three digits through logf(1 + rest)).
 * Z: float (a shared memory tile) or the storage type (global memory). */
template <class Z>
__device__ static inline float row_rest(const Z *z, int K, float *mx_out, int *am) {
    float mx = cuk_ld(z, 0);
    int a = 0;
    for (int k = 1; k < K; k++) {
        const float v = cuk_ld(z, k);
        if (v > mx) mx = v, a = k;
    }
    float rest = 0.0f;
    for (int k = 0; k < K; k++)
        if (k != a) rest += expf(cuk_ld(z, k) - mx);
    *mx_out = mx, *am = a;
    return rest;
}

/* -w_y log softmax(z)_y of one row (z in shared or global memory). */
template <class Z> __device__ static inline double ce_row(const Z *z, int K, int y, double wy) {
    float mx;
    int am;
    const float rest = row_rest(z, K, &mx, &am);
    return -wy * (double)((cuk_ld(z, y) - mx) - log1pf(rest));
}

/* dz = scale * (softmax - onehot(y)) of one row, in place allowed (dz == z). */
template <class D, class Z>
__device__ static inline void ce_row_grad(D *dz, const Z *z, int K, int y, float scale) {
    float mx;
    int am;
    const float rest = row_rest(z, K, &mx, &am);
    const float inv = 1.0f / (1.0f + rest);
    /* 1 - p_y as (the mass of the other classes) / sum: no cancellation when p_y ~ 1 */
    float others = 0.0f;
    for (int k = 0; k < K; k++) {
        const float e = k == am ? 1.0f : expf(cuk_ld(z, k) - mx);
        if (k != y) others += e;
        cuk_st(dz, k, k == y ? 0.0f : scale * -(e * inv));
    }
    cuk_st(dz, y, scale * (others * inv));
}

/* The gradient of one row into dz (0 on an invalid row), z as in ce_row_grad. */
template <class D, class Z>
__device__ static inline void ce_grad_row(D *dz, const Z *z, int K, int y, int ok, float scale) {
    if (!ok) {
        for (int k = 0; k < K; k++) cuk_st(dz, k, 0.0f);
    } else {
        ce_row_grad(dz, z, K, y, scale);
    }
}

/* Block partials of (sum w_y * -log softmax_y, sum w_y) over valid rows; with only_weights, just
 * the weight sum (the backward's normalizer). K <= 32 (ld > 0): the logits go through shared
 * memory tiles of LOSS_THREADS rows (coalesced); more classes: straight from global memory. */
template <class T>
__global__ static void k_ce_partial(loss_scratch *s, const T *logits, const uint8_t *target,
                                    const float *w, size_t P, int K, int ignore, int only_weights,
                                    int ld) {
    extern __shared__ float sm[];
    double2 acc = make_double2(0.0, 0.0);
    for (size_t p0 = (size_t)blockIdx.x * LOSS_THREADS; p0 < P;
         p0 += (size_t)gridDim.x * LOSS_THREADS) {
        const int rows = P - p0 < LOSS_THREADS ? (int)(P - p0) : LOSS_THREADS;
        if (ld && !only_weights) {
            __syncthreads();
            cuk_tile_load(sm, logits, p0, rows, K, ld);
            __syncthreads();
        }
        if ((int)threadIdx.x >= rows) continue;
        const size_t p = p0 + threadIdx.x;
        const int y = target[p];
        if (!valid(y, K, ignore)) continue;
        const double wy = w ? (double)w[y] : 1.0;
        acc.y += wy;
        if (only_weights) continue;
        acc.x += ld ? ce_row(sm + threadIdx.x * ld, K, y, wy) : ce_row(logits + p * K, K, y, wy);
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) s->part[blockIdx.x] = acc;
}

/* dz = dloss * w_y / wsum * (softmax - onehot(y)) on valid rows, 0 elsewhere; tiles as above. */
template <class T>
__global__ static void k_ce_grad(T *dlogits, float dloss, const loss_scratch *s, const T *logits,
                                 const uint8_t *target, const float *w, size_t P, int K,
                                 int ignore, int ld) {
    extern __shared__ float sm[];
    const double wsum = s->wsum;
    for (size_t p0 = (size_t)blockIdx.x * LOSS_THREADS; p0 < P;
         p0 += (size_t)gridDim.x * LOSS_THREADS) {
        const int rows = P - p0 < LOSS_THREADS ? (int)(P - p0) : LOSS_THREADS;
        if (ld) {
            __syncthreads();
            cuk_tile_load(sm, logits, p0, rows, K, ld);
            __syncthreads();
        }
        if ((int)threadIdx.x < rows) {
            const size_t p = p0 + threadIdx.x;
            const int y = target[p];
            const int ok = valid(y, K, ignore) && wsum != 0.0;
            const float scale =
                ok ? (float)(-(double)dloss * (w ? (double)w[y] : 1.0) / wsum) : 0.0f;
            if (ld) ce_grad_row(sm + threadIdx.x * ld, sm + threadIdx.x * ld, K, y, ok, scale);
            else ce_grad_row(dlogits + p * K, logits + p * K, K, y, ok, scale);
        }
        if (ld) {
            __syncthreads();
            cuk_tile_store(dlogits, sm, p0, rows, K, ld);
        }
    }
}

template <class T>
__global__ static void k_bce_partial(loss_scratch *s, const T *logits, const float *target,
                                     size_t n) {
    double2 acc = make_double2(0.0, 0.0);
    for (size_t i = (size_t)blockIdx.x * LOSS_THREADS + threadIdx.x; i < n;
         i += (size_t)gridDim.x * LOSS_THREADS) {
        const float z = cuk_ld(logits, i);
        acc.x += (double)((z > 0.0f ? z : 0.0f) - z * target[i] + log1pf(expf(-fabsf(z))));
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) s->part[blockIdx.x] = acc;
}

template <class T>
__global__ static void k_bce_grad(T *dlogits, const T *logits, const float *target, size_t n,
                                  float scale) {
    CUK_GRID_STRIDE(i, n) {
        const float sg = 1.0f / (1.0f + expf(-cuk_ld(logits, i)));
        cuk_st(dlogits, i, scale * (sg - target[i]));
    }
}

static int fetch(float *loss, loss_scratch *s, cudaStream_t st, const char *what) {
    if (cuk_check(cudaMemcpyAsync(loss, &s->value, sizeof *loss, cudaMemcpyDeviceToHost, st), what))
        return 1;
    return cuk_check(cudaStreamSynchronize(st), what);
}

template <class T>
int cukt_cross_entropy_forward(float *loss, const T *logits, const uint8_t *target,
                               const float *class_weight, size_t P, int K, int ignore,
                               cudaStream_t st) {
    loss_scratch *s = scratch_get();
    if (!s) return 1;
    const unsigned nb = loss_blocks(P);
    const int ld = K <= 32 ? cuk_tile_ld(K) : 0;
    k_ce_partial<<<nb, LOSS_THREADS, LOSS_THREADS * ld * sizeof(float), st>>>(
        s, logits, target, class_weight, P, K, ignore, 0, ld);
    if (CUK_LAUNCHED("cross-entropy forward (partials)")) return 1;
    k_finish<<<1, LOSS_THREADS, 0, st>>>(s, nb, 0, 0.0);
    if (CUK_LAUNCHED("cross-entropy forward (sum)")) return 1;
    return fetch(loss, s, st, "cross-entropy forward (copy to host)");
}

template <class T>
int cukt_cross_entropy_backward(T *dlogits, float dloss, const T *logits, const uint8_t *target,
                                const float *class_weight, size_t P, int K, int ignore,
                                cudaStream_t st) {
    if (P == 0 || K <= 0) return 0;
    loss_scratch *s = scratch_get();
    if (!s) return 1;
    const unsigned nb = loss_blocks(P);
    k_ce_partial<<<nb, LOSS_THREADS, 0, st>>>(s, logits, target, class_weight, P, K, ignore, 1, 0);
    if (CUK_LAUNCHED("cross-entropy backward (weight partials)")) return 1;
    k_finish<<<1, LOSS_THREADS, 0, st>>>(s, nb, 2, 0.0);
    if (CUK_LAUNCHED("cross-entropy backward (weight sum)")) return 1;
    const int ld = K <= 32 ? cuk_tile_ld(K) : 0;
    k_ce_grad<<<cuk_blocks(P), LOSS_THREADS, LOSS_THREADS * ld * sizeof(float), st>>>(
        dlogits, dloss, s, logits, target, class_weight, P, K, ignore, ld);
    return CUK_LAUNCHED("cross-entropy backward");
}

template <class T>
int cukt_bce_logits_forward(float *loss, const T *logits, const float *target, size_t P, int K,
                            cudaStream_t st) {
    const size_t n = P * (size_t)(K > 0 ? K : 0);
    loss_scratch *s = scratch_get();
    if (!s) return 1;
    const unsigned nb = loss_blocks(n);
    k_bce_partial<<<nb, LOSS_THREADS, 0, st>>>(s, logits, target, n);
    if (CUK_LAUNCHED("BCE forward (partials)")) return 1;
    k_finish<<<1, LOSS_THREADS, 0, st>>>(s, nb, 1, (double)n);
    if (CUK_LAUNCHED("BCE forward (sum)")) return 1;
    return fetch(loss, s, st, "BCE forward (copy to host)");
}

template <class T>
int cukt_bce_logits_backward(T *dlogits, float dloss, const T *logits, const float *target,
                             size_t P, int K, cudaStream_t st) {
    const size_t n = P * (size_t)(K > 0 ? K : 0);
    if (n == 0) return 0;
    k_bce_grad<<<cuk_blocks(n), CUK_THREADS, 0, st>>>(
        dlogits, logits, target, n, (float)((double)dloss / (double)n));
    return CUK_LAUNCHED("BCE backward");
}

extern "C" int cuk_cross_entropy_forward(float *loss, const float *logits, const uint8_t *target,
                                         const float *class_weight, size_t P, int K, int ignore,
                                         void *stream) {
    return cukt_cross_entropy_forward<float>(loss, logits, target, class_weight, P, K, ignore,
                                             CUK_STREAM(stream));
}

extern "C" int cuk_cross_entropy_backward(float *dlogits, float dloss, const float *logits,
                                          const uint8_t *target, const float *class_weight,
                                          size_t P, int K, int ignore, void *stream) {
    return cukt_cross_entropy_backward<float>(dlogits, dloss, logits, target, class_weight, P, K,
                                              ignore, CUK_STREAM(stream));
}

extern "C" int cuk_bce_logits_forward(float *loss, const float *logits, const float *target,
                                      size_t P, int K, void *stream) {
    return cukt_bce_logits_forward<float>(loss, logits, target, P, K, CUK_STREAM(stream));
}

extern "C" int cuk_bce_logits_backward(float *dlogits, float dloss, const float *logits,
                                       const float *target, size_t P, int K, void *stream) {
    return cukt_bce_logits_backward<float>(dlogits, dloss, logits, target, P, K,
                                           CUK_STREAM(stream));
}

#define LOSS_INST(T)                                                                             \
    template int cukt_cross_entropy_forward<T>(float *, const T *, const uint8_t *,              \
                                               const float *, size_t, int, int, cudaStream_t);   \
    template int cukt_cross_entropy_backward<T>(T *, float, const T *, const uint8_t *,          \
                                                const float *, size_t, int, int, cudaStream_t);  \
    template int cukt_bce_logits_forward<T>(float *, const T *, const float *, size_t, int,      \
                                            cudaStream_t);                                       \
    template int cukt_bce_logits_backward<T>(T *, float, const T *, const float *, size_t, int,  \
                                             cudaStream_t);
LOSS_INST(float)
LOSS_INST(bf16_t)
