/* ResNet-18/34 encoder (see resnet_encoder.h). */
#include "src/nn/models/resnet_encoder.h"

#include <stdio.h>
#include <string.h>

/* BasicBlock (planes = K out) or Bottleneck (planes, K = 4 planes out). */
static void block_init(nn_basic_block *b, nn_net *n, int s, int i, int N, int H, int W, int C,
                       int K, int planes, int stride, int bottleneck) {
    char c1[48], b1[48], nm[48];
    snprintf(c1, sizeof c1, "layer%d.%d.conv1", s + 1, i);
    snprintf(b1, sizeof b1, "layer%d.%d.bn1", s + 1, i);
    b->bottleneck = bottleneck;
    int OH, OW, last;
    if (bottleneck) {
        nn_cbr_layer_init(&b->a, n, c1, b1, N, H, W, C, planes, 1, 1, 0, 0);
        snprintf(c1, sizeof c1, "layer%d.%d.conv2", s + 1, i);
        snprintf(b1, sizeof b1, "layer%d.%d.bn2", s + 1, i);
        nn_cbr_layer_init(&b->mid, n, c1, b1, N, H, W, planes, planes, 3, stride, 1, 0);
        OH = b->mid.conv.d.OH, OW = b->mid.conv.d.OW, last = 3;
        snprintf(nm, sizeof nm, "layer%d.%d.conv3", s + 1, i);
        nn_conv_layer_init(&b->conv2, n, nm, N, OH, OW, planes, K, 1, 1, 0, 0);
    } else {
        nn_cbr_layer_init(&b->a, n, c1, b1, N, H, W, C, K, 3, stride, 1, 0);
        OH = b->a.conv.d.OH, OW = b->a.conv.d.OW, last = 2;
        snprintf(nm, sizeof nm, "layer%d.%d.conv2", s + 1, i);
        nn_conv_layer_init(&b->conv2, n, nm, N, OH, OW, K, K, 3, 1, 1, 0);
    }
    snprintf(nm, sizeof nm, "layer%d.%d.bn%d", s + 1, i, last);
    nn_bn_layer_init(&b->bn2, n, nm, N, OH, OW, K);
    b->has_ds = stride != 1 || C != K;
    if (b->has_ds) {
        snprintf(nm, sizeof nm, "layer%d.%d.downsample.0", s + 1, i);
        nn_conv_layer_init(&b->ds_conv, n, nm, N, H, W, C, K, 1, stride, 0, 0);
        snprintf(nm, sizeof nm, "layer%d.%d.downsample.1", s + 1, i);
        nn_bn_layer_init(&b->ds_bn, n, nm, N, OH, OW, K);
    }
    b->in_numel = (size_t)N * H * W * C;
    nn_net_scratch(n, b->in_numel);
}

static void block_forward(nn_net *n, nn_basic_block *b, const float *x) {
    nn_cbr_layer_forward(n, &b->a, x);
    const nn_cbr_layer *pre = &b->a;
    if (b->bottleneck) {
        nn_cbr_layer_forward(n, &b->mid, nn_cbr_out(n, &b->a));
        pre = &b->mid;
    }
    nn_conv_layer_forward(n, &b->conv2, nn_cbr_out(n, pre));
    nn_bn_layer_forward(n, &b->bn2, nn_net_a(n, b->conv2.y));
    const float *sc = x;
    if (b->has_ds) {
        nn_conv_layer_forward(n, &b->ds_conv, x);
        nn_bn_layer_forward(n, &b->ds_bn, nn_net_a(n, b->ds_conv.y));
        sc = nn_net_a(n, b->ds_bn.y);
    }
    float *y = nn_net_a(n, b->bn2.y);
    const size_t cnt = (size_t)b->bn2.P * b->bn2.C;
    nn_add_forward_be(y, y, sc, cnt, n->be);
    nn_relu_forward_be(y, y, cnt, n->be);
}

/* dact[bn2.y] holds the output gradient; writes dx (N,H,W,C). */
static void block_backward(nn_net *n, nn_basic_block *b, float *dx, const float *x) {
    float *dy = nn_net_da(n, b->bn2.y);
    const size_t cnt = (size_t)b->bn2.P * b->bn2.C;
    nn_relu_backward_be(dy, dy, nn_net_a(n, b->bn2.y), cnt, n->be);
    nn_bn_layer_backward(n, &b->bn2, nn_net_da(n, b->conv2.y), nn_net_a(n, b->conv2.y));
    nn_cbr_layer *pre = b->bottleneck ? &b->mid : &b->a;
    nn_conv_layer_backward(n, &b->conv2, nn_net_da(n, pre->bn.y), nn_cbr_out(n, pre));
    if (b->bottleneck)
        nn_cbr_layer_backward(n, &b->mid, nn_net_da(n, b->a.bn.y), nn_cbr_out(n, &b->a));
    nn_cbr_layer_backward(n, &b->a, dx, x);
    if (b->has_ds) {
        nn_mem_copy(n->be, nn_net_da(n, b->ds_bn.y), dy, cnt * sizeof *dy, NN_COPY_D2D);
        nn_bn_layer_backward(n, &b->ds_bn, nn_net_da(n, b->ds_conv.y), nn_net_a(n, b->ds_conv.y));
        float *tmp = nn_net_scratch_ptr(n);
        nn_conv_layer_backward(n, &b->ds_conv, tmp, x);
        nn_net_accumulate(n, dx, tmp, b->in_numel);
    } else {
        nn_net_accumulate(n, dx, dy, b->in_numel);
    }
}

