/* The CPU emulation of the bf16-act numerics (see bf16_emu.h). Each entry runs the op on the
 * CPU, then rounds what it wrote to the activations. */
#include "tests/gpu/bf16_emu.h"

#include "src/nn/loss.h"
#include "src/nn/ops.h"
#include "src/nn/optim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bf16_emu_round(float *a, size_t n) {
    if (!a) return;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &a[i], 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) u |= 0x00400000u; /* NaN: quiet, kept */
        else u += 0x7fffu + ((u >> 16) & 1u);
        u &= 0xffff0000u;
        memcpy(&a[i], &u, 4);
    }
}

#define R(p, n) bf16_emu_round((p), (n))

/* the CPU backend the ops run on */
static const nn_backend *cpu(void) { return nn_backend_default(); }

/* a bf16-rounded copy of a weight (one buffer, reused: the ops run one at a time) */
static const float *rounded(const float *w, size_t n) {
    static float *buf;
    static size_t cap;
    if (n > cap) {
        free(buf);
        buf = malloc(n * sizeof *buf);
        cap = buf ? n : 0;
        if (!buf) {
            fprintf(stderr, "bf16 emulation: out of memory\n");
            exit(1);
        }
    }
    memcpy(buf, w, n * sizeof *buf);
    R(buf, n);
    return buf;
}

/* out (rows x K) = round(out + bias) per column: the bias pass after a rounded product */
static void bias_rows(float *out, const float *bias, size_t rows, int K) {
    if (!bias) return;
    for (size_t r = 0; r < rows; r++)
        for (int k = 0; k < K; k++) out[r * K + k] += bias[k];
    R(out, rows * K);
}

static size_t nin(const nn_conv2d_desc *d) { return (size_t)d->N * d->H * d->W * d->C; }
static size_t nout(const nn_conv2d_desc *d) { return (size_t)d->N * d->OH * d->OW * d->K; }
static size_t nwt(const nn_conv2d_desc *d) {
    return (size_t)d->K * d->R * d->S * (d->C / d->groups);
}

static int conv_f(float *out, const float *inp, const float *w, const float *b,
                  const nn_conv2d_desc *d, void *ctx) {
    (void)ctx;
    nn_conv2d_forward(out, inp, rounded(w, nwt(d)), NULL, d, cpu());
    R(out, nout(d));
    bias_rows(out, b, nout(d) / d->K, d->K);
    return 0;
}
/* Whether the CUDA backend runs this convolution as one matrix product (conv_gemm.cu, its
 * cu_gemm_conv_applies): there the weight gradient is accumulated straight into f32; cuDNN's
 * paths write each call's weight gradient in bf16 and add that. */
static int gemm_conv(const nn_conv2d_desc *d, int transposed) {
    if (d->groups != 1) return 0;
    if (!transposed)
        return d->R == 1 && d->S == 1 && d->stride_h == 1 && d->stride_w == 1 && !d->pad_h &&
               !d->pad_w;
    return d->R == d->stride_h && d->S == d->stride_w && !d->pad_h && !d->pad_w &&
           d->dil_h == 1 && d->dil_w == 1 && !d->out_pad_h && !d->out_pad_w;
}

/* dw += this call's weight gradient, rounded to bf16 first where cuDNN computes it */
static float *dw_target(float *dw, const nn_conv2d_desc *d, int transposed) {
    static float *buf;
    static size_t cap;
    if (!dw || gemm_conv(d, transposed)) return dw;
    if (nwt(d) > cap) {
        free(buf);
        buf = malloc(nwt(d) * sizeof *buf);
        cap = buf ? nwt(d) : 0;
        if (!buf) {
            fprintf(stderr, "bf16 emulation: out of memory\n");
            exit(1);
        }
    }
    memset(buf, 0, nwt(d) * sizeof *buf);
    return buf;
}
static void dw_add(float *dw, const float *part, const nn_conv2d_desc *d) {
    if (!dw || part == dw) return;
    float *p = (float *)part;
    R(p, nwt(d));
    for (size_t i = 0; i < nwt(d); i++) dw[i] += p[i];
}

