/* The CPU reference kernels: plain loops, f32 data with f64 accumulation in every reduction,
 * the oracle of the tests and the fallback of every backend. Signatures and conventions as in
 * kernels/backend.h (backward writes dinp and ACCUMULATES into parameter gradients). Loops over
 * independent outputs carry an OpenMP pragma; reductions run in a fixed order (deterministic). */
#ifndef SWATH_KERNELS_CPU_REF_H
#define SWATH_KERNELS_CPU_REF_H

#include "kernels/backend.h"

#include <stddef.h>

/* ref_conv.c ------------------------------------------------------------------------------- */
void ref_conv2d_forward(float *out,          /* (N,OH,OW,K) */
                        const float *inp,    /* (N,H,W,C) */
                        const float *weight, /* (K,R,S,C/groups) */
                        const float *bias,   /* (K) or NULL */
                        const nn_conv2d_desc *d);
void ref_conv2d_backward(float *dinp,         /* (N,H,W,C) written, or NULL */
                         float *dweight,      /* (K,R,S,C/groups) += */
                         float *dbias,        /* (K) +=, or NULL */
                         const float *dout,   /* (N,OH,OW,K) */
                         const float *inp,    /* (N,H,W,C) */
                         const float *weight, /* (K,R,S,C/groups) */
                         const nn_conv2d_desc *d);
/* Transposed conv: inp (N,H,W,C) -> out (N,OH,OW,K); out[oh = ih*stride - pad + r*dil] gets
 * inp[ih] * weight[k,r,s,c]. PyTorch's ConvTranspose2d weight (C, K/groups, R, S) maps to ours
 * by w[g*K/G + k', r, s, c'] = w_torch[g*C/G + c', k', r, s]. */
void ref_conv_transpose2d_forward(float *out,          /* (N,OH,OW,K) */
                                  const float *inp,    /* (N,H,W,C) */
                                  const float *weight, /* (K,R,S,C/groups) */
                                  const float *bias,   /* (K) or NULL */
                                  const nn_conv2d_desc *d);
void ref_conv_transpose2d_backward(float *dinp,         /* (N,H,W,C) written, or NULL */
                                   float *dweight,      /* (K,R,S,C/groups) += */
                                   float *dbias,        /* (K) +=, or NULL */
                                   const float *dout,   /* (N,OH,OW,K) */
                                   const float *inp,    /* (N,H,W,C) */
                                   const float *weight, /* (K,R,S,C/groups) */
                                   const nn_conv2d_desc *d);

/* ref_norm.c: batch norm over P = N*H*W pixels of C channels. Training: normalizes with the
 * batch mean and biased variance, saves them in mean/var (C), and updates the running stats
 * PyTorch's way (running = (1-momentum) running + momentum batch, the variance unbiased).
 * Eval: normalizes with running_mean/running_var; mean/var are not touched (may be NULL). */
void ref_batchnorm_forward(float *out,          /* (P,C) */
                           float *mean,         /* (C) saved batch mean (training) */
                           float *var,          /* (C) saved batch biased variance (training) */
                           float *running_mean, /* (C) updated in training */
                           float *running_var,  /* (C) updated in training */
                           const float *inp,    /* (P,C) */
                           const float *gamma,  /* (C) */
                           const float *beta,   /* (C) */
                           int P, int C, float momentum, float eps, int training);
/* Training-mode backward (through the batch statistics). */
void ref_batchnorm_backward(float *dinp,        /* (P,C) written, or NULL */
                            float *dgamma,      /* (C) += */
                            float *dbeta,       /* (C) += */
                            const float *dout,  /* (P,C) */
                            const float *inp,   /* (P,C) */
                            const float *gamma, /* (C) */
                            const float *mean,  /* (C) from the forward */
                            const float *var,   /* (C) from the forward */
                            int P, int C, float eps);

