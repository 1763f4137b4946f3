/* Convolution and transposed convolution through cuDNN (NHWC, see cuda_backend.h). Each call is
 * one "conv problem" x (n,h,w,c) * w (k,r,s,c/g) -> y (n,oh,ow,k) run in one of three
 * directions: forward, backward data, backward filter. A transposed convolution is the same
 * problem seen from its output: its forward is the backward data of the convolution that maps
 * its output to its input, with the weight permuted from ours (K,R,S,C) to cuDNN's (C,R,S,K).
 * Algorithms: FindEx once per (direction, shape, mode) with our workspace, cached; the
 * deterministic mode keeps only deterministic ones. bf16 mode: operands converted to bf16 in the
 * workspace, f32 accumulation, the result converted back (or accumulated, for weight
 * gradients); bf16-act mode: the activations (x, y and their gradients) are bf16 already and
 * only the weight is converted (weight gradients are still accumulated into f32). The
 * convolutions that are one matrix product go to conv_gemm.cu instead. */
#include "kernels/cuda/cuda_backend.h"

extern "C" {
#include "kernels/cuda/cuda_kernels.h"
}

#include <stdlib.h>
#include <string.h>

enum { FWD = 0, BWD_DATA = 1, BWD_FILTER = 2 };
/* the most a FindEx algorithm may use: 512 MiB, or SWATH_CUDNN_FIND_MB */
static size_t find_ws(void) {
    static size_t ws;
    if (!ws) {
        const char *e = getenv("SWATH_CUDNN_FIND_MB");
        const long mb = e ? strtol(e, NULL, 10) : 0;
        ws = (size_t)(mb > 0 ? mb : 512) << 20;
    }
    return ws;
}
#define FIND_WS find_ws()

typedef struct {
    int n, h, w, c, k, r, s, oh, ow;
    int pad_h, pad_w, stride_h, stride_w, dil_h, dil_w, groups;
} problem;

static int bf16(const cu_ctx *c) { return cu_bf16_math(c); }

