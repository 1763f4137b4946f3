/* Model handle: configuration, creation, preparation and the generic step (see model.h). */
#include "src/nn/models/model.h"

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
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
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
    nn_net_free(&m->net);
    free(m->impl);
    memset(m, 0, sizeof *m);
}

static sw_status plan(nn_model *m, int N, int H, int W, int alloc) {
    const int k = m->size_multiple;
    if (N < 1 || H < k || W < k || H % k || W % k)
        return sw_fail(SW_ERR_USAGE, "model %s: input %d x %d x %d: the batch must be >= 1 and "
                       "H, W positive multiples of %d", m->cfg.arch, N, H, W, k);
    nn_net_begin(&m->net, N, H, W);
    sw_status st = m->build(m, N, H, W);
    if (st == SW_OK) st = nn_net_end(&m->net, m->net.params.n_state, alloc);
    return st;
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

void nn_model_init_weights(nn_model *m, unsigned long long seed) {
    nn_param_set *ps = &m->net.params;
    unsigned long long s = seed;
    float fan_in = 1.0f;
    for (int i = 0; i < ps->count; i++) {
        const nn_tensor *t = &ps->params[i];
        float *w = t->data;
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
        float *b = bs->params[i].data;
        const float v = strstr(bs->params[i].name, "running_var") ? 1.0f : 0.0f;
        for (size_t j = 0; j < nn_tensor_numel(&bs->params[i]); j++) b[j] = v;
    }
}

float *nn_model_forward(nn_model *m, const float *x) {
    m->net.input = x;
    m->forward(m, x);
    return nn_model_logits(m);
}

void nn_model_backward(nn_model *m) { m->backward(m); }

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