static int conv_b(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                  const float *w, const nn_conv2d_desc *d, void *ctx) {
    (void)ctx;
    float *t = dw_target(dw, d, 0);
    nn_conv2d_backward(dinp, t, db, dout, inp, rounded(w, nwt(d)), d, cpu());
    dw_add(dw, t, d);
    R(dinp, nin(d));
    return 0;
}
static int deconv_f(float *out, const float *inp, const float *w, const float *b,
                    const nn_conv2d_desc *d, void *ctx) {
    (void)ctx;
    nn_conv_transpose2d_forward(out, inp, rounded(w, nwt(d)), NULL, d, cpu());
    R(out, nout(d));
    bias_rows(out, b, nout(d) / d->K, d->K);
    return 0;
}
static int deconv_b(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                    const float *w, const nn_conv2d_desc *d, void *ctx) {
    (void)ctx;
    float *t = dw_target(dw, d, 1);
    nn_conv_transpose2d_backward(dinp, t, db, dout, inp, rounded(w, nwt(d)), d, cpu());
    dw_add(dw, t, d);
    R(dinp, nin(d));
    return 0;
}
static int bn_f(float *out, float *mean, float *var, float *rm, float *rv, const float *inp,
                const float *g, const float *b, int P, int C, float mom, float eps, int training,
                void *ctx) {
    (void)ctx;
    nn_batchnorm_forward(out, mean, var, rm, rv, inp, g, b, P, C, mom, eps, training, cpu());
    R(out, (size_t)P * C);
    return 0;
}
static int bn_b(float *dinp, float *dg, float *db, const float *dout, const float *inp,
                const float *g, const float *mean, const float *var, int P, int C, float eps,
                void *ctx) {
    (void)ctx;
    nn_batchnorm_backward(dinp, dg, db, dout, inp, g, mean, var, P, C, eps, cpu());
    R(dinp, (size_t)P * C);
    return 0;
}
static int bn_frozen_b(float *dinp, float *dg, float *db, const float *dout, const float *inp,
                       const float *g, const float *rm, const float *rv, int P, int C, float eps,
                       void *ctx) {
    (void)ctx;
    nn_batchnorm_frozen_backward(dinp, dg, db, dout, inp, g, rm, rv, P, C, eps);
    R(dinp, (size_t)P * C);
    return 0;
}
static size_t pin(const nn_pool2d_desc *d) { return (size_t)d->N * d->H * d->W * d->C; }
static size_t pout(const nn_pool2d_desc *d) { return (size_t)d->N * d->OH * d->OW * d->C; }
static int maxp_f(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx) {
    (void)ctx;
    nn_maxpool_forward(out, inp, d, cpu());
    R(out, pout(d));
    return 0;
}
static int maxp_b(float *dinp, const float *dout, const float *inp, const nn_pool2d_desc *d,
                  void *ctx) {
    (void)ctx;
    nn_maxpool_backward(dinp, dout, inp, d, cpu());
    R(dinp, pin(d));
    return 0;
}
static int avgp_f(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx) {
    (void)ctx;
    nn_avgpool_forward(out, inp, d, cpu());
    R(out, pout(d));
    return 0;
}
static int avgp_b(float *dinp, const float *dout, const nn_pool2d_desc *d, void *ctx) {
    (void)ctx;
    nn_avgpool_backward(dinp, dout, d, cpu());
    R(dinp, pin(d));
    return 0;
}

/* ---- host memory, as a device's entries */
static void *mem_alloc(size_t bytes, void *ctx) {
    (void)ctx;
    return calloc(1, bytes ? bytes : 1);
}
static void mem_free(void *p, void *ctx) {
    (void)ctx;
    free(p);
}
static int mem_zero(void *p, size_t bytes, void *ctx) {
    (void)ctx;
    memset(p, 0, bytes);
    return 0;
}
static int mem_copy(void *dst, const void *src, size_t bytes, int kind, void *ctx) {
    (void)ctx, (void)kind;
    memmove(dst, src, bytes);
    return 0;
}
static int sync(void *ctx) {
    (void)ctx;
    return 0;
}

