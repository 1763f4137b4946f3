/* The model builder and its layers (see net.h). */
#include "src/nn/models/net.h"
#include "src/nn/syncbn.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ACT_ALIGN = 16 };

static void net_error(nn_net *n, sw_status st, const char *what, const char *name) {
    if (n->err == SW_OK) {
        sw_fail(st, "model build: %s %s", what, name);
        n->err = st;
    }
}

static int spec_add(nn_net *n, nn_param_spec **spec, int *count, int *cap, int *idx,
                    const char *name, int ndim, const int *shape) {
    if (!n->sealed) {
        if (*count == *cap) {
            const int nc = *cap ? 2 * *cap : 64;
            nn_param_spec *ns = realloc(*spec, (size_t)nc * sizeof *ns);
            if (!ns) {
                net_error(n, SW_ERR_RUNTIME, "out of memory for the size table at", name);
                return -1;
            }
            *spec = ns, *cap = nc;
        }
        nn_param_spec *s = &(*spec)[*count];
        char *nm = malloc(strlen(name) + 1);
        if (!nm) {
            net_error(n, SW_ERR_RUNTIME, "out of memory for the size table at", name);
            return -1;
        }
        strcpy(nm, name);
        s->name = nm;
        s->ndim = ndim;
        memset(s->shape, 0, sizeof s->shape);
        memcpy(s->shape, shape, (size_t)ndim * sizeof *shape);
        (*count)++;
        return (*idx)++;
    }
    const int i = (*idx)++;
    if (i >= *count || strcmp((*spec)[i].name, name) != 0 || (*spec)[i].ndim != ndim ||
        memcmp((*spec)[i].shape, shape, (size_t)ndim * sizeof *shape) != 0) {
        net_error(n, SW_ERR_RUNTIME, "tensor does not match the size table:", name);
        return -1;
    }
    return i;
}

int nn_net_param(nn_net *n, const char *name, int ndim, int s0, int s1, int s2, int s3) {
    const int shape[4] = {s0, s1, s2, s3};
    return spec_add(n, &n->spec, &n->count, &n->cap, &n->pidx, name, ndim, shape);
}

int nn_net_buffer(nn_net *n, const char *name, int c) {
    const int shape[4] = {c, 0, 0, 0};
    return spec_add(n, &n->bspec, &n->bcount, &n->bcap, &n->bidx, name, 1, shape);
}

size_t nn_net_act(nn_net *n, size_t floats) {
    const size_t at = n->act_numel;
    n->act_numel += (floats + ACT_ALIGN - 1) / ACT_ALIGN * ACT_ALIGN;
    return at;
}

void nn_net_scratch(nn_net *n, size_t floats) {
    if (floats > n->scratch_numel) n->scratch_numel = floats;
}

void nn_net_row(nn_net *n, const char *name, const char *type, int N, int H, int W, int C,
                size_t params, double flops) {
    n->flops += flops;
    if (!n->rows_wanted) return;
    if (n->nrows == n->rows_cap) {
        const int nc = n->rows_cap ? 2 * n->rows_cap : 64;
        nn_layer_row *nr = realloc(n->rows, (size_t)nc * sizeof *nr);
        if (!nr) return; /* the summary is best effort */
        n->rows = nr, n->rows_cap = nc;
    }
    nn_layer_row *r = &n->rows[n->nrows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->type, sizeof r->type, "%s", type);
    r->shape[0] = N, r->shape[1] = H, r->shape[2] = W, r->shape[3] = C;
    r->params = params;
    r->flops = flops;
}

void nn_net_begin(nn_net *n, int N, int H, int W) {
    n->pidx = n->bidx = 0;
    n->nfolds = 0, n->fold_numel = 0;
    n->act_numel = n->scratch_numel = 0;
    n->nrows = 0;
    n->flops = 0.0;
    n->N = N, n->H = H, n->W = W;
    n->err = SW_OK;
    if (n->bn_eps == 0.0f) n->bn_eps = 1e-5f, n->bn_momentum = 0.1f;
}

