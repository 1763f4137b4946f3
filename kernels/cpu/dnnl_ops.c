/* The CPU fast backend: oneDNN primitives for convolution, transposed convolution, batch norm
 * and pooling, NHWC activations, weights in our (K,R,S,C/groups) layout reordered to whatever
 * the primitive prefers. Primitive descriptors and primitives are created once per shape and
 * cached (creation costs milliseconds). The oneDNN 2.x C API (op descriptors) lives only in this
 * file: moving to oneDNN 3.x (dnnl_*_primitive_desc_create) touches nothing else.
 * Not thread-safe: one thread drives the engine; oneDNN parallelizes with OpenMP inside. */
#include "kernels/backend.h"
#include "src/core/build_config.h"

#if SWATH_HAVE_DNNL
#include "src/core/log.h"

#include <dnnl.h>
#include <stdlib.h>
#include <string.h>

#if DNNL_VERSION_MAJOR >= 3
/* oneDNN 3.x dropped the op descriptors used below; until this file grows the 3.x calls
 * (dnnl_convolution_forward_primitive_desc_create and friends), the build still works and the
 * reference kernels run. */
const nn_backend *dnnl_backend_get(void) {
    static int told = 0;
    if (!told++)
        sw_log(1, "oneDNN %d.x: fast paths not ported yet; CPU reference kernels only",
               DNNL_VERSION_MAJOR);
    return NULL;
}
#else

/* ---------------------------------------------------------------------------------------- */
/* context and primitive cache */

enum { KIND_CONV = 1, KIND_DECONV, KIND_BN, KIND_MAXPOOL, KIND_AVGPOOL };

typedef struct {
    int kind, has_bias, training, P, C;
    int relu; /* conv forward with a ReLU post-op (inference) */
    float eps;
    nn_conv2d_desc conv;
    nn_pool2d_desc pool;
} cache_key;

typedef struct {
    cache_key key;
    int failed;
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_w_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_w;
    dnnl_memory_desc_t w_user_md;        /* weights as the caller stores them */
    dnnl_primitive_t w_to_fwd, w_to_bwd; /* reorders user -> primitive layouts (or NULL) */
    dnnl_primitive_t dw_to_user;         /* reorder of the weight gradient back (or NULL) */
    float *wbuf_fwd, *wbuf_bwd, *dwbuf, *dw_user, *dbias; /* scratch (64-byte aligned) */
    float *stats;                        /* batch norm: diff scale, diff shift, zero shift */
} cache_entry;

typedef struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    cache_entry **entries;
    int count, cap;
} dnnl_ctx;

#define CHECK(call)                                                                          \
    do {                                                                                     \
        dnnl_status_t st_ = (call);                                                          \
        if (st_ != dnnl_success) {                                                           \
            sw_log(2, "oneDNN: %s failed (status %d), using the reference", #call, (int)st_); \
            return -1;                                                                       \
        }                                                                                    \
    } while (0)

static float *buf_alloc(size_t bytes) {
    void *p = NULL;
    return posix_memalign(&p, 64, bytes ? bytes : 64) ? NULL : p;
}

static cache_entry *cache_find(dnnl_ctx *cx, const cache_key *k, int *fresh) {
    *fresh = 0;
    for (int i = 0; i < cx->count; i++)
        if (memcmp(&cx->entries[i]->key, k, sizeof *k) == 0) return cx->entries[i];
    if (cx->count == cx->cap) {
        int cap = cx->cap ? 2 * cx->cap : 32;
        cache_entry **e = realloc(cx->entries, (size_t)cap * sizeof *e);
        if (!e) return NULL;
        cx->entries = e;
        cx->cap = cap;
    }
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->key = *k;
    cx->entries[cx->count++] = e;
    *fresh = 1;
    return e;
}

static dnnl_status_t md_init(dnnl_memory_desc_t *md, int nd, const dnnl_dim_t *dims,
                             dnnl_format_tag_t tag) {
    dnnl_dims_t d;
    for (int i = 0; i < nd; i++) d[i] = dims[i];
    return dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, tag);
}

/* Runs a primitive with up to 12 (arg, md, pointer) triples; memories wrap caller pointers. */
typedef struct {
    int arg;
    const dnnl_memory_desc_t *md;
    const void *ptr;
} exec_arg;

