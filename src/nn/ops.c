/* Op dispatch: the backend's table entry when it supports the op and succeeds, else the CPU
 * reference (kernels/cpu/ref.h). */
#include "src/nn/ops.h"

#include "src/nn/profile.h"

#include "kernels/cpu/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const nn_backend *pick(const nn_backend *be) { return be ? be : nn_backend_default(); }

static unsigned long fallbacks;
unsigned long nn_ops_fallback_count(void) { return fallbacks; }

/* the first error of a device backend since the last clear */
static sw_status first_error = SW_OK;
static char first_message[512];

sw_status nn_ops_error(void) { return first_error; }
const char *nn_ops_error_message(void) { return first_error == SW_OK ? "" : first_message; }
void nn_ops_clear_error(void) { first_error = SW_OK, first_message[0] = 0; }

/* records a device backend's failure of `op` (the backend left its message in sw_errmsg) */
static void record(const nn_backend *be, const char *op, int unsupported) {
    if (first_error != SW_OK) return;
    char why[400];
    snprintf(why, sizeof why, "%s", sw_errmsg()); /* sw_fail writes over sw_errmsg's buffer */
    if (unsupported)
        sw_fail(SW_ERR_RUNTIME, "%s: backend %s does not run this op (no CPU fallback on a "
                "device)", op, be->name);
    else
        sw_fail(SW_ERR_RUNTIME, "%s on backend %s: %s", op, be->name, why);
    first_error = SW_ERR_RUNTIME;
    snprintf(first_message, sizeof first_message, "%s", sw_errmsg());
}

int nn_backend_is_host(const nn_backend *be) { return !be || be->device == NN_DEVICE_CPU; }

void *nn_mem_alloc(const nn_backend *be, size_t bytes, const char *what) {
    void *p = NULL;
    const size_t b = bytes ? bytes : 64;
    if (!nn_backend_is_host(be) && be->iface.mem_alloc) {
        p = be->iface.mem_alloc(b, be->context);
        if (!p) {
            char why[400];
            snprintf(why, sizeof why, "%s", sw_errmsg());
            sw_fail(SW_ERR_RUNTIME, "out of %s memory for the %s (%zu MiB): %s", be->name, what,
                    b >> 20, why);
        }
        return p;
    }
    if (posix_memalign(&p, 64, (b + 63) / 64 * 64)) {
        sw_fail(SW_ERR_RUNTIME, "out of memory for the %s (%zu MiB)", what, b >> 20);
        return NULL;
    }
    memset(p, 0, b);
    return p;
}

void nn_mem_free(const nn_backend *be, void *p) {
    if (!p) return;
    if (!nn_backend_is_host(be) && be->iface.mem_free) be->iface.mem_free(p, be->context);
    else free(p);
}

sw_status nn_mem_zero(const nn_backend *be, void *p, size_t bytes) {
    if (!p || !bytes) return SW_OK;
    if (!nn_backend_is_host(be) && be->iface.mem_zero) {
        if (be->iface.mem_zero(p, bytes, be->context) == 0) return SW_OK;
        record(be, "memset", 0);
        return SW_ERR_RUNTIME;
    }
    memset(p, 0, bytes);
    return SW_OK;
}

sw_status nn_mem_copy(const nn_backend *be, void *dst, const void *src, size_t bytes,
                      nn_copy_kind kind) {
    if (!bytes) return SW_OK;
    if (!nn_backend_is_host(be) && be->iface.mem_copy) {
        if (be->iface.mem_copy(dst, src, bytes, (int)kind, be->context) == 0) return SW_OK;
        record(be, "copy", 0);
        return SW_ERR_RUNTIME;
    }
    memmove(dst, src, bytes);
    return SW_OK;
}

sw_status nn_mem_sync(const nn_backend *be) {
    if (!nn_backend_is_host(be) && be->iface.sync) {
        if (be->iface.sync(be->context) == 0) return SW_OK;
        record(be, "synchronize", 0);
        return SW_ERR_RUNTIME;
    }
    return SW_OK;
}

int nn_act_dtype(const nn_backend *be) {
    be = pick(be);
    return be->iface.act_dtype ? be->iface.act_dtype(be->context) : 0 /* NN_F32 */;
}

