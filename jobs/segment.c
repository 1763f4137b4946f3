/* The segment job: a trained segmentation model (model.h5 from `swath train`, e.g. seed 002's
 * ResNet encoder-decoder or a UNet) over every tile. A tile is normalized with the model's
 * per-channel mean and std (invalid pixels get the mean, i.e. 0 after normalization), padded to
 * a multiple of the model's size step, run in eval mode (batch-norm running statistics), and its
 * softmax probabilities become one score plane per class (0..255, background included); the
 * reducer blends overlapping tiles and takes the argmax (job->argmax). Class names come from the
 * model. With --device auto or cuda the model runs on the rank's GPU (the CUDA backend, in the
 * arithmetic of --precision): the tile goes up, the softmax runs there too and the
 * probabilities come back (the host's share of a tile was most of its time: double-precision
 * exponentials). Batch norm is folded into the convolution before it (nn_model_fold_bn). */
#include "jobs/job.h"

#include "io/checkpoint.h"
#include "src/core/log.h"
#include "src/nn/models/model.h"
#include "src/nn/ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nn_model m;
    sw_ckpt_meta meta;
    int H, W;          /* the prepared input size (padded) */
    float *x, *prob;   /* (H,W,C) input, (H,W,K) probabilities */
    float *dprob;      /* (H,W,K) probabilities in a device model's memory (NULL on the CPU) */
    size_t cap;
} seg_ctx;

static sw_status need_model(const sw_job_params *p) {
    if (!p || !p->model || !p->model[0])
        return sw_fail(SW_ERR_USAGE, "the segment job needs --model FILE (a model.h5 from swath train)");
    return SW_OK;
}

/* The backend of --device: the rank's GPU in the --precision / --deterministic mode, or NULL for
 * the CPU (auto says once why). */
static sw_status pick_device(const sw_job_params *p, const nn_backend **be) {
    static int said;
    const char *device = p->device;
    *be = NULL;
    if (device && !strcmp(device, "cpu")) return SW_OK;
    *be = nn_backend_cuda(-1);
    const int math = nn_cuda_math_parse(p->precision ? p->precision : "f32");
    if (*be && nn_backend_cuda_set_mode(*be, math < 0 ? NN_CUDA_F32 : (nn_cuda_math)math, p->deterministic))
        return sw_fail_ctx(SW_ERR_RUNTIME, "--precision %s", p->precision);
    if (*be) return SW_OK;
    /* asked for what this machine does not have: a usage error, as in swath train */
    if (device && !strcmp(device, "cuda")) return sw_fail_ctx(SW_ERR_USAGE, "--device cuda");
    if (!said++) sw_log(1, "segment: no GPU (%s): running the model on the CPU", sw_errmsg());
    sw_err_clear();
    return SW_OK;
}

/* The model's classes become the job's planes; its input channels the bands read. */
static sw_status seg_configure(sw_job_kind *k, const sw_job_params *p) {
    sw_status st = need_model(p);
    if (st) return st;
    const nn_backend *be;
    if ((st = pick_device(p, &be))) return st;   /* --device cuda without a GPU: fail now */
    sw_ckpt_meta meta;
    if ((st = sw_checkpoint_read_meta(p->model, &meta))) return st;
    if (!strstr(meta.cfg.arch, "seg") && strcmp(meta.cfg.arch, "unet"))
        st = sw_fail(SW_ERR_INPUT, "model '%s' is a %s (a classifier): the segment job needs a segmentation model",
                     p->model, meta.cfg.arch);
    else if (meta.cfg.classes < 2 || meta.cfg.classes > SW_JOB_MAX_CLASSES)
        st = sw_fail(SW_ERR_INPUT, "model '%s' has %d classes; the segment job handles 2 to %d", p->model,
                     meta.cfg.classes, SW_JOB_MAX_CLASSES);
    else if (meta.cfg.in_ch < 1 || meta.cfg.in_ch > SW_CKPT_MAX_CH)
        st = sw_fail(SW_ERR_INPUT, "model '%s' takes %d input channels", p->model, meta.cfg.in_ch);
    if (!st) {
        k->nclasses = meta.cfg.classes;
        k->nbands = meta.cfg.in_ch;
        int known = meta.cfg.in_ch <= (int)(sizeof k->bands / sizeof k->bands[0]);
        for (int c = 0; known && c < meta.cfg.in_ch; c++) known = meta.bands[c] > 0;
        for (int c = 0; known && c < meta.cfg.in_ch; c++) k->bands[c] = meta.bands[c];
        for (int c = 0; c < meta.cfg.classes; c++) {
            k->classes[c] = (uint8_t)c;
            if (meta.class_names) snprintf(k->class_names[c], SW_JOB_CLASS_NAME, "%s", meta.class_names[c]);
            else snprintf(k->class_names[c], SW_JOB_CLASS_NAME, c ? "class_%d" : "background", c);
        }
    }
    sw_ckpt_meta_free(&meta);
    return st;
}

static void seg_free(void *ctx) {
    seg_ctx *s = ctx;
    if (!s) return;
    sw_ckpt_meta_free(&s->meta);
    if (s->dprob) nn_mem_free(s->m.net.mem_be, s->dprob);
    free(s->x), free(s->prob);
    nn_model_free(&s->m);
    free(s);
}