/* ---- memory-bound ops */
static int relu_f(float *o, const float *i, size_t n, void *ctx) {
    (void)ctx;
    nn_relu_forward(o, i, n);
    return 0; /* exact: a bf16 value or 0 */
}
static int relu_b(float *di, const float *d, const float *i, size_t n, void *ctx) {
    (void)ctx;
    nn_relu_backward(di, d, i, n);
    return 0;
}
static int lrelu_f(float *o, const float *i, size_t n, float sl, void *ctx) {
    (void)ctx;
    nn_leaky_relu_forward(o, i, n, sl);
    R(o, n);
    return 0;
}
static int lrelu_b(float *di, const float *d, const float *i, size_t n, float sl, void *ctx) {
    (void)ctx;
    nn_leaky_relu_backward(di, d, i, n, sl);
    R(di, n);
    return 0;
}
static int sig_f(float *o, const float *i, size_t n, void *ctx) {
    (void)ctx;
    nn_sigmoid_forward(o, i, n);
    R(o, n);
    return 0;
}
static int sig_b(float *di, const float *d, const float *o, size_t n, void *ctx) {
    (void)ctx;
    nn_sigmoid_backward(di, d, o, n);
    R(di, n);
    return 0;
}
static int gap_f(float *o, const float *i, int N, int HW, int C, void *ctx) {
    (void)ctx;
    nn_global_avgpool_forward(o, i, N, HW, C);
    R(o, (size_t)N * C);
    return 0;
}
static int gap_b(float *di, const float *d, int N, int HW, int C, void *ctx) {
    (void)ctx;
    nn_global_avgpool_backward(di, d, N, HW, C);
    R(di, (size_t)N * HW * C);
    return 0;
}
static int upn_f(float *o, const float *i, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    (void)ctx;
    nn_upsample_nearest_forward(o, i, N, H, W, C, OH, OW);
    return 0; /* copies */
}
static int upn_b(float *di, const float *d, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    (void)ctx;
    nn_upsample_nearest_backward(di, d, N, H, W, C, OH, OW);
    R(di, (size_t)N * H * W * C);
    return 0;
}
static int upb_f(float *o, const float *i, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    (void)ctx;
    nn_upsample_bilinear_forward(o, i, N, H, W, C, OH, OW);
    R(o, (size_t)N * OH * OW * C);
    return 0;
}
static int upb_b(float *di, const float *d, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    (void)ctx;
    nn_upsample_bilinear_backward(di, d, N, H, W, C, OH, OW);
    R(di, (size_t)N * H * W * C);
    return 0;
}
static int cat_f(float *o, const float *a, const float *b, size_t P, int Ca, int Cb, void *ctx) {
    (void)ctx;
    nn_concat_forward(o, a, b, P, Ca, Cb);
    return 0; /* copies */
}
static int cat_b(float *da, float *db, const float *d, size_t P, int Ca, int Cb, void *ctx) {
    (void)ctx;
    nn_concat_backward(da, db, d, P, Ca, Cb);
    return 0;
}
static int add_f(float *o, const float *a, const float *b, size_t n, void *ctx) {
    (void)ctx;
    nn_add_forward(o, a, b, n);
    R(o, n);
    return 0;
}
static int add_b(float *da, float *db, const float *d, size_t n, void *ctx) {
    (void)ctx;
    nn_add_backward(da, db, d, n);
    return 0; /* copies */
}
static int lin_f(float *o, const float *i, const float *w, const float *b, int N, int C, int K,
                 void *ctx) {
    (void)ctx;
    nn_linear_forward(o, i, rounded(w, (size_t)K * C), NULL, N, C, K);
    R(o, (size_t)N * K);
    bias_rows(o, b, (size_t)N, K);
    return 0;
}
static int lin_b(float *di, float *dw, float *db, const float *d, const float *i, const float *w,
                 int N, int C, int K, void *ctx) {
    (void)ctx;
    nn_linear_backward(di, dw, db, d, i, rounded(w, (size_t)K * C), N, C, K);
    R(di, (size_t)N * C);
    return 0;
}
static int smax_f(float *o, const float *i, size_t P, int K, void *ctx) {
    (void)ctx;
    nn_softmax_forward(o, i, P, K);
    R(o, P * K);
    return 0;
}
static int smax_b(float *di, const float *d, const float *o, size_t P, int K, void *ctx) {
    (void)ctx;
    nn_softmax_backward(di, d, o, P, K);
    R(di, P * K);
    return 0;
}