/* the descriptors of p in dtype dt */
static int describe(cu_ctx *c, const problem *p, cudnnDataType_t dt) {
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tx, CUDNN_TENSOR_NHWC, dt, p->n, p->c, p->h, p->w));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->ty, CUDNN_TENSOR_NHWC, dt, p->n, p->k, p->oh, p->ow));
    DNN_CHECK(cudnnSetFilter4dDescriptor(c->fw, dt, CUDNN_TENSOR_NHWC, p->k, p->c / p->groups,
                                         p->r, p->s));
    DNN_CHECK(cudnnSetConvolution2dDescriptor(c->conv, p->pad_h, p->pad_w, p->stride_h,
                                              p->stride_w, p->dil_h, p->dil_w,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    DNN_CHECK(cudnnSetConvolutionGroupCount(c->conv, p->groups));
    const cudnnMathType_t mt = c->math == NN_CUDA_F32    ? CUDNN_FMA_MATH
                               : c->math == NN_CUDA_TF32 ? CUDNN_DEFAULT_MATH
                                                         : CUDNN_TENSOR_OP_MATH;
    DNN_CHECK(cudnnSetConvolutionMathType(c->conv, mt));
    return 0;
}

static cu_algo_key key_of(const cu_ctx *c, int kind, const problem *p) {
    cu_algo_key k;
    memset(&k, 0, sizeof k);
    k.kind = kind, k.n = p->n, k.c = p->c, k.h = p->h, k.w = p->w, k.k = p->k, k.r = p->r;
    k.s = p->s, k.oh = p->oh, k.ow = p->ow, k.pad_h = p->pad_h, k.pad_w = p->pad_w;
    k.stride_h = p->stride_h, k.stride_w = p->stride_w, k.dil_h = p->dil_h, k.dil_w = p->dil_w;
    k.groups = p->groups, k.math = c->math, k.det = c->deterministic;
    return k;
}

/* whether a FindEx result is acceptable in this mode */
static int acceptable(const cu_ctx *c, cudnnStatus_t st, cudnnDeterminism_t det,
                      cudnnMathType_t mt) {
    if (st != CUDNN_STATUS_SUCCESS) return 0;
    if (c->deterministic && det != CUDNN_DETERMINISTIC) return 0;
    if (c->math == NN_CUDA_F32 && mt != CUDNN_FMA_MATH && mt != CUDNN_DEFAULT_MATH) return 0;
    return 1;
}

/* Runs direction `kind` of problem p: FWD a=x b=w out=y (=); BWD_DATA a=dy b=w out=dx (=);
 * BWD_FILTER a=x b=dy out=dw (+= when accumulate). Operands in the working dtype. */
static int run(cu_ctx *c, int kind, const problem *p, const void *a, const void *b, void *out,
               int accumulate, size_t out_bytes, char *scratch_after, const float *fused_bias) {
    const cudnnDataType_t dt = bf16(c) ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
    if (describe(c, p, dt)) return 1;
    cu_algo_key key = key_of(c, kind, p);
    cu_algo_entry *e = NULL;
    for (int i = 0; i < c->ncache; i++)
        if (memcmp(&c->cache[i].key, &key, sizeof key) == 0) {
            e = &c->cache[i];
            break;
        }
    const size_t base = (size_t)(scratch_after - (char *)c->ws); /* bytes in use before ours */
    if (!e) {
        /* FindEx: the output goes to a scratch copy (a weight gradient accumulates) */
        char *ws = (char *)cu_ws(c, base + cu_align(out_bytes) + FIND_WS);
        if (!ws) return 1;
        /* the caller reserved this much up front: the workspace does not move here */
        void *tmp_out = ws + base;
        void *fws = ws + base + cu_align(out_bytes);
        enum { REQ = 16 };
        int got = 0, pick = -1;
        cudnnMathType_t mt = CUDNN_DEFAULT_MATH;
        size_t need = 0;
        int algo = 0;
        if (kind == FWD) {
            cudnnConvolutionFwdAlgoPerf_t perf[REQ];
            DNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(c->dnn, c->tx, a, c->fw, b, c->conv,
                                                             c->ty, tmp_out, REQ, &got, perf,
                                                             fws, FIND_WS));
            for (int i = 0; i < got && pick < 0; i++)
                if (acceptable(c, perf[i].status, perf[i].determinism, perf[i].mathType))
                    pick = i, algo = perf[i].algo, need = perf[i].memory, mt = perf[i].mathType;
        } else if (kind == BWD_DATA) {
            cudnnConvolutionBwdDataAlgoPerf_t perf[REQ];
            DNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(c->dnn, c->fw, b, c->ty, a,
                                                                  c->conv, c->tx, tmp_out, REQ,
                                                                  &got, perf, fws, FIND_WS));
            for (int i = 0; i < got && pick < 0; i++)
                if (acceptable(c, perf[i].status, perf[i].determinism, perf[i].mathType))
                    pick = i, algo = perf[i].algo, need = perf[i].memory, mt = perf[i].mathType;
        } else {
            cudnnConvolutionBwdFilterAlgoPerf_t perf[REQ];
            DNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(c->dnn, c->tx, a, c->ty, b,
                                                                    c->conv, c->fw, tmp_out, REQ,
                                                                    &got, perf, fws, FIND_WS));
            for (int i = 0; i < got && pick < 0; i++)
                if (acceptable(c, perf[i].status, perf[i].determinism, perf[i].mathType))
                    pick = i, algo = perf[i].algo, need = perf[i].memory, mt = perf[i].mathType;
        }
        c->finds++;
        if (pick < 0) {
            sw_fail(SW_ERR_RUNTIME, "cuDNN: no %salgorithm for the convolution %s of "
                           "%dx%dx%dx%d * %dx%dx%d (stride %d, pad %d, dilation %d, groups %d)",
                           c->deterministic ? "deterministic " : "",
                           kind == FWD ? "forward" : kind == BWD_DATA ? "backward data"
                                                                      : "backward filter",
                           p->n, p->h, p->w, p->c, p->k, p->r, p->s, p->stride_h, p->pad_h,
                           p->dil_h, p->groups);
            return 1;
        }
        if (c->ncache == CU_ALGO_CACHE) c->ncache = 0; /* full: start over (never in practice) */
        e = &c->cache[c->ncache++];
        e->key = key, e->algo = algo, e->ws = need, e->math = mt, e->nofuse = 0;
    }
    DNN_CHECK(cudnnSetConvolutionMathType(c->conv, e->math));
    char *ws = (char *)cu_ws(c, base + e->ws + 256);
    if (!ws) return 1;
    void *aws = ws + base;
    const float one = 1.0f, zero = 0.0f;
    const float *beta = accumulate ? &one : &zero;
    if (kind == FWD && fused_bias && e->nofuse) return 2;
    if (kind == FWD && fused_bias) { /* y = max(0, conv + bias) in cuDNN's epilogue */
        DNN_CHECK(cudnnSetTensor4dDescriptor(c->tb, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, p->k,
                                             1, 1));
        const cudnnStatus_t st = cudnnConvolutionBiasActivationForward(
            c->dnn, &one, c->tx, a, c->fw, b, c->conv, (cudnnConvolutionFwdAlgo_t)e->algo, aws,
            e->ws, &zero, c->ty, out, c->tb, fused_bias, c->relu, c->ty, out);
        if (st == CUDNN_STATUS_SUCCESS) return 0;
        if (CUDNN_STATUS_CATEGORY(st) != CUDNN_STATUS_NOT_SUPPORTED) /* 3000-3999: refused */
            return cu_fail(__FILE__, __LINE__, "cudnnConvolutionBiasActivationForward",
                           cudnnGetErrorString(st));
        e->nofuse = 1;
        return 2; /* not for this algorithm: the caller runs the two steps */
    }
    if (kind == FWD)
        DNN_CHECK(cudnnConvolutionForward(c->dnn, &one, c->tx, a, c->fw, b, c->conv,
                                          (cudnnConvolutionFwdAlgo_t)e->algo, aws, e->ws, beta,
                                          c->ty, out));
    else if (kind == BWD_DATA)
        DNN_CHECK(cudnnConvolutionBackwardData(c->dnn, &one, c->fw, b, c->ty, a, c->conv,
                                               (cudnnConvolutionBwdDataAlgo_t)e->algo, aws, e->ws,
                                               beta, c->tx, out));
    else
        DNN_CHECK(cudnnConvolutionBackwardFilter(c->dnn, &one, c->tx, a, c->ty, b, c->conv,
                                                 (cudnnConvolutionBwdFilterAlgo_t)e->algo, aws,
                                                 e->ws, beta, c->fw, out));
    return 0;
}