sw_status nn_act_upload(const nn_backend *be, float *dst, const float *host, size_t n) {
    be = pick(be);
    if (!n || !nn_act_dtype(be)) return nn_mem_copy(be, dst, host, n * sizeof *host, NN_COPY_H2D);
    if (be->iface.act_upload && be->iface.act_upload(dst, host, n, be->context) == 0) return SW_OK;
    record(be, "activation upload", !be->iface.act_upload);
    return SW_ERR_RUNTIME;
}

sw_status nn_act_download(const nn_backend *be, float *host, const float *src, size_t n) {
    be = pick(be);
    if (!n || !nn_act_dtype(be)) return nn_mem_copy(be, host, src, n * sizeof *host, NN_COPY_D2H);
    if (be->iface.act_download && be->iface.act_download(host, src, n, be->context) == 0) return SW_OK;
    record(be, "activation download", !be->iface.act_download);
    return SW_ERR_RUNTIME;
}

/* ---------------------------------------------------------------------------------------- */
/* geometry */

sw_status nn_conv2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K, int R, int S,
                              int stride, int pad, int dil, int groups) {
    *d = (nn_conv2d_desc){N, H, W, C, K, R, S, stride, stride, pad, pad, dil, dil, groups, 0, 0,
                          0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || K < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        dil < 1 || groups < 1 || C % groups || K % groups)
        return sw_fail(SW_ERR_USAGE, "conv2d: bad geometry (C=%d K=%d groups=%d stride=%d)", C,
                       K, groups, stride);
    d->OH = (H + 2 * pad - dil * (R - 1) - 1) / stride + 1;
    d->OW = (W + 2 * pad - dil * (S - 1) - 1) / stride + 1;
    if (d->OH < 1 || d->OW < 1)
        return sw_fail(SW_ERR_USAGE, "conv2d: %dx%d input too small for a %dx%d kernel", H, W, R,
                       S);
    return SW_OK;
}

sw_status nn_conv_transpose2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K,
                                        int R, int S, int stride, int pad, int dil, int groups,
                                        int out_pad) {
    *d = (nn_conv2d_desc){N, H, W, C, K, R, S, stride, stride, pad, pad, dil, dil, groups,
                          out_pad, out_pad, 0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || K < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        dil < 1 || groups < 1 || C % groups || K % groups || out_pad < 0 ||
        out_pad >= (stride > dil ? stride : dil))
        return sw_fail(SW_ERR_USAGE, "conv_transpose2d: bad geometry (C=%d K=%d groups=%d "
                       "stride=%d out_pad=%d)", C, K, groups, stride, out_pad);
    d->OH = (H - 1) * stride - 2 * pad + dil * (R - 1) + 1 + out_pad;
    d->OW = (W - 1) * stride - 2 * pad + dil * (S - 1) + 1 + out_pad;
    if (d->OH < 1 || d->OW < 1)
        return sw_fail(SW_ERR_USAGE, "conv_transpose2d: empty output");
    return SW_OK;
}

