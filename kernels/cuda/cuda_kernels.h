/* swath's own CUDA kernels (kernels/cuda/k_*.cu): the memory-bound ops, losses and optimizer
 * steps that cuDNN and cuBLAS do not cover. Each mirrors its CPU reference in kernels/cpu/ref.h
 * or src/nn/loss.h / optim.h exactly (same arguments, same conventions: backward WRITES dinp and
 * ACCUMULATES parameter gradients), on device pointers, with the CUDA stream last (`stream` is a
 * cudaStream_t; NULL = the default stream). Every launch is checked: the functions return 0, or
 * nonzero after recording the CUDA error with sw_fail. f32 data; reductions accumulate in f32
 * per thread and combine in a fixed order where the reference's determinism matters (losses).
 * Plain C linkage so kernels/cuda/backend_cuda.c can call them. */
#ifndef SWATH_KERNELS_CUDA_KERNELS_H
#define SWATH_KERNELS_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* k_act.cu */
int cuk_relu_forward(float *out, const float *inp, size_t n, void *stream);
int cuk_relu_backward(float *dinp, const float *dout, const float *inp, size_t n, void *stream);
int cuk_leaky_relu_forward(float *out, const float *inp, size_t n, float slope, void *stream);
int cuk_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                            float slope, void *stream);
int cuk_sigmoid_forward(float *out, const float *inp, size_t n, void *stream);
int cuk_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n,
                         void *stream);

/* k_misc.cu */
int cuk_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca, int Cb,
                       void *stream);
int cuk_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca, int Cb,
                        void *stream);
int cuk_add_forward(float *out, const float *a, const float *b, size_t n, void *stream);
int cuk_add_backward(float *da, float *db, const float *dout, size_t n, void *stream);
int cuk_global_avgpool_forward(float *out, const float *inp, int N, int HW, int C, void *stream);
int cuk_global_avgpool_backward(float *dinp, const float *dout, int N, int HW, int C,
                                void *stream);
int cuk_softmax_forward(float *out, const float *inp, size_t P, int K, void *stream);
int cuk_softmax_backward(float *dinp, const float *dout, const float *out, size_t P, int K,
                         void *stream);
/* f32 <-> bf16 conversion (bf16 stored as uint16_t, round to nearest even). */
int cuk_f32_to_bf16(uint16_t *out, const float *inp, size_t n, void *stream);
int cuk_bf16_to_f32(float *out, const uint16_t *inp, size_t n, void *stream);

/* k_resize.cu */
int cuk_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W, int C,
                                 int OH, int OW, void *stream);
int cuk_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                  int OH, int OW, void *stream);
int cuk_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W, int C,
                                  int OH, int OW, void *stream);
int cuk_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                   int OH, int OW, void *stream);

/* k_loss.cu: the loss value comes back to the host in *loss (one synchronizing copy); the
 * backward writes dlogits = dloss * d(loss)/d(logits). Targets are device arrays. */
int cuk_cross_entropy_forward(float *loss, const float *logits, const uint8_t *target,
                              const float *class_weight, size_t P, int K, int ignore,
                              void *stream);
int cuk_cross_entropy_backward(float *dlogits, float dloss, const float *logits,
                               const uint8_t *target, const float *class_weight, size_t P, int K,
                               int ignore, void *stream);
int cuk_bce_logits_forward(float *loss, const float *logits, const float *target, size_t P,
                           int K, void *stream);
int cuk_bce_logits_backward(float *dlogits, float dloss, const float *logits,
                            const float *target, size_t P, int K, void *stream);

/* k_optim.cu: torch.optim semantics as src/nn/optim.h. */
int cuk_sgd_update(float *params, const float *grads, float *momentum_buf, size_t n, float lr,
                   float momentum, float weight_decay, void *stream);
int cuk_adam_update(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                    float beta1, float beta2, float eps, float weight_decay, int step,
                    int decoupled /* 1: AdamW */, void *stream);
/* Scales n values in place (gradient averaging after an allreduce of sums). */
int cuk_scale(float *x, size_t n, float s, void *stream);

#ifdef __cplusplus
}
#endif

#endif
