/* NCCL gradient allreduce (see nccl_comm.h), under the plugin's own names (entry.h). */
#include "kernels/cuda/entry.h"
#include "kernels/cuda/nccl_comm.h"

#include "kernels/cuda/cuda_kernels.h"
#include "src/core/error.h"

#include <cuda_runtime.h>
#include <nccl.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CUK_NCCL_ID_BYTES == NCCL_UNIQUE_ID_BYTES, "NCCL unique id size");

struct cuk_nccl {
    ncclComm_t comm;
    cudaStream_t stream;     /* communication stream */
    cudaEvent_t ready, done; /* compute -> communication, communication -> compute */
    int nranks, rank, device;
    int failed;              /* an NCCL call failed: destroy by abort, not by a sync */
};

static int cuda_ok(cudaError_t e, const char *what) {
    if (e == cudaSuccess) return 0;
    sw_fail(SW_ERR_RUNTIME, "CUDA %s: %s", what, cudaGetErrorString(e));
    return 1;
}

static int nccl_ok(cuk_nccl *c, ncclResult_t r, const char *what) {
    if (r == ncclSuccess) return 0;
    if (c) c->failed = 1;
    const char *last = c && c->comm ? ncclGetLastError(c->comm) : NULL;
    sw_fail(SW_ERR_RUNTIME, "NCCL %s (rank %d of %d): %s%s%s", what, c ? c->rank : -1,
            c ? c->nranks : 0, ncclGetErrorString(r), last && *last ? ": " : "",
            last ? last : "");
    return 1;
}

int cu_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear "no driver" / "no device" */
        return 0;
    }
    return n;
}

int cu_device_bus_id(int device, char *buf, int cap) {
    return cuda_ok(cudaDeviceGetPCIBusId(buf, cap, device), "PCI bus id of a device");
}

int cu_nccl_unique_id(unsigned char id[CUK_NCCL_ID_BYTES]) {
    ncclUniqueId u;
    if (nccl_ok(NULL, ncclGetUniqueId(&u), "unique id")) return 1;
    memcpy(id, u.internal, CUK_NCCL_ID_BYTES);
    return 0;
}

int cu_nccl_init(cuk_nccl **out, const unsigned char id[CUK_NCCL_ID_BYTES], int nranks, int rank,
                  int device) {
    *out = NULL;
    if (nranks < 1 || rank < 0 || rank >= nranks)
        return sw_fail(SW_ERR_RUNTIME, "NCCL init: rank %d of %d", rank, nranks), 1;
    cuk_nccl *c = calloc(1, sizeof *c);
    if (!c) return sw_fail(SW_ERR_RUNTIME, "NCCL init: out of memory"), 1;
    c->nranks = nranks, c->rank = rank, c->device = device;
    ncclUniqueId u;
    memcpy(u.internal, id, CUK_NCCL_ID_BYTES);
    if (cuda_ok(cudaSetDevice(device), "select the rank's device") ||
        cuda_ok(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking),
                "create the communication stream") ||
        cuda_ok(cudaEventCreateWithFlags(&c->ready, cudaEventDisableTiming), "create an event") ||
        cuda_ok(cudaEventCreateWithFlags(&c->done, cudaEventDisableTiming), "create an event") ||
        nccl_ok(c, ncclCommInitRank(&c->comm, nranks, u, rank), "communicator init")) {
        sw_fail_ctx(SW_ERR_RUNTIME, "rank %d on device %d", rank, device);
        cu_nccl_free(c);
        return 1;
    }
    *out = c;
    return 0;
}

int cu_nccl_nranks(const cuk_nccl *c) { return c->nranks; }
int cu_nccl_rank(const cuk_nccl *c) { return c->rank; }
void *cu_nccl_stream(const cuk_nccl *c) { return c->stream; }

/* The communication stream waits for the work queued so far on the compute stream. One event
 * serves every bucket: cudaStreamWaitEvent waits for the record made just before it. */
static int follow_compute(cuk_nccl *c, void *compute_stream) {
    return cuda_ok(cudaEventRecord(c->ready, (cudaStream_t)compute_stream), "record a bucket") ||
           cuda_ok(cudaStreamWaitEvent(c->stream, c->ready, 0), "wait for a bucket");
}

int cu_nccl_allreduce_group(cuk_nccl *c, float *const *bufs, const size_t *ns, int count,
                             float scale, void *compute_stream) {
    if (follow_compute(c, compute_stream)) return 1;
    if (nccl_ok(c, ncclGroupStart(), "group start")) return 1;
    int failed = 0;
    for (int i = 0; i < count && !failed; i++)
        if (ns[i])
            failed = nccl_ok(c, ncclAllReduce(bufs[i], bufs[i], ns[i], ncclFloat32, ncclSum, c->comm,
                                              c->stream),
                             "allreduce");
    if (nccl_ok(c, ncclGroupEnd(), "group end") || failed) return 1;
    if (scale != 1.0f)
        for (int i = 0; i < count; i++)
            if (cuk_scale(bufs[i], ns[i], scale, c->stream)) return 1;
    return 0;
}

int cu_nccl_allreduce(cuk_nccl *c, float *buf, size_t n, float scale, void *compute_stream) {
    return cu_nccl_allreduce_group(c, &buf, &n, 1, scale, compute_stream);
}

int cu_nccl_wait(cuk_nccl *c, void *compute_stream) {
    ncclResult_t async = ncclSuccess;
    if (nccl_ok(c, ncclCommGetAsyncError(c->comm, &async), "async error query") ||
        nccl_ok(c, async, "allreduce (asynchronous error)"))
        return 1;
    return cuda_ok(cudaEventRecord(c->done, c->stream), "record the allreduce") ||
           cuda_ok(cudaStreamWaitEvent((cudaStream_t)compute_stream, c->done, 0),
                   "wait for the allreduce");
}

void cu_nccl_free(cuk_nccl *c) {
    if (!c) return;
    if (c->failed) { /* a hung or failed collective: a sync or destroy could wait for ever */
        if (c->comm) ncclCommAbort(c->comm);
    } else {
        if (c->stream) cudaStreamSynchronize(c->stream);
        if (c->comm) ncclCommDestroy(c->comm);
    }
    if (c->ready) cudaEventDestroy(c->ready);
    if (c->done) cudaEventDestroy(c->done);
    if (c->stream) cudaStreamDestroy(c->stream);
    free(c);
}