static int run(dnnl_ctx *cx, dnnl_primitive_t prim, const exec_arg *a, int n) {
    dnnl_exec_arg_t args[12];
    dnnl_memory_t mem[12];
    int made = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        if (dnnl_memory_create(&mem[i], a[i].md, cx->engine, (void *)a[i].ptr) != dnnl_success) {
            rc = -1;
            break;
        }
        made++;
        args[i].arg = a[i].arg;
        args[i].memory = mem[i];
    }
    if (rc == 0) {
        dnnl_status_t st = dnnl_primitive_execute(prim, cx->stream, n, args);
        if (st == dnnl_success) st = dnnl_stream_wait(cx->stream);
        if (st != dnnl_success) {
            sw_log(2, "oneDNN: execute failed (status %d), using the reference", (int)st);
            rc = -1;
        }
    }
    for (int i = 0; i < made; i++) dnnl_memory_destroy(mem[i]);
    return rc;
}

static int reorder_make(dnnl_ctx *cx, dnnl_primitive_t *out, const dnnl_memory_desc_t *from,
                        const dnnl_memory_desc_t *to) {
    *out = NULL;
    if (dnnl_memory_desc_equal(from, to)) return 0;
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_reorder_primitive_desc_create(&pd, from, cx->engine, to, cx->engine, NULL));
    dnnl_status_t st = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    return st == dnnl_success ? 0 : -1;
}

static int reorder_run(dnnl_ctx *cx, dnnl_primitive_t r, const dnnl_memory_desc_t *from,
                       const void *src, const dnnl_memory_desc_t *to, void *dst) {
    exec_arg a[2] = {{DNNL_ARG_FROM, from, src}, {DNNL_ARG_TO, to, dst}};
    return run(cx, r, a, 2);
}

