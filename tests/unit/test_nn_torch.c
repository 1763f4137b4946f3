/* The engine against PyTorch (llm.c's test_gpt2.c in spirit): loads the dump of
 * tests/ref/nn_ref.py (torch in f64 from f32 inputs), runs every op and loss forward and
 * backward on every CPU backend, the optimizers and schedules, and a 10-step training run of a
 * tiny conv net with SGD and with AdamW; prints the first values side by side and the max
 * difference of every tensor, one final verdict, exit 1 on any failure, 77 (skip) when the dump
 * is absent (no torch). Tolerance: max|ours - torch| <= TOL * max(1, max|torch|).
 * Usage: test_nn_torch [nn_ref.bin] [-q: only failures and verdicts] */
#include "src/core/log.h"
#include "src/nn/loss.h"
#include "src/nn/ops.h"
#include "src/nn/optim.h"
#include "src/nn/tensor.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REF_VERSION = 1, MAX_TENSORS = 16, SHOW = 3 };
static const double TOL = 1e-4, TOL_TRAJ = 1e-4;

enum { K_CONV = 1, K_DECONV = 2, K_BN_TRAIN = 3, K_BN_EVAL = 4, K_MAXPOOL = 5, K_AVGPOOL = 6,
       K_RELU = 7, K_LEAKY = 8, K_SIGMOID = 9, K_NEAREST = 10, K_BILINEAR = 11, K_CONCAT = 12,
       K_ADD = 13, K_GAP = 14, K_LINEAR = 15, K_SOFTMAX = 16, K_CE = 20, K_BCE = 21,
       K_FOCAL = 22, K_DICE = 23, K_IOU = 24, K_OPTIM = 30, K_SCHED = 31, K_TRAJ = 40 };

typedef struct {
    char name[64];
    int ndim, dims[8];
    size_t n;
    float *data;
} ref_tensor;

typedef struct {
    char name[128];
    int kind, ip[16];
    float fp[8];
    int nt;
    ref_tensor t[MAX_TENSORS];
} ref_case;

static FILE *ref;
static const char *ref_path;
static int verbose = 1;
static double worst_overall = 0.0;

/* ---------------------------------------------------------------------------------------- */
/* checked helpers */

