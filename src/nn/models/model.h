/* The engine's models behind one handle: a configuration (the hyperparameters a checkpoint
 * stores), parameters in one arena and batch-norm running statistics in another (names are
 * PyTorch's state_dict keys), activations in one forward and one gradient arena allocated by
 * nn_model_prepare for a (N, H, W), so a training step allocates nothing. Architectures:
 *   "unet"          UNet: per level conv3x3-BN-ReLU x2, maxpool 2 down, ConvT 2x2 s2 up,
 *                   concat(skip, up), 1x1 head (unet.c);
 *   "resnet18-seg", "resnet34-seg", "resnet50-seg"
 *                   seed 002: ResNet encoder + deconvolution decoder with skip concatenation,
 *                   as the authors' PyTorch port defines it (resnet_seg.c);
 *   "resnet18-cls", "resnet34-cls", "resnet50-cls"
 *                   ResNet encoder, global average pool, linear: K multi-label logits
 *                   (resnet_cls.c).
 * Usage: create, prepare(N,H,W), then per step forward -> loss writes nn_model_dlogits ->
 * zero the gradient arena -> backward -> optimizer over m->net.params. */
#ifndef SWATH_NN_MODELS_MODEL_H
#define SWATH_NN_MODELS_MODEL_H

#include "src/nn/models/net.h"

typedef struct {
    char arch[32]; /* one of the names above */
    int in_ch;     /* input channels */
    int classes;   /* segmentation classes or multi-label outputs */
    int depth;     /* unet: levels including the bottleneck (2..6); resnet: 18, 34 (BasicBlock)
                    * or 50 (Bottleneck) */
    int width;     /* unet: first level's width (doubling per level); resnet: the stem's width,
                    * 64 as torchvision (stages 64..512, decoder 256..64); narrower for tests */
} nn_model_config;

typedef enum { NN_TASK_SEGMENT = 0, NN_TASK_CLASSIFY = 1 } nn_task;

typedef struct nn_model nn_model;
struct nn_model {
    nn_model_config cfg;
    nn_task task;
    int size_multiple; /* H and W must be multiples of this */
    nn_net net;        /* arenas, size tables, backend, training flag */
    size_t logits;     /* activation offset: (N,H,W,classes) or (N,classes) */
    void *impl;        /* the architecture's layers */
    sw_status (*build)(nn_model *m, int N, int H, int W);
    void (*forward)(nn_model *m, const float *x);
    void (*backward)(nn_model *m);
    /* device-transparent staging (nn_model_set_input, nn_model_loss): buffers in the memory of
     * net.mem_be, grown by nn_model_prepare */
    float *input;           /* (N,H,W,in_ch) */
    void *target;           /* (N,H,W) u8 class indices, or (N,classes) f32 */
    size_t input_cap, target_cap; /* bytes */
};

/* Fills cfg with the defaults of `arch` (unet: depth 4, width 32; resnet: width 64). An unknown
 * name is SW_ERR_USAGE listing the known ones. */
sw_status nn_model_config_init(nn_model_config *cfg, const char *arch, int in_ch, int classes);
/* Checks cfg and builds the size tables and arenas (n_state optimizer buffers: 0 none, 1 SGD
 * momentum, 2 Adam). The parameters start at zero: the caller initializes or loads them
 * (nn_model_init_weights gives a He-uniform start). */
sw_status nn_model_create(nn_model *m, const nn_model_config *cfg, int n_state);
/* The same with every arena (parameters, gradients, optimizer state, buffers, activations) in
 * the memory of backend `be`, which runs the ops (NULL: the default CPU backend). */
sw_status nn_model_create_on(nn_model *m, const nn_model_config *cfg, int n_state,
                             const nn_backend *be);
void nn_model_free(nn_model *m);
/* Plans the activations for a batch of N images of H x W and allocates the arenas when they
 * grow (the only allocation of a training loop). */
sw_status nn_model_prepare(nn_model *m, int N, int H, int W);
/* The same plan without allocating (for summaries): m->net.act_numel, .flops and, with
 * m->net.rows_wanted set, the layer rows. It replaces the prepared plan: prepare again before
 * the next forward. */
sw_status nn_model_plan(nn_model *m, int N, int H, int W);
/* Deterministic initialization from `seed` (splitmix64): convs and linears uniform(-b, b) with
 * PyTorch's default bound b = 1/sqrt(fan_in), fan_in the weights per output channel (R*S*C; for
 * a transposed conv PyTorch takes K*R*S), biases with their weight's bound; BN gamma 1, beta 0,
 * running statistics 0 and 1. */