sw_status nn_pool2d_desc_init(nn_pool2d_desc *d, int N, int H, int W, int C, int R, int S,
                              int stride, int pad) {
    *d = (nn_pool2d_desc){N, H, W, C, R, S, stride, stride, pad, pad, 0, 0};
    if (N < 1 || H < 1 || W < 1 || C < 1 || R < 1 || S < 1 || stride < 1 || pad < 0 ||
        2 * pad > R || 2 * pad > S)
        return sw_fail(SW_ERR_USAGE, "pool2d: bad geometry (%dx%d window, stride %d, pad %d)",
                       R, S, stride, pad);
    d->OH = (H + 2 * pad - R) / stride + 1;
    d->OW = (W + 2 * pad - S) / stride + 1;
    if (d->OH < 1 || d->OW < 1) return sw_fail(SW_ERR_USAGE, "pool2d: input too small");
    return SW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Dispatch. TRY runs the table entry when present and supported and returns from the caller
 * when it did the work; on a device backend it also returns after recording a failure or a
 * missing entry (no CPU fallback); on a CPU backend a failure counts as a fallback
 * (nn_ops_fallback_count) and the caller goes on to the reference. */

#define TRYD(be, entry, ok, opname, desc, ...)                                               \
    do {                                                                                     \
        if ((be)->iface.entry && (ok)) {                                                     \
            const double t0_ = nn_prof_on ? nn_prof_begin(be) : 0.0;                         \
            const int rc_ = (be)->iface.entry(__VA_ARGS__, (be)->context);                   \
            if (nn_prof_on) nn_prof_end(be, opname, desc, t0_);                              \
            if (rc_ == 0) return;                                                            \
            if ((be)->device != NN_DEVICE_CPU) {                                             \
                record(be, opname, 0);                                                       \
                return;                                                                      \
            }                                                                                \
            fallbacks++;                                                                     \
        } else if ((be)->device != NN_DEVICE_CPU) {                                          \
            record(be, opname, 1);                                                           \
            return;                                                                          \
        }                                                                                    \
    } while (0)
#define TRY(be, entry, ok, opname, ...) TRYD(be, entry, ok, opname, NULL, __VA_ARGS__)
/* the CPU reference, timed as the entries are while profiling */
#define REF(opname, desc, call)                                                              \
    do {                                                                                     \
        const double t0_ = nn_prof_on ? nn_prof_begin(be) : 0.0;                             \
        call;                                                                                \
        if (nn_prof_on) nn_prof_end(be, opname, desc, t0_);                                  \
    } while (0)

void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       const nn_conv2d_desc *d, const nn_backend *be) {
    be = pick(be);
    TRYD(be, conv2d_forward, nn_backend_supports(be, NN_OP_CONV2D, d), "conv2d forward", d, out,
         inp, weight, bias, d);
    REF("conv2d forward", d, ref_conv2d_forward(out, inp, weight, bias, d));
}

/* The fused inference entries (conv or transposed conv, then ReLU): the backend's entry when it
 * has one, else the two ops. */
typedef int (*conv_relu_fn)(float *, const float *, const float *, const float *,
                            const nn_conv2d_desc *, void *);

static void conv_relu(conv_relu_fn fused, int transposed, float *out, const float *inp,
                      const float *weight, const float *bias, const nn_conv2d_desc *d,
                      const nn_backend *be) {
    be = pick(be);
    const char *op = transposed ? "conv_transpose2d + relu forward" : "conv2d + relu forward";
    if (fused && nn_backend_supports(be, transposed ? NN_OP_CONV_TRANSPOSE2D : NN_OP_CONV2D, d)) {
        const double t0 = nn_prof_on ? nn_prof_begin(be) : 0.0;
        const int rc = fused(out, inp, weight, bias, d, be->context);
        if (nn_prof_on) nn_prof_end(be, op, d, t0);
        if (rc == 0) return;
        if (be->device != NN_DEVICE_CPU) { /* no CPU fallback on a device */
            record(be, op, 0);
            return;
        }
        fallbacks++;
    }
    if (transposed) nn_conv_transpose2d_forward(out, inp, weight, bias, d, be);
    else nn_conv2d_forward(out, inp, weight, bias, d, be);
    nn_relu_forward_be(out, out, (size_t)d->N * d->OH * d->OW * d->K, be);
}

void nn_conv2d_relu_forward(float *out, const float *inp, const float *weight, const float *bias,
                            const nn_conv2d_desc *d, const nn_backend *be) {
    conv_relu(pick(be)->iface.conv2d_relu_forward, 0, out, inp, weight, bias, d, be);
}

void nn_conv_transpose2d_relu_forward(float *out, const float *inp, const float *weight,
                                      const float *bias, const nn_conv2d_desc *d,
                                      const nn_backend *be) {
    conv_relu(pick(be)->iface.conv_transpose2d_relu_forward, 1, out, inp, weight, bias, d, be);
}

void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, const nn_conv2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    TRYD(be, conv2d_backward, nn_backend_supports(be, NN_OP_CONV2D_BACKWARD, d),
         "conv2d backward", d, dinp, dweight, dbias, dout, inp, weight, d);
    REF("conv2d backward", d, ref_conv2d_backward(dinp, dweight, dbias, dout, inp, weight, d));
}

