/* One harness for every engine op and loss (ggml's test-backend-ops in C): for each case,
 *  1. forward and backward on every CPU backend against the reference: normalized max error
 *     max|fast - ref| / max|ref| <= TOL_FAST (1e-4, f32);
 *  2. the reference backward against central finite differences of the reference forward on
 *     L = sum(out * v) (v random, L summed in f64), at up to FD_POINTS random coordinates of
 *     every input and parameter: |fd - analytic| <= FD_ATOL + FD_RTOL |analytic|. Inputs are
 *     kept away from kinks (ReLU inputs |x| >= 0.1, max-pool windows spaced 0.05 apart, both
 *     far above the step eps = 1e-2);
 *  3. repeatability: a second fast run gives the same bits (forward and every gradient);
 *  4. the arena (nn_param_set) carving and one-memset zeroing, and no silent fallback of the
 *     fast backend to the reference (nn_ops_fallback_count() == 0).
 * One line per case, one verdict; exit 1 on any failure.
 * Usage: test_nn_ops            run the checks
 *        test_nn_ops --bench    time conv 3x3 64->64 on 8x64x64x64 NHWC, the decoder's
 *                               transposed conv and batch norm (reference vs fast) */
#include "kernels/cpu/ref.h"
#include "src/core/log.h"
#include "src/nn/loss.h"
#include "src/nn/ops.h"
#include "src/nn/profile.h"
#include "src/nn/tensor.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_IN = 4, FD_POINTS = 12 };
static const double TOL_FAST = 1e-4, FD_ATOL = 1e-3, FD_RTOL = 1e-2, FD_EPS = 1e-2;

/* ---------------------------------------------------------------------------------------- */
/* deterministic data */

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint32_t rng_u32(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}
static float rng_uniform(float lo, float hi) {
    return lo + (hi - lo) * (float)(rng_u32() & 0xFFFFFF) / (float)0x1000000;
}

static float *xalloc(size_t n) {
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static float *rand_buf(size_t n, float lo, float hi) {
    float *p = xalloc(n);
    for (size_t i = 0; i < n; i++) p[i] = rng_uniform(lo, hi);
    return p;
}

/* Values with |x| >= 0.1 (away from the ReLU kink). */
static float *rand_away(size_t n) {
    float *p = xalloc(n);
    for (size_t i = 0; i < n; i++) {
        float v = rng_uniform(0.1f, 1.0f);
        p[i] = rng_u32() & 1 ? v : -v;
    }
    return p;
}

/* A shuffled ramp 0.05 apart (no ties, no near-ties, in max-pool windows). */
static float *rand_distinct(size_t n) {
    float *p = xalloc(n);
    for (size_t i = 0; i < n; i++) p[i] = 0.05f * (float)i - 0.025f * (float)n;
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_u32() % i;
        float t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

/* ---------------------------------------------------------------------------------------- */
/* cases */

typedef struct op_case op_case;
struct op_case {
    char name[96];
    int nin;                     /* differentiable inputs and parameters */
    float *in[MAX_IN];
    size_t in_n[MAX_IN];
    const char *in_name[MAX_IN];
    size_t out_n;
    void (*fwd)(op_case *c, const nn_backend *be, float *out);
    /* din[j] arrives zeroed; NULL for "no backward" */
    void (*bwd)(op_case *c, const nn_backend *be, const float *dout, float **din);
    nn_conv2d_desc conv;
    nn_pool2d_desc pool;
    int dims[8];
    float f;
    int flag;
    float *mean, *var, *rmean, *rvar, *saved; /* per-case scratch */
    uint8_t *labels;
    float *target, *cw;
};

static void case_free(op_case *c) {
    for (int j = 0; j < c->nin; j++) free(c->in[j]);
    free(c->mean);
    free(c->var);
    free(c->rmean);
    free(c->rvar);
    free(c->saved);
    free(c->labels);
    free(c->target);
    free(c->cw);
}

/* conv2d: in[0] inp, in[1] weight, in[2] bias (when flag) */
static void conv_fwd(op_case *c, const nn_backend *be, float *out) {
    nn_conv2d_forward(out, c->in[0], c->in[1], c->flag ? c->in[2] : NULL, &c->conv, be);
}
static void conv_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    nn_conv2d_backward(din[0], din[1], c->flag ? din[2] : NULL, dout, c->in[0], c->in[1],
                       &c->conv, be);
}
static void deconv_fwd(op_case *c, const nn_backend *be, float *out) {
    nn_conv_transpose2d_forward(out, c->in[0], c->in[1], c->flag ? c->in[2] : NULL, &c->conv,
                                be);
}
static void deconv_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    nn_conv_transpose2d_backward(din[0], din[1], c->flag ? din[2] : NULL, dout, c->in[0],
                                 c->in[1], &c->conv, be);
}

