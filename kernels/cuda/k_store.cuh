/* The kernels of the CUDA backend over an activation storage type T: float, or bf16_t (bf16
 * held as uint16_t, the upper half of an f32; k_common.cuh loads it widened and stores it
 * rounded to nearest even). T types the activation arguments only (inputs, outputs and their
 * gradients, the batch norm's ReLU mask); parameters, parameter gradients, batch statistics,
 * loss values, targets and scratch stay f32, and all arithmetic is f32 (f64 where the f32
 * kernels use it). The float instances are the kernels of cuda_kernels.h and cuda_backend.h
 * (those C functions call them); the bf16_t instances serve the bf16 activation storage
 * (cuda_backend.h: cu_ctx.act_bf16). Each k_*.cu instantiates its templates for both types.
 * Same arguments and conventions as the f32 functions, with the stream typed. Internal to
 * kernels/cuda. */
#ifndef SWATH_KERNELS_CUDA_K_STORE_CUH
#define SWATH_KERNELS_CUDA_K_STORE_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "kernels/backend.h"
}

typedef uint16_t bf16_t;

/* k_act.cu */
template <class T> int cukt_relu_forward(T *out, const T *inp, size_t n, cudaStream_t s);
template <class T>
int cukt_relu_backward(T *dinp, const T *dout, const T *inp, size_t n, cudaStream_t s);
template <class T>
int cukt_leaky_relu_forward(T *out, const T *inp, size_t n, float slope, cudaStream_t s);
template <class T>
int cukt_leaky_relu_backward(T *dinp, const T *dout, const T *inp, size_t n, float slope,
                             cudaStream_t s);
template <class T> int cukt_sigmoid_forward(T *out, const T *inp, size_t n, cudaStream_t s);
template <class T>
int cukt_sigmoid_backward(T *dinp, const T *dout, const T *out, size_t n, cudaStream_t s);

/* k_misc.cu */
template <class T>
int cukt_concat_forward(T *out, const T *a, const T *b, size_t P, int Ca, int Cb,
                        cudaStream_t s);
template <class T>
int cukt_concat_backward(T *da, T *db, const T *dout, size_t P, int Ca, int Cb, cudaStream_t s);
template <class T> int cukt_add_forward(T *out, const T *a, const T *b, size_t n, cudaStream_t s);
template <class T> int cukt_add_backward(T *da, T *db, const T *dout, size_t n, cudaStream_t s);
template <class T>
int cukt_global_avgpool_forward(T *out, const T *inp, int N, int HW, int C, cudaStream_t s);
template <class T>
int cukt_global_avgpool_backward(T *dinp, const T *dout, int N, int HW, int C, cudaStream_t s);
template <class T> int cukt_softmax_forward(T *out, const T *inp, size_t P, int K, cudaStream_t s);
template <class T>
int cukt_softmax_backward(T *dinp, const T *dout, const T *out, size_t P, int K, cudaStream_t s);

/* k_resize.cu */
template <class T>
int cukt_upsample_nearest_forward(T *out, const T *inp, int N, int H, int W, int C, int OH,
                                  int OW, cudaStream_t s);
template <class T>
int cukt_upsample_nearest_backward(T *dinp, const T *dout, int N, int H, int W, int C, int OH,
                                   int OW, cudaStream_t s);
template <class T>
int cukt_upsample_bilinear_forward(T *out, const T *inp, int N, int H, int W, int C, int OH,
                                   int OW, cudaStream_t s);
template <class T>
int cukt_upsample_bilinear_backward(T *dinp, const T *dout, int N, int H, int W, int C, int OH,
                                    int OW, cudaStream_t s);

/* k_loss.cu: logits and dlogits in T; the loss value (host), targets and class weights f32 /
 * uint8 as in cuda_kernels.h */
template <class T>
int cukt_cross_entropy_forward(float *loss, const T *logits, const uint8_t *target,
                               const float *class_weight, size_t P, int K, int ignore,
                               cudaStream_t s);
template <class T>
int cukt_cross_entropy_backward(T *dlogits, float dloss, const T *logits, const uint8_t *target,
                                const float *class_weight, size_t P, int K, int ignore,
                                cudaStream_t s);
template <class T>
int cukt_bce_logits_forward(float *loss, const T *logits, const float *target, size_t P, int K,
                            cudaStream_t s);
template <class T>
int cukt_bce_logits_backward(T *dlogits, float dloss, const T *logits, const float *target,
                             size_t P, int K, cudaStream_t s);

/* k_extra.cu (the xk_* functions of cuda_backend.h over T; partial and sums as there) */
template <class T>
int xkt_bn_train_forward(T *out, float *mean, float *var, float *rm, float *rv, const T *x,
                         const float *g, const float *b, int P, int C, float momentum, float eps,
                         int relu, float *partial, cudaStream_t s);
/* relu: the backward of the fused batch norm + ReLU, dy counted only where the forward's
 * output was > 0 (recomputed from x, g and b, the same bits as the forward's: the output is
 * not read); b is needed only then */
template <class T>
int xkt_bn_train_backward(T *dx, float *dgamma, float *dbeta, const T *dy, int relu,
                          const T *x, const float *g, const float *b, const float *mean,
                          const float *var, int P, int C, float eps, float *partial, float *sums,
                          cudaStream_t s);
/* eval mode: out = (x - rm) / sqrt(rv + eps) * g + b per channel, max(0, .) when relu */
template <class T>
int xkt_bn_eval_forward(T *out, const T *x, const float *rm, const float *rv, const float *g,
                        const float *b, int P, int C, float eps, int relu, cudaStream_t s);
template <class T>
int xkt_bn_frozen_backward(T *dinp, float *dgamma, float *dbeta, const T *dout, const T *inp,
                           const float *gamma, const float *rm, const float *rv, int P, int C,
                           float eps, float *partial, cudaStream_t s);
template <class T>
int xkt_bias_act_rows(T *out, const float *bias, size_t N, int K, int relu, cudaStream_t s);
template <class T>
int xkt_colsum_accumulate(float *db, const T *dout, size_t N, int K, float *partial,
                          cudaStream_t s);
template <class T>
int xkt_maxpool_backward(T *dinp, const T *dout, const T *inp, const nn_pool2d_desc *d, int *at,
                         cudaStream_t s);
/* pooling forward (the bf16 storage runs these; f32 runs cuDNN's): max with the reference's
 * rule (first maximum in r, s order from -FLT_MAX), average over R*S (padding counted) */
template <class T>
int xkt_maxpool_forward(T *out, const T *inp, const nn_pool2d_desc *d, cudaStream_t s);
template <class T>
int xkt_avgpool_forward(T *out, const T *inp, const nn_pool2d_desc *d, cudaStream_t s);
template <class T>
int xkt_avgpool_backward(T *dinp, const T *dout, const nn_pool2d_desc *d, cudaStream_t s);

#endif