void nn_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                 const float *bias, const nn_conv2d_desc *d,
                                 const nn_backend *be) {
    be = pick(be);
    TRYD(be, conv_transpose2d_forward, nn_backend_supports(be, NN_OP_CONV_TRANSPOSE2D, d),
        "conv_transpose2d forward", d, out, inp, weight, bias, d);
    REF("conv_transpose2d forward", d, ref_conv_transpose2d_forward(out, inp, weight, bias, d));
}

void nn_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                  const float *inp, const float *weight,
                                  const nn_conv2d_desc *d, const nn_backend *be) {
    be = pick(be);
    TRYD(be, conv_transpose2d_backward, nn_backend_supports(be, NN_OP_CONV_TRANSPOSE2D, d),
        "conv_transpose2d backward", d, dinp, dweight, dbias, dout, inp, weight, d);
    REF("conv_transpose2d backward", d,
        ref_conv_transpose2d_backward(dinp, dweight, dbias, dout, inp, weight, d));
}

void nn_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                          float *running_var, const float *inp, const float *gamma,
                          const float *beta, int P, int C, float momentum, float eps,
                          int training, const nn_backend *be) {
    be = pick(be);
    TRY(be, batchnorm_forward, nn_backend_supports(be, NN_OP_BATCHNORM, NULL),
        "batchnorm forward", out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
        momentum, eps, training);
    REF("batchnorm forward", NULL,
        ref_batchnorm_forward(out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
                              momentum, eps, training));
}

void nn_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                           const float *inp, const float *gamma, const float *mean,
                           const float *var, int P, int C, float eps, const nn_backend *be) {
    be = pick(be);
    TRY(be, batchnorm_backward, nn_backend_supports(be, NN_OP_BATCHNORM, NULL),
        "batchnorm backward", dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps);
    REF("batchnorm backward", NULL,
        ref_batchnorm_backward(dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps));
}

void nn_batchnorm_relu_forward(float *out, float *mean, float *var, float *running_mean,
                               float *running_var, const float *inp, const float *gamma,
                               const float *beta, int P, int C, float momentum, float eps,
                               int training, const nn_backend *be) {
    be = pick(be);
    if (be->iface.batchnorm_relu_forward) {
        TRY(be, batchnorm_relu_forward, 1, "batchnorm + relu forward", out, mean, var,
            running_mean, running_var, inp, gamma, beta, P, C, momentum, eps, training);
    }
    nn_batchnorm_forward(out, mean, var, running_mean, running_var, inp, gamma, beta, P, C,
                         momentum, eps, training, be);
    nn_relu_forward_be(out, out, (size_t)P * C, be);
}

void nn_batchnorm_relu_backward(float *dinp, float *dgamma, float *dbeta, float *dout,
                                const float *out, const float *inp, const float *gamma,
                                const float *beta, const float *mean, const float *var, int P,
                                int C, float eps, const nn_backend *be) {
    be = pick(be);
    if (be->iface.batchnorm_relu_backward) {
        TRY(be, batchnorm_relu_backward, 1, "batchnorm + relu backward", dinp, dgamma, dbeta,
            dout, out, inp, gamma, beta, mean, var, P, C, eps);
    }
    nn_relu_backward_be(dout, dout, out, (size_t)P * C, be);
    nn_batchnorm_backward(dinp, dgamma, dbeta, dout, inp, gamma, mean, var, P, C, eps, be);
}

void nn_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    TRY(be, maxpool_forward, nn_backend_supports(be, NN_OP_MAXPOOL, d), "maxpool forward", out,
        inp, d);
    REF("maxpool forward", NULL, ref_maxpool_forward(out, inp, d));
}

void nn_maxpool_backward(float *dinp, const float *dout, const float *inp,
                         const nn_pool2d_desc *d, const nn_backend *be) {
    be = pick(be);
    TRY(be, maxpool_backward, nn_backend_supports(be, NN_OP_MAXPOOL, d), "maxpool backward",
        dinp, dout, inp, d);
    REF("maxpool backward", NULL, ref_maxpool_backward(dinp, dout, inp, d));
}