/* Sizes of the problem's tensors in elements. */
static size_t nx(const problem *p) { return (size_t)p->n * p->h * p->w * p->c; }
static size_t ny(const problem *p) { return (size_t)p->n * p->oh * p->ow * p->k; }
static size_t nw(const problem *p) { return (size_t)p->k * p->r * p->s * (p->c / p->groups); }

/* How run_f32 leaves the result in out: written, added, or (bf16 mode) with a bias per output
 * channel and the ReLU applied while it is converted back. */
enum { FIN_WRITE = 0, FIN_ADD = 1, FIN_BIAS_RELU = 2 };

/* One direction with f32 operands: in bf16 mode the operands are converted into the workspace
 * first (a: na elements, b: nb) and the result converted back (nout elements). In bf16-act
 * mode the activations are bf16 already: a (x or dy) always, b in BWD_FILTER (dy), the output
 * unless BWD_FILTER (a weight gradient, f32). The workspace is requested up front, so the
 * pointers stay valid (it grows only here). FIN_BIAS_RELU is for the bf16 modes only (bias:
 * p->k floats or NULL). */
static int run_f32_fin(cu_ctx *c, int kind, const problem *p, const float *a, size_t na,
                       const float *b, size_t nb, float *out, size_t nout, int fin,
                       const float *bias, size_t reserved /* bytes the caller uses */) {
    const int accumulate = fin == FIN_ADD;
    if (!bf16(c)) {
        /* make sure the FindEx space exists before taking pointers */
        if (!cu_ws(c, reserved + cu_align(nout * 4) + FIND_WS)) return 1;
        return run(c, kind, p, a, b, out, accumulate, nout * 4, (char *)c->ws + reserved, NULL);
    }
    const int a_act = c->act_bf16, b_act = c->act_bf16 && kind == BWD_FILTER;
    const int out_act = c->act_bf16 && kind != BWD_FILTER;
    const size_t ba = a_act ? 0 : cu_align(na * 2), bb = b_act ? 0 : cu_align(nb * 2);
    const size_t bo = out_act ? 0 : cu_align(nout * 2);
    char *ws = (char *)cu_ws(c, reserved + ba + bb + bo + cu_align(nout * 2) + FIND_WS);
    if (!ws) return 1;
    uint16_t *ha = a_act ? (uint16_t *)a : (uint16_t *)(ws + reserved);
    uint16_t *hb = b_act ? (uint16_t *)b : (uint16_t *)(ws + reserved + ba);
    uint16_t *ho = out_act ? (uint16_t *)out : (uint16_t *)(ws + reserved + ba + bb);
    if (!a_act) CU_LAUNCHED(cuk_f32_to_bf16(ha, a, na, c->stream));
    if (!b_act) CU_LAUNCHED(cuk_f32_to_bf16(hb, b, nb, c->stream));
    if (run(c, kind, p, ha, hb, ho, 0, nout * 2, ws + reserved + ba + bb + bo, NULL)) return 1;
    if (out_act) /* written in place; never FIN_ADD (that is a weight gradient's) */
        return fin == FIN_BIAS_RELU ? cu_bias_act(c, out, bias, nout / p->k, p->k, 1) : 0;
    if (fin == FIN_ADD) CU_LAUNCHED(xk_bf16_accumulate(out, ho, nout, c->stream));
    else if (fin == FIN_BIAS_RELU)
        CU_LAUNCHED(xk_bf16_bias_act(out, ho, bias, nout / p->k, p->k, 1, c->stream));
    else CU_LAUNCHED(cuk_bf16_to_f32(out, ho, nout, c->stream));
    return 0;
}