static void *xmalloc(size_t n) {
    void *p = calloc(n ? n : 1, 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static void read_exact(void *buf, size_t n) {
    if (n && fread(buf, 1, n, ref) != n) {
        fprintf(stderr, "%s: truncated reference file (regenerate it with tests/ref/nn_ref.py)\n",
                ref_path);
        exit(1);
    }
}

static int32_t read_i32(void) {
    int32_t v;
    read_exact(&v, 4);
    return v;
}

static void read_name(char *dst, size_t cap) {
    int32_t len = read_i32();
    if (len < 0 || (size_t)len >= cap) {
        fprintf(stderr, "%s: corrupt name length %d\n", ref_path, len);
        exit(1);
    }
    read_exact(dst, (size_t)len);
    dst[len] = 0;
}

static void case_read(ref_case *c) {
    memset(c, 0, sizeof *c);
    read_name(c->name, sizeof c->name);
    c->kind = read_i32();
    read_exact(c->ip, sizeof c->ip);
    read_exact(c->fp, sizeof c->fp);
    c->nt = read_i32();
    if (c->nt < 0 || c->nt > MAX_TENSORS) {
        fprintf(stderr, "%s: %s: corrupt tensor count %d\n", ref_path, c->name, c->nt);
        exit(1);
    }
    for (int i = 0; i < c->nt; i++) {
        ref_tensor *t = &c->t[i];
        read_name(t->name, sizeof t->name);
        t->ndim = read_i32();
        if (t->ndim < 0 || t->ndim > 8) {
            fprintf(stderr, "%s: %s: corrupt ndim\n", ref_path, c->name);
            exit(1);
        }
        t->n = 1;
        for (int d = 0; d < t->ndim; d++) t->n *= (size_t)(t->dims[d] = read_i32());
        t->data = xmalloc(t->n * sizeof(float));
        read_exact(t->data, t->n * sizeof(float));
    }
}

static void case_free(ref_case *c) {
    for (int i = 0; i < c->nt; i++) free(c->t[i].data);
}

static ref_tensor *get(ref_case *c, const char *name) {
    for (int i = 0; i < c->nt; i++)
        if (strcmp(c->t[i].name, name) == 0) return &c->t[i];
    fprintf(stderr, "%s: case %s has no tensor %s (regenerate the dump)\n", ref_path, c->name,
            name);
    exit(1);
}

static float *dup_of(ref_case *c, const char *name) {
    ref_tensor *t = get(c, name);
    float *p = xmalloc(t->n * sizeof *p);
    memcpy(p, t->data, t->n * sizeof *p);
    return p;
}

static uint8_t *labels_of(ref_case *c, const char *name) {
    ref_tensor *t = get(c, name);
    uint8_t *p = xmalloc(t->n);
    for (size_t i = 0; i < t->n; i++) p[i] = (uint8_t)t->data[i];
    return p;
}

/* Compares n values with the reference tensor; prints one line (first values side by side,
 * max difference); returns 1 when within tol * max(1, max|expected|). */
static int check(const char *what, const float *got, const float *exp, size_t n, double tol) {
    double md = 0.0, mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)got[i] - exp[i]);
        md = d > md || isnan(d) ? d : md;
        mx = fabs(exp[i]) > mx ? fabs(exp[i]) : mx;
    }
    const double scaled = md / (mx > 1.0 ? mx : 1.0);
    const int ok = scaled <= tol && !isnan(md);
    if (scaled > worst_overall || isnan(md)) worst_overall = isnan(md) ? INFINITY : scaled;
    if (verbose || !ok) {
        printf("    %-18s %s maxdiff %.2e (scaled %.2e) first:", what, ok ? "OK " : "BAD", md,
               scaled);
        for (size_t i = 0; i < n && i < SHOW; i++) printf(" %.6f/%.6f", got[i], exp[i]);
        printf("\n");
    }
    return ok;
}

static int check_t(ref_case *c, const char *name, const float *got) {
    ref_tensor *t = get(c, name);
    return check(name, got, t->data, t->n, TOL);
}

/* ---------------------------------------------------------------------------------------- */
/* op cases: returns 1 when everything matched, and the worst scaled difference via *worst */

static int run_conv(ref_case *c, const nn_backend *be) {
    const int *p = c->ip;
    nn_conv2d_desc d;
    sw_status st = c->kind == K_CONV
                       ? nn_conv2d_desc_init(&d, p[0], p[1], p[2], p[3], p[4], p[5], p[5], p[6],
                                             p[7], p[8], p[9])
                       : nn_conv_transpose2d_desc_init(&d, p[0], p[1], p[2], p[3], p[4], p[5],
                                                       p[5], p[6], p[7], p[8], p[9], p[11]);
    if (st != SW_OK) {
        printf("    bad geometry: %s\n", sw_errmsg());
        return 0;
    }
    const int bias = p[10];
    ref_tensor *tin = get(c, "inp"), *tw = get(c, "weight"), *tout = get(c, "out");
    float *out = xmalloc(tout->n * 4), *dinp = xmalloc(tin->n * 4), *dw = xmalloc(tw->n * 4);
    float *db = xmalloc((size_t)d.K * 4);
    const float *b = bias ? get(c, "bias")->data : NULL;
    if (c->kind == K_CONV) {
        nn_conv2d_forward(out, tin->data, tw->data, b, &d, be);
        nn_conv2d_backward(dinp, dw, bias ? db : NULL, get(c, "dout")->data, tin->data, tw->data,
                           &d, be);
    } else {
        nn_conv_transpose2d_forward(out, tin->data, tw->data, b, &d, be);
        nn_conv_transpose2d_backward(dinp, dw, bias ? db : NULL, get(c, "dout")->data,
                                     tin->data, tw->data, &d, be);
    }
    int ok = check_t(c, "out", out) & check_t(c, "dinp", dinp) & check_t(c, "dweight", dw) &
             check_t(c, "dbias", db);
    free(out), free(dinp), free(dw), free(db);
    return ok;
}