static const dnnl_memory_desc_t *pd_md(dnnl_primitive_desc_t pd, dnnl_query_t what) {
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

static void accumulate(float *dst, const float *src, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* ---------------------------------------------------------------------------------------- */
/* convolution and transposed convolution */

typedef struct {
    dnnl_memory_desc_t src, dst, w_any, bias;
    dnnl_dims_t strides, dil, pad_l, pad_r;
} conv_mds;

/* Memory descriptors of a conv / deconv; -1 on a oneDNN error. */
static int conv_mds_init(conv_mds *m, cache_entry *e) {
    const nn_conv2d_desc *d = &e->key.conv;
    const int G = d->groups;
    const dnnl_dim_t src[4] = {d->N, d->C, d->H, d->W}, dst[4] = {d->N, d->K, d->OH, d->OW};
    const dnnl_dim_t bias[1] = {d->K};
    const dnnl_dim_t w1[4] = {d->K, d->C, d->R, d->S};
    const dnnl_dim_t wg[5] = {G, d->K / G, d->C / G, d->R, d->S};
    CHECK(md_init(&m->src, 4, src, dnnl_nhwc));
    CHECK(md_init(&m->dst, 4, dst, dnnl_nhwc));
    CHECK(md_init(&m->bias, 1, bias, dnnl_x));
    if (G > 1) {
        CHECK(md_init(&e->w_user_md, 5, wg, dnnl_gohwi));
        CHECK(md_init(&m->w_any, 5, wg, dnnl_format_tag_any));
    } else {
        CHECK(md_init(&e->w_user_md, 4, w1, dnnl_ohwi));
        CHECK(md_init(&m->w_any, 4, w1, dnnl_format_tag_any));
    }
    const int ext_h = (d->R - 1) * d->dil_h + 1, ext_w = (d->S - 1) * d->dil_w + 1;
    m->strides[0] = d->stride_h;
    m->strides[1] = d->stride_w;
    m->dil[0] = d->dil_h - 1; /* oneDNN counts dilation from 0 */
    m->dil[1] = d->dil_w - 1;
    m->pad_l[0] = d->pad_h;
    m->pad_l[1] = d->pad_w;
    if (e->key.kind == KIND_CONV) {
        m->pad_r[0] = (dnnl_dim_t)(d->OH - 1) * d->stride_h + ext_h - d->H - d->pad_h;
        m->pad_r[1] = (dnnl_dim_t)(d->OW - 1) * d->stride_w + ext_w - d->W - d->pad_w;
    } else {
        m->pad_r[0] = (dnnl_dim_t)(d->H - 1) * d->stride_h + ext_h - d->pad_h - d->OH;
        m->pad_r[1] = (dnnl_dim_t)(d->W - 1) * d->stride_w + ext_w - d->pad_w - d->OW;
    }
    return 0; /* a negative right padding (1x1 stride 2 on even sizes): fine for the forward, not
              * for the AVX-512 backward (dnnl_supports) */
}

static int conv_build_fwd(dnnl_ctx *cx, cache_entry *e) {
    conv_mds m;
    if (conv_mds_init(&m, e)) return -1;
    dnnl_convolution_desc_t cd;
    const dnnl_memory_desc_t *b = e->key.has_bias ? &m.bias : NULL;
    if (e->key.kind == KIND_CONV)
        CHECK(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_training,
              dnnl_convolution_direct, &m.src, &m.w_any, b, &m.dst, m.strides, m.dil, m.pad_l,
              m.pad_r));
    else
        CHECK(dnnl_dilated_deconvolution_forward_desc_init(&cd, dnnl_forward_training,
              dnnl_deconvolution_direct, &m.src, &m.w_any, b, &m.dst, m.strides, m.dil, m.pad_l,
              m.pad_r));
    dnnl_primitive_attr_t attr = NULL;
    if (e->key.relu) {
        dnnl_post_ops_t po;
        CHECK(dnnl_post_ops_create(&po));
        dnnl_status_t s = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        if (s == dnnl_success) s = dnnl_primitive_attr_create(&attr);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
        if (s != dnnl_success) {
            if (attr) dnnl_primitive_attr_destroy(attr);
            CHECK(s);
        }
    }
    const dnnl_status_t made = dnnl_primitive_desc_create(&e->fwd_pd, &cd, attr, cx->engine, NULL);
    if (attr) dnnl_primitive_attr_destroy(attr);
    CHECK(made);
    CHECK(dnnl_primitive_create(&e->fwd, e->fwd_pd));
    const dnnl_memory_desc_t *wmd = pd_md(e->fwd_pd, dnnl_query_weights_md);
    if (reorder_make(cx, &e->w_to_fwd, &e->w_user_md, wmd)) return -1;
    if (e->w_to_fwd && !(e->wbuf_fwd = buf_alloc(dnnl_memory_desc_get_size(wmd)))) return -1;
    return 0;
}

static int conv_build_bwd(dnnl_ctx *cx, cache_entry *e) {
    conv_mds m;
    if (conv_mds_init(&m, e)) return -1;
    dnnl_convolution_desc_t bd, bw;
    if (e->key.kind == KIND_CONV) {
        CHECK(dnnl_dilated_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct,
              &m.src, &m.w_any, &m.dst, m.strides, m.dil, m.pad_l, m.pad_r));
        CHECK(dnnl_dilated_convolution_backward_weights_desc_init(&bw, dnnl_convolution_direct,
              &m.src, &m.w_any, &m.bias, &m.dst, m.strides, m.dil, m.pad_l, m.pad_r));
    } else {
        CHECK(dnnl_dilated_deconvolution_backward_data_desc_init(&bd, dnnl_deconvolution_direct,
              &m.src, &m.w_any, &m.dst, m.strides, m.dil, m.pad_l, m.pad_r));
        CHECK(dnnl_dilated_deconvolution_backward_weights_desc_init(&bw,
              dnnl_deconvolution_direct, &m.src, &m.w_any, &m.bias, &m.dst, m.strides, m.dil,
              m.pad_l, m.pad_r));
    }
    CHECK(dnnl_primitive_desc_create(&e->bwd_data_pd, &bd, NULL, cx->engine, e->fwd_pd));
    CHECK(dnnl_primitive_create(&e->bwd_data, e->bwd_data_pd));
    CHECK(dnnl_primitive_desc_create(&e->bwd_w_pd, &bw, NULL, cx->engine, e->fwd_pd));
    CHECK(dnnl_primitive_create(&e->bwd_w, e->bwd_w_pd));
    const dnnl_memory_desc_t *wmd = pd_md(e->bwd_data_pd, dnnl_query_weights_md);
    const dnnl_memory_desc_t *dwmd = pd_md(e->bwd_w_pd, dnnl_query_diff_weights_md);
    const size_t wbytes = dnnl_memory_desc_get_size(&e->w_user_md);
    if (reorder_make(cx, &e->w_to_bwd, &e->w_user_md, wmd)) return -1;
    if (reorder_make(cx, &e->dw_to_user, dwmd, &e->w_user_md)) return -1;
    if (e->w_to_bwd && !(e->wbuf_bwd = buf_alloc(dnnl_memory_desc_get_size(wmd)))) return -1;
    if (!(e->dwbuf = buf_alloc(dnnl_memory_desc_get_size(dwmd)))) return -1;
    if (e->dw_to_user && !(e->dw_user = buf_alloc(wbytes))) return -1;
    /* the bias gradient as the primitive lays it out: its AVX-512 kernels pad K to a multiple of
     * 16 (K = 8 wrote 32 bytes past a K-float buffer: heap corruption at batch 1, 2 threads) */
    const dnnl_memory_desc_t *dbmd = dnnl_primitive_desc_query_md(e->bwd_w_pd, dnnl_query_diff_weights_md, 1);
    size_t dbytes = dbmd ? dnnl_memory_desc_get_size(dbmd) : 0;
    if (dbytes < (size_t)e->key.conv.K * sizeof(float)) dbytes = (size_t)e->key.conv.K * sizeof(float);
    if (!(e->dbias = buf_alloc(dbytes))) return -1;
    return 0;
}

