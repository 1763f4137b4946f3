/* Optimizers over flat arenas (nn_param_set: params, grads and state share one layout, so each
 * update is one loop over n floats) and learning-rate schedules, with PyTorch 1.13 semantics. */
#ifndef SWATH_NN_OPTIM_H
#define SWATH_NN_OPTIM_H

#include <stddef.h>

/* torch.optim.SGD(momentum, weight_decay; dampening 0, no Nesterov): g += wd p;
 * buf = momentum buf + g (buf starts at zero, so the first step stores g); p -= lr buf.
 * momentum_buf (n) is unused when momentum == 0 (may be NULL). */
void nn_sgd_update(float *params, const float *grads, float *momentum_buf, size_t n, float lr,
                   float momentum, float weight_decay);

/* torch.optim.Adam (L2: g += wd p) and AdamW (decoupled: p *= 1 - lr wd). `step` counts from 1;
 * m and v (n each) start at zero. */
void nn_adam_update(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                    float beta1, float beta2, float eps, float weight_decay, int step);
void nn_adamw_update(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float eps, float weight_decay, int step);

/* Schedules: the learning rate at step t (0-based), closed forms of PyTorch's StepLR,
 * CosineAnnealingLR and LinearLR (warm-up from start_factor to 1 over `warmup` steps). */
float nn_lr_step(float base, int t, int step_size, float gamma);
float nn_lr_cosine(float base, int t, int t_max, float lr_min);
float nn_lr_warmup(float lr, int t, int warmup, float start_factor);

#endif
