/* The GPU op harness (ggml's test-backend-ops in spirit): every op of the engine, forward and
 * backward, on the CUDA backend against the CPU reference (kernels/cpu/ref.h) on the same random
 * inputs, in each precision mode; outputs poisoned with NaN first (every element must be
 * written), parameter gradients start from random values (backward must accumulate).
 * Error: ||gpu - ref|| / ||ref||. Tolerances (docs/gpu.md):
 *   convolution, linear:  f32 1e-4 (cuDNN's algorithms sum in other orders), tf32 5e-3,
 *                         bf16 2e-2 (operands rounded to 8 bits of mantissa)
 *   batch norm, softmax, losses, pooling, elementwise, optimizer steps: 1e-5 in every mode
 *                         (f32 arithmetic throughout)
 *   bf16-act mode (activations stored in bf16): the activation inputs are rounded to bf16
 *                         first (the reference reads the same values), activation outputs
 *                         are judged at 4e-3 at least (one rounding to 8 bits of mantissa)
 * Then the deterministic mode: two runs of every convolution backward give identical bits.
 * Exit 0 when every check passes, 1 otherwise, 77 without a GPU. */
#include "kernels/cpu/ref.h"
#include "src/nn/loss.h"
#include "src/nn/optim.h"
#include "src/nn/steps_be.h"
#include "tests/gpu/bf16_emu.h"
#include "tests/gpu/gpu_util.h"

#include <stdint.h>

static const nn_backend *G, *R; /* the GPU and the CPU reference */
static int failures, checks, mode;
static const char *MODE_NAME[] = {"f32", "tf32", "bf16", "bf16a"};
static const double TOL_MATH[] = {1e-4, 5e-3, 2e-2, 2e-2};
static const double TOL_F32 = 1e-5;
static const double TOL_ACT = 4e-3; /* an activation rounded to bf16 once: <= 2^-9 relative */
static unsigned long long rng = 12345;

static float urand(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((rng >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}
static float *rnd(size_t n, float scale) {
    float *a = gpu_xmalloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = scale * urand();
    return a;
}
static float *dup(const float *a, size_t n) {
    float *b = gpu_xmalloc(n * sizeof *b);
    memcpy(b, a, n * sizeof *b);
    return b;
}

/* judges the host copy h of a device result against the reference, and frees h */
static void judge(const char *op, const char *what, float *h, const float *ref, size_t n,
                  double tol) {
    double md;
    const double e = rel_err(h, ref, n, &md);
    const int ok = e <= tol; /* NaN fails */
    checks++;
    if (!ok) failures++;
    printf("%-4s %-5s %-34s %-8s rel %.2e max %.2e (tol %.0e)\n", ok ? "ok" : "FAIL",
           MODE_NAME[mode], op, what, e, md, tol);
    free(h);
}

/* compares the device array d (f32: parameters, gradients, statistics) with the reference */
static void check(const char *op, const char *what, const float *d, const float *ref, size_t n,
                  double tol) {
    float *h = gpu_xmalloc(n * sizeof *h);
    dev_down(G, h, d, n);
    judge(op, what, h, ref, n, tol);
}

/* ---- activations: in activation storage (bf16 in the bf16-act mode), f32 elsewhere ---- */
static int act_mode(void) { return mode == NN_CUDA_BF16_ACT; }

/* rounds to bf16, nearest even (finite values), as the device's conversion does */
static void round_bf16(float *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &a[i], 4);
        u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
        memcpy(&a[i], &u, 4);
    }
}

/* a device activation of n values from h (NULL: NaN-poisoned); in the bf16-act mode h is
 * rounded to bf16 in place first, so the reference computes from the stored values */
static float *act_up(float *h, size_t n) {
    float *d = nn_mem_alloc(G, (n ? n : 1) * sizeof(float), "test activation");
    float *src = h ? h : gpu_xmalloc((n ? n : 1) * sizeof(float));
    if (!h)
        for (size_t i = 0; i < n; i++) src[i] = NAN;
    else if (act_mode())
        round_bf16(h, n);
    if (!d || nn_act_upload(G, d, src, n) != SW_OK) {
        fprintf(stderr, "activation upload: %s\n", sw_errmsg());
        exit(1);
    }
    if (!h) free(src);
    return d;
}

static void act_down(float *h, const float *d, size_t n) {
    if (nn_act_download(G, h, d, n) != SW_OK) {
        fprintf(stderr, "activation download: %s\n", sw_errmsg());
        exit(1);
    }
}

/* check() for an activation output; tol 0 asks for the same bits in every mode (GPU against
 * GPU), any other tol is raised to TOL_ACT in the bf16-act mode */
static void check_act(const char *op, const char *what, const float *d, const float *ref,
                      size_t n, double tol) {
    float *h = gpu_xmalloc(n * sizeof *h);
    act_down(h, d, n);
    judge(op, what, h, ref, n, act_mode() && tol > 0 ? fmax(tol, TOL_ACT) : tol);
}

static void check_err(const char *op) {
    if (nn_ops_error() != SW_OK) {
        printf("FAIL %-5s %-34s backend error: %s\n", MODE_NAME[mode], op, nn_ops_error_message());
        failures++;
        nn_ops_clear_error();
    }
}