static cache_entry *conv_entry(dnnl_ctx *cx, int kind, const nn_conv2d_desc *d, int has_bias,
                               int relu) {
    cache_key k;
    memset(&k, 0, sizeof k);
    k.kind = kind;
    k.has_bias = has_bias;
    k.relu = relu;
    k.conv = *d;
    int fresh;
    cache_entry *e = cache_find(cx, &k, &fresh);
    if (e && fresh && conv_build_fwd(cx, e)) e->failed = 1;
    return e && !e->failed ? e : NULL;
}

static int conv_forward(int kind, float *out, const float *inp, const float *weight,
                        const float *bias, const nn_conv2d_desc *d, int relu, void *ctx) {
    dnnl_ctx *cx = ctx;
    cache_entry *e = conv_entry(cx, kind, d, bias != NULL, relu);
    if (!e) return -1;
    const float *w = weight;
    const dnnl_memory_desc_t *wmd = pd_md(e->fwd_pd, dnnl_query_weights_md);
    if (e->w_to_fwd) {
        if (reorder_run(cx, e->w_to_fwd, &e->w_user_md, weight, wmd, e->wbuf_fwd)) return -1;
        w = e->wbuf_fwd;
    }
    exec_arg a[4] = {{DNNL_ARG_SRC, pd_md(e->fwd_pd, dnnl_query_src_md), inp},
                     {DNNL_ARG_WEIGHTS, wmd, w},
                     {DNNL_ARG_DST, pd_md(e->fwd_pd, dnnl_query_dst_md), out},
                     {DNNL_ARG_BIAS, dnnl_primitive_desc_query_md(e->fwd_pd,
                                                                  dnnl_query_weights_md, 1), bias}};
    return run(cx, e->fwd, a, bias ? 4 : 3);
}

