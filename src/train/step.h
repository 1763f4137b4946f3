/* One data-parallel training step: every per-step model call (upload the batch, forward, loss,
 * backward with the bucketed gradient allreduce, running statistics, optimizer step) lives in
 * sw_train_step, so a device backend changes one function. */
#ifndef SWATH_TRAIN_STEP_H
#define SWATH_TRAIN_STEP_H

#include "mpi/train_comm.h"
#include "src/nn/models/model.h"
#include "src/train/config.h"

#include <stdint.h>

typedef enum { SW_LOSS_CE = 0, SW_LOSS_FOCAL = 1, SW_LOSS_DICE = 2 } sw_loss_kind;
typedef enum { SW_OPT_SGD = 0, SW_OPT_ADAM = 1, SW_OPT_ADAMW = 2 } sw_opt_kind;

typedef struct {
    nn_model *m;      /* the host model: checkpoints, initialization, the CPU step */
    nn_model *dm;     /* the same model on the GPU (sw_step_device_init), or NULL */
    sw_grad_comm *gc;
    sw_grad_comm *dgc; /* the device model's gradient buckets (NCCL), or NULL: several ranks
                        * reduce the device gradients through the host (MPI) */
    void *nccl;        /* the NCCL communicator (cuk_nccl *) or NULL */
    const sw_train_config *cfg;
    sw_loss_kind loss;
    sw_opt_kind opt;
    int rank, size;
    int avg_buffers;  /* average BN running statistics over ranks after each step */
    const float *class_weight; /* (classes) weights of the training loss (--class-weights), or NULL */
    /* timings of the last step (seconds) */
    double t_compute, t_exposed_comm, t_total;
} sw_step_ctx;

/* --device (src/train/step_device.c): with a GPU on every rank (auto or cuda), each rank trains a
 * copy of s->m on its node-local GPU (the CUDA backend, f32), prepared for (N,H,W) and started
 * from s->m's parameters, statistics and optimizer state. Several ranks sum their gradients with
 * NCCL, bucket by bucket during the backward (SWATH_NCCL=0: through the host with MPI; NCCL that
 * does not start falls back to that, and says so; SWATH_NCCL=1 uses NCCL on one rank too).
 * Cross-entropy runs on the GPU; focal, dice and weighted cross-entropy on the host (logits
 * down, gradient up). auto
 * without a GPU on some rank, or with --sync-bn on several ranks, says so once and stays on the
 * CPU; cuda there is an error. Collective: every rank calls it. SWATH_TEST_DEVICE_MODEL=cpu
 * (MPI buckets through the hooks NCCL uses) or cpu-staged (through the host copies) runs this
 * device path on the CPU backend, for tests. */
sw_status sw_step_device_init(sw_step_ctx *s, const char *device, int N, int H, int W);
/* Copies the device model's parameters, statistics and optimizer state into s->m (before a
 * checkpoint or a hash); nothing without a device model. */
sw_status sw_step_to_host(sw_step_ctx *s);
void sw_step_device_free(sw_step_ctx *s);

/* The step on the device model (step_device.c); sw_train_step's arguments. */
sw_status sw_device_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                         double valid_global, float lr, int t, double *loss);
/* The configured loss over P pixels of K classes on the host, with class weights w (K) or NULL:
 * the local (weighted) mean, and its gradient times dscale written to dlg. */
float sw_loss_forward(const sw_step_ctx *s, const float *w, const float *lg, const uint8_t *y, size_t P, int K);
void sw_loss_backward(const sw_step_ctx *s, const float *w, float *dlg, float dscale, const float *lg,
                      const uint8_t *y, size_t P, int K);

/* Valid (non-ignored) pixels of y (n pixels). */
long long sw_count_valid(const uint8_t *y, size_t n);
/* The denominator of the training loss over y (n pixels): the sum of the class weights of its
 * valid pixels, or their count without class weights. */
double sw_loss_weight(const sw_step_ctx *s, const uint8_t *y, size_t n);

/* One step on this rank's n_local samples x (n_local,H,W,C) and y (n_local,H,W) as prepared;
 * valid_global is sw_loss_weight of the whole global batch (the loss is this rank's sum
 * divided by it, so the summed gradients are those of the global mean). `t` is the 1-based
 * optimizer step. Writes the global batch's loss to *loss. */
sw_status sw_train_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                        double valid_global, float lr, int t, double *loss);

/* Validation forward of x (n_local,H,W,C) in eval mode (running statistics): *logits on the
 * host, valid until the next forward; a device failure is returned (the logits are then stale). */
sw_status sw_eval_forward(sw_step_ctx *s, const float *x, const float **logits);

/* Loss of a prepared forward in eval mode: the sum over valid pixels (ce / focal) or, for dice,
 * the batch's dice times its valid pixels, so val losses add up over batches and ranks. */
double sw_eval_loss_sum(sw_step_ctx *s, const float *logits, const uint8_t *y, size_t P);

#endif