/* ---------------------------------------------------------------------------------------- */

static void conv_case(const char *name, int transposed, int N, int H, int W, int C, int K, int Rk,
                      int stride, int pad, int dil, int groups, int out_pad, int bias) {
    nn_conv2d_desc d;
    sw_status st = transposed ? nn_conv_transpose2d_desc_init(&d, N, H, W, C, K, Rk, Rk, stride,
                                                              pad, dil, groups, out_pad)
                              : nn_conv2d_desc_init(&d, N, H, W, C, K, Rk, Rk, stride, pad, dil,
                                                    groups);
    if (st != SW_OK) {
        printf("FAIL %s: %s\n", name, sw_errmsg());
        failures++;
        return;
    }
    const size_t ni = (size_t)N * H * W * C, no = (size_t)N * d.OH * d.OW * K;
    const size_t nw = (size_t)K * Rk * Rk * (C / groups);
    float *x = rnd(ni, 1.0f), *w = rnd(nw, 0.3f), *b = bias ? rnd(K, 0.5f) : NULL;
    float *dy = rnd(no, 1.0f), *dw0 = rnd(nw, 0.1f), *db0 = rnd(K, 0.1f);
    float *y_ref = gpu_xmalloc(no * 4), *dx_ref = gpu_xmalloc(ni * 4);
    float *dw_ref = dup(dw0, nw), *db_ref = dup(db0, K);
    float *dx = act_up(x, ni), *dwt = dev_up(G, w, nw), *dbias = b ? dev_up(G, b, K) : NULL;
    float *ddy = act_up(dy, no), *ddw = dev_up(G, dw0, nw), *ddb = dev_up(G, db0, K);
    float *dout = act_up(NULL, no), *ddx = act_up(NULL, ni);
    if (transposed) {
        nn_conv_transpose2d_forward(y_ref, x, w, b, &d, R);
        nn_conv_transpose2d_backward(dx_ref, dw_ref, bias ? db_ref : NULL, dy, x, w, &d, R);
        nn_conv_transpose2d_forward(dout, dx, dwt, dbias, &d, G);
        nn_conv_transpose2d_backward(ddx, ddw, bias ? ddb : NULL, ddy, dx, dwt, &d, G);
    } else {
        nn_conv2d_forward(y_ref, x, w, b, &d, R);
        nn_conv2d_backward(dx_ref, dw_ref, bias ? db_ref : NULL, dy, x, w, &d, R);
        nn_conv2d_forward(dout, dx, dwt, dbias, &d, G);
        nn_conv2d_backward(ddx, ddw, bias ? ddb : NULL, ddy, dx, dwt, &d, G);
    }
    check_err(name);
    const double t = TOL_MATH[mode];
    check_act(name, "out", dout, y_ref, no, t);
    check_act(name, "dinp", ddx, dx_ref, ni, t);
    check(name, "dweight+", ddw, dw_ref, nw, t);
    if (bias) check(name, "dbias+", ddb, db_ref, K, TOL_F32 * 10);
    /* the fused forward (inference: bias and ReLU in one pass), into an output holding NaN
     * (cuDNN's fused call gets the output as its z with alpha2 = 0: it must not read it) */
    for (size_t i = 0; i < no; i++) y_ref[i] = NAN;
    nn_act_upload(G, dout, y_ref, no);
    if (transposed) nn_conv_transpose2d_forward(y_ref, x, w, b, &d, R);
    else nn_conv2d_forward(y_ref, x, w, b, &d, R);
    for (size_t i = 0; i < no; i++) y_ref[i] = y_ref[i] > 0.f ? y_ref[i] : 0.f;
    if (transposed) nn_conv_transpose2d_relu_forward(dout, dx, dwt, dbias, &d, G);
    else nn_conv2d_relu_forward(dout, dx, dwt, dbias, &d, G);
    check_err(name);
    check_act(name, "out relu", dout, y_ref, no, t);
    /* deterministic mode: the backward twice gives the same bits */
    if (mode == 0) {
        nn_backend_cuda_set_mode(G, NN_CUDA_F32, 1);
        float *h1 = gpu_xmalloc(nw * 4), *h2 = gpu_xmalloc(nw * 4);
        for (int r = 0; r < 2; r++) {
            nn_mem_copy(G, ddw, dw0, nw * 4, NN_COPY_H2D);
            if (transposed) nn_conv_transpose2d_backward(ddx, ddw, NULL, ddy, dx, dwt, &d, G);
            else nn_conv2d_backward(ddx, ddw, NULL, ddy, dx, dwt, &d, G);
            dev_down(G, r ? h2 : h1, ddw, nw);
        }
        check_err(name);
        checks++;
        const int same = memcmp(h1, h2, nw * 4) == 0;
        if (!same) failures++;
        printf("%-4s %-5s %-34s %-8s two deterministic backward runs %s\n", same ? "ok" : "FAIL",
               "det", name, "dweight", same ? "bit-identical" : "DIFFER");
        free(h1), free(h2);
        nn_backend_cuda_set_mode(G, NN_CUDA_F32, 0);
    }
    float *ptrs[] = {dx, dwt, dbias, ddy, ddw, ddb, dout, ddx};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) nn_mem_free(G, ptrs[i]);
    free(x), free(w), free(b), free(dy), free(dw0), free(db0), free(y_ref), free(dx_ref);
    free(dw_ref), free(db_ref);
}