static int conv_backward(int kind, float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, const nn_conv2d_desc *d,
                         void *ctx) {
    dnnl_ctx *cx = ctx;
    /* the forward entry of either bias flavour serves as the hint; backward needs one */
    cache_entry *e = conv_entry(cx, kind, d, 1, 0);
    if (!e) return -1;
    if (!e->bwd_w && conv_build_bwd(cx, e)) {
        e->failed = 1;
        return -1;
    }
    const dnnl_memory_desc_t *dst_md = pd_md(e->fwd_pd, dnnl_query_dst_md);
    const dnnl_memory_desc_t *src_md = pd_md(e->fwd_pd, dnnl_query_src_md);
    if (dinp) {
        const float *w = weight;
        const dnnl_memory_desc_t *wmd = pd_md(e->bwd_data_pd, dnnl_query_weights_md);
        if (e->w_to_bwd) {
            if (reorder_run(cx, e->w_to_bwd, &e->w_user_md, weight, wmd, e->wbuf_bwd)) return -1;
            w = e->wbuf_bwd;
        }
        exec_arg a[3] = {{DNNL_ARG_DIFF_DST, dst_md, dout},
                         {DNNL_ARG_WEIGHTS, wmd, w},
                         {DNNL_ARG_DIFF_SRC, src_md, dinp}};
        if (run(cx, e->bwd_data, a, 3)) return -1;
    }
    if (dweight) {
        const dnnl_memory_desc_t *dwmd = pd_md(e->bwd_w_pd, dnnl_query_diff_weights_md);
        exec_arg a[4] = {{DNNL_ARG_SRC, src_md, inp},
                         {DNNL_ARG_DIFF_DST, dst_md, dout},
                         {DNNL_ARG_DIFF_WEIGHTS, dwmd, e->dwbuf},
                         {DNNL_ARG_DIFF_BIAS,
                          dnnl_primitive_desc_query_md(e->bwd_w_pd, dnnl_query_diff_weights_md, 1),
                          e->dbias}};
        if (run(cx, e->bwd_w, a, 4)) return -1;
        const float *dw = e->dwbuf;
        if (e->dw_to_user) {
            if (reorder_run(cx, e->dw_to_user, dwmd, e->dwbuf, &e->w_user_md, e->dw_user))
                return -1;
            dw = e->dw_user;
        }
        accumulate(dweight, dw, dnnl_memory_desc_get_size(&e->w_user_md) / sizeof(float));
        if (dbias) accumulate(dbias, e->dbias, (size_t)d->K);
    }
    return 0;
}

static int dnnl_conv2d_forward(float *out, const float *inp, const float *weight,
                               const float *bias, const nn_conv2d_desc *d, void *ctx) {
    return conv_forward(KIND_CONV, out, inp, weight, bias, d, 0, ctx);
}
static int dnnl_conv2d_relu_forward(float *out, const float *inp, const float *weight,
                                   const float *bias, const nn_conv2d_desc *d, void *ctx) {
    return conv_forward(KIND_CONV, out, inp, weight, bias, d, 1, ctx);
}

static int dnnl_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                const float *inp, const float *weight, const nn_conv2d_desc *d,
                                void *ctx) {
    /* dbias without dweight is not worth a special case: the reference does it */
    if (!dweight && dbias) return -1;
    return conv_backward(KIND_CONV, dinp, dweight, dbias, dout, inp, weight, d, ctx);
}
static int dnnl_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                         const float *bias, const nn_conv2d_desc *d, void *ctx) {
    return conv_forward(KIND_DECONV, out, inp, weight, bias, d, 0, ctx);
}
static int dnnl_conv_transpose2d_relu_forward(float *out, const float *inp, const float *weight,
                                              const float *bias, const nn_conv2d_desc *d,
                                              void *ctx) {
    return conv_forward(KIND_DECONV, out, inp, weight, bias, d, 1, ctx);
}
static int dnnl_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias,
                                          const float *dout, const float *inp,
                                          const float *weight, const nn_conv2d_desc *d,
                                          void *ctx) {
    if (!dweight && dbias) return -1;
    return conv_backward(KIND_DECONV, dinp, dweight, dbias, dout, inp, weight, d, ctx);
}

/* ---------------------------------------------------------------------------------------- */
/* batch norm: (P,C) described as (P,C,1,1) NHWC */

