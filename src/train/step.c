/* The training step (see step.h). */
#include "src/train/step.h"

#include "kernels/backend_info.h"
#include "src/core/log.h"
#include "src/nn/loss.h"
#include "src/nn/optim.h"
#include "src/nn/steps_be.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the device model (--device) ---- */

static sw_status state_copy(nn_model *dm, nn_model *m, nn_copy_kind kind) {
    const nn_param_set *d = &dm->net.params, *h = &m->net.params;
    if (!h->n_state) return SW_OK;
    const size_t bytes = (size_t)h->n_state * h->numel * sizeof(float);
    return kind == NN_COPY_H2D ? nn_mem_copy(dm->net.mem_be, d->state_memory, h->state_memory, bytes, kind)
                               : nn_mem_copy(dm->net.mem_be, h->state_memory, d->state_memory, bytes, kind);
}

sw_status sw_step_device_init(sw_step_ctx *s, const char *device, int N, int H, int W) {
    s->dm = NULL;
    if (!strcmp(device, "cpu")) return SW_OK;
    char dev[256], cudnn[64];
    const int ngpu = sw_cuda_probe(dev, sizeof dev, cudnn, sizeof cudnn);
    const char *why = ngpu <= 0 ? NULL
                      : s->size > 1 ? "several ranks (the NCCL allreduce is not wired into training yet)"
                      : s->loss != SW_LOSS_CE ? "--loss focal or dice (the GPU has cross-entropy only)"
                                              : NULL;
    const nn_backend *be = why || ngpu <= 0 ? NULL : nn_backend_cuda(-1);
    if (!be) {
        char msg[512];
        if (why) snprintf(msg, sizeof msg, "the GPU path does not take %s", why);
        else if (ngpu <= 0) snprintf(msg, sizeof msg, "no GPU: %s", ngpu < 0 ? "built without CUDA" : dev);
        else snprintf(msg, sizeof msg, "no usable GPU: %s", sw_errmsg());
        if (!strcmp(device, "cuda")) return sw_fail(SW_ERR_USAGE, "swath train: --device cuda: %s", msg);
        if (s->rank == 0) sw_log(1, "train: on the CPU (%s)", msg);
        sw_err_clear();
        return SW_OK;
    }
    nn_model *dm = sw_calloc(1, sizeof *dm, "the device model");
    if (!dm) return SW_ERR_RUNTIME;
    nn_model *m = s->m;
    sw_status st = nn_model_create_on(dm, &m->cfg, m->net.params.n_state, be);
    if (!st) st = nn_model_prepare(dm, N, H, W);
    if (!st) st = nn_model_params_from_host(dm, m->net.params.param_memory, m->net.buffers.param_memory);
    if (!st) st = state_copy(dm, m, NN_COPY_H2D);
    if (st) {
        nn_model_free(dm);
        free(dm);
        return sw_fail_ctx(st, "the model on the GPU");
    }
    dm->net.bn_momentum = m->net.bn_momentum, dm->net.bn_eps = m->net.bn_eps;
    s->dm = dm;
    if (s->rank == 0) sw_log(1, "train: on the GPU (CUDA backend, f32)");
    return SW_OK;
}

sw_status sw_step_to_host(sw_step_ctx *s) {
    if (!s->dm) return SW_OK;
    sw_status st = nn_model_params_to_host(s->dm, s->m->net.params.param_memory, s->m->net.buffers.param_memory);
    return st ? st : state_copy(s->dm, s->m, NN_COPY_D2H);
}

void sw_step_device_free(sw_step_ctx *s) {
    if (!s->dm) return;
    nn_model_free(s->dm);
    free(s->dm);
    s->dm = NULL;
}