static void add_conv(op_case *c, int transposed, int N, int H, int W, int C, int K, int R,
                     int stride, int pad, int dil, int groups, int out_pad, int bias) {
    memset(c, 0, sizeof *c);
    sw_status st = transposed ? nn_conv_transpose2d_desc_init(&c->conv, N, H, W, C, K, R, R,
                                                              stride, pad, dil, groups, out_pad)
                              : nn_conv2d_desc_init(&c->conv, N, H, W, C, K, R, R, stride, pad,
                                                    dil, groups);
    if (st != SW_OK) {
        fprintf(stderr, "bad case: %s\n", sw_errmsg());
        exit(1);
    }
    snprintf(c->name, sizeof c->name, "%s %dx%dx%dx%d->%d k%d s%d p%d d%d g%d%s%s",
             transposed ? "conv_transpose2d" : "conv2d", N, H, W, C, K, R, stride, pad, dil,
             groups, out_pad ? " op1" : "", bias ? " bias" : "");
    c->nin = bias ? 3 : 2;
    c->flag = bias;
    c->in_n[0] = (size_t)N * H * W * C;
    c->in_n[1] = (size_t)K * R * R * (C / groups);
    c->in_n[2] = (size_t)K;
    c->in_name[0] = "inp";
    c->in_name[1] = "weight";
    c->in_name[2] = "bias";
    c->in[0] = rand_buf(c->in_n[0], -1, 1);
    c->in[1] = rand_buf(c->in_n[1], -0.5f, 0.5f);
    if (bias) c->in[2] = rand_buf(c->in_n[2], -0.5f, 0.5f);
    c->out_n = (size_t)N * c->conv.OH * c->conv.OW * K;
    c->fwd = transposed ? deconv_fwd : conv_fwd;
    c->bwd = transposed ? deconv_bwd : conv_bwd;
}

/* conv2d then ReLU, fused where the backend can (inference: no backward) */
static void conv_relu_fwd(op_case *c, const nn_backend *be, float *out) {
    nn_conv2d_relu_forward(out, c->in[0], c->in[1], c->flag ? c->in[2] : NULL, &c->conv, be);
}
static void deconv_relu_fwd(op_case *c, const nn_backend *be, float *out) {
    nn_conv_transpose2d_relu_forward(out, c->in[0], c->in[1], c->flag ? c->in[2] : NULL,
                                     &c->conv, be);
}
/* the fused forward of a (transposed) convolution and ReLU (inference: no backward) */
static void add_conv_relu(op_case *c, int transposed, int N, int H, int W, int C, int K, int R,
                          int stride, int pad, int bias) {
    add_conv(c, transposed, N, H, W, C, K, R, stride, pad, 1, 1, 0, bias);
    const size_t len = strlen(c->name);
    snprintf(c->name + len, sizeof c->name - len, " + relu");
    c->fwd = transposed ? deconv_relu_fwd : conv_relu_fwd;
    c->bwd = NULL;
}

/* batch norm: in[0] inp (P,C), in[1] gamma, in[2] beta; dims P, C; flag = training */
static void bn_fwd(op_case *c, const nn_backend *be, float *out) {
    nn_batchnorm_forward(out, c->mean, c->var, c->rmean, c->rvar, c->in[0], c->in[1], c->in[2],
                         c->dims[0], c->dims[1], 0.1f, 1e-5f, c->flag, be);
}
static void bn_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    nn_batchnorm_backward(din[0], din[1], din[2], dout, c->in[0], c->in[1], c->mean, c->var,
                          c->dims[0], c->dims[1], 1e-5f, be);
}
static void bn_frozen_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    (void)be;
    nn_batchnorm_frozen_backward(din[0], din[1], din[2], dout, c->in[0], c->in[1], c->rmean,
                                 c->rvar, c->dims[0], c->dims[1], 1e-5f);
}
static void add_bn(op_case *c, int P, int C, int training) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "batchnorm %s P=%d C=%d", training ? "train" : "eval", P,
             C);
    c->dims[0] = P;
    c->dims[1] = C;
    c->flag = training;
    c->nin = 3;
    c->in_n[0] = (size_t)P * C;
    c->in_n[1] = c->in_n[2] = (size_t)C;
    c->in_name[0] = "inp";
    c->in_name[1] = "gamma";
    c->in_name[2] = "beta";
    c->in[0] = rand_buf(c->in_n[0], -1, 2);
    c->in[1] = rand_buf(C, 0.5f, 1.5f);
    c->in[2] = rand_buf(C, -0.5f, 0.5f);
    c->mean = xalloc(C);
    c->var = xalloc(C);
    c->rmean = rand_buf(C, -0.2f, 0.2f);
    c->rvar = rand_buf(C, 0.5f, 1.5f);
    c->out_n = (size_t)P * C;
    c->fwd = bn_fwd;
    c->bwd = training ? bn_bwd : bn_frozen_bwd;
}