static int run_f32(cu_ctx *c, int kind, const problem *p, const float *a, size_t na,
                   const float *b, size_t nb, float *out, size_t nout, int accumulate,
                   size_t reserved) {
    return run_f32_fin(c, kind, p, a, na, b, nb, out, nout, accumulate ? FIN_ADD : FIN_WRITE,
                       NULL, reserved);
}

static problem conv_problem(const nn_conv2d_desc *d) {
    problem p = {d->N, d->H, d->W, d->C, d->K, d->R, d->S, d->OH, d->OW, d->pad_h, d->pad_w,
                 d->stride_h, d->stride_w, d->dil_h, d->dil_w, d->groups};
    return p;
}

/* the transposed conv's problem: x = its output (N,OH,OW,K), y = its input (N,H,W,C) */
static problem transposed_problem(const nn_conv2d_desc *d) {
    problem p = {d->N, d->OH, d->OW, d->K, d->C, d->R, d->S, d->H, d->W, d->pad_h, d->pad_w,
                 d->stride_h, d->stride_w, d->dil_h, d->dil_w, 1};
    return p;
}

static int add_bias(cu_ctx *c, float *y, const float *bias, int n, int h, int w, int k) {
    if (c->act_bf16) return cu_bias_act(c, y, bias, (size_t)n * h * w, k, 0);
    const float one = 1.0f;
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->tb, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, k, 1, 1));
    DNN_CHECK(cudnnSetTensor4dDescriptor(c->ty, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, n, k, h, w));
    DNN_CHECK(cudnnAddTensor(c->dnn, &one, c->tb, bias, &one, c->ty, y));
    return 0;
}

/* our deterministic column sums (cudnnConvolutionBackwardBias is not documented as such) */
static int bias_grad(cu_ctx *c, float *db, const float *dy, int n, int h, int w, int k) {
    return cu_bias_grad(c, db, dy, (size_t)n * h * w, k);
}

int cu_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                      const nn_conv2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 0))
        return cu_gemm_conv_forward(c, out, inp, weight, bias, d, 0, 0);
    const problem p = conv_problem(d);
    if (run_f32(c, FWD, &p, inp, nx(&p), weight, nw(&p), out, ny(&p), 0, 0)) return 1;
    return bias ? add_bias(c, out, bias, d->N, d->OH, d->OW, d->K) : 0;
}

/* Both gradients in bf16-act mode: dout and x are bf16 already, the weight is converted once;
 * the data gradient is written in place, the weight gradient accumulated into f32. */