sw_status nn_net_end(nn_net *n, int n_state, int alloc_act) {
    if (n->err != SW_OK) return n->err;
    if (!n->sealed) {
        sw_status st = nn_param_set_init_on(&n->params, n->spec, n->count, n_state, n->mem_be);
        if (st == SW_OK) st = nn_param_set_init_on(&n->buffers, n->bspec, n->bcount, 0, n->mem_be);
        if (st != SW_OK) return st;
        n->sealed = 1;
        /* PyTorch's BatchNorm starts with running mean 0, variance 1, gamma 1, beta 0 (set on
         * the host, then copied where the buffers live) */
        const size_t bn = n->buffers.numel;
        float *host = nn_backend_is_host(n->mem_be) ? n->buffers.param_memory
                                                     : calloc(bn ? bn : 1, sizeof *host);
        if (!host) return sw_fail(SW_ERR_RUNTIME, "out of memory for the buffer staging");
        for (int i = 0; i < n->bcount; i++)
            if (strstr(n->bspec[i].name, "running_var"))
                for (int c = 0; c < n->bspec[i].shape[0]; c++)
                    host[n->buffers.offset[i] + c] = 1.0f;
        if (host != n->buffers.param_memory) {
            st = nn_mem_copy(n->mem_be, n->buffers.param_memory, host, bn * sizeof *host,
                             NN_COPY_H2D);
            free(host);
            if (st != SW_OK) return st;
        }
    } else if (n->pidx != n->count || n->bidx != n->bcount) {
        return sw_fail(SW_ERR_RUNTIME, "model build: %d of %d parameters registered", n->pidx,
                       n->count);
    }
    n->scratch_off = nn_net_act(n, n->scratch_numel);
    if (!alloc_act) return SW_OK;
    if (n->act_numel > n->act_cap) {
        nn_mem_free(n->mem_be, n->act);
        nn_mem_free(n->mem_be, n->dact);
        n->act = n->dact = NULL;
        n->act_cap = 0;
        float *a = nn_mem_alloc(n->mem_be, n->act_numel * sizeof(float), "activation arena");
        float *d = a ? nn_mem_alloc(n->mem_be, n->act_numel * sizeof(float), "gradient arena")
                     : NULL;
        if (!a || !d) {
            nn_mem_free(n->mem_be, a);
            return SW_ERR_RUNTIME;
        }
        n->act = a, n->dact = d;
        n->act_cap = n->act_numel;
    }
    return SW_OK;
}

void nn_net_free(nn_net *n) {
    nn_param_set_free(&n->params);
    nn_param_set_free(&n->buffers);
    for (int i = 0; i < n->count; i++) free((char *)n->spec[i].name);
    for (int i = 0; i < n->bcount; i++) free((char *)n->bspec[i].name);
    free(n->spec);
    free(n->bspec);
    nn_mem_free(n->mem_be, n->act);
    nn_mem_free(n->mem_be, n->dact);
    nn_mem_free(n->mem_be, n->fold);
    free(n->rows);
    free(n->folds);
    memset(n, 0, sizeof *n);
}

void nn_net_accumulate(const nn_net *n, float *y, const float *x, size_t count) {
    nn_add_forward_be(y, y, x, count, n->be);
}

/* ---------------------------------------------------------------------------------------- */

