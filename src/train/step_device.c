/* The training step on a device model (--device; see step.h): the start (every rank on a GPU or
 * none, NCCL when there are several ranks), the step, and the copies back for checkpoints.
 * Every collective of a step is called on every rank whatever happened before it on this one,
 * and the step's closing sum carries a failure flag, so a rank whose GPU fails ends the step on
 * every rank with an error instead of leaving the others in a collective. */
#include "src/train/step.h"

#include "kernels/backend_info.h"
#include "mpi/run_mpi.h"
#include "src/core/build_config.h"
#include "src/core/log.h"
#include "src/nn/ops.h"
#include "src/nn/steps_be.h"
#if SWATH_HAVE_NCCL
#include "mpi/nccl_boot.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the start ---- */

static sw_status state_copy(nn_model *dm, nn_model *m, nn_copy_kind kind) {
    const nn_param_set *d = &dm->net.params, *h = &m->net.params;
    if (!h->n_state) return SW_OK;
    const size_t bytes = (size_t)h->n_state * h->numel * sizeof(float);
    return kind == NN_COPY_H2D ? nn_mem_copy(dm->net.mem_be, d->state_memory, h->state_memory, bytes, kind)
                               : nn_mem_copy(dm->net.mem_be, h->state_memory, d->state_memory, bytes, kind);
}

/* The copy of s->m on backend be, prepared for (N,H,W), with s->m's state. */
static sw_status model_on(sw_step_ctx *s, const nn_backend *be, int N, int H, int W) {
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
        return sw_fail_ctx(st, "the model on %s", be->name);
    }
    dm->net.bn_momentum = m->net.bn_momentum, dm->net.bn_eps = m->net.bn_eps;
    s->dm = dm;
    return SW_OK;
}

static int mpi_bucket(void *ctx, float *buf, size_t n) {
    (void)ctx;
    return sw_train_sum_f32(buf, n) != SW_OK;
}

#if SWATH_HAVE_NCCL
static int want_nccl(int size) {
    const char *e = getenv("SWATH_NCCL");
    if (e && *e) return atoi(e) > 0;
    return size > 1;
}

static int nccl_bucket(void *ctx, float *buf, size_t n) {
    const sw_step_ctx *s = ctx;
    return cuk_nccl_allreduce(s->nccl, buf, n, 1.0f, nn_backend_cuda_stream());
}

static int nccl_wait(void *ctx) {
    const sw_step_ctx *s = ctx;
    return cuk_nccl_wait(s->nccl, nn_backend_cuda_stream());
}
#endif

/* SWATH_TEST_BREAK_ALLREDUCE (tests): each rank steps on its own gradient. */
static int test_broken(void) {
    const char *b = getenv("SWATH_TEST_BREAK_ALLREDUCE");
    return b && atoi(b) > 0;
}

/* Buckets over the device model's gradient arena, reduced by hooks. */
static sw_status bucket_comm(sw_step_ctx *s, const sw_grad_hooks *h) {
    const nn_param_set *ps = &s->dm->net.params;
    return sw_grad_comm_create_hooked(&s->dgc, ps->grad_memory, ps->offset, ps->count, ps->numel,
                                      (size_t)(s->cfg->bucket_mb * 1048576.0), h, test_broken());
}

/* SWATH_TEST_DEVICE_MODEL: the device path with the CPU backend (host memory, so the "copies"
 * are memcpy): `cpu` reduces through bucket hooks as NCCL does, `cpu-staged` through the host
 * arena as a GPU without NCCL does. */
static sw_status test_device_model(sw_step_ctx *s, const char *mode, int N, int H, int W) {
    const int hooked = !strcmp(mode, "cpu");
    if (!hooked && strcmp(mode, "cpu-staged"))
        return sw_fail(SW_ERR_USAGE, "SWATH_TEST_DEVICE_MODEL=%s: cpu or cpu-staged", mode);
    sw_status st = model_on(s, nn_backend_default(), N, H, W);
    const sw_grad_hooks h = {mpi_bucket, NULL, s};
    if (!st && hooked && s->size > 1) st = bucket_comm(s, &h);
    return st;
}

/* Whether this rank can train on a GPU: SW_OK, or a failure whose message says why not. */
static sw_status gpu_here(const sw_step_ctx *s) {
    char dev[256], cudnn[64];
    const int ngpu = sw_cuda_probe(dev, sizeof dev, cudnn, sizeof cudnn);
    if (ngpu < 0) return sw_fail(SW_ERR_USAGE, "no GPU: built without CUDA");
    if (ngpu == 0 && s->size > 1) return sw_fail(SW_ERR_USAGE, "no GPU on rank %d: %s", s->rank, dev);
    if (ngpu == 0) return sw_fail(SW_ERR_USAGE, "no GPU: %s", dev);
    return SW_OK;
}