static cache_entry *bn_entry(dnnl_ctx *cx, int P, int C, float eps, int training) {
    cache_key k;
    memset(&k, 0, sizeof k);
    k.kind = KIND_BN;
    k.P = P;
    k.C = C;
    k.training = training;
    k.eps = eps;
    int fresh;
    cache_entry *e = cache_find(cx, &k, &fresh);
    if (!e || !fresh) return e && !e->failed ? e : NULL;
    e->failed = 1;
    dnnl_memory_desc_t md;
    const dnnl_dim_t dims[4] = {P, C, 1, 1};
    if (md_init(&md, 4, dims, dnnl_nhwc) != dnnl_success) return NULL;
    const unsigned flags = dnnl_use_scale | dnnl_use_shift | (training ? 0 : dnnl_use_global_stats);
    dnnl_batch_normalization_desc_t bd;
    if (dnnl_batch_normalization_forward_desc_init(&bd, training ? dnnl_forward_training :
                                                   dnnl_forward_inference, &md, eps, flags) ||
        dnnl_primitive_desc_create(&e->fwd_pd, &bd, NULL, cx->engine, NULL) ||
        dnnl_primitive_create(&e->fwd, e->fwd_pd))
        return NULL;
    if (training) {
        dnnl_batch_normalization_desc_t bb;
        if (dnnl_batch_normalization_backward_desc_init(&bb, dnnl_backward, &md, &md, eps,
                                                        dnnl_use_scale | dnnl_use_shift) ||
            dnnl_primitive_desc_create(&e->bwd_data_pd, &bb, NULL, cx->engine, e->fwd_pd) ||
            dnnl_primitive_create(&e->bwd_data, e->bwd_data_pd))
            return NULL;
    }
    /* diff scale, diff shift, and a zero shift (oneDNN 2.6 wants SHIFT in backward though the
     * result does not depend on it) */
    if (!(e->stats = buf_alloc((size_t)3 * C * sizeof(float)))) return NULL;
    memset(e->stats, 0, (size_t)3 * C * sizeof(float));
    e->failed = 0;
    return e;
}

static int dnnl_batchnorm_forward(float *out, float *mean, float *var, float *running_mean,
                                  float *running_var, const float *inp, const float *gamma,
                                  const float *beta, int P, int C, float momentum, float eps,
                                  int training, void *ctx) {
    dnnl_ctx *cx = ctx;
    cache_entry *e = bn_entry(cx, P, C, eps, training);
    if (!e) return -1;
    const dnnl_memory_desc_t *md = pd_md(e->fwd_pd, dnnl_query_src_md);
    dnnl_memory_desc_t cmd;
    const dnnl_dim_t cdim[1] = {C};
    CHECK(md_init(&cmd, 1, cdim, dnnl_x));
    exec_arg a[7] = {{DNNL_ARG_SRC, md, inp},
                     {DNNL_ARG_DST, md, out},
                     {DNNL_ARG_SCALE, &cmd, gamma},
                     {DNNL_ARG_SHIFT, &cmd, beta},
                     {DNNL_ARG_MEAN, &cmd, training ? mean : running_mean},
                     {DNNL_ARG_VARIANCE, &cmd, training ? var : running_var}};
    if (run(cx, e->fwd, a, 6)) return -1;
    if (training) {
        const double unbias = P > 1 ? (double)P / (P - 1) : 1.0;
        for (int c = 0; c < C; c++) {
            running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
            running_var[c] = (float)((1.0 - momentum) * running_var[c] +
                                     momentum * unbias * var[c]);
        }
    }
    return 0;
}