static void conv_common(nn_conv_layer *l, nn_net *n, const char *name, int C, int K, int R,
                        int bias, sw_status st, const char *type) {
    char buf[NN_NAME_MAX + 8];
    if (st != SW_OK && n->err == SW_OK) n->err = st;
    snprintf(buf, sizeof buf, "%s.weight", name);
    /* transposed: ours is (K,R,S,C) too (PyTorch's (C,K,R,S) permuted, kernels/cpu/ref.h) */
    l->w = nn_net_param(n, buf, 4, K, R, R, C);
    l->b = -1;
    if (bias) {
        snprintf(buf, sizeof buf, "%s.bias", name);
        l->b = nn_net_param(n, buf, 1, K, 0, 0, 0);
    }
    const nn_conv2d_desc *d = &l->d;
    l->y = nn_net_act(n, (size_t)d->N * d->OH * d->OW * K);
    /* multiply-adds: every input-output pair of the kernel (transposed: per input pixel) */
    const double pix = l->transposed ? (double)d->N * d->H * d->W : (double)d->N * d->OH * d->OW;
    nn_net_row(n, name, type, d->N, d->OH, d->OW, K, (size_t)K * R * R * C + (bias ? K : 0),
               2.0 * pix * K * R * R * C);
}

void nn_conv_layer_init(nn_conv_layer *l, nn_net *n, const char *name, int N, int H, int W,
                        int C, int K, int R, int stride, int pad, int bias) {
    l->transposed = 0;
    sw_status st = nn_conv2d_desc_init(&l->d, N, H, W, C, K, R, R, stride, pad, 1, 1);
    conv_common(l, n, name, C, K, R, bias, st, R == 1 ? "conv1x1" : "conv");
}

void nn_deconv_layer_init(nn_conv_layer *l, nn_net *n, const char *name, int N, int H, int W,
                          int C, int K, int R, int stride, int pad, int out_pad, int bias) {
    l->transposed = 1;
    sw_status st =
        nn_conv_transpose2d_desc_init(&l->d, N, H, W, C, K, R, R, stride, pad, 1, 1, out_pad);
    conv_common(l, n, name, C, K, R, bias, st, "deconv");
}

void nn_conv_layer_forward(nn_net *n, nn_conv_layer *l, const float *x) {
    if (l->transposed)
        nn_conv_transpose2d_forward(nn_net_a(n, l->y), x, nn_net_w(n, l->w), nn_net_w(n, l->b),
                                    &l->d, n->be);
    else
        nn_conv2d_forward(nn_net_a(n, l->y), x, nn_net_w(n, l->w), nn_net_w(n, l->b), &l->d,
                          n->be);
}

void nn_conv_layer_backward(nn_net *n, nn_conv_layer *l, float *dx, const float *x) {
    if (l->transposed)
        nn_conv_transpose2d_backward(dx, nn_net_dw(n, l->w), nn_net_dw(n, l->b),
                                     nn_net_da(n, l->y), x, nn_net_w(n, l->w), &l->d, n->be);
    else
        nn_conv2d_backward(dx, nn_net_dw(n, l->w), nn_net_dw(n, l->b), nn_net_da(n, l->y), x,
                           nn_net_w(n, l->w), &l->d, n->be);
    if (n->grad_ready) {
        n->grad_ready(n->grad_ctx, l->w);
        if (l->b >= 0) n->grad_ready(n->grad_ctx, l->b);
    }
}

void nn_bn_layer_init(nn_bn_layer *l, nn_net *n, const char *name, int N, int H, int W, int C) {
    char buf[NN_NAME_MAX + 16];
    snprintf(buf, sizeof buf, "%s.weight", name);
    l->g = nn_net_param(n, buf, 1, C, 0, 0, 0);
    snprintf(buf, sizeof buf, "%s.bias", name);
    l->b = nn_net_param(n, buf, 1, C, 0, 0, 0);
    snprintf(buf, sizeof buf, "%s.running_mean", name);
    l->rm = nn_net_buffer(n, buf, C);
    snprintf(buf, sizeof buf, "%s.running_var", name);
    l->rv = nn_net_buffer(n, buf, C);
    /* P is an int in the kernels: nn_model_plan refuses larger batches; computed without overflow */
    const int64_t P = (int64_t)N * H * W;
    if (P > INT_MAX && n->err == SW_OK)
        n->err = sw_fail(SW_ERR_USAGE, "%s: %lld pixels in a batch: more than the engine's 32-bit count", name, (long long)P);
    l->P = P > INT_MAX ? INT_MAX : (int)P, l->C = C;
    l->y = nn_net_act(n, (size_t)l->P * C);
    l->mean = nn_net_act(n, (size_t)C);
    l->var = nn_net_act(n, (size_t)C);
    nn_net_row(n, name, "batchnorm", N, H, W, C, 2 * (size_t)C, 4.0 * l->P * C);
}