static void bn_case(int P, int C) {
    char name[64];
    snprintf(name, sizeof name, "batchnorm P=%d C=%d", P, C);
    const size_t n = (size_t)P * C;
    float *x = rnd(n, 2.0f), *g = rnd(C, 1.0f), *bt = rnd(C, 1.0f), *dy = rnd(n, 1.0f);
    for (size_t i = 0; i < n; i++) x[i] += 0.5f * (float)(i % C); /* per-channel means */
    float *rm = rnd(C, 0.1f), *rv = rnd(C, 0.1f);
    for (int c = 0; c < C; c++) rv[c] += 1.0f;
    float *dg0 = rnd(C, 0.1f), *db0 = rnd(C, 0.1f);
    /* reference */
    float *y = gpu_xmalloc(n * 4), *mean = gpu_xmalloc(C * 4), *var = gpu_xmalloc(C * 4);
    float *rm_r = dup(rm, C), *rv_r = dup(rv, C), *dx = gpu_xmalloc(n * 4);
    float *dg = dup(dg0, C), *db = dup(db0, C);
    float *Dx = act_up(x, n), *Dg = dev_up(G, g, C), *Db = dev_up(G, bt, C);
    float *Ddy = act_up(dy, n), *Drm = dev_up(G, rm, C), *Drv = dev_up(G, rv, C);
    float *Dy = act_up(NULL, n), *Dm = dev_up(G, NULL, C), *Dv = dev_up(G, NULL, C);
    float *Ddx = act_up(NULL, n), *Ddg = dev_up(G, dg0, C), *Ddb = dev_up(G, db0, C);
    /* the reference from the stored (rounded) inputs */
    nn_batchnorm_forward(y, mean, var, rm_r, rv_r, x, g, bt, P, C, 0.1f, 1e-5f, 1, R);
    nn_batchnorm_backward(dx, dg, db, dy, x, g, mean, var, P, C, 1e-5f, R);
    nn_batchnorm_forward(Dy, Dm, Dv, Drm, Drv, Dx, Dg, Db, P, C, 0.1f, 1e-5f, 1, G);
    nn_batchnorm_backward(Ddx, Ddg, Ddb, Ddy, Dx, Dg, Dm, Dv, P, C, 1e-5f, G);
    check_err(name);
    check_act(name, "out", Dy, y, n, TOL_F32);
    check(name, "mean", Dm, mean, C, TOL_F32);
    check(name, "var", Dv, var, C, TOL_F32);
    check(name, "run_mean", Drm, rm_r, C, TOL_F32);
    check(name, "run_var", Drv, rv_r, C, TOL_F32);
    check_act(name, "dinp", Ddx, dx, n, TOL_F32 * 10);
    check(name, "dgamma+", Ddg, dg, C, TOL_F32 * 10);
    check(name, "dbeta+", Ddb, db, C, TOL_F32);
    /* eval forward and the frozen backward */
    memcpy(dg, dg0, C * 4), memcpy(db, db0, C * 4);
    nn_batchnorm_forward(y, NULL, NULL, rm, rv, x, g, bt, P, C, 0.1f, 1e-5f, 0, R);
    nn_batchnorm_frozen_backward(dx, dg, db, dy, x, g, rm, rv, P, C, 1e-5f);
    nn_mem_copy(G, Drm, rm, C * 4, NN_COPY_H2D), nn_mem_copy(G, Drv, rv, C * 4, NN_COPY_H2D);
    nn_mem_copy(G, Ddg, dg0, C * 4, NN_COPY_H2D), nn_mem_copy(G, Ddb, db0, C * 4, NN_COPY_H2D);
    nn_batchnorm_forward(Dy, NULL, NULL, Drm, Drv, Dx, Dg, Db, P, C, 0.1f, 1e-5f, 0, G);
    nn_batchnorm_frozen_backward_be(Ddx, Ddg, Ddb, Ddy, Dx, Dg, Drm, Drv, P, C, 1e-5f, G);
    check_err(name);
    check_act(name, "eval out", Dy, y, n, TOL_F32);
    check_act(name, "frozen dinp", Ddx, dx, n, TOL_F32);
    check(name, "frozen dg+", Ddg, dg, C, TOL_F32 * 10);
    check(name, "frozen db+", Ddb, db, C, TOL_F32);
    /* batch norm + ReLU, training: the fused entries against the reference pair, and against
     * the two ops on the GPU bit for bit (the ReLU's mask is exact) */
    char fname[80];
    snprintf(fname, sizeof fname, "batchnorm+relu P=%d C=%d", P, C);
    float *dyc = dup(dy, n);
    memcpy(rm_r, rm, C * 4), memcpy(rv_r, rv, C * 4);
    memcpy(dg, dg0, C * 4), memcpy(db, db0, C * 4);
    nn_batchnorm_relu_forward(y, mean, var, rm_r, rv_r, x, g, bt, P, C, 0.1f, 1e-5f, 1, R);
    nn_batchnorm_relu_backward(dx, dg, db, dyc, y, x, g, bt, mean, var, P, C, 1e-5f, R);
    float *Ey = act_up(NULL, n), *Edx = act_up(NULL, n), *Edy = act_up(dy, n);
    float *Edg = dev_up(G, dg0, C), *Edb = dev_up(G, db0, C);
    nn_mem_copy(G, Drm, rm, C * 4, NN_COPY_H2D), nn_mem_copy(G, Drv, rv, C * 4, NN_COPY_H2D);
    nn_mem_copy(G, Ddg, dg0, C * 4, NN_COPY_H2D), nn_mem_copy(G, Ddb, db0, C * 4, NN_COPY_H2D);
    nn_batchnorm_relu_forward(Dy, Dm, Dv, Drm, Drv, Dx, Dg, Db, P, C, 0.1f, 1e-5f, 1, G);
    nn_batchnorm_relu_backward(Ddx, Ddg, Ddb, Ddy, Dy, Dx, Dg, Db, Dm, Dv, P, C, 1e-5f, G);
    nn_batchnorm_forward(Ey, Dm, Dv, Drm, Drv, Dx, Dg, Db, P, C, 0.1f, 1e-5f, 1, G);
    nn_relu_forward_be(Ey, Ey, n, G);
    nn_relu_backward_be(Edy, Edy, Ey, n, G);
    nn_batchnorm_backward(Edx, Edg, Edb, Edy, Dx, Dg, Dm, Dv, P, C, 1e-5f, G);
    check_err(fname);
    check_act(fname, "out", Dy, y, n, TOL_F32);
    check_act(fname, "dinp", Ddx, dx, n, TOL_F32 * 10);
    check(fname, "dgamma+", Ddg, dg, C, TOL_F32 * 10);
    check(fname, "dbeta+", Ddb, db, C, TOL_F32);
    float *h = gpu_xmalloc(n * 4);
    act_down(h, Ey, n);
    check_act(fname, "out = unfused (exact)", Dy, h, n, 0.0);
    act_down(h, Edx, n);
    check_act(fname, "dinp = unfused (exact)", Ddx, h, n, 0.0);
    dev_down(G, h, Edg, C);
    check(fname, "dgamma = unfused (exact)", Ddg, h, C, 0.0);
    free(h), free(dyc);
    nn_mem_free(G, Ey), nn_mem_free(G, Edx), nn_mem_free(G, Edy), nn_mem_free(G, Edg);
    nn_mem_free(G, Edb);
    float *ptrs[] = {Dx, Dg, Db, Ddy, Drm, Drv, Dy, Dm, Dv, Ddx, Ddg, Ddb};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) nn_mem_free(G, ptrs[i]);
    free(x), free(g), free(bt), free(dy), free(rm), free(rv), free(dg0), free(db0), free(y);
    free(mean), free(var), free(rm_r), free(rv_r), free(dx), free(dg), free(db);
}

