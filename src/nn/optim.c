/* Optimizers and schedules (see optim.h). */
#include "src/nn/optim.h"

#include <math.h>

void nn_sgd_update(float *params, const float *grads, float *momentum_buf, size_t n, float lr,
                   float momentum, float weight_decay) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = grads[i] + weight_decay * params[i];
        if (momentum != 0.0f) {
            momentum_buf[i] = momentum * momentum_buf[i] + g;
            g = momentum_buf[i];
        }
        params[i] -= lr * g;
    }
}

static void adam_core(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                      float beta1, float beta2, float eps, float l2, float decoupled_wd,
                      int step) {
    const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
    const float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        if (decoupled_wd != 0.0f) params[i] *= 1.0f - lr * decoupled_wd;
        const float g = grads[i] + l2 * params[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g;
        v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
        const float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        params[i] -= step_size * m[i] / denom;
    }
}

void nn_adam_update(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                    float beta1, float beta2, float eps, float weight_decay, int step) {
    adam_core(params, grads, m, v, n, lr, beta1, beta2, eps, weight_decay, 0.0f, step);
}

void nn_adamw_update(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float eps, float weight_decay, int step) {
    adam_core(params, grads, m, v, n, lr, beta1, beta2, eps, 0.0f, weight_decay, step);
}

float nn_lr_step(float base, int t, int step_size, float gamma) {
    return (float)(base * pow(gamma, step_size > 0 ? t / step_size : 0));
}

float nn_lr_cosine(float base, int t, int t_max, float lr_min) {
    if (t_max <= 0) return base;
    if (t > t_max) t = t_max;
    return (float)(lr_min + (base - lr_min) * (1.0 + cos(M_PI * t / t_max)) / 2.0);
}

float nn_lr_warmup(float lr, int t, int warmup, float start_factor) {
    if (warmup <= 0 || t >= warmup) return lr;
    return (float)(lr * (start_factor + (1.0 - start_factor) * t / warmup));
}