void nn_bn_layer_forward(nn_net *n, nn_bn_layer *l, const float *x) {
    if (n->training && n->bn_sync) {
        nn_syncbn_forward(n->bn_sync, nn_net_a(n, l->y), nn_net_a(n, l->mean), nn_net_a(n, l->var),
                          nn_net_buf(n, l->rm), nn_net_buf(n, l->rv), x, nn_net_w(n, l->g),
                          nn_net_w(n, l->b), l->P, l->C, n->bn_momentum, n->bn_eps, n->be);
        return;
    }
    nn_batchnorm_forward(nn_net_a(n, l->y), nn_net_a(n, l->mean), nn_net_a(n, l->var),
                         nn_net_buf(n, l->rm), nn_net_buf(n, l->rv), x, nn_net_w(n, l->g),
                         nn_net_w(n, l->b), l->P, l->C, n->bn_momentum, n->bn_eps, n->training,
                         n->be);
}

static void bn_grads_ready(nn_net *n, const nn_bn_layer *l) {
    if (n->grad_ready) {
        n->grad_ready(n->grad_ctx, l->g);
        n->grad_ready(n->grad_ctx, l->b);
    }
}

void nn_bn_layer_backward(nn_net *n, nn_bn_layer *l, float *dx, const float *x) {
    if (n->training && n->bn_sync)
        nn_syncbn_backward(n->bn_sync, dx, nn_net_dw(n, l->g), nn_net_dw(n, l->b),
                           nn_net_da(n, l->y), x, nn_net_w(n, l->g), nn_net_a(n, l->mean),
                           nn_net_a(n, l->var), l->P, l->C, n->bn_eps);
    else if (n->training)
        nn_batchnorm_backward(dx, nn_net_dw(n, l->g), nn_net_dw(n, l->b), nn_net_da(n, l->y), x,
                              nn_net_w(n, l->g), nn_net_a(n, l->mean), nn_net_a(n, l->var), l->P,
                              l->C, n->bn_eps, n->be);
    else
        nn_batchnorm_frozen_backward_be(dx, nn_net_dw(n, l->g), nn_net_dw(n, l->b),
                                        nn_net_da(n, l->y), x, nn_net_w(n, l->g),
                                        nn_net_buf(n, l->rm), nn_net_buf(n, l->rv), l->P, l->C,
                                        n->bn_eps, n->be);
    bn_grads_ready(n, l);
}

/* Registers the fold pair of a conv -> BN (its w' and b' in the fold arena); -1 on no memory. */
static int fold_pair(nn_net *n, const nn_conv_layer *c, const nn_bn_layer *b) {
    const nn_conv2d_desc *d = &c->d;
    const int K = d->K;
    const size_t per_k = (size_t)d->R * d->S * (d->C / (d->groups > 0 ? d->groups : 1));
    if (n->nfolds == n->folds_cap) {
        const int nc = n->folds_cap ? 2 * n->folds_cap : 32;
        nn_fold_pair *f = realloc(n->folds, (size_t)nc * sizeof *f);
        if (!f) {
            if (n->err == SW_OK) n->err = sw_fail(SW_ERR_RUNTIME, "out of memory for the fold table");
            return -1;
        }
        n->folds = f, n->folds_cap = nc;
    }
    nn_fold_pair *f = &n->folds[n->nfolds];
    f->w = c->w, f->b = c->b, f->g = b->g, f->beta = b->b, f->rm = b->rm, f->rv = b->rv;
    f->K = K, f->per_k = per_k;
    f->fw = n->fold_numel;
    f->fb = f->fw + (size_t)K * per_k;
    n->fold_numel = f->fb + (size_t)K;
    return n->nfolds++;
}