/* pooling: flag 1 max, 0 avg */
static void pool_fwd(op_case *c, const nn_backend *be, float *out) {
    if (c->flag) nn_maxpool_forward(out, c->in[0], &c->pool, be);
    else nn_avgpool_forward(out, c->in[0], &c->pool, be);
}
static void pool_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    if (c->flag) nn_maxpool_backward(din[0], dout, c->in[0], &c->pool, be);
    else nn_avgpool_backward(din[0], dout, &c->pool, be);
}
static void add_pool(op_case *c, int max, int N, int H, int W, int C, int R, int stride,
                     int pad) {
    memset(c, 0, sizeof *c);
    nn_pool2d_desc_init(&c->pool, N, H, W, C, R, R, stride, pad);
    snprintf(c->name, sizeof c->name, "%s %dx%dx%dx%d k%d s%d p%d", max ? "maxpool" : "avgpool",
             N, H, W, C, R, stride, pad);
    c->flag = max;
    c->nin = 1;
    c->in_n[0] = (size_t)N * H * W * C;
    c->in_name[0] = "inp";
    c->in[0] = max ? rand_distinct(c->in_n[0]) : rand_buf(c->in_n[0], -1, 1);
    c->out_n = (size_t)N * c->pool.OH * c->pool.OW * C;
    c->fwd = pool_fwd;
    c->bwd = pool_bwd;
}

/* elementwise and the rest: dims hold the sizes, flag picks the op */
enum { EW_RELU, EW_LEAKY, EW_SIGMOID, EW_GAP, EW_NEAREST, EW_BILINEAR, EW_CONCAT, EW_ADD,
       EW_LINEAR, EW_SOFTMAX };

static void misc_fwd(op_case *c, const nn_backend *be, float *out) {
    (void)be;
    const int *d = c->dims;
    switch (c->flag) {
    case EW_RELU: nn_relu_forward(out, c->in[0], c->out_n); break;
    case EW_LEAKY: nn_leaky_relu_forward(out, c->in[0], c->out_n, 0.1f); break;
    case EW_SIGMOID: nn_sigmoid_forward(out, c->in[0], c->out_n); break;
    case EW_GAP: nn_global_avgpool_forward(out, c->in[0], d[0], d[1], d[2]); break;
    case EW_NEAREST:
        nn_upsample_nearest_forward(out, c->in[0], d[0], d[1], d[2], d[3], d[4], d[5]);
        break;
    case EW_BILINEAR:
        nn_upsample_bilinear_forward(out, c->in[0], d[0], d[1], d[2], d[3], d[4], d[5]);
        break;
    case EW_CONCAT: nn_concat_forward(out, c->in[0], c->in[1], d[0], d[1], d[2]); break;
    case EW_ADD: nn_add_forward(out, c->in[0], c->in[1], c->out_n); break;
    case EW_LINEAR: nn_linear_forward(out, c->in[0], c->in[1], c->in[2], d[0], d[1], d[2]); break;
    case EW_SOFTMAX: nn_softmax_forward(out, c->in[0], d[0], d[1]); break;
    }
}

static void misc_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    const int *d = c->dims;
    float *tmp = NULL;
    switch (c->flag) {
    case EW_RELU: nn_relu_backward(din[0], dout, c->in[0], c->out_n); break;
    case EW_LEAKY: nn_leaky_relu_backward(din[0], dout, c->in[0], c->out_n, 0.1f); break;
    case EW_SIGMOID:
    case EW_SOFTMAX:
        tmp = xalloc(c->out_n);
        misc_fwd(c, be, tmp);
        if (c->flag == EW_SIGMOID) nn_sigmoid_backward(din[0], dout, tmp, c->out_n);
        else nn_softmax_backward(din[0], dout, tmp, d[0], d[1]);
        free(tmp);
        break;
    case EW_GAP: nn_global_avgpool_backward(din[0], dout, d[0], d[1], d[2]); break;
    case EW_NEAREST:
        nn_upsample_nearest_backward(din[0], dout, d[0], d[1], d[2], d[3], d[4], d[5]);
        break;
    case EW_BILINEAR:
        nn_upsample_bilinear_backward(din[0], dout, d[0], d[1], d[2], d[3], d[4], d[5]);
        break;
    case EW_CONCAT: nn_concat_backward(din[0], din[1], dout, d[0], d[1], d[2]); break;
    case EW_ADD: nn_add_backward(din[0], din[1], dout, c->out_n); break;
    case EW_LINEAR:
        nn_linear_backward(din[0], din[1], din[2], dout, c->in[0], c->in[1], d[0], d[1], d[2]);
        break;
    }
}

static void add_misc(op_case *c, int op, const char *name, int nin, const size_t *in_n,
                     size_t out_n, const int *dims, int away) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->flag = op;
    c->nin = nin;
    static const char *names[MAX_IN] = {"inp", "in1", "in2", "in3"};
    for (int j = 0; j < nin; j++) {
        c->in_n[j] = in_n[j];
        c->in_name[j] = names[j];
        c->in[j] = away ? rand_away(in_n[j]) : rand_buf(in_n[j], -2, 2);
    }
    memcpy(c->dims, dims, sizeof c->dims);
    c->out_n = out_n;
    c->fwd = misc_fwd;
    c->bwd = misc_bwd;
}

/* losses: in[0] logits (P,K); out (1) the loss; flag picks the loss */
enum { L_CE, L_BCE, L_FOCAL, L_DICE, L_IOU };

