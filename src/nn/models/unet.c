/* UNet (Ronneberger et al. 2015, with batch norm and padded convs, as the common PyTorch ports):
 * depth levels of widths w, 2w, 4w, ...; level l: conv3x3-BN-ReLU x2 ("enc.l.conv1/bn1/conv2/
 * bn2", convs without bias); maxpool 2x2 down; up: ConvTranspose 2x2 s2 with bias ("up.l",
 * w_{l+1} -> w_l); concat(skip, up) then conv3x3-BN-ReLU x2 ("dec.l..."); head conv1x1 with
 * bias ("head", w -> classes). tests/ref/nn_models_ref.py builds the same in PyTorch. */
#include "src/nn/models/model.h"

#include <stdio.h>
#include <stdlib.h>

enum { UNET_MAX = 6 };

typedef struct {
    int depth;
    nn_cbr_layer enc[UNET_MAX][2], dec[UNET_MAX][2];
    nn_pool2d_desc pool[UNET_MAX];
    size_t pool_y[UNET_MAX], cat[UNET_MAX], dskip[UNET_MAX];
    nn_conv_layer up[UNET_MAX], head;
} unet;

static void double_conv_init(nn_cbr_layer l[2], nn_net *n, const char *pre, int lev, int N,
                             int H, int W, int C, int K) {
    char c1[48], b1[48], c2[48], b2[48];
    snprintf(c1, sizeof c1, "%s.%d.conv1", pre, lev);
    snprintf(b1, sizeof b1, "%s.%d.bn1", pre, lev);
    snprintf(c2, sizeof c2, "%s.%d.conv2", pre, lev);
    snprintf(b2, sizeof b2, "%s.%d.bn2", pre, lev);
    nn_cbr_layer_init(&l[0], n, c1, b1, N, H, W, C, K, 3, 1, 1, 0);
    nn_cbr_layer_init(&l[1], n, c2, b2, N, H, W, K, K, 3, 1, 1, 0);
}

static sw_status unet_build(nn_model *m, int N, int H, int W) {
    unet *u = m->impl;
    nn_net *n = &m->net;
    const int D = u->depth, w0 = m->cfg.width;
    int h = H, w = W, c = m->cfg.in_ch;
    for (int l = 0; l < D; l++) {
        double_conv_init(u->enc[l], n, "enc", l, N, h, w, c, w0 << l);
        c = w0 << l;
        if (l < D - 1) {
            if (nn_pool2d_desc_init(&u->pool[l], N, h, w, c, 2, 2, 2, 0) != SW_OK) n->err = 1;
            u->pool_y[l] = nn_net_act(n, (size_t)N * (h / 2) * (w / 2) * c);
            char nm[32];
            snprintf(nm, sizeof nm, "pool.%d", l);
            nn_net_row(n, nm, "maxpool", N, h / 2, w / 2, c, 0, 0.0);
            h /= 2, w /= 2;
        }
    }
    for (int l = D - 2; l >= 0; l--) {
        char nm[32];
        snprintf(nm, sizeof nm, "up.%d", l);
        const int wl = w0 << l;
        nn_deconv_layer_init(&u->up[l], n, nm, N, h, w, c, wl, 2, 2, 0, 0, 1);
        h *= 2, w *= 2;
        const size_t P = (size_t)N * h * w;
        u->cat[l] = nn_net_act(n, P * 2 * wl);
        u->dskip[l] = nn_net_act(n, P * wl); /* the skip's gradient from the concat */
        snprintf(nm, sizeof nm, "cat.%d", l);
        nn_net_row(n, nm, "concat", N, h, w, 2 * wl, 0, 0.0);
        double_conv_init(u->dec[l], n, "dec", l, N, h, w, 2 * wl, wl);
        c = wl;
    }
    nn_conv_layer_init(&u->head, n, "head", N, H, W, c, m->cfg.classes, 1, 1, 0, 1);
    m->logits = u->head.y;
    return n->err;
}

