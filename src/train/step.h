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
    const sw_train_config *cfg;
    sw_loss_kind loss;
    sw_opt_kind opt;
    int rank, size;
    int avg_buffers;  /* average BN running statistics over ranks after each step */
    /* timings of the last step (seconds) */
    double t_compute, t_exposed_comm, t_total;
} sw_step_ctx;

/* --device: with a GPU (auto or cuda), a one-rank cross-entropy run trains a copy of s->m on it
 * (the CUDA backend, f32), prepared for (N,H,W) and started from s->m's parameters, statistics
 * and optimizer state. auto without a GPU, or with a setting the GPU path lacks (several ranks:
 * the NCCL allreduce is not wired into training yet; focal or dice loss), says so once and
 * stays on the CPU; cuda there is an error. */
sw_status sw_step_device_init(sw_step_ctx *s, const char *device, int N, int H, int W);
/* Copies the device model's parameters, statistics and optimizer state into s->m (before a
 * checkpoint or a hash); nothing without a device model. */
sw_status sw_step_to_host(sw_step_ctx *s);
void sw_step_device_free(sw_step_ctx *s);

/* Valid (non-ignored) pixels of y (n pixels). */
long long sw_count_valid(const uint8_t *y, size_t n);

/* One step on this rank's n_local samples x (n_local,H,W,C) and y (n_local,H,W) as prepared;
 * valid_global is the valid pixel count of the whole global batch (the loss is this rank's sum
 * divided by it, so the summed gradients are those of the global mean). `t` is the 1-based
 * optimizer step. Writes the global batch's loss to *loss. */
sw_status sw_train_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                        double valid_global, float lr, int t, double *loss);

/* Validation forward of x (n_local,H,W,C) in eval mode (running statistics): the logits, on
 * the host, valid until the next forward. */
const float *sw_eval_forward(sw_step_ctx *s, const float *x);

/* Loss of a prepared forward in eval mode: the sum over valid pixels (ce / focal) or, for dice,
 * the batch's dice times its valid pixels, so val losses add up over batches and ranks. */
double sw_eval_loss_sum(sw_step_ctx *s, const float *logits, const uint8_t *y, size_t P);

#endif