static void loss_fwd(op_case *c, const nn_backend *be, float *out) {
    (void)be;
    const int P = c->dims[0], K = c->dims[1];
    switch (c->flag) {
    case L_CE: out[0] = nn_cross_entropy_forward(c->in[0], c->labels, c->cw, P, K, 255); break;
    case L_BCE: out[0] = nn_bce_logits_forward(c->in[0], c->target, P, K); break;
    case L_FOCAL: out[0] = nn_focal_forward(c->in[0], c->labels, c->cw, P, K, 255, 2.0f); break;
    case L_DICE: out[0] = nn_dice_forward(c->in[0], c->labels, c->cw, P, K, 255, 1.0f); break;
    case L_IOU: out[0] = nn_soft_iou_forward(c->in[0], c->labels, c->cw, P, K, 255, 1.0f); break;
    }
}

static void loss_bwd(op_case *c, const nn_backend *be, const float *dout, float **din) {
    (void)be;
    const int P = c->dims[0], K = c->dims[1];
    switch (c->flag) {
    case L_CE:
        nn_cross_entropy_backward(din[0], dout[0], c->in[0], c->labels, c->cw, P, K, 255);
        break;
    case L_BCE: nn_bce_logits_backward(din[0], dout[0], c->in[0], c->target, P, K); break;
    case L_FOCAL:
        nn_focal_backward(din[0], dout[0], c->in[0], c->labels, c->cw, P, K, 255, 2.0f);
        break;
    case L_DICE:
        nn_dice_backward(din[0], dout[0], c->in[0], c->labels, c->cw, P, K, 255, 1.0f);
        break;
    case L_IOU:
        nn_soft_iou_backward(din[0], dout[0], c->in[0], c->labels, c->cw, P, K, 255, 1.0f);
        break;
    }
}

static void add_loss(op_case *c, int which, const char *name, int P, int K) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s P=%d K=%d", name, P, K);
    c->flag = which;
    c->dims[0] = P;
    c->dims[1] = K;
    c->nin = 1;
    c->in_n[0] = (size_t)P * K;
    c->in_name[0] = "logits";
    c->in[0] = rand_buf(c->in_n[0], -2, 2);
    c->labels = malloc((size_t)P);
    for (int i = 0; i < P; i++) c->labels[i] = i % 7 == 3 ? 255 : (uint8_t)(rng_u32() % K);
    c->target = rand_buf(c->in_n[0], 0, 1);
    c->cw = rand_buf((size_t)K, 0.5f, 2.0f);
    c->out_n = 1;
    c->fwd = loss_fwd;
    c->bwd = loss_bwd;
}

/* ---------------------------------------------------------------------------------------- */
/* the checks */

static double max_abs(const float *a, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fabs(a[i]) > m ? fabs(a[i]) : m;
    return m;
}

/* max|a - b| / max|b| (b the reference; 1 when the reference is all zero) */
static double norm_err(const float *a, const float *b, size_t n) {
    double m = 0.0, s = max_abs(b, n);
    for (size_t i = 0; i < n; i++) m = fabs(a[i] - b[i]) > m ? fabs(a[i] - b[i]) : m;
    return m / (s > 0 ? s : 1.0);
}

static double loss_of(op_case *c, const float *v, float *out) {
    c->fwd(c, nn_backend_cpu_ref(), out);
    double L = 0.0;
    for (size_t i = 0; i < c->out_n; i++) L += (double)out[i] * v[i];
    return L;
}