/* ties: inputs on a coarse grid, so windows hold equal maxima (the first one takes the
 * gradient); max pooling's input gradient must equal the reference bit for bit */
static void pool_case(int maxp, int N, int H, int W, int C, int Rk, int stride, int pad,
                      int ties) {
    nn_pool2d_desc d;
    if (nn_pool2d_desc_init(&d, N, H, W, C, Rk, Rk, stride, pad) != SW_OK) {
        printf("FAIL pool: %s\n", sw_errmsg());
        failures++;
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "%s %dx%d s%d p%d %dx%d%s", maxp ? "maxpool" : "avgpool", Rk, Rk,
             stride, pad, H, W, ties ? " ties" : "");
    const size_t ni = (size_t)N * H * W * C, no = (size_t)N * d.OH * d.OW * C;
    float *x = rnd(ni, 1.0f), *dy = rnd(no, 1.0f), *y = gpu_xmalloc(no * 4);
    for (size_t i = 0; ties && i < ni; i++) x[i] = floorf(x[i] * 2.0f) * 0.5f;
    float *dx = gpu_xmalloc(ni * 4);
    float *Dx = act_up(x, ni), *Ddy = act_up(dy, no), *Dy = act_up(NULL, no);
    float *Ddx = act_up(NULL, ni);
    if (maxp) {
        nn_maxpool_forward(y, x, &d, R), nn_maxpool_backward(dx, dy, x, &d, R);
        nn_maxpool_forward(Dy, Dx, &d, G), nn_maxpool_backward(Ddx, Ddy, Dx, &d, G);
    } else {
        nn_avgpool_forward(y, x, &d, R), nn_avgpool_backward(dx, dy, &d, R);
        nn_avgpool_forward(Dy, Dx, &d, G), nn_avgpool_backward(Ddx, Ddy, &d, G);
    }
    check_err(name);
    check_act(name, maxp ? "out (exact)" : "out", Dy, y, no, maxp ? 0.0 : TOL_F32);
    /* bf16: a sum of several window gradients is rounded once */
    check_act(name, maxp ? "dinp (exact)" : "dinp", Ddx, dx, ni,
              maxp && !act_mode() ? 0.0 : TOL_F32);
    nn_mem_free(G, Dx), nn_mem_free(G, Ddy), nn_mem_free(G, Dy), nn_mem_free(G, Ddx);
    free(x), free(dy), free(y), free(dx);
}