void nn_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be) {
    be = pick(be);
    TRY(be, avgpool_forward, nn_backend_supports(be, NN_OP_AVGPOOL, d), "avgpool forward", out,
        inp, d);
    REF("avgpool forward", NULL, ref_avgpool_forward(out, inp, d));
}

void nn_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d,
                         const nn_backend *be) {
    be = pick(be);
    TRY(be, avgpool_backward, nn_backend_supports(be, NN_OP_AVGPOOL, d), "avgpool backward",
        dinp, dout, d);
    REF("avgpool backward", NULL, ref_avgpool_backward(dinp, dout, d));
}

/* ---------------------------------------------------------------------------------------- */
/* memory-bound ops: the _be twins dispatch (CPU backends leave the entries NULL: reference);
 * the plain names are the reference on host memory */

#define MEMOP(name, args_decl, args)                                                         \
    void nn_##name##_be args_decl {                                                          \
        be = pick(be);                                                                       \
        TRY(be, name, 1, #name, args);                                                       \
        REF(#name, NULL, ref_##name(args));                                                  \
    }

#define A(...) __VA_ARGS__
MEMOP(batchnorm_frozen_backward,
      (float *dinp, float *dgamma, float *dbeta, const float *dout, const float *inp,
       const float *gamma, const float *running_mean, const float *running_var, int P, int C,
       float eps, const nn_backend *be),
      A(dinp, dgamma, dbeta, dout, inp, gamma, running_mean, running_var, P, C, eps))
MEMOP(relu_forward, (float *out, const float *inp, size_t n, const nn_backend *be),
      A(out, inp, n))
MEMOP(relu_backward,
      (float *dinp, const float *dout, const float *inp, size_t n, const nn_backend *be),
      A(dinp, dout, inp, n))
MEMOP(leaky_relu_forward,
      (float *out, const float *inp, size_t n, float slope, const nn_backend *be),
      A(out, inp, n, slope))
MEMOP(leaky_relu_backward,
      (float *dinp, const float *dout, const float *inp, size_t n, float slope,
       const nn_backend *be),
      A(dinp, dout, inp, n, slope))
MEMOP(sigmoid_forward, (float *out, const float *inp, size_t n, const nn_backend *be),
      A(out, inp, n))
MEMOP(sigmoid_backward,
      (float *dinp, const float *dout, const float *out, size_t n, const nn_backend *be),
      A(dinp, dout, out, n))
MEMOP(global_avgpool_forward,
      (float *out, const float *inp, int N, int HW, int C, const nn_backend *be),
      A(out, inp, N, HW, C))
MEMOP(global_avgpool_backward,
      (float *dinp, const float *dout, int N, int HW, int C, const nn_backend *be),
      A(dinp, dout, N, HW, C))
MEMOP(upsample_nearest_forward,
      (float *out, const float *inp, int N, int H, int W, int C, int OH, int OW,
       const nn_backend *be),
      A(out, inp, N, H, W, C, OH, OW))
MEMOP(upsample_nearest_backward,
      (float *dinp, const float *dout, int N, int H, int W, int C, int OH, int OW,
       const nn_backend *be),
      A(dinp, dout, N, H, W, C, OH, OW))
MEMOP(upsample_bilinear_forward,
      (float *out, const float *inp, int N, int H, int W, int C, int OH, int OW,
       const nn_backend *be),
      A(out, inp, N, H, W, C, OH, OW))
MEMOP(upsample_bilinear_backward,
      (float *dinp, const float *dout, int N, int H, int W, int C, int OH, int OW,
       const nn_backend *be),
      A(dinp, dout, N, H, W, C, OH, OW))
MEMOP(concat_forward,
      (float *out, const float *a, const float *b, size_t P, int Ca, int Cb,
       const nn_backend *be),
      A(out, a, b, P, Ca, Cb))
MEMOP(concat_backward,
      (float *da, float *db, const float *dout, size_t P, int Ca, int Cb, const nn_backend *be),
      A(da, db, dout, P, Ca, Cb))
MEMOP(add_forward, (float *out, const float *a, const float *b, size_t n, const nn_backend *be),
      A(out, a, b, n))
MEMOP(add_backward, (float *da, float *db, const float *dout, size_t n, const nn_backend *be),
      A(da, db, dout, n))
MEMOP(linear_forward,
      (float *out, const float *inp, const float *weight, const float *bias, int N, int C, int K,
       const nn_backend *be),
      A(out, inp, weight, bias, N, C, K))
MEMOP(linear_backward,
      (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
       const float *weight, int N, int C, int K, const nn_backend *be),
      A(dinp, dweight, dbias, dout, inp, weight, N, C, K))
MEMOP(softmax_forward, (float *out, const float *inp, size_t P, int K, const nn_backend *be),
      A(out, inp, P, K))
MEMOP(softmax_backward,
      (float *dinp, const float *dout, const float *out, size_t P, int K, const nn_backend *be),
      A(dinp, dout, out, P, K))

/* the plain names: the reference on host memory */
static const nn_backend *host(void) { return nn_backend_cpu_ref(); }

void nn_batchnorm_frozen_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                  const float *inp, const float *gamma,
                                  const float *running_mean, const float *running_var, int P,
                                  int C, float eps) {
    nn_batchnorm_frozen_backward_be(dinp, dgamma, dbeta, dout, inp, gamma, running_mean,
                                    running_var, P, C, eps, host());
}
void nn_relu_forward(float *out, const float *inp, size_t n) {
    nn_relu_forward_be(out, inp, n, host());
}
void nn_relu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
    nn_relu_backward_be(dinp, dout, inp, n, host());
}
void nn_leaky_relu_forward(float *out, const float *inp, size_t n, float slope) {
    nn_leaky_relu_forward_be(out, inp, n, slope, host());
}
void nn_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                            float slope) {
    nn_leaky_relu_backward_be(dinp, dout, inp, n, slope, host());
}
void nn_sigmoid_forward(float *out, const float *inp, size_t n) {
    nn_sigmoid_forward_be(out, inp, n, host());
}
void nn_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n) {
    nn_sigmoid_backward_be(dinp, dout, out, n, host());
}
void nn_global_avgpool_forward(float *out, const float *inp, int N, int HW, int C) {
    nn_global_avgpool_forward_be(out, inp, N, HW, C, host());
}
void nn_global_avgpool_backward(float *dinp, const float *dout, int N, int HW, int C) {
    nn_global_avgpool_backward_be(dinp, dout, N, HW, C, host());
}
void nn_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W, int C,
                                 int OH, int OW) {
    nn_upsample_nearest_forward_be(out, inp, N, H, W, C, OH, OW, host());
}
void nn_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                  int OH, int OW) {
    nn_upsample_nearest_backward_be(dinp, dout, N, H, W, C, OH, OW, host());
}
void nn_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W, int C,
                                  int OH, int OW) {
    nn_upsample_bilinear_forward_be(out, inp, N, H, W, C, OH, OW, host());
}
void nn_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                   int OH, int OW) {
    nn_upsample_bilinear_backward_be(dinp, dout, N, H, W, C, OH, OW, host());
}
void nn_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca, int Cb) {
    nn_concat_forward_be(out, a, b, P, Ca, Cb, host());
}
void nn_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca, int Cb) {
    nn_concat_backward_be(da, db, dout, P, Ca, Cb, host());
}
void nn_add_forward(float *out, const float *a, const float *b, size_t n) {
    nn_add_forward_be(out, a, b, n, host());
}
void nn_add_backward(float *da, float *db, const float *dout, size_t n) {
    nn_add_backward_be(da, db, dout, n, host());
}
void nn_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                       int N, int C, int K) {
    nn_linear_forward_be(out, inp, weight, bias, N, C, K, host());
}
void nn_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, int N, int C, int K) {
    nn_linear_backward_be(dinp, dweight, dbias, dout, inp, weight, N, C, K, host());
}
void nn_softmax_forward(float *out, const float *inp, size_t P, int K) {
    nn_softmax_forward_be(out, inp, P, K, host());
}
void nn_softmax_backward(float *dinp, const float *dout, const float *out, size_t P, int K) {
    nn_softmax_backward_be(dinp, dout, out, P, K, host());
}
