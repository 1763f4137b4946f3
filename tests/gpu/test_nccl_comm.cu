/* The NCCL gradient allreduce (kernels/cuda/nccl_comm.h) on one rank: a communicator from a
 * locally drawn unique id (nranks = 1: the lent machine has one GPU and NCCL refuses two ranks on
 * one GPU, so the multi-rank sum is not exercised here), buckets of a flat arena queued while a
 * slow "backward" kernel still writes them, and the compute stream's wait before the "optimizer".
 * Values are chosen so that every ordering mistake changes the result exactly:
 *   fill (compute, slow) -> allreduce + *0.5 (communication) -> +1 (compute, after the wait)
 * gives x * 0.5 + 1; a communication stream that did not wait for the fill gives x + 1, a compute
 * stream that did not wait for the allreduce gives (x + 1) * 0.5. A negative control skips the
 * wait and must be caught. Exit 0 passed, 1 failed, 77 no GPU or no NCCL device (skip). */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/entry.h"   /* the CUDA code's own cu_nccl_* (no plugin) */
extern "C" {
#include "src/core/error.h"
}

#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define CU(call)                                                                              \
    do {                                                                                      \
        cudaError_t e_ = (call);                                                              \
        if (e_ != cudaSuccess) {                                                              \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                    \
                    cudaGetErrorString(e_));                                                  \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)
#define KC(call)                                                                              \
    do {                                                                                      \
        if ((call) != 0) {                                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, #call, sw_errmsg());  \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

/* Spins `cycles`, then writes x[i] = base + i % 97 (exact small integers). */
__global__ static void slow_fill(float *x, size_t n, float base, long long cycles) {
    const long long t0 = clock64();
    while (clock64() - t0 < cycles) {
    }
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        x[i] = base + (float)(i % 97);
}

__global__ static void spin(long long cycles) {
    const long long t0 = clock64();
    while (clock64() - t0 < cycles) {
    }
}

enum { NB = 5 };
static const long long SPIN = 40LL * 1000 * 1000; /* ~20-30 ms at the H100's clocks */

/* One "step": fills the buckets from the last to the first on the compute stream, each queued
 * for allreduce right after its fill (two small ones as a group); then the wait (unless skipped),
 * then +1 on the compute stream. Returns the number of wrong values. */
static size_t step(cuk_nccl *c, cudaStream_t compute, float *arena, const size_t *off,
                   const size_t *len, float *ones, size_t n, int round, int skip_wait,
                   float *host) {
    spin<<<1, 1, 0, (cudaStream_t)cu_nccl_stream(c)>>>(skip_wait ? 4 * SPIN : SPIN / 8);
    CU(cudaGetLastError());
    for (int b = NB - 1; b >= 0; b--) {
        slow_fill<<<264, 256, 0, compute>>>(arena + off[b], len[b], (float)(round * 1000 + b * 100),
                                            b == NB - 1 ? SPIN : SPIN / 8);
        CU(cudaGetLastError());
        if (b == 1) continue; /* buckets 1 and 0 go as one group */
        if (b == 0) {
            float *bufs[2] = {arena + off[1], arena + off[0]};
            size_t ns[2] = {len[1], len[0]};
            KC(cu_nccl_allreduce_group(c, bufs, ns, 2, 0.5f, compute));
        } else {
            KC(cu_nccl_allreduce(c, arena + off[b], len[b], 0.5f, compute));
        }
    }
    if (!skip_wait) KC(cu_nccl_wait(c, compute));
    KC(cuk_add_forward(arena, arena, ones, n, compute));
    CU(cudaStreamSynchronize(compute));
    CU(cudaStreamSynchronize((cudaStream_t)cu_nccl_stream(c)));
    CU(cudaMemcpy(host, arena, n * sizeof *host, cudaMemcpyDeviceToHost));
    size_t bad = 0;
    for (int b = 0; b < NB; b++)
        for (size_t i = 0; i < len[b]; i++) {
            const float x = (float)(round * 1000 + b * 100) + (float)(i % 97);
            if (host[off[b] + i] != x * 0.5f + 1.0f) bad++;
        }
    return bad;
}

int main(void) {
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev <= 0) {
        printf("no CUDA device: skipped\n");
        return 77;
    }
    unsigned char id[CUK_NCCL_ID_BYTES];
    cuk_nccl *c = NULL;
    if (cu_nccl_unique_id(id) || cu_nccl_init(&c, id, 1, 0, 0)) {
        printf("NCCL unavailable: %s: skipped\n", sw_errmsg());
        return 77;
    }
    /* an odd-sized arena in uneven buckets, as a gradient arena's tensors would be */
    const size_t len[NB] = {3, 1000, 4097, (1u << 20) + 5, (5u << 20) + 1};
    size_t off[NB], n = 0;
    for (int b = 0; b < NB; b++) off[b] = n, n += len[b];
    float *arena, *ones, *host = (float *)malloc(n * sizeof *host), *h1 = (float *)malloc(n * 4);
    for (size_t i = 0; i < n; i++) h1[i] = 1.0f;
    CU(cudaMalloc(&arena, n * sizeof *arena));
    CU(cudaMalloc(&ones, n * sizeof *ones));
    CU(cudaMemcpy(ones, h1, n * 4, cudaMemcpyHostToDevice));
    cudaStream_t compute;
    CU(cudaStreamCreateWithFlags(&compute, cudaStreamNonBlocking));
    int failed = 0;
    for (int round = 1; round <= 3; round++) {
        const size_t bad = step(c, compute, arena, off, len, ones, n, round, 0, host);
        printf("%s step %d: %zu of %zu values wrong\n", bad ? "FAIL" : "ok  ", round, bad, n);
        failed |= bad != 0;
    }
    /* negative control: without cu_nccl_wait the +1 overtakes the (delayed) allreduce */
    const size_t bad = step(c, compute, arena, off, len, ones, n, 9, 1, host);
    printf("%s negative control (no wait): %zu of %zu values wrong (must be > 0)\n",
           bad ? "ok  " : "FAIL", bad, n);
    failed |= bad == 0;
    cu_nccl_free(c);
    CU(cudaStreamDestroy(compute));
    CU(cudaFree(arena));
    CU(cudaFree(ones));
    free(host), free(h1);
    printf("%s\n", failed ? "FAILED" : "all passed");
    return failed;
}
