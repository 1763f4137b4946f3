/* The training step on the host model (see step.h; the device model's is step_device.c). */
#include "src/train/step.h"

#include "src/core/log.h"
#include "src/nn/loss.h"
#include "src/nn/optim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long sw_count_valid(const uint8_t *y, size_t n) {
    long long v = 0;
    for (size_t i = 0; i < n; i++) v += y[i] != NN_IGNORE_INDEX;
    return v;
}

double sw_loss_weight(const sw_step_ctx *s, const uint8_t *y, size_t n) {
    const float *w = s->class_weight;
    if (!w || s->loss == SW_LOSS_DICE) return (double)sw_count_valid(y, n);
    const int K = s->m->cfg.classes;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] != NN_IGNORE_INDEX && y[i] < K) sum += w[y[i]];
    return sum;
}

float sw_loss_forward(const sw_step_ctx *s, const float *w, const float *lg, const uint8_t *y, size_t P, int K) {
    switch (s->loss) {
    case SW_LOSS_FOCAL:
        return nn_focal_forward(lg, y, w, P, K, NN_IGNORE_INDEX, s->cfg->focal_gamma);
    case SW_LOSS_DICE: return nn_dice_forward(lg, y, w, P, K, NN_IGNORE_INDEX, 1.0f);
    default: return nn_cross_entropy_forward(lg, y, w, P, K, NN_IGNORE_INDEX);
    }
}

void sw_loss_backward(const sw_step_ctx *s, const float *w, float *dlg, float dscale, const float *lg,
                      const uint8_t *y, size_t P, int K) {
    switch (s->loss) {
    case SW_LOSS_FOCAL:
        nn_focal_backward(dlg, dscale, lg, y, w, P, K, NN_IGNORE_INDEX, s->cfg->focal_gamma);
        break;
    case SW_LOSS_DICE: nn_dice_backward(dlg, dscale, lg, y, w, P, K, NN_IGNORE_INDEX, 1.0f); break;
    default: nn_cross_entropy_backward(dlg, dscale, lg, y, w, P, K, NN_IGNORE_INDEX);
    }
}

sw_status sw_eval_forward(sw_step_ctx *s, const float *x, const float **logits) {
    *logits = nn_model_logits(s->m);
    if (s->dm) {   /* the logits come back into the host model's arena (same shape) */
        nn_model_train(s->dm, 0);
        sw_status st = nn_model_set_input(s->dm, x);
        if (!st) nn_model_forward(s->dm, nn_model_input(s->dm));
        nn_model_train(s->dm, 1);
        if (!st) st = nn_model_status(s->dm);
        if (!st) st = nn_model_logits_to_host(s->dm, nn_model_logits(s->m));
        return st ? sw_fail_ctx(st, "validation on %s", s->dm->net.be->name) : SW_OK;
    }
    nn_model_train(s->m, 0);
    *logits = nn_model_forward(s->m, x);
    nn_model_train(s->m, 1);
    return SW_OK;
}

double sw_eval_loss_sum(sw_step_ctx *s, const float *logits, const uint8_t *y, size_t P) {
    const long long v = sw_count_valid(y, P);
    if (!v) return 0.0;
    return (double)sw_loss_forward(s, NULL, logits, y, P, s->m->cfg.classes) * (double)v;   /* unweighted */
}

sw_status sw_train_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                        double valid_global, float lr, int t, double *loss) {
    if (s->dm) return sw_device_step(s, x, y, n_local, valid_global, lr, t, loss);
    nn_model *m = s->m;
    const double t0 = sw_now();
    const int K = m->cfg.classes;
    const size_t P = (size_t)n_local * m->net.H * m->net.W;
    /* forward and loss: this rank's share of the global mean */
    nn_model_train(m, 1);
    const float *lg = nn_model_forward(m, x);
    const double v = sw_loss_weight(s, y, P);
    double share = valid_global > 0 ? v / valid_global : 0.0;
    if (s->loss == SW_LOSS_DICE) share = v > 0 ? 1.0 / s->size : 0.0; /* mean of the ranks' dice */
    double part = 0.0;
    float *dlg = nn_model_dlogits(m);
    if (share > 0) {
        part = (double)sw_loss_forward(s, s->class_weight, lg, y, P, K) * share;
        sw_loss_backward(s, s->class_weight, dlg, (float)share, lg, y, P, K);
    } else {
        memset(dlg, 0, nn_model_logits_count(m) * sizeof *dlg);
    }
    /* backward; buckets start as layers finish them */
    nn_param_set *ps = &m->net.params;
    nn_param_set_zero_grad(ps);
    sw_grad_comm_begin(s->gc);
    m->net.grad_ready = sw_grad_comm_ready;
    m->net.grad_ctx = s->gc;
    nn_model_backward(m);
    m->net.grad_ready = NULL;
    double exposed = 0;
    sw_status st = sw_grad_comm_finish(s->gc, &exposed);
    if (st != SW_OK) return st;
    const double t1 = sw_now();
    /* running statistics: the mean over ranks (identical already with synchronized BN) */
    if (s->avg_buffers && s->size > 1 && m->net.buffers.numel) {
        if ((st = sw_train_sum_f32(m->net.buffers.param_memory, m->net.buffers.numel))) return st;
        const float inv = 1.0f / (float)s->size;
        for (size_t i = 0; i < m->net.buffers.numel; i++) m->net.buffers.param_memory[i] *= inv;
    }
    /* the same step on every rank */
    const sw_train_config *c = s->cfg;
    if (s->opt == SW_OPT_SGD)
        nn_sgd_update(ps->param_memory, ps->grad_memory,
                      ps->n_state ? nn_param_set_state(ps, 0) : NULL, ps->numel, lr, c->momentum,
                      c->weight_decay);
    else if (s->opt == SW_OPT_ADAM)
        nn_adam_update(ps->param_memory, ps->grad_memory, nn_param_set_state(ps, 0),
                       nn_param_set_state(ps, 1), ps->numel, lr, 0.9f, 0.999f, 1e-8f,
                       c->weight_decay, t);
    else
        nn_adamw_update(ps->param_memory, ps->grad_memory, nn_param_set_state(ps, 0),
                        nn_param_set_state(ps, 1), ps->numel, lr, 0.9f, 0.999f, 1e-8f,
                        c->weight_decay, t);
    if ((st = sw_train_sum_f64(&part, 1))) return st;
    *loss = part;
    s->t_exposed_comm = exposed;
    s->t_total = sw_now() - t0;
    s->t_compute = (t1 - t0) - exposed;
    return SW_OK;
}