static int dnnl_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                   const float *inp, const float *gamma, const float *mean,
                                   const float *var, int P, int C, float eps, void *ctx) {
    dnnl_ctx *cx = ctx;
    if (!dinp) return -1;
    cache_entry *e = bn_entry(cx, P, C, eps, 1);
    if (!e) return -1;
    const dnnl_memory_desc_t *md = pd_md(e->fwd_pd, dnnl_query_src_md);
    dnnl_memory_desc_t cmd;
    const dnnl_dim_t cdim[1] = {C};
    CHECK(md_init(&cmd, 1, cdim, dnnl_x));
    exec_arg a[9] = {{DNNL_ARG_SRC, md, inp},
                     {DNNL_ARG_DIFF_DST, md, dout},
                     {DNNL_ARG_MEAN, &cmd, mean},
                     {DNNL_ARG_VARIANCE, &cmd, var},
                     {DNNL_ARG_SCALE, &cmd, gamma},
                     {DNNL_ARG_DIFF_SRC, md, dinp},
                     {DNNL_ARG_DIFF_SCALE, &cmd, e->stats},
                     {DNNL_ARG_DIFF_SHIFT, &cmd, e->stats + C},
                     {DNNL_ARG_SHIFT, &cmd, e->stats + 2 * C}};
    if (run(cx, e->bwd_data, a, 9)) return -1;
    if (dgamma) accumulate(dgamma, e->stats, (size_t)C);
    if (dbeta) accumulate(dbeta, e->stats + C, (size_t)C);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* pooling: max forward (inference: the reference backward recomputes the argmax), average
 * forward and backward */

static cache_entry *pool_entry(dnnl_ctx *cx, int kind, const nn_pool2d_desc *d) {
    cache_key k;
    memset(&k, 0, sizeof k);
    k.kind = kind;
    k.pool = *d;
    int fresh;
    cache_entry *e = cache_find(cx, &k, &fresh);
    if (!e || !fresh) return e && !e->failed ? e : NULL;
    e->failed = 1;
    dnnl_memory_desc_t src, dst;
    const dnnl_dim_t sd[4] = {d->N, d->C, d->H, d->W}, dd[4] = {d->N, d->C, d->OH, d->OW};
    dnnl_dims_t strides = {d->stride_h, d->stride_w}, kernel = {d->R, d->S}, dil = {0, 0};
    dnnl_dims_t pl = {d->pad_h, d->pad_w};
    dnnl_dims_t pr = {(dnnl_dim_t)(d->OH - 1) * d->stride_h + d->R - d->H - d->pad_h,
                      (dnnl_dim_t)(d->OW - 1) * d->stride_w + d->S - d->W - d->pad_w};
    if (md_init(&src, 4, sd, dnnl_nhwc) || md_init(&dst, 4, dd, dnnl_nhwc)) return NULL;
    const dnnl_alg_kind_t alg =
        kind == KIND_MAXPOOL ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
    dnnl_pooling_v2_desc_t fd;
    if (dnnl_pooling_v2_forward_desc_init(&fd, kind == KIND_MAXPOOL ? dnnl_forward_inference :
                                          dnnl_forward_training, alg, &src, &dst, strides,
                                          kernel, dil, pl, pr) ||
        dnnl_primitive_desc_create(&e->fwd_pd, &fd, NULL, cx->engine, NULL) ||
        dnnl_primitive_create(&e->fwd, e->fwd_pd))
        return NULL;
    if (kind == KIND_AVGPOOL) {
        dnnl_pooling_v2_desc_t bd;
        if (dnnl_pooling_v2_backward_desc_init(&bd, alg, &src, &dst, strides, kernel, dil, pl,
                                               pr) ||
            dnnl_primitive_desc_create(&e->bwd_data_pd, &bd, NULL, cx->engine, e->fwd_pd) ||
            dnnl_primitive_create(&e->bwd_data, e->bwd_data_pd))
            return NULL;
    }
    e->failed = 0;
    return e;
}

static int pool_forward(int kind, float *out, const float *inp, const nn_pool2d_desc *d,
                        void *ctx) {
    dnnl_ctx *cx = ctx;
    cache_entry *e = pool_entry(cx, kind, d);
    if (!e) return -1;
    exec_arg a[2] = {{DNNL_ARG_SRC, pd_md(e->fwd_pd, dnnl_query_src_md), inp},
                     {DNNL_ARG_DST, pd_md(e->fwd_pd, dnnl_query_dst_md), out}};
    return run(cx, e->fwd, a, 2);
}

static int dnnl_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                                void *ctx) {
    return pool_forward(KIND_MAXPOOL, out, inp, d, ctx);
}

static int dnnl_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                                void *ctx) {
    return pool_forward(KIND_AVGPOOL, out, inp, d, ctx);
}

static int dnnl_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d,
                                 void *ctx) {
    dnnl_ctx *cx = ctx;
    cache_entry *e = pool_entry(cx, KIND_AVGPOOL, d);
    if (!e) return -1;
    exec_arg a[2] = {{DNNL_ARG_DIFF_DST, pd_md(e->fwd_pd, dnnl_query_dst_md), dout},
                     {DNNL_ARG_DIFF_SRC, pd_md(e->fwd_pd, dnnl_query_src_md), dinp}};
    return run(cx, e->bwd_data, a, 2);
}

/* ---------------------------------------------------------------------------------------- */
/* the table */