/* What the device path does not take. */
static sw_status settings_ok(const sw_step_ctx *s) {
    if (s->size > 1 && s->cfg->sync_bn)
        return sw_fail(SW_ERR_USAGE, "the GPU path does not take --sync-bn with several ranks (the "
                       "batch-norm sums are not synchronized on the GPU)");
    return SW_OK;
}

sw_status sw_step_device_init(sw_step_ctx *s, const char *device, int N, int H, int W) {
    s->dm = NULL, s->dgc = NULL, s->nccl = NULL;
    const char *test = getenv("SWATH_TEST_DEVICE_MODEL");
    if (!(test && *test) && !strcmp(device, "cpu")) return SW_OK;
    /* every rank on a GPU, or none */
    sw_status st = settings_ok(s);
    if (!st && !(test && *test)) st = gpu_here(s);
    st = sw_mpi_agree_all(st);
    int gpu = -1;
    const char *comm = "";
    if (!st && test && *test) {
        st = test_device_model(s, test, N, H, W);
        comm = s->dgc ? ", gradients summed in buckets (MPI)" : "";
    } else if (!st) {
#if SWATH_HAVE_NCCL
        if (want_nccl(s->size)) {
            cuk_nccl *c = NULL;
            if (sw_mpi_nccl_start(&c, &gpu) == SW_OK) {
                s->nccl = c;
                comm = ", gradients summed by NCCL";
            } else {
                if (s->rank == 0) sw_log(1, "train: NCCL did not start (%s)", sw_errmsg());
                sw_err_clear();
                gpu = -1;
            }
        }
#endif
        const nn_backend *be = nn_backend_cuda(gpu);
        st = be ? SW_OK : sw_fail_ctx(SW_ERR_USAGE, "no usable GPU");
        if (!st && nn_backend_cuda_set_mode(be, (nn_cuda_math)nn_cuda_math_parse(s->cfg->precision),
                                            s->cfg->deterministic))
            st = sw_fail_ctx(SW_ERR_RUNTIME, "--precision %s", s->cfg->precision);
        if (!st) st = model_on(s, be, N, H, W);
#if SWATH_HAVE_NCCL
        const sw_grad_hooks h = {nccl_bucket, nccl_wait, s};
        if (!st && s->nccl) st = bucket_comm(s, &h);
#endif
    }
    if ((st = sw_mpi_agree_all(st))) {
        sw_step_device_free(s);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", sw_errmsg());
        if (!strcmp(device, "cuda")) return sw_fail(SW_ERR_USAGE, "swath train: --device cuda: %s", msg);
        if (s->rank == 0)
            sw_log(1, "train: on the CPU (%s)%s", msg,
                   strcmp(s->cfg->precision, "f32") ? "; --precision applies on the GPU: f32 here" : "");
        sw_err_clear();
        return SW_OK;
    }
    if (s->size > 1 && !s->dgc) comm = ", gradients summed through the host (MPI)";
    if (s->rank == 0)
        sw_log(1, "train: on %s (%s backend, %s%s%s%s)%s", test && *test ? "the CPU backend by the device path" : "the GPU",
               s->dm->net.be->name, test && *test ? "f32" : s->cfg->precision,
               s->cfg->deterministic && !(test && *test) ? ", deterministic" : "",
               s->size > 1 ? "; a device per rank" : "", comm,
               test && *test ? " (SWATH_TEST_DEVICE_MODEL)" : "");
    return SW_OK;
}

sw_status sw_step_to_host(sw_step_ctx *s) {
    if (!s->dm) return SW_OK;
    sw_status st = nn_model_params_to_host(s->dm, s->m->net.params.param_memory, s->m->net.buffers.param_memory);
    return st ? st : state_copy(s->dm, s->m, NN_COPY_D2H);
}

void sw_step_device_free(sw_step_ctx *s) {
    sw_grad_comm_free(s->dgc);
    s->dgc = NULL;
#if SWATH_HAVE_NCCL
    cuk_nccl_free(s->nccl);
#endif
    s->nccl = NULL;
    if (!s->dm) return;
    nn_model_free(s->dm);
    free(s->dm);
    s->dm = NULL;
}

/* ---- the step ---- */

/* dev (n floats in the device model's memory) = its sum over the ranks times scale, through the
 * host buffer `host`. Collective: called on every rank; `failed` skips the copies, not the sum. */