sw_status nn_resnet_encoder_build(nn_resnet_encoder *e, nn_net *n, int depth, int width, int N,
                                  int H, int W, int C) {
    static const int b18[4] = {2, 2, 2, 2}, b34[4] = {3, 4, 6, 3};
    if (depth != 18 && depth != 34 && depth != 50)
        return sw_fail(SW_ERR_USAGE, "resnet depth %d: 18, 34 or 50", depth);
    memcpy(e->nblocks, depth == 18 ? b18 : b34, sizeof e->nblocks); /* 50: as 34 */
    const int bottleneck = depth == 50, expansion = bottleneck ? 4 : 1;
    nn_cbr_layer_init(&e->stem, n, "conv1", "bn1", N, H, W, C, width, 7, 2, 3, 0);
    int h = e->stem.conv.d.OH, w = e->stem.conv.d.OW, c = width;
    e->ch[0] = c, e->h[0] = h, e->w[0] = w;
    if (nn_pool2d_desc_init(&e->pool, N, h, w, c, 3, 3, 2, 1) != SW_OK && n->err == SW_OK)
        n->err = SW_ERR_USAGE;
    h = e->pool.OH, w = e->pool.OW;
    e->pool_y = nn_net_act(n, (size_t)N * h * w * c);
    nn_net_row(n, "maxpool", "maxpool", N, h, w, c, 0, 0.0);
    for (int s = 0; s < 4; s++) {
        const int planes = width << s, k = planes * expansion;
        for (int i = 0; i < e->nblocks[s]; i++) {
            const int stride = s > 0 && i == 0 ? 2 : 1;
            block_init(&e->blocks[s][i], n, s, i, N, h, w, c, k, planes, stride, bottleneck);
            h = e->blocks[s][i].conv2.d.OH, w = e->blocks[s][i].conv2.d.OW, c = k;
        }
        e->ch[s + 1] = c, e->h[s + 1] = h, e->w[s + 1] = w;
    }
    return n->err;
}

size_t nn_resnet_encoder_out(const nn_resnet_encoder *e, int k) {
    return k == 0 ? e->stem.bn.y : e->blocks[k - 1][e->nblocks[k - 1] - 1].bn2.y;
}

void nn_resnet_encoder_forward(nn_net *n, nn_resnet_encoder *e, const float *x) {
    nn_cbr_layer_forward(n, &e->stem, x);
    nn_maxpool_forward(nn_net_a(n, e->pool_y), nn_cbr_out(n, &e->stem), &e->pool, n->be);
    const float *in = nn_net_a(n, e->pool_y);
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < e->nblocks[s]; i++) {
            block_forward(n, &e->blocks[s][i], in);
            in = nn_net_a(n, e->blocks[s][i].bn2.y);
        }
}

void nn_resnet_encoder_backward(nn_net *n, nn_resnet_encoder *e, const float *x,
                                float *const dskip[4]) {
    for (int s = 3; s >= 0; s--) {
        for (int i = e->nblocks[s] - 1; i >= 0; i--) {
            size_t in = i ? e->blocks[s][i - 1].bn2.y
                          : s ? nn_resnet_encoder_out(e, s) : e->pool_y;
            block_backward(n, &e->blocks[s][i], nn_net_da(n, in), nn_net_a(n, in));
        }
        if (s > 0 && dskip && dskip[s])
            nn_net_accumulate(n, nn_net_da(n, nn_resnet_encoder_out(e, s)), dskip[s],
                              (size_t)n->N * e->h[s] * e->w[s] * e->ch[s]);
    }
    float *d0 = nn_net_da(n, e->stem.bn.y);
    nn_maxpool_backward(d0, nn_net_da(n, e->pool_y), nn_cbr_out(n, &e->stem), &e->pool, n->be);
    if (dskip && dskip[0])
        nn_net_accumulate(n, d0, dskip[0], (size_t)n->N * e->h[0] * e->w[0] * e->ch[0]);
    nn_cbr_layer_backward(n, &e->stem, NULL, x);
}
