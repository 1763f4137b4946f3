/* Data-parallel gradient allreduce over NCCL (one rank per GPU): a communicator made from a
 * unique id that rank 0 draws and the ranks share (mpi/nccl_boot.c broadcasts it over MPI; a
 * single process can pass its own with nranks = 1), its own communication stream, and two events
 * reused for every bucket, so the steady state allocates nothing. Buckets are contiguous slices
 * of the flat gradient arena; each is summed across the ranks then scaled (1/nranks averages),
 * queued on the communication stream behind an event recorded on the compute stream, so a bucket
 * can start while the backward computes the next. No host synchronization anywhere: the compute
 * stream waits on the communication stream's event before the optimizer step. Plain C, device
 * pointers; functions return 0, or nonzero after sw_fail (NCCL's / CUDA's message). Built when
 * NCCL is found (SWATH_HAVE_NCCL): nccl_comm.c in the CUDA plugin (as cu_nccl_*, entry.h); these
 * public names load the plugin (kernels/cuda_loader.c). */
#ifndef SWATH_KERNELS_CUDA_NCCL_COMM_H
#define SWATH_KERNELS_CUDA_NCCL_COMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CUK_NCCL_ID_BYTES = 128 }; /* NCCL_UNIQUE_ID_BYTES */

typedef struct cuk_nccl cuk_nccl;

/* CUDA devices visible to this process (0 when none or no driver; never fails). */
int cuk_device_count(void);
/* The PCI bus id of `device` ("0000:3b:00.0"; cap >= CUK_BUS_ID_BYTES), which names the physical
 * GPU whatever CUDA_VISIBLE_DEVICES a rank was given; 0, or nonzero after sw_fail. */
enum { CUK_BUS_ID_BYTES = 32 };
int cuk_device_bus_id(int device, char *buf, int cap);
/* Draws a fresh unique id (rank 0 does this, then shares the bytes with the other ranks). */
int cuk_nccl_unique_id(unsigned char id[CUK_NCCL_ID_BYTES]);
/* Selects `device` for the calling thread, creates the communication stream and events, then the
 * communicator (collective: every rank of the id must call it). */
int cuk_nccl_init(cuk_nccl **out, const unsigned char id[CUK_NCCL_ID_BYTES], int nranks, int rank,
                  int device);
int cuk_nccl_nranks(const cuk_nccl *c);
int cuk_nccl_rank(const cuk_nccl *c);
/* The communication stream (a cudaStream_t). */
void *cuk_nccl_stream(const cuk_nccl *c);

/* Queues, after everything queued so far on compute_stream, the in-place allreduce of buf (n
 * floats, device memory): sum over the ranks, then *= scale (1/nranks: the average). Returns at
 * once; the buffer must not be touched by the compute stream before cuk_nccl_wait. */
int cuk_nccl_allreduce(cuk_nccl *c, float *buf, size_t n, float scale, void *compute_stream);
/* The same for `count` buffers at once, as one NCCL group (small tensors in one launch). */
int cuk_nccl_allreduce_group(cuk_nccl *c, float *const *bufs, const size_t *ns, int count,
                             float scale, void *compute_stream);
/* Makes compute_stream wait (on the device, no host block) for every allreduce queued so far,
 * and reports an asynchronous NCCL error if one was seen. */
int cuk_nccl_wait(cuk_nccl *c, void *compute_stream);
/* Destroys the communicator (after its work finishes), the stream and the events. NULL is fine. */
void cuk_nccl_free(cuk_nccl *c);

#ifdef __cplusplus
}
#endif

#endif