/* Eval-mode ("frozen") backward: the statistics are constants (mean, var = the running ones). */
void ref_batchnorm_frozen_backward(float *dinp,        /* (P,C) written, or NULL */
                                   float *dgamma,      /* (C) += */
                                   float *dbeta,       /* (C) += */
                                   const float *dout,  /* (P,C) */
                                   const float *inp,   /* (P,C) */
                                   const float *gamma, /* (C) */
                                   const float *mean,  /* (C) running mean */
                                   const float *var,   /* (C) running variance */
                                   int P, int C, float eps);

/* ref_act.c: elementwise activations over n values. */
void ref_relu_forward(float *out, const float *inp, size_t n);
void ref_relu_backward(float *dinp, const float *dout, const float *inp, size_t n);
void ref_leaky_relu_forward(float *out, const float *inp, size_t n, float slope);
void ref_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                             float slope);
void ref_sigmoid_forward(float *out, const float *inp, size_t n);
/* Uses the forward's output. */
void ref_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n);

/* ref_pool.c */
void ref_maxpool_forward(float *out,       /* (N,OH,OW,C) */
                         const float *inp, /* (N,H,W,C) */
                         const nn_pool2d_desc *d);
/* The gradient goes to the first maximum of each window (PyTorch's choice). */
void ref_maxpool_backward(float *dinp,       /* (N,H,W,C) written */
                          const float *dout, /* (N,OH,OW,C) */
                          const float *inp,  /* (N,H,W,C) */
                          const nn_pool2d_desc *d);
void ref_avgpool_forward(float *out, const float *inp, const nn_pool2d_desc *d);
void ref_avgpool_backward(float *dinp, const float *dout, const nn_pool2d_desc *d);
void ref_global_avgpool_forward(float *out,       /* (N,C) */
                                const float *inp, /* (N,HW,C) */
                                int N, int HW, int C);
void ref_global_avgpool_backward(float *dinp,       /* (N,HW,C) written */
                                 const float *dout, /* (N,C) */
                                 int N, int HW, int C);

/* ref_resize.c: (N,H,W,C) -> (N,OH,OW,C), PyTorch's F.interpolate with size=(OH,OW):
 * nearest (src = floor(dst * H/OH)) and bilinear with align_corners=False. */
void ref_upsample_nearest_forward(float *out, const float *inp, int N, int H, int W, int C,
                                  int OH, int OW);
void ref_upsample_nearest_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                   int OH, int OW);
void ref_upsample_bilinear_forward(float *out, const float *inp, int N, int H, int W, int C,
                                   int OH, int OW);
void ref_upsample_bilinear_backward(float *dinp, const float *dout, int N, int H, int W, int C,
                                    int OH, int OW);

/* ref_misc.c */
/* Channel concat of a (P,Ca) and b (P,Cb) into out (P,Ca+Cb). */
void ref_concat_forward(float *out, const float *a, const float *b, size_t P, int Ca, int Cb);
void ref_concat_backward(float *da, float *db, const float *dout, size_t P, int Ca, int Cb);
/* Residual add out = a + b; backward writes da = db = dout (either may be NULL). */
void ref_add_forward(float *out, const float *a, const float *b, size_t n);
void ref_add_backward(float *da, float *db, const float *dout, size_t n);
/* Fully connected: out (N,K) = inp (N,C) weight^T (K,C) + bias (K) (PyTorch's nn.Linear). */
void ref_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int N, int C, int K);
void ref_linear_backward(float *dinp,         /* (N,C) written, or NULL */
                         float *dweight,      /* (K,C) += */
                         float *dbias,        /* (K) +=, or NULL */
                         const float *dout,   /* (N,K) */
                         const float *inp,    /* (N,C) */
                         const float *weight, /* (K,C) */
                         int N, int C, int K);
/* Softmax over the last axis of (P,K); backward uses the forward's output. */
void ref_softmax_forward(float *out, const float *inp, size_t P, int K);
void ref_softmax_backward(float *dinp, const float *dout, const float *out, size_t P, int K);

#endif
