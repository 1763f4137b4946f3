/* The engine's ops as free functions, llm.c style: <op>_forward(outputs, saved, inputs, weights,
 * sizes, backend) and <op>_backward(dinputs, dweights, dout, saved, inputs, weights, sizes,
 * backend). All data f32, activations NHWC, conv weights (K,R,S,C/groups).
 *
 * Backward WRITES input gradients (dinp, =) and ACCUMULATES (+=) into parameter gradients
 * (dweight, dbias, dgamma, dbeta): zero the gradient arena once per step. A NULL gradient
 * pointer is skipped. `be` picks the backend (NULL: nn_backend_default()); on a CPU backend an
 * op the backend does not support, or fails, runs the CPU reference (kernels/cpu/ref.h), which
 * never fails. On a device backend (CUDA) every pointer is device memory and there is no
 * fallback: an unsupported op or a failed call is recorded (nn_ops_error) and the op is skipped.
 *
 * The memory-bound ops come twice: the plain name runs the CPU reference on host memory (the
 * API CPU callers know), the _be twin dispatches to `be` like the ops above. */
#ifndef SWATH_NN_OPS_H
#define SWATH_NN_OPS_H

#include "kernels/backend.h"
#include "src/core/error.h"

#include <stddef.h>

/* Geometry helpers: fill d and its output size; SW_ERR_USAGE on an impossible shape. */
sw_status nn_conv2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K, int R, int S,
                              int stride, int pad, int dil, int groups);
sw_status nn_conv_transpose2d_desc_init(nn_conv2d_desc *d, int N, int H, int W, int C, int K,
                                        int R, int S, int stride, int pad, int dil, int groups,
                                        int out_pad);
sw_status nn_pool2d_desc_init(nn_pool2d_desc *d, int N, int H, int W, int C, int R, int S,
                              int stride, int pad);

/* How many calls a backend accepted (supports) but then failed, so the reference ran: 0 in a
 * healthy build (the tests check it). */
unsigned long nn_ops_fallback_count(void);

/* The first error a device backend recorded since the last nn_ops_clear_error (SW_OK: none);
 * its message is kept (nn_ops_error_message). Callers of a device backend check it once per
 * step (nn_model_status does). */
sw_status nn_ops_error(void);
const char *nn_ops_error_message(void);
void nn_ops_clear_error(void);

/* Memory on a backend (host memory for the CPU backends). nn_mem_alloc returns zeroed memory,
 * or NULL after sw_fail naming `what`. Copies are ordered on the backend's stream; a copy to
 * the host (D2H) returns when the data is there. */
void *nn_mem_alloc(const nn_backend *be, size_t bytes, const char *what);
void nn_mem_free(const nn_backend *be, void *p);
sw_status nn_mem_zero(const nn_backend *be, void *p, size_t bytes);
sw_status nn_mem_copy(const nn_backend *be, void *dst, const void *src, size_t bytes,
                      nn_copy_kind kind);
sw_status nn_mem_sync(const nn_backend *be);
/* Whether be's pointers are host memory (every CPU backend, NULL). */
int nn_backend_is_host(const nn_backend *be);
/* The dtype (nn_dtype, src/nn/tensor.h) of the activations be's ops read and write: NN_F32
 * unless the backend stores them otherwise (the CUDA backend's bf16-act mode). */
int nn_act_dtype(const nn_backend *be);
/* n f32 host values into activation storage at dst, and out of it at src (a plain copy where
 * activations are f32). */
sw_status nn_act_upload(const nn_backend *be, float *dst, const float *host, size_t n);
sw_status nn_act_download(const nn_backend *be, float *host, const float *src, size_t n);

/* Convolution (stride, padding, dilation, groups). */
void nn_conv2d_forward(float *out,          /* (N,OH,OW,K) */
                       const float *inp,    /* (N,H,W,C) */
                       const float *weight, /* (K,R,S,C/groups) */
                       const float *bias,   /* (K) or NULL */
                       const nn_conv2d_desc *d, const nn_backend *be);
/* The same, then max(0, .) on the output: one fused op where the backend has it, else the two
 * (inference: the folded conv-BN-ReLU layer). */
void nn_conv_transpose2d_relu_forward(float *out, const float *inp, const float *weight,
                                      const float *bias, const nn_conv2d_desc *d,
                                      const nn_backend *be);
void nn_conv2d_relu_forward(float *out, const float *inp, const float *weight, const float *bias,
                            const nn_conv2d_desc *d, const nn_backend *be);
void nn_conv2d_backward(float *dinp,         /* (N,H,W,C) written, or NULL */
                        float *dweight,      /* (K,R,S,C/groups) += */
                        float *dbias,        /* (K) +=, or NULL */
                        const float *dout,   /* (N,OH,OW,K) */
                        const float *inp,    /* (N,H,W,C) */
                        const float *weight, /* (K,R,S,C/groups) */
                        const nn_conv2d_desc *d, const nn_backend *be);