static int check_case(op_case *c, const nn_backend *fast) {
    int ok = 1;
    const nn_backend *ref = nn_backend_cpu_ref();
    float *out_ref = xalloc(c->out_n), *out_fast = xalloc(c->out_n);
    float *v = rand_buf(c->out_n, -1, 1);
    float *din_ref[MAX_IN] = {0}, *din_fast[MAX_IN] = {0};
    for (int j = 0; j < c->nin; j++) {
        din_ref[j] = xalloc(c->in_n[j]);
        din_fast[j] = xalloc(c->in_n[j]);
    }
    c->fwd(c, ref, out_ref);
    if (c->bwd) c->bwd(c, ref, v, din_ref);
    double e_fwd = 0.0, e_bwd = 0.0, e_fd = 0.0;
    if (fast) {
        c->fwd(c, fast, out_fast);
        if (c->bwd) c->bwd(c, fast, v, din_fast);
        /* repeatability: a second run gives the same bits (no timing-dependent sums) */
        float *again = xalloc(c->out_n);
        c->fwd(c, fast, again);
        if (memcmp(again, out_fast, c->out_n * sizeof *again)) {
            printf("    %s: the fast forward is not repeatable\n", c->name);
            ok = 0;
        }
        if (c->bwd) {
            float *dd[MAX_IN] = {0};
            for (int j = 0; j < c->nin; j++) dd[j] = xalloc(c->in_n[j]);
            c->bwd(c, fast, v, dd);
            for (int j = 0; j < c->nin; j++) {
                if (memcmp(dd[j], din_fast[j], c->in_n[j] * sizeof *dd[j])) {
                    printf("    %s: the fast backward (d%s) is not repeatable\n", c->name,
                           c->in_name[j]);
                    ok = 0;
                }
                free(dd[j]);
            }
        }
        free(again);
        e_fwd = norm_err(out_fast, out_ref, c->out_n);
        if (e_fwd > TOL_FAST) ok = 0;
        for (int j = 0; c->bwd && j < c->nin; j++) {
            double e = norm_err(din_fast[j], din_ref[j], c->in_n[j]);
            if (e > TOL_FAST)
                printf("    %s: d%s fast vs ref %.3g > %.0e\n", c->name, c->in_name[j], e,
                       TOL_FAST), ok = 0;
            e_bwd = e > e_bwd ? e : e_bwd;
        }
    }
    /* finite differences on the reference */
    for (int j = 0; c->bwd && j < c->nin; j++) {
        for (int t = 0; t < FD_POINTS && (size_t)t < c->in_n[j]; t++) {
            const size_t i = c->in_n[j] <= FD_POINTS ? (size_t)t : rng_u32() % c->in_n[j];
            const float x0 = c->in[j][i];
            c->in[j][i] = x0 + (float)FD_EPS;
            const double lp = loss_of(c, v, out_fast);
            c->in[j][i] = x0 - (float)FD_EPS;
            const double lm = loss_of(c, v, out_fast);
            c->in[j][i] = x0;
            const double h = ((double)(x0 + (float)FD_EPS) - (double)(x0 - (float)FD_EPS));
            const double fd = (lp - lm) / h, an = din_ref[j][i];
            const double err = fabs(fd - an);
            if (err > FD_ATOL + FD_RTOL * fabs(an)) {
                if (ok) printf("    %s: d%s[%zu] analytic %.6g, finite difference %.6g\n",
                               c->name, c->in_name[j], i, an, fd);
                ok = 0;
            }
            e_fd = err > e_fd ? err : e_fd;
        }
    }
    printf("%-4s %-52s fwd %.1e  bwd %.1e  fd %.1e\n", ok ? "ok" : "FAIL", c->name, e_fwd, e_bwd,
           e_fd);
    free(out_ref);
    free(out_fast);
    free(v);
    for (int j = 0; j < c->nin; j++) {
        free(din_ref[j]);
        free(din_fast[j]);
    }
    return ok;
}

static int check_arena(void) {
    nn_param_spec spec[3] = {{"conv.weight", 4, {8, 3, 3, 5}},
                             {"conv.bias", 1, {8}},
                             {"fc.weight", 2, {3, 8}}};
    nn_param_set ps;
    if (nn_param_set_init(&ps, spec, 3, 2) != SW_OK) return 0;
    int ok = ps.numel == 368 + 16 + 32 && ps.offset[1] == 368 && ps.offset[2] == 384 &&
             nn_param_set_find(&ps, "fc.weight") == 2 && nn_param_set_find(&ps, "x") == -1 &&
             nn_tensor_numel(&ps.params[0]) == 360 && ps.grads[2].data == ps.grad_memory + 384 &&
             nn_param_set_state(&ps, 1) == ps.state_memory + ps.numel;
    float *g = ps.grads[1].data;
    g[3] = 1.0f;
    nn_param_set_zero_grad(&ps);
    ok = ok && g[3] == 0.0f;
    nn_param_set_free(&ps);
    printf("%-4s %-52s\n", ok ? "ok" : "FAIL", "nn_param_set carving and zero_grad");
    return ok;
}

/* The per-op profile (src/nn/profile.h): rows keyed by op and conv geometry, counted only
 * while on, sorted by time, reset. */
static int check_profile(void) {
    nn_conv2d_desc d;
    nn_conv2d_desc_init(&d, 1, 16, 16, 4, 8, 3, 3, 1, 1, 1, 1);
    float *x = rand_buf(16 * 16 * 4, -1, 1), *w = rand_buf(8 * 9 * 4, -1, 1),
          *y = xalloc(16 * 16 * 8);
    const nn_backend *be = nn_backend_cpu_ref();
    nn_conv2d_forward(y, x, w, NULL, &d, be); /* not counted: off */
    nn_ops_profile_reset();
    nn_ops_profile(1);
    nn_conv2d_forward(y, x, w, NULL, &d, be);
    nn_conv2d_forward(y, x, w, NULL, &d, be);
    nn_conv2d_desc_init(&d, 1, 32, 32, 4, 8, 3, 3, 2, 1, 1, 1);
    float *x2 = rand_buf(32 * 32 * 4, -1, 1);
    nn_conv2d_forward(y, x2, w, NULL, &d, be);
    nn_ops_profile(0);
    nn_conv2d_forward(y, x2, w, NULL, &d, be); /* not counted */
    char text[4096] = "";
    FILE *f = tmpfile();
    if (f) {
        nn_ops_profile_report(f, 0);
        rewind(f);
        text[fread(text, 1, sizeof text - 1, f)] = 0;
        fclose(f);
    }
    int ok = strstr(text, "conv2d forward 3x3/1 4->8 at 16x16                 ") &&
             strstr(text, "conv2d forward 3x3/2 4->8 at 32x32") && strstr(text, "total");
    const char *a = strstr(text, "at 16x16"), *b = strstr(text, "at 32x32");
    ok = ok && a && b && strtol(a + 9, NULL, 10) == 2 && strtol(b + 9, NULL, 10) == 1;
    nn_ops_profile_reset();
    f = tmpfile();
    if (f) {
        nn_ops_profile_report(f, 0);
        rewind(f);
        text[fread(text, 1, sizeof text - 1, f)] = 0;
        fclose(f);
    }
    ok = ok && !strstr(text, "conv2d forward");
    printf("%-4s %-52s\n", ok ? "ok" : "FAIL", "op profile: rows, calls, reset");
    if (!ok) printf("%s", text);
    free(x), free(w), free(y), free(x2);
    return ok;
}

