/* The inference loop of `swath eval --chips` (see chips_eval.h). */
#include "src/metrics/chips_eval.h"

#include "io/checkpoint.h"
#include "src/core/log.h"
#include "src/nn/models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sw_chips_eval_result_free(sw_chips_eval_result *r) {
    sw_mconf_free(&r->conf);
    sw_mlabel_free(&r->ml);
    free(r->names);
    r->names = NULL;
}

/* Checks that the model fits the chips: channels, classes. */
static sw_status check_fit(const sw_chips_eval_opts *o, const sw_chips_info *ci, const sw_ckpt_meta *meta) {
    if (meta->cfg.in_ch != ci->channels)
        return sw_fail(SW_ERR_INPUT, "the chips '%s' have %d channels but the model '%s' takes %d (in_ch): build the "
                       "chips with the model's bands, or train a model on these chips", o->chips, ci->channels,
                       o->model, meta->cfg.in_ch);
    if (meta->cfg.classes != ci->classes)
        return sw_fail(SW_ERR_INPUT, "the chips '%s' have %d classes but the model '%s' predicts %d", o->chips,
                       ci->classes, o->model, meta->cfg.classes);
    return SW_OK;
}

sw_status sw_chips_eval(const sw_chips_eval_opts *o, sw_chips_eval_result *r) {
    memset(r, 0, sizeof *r);
    sw_chips *c = NULL;
    sw_ckpt_meta meta;
    memset(&meta, 0, sizeof meta);
    nn_model m;
    int have_model = 0;
    float *x = NULL;
    uint8_t *img = NULL, *mask = NULL, *lab = NULL, *pred = NULL, *plab = NULL;
    sw_status st = sw_chips_open(o->chips, &c);
    if (!st) st = sw_checkpoint_read_meta(o->model, &meta);
    const sw_chips_info *ci = c ? sw_chips_get_info(c) : NULL;
    if (!st) st = check_fit(o, ci, &meta);
    if (!st && !(st = nn_model_create(&m, &meta.cfg, 0))) have_model = 1;
    if (!st) st = sw_checkpoint_load(o->model, &m, 0);
    if (st) goto done;
    const int K = ci->classes, C = ci->channels, TH = ci->tile_h, TW = ci->tile_w, mult = m.size_multiple > 0 ? m.size_multiple : 1;
    r->K = K;
    r->classify = m.task == NN_TASK_CLASSIFY;
    snprintf(r->arch, sizeof r->arch, "%s", meta.cfg.arch);
    r->crop_h = TH / mult * mult, r->crop_w = TW / mult * mult;
    if (r->crop_h < 1 || r->crop_w < 1) {
        st = sw_fail(SW_ERR_INPUT, "the chips '%s' (%d x %d) are smaller than the model '%s' needs (multiples of %d)",
                     o->chips, TH, TW, o->model, mult);
        goto done;
    }
    r->names = malloc((size_t)K * SW_CHIPS_CLASS_NAME);
    if (!r->names) {
        st = sw_fail(SW_ERR_RUNTIME, "out of memory");
        goto done;
    }
    memcpy(r->names, ci->class_names, (size_t)K * SW_CHIPS_CLASS_NAME);
    if (!r->classify && (st = sw_mconf_init(&r->conf, K))) goto done;
    if ((st = sw_mlabel_init(&r->ml, K > 1 ? K - 1 : 1))) goto done;
    const float *mean = ci->mean, *sd = ci->std;
    int model_norm = 0;
    for (int ch = 0; ch < C; ch++) model_norm |= meta.std[ch] != 0;
    if (model_norm && !o->norm_from_chips) mean = meta.mean, sd = meta.std;
    const int B = o->batch > 0 ? o->batch : 8, H = r->crop_h, W = r->crop_w, y0 = (TH - H) / 2, x0 = (TW - W) / 2;
    long long n = ci->count[o->split];
    if (n == 0) { /* a table of "-" and exit 0 would read as a scored model */
        st = sw_fail(SW_ERR_INPUT, "'%s': the %s split holds no chips (nothing to score; built with --val 0? "
                     "try --split %s)", o->chips, o->split == SW_SPLIT_VAL ? "val" : "train",
                     o->split == SW_SPLIT_VAL ? "train" : "val");
        goto done;
    }
    if (o->limit > 0 && o->limit < n) n = o->limit;
    x = malloc((size_t)B * H * W * C * sizeof *x);
    img = malloc((size_t)TH * TW * C);
    mask = malloc((size_t)B * TH * TW);
    lab = malloc((size_t)B * K);
    pred = malloc((size_t)H * W);
    plab = malloc((size_t)K);
    if (!x || !img || !mask || !lab || !pred || !plab) {
        st = sw_fail(SW_ERR_RUNTIME, "out of memory for a batch of %d chips", B);
        goto done;
    }
    nn_model_train(&m, 0);
    float inv[SW_CHIPS_MAX_CH];
    for (int ch = 0; ch < C; ch++) inv[ch] = sd[ch] != 0 ? 1.0f / sd[ch] : 1.0f;
    sw_progress prog;
    sw_progress_init(&prog, "eval", n);
    for (long long b0 = 0; b0 < n && !st; b0 += B) {
        const int nb = (int)(n - b0 < B ? n - b0 : B);
        for (int i = 0; i < nb && !st; i++) {
            st = sw_chips_read(c, o->split, b0 + i, img, mask + (size_t)i * TH * TW, lab + (size_t)i * K);
            for (int y = 0; !st && y < H; y++)
                for (int xx = 0; xx < W; xx++)
                    for (int ch = 0; ch < C; ch++)
                        x[(((size_t)i * H + y) * W + xx) * C + ch] =
                            ((float)img[((size_t)(y + y0) * TW + xx + x0) * C + ch] - mean[ch]) * inv[ch];
        }
        if (st || (st = nn_model_prepare(&m, nb, H, W))) break;
        const float *logits = nn_model_forward(&m, x);
        for (int i = 0; i < nb; i++) {
            const uint8_t *tm = mask + (size_t)i * TH * TW;
            if (r->classify) {
                const float *l = logits + (size_t)i * K;
                for (int k = 0; k < K; k++) plab[k] = l[k] > 0;
            } else {
                memset(plab, 0, (size_t)K);
                for (int y = 0; y < H; y++)
                    for (int xx = 0; xx < W; xx++) {
                        const float *l = logits + (((size_t)i * H + y) * W + xx) * K;
                        int best = 0;
                        for (int k = 1; k < K; k++)
                            if (l[k] > l[best]) best = k;
                        pred[(size_t)y * W + xx] = (uint8_t)best;
                        if (tm[(size_t)(y + y0) * TW + xx + x0] != 255) plab[best] = 1;
                    }
                for (int y = 0; y < H; y++)
                    sw_mconf_add(&r->conf, tm + (size_t)(y + y0) * TW + x0, pred + (size_t)y * W, W);
                /* the truth labels of the scored (cropped) area */
                uint8_t *tl = lab + (size_t)i * K;
                memset(tl, 0, (size_t)K);
                for (int y = 0; y < H; y++)
                    for (int xx = 0; xx < W; xx++) {
                        uint8_t t = tm[(size_t)(y + y0) * TW + xx + x0];
                        if (t < K) tl[t] = 1;
                    }
            }
            if (K > 1) sw_mlabel_add(&r->ml, lab + (size_t)i * K + 1, plab + 1);
            else sw_mlabel_add(&r->ml, lab + (size_t)i * K, plab);
        }
        r->chips += nb;
        sw_progress_add(&prog, nb);
    }
    sw_progress_finish(&prog);
done:
    free(x), free(img), free(mask), free(lab), free(pred), free(plab);
    if (have_model) nn_model_free(&m);
    sw_ckpt_meta_free(&meta);
    sw_chips_close(c);
    if (st) sw_chips_eval_result_free(r);
    return st;
}