static void unet_forward(nn_model *m, const float *x) {
    unet *u = m->impl;
    nn_net *n = &m->net;
    const int D = u->depth;
    const float *in = x;
    for (int l = 0; l < D; l++) {
        nn_cbr_layer_forward(n, &u->enc[l][0], in);
        nn_cbr_layer_forward(n, &u->enc[l][1], nn_cbr_out(n, &u->enc[l][0]));
        if (l < D - 1) {
            nn_maxpool_forward(nn_net_a(n, u->pool_y[l]), nn_cbr_out(n, &u->enc[l][1]),
                               &u->pool[l], n->be);
            in = nn_net_a(n, u->pool_y[l]);
        }
    }
    const float *cur = nn_cbr_out(n, &u->enc[D - 1][1]);
    for (int l = D - 2; l >= 0; l--) {
        nn_conv_layer_forward(n, &u->up[l], cur);
        const nn_conv2d_desc *d = &u->up[l].d;
        const size_t P = (size_t)d->N * d->OH * d->OW;
        nn_concat_forward_be(nn_net_a(n, u->cat[l]), nn_cbr_out(n, &u->enc[l][1]),
                          nn_net_a(n, u->up[l].y), P, d->K, d->K, n->be);
        nn_cbr_layer_forward(n, &u->dec[l][0], nn_net_a(n, u->cat[l]));
        nn_cbr_layer_forward(n, &u->dec[l][1], nn_cbr_out(n, &u->dec[l][0]));
        cur = nn_cbr_out(n, &u->dec[l][1]);
    }
    nn_conv_layer_forward(n, &u->head, cur);
}

static void unet_backward(nn_model *m) {
    unet *u = m->impl;
    nn_net *n = &m->net;
    const int D = u->depth;
    nn_conv_layer_backward(n, &u->head, nn_net_da(n, u->dec[0][1].bn.y),
                           nn_cbr_out(n, &u->dec[0][1]));
    for (int l = 0; l <= D - 2; l++) {
        nn_cbr_layer_backward(n, &u->dec[l][1], nn_net_da(n, u->dec[l][0].bn.y),
                              nn_cbr_out(n, &u->dec[l][0]));
        nn_cbr_layer_backward(n, &u->dec[l][0], nn_net_da(n, u->cat[l]), nn_net_a(n, u->cat[l]));
        const nn_conv2d_desc *d = &u->up[l].d;
        nn_concat_backward_be(nn_net_da(n, u->dskip[l]), nn_net_da(n, u->up[l].y),
                           nn_net_da(n, u->cat[l]), (size_t)d->N * d->OH * d->OW, d->K, d->K, n->be);
        const nn_cbr_layer *src = l + 1 == D - 1 ? &u->enc[D - 1][1] : &u->dec[l + 1][1];
        nn_conv_layer_backward(n, &u->up[l], nn_net_da(n, src->bn.y), nn_cbr_out(n, src));
    }
    for (int l = D - 1; l >= 0; l--) {
        if (l < D - 1) {
            float *dy = nn_net_da(n, u->enc[l][1].bn.y);
            nn_maxpool_backward(dy, nn_net_da(n, u->pool_y[l]), nn_cbr_out(n, &u->enc[l][1]),
                                &u->pool[l], n->be);
            const nn_pool2d_desc *p = &u->pool[l];
            nn_net_accumulate(n, dy, nn_net_da(n, u->dskip[l]), (size_t)p->N * p->H * p->W * p->C);
        }
        nn_cbr_layer_backward(n, &u->enc[l][1], nn_net_da(n, u->enc[l][0].bn.y),
                              nn_cbr_out(n, &u->enc[l][0]));
        nn_cbr_layer_backward(n, &u->enc[l][0], l ? nn_net_da(n, u->pool_y[l - 1]) : NULL,
                              l ? nn_net_a(n, u->pool_y[l - 1]) : n->input);
    }
}

sw_status nn_unet_attach(nn_model *m) {
    if (m->cfg.depth < 2 || m->cfg.depth > UNET_MAX || m->cfg.width < 1 || m->cfg.width > 1024)
        return sw_fail(SW_ERR_USAGE, "unet: depth %d (2..%d) and width %d (1..1024)",
                       m->cfg.depth, UNET_MAX, m->cfg.width);
    unet *u = sw_calloc(1, sizeof *u, "unet layers");
    if (!u) return SW_ERR_RUNTIME;
    u->depth = m->cfg.depth;
    m->impl = u;
    m->task = NN_TASK_SEGMENT;
    m->size_multiple = 1 << (u->depth - 1);
    m->build = unet_build;
    m->forward = unet_forward;
    m->backward = unet_backward;
    return SW_OK;
}
