/* Seed 002 (EUSIPCO 2018): ResNet-18/34/50 encoder + deconvolution decoder with skip concatenation,
 * as the authors' PyTorch port defines it (github.com/sinaghassemi/semanticSegmentation,
 * cnn/models.py::encoder_decoder_resnet; reference/seed-algorithms.md 3.2):
 *   dec.k (k = 0..4): ConvT 4x4 s2 p1 with bias ("dec.k.deconv") - BN ("bn0") - ReLU -
 *                     [conv3x3 p1 with bias - BN - ReLU] x2 ("conv1/bn1", "conv2/bn2");
 *   block 0 takes enc4; block k >= 1 takes concat(block k-1, enc(4-k)), the decoder's maps
 *   first; widths 256, 128, 64, 64, 64 (ResNet <= 34, width 64; ResNet-50: 1024, 512, 256, 64,
 *   64; a narrower width scales them);
 *   head conv1x1 with bias 64 -> classes.
 * Choices vs the paper: the port's two conv3x3 per block (the paper has the deconvolution only),
 * its 3x3 s2 p1 first pooling (the paper 2x2), no concatenation of input-level 3x3 features
 * before the classifier (the paper has one; absent in the port); the port's ReLU before the
 * head follows a ReLU and is the identity, so it is left out. The convs of the decoder keep
 * nn.Conv2d's default bias. Logits at the input size; H and W multiples of 32. */
#include "src/nn/models/model.h"
#include "src/nn/models/resnet_encoder.h"

#include <stdio.h>

typedef struct {
    nn_resnet_encoder enc;
    nn_cbr_layer dec[5][3]; /* [0] deconv-BN-ReLU, [1], [2] conv-BN-ReLU */
    size_t cat[5], dskip[4];
    int nf[5];
    nn_conv_layer head;
} resnet_seg;

static sw_status seg_build(nn_model *m, int N, int H, int W) {
    resnet_seg *r = m->impl;
    nn_net *n = &m->net;
    sw_status st = nn_resnet_encoder_build(&r->enc, n, m->cfg.depth, m->cfg.width, N, H, W,
                                           m->cfg.in_ch);
    if (st != SW_OK) return st;
    const nn_resnet_encoder *e = &r->enc;
    int h = e->h[4], w = e->w[4], c = e->ch[4];
    for (int k = 0; k < 5; k++) {
        char a[48], b[48];
        if (k > 0) { /* concat(block k-1, enc(4-k)) */
            const int j = 4 - k;
            const size_t P = (size_t)N * h * w;
            r->cat[k] = nn_net_act(n, P * (size_t)(c + e->ch[j]));
            r->dskip[j] = nn_net_act(n, P * (size_t)e->ch[j]);
            snprintf(a, sizeof a, "dec.%d.cat", k);
            nn_net_row(n, a, "concat", N, h, w, c + e->ch[j], 0, 0.0);
            c += e->ch[j];
        }
        const int K = r->nf[k];
        snprintf(a, sizeof a, "dec.%d.deconv", k);
        snprintf(b, sizeof b, "dec.%d.bn0", k);
        nn_deconv_layer_init(&r->dec[k][0].conv, n, a, N, h, w, c, K, 4, 2, 1, 0, 1);
        h *= 2, w *= 2;
        nn_bn_layer_init(&r->dec[k][0].bn, n, b, N, h, w, K);
        nn_cbr_layer_fold_init(n, &r->dec[k][0]);
        for (int i = 1; i <= 2; i++) {
            snprintf(a, sizeof a, "dec.%d.conv%d", k, i);
            snprintf(b, sizeof b, "dec.%d.bn%d", k, i);
            nn_cbr_layer_init(&r->dec[k][i], n, a, b, N, h, w, K, K, 3, 1, 1, 1);
        }
        c = K;
    }
    nn_conv_layer_init(&r->head, n, "head", N, h, w, c, m->cfg.classes, 1, 1, 0, 1);
    m->logits = r->head.y;
    return n->err;
}

static void seg_forward(nn_model *m, const float *x) {
    resnet_seg *r = m->impl;
    nn_net *n = &m->net;
    nn_resnet_encoder_forward(n, &r->enc, x);
    const float *in = nn_net_a(n, nn_resnet_encoder_out(&r->enc, 4));
    for (int k = 0; k < 5; k++) {
        if (k > 0) {
            const int j = 4 - k;
            const nn_conv2d_desc *d = &r->dec[k - 1][0].conv.d;
            nn_concat_forward_be(nn_net_a(n, r->cat[k]), in,
                              nn_net_a(n, nn_resnet_encoder_out(&r->enc, j)),
                              (size_t)d->N * d->OH * d->OW, r->nf[k - 1], r->enc.ch[j], n->be);
            in = nn_net_a(n, r->cat[k]);
        }
        for (int i = 0; i < 3; i++) {
            nn_cbr_layer_forward(n, &r->dec[k][i], in);
            in = nn_cbr_out(n, &r->dec[k][i]);
        }
    }
    nn_conv_layer_forward(n, &r->head, in);
}

static void seg_backward(nn_model *m) {
    resnet_seg *r = m->impl;
    nn_net *n = &m->net;
    nn_conv_layer_backward(n, &r->head, nn_net_da(n, r->dec[4][2].bn.y),
                           nn_cbr_out(n, &r->dec[4][2]));
    for (int k = 4; k >= 0; k--) {
        for (int i = 2; i >= 1; i--)
            nn_cbr_layer_backward(n, &r->dec[k][i], nn_net_da(n, r->dec[k][i - 1].bn.y),
                                  nn_cbr_out(n, &r->dec[k][i - 1]));
        const size_t in = k ? r->cat[k] : nn_resnet_encoder_out(&r->enc, 4);
        nn_cbr_layer_backward(n, &r->dec[k][0], nn_net_da(n, in), nn_net_a(n, in));
        if (k > 0) {
            const int j = 4 - k;
            const nn_conv2d_desc *d = &r->dec[k - 1][0].conv.d;
            nn_concat_backward_be(nn_net_da(n, r->dec[k - 1][2].bn.y), nn_net_da(n, r->dskip[j]),
                               nn_net_da(n, r->cat[k]), (size_t)d->N * d->OH * d->OW,
                               r->nf[k - 1], r->enc.ch[j], n->be);
        }
    }
    float *const dskip[4] = {nn_net_da(n, r->dskip[0]), nn_net_da(n, r->dskip[1]),
                             nn_net_da(n, r->dskip[2]), nn_net_da(n, r->dskip[3])};
    nn_resnet_encoder_backward(n, &r->enc, n->input, dskip);
}

sw_status nn_resnet_seg_attach(nn_model *m) {
    resnet_seg *r = sw_calloc(1, sizeof *r, "resnet-seg layers");
    if (!r) return SW_ERR_RUNTIME;
    /* the port's num_feats at width 64: ResNet <= 34 256, 128, 64, 64, 64; deeper (Bottleneck)
     * 1024, 512, 256, 64, 64 */
    static const int mult[5] = {4, 2, 1, 1, 1}, mult50[5] = {16, 8, 4, 1, 1};
    for (int k = 0; k < 5; k++) r->nf[k] = (m->cfg.depth > 34 ? mult50 : mult)[k] * m->cfg.width;
    m->impl = r;
    m->task = NN_TASK_SEGMENT;
    m->size_multiple = 32;
    m->build = seg_build;
    m->forward = seg_forward;
    m->backward = seg_backward;
    return SW_OK;
}
