/* Model handle: configuration, creation, preparation and the generic step (see model.h). */
#include "src/nn/models/model.h"

#include "src/nn/steps_be.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ARCHS[] = {"unet",         "resnet18-seg", "resnet34-seg",
                                    "resnet50-seg", "resnet18-cls", "resnet34-cls",
                                    "resnet50-cls"};

sw_status nn_model_config_init(nn_model_config *cfg, const char *arch, int in_ch, int classes) {
    memset(cfg, 0, sizeof *cfg);
    int known = 0;
    for (size_t i = 0; i < sizeof ARCHS / sizeof *ARCHS; i++) known |= strcmp(arch, ARCHS[i]) == 0;
    if (!known)
        return sw_fail(SW_ERR_USAGE,
                       "unknown architecture '%s' (known: unet, resnet18-seg, resnet34-seg, "
                       "resnet50-seg, resnet18-cls, resnet34-cls, resnet50-cls)", arch);
    snprintf(cfg->arch, sizeof cfg->arch, "%s", arch);
    cfg->in_ch = in_ch;
    cfg->classes = classes;
    if (strcmp(arch, "unet") == 0) {
        cfg->depth = 4;
        cfg->width = 32;
    } else {
        cfg->depth = atoi(arch + 6); /* "resnetDD-..." */
        cfg->width = 64;
    }
    return SW_OK;
}

sw_status nn_model_create(nn_model *m, const nn_model_config *cfg, int n_state) {
    return nn_model_create_on(m, cfg, n_state, NULL);
}

sw_status nn_model_create_on(nn_model *m, const nn_model_config *cfg, int n_state,
                             const nn_backend *be) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->net.be = be;
    m->net.mem_be = nn_backend_is_host(be) ? NULL : be;
    if (cfg->in_ch < 1 || cfg->in_ch > 1024 || cfg->classes < 1 || cfg->classes > 254)
        return sw_fail(SW_ERR_USAGE, "model %s: %d input channels and %d classes (1..1024, "
                       "1..254)", cfg->arch, cfg->in_ch, cfg->classes);
    if (strcmp(cfg->arch, "unet") != 0 && (cfg->width < 1 || cfg->width > 256))
        return sw_fail(SW_ERR_USAGE, "model %s: width %d (1..256)", cfg->arch, cfg->width);
    sw_status st;
    if (strcmp(cfg->arch, "unet") == 0) st = nn_unet_attach(m);
    else if (strstr(cfg->arch, "-seg")) st = nn_resnet_seg_attach(m);
    else if (strstr(cfg->arch, "-cls")) st = nn_resnet_cls_attach(m);
    else st = sw_fail(SW_ERR_USAGE, "unknown architecture '%s'", cfg->arch);
    if (st != SW_OK) {
        nn_model_free(m);
        return st;
    }
    m->net.training = 1;
    /* the first build collects the size tables (shapes do not depend on N, H, W) */
    nn_net_begin(&m->net, 1, m->size_multiple, m->size_multiple);
    st = m->build(m, 1, m->size_multiple, m->size_multiple);
    if (st == SW_OK) st = nn_net_end(&m->net, n_state, 0);
    if (st != SW_OK) nn_model_free(m);
    return st;
}

void nn_model_free(nn_model *m) {
    nn_mem_free(m->net.mem_be, m->input);
    nn_mem_free(m->net.mem_be, m->target);
    nn_net_free(&m->net);
    free(m->impl);
    memset(m, 0, sizeof *m);
}