/* Activation storage on a CPU backend: f32, so upload and download are plain copies; the
 * precision names the CLI takes. */
static int check_act_storage(void) {
    float h[5] = {1.5f, -2.25f, 3.0f, 1e-3f, 7.0f}, d[5] = {0}, back[5] = {0};
    const nn_backend *be = nn_backend_default();
    int ok = nn_act_dtype(be) == NN_F32 && nn_act_dtype(nn_backend_cpu_ref()) == NN_F32;
    ok = ok && nn_act_upload(be, d, h, 5) == SW_OK && nn_act_download(be, back, d, 5) == SW_OK;
    ok = ok && memcmp(h, d, sizeof h) == 0 && memcmp(h, back, sizeof h) == 0;
    ok = ok && nn_cuda_math_parse("f32") == NN_CUDA_F32 &&
         nn_cuda_math_parse("tf32") == NN_CUDA_TF32 &&
         nn_cuda_math_parse("bf16") == NN_CUDA_BF16 &&
         nn_cuda_math_parse("bf16-act") == NN_CUDA_BF16_ACT && nn_cuda_math_parse("fp16") == -1 &&
         nn_cuda_math_parse(NULL) == -1;
    printf("%-4s %-52s\n", ok ? "ok" : "FAIL", "activation storage on the CPU; precision names");
    return ok;
}

/* ---------------------------------------------------------------------------------------- */
/* perf mode */

static void bench_conv(const nn_backend *be, const char *label) {
    rng_state = 0x853c49e6748fea9bULL;
    nn_conv2d_desc d;
    nn_conv2d_desc_init(&d, 8, 64, 64, 64, 64, 3, 3, 1, 1, 1, 1);
    const size_t ni = (size_t)8 * 64 * 64 * 64, nw = (size_t)64 * 9 * 64;
    float *x = rand_buf(ni, -1, 1), *w = rand_buf(nw, -0.1f, 0.1f), *b = rand_buf(64, -1, 1);
    float *y = xalloc(ni), *dy = rand_buf(ni, -1, 1), *dx = xalloc(ni), *dw = xalloc(nw),
          *db = xalloc(64);
    const double flop = 2.0 * 8 * 64 * 64 * 64 * 64 * 9;
    const int reps = be == nn_backend_cpu_ref() ? 2 : 10; /* best of: the machine is shared */
    nn_conv2d_forward(y, x, w, b, &d, be); /* warm-up: primitive creation */
    nn_conv2d_backward(dx, dw, db, dy, x, w, &d, be);
    double best_f = 1e30, best_fb = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = sw_now();
        nn_conv2d_forward(y, x, w, b, &d, be);
        double t1 = sw_now();
        nn_conv2d_backward(dx, dw, db, dy, x, w, &d, be);
        double t2 = sw_now();
        best_f = t1 - t0 < best_f ? t1 - t0 : best_f;
        best_fb = t2 - t0 < best_fb ? t2 - t0 : best_fb;
    }
    printf("conv 3x3 64->64 8x64x64 NHWC %-9s fwd %8.2f ms %7.1f GFLOP/s   fwd+bwd %8.2f ms "
           "%7.1f GFLOP/s\n", label, best_f * 1e3, flop / best_f * 1e-9, best_fb * 1e3,
           3 * flop / best_fb * 1e-9);
    /* the timed results are right: fast output and input gradient against the reference (both
     * calls see the same inputs: the generator is reset per call) */
    static float *ref_y, *ref_dx;
    if (be == nn_backend_cpu_ref()) {
        ref_y = y, ref_dx = dx;
        y = dx = NULL;
    } else if (ref_y) {
        printf("  fast vs reference at this shape: out %.1e, dinp %.1e (normalized max)\n",
               norm_err(y, ref_y, ni), norm_err(dx, ref_dx, ni));
        free(ref_y), free(ref_dx);
        ref_y = ref_dx = NULL;
    }
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db);
}

/* Transposed conv 4x4 s2 p1 64->64, 8x32x32 -> 8x64x64 (the seed 002 decoder's upsampler) and
 * training-mode batch norm on 8x64x64x64: milliseconds, best of the reps. */