static int backward_bf16_act(cu_ctx *c, const problem *p, float *dinp, float *dweight,
                             const float *dout, const float *x, const float *w) {
    const size_t nX = nx(p), nW = nw(p), nO = nX > nW ? nX : nW;
    const size_t bW = cu_align(nW * 2);
    char *ws = (char *)cu_ws(c, 2 * bW + cu_align(nO * 2) + FIND_WS);
    if (!ws) return 1;
    uint16_t *hw = (uint16_t *)ws, *ho = (uint16_t *)(ws + bW);
    char *after = ws + 2 * bW;
    CU_LAUNCHED(cuk_f32_to_bf16(hw, w, nW, c->stream));
    if (run(c, BWD_DATA, p, dout, hw, dinp, 0, nX * 2, after, NULL)) return 1;
    if (run(c, BWD_FILTER, p, x, dout, ho, 0, nW * 2, after, NULL)) return 1;
    CU_LAUNCHED(xk_bf16_accumulate(dweight, ho, nW, c->stream));
    return 0;
}

/* Both gradients in bf16 mode: dout, the weight and x converted once each (dout serves both
 * directions, one conversion of the largest operand fewer than run_f32 twice). */
static int backward_bf16(cu_ctx *c, const problem *p, float *dinp, float *dweight,
                         const float *dout, const float *x, const float *w) {
    if (c->act_bf16) return backward_bf16_act(c, p, dinp, dweight, dout, x, w);
    const size_t nX = nx(p), nY = ny(p), nW = nw(p), nO = nX > nW ? nX : nW;
    const size_t bY = cu_align(nY * 2), bW = cu_align(nW * 2), bX = cu_align(nX * 2);
    const size_t bO = cu_align(nO * 2);
    char *ws = (char *)cu_ws(c, bY + bW + bX + bO + cu_align(nO * 2) + FIND_WS);
    if (!ws) return 1;
    uint16_t *hy = (uint16_t *)ws, *hw = (uint16_t *)(ws + bY), *hx = (uint16_t *)(ws + bY + bW);
    uint16_t *ho = (uint16_t *)(ws + bY + bW + bX);
    char *after = ws + bY + bW + bX + bO;
    CU_LAUNCHED(cuk_f32_to_bf16(hy, dout, nY, c->stream));
    CU_LAUNCHED(cuk_f32_to_bf16(hw, w, nW, c->stream));
    CU_LAUNCHED(cuk_f32_to_bf16(hx, x, nX, c->stream));
    if (run(c, BWD_DATA, p, hy, hw, ho, 0, nX * 2, after, NULL)) return 1;
    CU_LAUNCHED(cuk_bf16_to_f32(dinp, ho, nX, c->stream));
    if (run(c, BWD_FILTER, p, hx, hy, ho, 0, nW * 2, after, NULL)) return 1;
    CU_LAUNCHED(xk_bf16_accumulate(dweight, ho, nW, c->stream));
    return 0;
}

int cu_conv2d_relu_forward(float *out, const float *inp, const float *weight, const float *bias,
                           const nn_conv2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 0))
        return cu_gemm_conv_forward(c, out, inp, weight, bias, d, 0, 1);
    const problem p = conv_problem(d);
    const size_t rows = (size_t)d->N * d->OH * d->OW;
    static int fused = -1; /* SWATH_CUDNN_FUSED=0: the separate pass, for comparison */
    if (fused < 0) {
        const char *e = getenv("SWATH_CUDNN_FUSED");
        fused = !(e && !strcmp(e, "0"));
    }
    if (fused && bias && !bf16(c)) { /* f32 / tf32: bias and ReLU in cuDNN's epilogue */
        if (!cu_ws(c, cu_align(ny(&p) * 4) + FIND_WS)) return 1;
        const int r = run(c, FWD, &p, inp, weight, out, 0, ny(&p) * 4, (char *)c->ws, bias);
        if (r != 2) return r;
    }
    if (fused && bf16(c)) /* bf16: bias and ReLU in the conversion of the result back */
        return run_f32_fin(c, FWD, &p, inp, nx(&p), weight, nw(&p), out, ny(&p), FIN_BIAS_RELU,
                           bias, 0);
    if (run_f32(c, FWD, &p, inp, nx(&p), weight, nw(&p), out, ny(&p), 0, 0)) return 1;
    return cu_bias_act(c, out, bias, rows, d->K, 1);
}