static sw_status plan(nn_model *m, int N, int H, int W, int alloc) {
    const int k = m->size_multiple;
    if (N < 1 || H < k || W < k || H % k || W % k)
        return sw_fail(SW_ERR_USAGE, "model %s: input %d x %d x %d: the batch must be >= 1 and "
                       "H, W positive multiples of %d", m->cfg.arch, N, H, W, k);
    /* The kernels (batch norm, the CUDA plugin's ABI) count a batch's pixels in an int. */
    const int64_t pixels = (int64_t)N * H * W;
    if (pixels > INT_MAX)
        return sw_fail(SW_ERR_USAGE, "model %s: a batch of %d x %d x %d is %lld pixels; the engine counts the pixels of a "
                       "batch in 32-bit integers (at most %d): use a smaller tile or batch", m->cfg.arch, N, H, W,
                       (long long)pixels, INT_MAX);
    nn_net_begin(&m->net, N, H, W);
    sw_status st = m->build(m, N, H, W);
    if (st == SW_OK) st = nn_net_end(&m->net, m->net.params.n_state, alloc);
    if (st != SW_OK || !alloc) return st;
    /* the staging buffers of the device-transparent helpers */
    const size_t P = (size_t)N * H * W;
    const size_t in_bytes = P * m->cfg.in_ch * sizeof(float);
    const size_t tg_bytes = m->task == NN_TASK_SEGMENT ? P : (size_t)N * m->cfg.classes * 4;
    if (in_bytes > m->input_cap) {
        nn_mem_free(m->net.mem_be, m->input);
        m->input_cap = 0;
        if (!(m->input = nn_mem_alloc(m->net.mem_be, in_bytes, "model input"))) return SW_ERR_RUNTIME;
        m->input_cap = in_bytes;
    }
    if (tg_bytes > m->target_cap) {
        nn_mem_free(m->net.mem_be, m->target);
        m->target_cap = 0;
        if (!(m->target = nn_mem_alloc(m->net.mem_be, tg_bytes, "model target"))) return SW_ERR_RUNTIME;
        m->target_cap = tg_bytes;
    }
    return SW_OK;
}

sw_status nn_model_prepare(nn_model *m, int N, int H, int W) { return plan(m, N, H, W, 1); }
sw_status nn_model_plan(nn_model *m, int N, int H, int W) { return plan(m, N, H, W, 0); }

