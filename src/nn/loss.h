/* Losses over NHWC logits (P pixels or samples by K classes): forward returns the scalar loss,
 * backward WRITES dlogits = dloss * d(loss)/d(logits). Sums in f64, fixed order. Targets are
 * class indices (u8, `ignore` = 255 skips a pixel) or, for BCE, probabilities. PyTorch semantics
 * where PyTorch has the loss; the others are defined here and in tests/ref/nn_ref.py. */
#ifndef SWATH_NN_LOSS_H
#define SWATH_NN_LOSS_H

#include <stddef.h>
#include <stdint.h>

enum { NN_IGNORE_INDEX = 255 };

/* Cross-entropy, F.cross_entropy(weight=w, ignore_index=ignore): sum_i w[y_i] (-log softmax_i
 * [y_i]) / sum_i w[y_i] over non-ignored pixels (0 when every pixel is ignored). */
float nn_cross_entropy_forward(const float *logits, /* (P,K) */
                               const uint8_t *target, /* (P) */
                               const float *class_weight, /* (K) or NULL */
                               size_t P, int K, int ignore);
void nn_cross_entropy_backward(float *dlogits, float dloss, const float *logits,
                               const uint8_t *target, const float *class_weight, size_t P, int K,
                               int ignore);

/* Multi-label BCE with logits, F.binary_cross_entropy_with_logits (mean over P*K). */
float nn_bce_logits_forward(const float *logits /* (P,K) */, const float *target /* (P,K) */,
                            size_t P, int K);
void nn_bce_logits_backward(float *dlogits, float dloss, const float *logits,
                            const float *target, size_t P, int K);

/* Focal loss on softmax: sum_i w[y_i] (1-p_i)^gamma (-log p_i) / sum_i w[y_i], p_i the softmax
 * of the target class; gamma = 0 is the cross-entropy above. */
float nn_focal_forward(const float *logits, const uint8_t *target, const float *class_weight,
                       size_t P, int K, int ignore, float gamma);
void nn_focal_backward(float *dlogits, float dloss, const float *logits, const uint8_t *target,
                       const float *class_weight, size_t P, int K, int ignore, float gamma);

/* Weighted soft Dice on softmax probabilities s and one-hot targets t over non-ignored pixels:
 * 1 - sum_k w_k (2 I_k + smooth) / (S_k + T_k + smooth) / sum_k w_k, I_k = sum_i s t,
 * S_k = sum_i s, T_k = sum_i t (w NULL: uniform). */
float nn_dice_forward(const float *logits, const uint8_t *target, const float *class_weight,
                      size_t P, int K, int ignore, float smooth);
void nn_dice_backward(float *dlogits, float dloss, const float *logits, const uint8_t *target,
                      const float *class_weight, size_t P, int K, int ignore, float smooth);

/* Soft IoU (Jaccard) on softmax: 1 - sum_k w_k (I_k + smooth) / (S_k + T_k - I_k + smooth) /
 * sum_k w_k. */
float nn_soft_iou_forward(const float *logits, const uint8_t *target, const float *class_weight,
                          size_t P, int K, int ignore, float smooth);
void nn_soft_iou_backward(float *dlogits, float dloss, const float *logits,
                          const uint8_t *target, const float *class_weight, size_t P, int K,
                          int ignore, float smooth);

#endif