/* the memory-bound ops: unary (relu, leaky relu, sigmoid), resampling, concat, add, linear,
 * softmax, global average pooling */
static void memory_ops(void) {
    const size_t n = 4099; /* not a multiple of 4: the vector paths' tails */
    float *x = rnd(n, 2.0f), *dy = rnd(n, 1.0f), *y = gpu_xmalloc(n * 4), *dx = gpu_xmalloc(n * 4);
    float *Dx = act_up(x, n), *Ddy = act_up(dy, n), *Dy = act_up(NULL, n);
    float *Ddx = act_up(NULL, n);
    const char *names[] = {"relu", "leaky_relu", "sigmoid"};
    for (int op = 0; op < 3; op++) {
        if (op == 0) {
            nn_relu_forward(y, x, n), nn_relu_backward(dx, dy, x, n);
            nn_relu_forward_be(Dy, Dx, n, G), nn_relu_backward_be(Ddx, Ddy, Dx, n, G);
        } else if (op == 1) {
            nn_leaky_relu_forward(y, x, n, 0.1f), nn_leaky_relu_backward(dx, dy, x, n, 0.1f);
            nn_leaky_relu_forward_be(Dy, Dx, n, 0.1f, G);
            nn_leaky_relu_backward_be(Ddx, Ddy, Dx, n, 0.1f, G);
        } else {
            nn_sigmoid_forward(y, x, n);
            float *ys = dup(y, n); /* the backward reads the stored output */
            if (act_mode()) round_bf16(ys, n);
            nn_sigmoid_backward(dx, dy, ys, n);
            free(ys);
            nn_sigmoid_forward_be(Dy, Dx, n, G), nn_sigmoid_backward_be(Ddx, Ddy, Dy, n, G);
        }
        check_err(names[op]);
        check_act(names[op], "out", Dy, y, n, TOL_F32);
        check_act(names[op], "dinp", Ddx, dx, n, TOL_F32);
    }
    /* add (out aliasing a, as the residual does) */
    {
        float *a = rnd(n, 1.0f), *ref = gpu_xmalloc(n * 4), *da = gpu_xmalloc(n * 4);
        float *db = gpu_xmalloc(n * 4);
        nn_add_backward(da, db, dy, n);
        float *Da = act_up(a, n), *Ddb = act_up(NULL, n);
        nn_add_forward(ref, a, x, n); /* from the stored values */
        nn_add_forward_be(Da, Da, Dx, n, G);
        nn_add_backward_be(Ddx, Ddb, Ddy, n, G);
        check_err("add");
        check_act("add", "out", Da, ref, n, TOL_F32);
        check_act("add", "da", Ddx, da, n, TOL_F32);
        check_act("add", "db", Ddb, db, n, TOL_F32);
        nn_mem_free(G, Da), nn_mem_free(G, Ddb);
        free(a), free(ref), free(da), free(db);
    }
    nn_mem_free(G, Dx), nn_mem_free(G, Ddy), nn_mem_free(G, Dy), nn_mem_free(G, Ddx);
    free(x), free(dy), free(y), free(dx);

    /* resampling: nearest and bilinear up (x2 and odd sizes) */
    const int N = 2, H = 7, W = 9, C = 6;
    const int sizes[2][2] = {{14, 18}, {17, 11}};
    for (int s = 0; s < 2; s++)
        for (int bil = 0; bil < 2; bil++) {
            const int OH = sizes[s][0], OW = sizes[s][1];
            const size_t ni = (size_t)N * H * W * C, no = (size_t)N * OH * OW * C;
            float *a = rnd(ni, 1.0f), *g = rnd(no, 1.0f), *o = gpu_xmalloc(no * 4);
            float *da = gpu_xmalloc(ni * 4);
            float *Da = act_up(a, ni), *Dg = act_up(g, no), *Do = act_up(NULL, no);
            float *Dda = act_up(NULL, ni);
            char name[64];
            snprintf(name, sizeof name, "upsample_%s %dx%d->%dx%d", bil ? "bilinear" : "nearest",
                     H, W, OH, OW);
            if (bil) {
                nn_upsample_bilinear_forward(o, a, N, H, W, C, OH, OW);
                nn_upsample_bilinear_backward(da, g, N, H, W, C, OH, OW);
                nn_upsample_bilinear_forward_be(Do, Da, N, H, W, C, OH, OW, G);
                nn_upsample_bilinear_backward_be(Dda, Dg, N, H, W, C, OH, OW, G);
            } else {
                nn_upsample_nearest_forward(o, a, N, H, W, C, OH, OW);
                nn_upsample_nearest_backward(da, g, N, H, W, C, OH, OW);
                nn_upsample_nearest_forward_be(Do, Da, N, H, W, C, OH, OW, G);
                nn_upsample_nearest_backward_be(Dda, Dg, N, H, W, C, OH, OW, G);
            }
            check_err(name);
            check_act(name, "out", Do, o, no, TOL_F32);
            check_act(name, "dinp", Dda, da, ni, TOL_F32);
            nn_mem_free(G, Da), nn_mem_free(G, Dg), nn_mem_free(G, Do), nn_mem_free(G, Dda);
            free(a), free(g), free(o), free(da);
        }
    /* concat (the UNet skip) */
    {
        const size_t P = 1031;
        const int Ca = 5, Cb = 7;
        float *a = rnd(P * Ca, 1.0f), *b = rnd(P * Cb, 1.0f), *g = rnd(P * (Ca + Cb), 1.0f);
        float *o = gpu_xmalloc(P * (Ca + Cb) * 4), *da = gpu_xmalloc(P * Ca * 4);
        float *db = gpu_xmalloc(P * Cb * 4);
        float *Da = act_up(a, P * Ca), *Db = act_up(b, P * Cb);
        float *Dg = act_up(g, P * (Ca + Cb)), *Do = act_up(NULL, P * (Ca + Cb));
        float *Dda = act_up(NULL, P * Ca), *Ddb = act_up(NULL, P * Cb);
        nn_concat_forward(o, a, b, P, Ca, Cb), nn_concat_backward(da, db, g, P, Ca, Cb);
        nn_concat_forward_be(Do, Da, Db, P, Ca, Cb, G);
        nn_concat_backward_be(Dda, Ddb, Dg, P, Ca, Cb, G);
        check_err("concat");
        check_act("concat", "out", Do, o, P * (Ca + Cb), 0.0); /* copies */
        check_act("concat", "da", Dda, da, P * Ca, 0.0);
        check_act("concat", "db", Ddb, db, P * Cb, 0.0);
        float *ptrs[] = {Da, Db, Dg, Do, Dda, Ddb};
        for (size_t i = 0; i < 6; i++) nn_mem_free(G, ptrs[i]);
        free(a), free(b), free(g), free(o), free(da), free(db);
    }
    /* global average pool + linear (the classifier head) */
    {
        const int Nn = 3, HW = 49, Cc = 64, K = 9;
        float *a = rnd((size_t)Nn * HW * Cc, 1.0f), *gg = rnd((size_t)Nn * Cc, 1.0f);
        float *o = gpu_xmalloc(Nn * Cc * 4), *da = gpu_xmalloc((size_t)Nn * HW * Cc * 4);
        float *Da = act_up(a, (size_t)Nn * HW * Cc), *Dg = act_up(gg, Nn * Cc);
        float *Do = act_up(NULL, Nn * Cc), *Dda = act_up(NULL, (size_t)Nn * HW * Cc);
        nn_global_avgpool_forward(o, a, Nn, HW, Cc);
        nn_global_avgpool_backward(da, gg, Nn, HW, Cc);
        nn_global_avgpool_forward_be(Do, Da, Nn, HW, Cc, G);
        nn_global_avgpool_backward_be(Dda, Dg, Nn, HW, Cc, G);
        check_err("global_avgpool");
        check_act("global_avgpool", "out", Do, o, Nn * Cc, TOL_F32);
        check_act("global_avgpool", "dinp", Dda, da, (size_t)Nn * HW * Cc, TOL_F32);
        float *w = rnd((size_t)K * Cc, 0.2f), *b = rnd(K, 0.2f), *dz = rnd((size_t)Nn * K, 1.0f);
        float *dw0 = rnd((size_t)K * Cc, 0.1f), *db0 = rnd(K, 0.1f);
        float *z = gpu_xmalloc(Nn * K * 4), *dxx = gpu_xmalloc(Nn * Cc * 4);
        float *dw = dup(dw0, (size_t)K * Cc), *db = dup(db0, K);
        float *Dw = dev_up(G, w, (size_t)K * Cc), *Dbb = dev_up(G, b, K);
        float *Ddz = act_up(dz, (size_t)Nn * K), *Ddw = dev_up(G, dw0, (size_t)K * Cc);
        float *Ddb = dev_up(G, db0, K), *Dz = act_up(NULL, (size_t)Nn * K);
        float *Ddx = act_up(NULL, (size_t)Nn * Cc), *Dgap = act_up(o, (size_t)Nn * Cc);
        nn_linear_forward(z, o, w, b, Nn, Cc, K); /* from the stored values */
        nn_linear_backward(dxx, dw, db, dz, o, w, Nn, Cc, K);
        nn_linear_forward_be(Dz, Dgap, Dw, Dbb, Nn, Cc, K, G);
        nn_linear_backward_be(Ddx, Ddw, Ddb, Ddz, Dgap, Dw, Nn, Cc, K, G);
        check_err("linear");
        const double t = TOL_MATH[mode];
        check_act("linear", "out", Dz, z, (size_t)Nn * K, t);
        check_act("linear", "dinp", Ddx, dxx, (size_t)Nn * Cc, t);
        check("linear", "dweight+", Ddw, dw, (size_t)K * Cc, t);
        check("linear", "dbias+", Ddb, db, K, TOL_F32);
        float *ptrs[] = {Da, Dg, Do, Dda, Dw, Dbb, Ddz, Ddw, Ddb, Dz, Ddx, Dgap};
        for (size_t i = 0; i < 12; i++) nn_mem_free(G, ptrs[i]);
        free(a), free(gg), free(o), free(da), free(w), free(b), free(dz), free(dw0), free(db0);
        free(z), free(dxx), free(dw), free(db);
    }
    /* softmax */
    {
        const size_t P = 777;
        const int K = 11;
        float *a = rnd(P * K, 4.0f), *g = rnd(P * K, 1.0f), *o = gpu_xmalloc(P * K * 4);
        float *da = gpu_xmalloc(P * K * 4);
        float *Da = act_up(a, P * K), *Dg = act_up(g, P * K), *Do = act_up(NULL, P * K);
        float *Dda = act_up(NULL, P * K);
        nn_softmax_forward(o, a, P, K);
        float *os = dup(o, P * K); /* the backward reads the stored probabilities */
        if (act_mode()) round_bf16(os, P * K);
        nn_softmax_backward(da, g, os, P, K);
        nn_softmax_forward_be(Do, Da, P, K, G), nn_softmax_backward_be(Dda, Dg, Do, P, K, G);
        check_err("softmax");
        check_act("softmax", "out", Do, o, P * K, TOL_F32);
        check_act("softmax", "dinp", Dda, da, P * K, TOL_F32);
        free(os);
        nn_mem_free(G, Da), nn_mem_free(G, Dg), nn_mem_free(G, Do), nn_mem_free(G, Dda);
        free(a), free(g), free(o), free(da);
    }
}