static void bench_other(const nn_backend *be, const char *label) {
    nn_conv2d_desc d;
    nn_conv_transpose2d_desc_init(&d, 8, 32, 32, 64, 64, 4, 4, 2, 1, 1, 1, 0);
    const size_t ni = (size_t)8 * 32 * 32 * 64, no = (size_t)8 * 64 * 64 * 64,
                 nw = (size_t)64 * 16 * 64;
    float *x = rand_buf(ni, -1, 1), *w = rand_buf(nw, -0.1f, 0.1f), *dx = xalloc(ni);
    float *y = xalloc(no), *dy = rand_buf(no, -1, 1), *dw = xalloc(nw), *db = xalloc(64);
    float *g = rand_buf(64, 0.5f, 1.5f), *b = rand_buf(64, -1, 1), *m = xalloc(64),
          *v = xalloc(64), *rm = xalloc(64), *rv = xalloc(64), *z = xalloc(no);
    const double flop = 2.0 * 8 * 32 * 32 * 64 * 64 * 16;
    const int reps = be == nn_backend_cpu_ref() ? 1 : 10;
    double best[4] = {1e30, 1e30, 1e30, 1e30};
    for (int r = 0; r < reps + 1; r++) { /* the first is warm-up */
        double t0 = sw_now();
        nn_conv_transpose2d_forward(y, x, w, b, &d, be);
        double t1 = sw_now();
        nn_conv_transpose2d_backward(dx, dw, db, dy, x, w, &d, be);
        double t2 = sw_now();
        nn_batchnorm_forward(z, m, v, rm, rv, dy, g, b, 8 * 64 * 64, 64, 0.1f, 1e-5f, 1, be);
        double t3 = sw_now();
        nn_batchnorm_backward(y, dw, db, z, dy, g, m, v, 8 * 64 * 64, 64, 1e-5f, be);
        double t4 = sw_now();
        const double t[4] = {t1 - t0, t2 - t0, t3 - t2, t4 - t2};
        for (int k = 0; r && k < 4; k++) best[k] = t[k] < best[k] ? t[k] : best[k];
    }
    printf("convT 4x4 s2 64->64 8x32x32 %-9s fwd %8.2f ms %7.1f GFLOP/s   fwd+bwd %8.2f ms "
           "%7.1f GFLOP/s\n", label, best[0] * 1e3, flop / best[0] * 1e-9, best[1] * 1e3,
           3 * flop / best[1] * 1e-9);
    printf("batchnorm train 8x64x64x64  %-9s fwd %8.2f ms   fwd+bwd %8.2f ms\n", label,
           best[2] * 1e3, best[3] * 1e3);
    free(x), free(w), free(dx), free(y), free(dy), free(dw), free(db), free(g), free(b);
    free(m), free(v), free(rm), free(rv), free(z);
}