void nn_model_init_weights(nn_model *m, unsigned long long seed);

/* Training mode (batch statistics, the default) or eval mode (running statistics). Training
 * mode drops a folded batch norm (the parameters will change). */
static inline void nn_model_train(nn_model *m, int training) {
    m->net.training = training;
    if (training) m->net.folded = 0;
}
/* Switches the backend that runs the ops: only between backends of the same memory (CPU to
 * CPU); a device model is created on its backend (nn_model_create_on). */
static inline void nn_model_set_backend(nn_model *m, const nn_backend *be) { m->net.be = be; }

/* Forward of x (N,H,W,in_ch) as prepared; returns the logits. x must stay valid until the
 * backward. */
float *nn_model_forward(nn_model *m, const float *x);
/* Backward from nn_model_dlogits (written by the loss): ACCUMULATES parameter gradients. */
void nn_model_backward(nn_model *m);
float *nn_model_logits(const nn_model *m);
float *nn_model_dlogits(const nn_model *m);
/* Number of logits values: N*H*W*classes (segmentation) or N*classes. */
size_t nn_model_logits_count(const nn_model *m);
/* Trainable parameter count (without the arena padding) and buffer count. */
size_t nn_model_param_count(const nn_model *m);

/* Device-transparent helpers (work for host and device models alike; host pointers in):
 * nn_model_set_input copies x (N,H,W,in_ch) into the model's input buffer, which
 * nn_model_forward(m, nn_model_input(m)) then reads; nn_model_loss copies the target (u8 class
 * indices (N,H,W), 255 ignored, for segmentation; f32 (N,classes) for classification), computes
 * cross-entropy or BCE with logits on the model's backend and writes nn_model_dlogits;
 * nn_model_zero_grad, nn_model_sgd_step and nn_model_adamw_step run on the backend over the
 * whole arena; the copies to and from the host move parameters (the arena, numel floats) and
 * buffers (running statistics) for checkpoints. Errors of device work come back here
 * (nn_model_status: the first recorded op error). */
float *nn_model_input(const nn_model *m);
sw_status nn_model_set_input(nn_model *m, const float *x_host);
sw_status nn_model_logits_to_host(const nn_model *m, float *dst /* nn_model_logits_count */);
sw_status nn_model_loss(nn_model *m, const void *target_host, float *loss);
/* The same with the gradient scaled: dlogits = dloss * d(loss)/d(logits) (a rank's share of a
 * global mean). */
sw_status nn_model_loss_scaled(nn_model *m, const void *target_host, float dloss, float *loss);
/* Copies a gradient of the logits computed on the host (a loss the backend lacks) into
 * nn_model_dlogits (nn_model_logits_count floats). */
sw_status nn_model_dlogits_from_host(nn_model *m, const float *src);
sw_status nn_model_zero_grad(nn_model *m);
sw_status nn_model_sgd_step(nn_model *m, float lr, float momentum, float weight_decay);
sw_status nn_model_adamw_step(nn_model *m, float lr, float beta1, float beta2, float eps,
                              float weight_decay, int step);
sw_status nn_model_params_to_host(const nn_model *m, float *params /* (params.numel) */,
                                  float *buffers /* (buffers.numel) or NULL */);
sw_status nn_model_params_from_host(nn_model *m, const float *params, const float *buffers);
sw_status nn_model_status(const nn_model *m);
/* Inference only: folds every conv -> batch norm pair (conv-BN-ReLU layers) into one convolution
 * with w' = w s, b' = (b - running mean) s + beta, s = gamma / sqrt(running var + eps), computed
 * in f64 from the current parameters and statistics (on the host, then copied where the model
 * lives). Eval-mode forwards then run one convolution and the ReLU per such layer instead of
 * three passes. Training mode, a backward (after a folded forward it runs the forward again
 * unfolded first: the backward reads what the fold skips), the optimizer steps of this handle,
 * nn_model_params_from_host, nn_model_init_weights and a checkpoint load drop it; a direct write
 * to the arenas must be followed by another fold. */
sw_status nn_model_fold_bn(nn_model *m);

/* Architecture constructors (called by nn_model_create). */
sw_status nn_unet_attach(nn_model *m);
sw_status nn_resnet_seg_attach(nn_model *m);
sw_status nn_resnet_cls_attach(nn_model *m);

#endif