/* Loads the weights: straight into a CPU model; through a host model for a device one. */
static sw_status load_model(seg_ctx *s, const char *path, const nn_backend *be) {
    sw_status st;
    if (!be) {
        if ((st = nn_model_create(&s->m, &s->meta.cfg, 0))) return st;
        return sw_checkpoint_load(path, &s->m, 0);
    }
    nn_model host;
    if ((st = nn_model_create(&host, &s->meta.cfg, 0))) return st;
    if (!(st = sw_checkpoint_load(path, &host, 0)) && !(st = nn_model_create_on(&s->m, &s->meta.cfg, 0, be)))
        st = nn_model_params_from_host(&s->m, host.net.params.param_memory, host.net.buffers.param_memory);
    nn_model_free(&host);
    return st;
}

static sw_status seg_init(void **ctx, const sw_job_params *p) {
    sw_status st = need_model(p);
    if (st) return st;
    seg_ctx *s = sw_calloc(1, sizeof *s, "the segment job");
    if (!s) return SW_ERR_RUNTIME;
    const nn_backend *be = NULL;
    if (!(st = sw_checkpoint_read_meta(p->model, &s->meta)) && !(st = pick_device(p, &be)))
        st = load_model(s, p->model, be);
    /* inference only: batch norm folded into the convolutions (SWATH_FOLD_BN=0: the plain
     * conv, BN, ReLU passes, for comparison) */
    const char *fold = getenv("SWATH_FOLD_BN");
    if (!st && !(fold && !strcmp(fold, "0"))) st = nn_model_fold_bn(&s->m);
    if (!st) {
        nn_model_train(&s->m, 0);
        for (int c = 0; c < s->meta.cfg.in_ch; c++)
            if (!(s->meta.std[c] > 0.0f)) s->meta.std[c] = 1.0f;   /* a model saved without statistics */
        *ctx = s;
        return SW_OK;
    }
    seg_free(s);
    return sw_fail_ctx(st, "loading the segment model");
}

/* Prepares the model and buffers for a padded (H, W). */
static sw_status prepare(seg_ctx *s, int H, int W) {
    if (H == s->H && W == s->W) return SW_OK;
    s->H = s->W = 0; /* until this one is ready: a failure here leaves no half-prepared size */
    size_t n = (size_t)H * W, C = (size_t)s->meta.cfg.in_ch, K = (size_t)s->meta.cfg.classes;
    if (n > s->cap) {
        const nn_backend *mem = s->m.net.mem_be;
        free(s->x), free(s->prob);
        if (s->dprob) nn_mem_free(mem, s->dprob);
        s->dprob = NULL;
        s->x = sw_malloc(n * C * sizeof *s->x, "a tile's model input");
        s->prob = sw_malloc(n * K * sizeof *s->prob, "a tile's probabilities");
        if (!nn_backend_is_host(mem))
            s->dprob = nn_mem_alloc(mem, n * K * sizeof *s->prob, "a tile's probabilities");
        s->cap = s->x && s->prob && (s->dprob || nn_backend_is_host(mem)) ? n : 0;
        if (!s->cap) return SW_ERR_RUNTIME;
    }
    sw_status st = nn_model_prepare(&s->m, 1, H, W);
    if (st) return st;
    s->H = H, s->W = W;
    return SW_OK;
}

static sw_status seg_process(void *ctx, uint8_t *scores, const uint8_t *pix, const uint8_t *valid, int w, int h) {
    seg_ctx *s = ctx;
    const int C = s->meta.cfg.in_ch, K = s->meta.cfg.classes, k = s->m.size_multiple;
    const int H = (h + k - 1) / k * k, W = (w + k - 1) / k * k;
    sw_status st = prepare(s, H, W);
    if (st) return st;
    float *x = s->x;
    memset(x, 0, (size_t)H * W * C * sizeof *x);   /* padding and invalid pixels: the mean */
#pragma omp parallel for schedule(static)
    for (int y = 0; y < h; y++)
        for (int i = 0; i < w; i++) {
            size_t q = (size_t)y * w + i;
            if (!valid[q]) continue;
            float *o = x + ((size_t)y * W + i) * C;
            for (int c = 0; c < C; c++) o[c] = ((float)pix[q * C + c] - s->meta.mean[c]) / s->meta.std[c];
        }
    if ((st = nn_model_set_input(&s->m, x))) return st;
    const float *logits = nn_model_forward(&s->m, nn_model_input(&s->m));
    const size_t P = (size_t)H * W;
    if (!nn_backend_is_host(s->m.net.mem_be)) { /* the softmax on the device, probabilities back */
        nn_softmax_forward_be(s->dprob, logits, P, K, s->m.net.be);
        if ((st = nn_model_status(&s->m)) ||
            (st = nn_act_download(s->m.net.be, s->prob, s->dprob, P * K)))
            return st;
    } else {
        if ((st = nn_model_status(&s->m))) return st;
        nn_softmax_forward(s->prob, logits, P, K);
    }
    size_t n = (size_t)w * h;
#pragma omp parallel for schedule(static)
    for (int y = 0; y < h; y++)
        for (int i = 0; i < w; i++) {
            const float *pr = s->prob + ((size_t)y * W + i) * K;
            for (int c = 0; c < K; c++) scores[(size_t)c * n + (size_t)y * w + i] = (uint8_t)lrintf(pr[c] * 255.0f);
        }
    return SW_OK;
}

const sw_job_kind sw_job_segment = {
    .name = "segment",
    .nclasses = 2,
    .classes = {0, 1},
    .nbands = 3,
    .argmax = 1,
    .configure = seg_configure,
    .init = seg_init,
    .free = seg_free,
    .process = seg_process,
    .postprocess_block = NULL,
};