int main(int argc, char **argv) {
    sw_log_set_level(getenv("SWATH_NN_DEBUG") ? 2 : 0);
    const nn_backend *fast = nn_backend_cpu_fast();
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench_conv(nn_backend_cpu_ref(), "reference");
        if (fast) bench_conv(fast, fast->name);
        bench_other(nn_backend_cpu_ref(), "reference");
        if (fast) bench_other(fast, fast->name);
        nn_backend_release(fast);
        return 0;
    }
    printf("backends: reference%s%s; tolerances: fast vs reference %.0e (normalized max), "
           "finite differences eps %.0e, |fd - an| <= %.0e + %.0e |an|\n", fast ? ", " : "",
           fast ? fast->name : "", TOL_FAST, FD_EPS, FD_ATOL, FD_RTOL);
    op_case cases[64];
    int n = 0;
    add_conv(&cases[n++], 0, 2, 7, 6, 5, 4, 3, 1, 1, 1, 1, 0, 1);
    add_conv(&cases[n++], 0, 2, 9, 8, 4, 6, 3, 2, 1, 2, 1, 0, 0);
    add_conv(&cases[n++], 0, 2, 6, 6, 4, 6, 3, 1, 1, 1, 2, 0, 1);
    add_conv(&cases[n++], 0, 1, 8, 8, 4, 4, 3, 1, 1, 1, 4, 0, 1); /* depthwise */
    add_conv(&cases[n++], 0, 2, 5, 5, 8, 3, 1, 1, 0, 1, 1, 0, 1); /* 1x1 head */
    add_conv(&cases[n++], 0, 1, 12, 11, 3, 4, 7, 2, 3, 1, 1, 0, 0); /* ResNet stem */
    add_conv(&cases[n++], 0, 1, 9, 9, 4, 4, 3, 1, 4, 4, 1, 0, 1); /* StripeNet dilation 4 */
    add_conv(&cases[n++], 0, 2, 8, 8, 4, 6, 1, 2, 0, 1, 1, 0, 0); /* ResNet shortcut 1x1 s2 */
    add_conv(&cases[n++], 0, 1, 8, 7, 3, 4, 3, 2, 1, 1, 1, 0, 1); /* ResNet 3x3 s2, even H */
    add_conv(&cases[n++], 1, 2, 4, 5, 6, 3, 4, 2, 1, 1, 1, 0, 1); /* seed 002 decoder */
    add_conv_relu(&cases[n++], 0, 2, 9, 8, 5, 6, 3, 1, 1, 1);   /* folded conv-BN-ReLU */
    add_conv_relu(&cases[n++], 0, 1, 12, 11, 3, 4, 7, 2, 3, 1); /* folded ResNet stem */
    add_conv_relu(&cases[n++], 1, 2, 5, 6, 6, 4, 2, 2, 0, 1);   /* folded UNet upsampler */
    add_conv_relu(&cases[n++], 1, 1, 4, 5, 4, 3, 4, 2, 1, 1);   /* folded seed 002 decoder */
    add_conv(&cases[n++], 1, 1, 4, 4, 4, 4, 3, 2, 1, 1, 1, 1, 0);
    add_conv(&cases[n++], 1, 2, 5, 5, 4, 6, 3, 1, 1, 2, 2, 0, 1);
    add_bn(&cases[n++], 50, 6, 1);
    add_bn(&cases[n++], 40, 5, 0);
    add_pool(&cases[n++], 1, 2, 9, 8, 3, 3, 2, 1);
    add_pool(&cases[n++], 1, 1, 8, 8, 4, 2, 2, 0);
    add_pool(&cases[n++], 0, 2, 9, 8, 3, 3, 2, 1);
    add_pool(&cases[n++], 0, 1, 8, 6, 4, 2, 2, 0);
    add_pool(&cases[n++], 1, 1, 8, 8, 3, 3, 2, 1); /* ResNet stem pool on even input */
    add_pool(&cases[n++], 1, 1, 7, 7, 2, 2, 2, 0); /* odd input: the last row is dropped */
    {
        const size_t n1[1] = {2 * 5 * 7 * 3};
        const int dz[8] = {0};
        add_misc(&cases[n++], EW_RELU, "relu n=210", 1, n1, n1[0], dz, 1);
        add_misc(&cases[n++], EW_LEAKY, "leaky_relu 0.1 n=210", 1, n1, n1[0], dz, 1);
        add_misc(&cases[n++], EW_SIGMOID, "sigmoid n=210", 1, n1, n1[0], dz, 0);
    }
    {
        const size_t ni[1] = {2 * 20 * 6};
        const int d[8] = {2, 20, 6};
        add_misc(&cases[n++], EW_GAP, "global_avgpool 2x(4x5)x6", 1, ni, 12, d, 0);
    }
    {
        const size_t ni[1] = {2 * 3 * 4 * 3};
        const int d2[8] = {2, 3, 4, 3, 6, 8}, d3[8] = {2, 3, 4, 3, 7, 5};
        add_misc(&cases[n++], EW_NEAREST, "upsample_nearest 3x4 -> 6x8", 1, ni, 2 * 48 * 3, d2,
                 0);
        add_misc(&cases[n++], EW_BILINEAR, "upsample_bilinear 3x4 -> 6x8", 1, ni, 2 * 48 * 3,
                 d2, 0);
        add_misc(&cases[n++], EW_BILINEAR, "upsample_bilinear 3x4 -> 7x5", 1, ni, 2 * 35 * 3,
                 d3, 0);
        add_misc(&cases[n++], EW_NEAREST, "upsample_nearest 3x4 -> 7x5", 1, ni, 2 * 35 * 3, d3,
                 0);
    }
    {
        const size_t ni[2] = {30 * 4, 30 * 3};
        const int d[8] = {30, 4, 3};
        add_misc(&cases[n++], EW_CONCAT, "concat P=30 4+3", 2, ni, 30 * 7, d, 0);
        const size_t na[2] = {90, 90};
        add_misc(&cases[n++], EW_ADD, "residual add n=90", 2, na, 90, d, 0);
        const size_t nl[3] = {4 * 10, 6 * 10, 6};
        const int dl[8] = {4, 10, 6};
        add_misc(&cases[n++], EW_LINEAR, "linear 4x10 -> 6", 3, nl, 24, dl, 0);
        const size_t ns[1] = {12 * 5};
        const int ds[8] = {12, 5};
        add_misc(&cases[n++], EW_SOFTMAX, "softmax 12x5", 1, ns, 60, ds, 0);
    }
    add_loss(&cases[n++], L_CE, "cross_entropy weighted ignore=255", 40, 5);
    add_loss(&cases[n++], L_BCE, "bce_with_logits", 12, 6);
    add_loss(&cases[n++], L_FOCAL, "focal gamma=2 weighted", 40, 5);
    add_loss(&cases[n++], L_DICE, "dice weighted", 40, 4);
    add_loss(&cases[n++], L_IOU, "soft_iou weighted", 40, 4);

    int failed = 0;
    for (int i = 0; i < n; i++) {
        failed += !check_case(&cases[i], fast);
        case_free(&cases[i]);
    }
    failed += !check_arena();
    failed += !check_profile();
    failed += !check_act_storage();
    const unsigned long fb = nn_ops_fallback_count();
    printf("%-4s %s fell back to the reference %lu times\n", fb ? "FAIL" : "ok",
           fast ? fast->name : "(no fast backend)", fb);
    failed += fb != 0;
    nn_backend_release(fast);
    printf("%s: %d of %d checks failed\n", failed ? "FAILED" : "overall okay", failed, n + 3);
    return failed ? 1 : 0;
}