/* One step of a one-rank run on the device model (cross-entropy over the valid pixels). */
static sw_status device_step(sw_step_ctx *s, const float *x, const uint8_t *y, float lr, int t, double *loss) {
    nn_model *dm = s->dm;
    const double t0 = sw_now();
    nn_model_train(dm, 1);
    float l = 0;
    sw_status st = nn_model_set_input(dm, x);
    if (!st) {
        nn_model_forward(dm, nn_model_input(dm));
        st = nn_model_loss(dm, y, &l);
    }
    if (!st) st = nn_model_zero_grad(dm);
    if (!st) {
        nn_model_backward(dm);
        st = nn_model_status(dm);
    }
    const sw_train_config *c = s->cfg;
    nn_param_set *ps = &dm->net.params;
    if (!st) {
        if (s->opt == SW_OPT_SGD)
            st = nn_sgd_update_be(ps->param_memory, ps->grad_memory, ps->n_state ? nn_param_set_state(ps, 0) : NULL,
                                  ps->numel, lr, c->momentum, c->weight_decay, dm->net.be);
        else
            st = nn_adam_update_be(ps->param_memory, ps->grad_memory, nn_param_set_state(ps, 0),
                                   nn_param_set_state(ps, 1), ps->numel, lr, 0.9f, 0.999f, 1e-8f, c->weight_decay, t,
                                   s->opt == SW_OPT_ADAMW, dm->net.be);
    }
    if (!st) st = nn_mem_sync(dm->net.be);
    if (st) return sw_fail_ctx(st, "a training step on the GPU");
    *loss = l;
    s->t_exposed_comm = 0;
    s->t_total = s->t_compute = sw_now() - t0;
    return SW_OK;
}

long long sw_count_valid(const uint8_t *y, size_t n) {
    long long v = 0;
    for (size_t i = 0; i < n; i++) v += y[i] != NN_IGNORE_INDEX;
    return v;
}

/* The local mean loss over the valid pixels of y, and its gradient times dscale. */
static float loss_fwd(const sw_step_ctx *s, const float *lg, const uint8_t *y, size_t P, int K) {
    switch (s->loss) {
    case SW_LOSS_FOCAL:
        return nn_focal_forward(lg, y, NULL, P, K, NN_IGNORE_INDEX, s->cfg->focal_gamma);
    case SW_LOSS_DICE: return nn_dice_forward(lg, y, NULL, P, K, NN_IGNORE_INDEX, 1.0f);
    default: return nn_cross_entropy_forward(lg, y, NULL, P, K, NN_IGNORE_INDEX);
    }
}

static void loss_bwd(const sw_step_ctx *s, float *dlg, float dscale, const float *lg,
                     const uint8_t *y, size_t P, int K) {
    switch (s->loss) {
    case SW_LOSS_FOCAL:
        nn_focal_backward(dlg, dscale, lg, y, NULL, P, K, NN_IGNORE_INDEX, s->cfg->focal_gamma);
        break;
    case SW_LOSS_DICE: nn_dice_backward(dlg, dscale, lg, y, NULL, P, K, NN_IGNORE_INDEX, 1.0f); break;
    default: nn_cross_entropy_backward(dlg, dscale, lg, y, NULL, P, K, NN_IGNORE_INDEX);
    }
}

const float *sw_eval_forward(sw_step_ctx *s, const float *x) {
    if (s->dm) {   /* the logits come back into the host model's arena (same shape) */
        nn_model_train(s->dm, 0);
        sw_status st = nn_model_set_input(s->dm, x);
        if (!st) nn_model_forward(s->dm, nn_model_input(s->dm));
        nn_model_train(s->dm, 1);
        if (!st) st = nn_model_status(s->dm);
        if (!st) st = nn_model_logits_to_host(s->dm, nn_model_logits(s->m));
        if (st) sw_log(0, "train: validation on the GPU failed: %s", sw_errmsg());
        return nn_model_logits(s->m);
    }
    nn_model_train(s->m, 0);
    const float *lg = nn_model_forward(s->m, x);
    nn_model_train(s->m, 1);
    return lg;
}

double sw_eval_loss_sum(sw_step_ctx *s, const float *logits, const uint8_t *y, size_t P) {
    const long long v = sw_count_valid(y, P);
    if (!v) return 0.0;
    return (double)loss_fwd(s, logits, y, P, s->m->cfg.classes) * (double)v;
}

sw_status sw_train_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                        double valid_global, float lr, int t, double *loss) {
    if (s->dm) return device_step(s, x, y, lr, t, loss);
    nn_model *m = s->m;
    const double t0 = sw_now();
    const int K = m->cfg.classes;
    const size_t P = (size_t)n_local * m->net.H * m->net.W;
    /* forward and loss: this rank's share of the global mean */
    nn_model_train(m, 1);
    const float *lg = nn_model_forward(m, x);
    const long long v = sw_count_valid(y, P);
    double share = valid_global > 0 ? (double)v / valid_global : 0.0;
    if (s->loss == SW_LOSS_DICE) share = v ? 1.0 / s->size : 0.0; /* mean of the ranks' dice */
    double part = 0.0;
    float *dlg = nn_model_dlogits(m);
    if (share > 0) {
        part = (double)loss_fwd(s, lg, y, P, K) * share;
        loss_bwd(s, dlg, (float)share, lg, y, P, K);
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