/* Transposed convolution; weight layout and PyTorch mapping in kernels/cpu/ref.h. */
void nn_conv_transpose2d_forward(float *out,          /* (N,OH,OW,K) */
                                 const float *inp,    /* (N,H,W,C) */
                                 const float *weight, /* (K,R,S,C/groups) */
                                 const float *bias,   /* (K) or NULL */
                                 const nn_conv2d_desc *d, const nn_backend *be);
void nn_conv_transpose2d_backward(float *dinp,         /* (N,H,W,C) written, or NULL */
                                  float *dweight,      /* (K,R,S,C/groups) += */
                                  float *dbias,        /* (K) +=, or NULL */
                                  const float *dout,   /* (N,OH,OW,K) */
                                  const float *inp,    /* (N,H,W,C) */
                                  const float *weight, /* (K,R,S,C/groups) */
                                  const nn_conv2d_desc *d, const nn_backend *be);

/* Batch norm over P = N*H*W pixels; training uses and saves batch stats (mean, biased var)
 * and updates the running stats (PyTorch momentum, unbiased variance); eval uses the running
 * stats. Backward is the training-mode backward. */
void nn_batchnorm_forward(float *out,          /* (P,C) */
                          float *mean,         /* (C) saved (training) */
                          float *var,          /* (C) saved (training) */
                          float *running_mean, /* (C) */
                          float *running_var,  /* (C) */
                          const float *inp,    /* (P,C) */
                          const float *gamma,  /* (C) */
                          const float *beta,   /* (C) */
                          int P, int C, float momentum, float eps, int training,
                          const nn_backend *be);
void nn_batchnorm_backward(float *dinp,        /* (P,C) written, or NULL */
                           float *dgamma,      /* (C) += */
                           float *dbeta,       /* (C) += */
                           const float *dout,  /* (P,C) */
                           const float *inp,   /* (P,C) */
                           const float *gamma, /* (C) */
                           const float *mean,  /* (C) */
                           const float *var,   /* (C) */
                           int P, int C, float eps, const nn_backend *be);

/* Batch norm then ReLU (out = max(0, BN(inp))), fused where the backend has it. The backward
 * (training mode) takes the gradient of the ReLU's output in dout, which it may overwrite with
 * the masked gradient (the unfused path does), and the ReLU's output `out`. */
void nn_batchnorm_relu_forward(float *out, float *mean, float *var, float *running_mean,
                               float *running_var, const float *inp, const float *gamma,
                               const float *beta, int P, int C, float momentum, float eps,
                               int training, const nn_backend *be);
void nn_batchnorm_relu_backward(float *dinp, float *dgamma, float *dbeta, float *dout,
                                const float *out, const float *inp, const float *gamma,
                                const float *beta, const float *mean, const float *var, int P,
                                int C, float eps, const nn_backend *be);

/* Backward of the eval-mode forward (frozen statistics, as in a fine-tuned encoder kept in
 * eval mode): mean and var are the running statistics. Reference on every CPU backend. */
void nn_batchnorm_frozen_backward(float *dinp,        /* (P,C) written, or NULL */
                                  float *dgamma,      /* (C) += */
                                  float *dbeta,       /* (C) += */
                                  const float *dout,  /* (P,C) */
                                  const float *inp,   /* (P,C) */
                                  const float *gamma, /* (C) */
                                  const float *running_mean, /* (C) */
                                  const float *running_var,  /* (C) */
                                  int P, int C, float eps);

/* Pooling: inp (N,H,W,C), out (N,OH,OW,C). */
void nn_maxpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be);
void nn_maxpool_backward(float *dinp, const float *dout, const float *inp,
                         const nn_pool2d_desc *d, const nn_backend *be);
void nn_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d,
                        const nn_backend *be);
void nn_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d,
                         const nn_backend *be);

/* Memory-bound ops: the reference (OpenMP) serves every CPU backend (see kernels/backend.h).
 * Elementwise ops take n values of any shape; sigmoid and softmax backward use the forward's
 * output. */
void nn_relu_forward(float *out /* (n) */, const float *inp /* (n) */, size_t n);
void nn_relu_backward(float *dinp /* (n) */, const float *dout /* (n) */,
                      const float *inp /* (n) */, size_t n);
void nn_leaky_relu_forward(float *out, const float *inp, size_t n, float slope);
void nn_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                            float slope);
void nn_sigmoid_forward(float *out, const float *inp, size_t n);
void nn_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n);
void nn_global_avgpool_forward(float *out /* (N,C) */, const float *inp /* (N,HW,C) */, int N,
                               int HW, int C);
void nn_global_avgpool_backward(float *dinp /* (N,HW,C) */, const float *dout /* (N,C) */,
                                int N, int HW, int C);
/* F.interpolate(size=(OH,OW)): nearest, and bilinear with align_corners=False. */
void nn_upsample_nearest_forward(float *out /* (N,OH,OW,C) */, const float *inp /* (N,H,W,C) */,
                                 int N, int H, int W, int C, int OH, int OW);
void nn_upsample_nearest_backward(float *dinp /* (N,H,W,C) */,
                                  const float *dout /* (N,OH,OW,C) */, int N, int H, int W,
                                  int C, int OH, int OW);