static sw_status host_sum(const nn_model *dm, float *dev, float *host, size_t n, float scale, int failed) {
    const nn_backend *mb = dm->net.mem_be;
    sw_status st = failed ? SW_OK : nn_mem_copy(mb, host, dev, n * sizeof(float), NN_COPY_D2H);
    sw_status sum = sw_train_sum_f32(host, n);
    if (st || failed) return st;
    if (sum) return sum;
    if (scale != 1.0f)
        for (size_t i = 0; i < n; i++) host[i] *= scale;
    return nn_mem_copy(mb, dev, host, n * sizeof(float), NN_COPY_H2D);
}

/* The loss of a forward: this rank's share of the global mean (*part), its gradient in the
 * device model's dlogits. Cross-entropy on the backend; the others on the host. */
static sw_status loss_step(sw_step_ctx *s, const uint8_t *y, size_t P, double share, double *part) {
    nn_model *dm = s->dm, *m = s->m;
    const int K = m->cfg.classes;
    *part = 0;
    if (share <= 0)
        return nn_mem_zero(dm->net.mem_be, nn_model_dlogits(dm), nn_model_logits_count(dm) * sizeof(float));
    if (s->loss == SW_LOSS_CE && !s->class_weight) {   /* weighted: on the host, below */
        float l = 0;
        sw_status st = nn_model_loss_scaled(dm, y, (float)share, &l);
        *part = (double)l * share;
        return st;
    }
    float *lg = nn_model_logits(m), *dlg = nn_model_dlogits(m); /* the host model's arenas */
    sw_status st = nn_model_logits_to_host(dm, lg);
    if (st) return st;
    *part = (double)sw_loss_forward(s, s->class_weight, lg, y, P, K) * share;
    sw_loss_backward(s, s->class_weight, dlg, (float)share, lg, y, P, K);
    return nn_model_dlogits_from_host(dm, dlg);
}

sw_status sw_device_step(sw_step_ctx *s, const float *x, const uint8_t *y, int n_local,
                         double valid_global, float lr, int t, double *loss) {
    nn_model *dm = s->dm;
    const double t0 = sw_now();
    const size_t P = (size_t)n_local * dm->net.H * dm->net.W;
    nn_model_train(dm, 1);
    sw_status st = nn_model_set_input(dm, x);
    if (!st) {
        nn_model_forward(dm, nn_model_input(dm));
        st = nn_model_status(dm);
    }
    const double v = sw_loss_weight(s, y, P);
    double share = valid_global > 0 ? v / valid_global : 0.0;
    if (s->loss == SW_LOSS_DICE) share = v > 0 ? 1.0 / s->size : 0.0; /* mean of the ranks' dice */
    double sums[2] = {0.0, 0.0}; /* the loss's share, failed ranks */
    if (!st) st = loss_step(s, y, P, share, &sums[0]);
    if (!st) st = nn_model_zero_grad(dm);
    /* backward; with NCCL the buckets start as layers finish them (queued on the GPU) */
    if (s->dgc) sw_grad_comm_begin(s->dgc);
    if (!st) {
        dm->net.grad_ready = s->dgc ? sw_grad_comm_ready : NULL;
        dm->net.grad_ctx = s->dgc;
        nn_model_backward(dm);
        dm->net.grad_ready = NULL;
        st = nn_model_status(dm);
    }
    const double t1 = sw_now();
    nn_param_set *ps = &dm->net.params;
    sw_status cs = SW_OK;
    if (s->dgc) cs = sw_grad_comm_finish(s->dgc, NULL); /* buckets not started start here */
    else if (s->size > 1 && !test_broken()) cs = host_sum(dm, ps->grad_memory, s->m->net.params.grad_memory, ps->numel, 1.0f, st != SW_OK);
    if (!st) st = cs;
    /* running statistics: the mean over ranks */
    const nn_param_set *bs = &dm->net.buffers;
    if (s->avg_buffers && s->size > 1 && bs->numel) {
        cs = host_sum(dm, bs->param_memory, s->m->net.buffers.param_memory, bs->numel, 1.0f / (float)s->size, st != SW_OK);
        if (!st) st = cs;
    }
    const double t2 = sw_now();
    const sw_train_config *c = s->cfg;
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
    if (st) st = sw_fail_ctx(st, "a training step on %s", dm->net.be->name);
    sums[1] = st != SW_OK;
    sw_status ss = sw_train_sum_f64(sums, 2);
    if (st) return st;
    if (ss) return ss;
    if (sums[1] > 0) return sw_fail(SW_ERR_RUNTIME, "a training step failed on another rank");
    *loss = sums[0];
    s->t_total = sw_now() - t0;
    s->t_exposed_comm = s->size > 1 && !s->dgc ? t2 - t1 : 0; /* host sums block; NCCL overlaps */
    s->t_compute = s->t_total - s->t_exposed_comm;
    return SW_OK;
}