static int dnnl_supports(nn_op op, const void *desc, void *ctx) {
    (void)ctx;
    if (op == NN_OP_CONV2D || op == NN_OP_CONV_TRANSPOSE2D || op == NN_OP_CONV2D_BACKWARD) {
        const nn_conv2d_desc *d = desc;
        if (!d || d->groups < 1 || d->C % d->groups || d->K % d->groups) return 0;
        /* oneDNN 2.6's AVX-512 backward of a convolution whose right padding is negative (the
         * ResNet shortcut: 1x1 stride 2 on an even size) writes outside its buffers at batch 1
         * with 2 threads (heap corruption, found by tests/unit/test_nn_fold.c): the reference
         * runs that backward; the forward is fine */
        if (op == NN_OP_CONV2D_BACKWARD &&
            ((long)(d->OH - 1) * d->stride_h + (long)d->dil_h * (d->R - 1) + 1 - d->H - d->pad_h < 0 ||
             (long)(d->OW - 1) * d->stride_w + (long)d->dil_w * (d->S - 1) + 1 - d->W - d->pad_w < 0))
            return 0;
        return 1;
    }
    return 1;
}

static void dnnl_release(void *ctx) {
    dnnl_ctx *cx = ctx;
    for (int i = 0; i < cx->count; i++) {
        cache_entry *e = cx->entries[i];
        dnnl_primitive_t prims[6] = {e->fwd, e->bwd_data, e->bwd_w, e->w_to_fwd, e->w_to_bwd,
                                     e->dw_to_user};
        for (int k = 0; k < 6; k++)
            if (prims[k]) dnnl_primitive_destroy(prims[k]);
        if (e->fwd_pd) dnnl_primitive_desc_destroy(e->fwd_pd);
        if (e->bwd_data_pd) dnnl_primitive_desc_destroy(e->bwd_data_pd);
        if (e->bwd_w_pd) dnnl_primitive_desc_destroy(e->bwd_w_pd);
        free(e->wbuf_fwd), free(e->wbuf_bwd), free(e->dwbuf), free(e->dw_user), free(e->dbias);
        free(e->stats);
        free(e);
    }
    free(cx->entries);
    cx->entries = NULL;
    cx->count = cx->cap = 0;
}

static dnnl_ctx cpu_dnnl_ctx;
static nn_backend cpu_dnnl = {
    "cpu-dnnl",
    NN_DEVICE_CPU,
    {
        .release = dnnl_release,
        .supports = dnnl_supports,
        .conv2d_forward = dnnl_conv2d_forward,
        .conv2d_relu_forward = dnnl_conv2d_relu_forward,
        .conv_transpose2d_relu_forward = dnnl_conv_transpose2d_relu_forward,
        .conv2d_backward = dnnl_conv2d_backward,
        .conv_transpose2d_forward = dnnl_conv_transpose2d_forward,
        .conv_transpose2d_backward = dnnl_conv_transpose2d_backward,
        .batchnorm_forward = dnnl_batchnorm_forward,
        .batchnorm_backward = dnnl_batchnorm_backward,
        .maxpool_forward = dnnl_maxpool_forward,
        .maxpool_backward = NULL, /* the reference recomputes the argmax */
        .avgpool_forward = dnnl_avgpool_forward,
        .avgpool_backward = dnnl_avgpool_backward,
    },
    &cpu_dnnl_ctx,
};

/* Creates the engine and stream on first use; NULL when oneDNN cannot start. */
const nn_backend *dnnl_backend_get(void) {
    static int state = 0; /* 0 untried, 1 ready, -1 failed */
    if (state == 0) {
        state = -1;
        if (dnnl_engine_create(&cpu_dnnl_ctx.engine, dnnl_cpu, 0) == dnnl_success) {
            if (dnnl_stream_create(&cpu_dnnl_ctx.stream, cpu_dnnl_ctx.engine,
                                   dnnl_stream_default_flags) == dnnl_success)
                state = 1;
            else
                sw_log(1, "oneDNN: cannot create a stream; CPU reference kernels only");
        } else {
            sw_log(1, "oneDNN: cannot create the CPU engine; CPU reference kernels only");
        }
    }
    return state == 1 ? &cpu_dnnl : NULL;
}

#endif /* DNNL_VERSION_MAJOR */
#endif /* SWATH_HAVE_DNNL */
