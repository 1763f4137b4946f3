/* Losses and optimizer steps on a backend: the twins of src/nn/loss.h and optim.h for callers
 * whose logits, targets and arenas may live in device memory. On a CPU backend (or NULL) they
 * run the references of loss.c and optim.c; on a device backend its table entries (no CPU
 * fallback: a failure returns the recorded error). The loss value comes back to the host. */
#ifndef SWATH_NN_STEPS_BE_H
#define SWATH_NN_STEPS_BE_H

#include "src/nn/loss.h"
#include "src/nn/ops.h"

#include <stddef.h>
#include <stdint.h>

/* Cross-entropy (loss.h semantics): *loss gets the value; dlogits (P,K), when not NULL, gets
 * dloss * d(loss)/d(logits). target (P) and class_weight (K, or NULL) in be's memory. */
sw_status nn_cross_entropy_be(float *loss, float *dlogits, float dloss, const float *logits,
                              const uint8_t *target, const float *class_weight, size_t P, int K,
                              int ignore, const nn_backend *be);
/* BCE with logits: target (P,K) probabilities in be's memory. */
sw_status nn_bce_logits_be(float *loss, float *dlogits, float dloss, const float *logits,
                           const float *target, size_t P, int K, const nn_backend *be);

/* optim.h semantics; decoupled 1 is AdamW. */
sw_status nn_sgd_update_be(float *params, const float *grads, float *momentum_buf, size_t n,
                           float lr, float momentum, float weight_decay, const nn_backend *be);
sw_status nn_adam_update_be(float *params, const float *grads, float *m, float *v, size_t n,
                            float lr, float beta1, float beta2, float eps, float weight_decay,
                            int step, int decoupled, const nn_backend *be);
/* x *= s (gradient averaging after an allreduce of sums). */
sw_status nn_scale_be(float *x, size_t n, float s, const nn_backend *be);

#endif