static void loss_optim(void) {
    const size_t P = 5003;
    const int K = 7;
    float *z = rnd(P * K, 3.0f), *w = rnd(K, 0.5f), *tb = rnd(P * K, 0.5f);
    for (int k = 0; k < K; k++) w[k] += 1.0f;
    for (size_t i = 0; i < P * K; i++) tb[i] += 0.5f;
    uint8_t *t = gpu_xmalloc(P);
    for (size_t i = 0; i < P; i++) t[i] = i % 13 == 0 ? NN_IGNORE_INDEX : (uint8_t)(i * 7 % K);
    float *dz = gpu_xmalloc(P * K * 4);
    float *Dz = act_up(z, P * K), *Dw = dev_up(G, w, K), *Dtb = dev_up(G, tb, P * K);
    float *Ddz = act_up(NULL, P * K);
    uint8_t *Dt = nn_mem_alloc(G, P, "targets");
    nn_mem_copy(G, Dt, t, P, NN_COPY_H2D);
    for (int weighted = 0; weighted < 2; weighted++) {
        const char *name = weighted ? "cross_entropy weighted" : "cross_entropy";
        const float l = nn_cross_entropy_forward(z, t, weighted ? w : NULL, P, K, 255);
        nn_cross_entropy_backward(dz, 0.7f, z, t, weighted ? w : NULL, P, K, 255);
        float gl = NAN;
        if (nn_cross_entropy_be(&gl, Ddz, 0.7f, Dz, Dt, weighted ? Dw : NULL, P, K, 255, G)) {
            printf("FAIL %s: %s\n", name, sw_errmsg());
            failures++;
        }
        float *hl = gpu_xmalloc(4);
        float *Dl = dev_up(G, &gl, 1);
        check(name, "loss", Dl, &l, 1, TOL_F32);
        check_act(name, "dlogits", Ddz, dz, P * K, TOL_F32);
        nn_mem_free(G, Dl), free(hl);
    }
    {
        const float l = nn_bce_logits_forward(z, tb, P, K);
        nn_bce_logits_backward(dz, 1.3f, z, tb, P, K);
        float gl = NAN;
        if (nn_bce_logits_be(&gl, Ddz, 1.3f, Dz, Dtb, P, K, G)) {
            printf("FAIL bce: %s\n", sw_errmsg());
            failures++;
        }
        float *Dl = dev_up(G, &gl, 1);
        check("bce_logits", "loss", Dl, &l, 1, TOL_F32);
        check_act("bce_logits", "dlogits", Ddz, dz, P * K, TOL_F32);
        nn_mem_free(G, Dl);
    }
    /* optimizer steps: 3 steps each from the same state */
    const size_t n = 10007;
    float *p0 = rnd(n, 1.0f), *g = rnd(n, 1.0f);
    for (int opt = 0; opt < 4; opt++) {
        const char *name = opt == 0 ? "sgd momentum" : opt == 1 ? "adam" : opt == 2 ? "adamw"
                                                                                  : "scale";
        float *p = dup(p0, n), *m = gpu_xmalloc(n * 4), *v = gpu_xmalloc(n * 4);
        float *Dp = dev_up(G, p0, n), *Dg = dev_up(G, g, n), *Dm = dev_up(G, m, n);
        float *Dv = dev_up(G, v, n);
        for (int s = 1; s <= 3; s++) {
            if (opt == 0) {
                nn_sgd_update(p, g, m, n, 0.1f, 0.9f, 1e-4f);
                nn_sgd_update_be(Dp, Dg, Dm, n, 0.1f, 0.9f, 1e-4f, G);
            } else if (opt == 3) {
                for (size_t i = 0; i < n; i++) p[i] *= 0.25f;
                nn_scale_be(Dp, n, 0.25f, G);
            } else {
                nn_adam_update_be(p, g, m, v, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, s, opt == 2,
                                  R);
                nn_adam_update_be(Dp, Dg, Dm, Dv, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, s,
                                  opt == 2, G);
            }
        }
        check_err(name);
        check(name, "params", Dp, p, n, TOL_F32 * 0.1);
        if (opt != 3) check(name, "state", Dm, m, n, TOL_F32 * 0.1);
        nn_mem_free(G, Dp), nn_mem_free(G, Dg), nn_mem_free(G, Dm), nn_mem_free(G, Dv);
        free(p), free(m), free(v);
    }
    nn_mem_free(G, Dz), nn_mem_free(G, Dw), nn_mem_free(G, Dtb), nn_mem_free(G, Ddz);
    nn_mem_free(G, Dt);
    free(z), free(w), free(tb), free(t), free(dz), free(p0), free(g);
}