static int run_bn(ref_case *c, const nn_backend *be) {
    const int P = c->ip[0], C = c->ip[1], training = c->kind == K_BN_TRAIN;
    ref_tensor *tin = get(c, "inp");
    float *out = xmalloc(tin->n * 4), *dinp = xmalloc(tin->n * 4);
    float *mean = xmalloc((size_t)C * 4), *var = xmalloc((size_t)C * 4);
    float *dg = xmalloc((size_t)C * 4), *dbt = xmalloc((size_t)C * 4);
    float *rm = dup_of(c, "running_mean"), *rv = dup_of(c, "running_var");
    nn_batchnorm_forward(out, mean, var, rm, rv, tin->data, get(c, "gamma")->data,
                         get(c, "beta")->data, P, C, c->fp[0], c->fp[1], training, be);
    int ok = check_t(c, "out", out);
    if (training) {
        nn_batchnorm_backward(dinp, dg, dbt, get(c, "dout")->data, tin->data,
                              get(c, "gamma")->data, mean, var, P, C, c->fp[1], be);
        ok &= check_t(c, "dinp", dinp) & check_t(c, "dgamma", dg) & check_t(c, "dbeta", dbt) &
              check_t(c, "running_mean_after", rm) & check_t(c, "running_var_after", rv);
    } else {
        nn_batchnorm_frozen_backward(dinp, dg, dbt, get(c, "dout")->data, tin->data,
                                     get(c, "gamma")->data, rm, rv, P, C, c->fp[1]);
        ok &= check_t(c, "dinp", dinp) & check_t(c, "dgamma", dg) & check_t(c, "dbeta", dbt);
    }
    free(out), free(dinp), free(mean), free(var), free(dg), free(dbt), free(rm), free(rv);
    return ok;
}

static int run_pool(ref_case *c, const nn_backend *be) {
    const int *p = c->ip;
    nn_pool2d_desc d;
    nn_pool2d_desc_init(&d, p[0], p[1], p[2], p[3], p[4], p[4], p[5], p[6]);
    ref_tensor *tin = get(c, "inp"), *tout = get(c, "out");
    float *out = xmalloc(tout->n * 4), *dinp = xmalloc(tin->n * 4);
    const float *dout = get(c, "dout")->data;
    if (c->kind == K_MAXPOOL) {
        nn_maxpool_forward(out, tin->data, &d, be);
        nn_maxpool_backward(dinp, dout, tin->data, &d, be);
    } else {
        nn_avgpool_forward(out, tin->data, &d, be);
        nn_avgpool_backward(dinp, dout, &d, be);
    }
    int ok = check_t(c, "out", out) & check_t(c, "dinp", dinp);
    free(out), free(dinp);
    return ok;
}

