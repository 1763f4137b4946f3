/* Losses and optimizer steps on a backend (see steps_be.h). */
#include "src/nn/steps_be.h"

#include "src/nn/optim.h"

#include <stdio.h>

static sw_status device_failed(const nn_backend *be, const char *what, int missing) {
    if (missing)
        return sw_fail(SW_ERR_RUNTIME, "%s: backend %s has no entry for it", what, be->name);
    char why[400];
    snprintf(why, sizeof why, "%s", sw_errmsg()); /* sw_fail writes over sw_errmsg's buffer */
    return sw_fail(SW_ERR_RUNTIME, "%s on backend %s: %s", what, be->name, why);
}

sw_status nn_cross_entropy_be(float *loss, float *dlogits, float dloss, const float *logits,
                              const uint8_t *target, const float *class_weight, size_t P, int K,
                              int ignore, const nn_backend *be) {
    if (nn_backend_is_host(be)) {
        *loss = nn_cross_entropy_forward(logits, target, class_weight, P, K, ignore);
        if (dlogits)
            nn_cross_entropy_backward(dlogits, dloss, logits, target, class_weight, P, K, ignore);
        return SW_OK;
    }
    const nn_backend_i *f = &be->iface;
    if (!f->cross_entropy_forward || !f->cross_entropy_backward)
        return device_failed(be, "cross-entropy", 1);
    if (f->cross_entropy_forward(loss, logits, target, class_weight, P, K, ignore, be->context))
        return device_failed(be, "cross-entropy forward", 0);
    if (dlogits && f->cross_entropy_backward(dlogits, dloss, logits, target, class_weight, P, K,
                                             ignore, be->context))
        return device_failed(be, "cross-entropy backward", 0);
    return SW_OK;
}

sw_status nn_bce_logits_be(float *loss, float *dlogits, float dloss, const float *logits,
                           const float *target, size_t P, int K, const nn_backend *be) {
    if (nn_backend_is_host(be)) {
        *loss = nn_bce_logits_forward(logits, target, P, K);
        if (dlogits) nn_bce_logits_backward(dlogits, dloss, logits, target, P, K);
        return SW_OK;
    }
    const nn_backend_i *f = &be->iface;
    if (!f->bce_logits_forward || !f->bce_logits_backward)
        return device_failed(be, "BCE with logits", 1);
    if (f->bce_logits_forward(loss, logits, target, P, K, be->context))
        return device_failed(be, "BCE forward", 0);
    if (dlogits && f->bce_logits_backward(dlogits, dloss, logits, target, P, K, be->context))
        return device_failed(be, "BCE backward", 0);
    return SW_OK;
}

sw_status nn_sgd_update_be(float *params, const float *grads, float *momentum_buf, size_t n,
                           float lr, float momentum, float weight_decay, const nn_backend *be) {
    if (nn_backend_is_host(be)) {
        nn_sgd_update(params, grads, momentum_buf, n, lr, momentum, weight_decay);
        return SW_OK;
    }
    if (!be->iface.sgd_update) return device_failed(be, "SGD step", 1);
    if (be->iface.sgd_update(params, grads, momentum_buf, n, lr, momentum, weight_decay,
                             be->context))
        return device_failed(be, "SGD step", 0);
    return SW_OK;
}

sw_status nn_adam_update_be(float *params, const float *grads, float *m, float *v, size_t n,
                            float lr, float beta1, float beta2, float eps, float weight_decay,
                            int step, int decoupled, const nn_backend *be) {
    if (nn_backend_is_host(be)) {
        if (decoupled) nn_adamw_update(params, grads, m, v, n, lr, beta1, beta2, eps, weight_decay, step);
        else nn_adam_update(params, grads, m, v, n, lr, beta1, beta2, eps, weight_decay, step);
        return SW_OK;
    }
    if (!be->iface.adam_update) return device_failed(be, "Adam step", 1);
    if (be->iface.adam_update(params, grads, m, v, n, lr, beta1, beta2, eps, weight_decay, step,
                              decoupled, be->context))
        return device_failed(be, "Adam step", 0);
    return SW_OK;
}

sw_status nn_scale_be(float *x, size_t n, float s, const nn_backend *be) {
    if (nn_backend_is_host(be)) {
        for (size_t i = 0; i < n; i++) x[i] *= s;
        return SW_OK;
    }
    if (!be->iface.scale) return device_failed(be, "scale", 1);
    if (be->iface.scale(x, n, s, be->context)) return device_failed(be, "scale", 0);
    return SW_OK;
}