int main(int argc, char **argv) {
    /* --emulate: the bf16-act mode against the CPU emulation of it (bf16_emu.h) instead of a
     * GPU: checks this harness's bf16a logic and tolerances on any machine */
    const int emulated = argc > 1 && strcmp(argv[1], "--emulate") == 0;
    G = emulated ? bf16_emu_backend() : gpu_or_skip("test_gpu_ops");
    R = nn_backend_cpu_ref();
    const double t0 = gpu_now();
    for (mode = emulated ? NN_CUDA_BF16_ACT : 0; mode <= NN_CUDA_BF16_ACT; mode++) {
        if (!emulated && nn_backend_cuda_set_mode(G, (nn_cuda_math)mode, 0)) {
            printf("FAIL set mode %s: %s\n", MODE_NAME[mode], sw_errmsg());
            return 1;
        }
        conv_case("conv 3x3 s1 p1 +bias", 0, 2, 17, 19, 16, 24, 3, 1, 1, 1, 1, 0, 1);
        conv_case("conv 7x7 s2 p3 (stem)", 0, 2, 32, 30, 3, 16, 7, 2, 3, 1, 1, 0, 0);
        conv_case("conv 1x1 s2 (downsample)", 0, 2, 16, 16, 32, 64, 1, 2, 0, 1, 1, 0, 0);
        conv_case("conv 3x3 dilation 2", 0, 2, 20, 20, 8, 16, 3, 1, 2, 2, 1, 0, 1);
        conv_case("conv 3x3 groups 4", 0, 2, 12, 12, 16, 32, 3, 1, 1, 1, 4, 0, 1);
        conv_case("deconv 2x2 s2 +bias (unet)", 1, 2, 9, 11, 32, 16, 2, 2, 0, 1, 1, 0, 1);
        conv_case("deconv 3x3 s2 p1 outpad 1", 1, 2, 8, 8, 16, 8, 3, 2, 1, 1, 1, 1, 1);
        conv_case("deconv 3x3 dilation 2", 1, 2, 8, 8, 8, 8, 3, 1, 2, 2, 1, 0, 0);
        /* the ones that are one matrix product (conv_gemm.cu) */
        conv_case("conv 1x1 s1 +bias (head, gemm)", 0, 2, 13, 11, 32, 5, 1, 1, 0, 1, 1, 0, 1);
        conv_case("conv 1x1 s1 (gemm)", 0, 3, 7, 9, 24, 40, 1, 1, 0, 1, 1, 0, 0);
        conv_case("deconv 2x2 s2 (gemm)", 1, 3, 7, 5, 24, 12, 2, 2, 0, 1, 1, 0, 0);
        conv_case("deconv 3x3 s3 +bias (gemm)", 1, 2, 5, 6, 8, 7, 3, 3, 0, 1, 1, 0, 1);
        if (mode == 0 || act_mode()) { /* f32 arithmetic: the storage is what differs */
            bn_case(2 * 17 * 19, 24);
            bn_case(4 * 64 * 64, 64);
            bn_case(3 * 11 * 13, 13); /* C % 4 != 0: the scalar kernels (k_extra.cu) */
            pool_case(1, 2, 16, 18, 8, 2, 2, 0, 0);
            pool_case(1, 2, 17, 15, 8, 2, 2, 0, 1); /* odd: the last row and column dropped */
            pool_case(1, 2, 17, 17, 8, 3, 2, 1, 0);
            pool_case(1, 2, 17, 17, 5, 3, 2, 1, 1); /* the ResNet stem's: overlapping windows */
            pool_case(1, 1, 9, 10, 3, 3, 1, 1, 1);  /* each input in up to 9 windows */
            pool_case(1, 2, 9, 9, 4, 2, 2, 1, 1);   /* padded, windows apart */
            pool_case(1, 1, 10, 11, 6, 3, 3, 0, 1); /* 3x3 s3: inputs left out */
            pool_case(0, 2, 16, 16, 8, 3, 1, 1, 0);
            pool_case(0, 2, 16, 16, 8, 2, 2, 0, 0);
        }
        memory_ops();
        if (mode == 0 || act_mode()) loss_optim();
    }
    unsigned long finds;
    size_t ws;
    nn_backend_cuda_stats(&finds, &ws);
    printf("%s: %d of %d checks failed (%lu cuDNN algorithm searches, workspace %.0f MiB, "
           "%.1f s)\n", failures ? "FAIL" : "PASS", failures, checks, finds, ws / 1048576.0,
           gpu_now() - t0);
    return failures ? 1 : 0;
}