/* ---- losses (the value f32, the logits' gradient rounded) and optimizer steps (f32) */
static int ce_f(float *loss, const float *z, const unsigned char *t, const float *w, size_t P,
                int K, int ignore, void *ctx) {
    (void)ctx;
    *loss = nn_cross_entropy_forward(z, t, w, P, K, ignore);
    return 0;
}
static int ce_b(float *dz, float dl, const float *z, const unsigned char *t, const float *w,
                size_t P, int K, int ignore, void *ctx) {
    (void)ctx;
    nn_cross_entropy_backward(dz, dl, z, t, w, P, K, ignore);
    R(dz, P * K);
    return 0;
}
static int bce_f(float *loss, const float *z, const float *t, size_t P, int K, void *ctx) {
    (void)ctx;
    *loss = nn_bce_logits_forward(z, t, P, K);
    return 0;
}
static int bce_b(float *dz, float dl, const float *z, const float *t, size_t P, int K,
                 void *ctx) {
    (void)ctx;
    nn_bce_logits_backward(dz, dl, z, t, P, K);
    R(dz, P * K);
    return 0;
}
static int sgd(float *p, const float *g, float *buf, size_t n, float lr, float mom, float wd,
               void *ctx) {
    (void)ctx;
    nn_sgd_update(p, g, buf, n, lr, mom, wd);
    return 0;
}
static int adam(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
                float b2, float eps, float wd, int step, int dec, void *ctx) {
    (void)ctx;
    if (dec) nn_adamw_update(p, g, m, v, n, lr, b1, b2, eps, wd, step);
    else nn_adam_update(p, g, m, v, n, lr, b1, b2, eps, wd, step);
    return 0;
}
static int scale(float *x, size_t n, float s, void *ctx) {
    (void)ctx;
    for (size_t i = 0; i < n; i++) x[i] *= s;
    return 0;
}

/* ---- activation storage: bf16 values in f32 */
static int act_dtype(void *ctx) {
    (void)ctx;
    return 1; /* NN_BF16 */
}
static int act_upload(float *dst, const float *host, size_t n, void *ctx) {
    (void)ctx;
    memmove(dst, host, n * sizeof *dst);
    R(dst, n);
    return 0;
}
static int act_download(float *host, const float *src, size_t n, void *ctx) {
    (void)ctx;
    memmove(host, src, n * sizeof *host);
    return 0;
}

const nn_backend *bf16_emu_backend(void) {
    static nn_backend be;
    if (be.name) return &be;
    nn_backend_i f;
    memset(&f, 0, sizeof f);
    f.conv2d_forward = conv_f, f.conv2d_backward = conv_b;
    f.conv_transpose2d_forward = deconv_f, f.conv_transpose2d_backward = deconv_b;
    f.batchnorm_forward = bn_f, f.batchnorm_backward = bn_b;
    f.batchnorm_frozen_backward = bn_frozen_b;
    f.maxpool_forward = maxp_f, f.maxpool_backward = maxp_b;
    f.avgpool_forward = avgp_f, f.avgpool_backward = avgp_b;
    f.mem_alloc = mem_alloc, f.mem_free = mem_free, f.mem_zero = mem_zero;
    f.mem_copy = mem_copy, f.sync = sync;
    f.relu_forward = relu_f, f.relu_backward = relu_b;
    f.leaky_relu_forward = lrelu_f, f.leaky_relu_backward = lrelu_b;
    f.sigmoid_forward = sig_f, f.sigmoid_backward = sig_b;
    f.global_avgpool_forward = gap_f, f.global_avgpool_backward = gap_b;
    f.upsample_nearest_forward = upn_f, f.upsample_nearest_backward = upn_b;
    f.upsample_bilinear_forward = upb_f, f.upsample_bilinear_backward = upb_b;
    f.concat_forward = cat_f, f.concat_backward = cat_b;
    f.add_forward = add_f, f.add_backward = add_b;
    f.linear_forward = lin_f, f.linear_backward = lin_b;
    f.softmax_forward = smax_f, f.softmax_backward = smax_b;
    f.cross_entropy_forward = ce_f, f.cross_entropy_backward = ce_b;
    f.bce_logits_forward = bce_f, f.bce_logits_backward = bce_b;
    f.sgd_update = sgd, f.adam_update = adam, f.scale = scale;
    f.act_dtype = act_dtype, f.act_upload = act_upload, f.act_download = act_download;
    be.iface = f;
    be.device = NN_DEVICE_CUDA; /* a device with host memory: no unrounded reference fallback */
    be.context = NULL;
    be.name = "cpu-bf16-emulation";
    return &be;
}
