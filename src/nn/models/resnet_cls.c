/* ResNet-18/34/50 multi-label classifier (seed 003, step one, with a ResNet in place of the
 * released SwinV2): the encoder of resnet_encoder.h, global average pool over enc4 (512; 2048 for ResNet-50), linear
 * ("fc", torchvision's name) to K logits; train with BCE with logits. */
#include "src/nn/models/model.h"
#include "src/nn/models/resnet_encoder.h"

typedef struct {
    nn_resnet_encoder enc;
    size_t gap; /* (N,512) */
    int fc_w, fc_b;
    size_t logits; /* (N,K) */
} resnet_cls;

static sw_status cls_build(nn_model *m, int N, int H, int W) {
    resnet_cls *r = m->impl;
    nn_net *n = &m->net;
    sw_status st = nn_resnet_encoder_build(&r->enc, n, m->cfg.depth, m->cfg.width, N, H, W,
                                           m->cfg.in_ch);
    if (st != SW_OK) return st;
    const int C = r->enc.ch[4], K = m->cfg.classes;
    r->gap = nn_net_act(n, (size_t)N * C);
    nn_net_row(n, "avgpool", "global_avgpool", N, 1, 1, C, 0,
               (double)N * r->enc.h[4] * r->enc.w[4] * C);
    r->fc_w = nn_net_param(n, "fc.weight", 2, K, C, 0, 0);
    r->fc_b = nn_net_param(n, "fc.bias", 1, K, 0, 0, 0);
    r->logits = nn_net_act(n, (size_t)N * K);
    nn_net_row(n, "fc", "linear", N, 1, 1, K, (size_t)K * C + K, 2.0 * N * K * C);
    m->logits = r->logits;
    return n->err;
}

static void cls_forward(nn_model *m, const float *x) {
    resnet_cls *r = m->impl;
    nn_net *n = &m->net;
    nn_resnet_encoder_forward(n, &r->enc, x);
    const int C = r->enc.ch[4], HW = r->enc.h[4] * r->enc.w[4];
    nn_global_avgpool_forward_be(nn_net_a(n, r->gap), nn_net_a(n, nn_resnet_encoder_out(&r->enc, 4)),
                              n->N, HW, C, n->be);
    nn_linear_forward_be(nn_net_a(n, r->logits), nn_net_a(n, r->gap), nn_net_w(n, r->fc_w),
                      nn_net_w(n, r->fc_b), n->N, C, m->cfg.classes, n->be);
}

static void cls_backward(nn_model *m) {
    resnet_cls *r = m->impl;
    nn_net *n = &m->net;
    const int C = r->enc.ch[4], HW = r->enc.h[4] * r->enc.w[4];
    nn_linear_backward_be(nn_net_da(n, r->gap), nn_net_dw(n, r->fc_w), nn_net_dw(n, r->fc_b),
                       nn_net_da(n, r->logits), nn_net_a(n, r->gap), nn_net_w(n, r->fc_w), n->N,
                       C, m->cfg.classes, n->be);
    nn_global_avgpool_backward_be(nn_net_da(n, nn_resnet_encoder_out(&r->enc, 4)),
                               nn_net_da(n, r->gap), n->N, HW, C, n->be);
    nn_resnet_encoder_backward(n, &r->enc, n->input, NULL);
}

sw_status nn_resnet_cls_attach(nn_model *m) {
    resnet_cls *r = sw_calloc(1, sizeof *r, "resnet-cls layers");
    if (!r) return SW_ERR_RUNTIME;
    m->impl = r;
    m->task = NN_TASK_CLASSIFY;
    m->size_multiple = 32;
    m->build = cls_build;
    m->forward = cls_forward;
    m->backward = cls_backward;
    return SW_OK;
}
