/* MPI for `swath train`: start with the thread level a mode needs, the gradient allreduce in
 * buckets (walked in reverse tensor order as backward finishes them) and the small collectives
 * of a training step (loss and stop flag, batch-norm sums, running statistics). Gradients are
 * SUMMED: each rank's loss is already divided by the global count of valid pixels. Three modes:
 *   SW_AR_BLOCKING  one MPI_Allreduce of the whole arena after backward (the reference);
 *   SW_AR_PROGRESS  MPI_Iallreduce per bucket when backward completes it, progressed by
 *                   MPI_Testall at every later layer boundary (Open MPI does not progress
 *                   non-blocking collectives on its own), waited for after backward;
 *   SW_AR_THREAD    a communication thread runs a blocking MPI_Allreduce per bucket as
 *                   buckets become ready (MPI_THREAD_MULTIPLE).
 * MPI is used only in mpi/. */
#ifndef SWATH_MPI_TRAIN_COMM_H
#define SWATH_MPI_TRAIN_COMM_H

#include "src/core/error.h"

#include <stddef.h>

typedef enum { SW_AR_BLOCKING = 0, SW_AR_PROGRESS = 1, SW_AR_THREAD = 2 } sw_ar_mode;

/* Starts MPI (MPI_Init_thread: MULTIPLE for the thread mode, else FUNNELED) unless it already
 * runs; makes the communicators of training. */
sw_status sw_train_mpi_start(sw_ar_mode mode, int *rank, int *size);
void sw_train_mpi_stop(void);

typedef struct sw_grad_comm sw_grad_comm;

/* Buckets over the gradient arena `grad` (numel floats; tensor i starts at offset[i]) of about
 * bucket_bytes each, from the last tensor backwards. `broken` (tests only) skips the reduction,
 * so a test can show that a missing allreduce is caught. */
sw_status sw_grad_comm_create(sw_grad_comm **out, float *grad, const size_t *offset, int count,
                              size_t numel, size_t bucket_bytes, sw_ar_mode mode, int broken);
void sw_grad_comm_free(sw_grad_comm *g);
int sw_grad_comm_buckets(const sw_grad_comm *g);
/* The same buckets reduced by `hooks` instead of MPI (the GPU path: NCCL on device memory, or
 * any reduction a test wants): start(ctx, buf, n) is called for a bucket when its last tensor is
 * reported, in the order backward completes them (buckets never reported start in
 * sw_grad_comm_finish, in bucket order), and wait(ctx) (may be NULL) once at the end of
 * sw_grad_comm_finish. A hook returns 0, or nonzero after sw_fail. `broken` skips start. */
typedef struct {
    int (*start)(void *ctx, float *buf, size_t n);
    int (*wait)(void *ctx);
    void *ctx;
} sw_grad_hooks;
sw_status sw_grad_comm_create_hooked(sw_grad_comm **out, float *grad, const size_t *offset,
                                     int count, size_t numel, size_t bucket_bytes,
                                     const sw_grad_hooks *hooks, int broken);
/* Before backward: every bucket pending. */
void sw_grad_comm_begin(sw_grad_comm *g);
/* The model's grad_ready hook: tensor `param`'s gradient is final. */
void sw_grad_comm_ready(void *g, int param);
/* After backward: starts what is left, waits for every bucket. *exposed_s gets the seconds
 * spent waiting here (the communication backward did not hide). */
sw_status sw_grad_comm_finish(sw_grad_comm *g, double *exposed_s);

/* Sums n doubles / floats in place over every rank (world). */
sw_status sw_train_sum_f64(double *buf, int n);
sw_status sw_train_sum_f32(float *buf, size_t n);
/* The synchronized batch norm's allreduce (nn_bn_sync.allreduce; its own communicator). */
void sw_train_bn_allreduce(void *ctx, double *buf, int n);
/* Broadcasts n floats from rank 0. */
sw_status sw_train_bcast_f32(float *buf, size_t n);
/* Smallest and largest of v over the ranks. */
void sw_train_minmax_u64(unsigned long long v, unsigned long long *lo, unsigned long long *hi);
/* Raw MPI_Allreduce (sum, f32) of n floats, `iters` times after a warm-up: seconds per call. */
double sw_train_allreduce_seconds(size_t n, int iters);

#endif