void nn_upsample_bilinear_forward(float *out /* (N,OH,OW,C) */,
                                  const float *inp /* (N,H,W,C) */, int N, int H, int W, int C,
                                  int OH, int OW);
void nn_upsample_bilinear_backward(float *dinp /* (N,H,W,C) */,
                                   const float *dout /* (N,OH,OW,C) */, int N, int H, int W,
                                   int C, int OH, int OW);
/* Channel concat (the UNet skip) over P = N*H*W pixels. */
void nn_concat_forward(float *out /* (P,Ca+Cb) */, const float *a /* (P,Ca) */,
                       const float *b /* (P,Cb) */, size_t P, int Ca, int Cb);
void nn_concat_backward(float *da /* (P,Ca) or NULL */, float *db /* (P,Cb) or NULL */,
                        const float *dout /* (P,Ca+Cb) */, size_t P, int Ca, int Cb);
/* Residual add; backward writes da = db = dout (a branch that also feeds elsewhere sums its
 * gradients with nn_add_forward(dx, dx, dother, n)). */
void nn_add_forward(float *out /* (n) */, const float *a /* (n) */, const float *b /* (n) */,
                    size_t n);
void nn_add_backward(float *da /* (n) or NULL */, float *db /* (n) or NULL */,
                     const float *dout /* (n) */, size_t n);
/* nn.Linear: out = inp weight^T + bias. */
void nn_linear_forward(float *out /* (N,K) */, const float *inp /* (N,C) */,
                       const float *weight /* (K,C) */, const float *bias /* (K) or NULL */,
                       int N, int C, int K);
void nn_linear_backward(float *dinp /* (N,C) written, or NULL */, float *dweight /* (K,C) += */,
                        float *dbias /* (K) +=, or NULL */, const float *dout /* (N,K) */,
                        const float *inp /* (N,C) */, const float *weight /* (K,C) */, int N,
                        int C, int K);
/* Softmax over the last axis. */
void nn_softmax_forward(float *out /* (P,K) */, const float *inp /* (P,K) */, size_t P, int K);
void nn_softmax_backward(float *dinp /* (P,K) */, const float *dout /* (P,K) */,
                         const float *out /* (P,K) */, size_t P, int K);

/* The backend twins of the memory-bound ops (same arguments, `be` last). */
void nn_batchnorm_frozen_backward_be(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                     const float *inp, const float *gamma,
                                     const float *running_mean, const float *running_var, int P,
                                     int C, float eps, const nn_backend *be);
void nn_relu_forward_be(float *out, const float *inp, size_t n, const nn_backend *be);
void nn_relu_backward_be(float *dinp, const float *dout, const float *inp, size_t n,
                         const nn_backend *be);
void nn_leaky_relu_forward_be(float *out, const float *inp, size_t n, float slope,
                              const nn_backend *be);
void nn_leaky_relu_backward_be(float *dinp, const float *dout, const float *inp, size_t n,
                               float slope, const nn_backend *be);
void nn_sigmoid_forward_be(float *out, const float *inp, size_t n, const nn_backend *be);
void nn_sigmoid_backward_be(float *dinp, const float *dout, const float *out, size_t n,
                            const nn_backend *be);
void nn_global_avgpool_forward_be(float *out, const float *inp, int N, int HW, int C,
                                  const nn_backend *be);
void nn_global_avgpool_backward_be(float *dinp, const float *dout, int N, int HW, int C,
                                   const nn_backend *be);
void nn_upsample_nearest_forward_be(float *out, const float *inp, int N, int H, int W, int C,
                                    int OH, int OW, const nn_backend *be);
void nn_upsample_nearest_backward_be(float *dinp, const float *dout, int N, int H, int W, int C,
                                     int OH, int OW, const nn_backend *be);
void nn_upsample_bilinear_forward_be(float *out, const float *inp, int N, int H, int W, int C,
                                     int OH, int OW, const nn_backend *be);
void nn_upsample_bilinear_backward_be(float *dinp, const float *dout, int N, int H, int W,
                                      int C, int OH, int OW, const nn_backend *be);
void nn_concat_forward_be(float *out, const float *a, const float *b, size_t P, int Ca, int Cb,
                          const nn_backend *be);
void nn_concat_backward_be(float *da, float *db, const float *dout, size_t P, int Ca, int Cb,
                           const nn_backend *be);
void nn_add_forward_be(float *out, const float *a, const float *b, size_t n,
                       const nn_backend *be);
void nn_add_backward_be(float *da, float *db, const float *dout, size_t n, const nn_backend *be);
void nn_linear_forward_be(float *out, const float *inp, const float *weight, const float *bias,
                          int N, int C, int K, const nn_backend *be);
void nn_linear_backward_be(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int N, int C, int K,
                           const nn_backend *be);
void nn_softmax_forward_be(float *out, const float *inp, size_t P, int K, const nn_backend *be);
void nn_softmax_backward_be(float *dinp, const float *dout, const float *out, size_t P, int K,
                            const nn_backend *be);

#endif