void nn_cbr_layer_init(nn_cbr_layer *l, nn_net *n, const char *conv_name, const char *bn_name,
                       int N, int H, int W, int C, int K, int R, int stride, int pad, int bias) {
    nn_conv_layer_init(&l->conv, n, conv_name, N, H, W, C, K, R, stride, pad, bias);
    nn_bn_layer_init(&l->bn, n, bn_name, N, l->conv.d.OH, l->conv.d.OW, K);
    l->fold = fold_pair(n, &l->conv, &l->bn);
}

void nn_cbr_layer_fold_init(nn_net *n, nn_cbr_layer *l) { l->fold = fold_pair(n, &l->conv, &l->bn); }

void nn_cbr_layer_forward(nn_net *n, nn_cbr_layer *l, const float *x) {
    float *y = nn_net_a(n, l->bn.y);
    if (!n->training && n->folded && l->fold >= 0 && l->fold < n->nfolds &&
        n->folds[l->fold].w == l->conv.w) {
        const nn_fold_pair *f = &n->folds[l->fold];
        /* one pass: the ReLU fused where the backend can */
        if (!l->conv.transposed)
            nn_conv2d_relu_forward(y, x, n->fold + f->fw, n->fold + f->fb, &l->conv.d, n->be);
        else
            nn_conv_transpose2d_relu_forward(y, x, n->fold + f->fw, n->fold + f->fb, &l->conv.d,
                                             n->be);
        return;
    } else {
        nn_conv_layer_forward(n, &l->conv, x);
        if (!(n->training && n->bn_sync)) { /* batch norm and ReLU in one pass where fused */
            const nn_bn_layer *b = &l->bn;
            nn_batchnorm_relu_forward(y, nn_net_a(n, b->mean), nn_net_a(n, b->var),
                                      nn_net_buf(n, b->rm), nn_net_buf(n, b->rv),
                                      nn_net_a(n, l->conv.y), nn_net_w(n, b->g),
                                      nn_net_w(n, b->b), b->P, b->C, n->bn_momentum, n->bn_eps,
                                      n->training, n->be);
            return;
        }
        nn_bn_layer_forward(n, &l->bn, nn_net_a(n, l->conv.y));
    }
    nn_relu_forward_be(y, y, (size_t)l->bn.P * l->bn.C, n->be);
}

void nn_cbr_layer_backward(nn_net *n, nn_cbr_layer *l, float *dx, const float *x) {
    float *dy = nn_net_da(n, l->bn.y);
    const nn_bn_layer *b = &l->bn;
    if (n->training && !n->bn_sync) { /* the ReLU's backward fused into the batch norm's */
        nn_batchnorm_relu_backward(nn_net_da(n, l->conv.y), nn_net_dw(n, b->g),
                                   nn_net_dw(n, b->b), dy, nn_net_a(n, b->y),
                                   nn_net_a(n, l->conv.y), nn_net_w(n, b->g),
                                   nn_net_w(n, b->b), nn_net_a(n, b->mean),
                                   nn_net_a(n, b->var), b->P, b->C, n->bn_eps, n->be);
        bn_grads_ready(n, b);
    } else {
        nn_relu_backward_be(dy, dy, nn_net_a(n, b->y), (size_t)b->P * b->C, n->be);
        nn_bn_layer_backward(n, &l->bn, nn_net_da(n, l->conv.y), nn_net_a(n, l->conv.y));
    }
    nn_conv_layer_backward(n, &l->conv, dx, x);
}