/* Ops without a backend entry (the reference serves all CPU backends). */
static int run_misc(ref_case *c) {
    const int *p = c->ip;
    ref_tensor *tout = get(c, "out");
    float *out = xmalloc(tout->n * 4);
    const float *dout = get(c, "dout")->data;
    int ok = 1;
    if (c->kind == K_CONCAT || c->kind == K_ADD) {
        ref_tensor *ta = get(c, "a"), *tb = get(c, "b");
        float *da = xmalloc(ta->n * 4), *db = xmalloc(tb->n * 4);
        if (c->kind == K_CONCAT) {
            nn_concat_forward(out, ta->data, tb->data, p[0], p[1], p[2]);
            nn_concat_backward(da, db, dout, p[0], p[1], p[2]);
        } else {
            nn_add_forward(out, ta->data, tb->data, p[0]);
            nn_add_backward(da, db, dout, p[0]);
        }
        ok = check_t(c, "out", out) & check_t(c, "da", da) & check_t(c, "db", db);
        free(da), free(db);
        free(out);
        return ok;
    }
    ref_tensor *tin = get(c, "inp");
    float *dinp = xmalloc(tin->n * 4);
    float *dw = NULL, *db = NULL;
    switch (c->kind) {
    case K_RELU:
        nn_relu_forward(out, tin->data, tin->n);
        nn_relu_backward(dinp, dout, tin->data, tin->n);
        break;
    case K_LEAKY:
        nn_leaky_relu_forward(out, tin->data, tin->n, c->fp[0]);
        nn_leaky_relu_backward(dinp, dout, tin->data, tin->n, c->fp[0]);
        break;
    case K_SIGMOID:
        nn_sigmoid_forward(out, tin->data, tin->n);
        nn_sigmoid_backward(dinp, dout, out, tin->n);
        break;
    case K_NEAREST:
        nn_upsample_nearest_forward(out, tin->data, p[0], p[1], p[2], p[3], p[4], p[5]);
        nn_upsample_nearest_backward(dinp, dout, p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case K_BILINEAR:
        nn_upsample_bilinear_forward(out, tin->data, p[0], p[1], p[2], p[3], p[4], p[5]);
        nn_upsample_bilinear_backward(dinp, dout, p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case K_GAP:
        nn_global_avgpool_forward(out, tin->data, p[0], p[1], p[2]);
        nn_global_avgpool_backward(dinp, dout, p[0], p[1], p[2]);
        break;
    case K_LINEAR:
        dw = xmalloc(get(c, "weight")->n * 4);
        db = xmalloc((size_t)p[2] * 4);
        nn_linear_forward(out, tin->data, get(c, "weight")->data, get(c, "bias")->data, p[0],
                          p[1], p[2]);
        nn_linear_backward(dinp, dw, db, dout, tin->data, get(c, "weight")->data, p[0], p[1],
                           p[2]);
        ok &= check_t(c, "dweight", dw) & check_t(c, "dbias", db);
        break;
    case K_SOFTMAX:
        nn_softmax_forward(out, tin->data, p[0], p[1]);
        nn_softmax_backward(dinp, dout, out, p[0], p[1]);
        break;
    }
    ok &= check_t(c, "out", out) & check_t(c, "dinp", dinp);
    free(out), free(dinp), free(dw), free(db);
    return ok;
}

static int run_loss(ref_case *c) {
    const int P = c->ip[0], K = c->ip[1];
    ref_tensor *tz = get(c, "logits");
    float *dz = xmalloc(tz->n * 4), loss = 0.0f;
    if (c->kind == K_BCE) {
        const float *t = get(c, "target")->data;
        loss = nn_bce_logits_forward(tz->data, t, P, K);
        nn_bce_logits_backward(dz, 1.0f, tz->data, t, P, K);
    } else {
        uint8_t *y = labels_of(c, "target");
        const float *w = get(c, "class_weight")->data;
        const float f = c->fp[0];
        switch (c->kind) {
        case K_CE:
            loss = nn_cross_entropy_forward(tz->data, y, w, P, K, NN_IGNORE_INDEX);
            nn_cross_entropy_backward(dz, 1.0f, tz->data, y, w, P, K, NN_IGNORE_INDEX);
            break;
        case K_FOCAL:
            loss = nn_focal_forward(tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            nn_focal_backward(dz, 1.0f, tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            break;
        case K_DICE:
            loss = nn_dice_forward(tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            nn_dice_backward(dz, 1.0f, tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            break;
        case K_IOU:
            loss = nn_soft_iou_forward(tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            nn_soft_iou_backward(dz, 1.0f, tz->data, y, w, P, K, NN_IGNORE_INDEX, f);
            break;
        }
        free(y);
    }
    int ok = check_t(c, "loss", &loss) & check_t(c, "dlogits", dz);
    free(dz);
    return ok;
}

static int run_optim(ref_case *c) {
    const int which = c->ip[0], steps = c->ip[1], n = c->ip[2];
    const float *f = c->fp;
    float *p = dup_of(c, "params"), *m = xmalloc((size_t)n * 4), *v = xmalloc((size_t)n * 4);
    const float *g = get(c, "grads")->data, *traj = get(c, "trajectory")->data;
    int ok = 1;
    for (int s = 0; s < steps; s++) {
        const float *gs = g + (size_t)s * n;
        if (which == 0) nn_sgd_update(p, gs, m, n, f[0], f[1], f[4]);
        else if (which == 1) nn_adam_update(p, gs, m, v, n, f[0], f[1], f[2], f[3], f[4], s + 1);
        else nn_adamw_update(p, gs, m, v, n, f[0], f[1], f[2], f[3], f[4], s + 1);
        char what[32];
        snprintf(what, sizeof what, "params step %d", s + 1);
        ok &= check(what, p, traj + (size_t)s * n, n, TOL);
    }
    free(p), free(m), free(v);
    return ok;
}

static int run_sched(ref_case *c) {
    const int which = c->ip[0], T = c->ip[1], k = c->ip[2];
    float *lr = xmalloc((size_t)T * 4);
    for (int t = 0; t < T; t++) {
        if (which == 0) lr[t] = nn_lr_step(c->fp[0], t, k, c->fp[1]);
        else if (which == 1) lr[t] = nn_lr_cosine(c->fp[0], t, k, c->fp[1]);
        else lr[t] = nn_lr_warmup(c->fp[0], t, k, c->fp[1]);
    }
    int ok = check_t(c, "lr", lr);
    free(lr);
    return ok;
}

/* ---------------------------------------------------------------------------------------- */
/* the tiny net of nn_ref.py: conv1 3x3 (3->8, bias) -> BN -> ReLU (a1) -> maxpool 2 ->
 * conv2 3x3 (8->8) -> ReLU -> bilinear x2 -> concat(a1, .) -> conv3 1x1 (16->4, bias) -> CE */

enum { P_CONV1_W, P_CONV1_B, P_BN_G, P_BN_B, P_CONV2_W, P_CONV3_W, P_CONV3_B, P_COUNT };

static int run_traj(ref_case *c, const nn_backend *be) {
    const int opt = c->ip[0], N = c->ip[1], H = c->ip[2], W = c->ip[3], Cin = c->ip[4],
              NC = c->ip[5], steps = c->ip[6];
    const int H2 = H / 2, W2 = W / 2, F = 8;
    const nn_param_spec spec[P_COUNT] = {{"conv1_w", 4, {F, 3, 3, Cin}}, {"conv1_b", 1, {F}},
                                         {"bn_g", 1, {F}}, {"bn_b", 1, {F}},
                                         {"conv2_w", 4, {F, 3, 3, F}},
                                         {"conv3_w", 4, {NC, 1, 1, 2 * F}}, {"conv3_b", 1, {NC}}};
    nn_param_set ps;
    if (nn_param_set_init(&ps, spec, P_COUNT, 2) != SW_OK) return 0;
    for (int i = 0; i < P_COUNT; i++) {
        ref_tensor *t = get(c, spec[i].name);
        memcpy(ps.params[i].data, t->data, t->n * 4);
    }
    float *w[P_COUNT], *dw[P_COUNT];
    for (int i = 0; i < P_COUNT; i++) w[i] = ps.params[i].data, dw[i] = ps.grads[i].data;
    nn_conv2d_desc d1, d2, d3;
    nn_pool2d_desc dp;
    nn_conv2d_desc_init(&d1, N, H, W, Cin, F, 3, 3, 1, 1, 1, 1);
    nn_conv2d_desc_init(&d2, N, H2, W2, F, F, 3, 3, 1, 1, 1, 1);
    nn_conv2d_desc_init(&d3, N, H, W, 2 * F, NC, 1, 1, 1, 0, 1, 1);
    nn_pool2d_desc_init(&dp, N, H, W, F, 2, 2, 2, 0);
    const size_t P = (size_t)N * H * W, P2 = (size_t)N * H2 * W2;
    const float *x = get(c, "inp")->data;
    uint8_t *y = labels_of(c, "target");
    /* activations and their gradients */
    float *c1 = xmalloc(P * F * 4), *b1 = xmalloc(P * F * 4), *a1 = xmalloc(P * F * 4);
    float *p1 = xmalloc(P2 * F * 4), *c2 = xmalloc(P2 * F * 4), *a2 = xmalloc(P2 * F * 4);
    float *up = xmalloc(P * F * 4), *cat = xmalloc(P * 2 * F * 4), *lg = xmalloc(P * NC * 4);
    float *mean = xmalloc(F * 4), *var = xmalloc(F * 4), *rm = xmalloc(F * 4),
          *rv = xmalloc(F * 4);
    float *dlg = xmalloc(P * NC * 4), *dcat = xmalloc(P * 2 * F * 4), *da1 = xmalloc(P * F * 4),
          *da1p = xmalloc(P * F * 4), *dup = xmalloc(P * F * 4), *da2 = xmalloc(P2 * F * 4),
          *dc2 = xmalloc(P2 * F * 4), *dp1 = xmalloc(P2 * F * 4), *db1 = xmalloc(P * F * 4),
          *dc1 = xmalloc(P * F * 4);
    for (int i = 0; i < F; i++) rv[i] = 1.0f;
    float losses[64];
    const float *f = c->fp;
    for (int s = 0; s < steps && s < 64; s++) {
        /* forward */
        nn_conv2d_forward(c1, x, w[P_CONV1_W], w[P_CONV1_B], &d1, be);
        nn_batchnorm_forward(b1, mean, var, rm, rv, c1, w[P_BN_G], w[P_BN_B], (int)P, F, 0.1f,
                             1e-5f, 1, be);
        nn_relu_forward(a1, b1, P * F);
        nn_maxpool_forward(p1, a1, &dp, be);
        nn_conv2d_forward(c2, p1, w[P_CONV2_W], NULL, &d2, be);
        nn_relu_forward(a2, c2, P2 * F);
        nn_upsample_bilinear_forward(up, a2, N, H2, W2, F, H, W);
        nn_concat_forward(cat, a1, up, P, F, F);
        nn_conv2d_forward(lg, cat, w[P_CONV3_W], w[P_CONV3_B], &d3, be);
        losses[s] = nn_cross_entropy_forward(lg, y, NULL, P, NC, NN_IGNORE_INDEX);
        /* backward: one memset of the gradient arena, then the ops in reverse */
        nn_param_set_zero_grad(&ps);
        nn_cross_entropy_backward(dlg, 1.0f, lg, y, NULL, P, NC, NN_IGNORE_INDEX);
        nn_conv2d_backward(dcat, dw[P_CONV3_W], dw[P_CONV3_B], dlg, cat, w[P_CONV3_W], &d3, be);
        nn_concat_backward(da1, dup, dcat, P, F, F);
        nn_upsample_bilinear_backward(da2, dup, N, H2, W2, F, H, W);
        nn_relu_backward(dc2, da2, c2, P2 * F);
        nn_conv2d_backward(dp1, dw[P_CONV2_W], NULL, dc2, p1, w[P_CONV2_W], &d2, be);
        nn_maxpool_backward(da1p, dp1, a1, &dp, be);
        nn_add_forward(da1, da1, da1p, P * F); /* a1 feeds two branches: sum the gradients */
        nn_relu_backward(db1, da1, b1, P * F);
        nn_batchnorm_backward(dc1, dw[P_BN_G], dw[P_BN_B], db1, c1, w[P_BN_G], mean, var,
                              (int)P, F, 1e-5f, be);
        nn_conv2d_backward(NULL, dw[P_CONV1_W], dw[P_CONV1_B], dc1, x, w[P_CONV1_W], &d1, be);
        /* update: one loop over the whole arena */
        if (opt == 0)
            nn_sgd_update(ps.param_memory, ps.grad_memory, nn_param_set_state(&ps, 0), ps.numel,
                          f[0], f[1], f[4]);
        else
            nn_adamw_update(ps.param_memory, ps.grad_memory, nn_param_set_state(&ps, 0),
                            nn_param_set_state(&ps, 1), ps.numel, f[0], f[1], f[2], f[3], f[4],
                            s + 1);
    }
    ref_tensor *tl = get(c, "losses");
    const int was_verbose = verbose;
    verbose = 1;
    int ok = check("losses", losses, tl->data, (size_t)steps, TOL_TRAJ);
    verbose = was_verbose;
    if (verbose)
        for (int s = 0; s < steps; s++)
            printf("      step %2d loss %.6f torch %.6f\n", s, losses[s], tl->data[s]);
    free(y), free(c1), free(b1), free(a1), free(p1), free(c2), free(a2), free(up), free(cat);
    free(lg), free(mean), free(var), free(rm), free(rv), free(dlg), free(dcat), free(da1);
    free(da1p), free(dup), free(da2), free(dc2), free(dp1), free(db1), free(dc1);
    nn_param_set_free(&ps);
    return ok;
}

/* ---------------------------------------------------------------------------------------- */

static int uses_backend(int kind) {
    return kind == K_CONV || kind == K_DECONV || kind == K_BN_TRAIN || kind == K_BN_EVAL ||
           kind == K_MAXPOOL || kind == K_AVGPOOL || kind == K_TRAJ;
}

static int run_case(ref_case *c, const nn_backend *be) {
    switch (c->kind) {
    case K_CONV:
    case K_DECONV: return run_conv(c, be);
    case K_BN_TRAIN:
    case K_BN_EVAL: return run_bn(c, be);
    case K_MAXPOOL:
    case K_AVGPOOL: return run_pool(c, be);
    case K_CE:
    case K_BCE:
    case K_FOCAL:
    case K_DICE:
    case K_IOU: return run_loss(c);
    case K_OPTIM: return run_optim(c);
    case K_SCHED: return run_sched(c);
    case K_TRAJ: return run_traj(c, be);
    default: return run_misc(c);
    }
}

int main(int argc, char **argv) {
    sw_log_set_level(0);
    ref_path = "nn_ref.bin";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0) verbose = 0;
        else ref_path = argv[i];
    }
    ref = fopen(ref_path, "rb");
    if (!ref) {
        printf("test_nn_torch: skipped, no %s (tests/ref/nn_ref.py writes it with "
               "/usr/bin/python3 and python3-torch)\n", ref_path);
        return 77;
    }
    char magic[8];
    read_exact(magic, 8);
    const int version = read_i32(), ncase = read_i32();
    if (memcmp(magic, "SWNNREF", 8) != 0 || version != REF_VERSION) {
        fprintf(stderr, "%s: not an nn reference file of version %d (found version %d): "
                "regenerate it with /usr/bin/python3 tests/ref/nn_ref.py %s\n", ref_path,
                REF_VERSION, version, ref_path);
        return 1;
    }
    const nn_backend *backends[2] = {nn_backend_cpu_ref(), nn_backend_cpu_fast()};
    const int nbe = backends[1] ? 2 : 1;
    printf("PyTorch reference %s: %d cases; backends cpu-ref%s%s; tolerance %.0e scaled\n",
           ref_path, ncase, nbe > 1 ? ", " : "", nbe > 1 ? backends[1]->name : "", TOL);
    int failed = 0, checked = 0;
    for (int i = 0; i < ncase; i++) {
        ref_case c;
        case_read(&c);
        for (int b = 0; b < (uses_backend(c.kind) ? nbe : 1); b++) {
            const double before = worst_overall;
            worst_overall = 0.0;
            if (verbose) printf("  %s [%s]\n", c.name, backends[b]->name);
            const int ok = run_case(&c, backends[b]);
            printf("%-4s %-48s [%-8s] max scaled diff %.2e\n", ok ? "ok" : "FAIL", c.name,
                   uses_backend(c.kind) ? backends[b]->name : "cpu", worst_overall);
            worst_overall = worst_overall > before ? worst_overall : before;
            failed += !ok;
            checked++;
        }
        case_free(&c);
    }
    fclose(ref);
    const unsigned long fb = nn_ops_fallback_count();
    if (fb) printf("FAIL the fast backend fell back to the reference %lu times\n", fb);
    failed += fb != 0;
    nn_backend_release(backends[1]);
    printf("%s: %d of %d checks failed; worst scaled difference vs PyTorch %.2e\n",
           failed ? "FAILED" : "overall okay", failed, checked, worst_overall);
    return failed ? 1 : 0;
}