/* splitmix64: a portable, seedable stream */
static unsigned long long mix(unsigned long long *s) {
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void init_host(nn_model *m, float *pm, float *bm, unsigned long long seed);

void nn_model_init_weights(nn_model *m, unsigned long long seed) {
    m->net.folded = 0;
    nn_param_set *ps = &m->net.params, *bs = &m->net.buffers;
    if (nn_backend_is_host(m->net.mem_be)) {
        init_host(m, ps->param_memory, bs->param_memory, seed);
        return;
    }
    /* a device model: the same values made on the host, then copied (errors: nn_model_status) */
    float *pm = calloc(ps->numel + 1, sizeof *pm), *bm = calloc(bs->numel + 1, sizeof *bm);
    if (pm && bm) {
        init_host(m, pm, bm, seed);
        nn_model_params_from_host(m, pm, bm);
    } else {
        sw_fail(SW_ERR_RUNTIME, "out of memory for the weight staging");
    }
    free(pm);
    free(bm);
}

/* the initialization into host arenas pm (params.numel) and bm (buffers.numel) */
static void init_host(nn_model *m, float *pm, float *bm, unsigned long long seed) {
    nn_param_set *ps = &m->net.params;
    unsigned long long s = seed;
    float fan_in = 1.0f;
    for (int i = 0; i < ps->count; i++) {
        const nn_tensor *t = &ps->params[i];
        float *w = pm + ps->offset[i];
        const size_t n = nn_tensor_numel(t);
        const char *nm = t->name;
        const size_t len = strlen(nm);
        const int is_bias = len > 5 && strcmp(nm + len - 5, ".bias") == 0;
        if (t->ndim >= 2) fan_in = (float)(n / (size_t)t->shape[0]);
        if (t->ndim == 1 && !is_bias) { /* BN gamma */
            for (size_t j = 0; j < n; j++) w[j] = 1.0f;
        } else if (t->ndim == 1 && i > 0 && ps->params[i - 1].ndim == 1) { /* BN beta */
            memset(w, 0, n * sizeof *w);
        } else {
            const float b = 1.0f / sqrtf(fan_in); /* bias: the fan-in of the weight before */
            for (size_t j = 0; j < n; j++)
                w[j] = b * (float)((double)(mix(&s) >> 11) * 0x1.0p-53 * 2.0 - 1.0);
        }
    }
    nn_param_set *bs = &m->net.buffers;
    for (int i = 0; i < bs->count; i++) {
        float *b = bm + bs->offset[i];
        const float v = strstr(bs->params[i].name, "running_var") ? 1.0f : 0.0f;
        for (size_t j = 0; j < nn_tensor_numel(&bs->params[i]); j++) b[j] = v;
    }
}

float *nn_model_forward(nn_model *m, const float *x) {
    m->net.input = x;
    m->forward(m, x);
    return nn_model_logits(m);
}

void nn_model_backward(nn_model *m) {
    /* A folded eval forward skipped the convolutions' own outputs, which the backward reads
     * (frozen batch norm): run the forward again without the fold, whose parameters are about
     * to change anyway. The forward writes the activation arena only: the loss's gradient
     * of the logits (gradient arena) stays. */
    if (!m->net.training && m->net.folded) {
        m->net.folded = 0;
        m->forward(m, m->net.input);
    }
    m->net.folded = 0;
    m->backward(m);
}

float *nn_model_logits(const nn_model *m) { return nn_net_a(&m->net, m->logits); }
float *nn_model_dlogits(const nn_model *m) { return nn_net_da(&m->net, m->logits); }

size_t nn_model_logits_count(const nn_model *m) {
    const nn_net *n = &m->net;
    return m->task == NN_TASK_SEGMENT
               ? (size_t)n->N * n->H * n->W * m->cfg.classes
               : (size_t)n->N * m->cfg.classes;
}

size_t nn_model_param_count(const nn_model *m) {
    size_t c = 0;
    for (int i = 0; i < m->net.params.count; i++) c += nn_tensor_numel(&m->net.params.params[i]);
    return c;
}

/* ---------------------------------------------------------------------------------------- */
/* device-transparent helpers */

static const nn_backend *mem(const nn_model *m) { return m->net.mem_be; }

float *nn_model_input(const nn_model *m) { return m->input; }

sw_status nn_model_set_input(nn_model *m, const float *x_host) {
    const nn_net *n = &m->net;
    if (!m->input) return sw_fail(SW_ERR_USAGE, "model %s: set_input before prepare", m->cfg.arch);
    return nn_act_upload(n->be, m->input, x_host, (size_t)n->N * n->H * n->W * m->cfg.in_ch);
}

sw_status nn_model_logits_to_host(const nn_model *m, float *dst) {
    return nn_act_download(m->net.be, dst, nn_model_logits(m), nn_model_logits_count(m));
}

sw_status nn_model_dlogits_from_host(nn_model *m, const float *src) {
    return nn_act_upload(m->net.be, nn_model_dlogits(m), src, nn_model_logits_count(m));
}

sw_status nn_model_loss(nn_model *m, const void *target_host, float *loss) {
    return nn_model_loss_scaled(m, target_host, 1.0f, loss);
}

sw_status nn_model_loss_scaled(nn_model *m, const void *target_host, float dloss, float *loss) {
    const nn_net *n = &m->net;
    const int K = m->cfg.classes;
    const int seg = m->task == NN_TASK_SEGMENT;
    const size_t P = seg ? (size_t)n->N * n->H * n->W : (size_t)n->N;
    if (!m->target) return sw_fail(SW_ERR_USAGE, "model %s: loss before prepare", m->cfg.arch);
    sw_status st = nn_mem_copy(mem(m), m->target, target_host, seg ? P : P * K * sizeof(float),
                               NN_COPY_H2D);
    if (st != SW_OK) return st;
    const nn_backend *be = n->be;
    if (seg)
        return nn_cross_entropy_be(loss, nn_model_dlogits(m), dloss, nn_model_logits(m),
                                   m->target, NULL, P, K, NN_IGNORE_INDEX, be);
    return nn_bce_logits_be(loss, nn_model_dlogits(m), dloss, nn_model_logits(m), m->target, P, K,
                            be);
}

sw_status nn_model_zero_grad(nn_model *m) {
    nn_param_set_zero_grad(&m->net.params);
    return nn_model_status(m);
}

sw_status nn_model_sgd_step(nn_model *m, float lr, float momentum, float weight_decay) {
    nn_param_set *ps = &m->net.params;
    m->net.folded = 0;
    if (momentum != 0.0f && ps->n_state < 1)
        return sw_fail(SW_ERR_USAGE, "model %s: SGD with momentum needs 1 optimizer buffer",
                       m->cfg.arch);
    return nn_sgd_update_be(ps->param_memory, ps->grad_memory, nn_param_set_state(ps, 0),
                            ps->numel, lr, momentum, weight_decay, m->net.be);
}

sw_status nn_model_adamw_step(nn_model *m, float lr, float beta1, float beta2, float eps,
                              float weight_decay, int step) {
    nn_param_set *ps = &m->net.params;
    m->net.folded = 0;
    if (ps->n_state < 2)
        return sw_fail(SW_ERR_USAGE, "model %s: AdamW needs 2 optimizer buffers", m->cfg.arch);
    return nn_adam_update_be(ps->param_memory, ps->grad_memory, nn_param_set_state(ps, 0),
                             nn_param_set_state(ps, 1), ps->numel, lr, beta1, beta2, eps,
                             weight_decay, step, 1, m->net.be);
}

sw_status nn_model_params_to_host(const nn_model *m, float *params, float *buffers) {
    sw_status st = nn_mem_copy(mem(m), params, m->net.params.param_memory,
                               m->net.params.numel * sizeof(float), NN_COPY_D2H);
    if (st == SW_OK && buffers)
        st = nn_mem_copy(mem(m), buffers, m->net.buffers.param_memory,
                         m->net.buffers.numel * sizeof(float), NN_COPY_D2H);
    return st;
}

sw_status nn_model_params_from_host(nn_model *m, const float *params, const float *buffers) {
    m->net.folded = 0;
    sw_status st = nn_mem_copy(mem(m), m->net.params.param_memory, params,
                               m->net.params.numel * sizeof(float), NN_COPY_H2D);
    if (st == SW_OK && buffers)
        st = nn_mem_copy(mem(m), m->net.buffers.param_memory, buffers,
                         m->net.buffers.numel * sizeof(float), NN_COPY_H2D);
    return st;
}

sw_status nn_model_status(const nn_model *m) {
    (void)m;
    if (nn_ops_error() != SW_OK)
        return sw_fail(nn_ops_error(), "%s", nn_ops_error_message());
    return SW_OK;
}

sw_status nn_model_fold_bn(nn_model *m) {
    nn_net *n = &m->net;
    m->net.folded = 0;
    if (n->err != SW_OK || !n->sealed)
        return sw_fail(SW_ERR_USAGE, "model %s: fold before a complete build", m->cfg.arch);
    if (!n->nfolds) return SW_OK;
    const int host = nn_backend_is_host(n->mem_be);
    const size_t pn = n->params.numel, bn = n->buffers.numel;
    float *p = host ? n->params.param_memory : malloc(pn * sizeof *p);
    float *b = host ? n->buffers.param_memory : malloc((bn ? bn : 1) * sizeof *b);
    float *f = malloc(n->fold_numel * sizeof *f);
    sw_status st = p && b && f ? SW_OK : sw_fail(SW_ERR_RUNTIME, "model %s: out of memory for the folded weights", m->cfg.arch);
    if (!st && !host) st = nn_model_params_to_host(m, p, b);
    for (int i = 0; !st && i < n->nfolds; i++) {
        const nn_fold_pair *q = &n->folds[i];
        const float *w = p + n->params.offset[q->w], *bias = q->b >= 0 ? p + n->params.offset[q->b] : NULL;
        const float *g = p + n->params.offset[q->g], *beta = p + n->params.offset[q->beta];
        const float *mean = b + n->buffers.offset[q->rm], *var = b + n->buffers.offset[q->rv];
        for (int k = 0; k < q->K; k++) {
            const double s = (double)g[k] / sqrt((double)var[k] + (double)n->bn_eps);
            for (size_t j = 0; j < q->per_k; j++)
                f[q->fw + (size_t)k * q->per_k + j] = (float)((double)w[(size_t)k * q->per_k + j] * s);
            f[q->fb + k] = (float)(((bias ? (double)bias[k] : 0.0) - (double)mean[k]) * s + (double)beta[k]);
        }
    }
    if (!st && n->fold_numel > n->fold_cap) {
        nn_mem_free(n->mem_be, n->fold);
        n->fold_cap = 0;
        if (!(n->fold = nn_mem_alloc(n->mem_be, n->fold_numel * sizeof(float), "folded weights")))
            st = SW_ERR_RUNTIME;
        else
            n->fold_cap = n->fold_numel;
    }
    if (!st) st = nn_mem_copy(n->mem_be, n->fold, f, n->fold_numel * sizeof *f, NN_COPY_H2D);
    if (!host) free(p), free(b);
    free(f);
    if (!st) n->folded = 1;
    return st;
}
