/* The model builder every architecture shares: a size table of parameters (trainable, one
 * nn_param_set) and buffers (batch-norm running statistics, a second set the optimizer never
 * touches), and an activation plan (offsets into one forward arena and one gradient arena of the
 * same layout, allocated once per (N, H, W)). A model's build function runs twice or more: first
 * to collect the size tables (names like PyTorch's state_dict keys), then on every prepare for a
 * new (N, H, W), when it must register the same parameters in the same order (checked) and hands
 * out activation offsets. The layers below (conv, batch norm, ReLU, conv-BN-ReLU) keep their
 * descriptors and offsets; forward and backward call the ops of src/nn/ops.h. */
#ifndef SWATH_NN_MODELS_NET_H
#define SWATH_NN_MODELS_NET_H

#include "src/nn/ops.h"
#include "src/nn/tensor.h"

#include <stddef.h>

enum { NN_NAME_MAX = 96 };

/* One row of the layer summary (swath model summary). */
typedef struct {
    char name[NN_NAME_MAX];
    char type[24];
    int shape[4]; /* output N, H, W, C */
    size_t params;
    double flops; /* forward multiply-adds x 2 */
} nn_layer_row;

/* A conv -> batch norm pair that inference folds into one convolution (nn_model_fold_bn):
 * w' = w s, b' = (b - mean) s + beta per output channel, s = gamma / sqrt(var + eps). */
typedef struct {
    int w, b;             /* the conv's weight and bias (-1: none) */
    int g, beta, rm, rv;  /* the BN's gamma, beta, running mean, running var */
    int K;                /* output channels */
    size_t per_k;         /* weights per output channel (R * S * C) */
    size_t fw, fb;        /* offsets of w' and b' in the fold arena */
} nn_fold_pair;

typedef struct {
    /* size tables; names owned (allocated on the first build) */
    nn_param_spec *spec, *bspec;
    int count, bcount, cap, bcap;
    int sealed;       /* the tables are fixed: builds re-check them */
    int pidx, bidx;   /* running counters of the current build */
    nn_param_set params, buffers;
    /* activations: forward arena act, gradient arena dact (same offsets), scratch at the end */
    size_t act_numel, scratch_numel, scratch_off;
    float *act, *dact;
    size_t act_cap;
    int N, H, W;
    /* running state */
    const nn_backend *be;  /* runs the ops; its memory kind must be mem_be's */
    const nn_backend *mem_be; /* whose memory holds every arena (NULL: host), fixed at creation */
    int training;          /* 1: batch statistics (PyTorch's train()), 0: running statistics */
    float bn_momentum, bn_eps;
    const float *input;    /* the forward's input (N,H,W,C), kept for the first conv's backward */
    /* summary rows of the last build (NULL unless rows_wanted) */
    int rows_wanted, nrows, rows_cap;
    nn_layer_row *rows;
    double flops;          /* forward FLOPs of the last build */
    sw_status err;         /* first error of the current build */
    /* Training hooks (NULL: off), set by src/train: synchronized batch norm (src/nn/syncbn.h,
     * per-channel sums summed over ranks) and a gradient-ready call after a layer's backward
     * finished parameter `param`'s gradient (bucketed allreduce overlapped with backward). */
    const struct nn_bn_sync *bn_sync;
    void (*grad_ready)(void *ctx, int param);
    void *grad_ctx;
    /* Inference with batch norm folded (nn_model_fold_bn): the pairs of the last build, the
     * arena of their w' and b' (mem_be memory), and whether it matches the parameters (eval-mode
     * conv-BN-ReLU layers then run one convolution and the ReLU). */
    nn_fold_pair *folds;
    int nfolds, folds_cap;
    size_t fold_numel, fold_cap; /* floats the pairs need, floats allocated */
    float *fold;
    int folded;
} nn_net;

/* Registers parameter `name` (ndim <= 4, shape s) and returns its index; after sealing, checks
 * the name and shape against the table. Errors go to net->err. */
int nn_net_param(nn_net *n, const char *name, int ndim, int s0, int s1, int s2, int s3);
int nn_net_buffer(nn_net *n, const char *name, int c);
/* Hands out `floats` of activation (and the same of gradient) memory: returns its offset. */
size_t nn_net_act(nn_net *n, size_t floats);
/* Requests a scratch buffer of at least `floats` (shared by every layer, gradient side). */
void nn_net_scratch(nn_net *n, size_t floats);
void nn_net_row(nn_net *n, const char *name, const char *type, int N, int H, int W, int C,
                size_t params, double flops);