int cu_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, const nn_conv2d_desc *d,
                       void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 0))
        return cu_gemm_conv_backward(c, dinp, dweight, dbias, dout, inp, weight, d, 0);
    const problem p = conv_problem(d);
    if (bf16(c) && dinp && dweight) {
        if (backward_bf16(c, &p, dinp, dweight, dout, inp, weight)) return 1;
        return dbias ? bias_grad(c, dbias, dout, d->N, d->OH, d->OW, d->K) : 0;
    }
    if (dinp && run_f32(c, BWD_DATA, &p, dout, ny(&p), weight, nw(&p), dinp, nx(&p), 0, 0))
        return 1;
    if (dweight && run_f32(c, BWD_FILTER, &p, inp, nx(&p), dout, ny(&p), dweight, nw(&p), 1, 0))
        return 1;
    return dbias ? bias_grad(c, dbias, dout, d->N, d->OH, d->OW, d->K) : 0;
}

/* the permuted weight (C,R,S,K) at the workspace start; returns its reserved bytes. The
 * workspace is grown up front to what the whole call can use (so it does not move under wp). */
static size_t permuted(cu_ctx *c, const float *weight, const nn_conv2d_desc *d, float **wp) {
    const size_t n = (size_t)d->K * d->R * d->S * d->C, b = cu_align(n * 4);
    const size_t xin = (size_t)d->N * d->H * d->W * d->C, xout = (size_t)d->N * d->OH * d->OW * d->K;
    const size_t big = xin > xout ? xin : xout;
    const size_t most = b + cu_align(xin * 2) + cu_align(xout * 2) + cu_align(n * 2) +
                        2 * cu_align(big * 4) + 2 * cu_align(n * 4) + FIND_WS + 4096;
    char *ws = (char *)cu_ws(c, most);
    if (!ws) return 0;
    *wp = (float *)ws;
    if (weight && xk_permute_krsc_to_crsk(*wp, weight, d->K, d->R * d->S, d->C, c->stream))
        return 0;
    return b;
}

int cu_conv_transpose2d_forward(float *out, const float *inp, const float *weight,
                                const float *bias, const nn_conv2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 1))
        return cu_gemm_conv_forward(c, out, inp, weight, bias, d, 1, 0);
    const problem p = transposed_problem(d);
    float *wp = NULL;
    const size_t res = permuted(c, weight, d, &wp);
    if (!res) return 1;
    /* y of the problem is our input; its backward data writes our output */
    if (run_f32(c, BWD_DATA, &p, inp, ny(&p), wp, nw(&p), out, nx(&p), 0, res)) return 1;
    return bias ? add_bias(c, out, bias, d->N, d->OH, d->OW, d->K) : 0;
}

int cu_conv_transpose2d_relu_forward(float *out, const float *inp, const float *weight,
                                     const float *bias, const nn_conv2d_desc *d, void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 1))
        return cu_gemm_conv_forward(c, out, inp, weight, bias, d, 1, 1);
    if (cu_conv_transpose2d_forward(out, inp, weight, NULL, d, ctx)) return 1;
    return cu_bias_act(c, out, bias, (size_t)d->N * d->OH * d->OW, d->K, 1);
}

int cu_conv_transpose2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                                 const float *inp, const float *weight, const nn_conv2d_desc *d,
                                 void *ctx) {
    cu_ctx *c = (cu_ctx *)ctx;
    if (cu_gemm_conv_applies(d, 1))
        return cu_gemm_conv_backward(c, dinp, dweight, dbias, dout, inp, weight, d, 1);
    const problem p = transposed_problem(d);
    float *wp = NULL;
    size_t res = permuted(c, weight, d, &wp);
    if (!res) return 1;
    if (dinp && run_f32(c, FWD, &p, dout, nx(&p), wp, nw(&p), dinp, ny(&p), 0, res)) return 1;
    if (dweight) {
        /* the problem's filter gradient (C,R,S,K), written over the permuted weight, then
         * added to ours permuted back */
        if (!cu_ws(c, res + FIND_WS)) return 1;
        wp = (float *)c->ws;
        CU_CHECK(cudaMemsetAsync(wp, 0, nw(&p) * 4, c->stream));
        if (run_f32(c, BWD_FILTER, &p, dout, nx(&p), inp, ny(&p), wp, nw(&p), 1, res)) return 1;
        wp = (float *)c->ws; /* the workspace may have grown */
        CU_LAUNCHED(xk_permute_add_crsk_to_krsc(dweight, wp, d->K, d->R * d->S, d->C, c->stream));
    }
    return dbias ? bias_grad(c, dbias, dout, d->N, d->OH, d->OW, d->K) : 0;
}
