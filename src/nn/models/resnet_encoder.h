/* The ResNet-18/34/50 encoder (torchvision's resnet: BasicBlocks, or for 50 Bottlenecks with
 * the stride on the 3x3, "v1.5") shared by the seed 002 segmenter and the classifier: stem conv7x7 s2 p3 (no bias) - BN - ReLU (enc0, 1/2), maxpool
 * 3x3 s2 p1, layer1..layer4 (enc1..enc4 at 1/4..1/32, 64/64/128/256/512 channels at the
 * standard width 64, 64/256/512/1024/2048 for ResNet-50; a narrower width scales every stage,
 * for tests). Parameter names are torchvision's: conv1, bn1, layerS.B.conv1/bn1/conv2/bn2
 * (Bottleneck: and conv3/bn3), layerS.0.downsample.0/1. */
#ifndef SWATH_NN_MODELS_RESNET_ENCODER_H
#define SWATH_NN_MODELS_RESNET_ENCODER_H

#include "src/nn/models/net.h"

enum { RESNET_MAX_BLOCKS = 6 };

typedef struct {
    nn_cbr_layer a;     /* BasicBlock: conv1 (3x3, stride) - bn1 - ReLU; Bottleneck: conv1 1x1 */
    int bottleneck;
    nn_cbr_layer mid;   /* Bottleneck: conv2 (3x3, stride) - bn2 - ReLU */
    nn_conv_layer conv2; /* the last conv: BasicBlock conv2 3x3, Bottleneck conv3 1x1 (x4) */
    nn_bn_layer bn2;    /* its BN; output plus the shortcut, ReLU'd in place: the block's output */
    int has_ds;
    nn_conv_layer ds_conv; /* downsample.0: conv1x1 stride, no bias */
    nn_bn_layer ds_bn;     /* downsample.1 */
    size_t in_numel;
} nn_basic_block;

typedef struct {
    nn_cbr_layer stem;
    nn_pool2d_desc pool;
    size_t pool_y;
    int nblocks[4];
    nn_basic_block blocks[4][RESNET_MAX_BLOCKS];
    int ch[5], h[5], w[5]; /* enc0..enc4 channels and sizes */
} nn_resnet_encoder;

/* depth 18, 34 or 50 (SW_ERR_USAGE otherwise); width: the stem's channels (torchvision: 64),
 * stage s has width << s. */
sw_status nn_resnet_encoder_build(nn_resnet_encoder *e, nn_net *n, int depth, int width, int N,
                                  int H, int W, int C);
/* Activation offset of enc k (0..4). */
size_t nn_resnet_encoder_out(const nn_resnet_encoder *e, int k);
void nn_resnet_encoder_forward(nn_net *n, nn_resnet_encoder *e, const float *x);
/* From dact[enc4] (written by the consumer), back to the weights (no input gradient); dskip[k]
 * (k 0..3, NULL: none) is a second gradient of enc k (a skip connection) added when its
 * encoder consumer is done. */
void nn_resnet_encoder_backward(nn_net *n, nn_resnet_encoder *e, const float *x,
                                float *const dskip[4]);

#endif