/* Begins a build for (N,H,W) (resets counters, rows, activation plan). */
void nn_net_begin(nn_net *n, int N, int H, int W);
/* Ends a build: the first one allocates the parameter and buffer arenas (n_state optimizer
 * buffers), later ones check the counts; with `alloc_act`, (re)allocates the activation arenas
 * when they grew. */
sw_status nn_net_end(nn_net *n, int n_state, int alloc_act);
void nn_net_free(nn_net *n);

static inline float *nn_net_w(const nn_net *n, int i) {
    return i < 0 ? NULL : (float *)n->params.params[i].data;
}
static inline float *nn_net_dw(const nn_net *n, int i) {
    return i < 0 ? NULL : (float *)n->params.grads[i].data;
}
static inline float *nn_net_buf(const nn_net *n, int i) {
    return (float *)n->buffers.params[i].data;
}
static inline float *nn_net_a(const nn_net *n, size_t off) { return n->act + off; }
static inline float *nn_net_da(const nn_net *n, size_t off) { return n->dact + off; }
static inline float *nn_net_scratch_ptr(const nn_net *n) { return n->dact + n->scratch_off; }

/* ---------------------------------------------------------------------------------------- */
/* Layers. Each keeps its parameter indices, geometry and output offset y (gradient at the same
 * offset of dact). Backward reads dout from dact[y] and WRITES dx (NULL: not wanted). */

typedef struct {
    int w, b; /* parameter indices (b -1: no bias) */
    int transposed;
    nn_conv2d_desc d;
    size_t y; /* (N,OH,OW,K) */
} nn_conv_layer;

/* `name` is the module prefix: parameters "<name>.weight" and "<name>.bias". */
void nn_conv_layer_init(nn_conv_layer *l, nn_net *n, const char *name, int N, int H, int W,
                        int C, int K, int R, int stride, int pad, int bias);
void nn_deconv_layer_init(nn_conv_layer *l, nn_net *n, const char *name, int N, int H, int W,
                          int C, int K, int R, int stride, int pad, int out_pad, int bias);
void nn_conv_layer_forward(nn_net *n, nn_conv_layer *l, const float *x);
void nn_conv_layer_backward(nn_net *n, nn_conv_layer *l, float *dx, const float *x);

typedef struct {
    int g, b, rm, rv; /* gamma, beta (parameters), running mean, var (buffers) */
    int P, C;
    size_t y, mean, var; /* output (P,C), saved batch statistics (C) */
} nn_bn_layer;

/* Parameters "<name>.weight", "<name>.bias", buffers "<name>.running_mean", ".running_var". */
void nn_bn_layer_init(nn_bn_layer *l, nn_net *n, const char *name, int N, int H, int W, int C);
void nn_bn_layer_forward(nn_net *n, nn_bn_layer *l, const float *x);
void nn_bn_layer_backward(nn_net *n, nn_bn_layer *l, float *dx, const float *x);

/* conv -> BN -> ReLU (the ReLU in place on the BN output; its mask is the output's sign).
 * Output at bn.y. Names "<conv>" and "<bn>". In eval mode with the net folded, one convolution
 * with the folded weights writes bn.y (conv.y is then not computed: no backward after it). */
typedef struct {
    nn_conv_layer conv;
    nn_bn_layer bn;
    int fold; /* index in n->folds */
} nn_cbr_layer;

void nn_cbr_layer_init(nn_cbr_layer *l, nn_net *n, const char *conv_name, const char *bn_name,
                       int N, int H, int W, int C, int K, int R, int stride, int pad, int bias);
/* For a cbr layer whose conv and BN were initialized one by one (a transposed conv): registers
 * its fold pair, as nn_cbr_layer_init does. */
void nn_cbr_layer_fold_init(nn_net *n, nn_cbr_layer *l);
void nn_cbr_layer_forward(nn_net *n, nn_cbr_layer *l, const float *x);
/* Uses and overwrites dact[bn.y] (the ReLU backward in place). */
void nn_cbr_layer_backward(nn_net *n, nn_cbr_layer *l, float *dx, const float *x);
static inline float *nn_cbr_out(const nn_net *n, const nn_cbr_layer *l) {
    return nn_net_a(n, l->bn.y);
}

/* Elementwise y += x, the accumulation of a gradient from a second consumer (on n->be). */
void nn_net_accumulate(const nn_net *n, float *y, const float *x, size_t count);

#endif
