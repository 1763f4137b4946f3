/* The NCCL bootstrap over MPI (mpi/nccl_boot.c), run under mpiexec: every rank must get the same
 * outcome. With a GPU for each rank of the node: the communicator of all ranks, then an allreduce
 * of (rank + 1) * v averaged over the ranks, checked against (size + 1) / 2 * v on every rank.
 * With fewer GPUs than ranks on the node (CI, or -n 2 on a one-GPU machine): the start must be
 * refused on every rank with a message naming the cause, and nothing left half made.
 * Exit 0 passed, 1 failed. */
#include "kernels/cuda/nccl_comm.h"
#include "mpi/nccl_boot.h"
#include "mpi/run_mpi.h"
#include "src/core/error.h"

#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_allreduce(cuk_nccl *c, int rank, int size) {
    const size_t n = 1000003;
    float *h = malloc(n * sizeof *h), *d = NULL;
    int bad = !h || cudaMalloc((void **)&d, n * sizeof *d) != cudaSuccess;
    for (size_t i = 0; !bad && i < n; i++) h[i] = (float)(rank + 1) * (float)(i % 7 + 1);
    bad = bad || cudaMemcpy(d, h, n * sizeof *d, cudaMemcpyHostToDevice) != cudaSuccess;
    bad = bad || cuk_nccl_allreduce(c, d, n, 1.0f / size, NULL) || cuk_nccl_wait(c, NULL);
    bad = bad || cudaDeviceSynchronize() != cudaSuccess;
    bad = bad || cudaMemcpy(h, d, n * sizeof *d, cudaMemcpyDeviceToHost) != cudaSuccess;
    if (bad) printf("FAIL rank %d: allreduce: %s\n", rank, sw_errmsg());
    for (size_t i = 0; !bad && i < n; i++) {
        const double want = (size + 1) / 2.0 * (double)(i % 7 + 1);
        if (fabs(h[i] - want) > 1e-5 * want) {
            printf("FAIL rank %d: value %zu is %.9g, want %.9g\n", rank, i, (double)h[i], want);
            bad = 1;
        }
    }
    if (!bad) printf("ok   rank %d of %d: allreduce average of %zu floats\n", rank, size, n);
    cudaFree(d);
    free(h);
    return bad;
}

int main(void) {
    int rank = 0, size = 1, local = 0, nlocal = 1;
    if (sw_mpi_start(&rank, &size)) {
        printf("FAIL: %s\n", sw_errmsg());
        return 1;
    }
    int bad = 0;
    if (sw_mpi_node_rank(&local, &nlocal) || local < 0 || local >= nlocal || nlocal > size) {
        printf("FAIL rank %d: node rank %d of %d (%s)\n", rank, local, nlocal, sw_errmsg());
        bad = 1;
    }
    const int ndev = cuk_device_count();
    cuk_nccl *c = NULL;
    int dev = -1;
    const sw_status st = sw_mpi_nccl_start(&c, &dev);
    if (ndev < nlocal) {
        const char *msg = sw_errmsg();
        if (!st || c || (!strstr(msg, "no CUDA device") && !strstr(msg, "GPUs"))) {
            printf("FAIL rank %d: %d GPUs for %d ranks, start gave %d (%s)\n", rank, ndev, nlocal,
                   st, msg);
            bad = 1;
        } else {
            printf("ok   rank %d: %d GPUs for %d ranks on the node: refused (%s)\n", rank, ndev,
                   nlocal, msg);
        }
    } else if (st || !c || dev != local) {
        printf("FAIL rank %d: start: %s (device %d, node rank %d)\n", rank, sw_errmsg(), dev, local);
        bad = 1;
    } else {
        bad |= run_allreduce(c, rank, size);
    }
    cuk_nccl_free(c);
    bad = sw_mpi_agree_all(bad ? SW_ERR_RUNTIME : SW_OK) != SW_OK;
    sw_mpi_stop();
    return bad;
}
