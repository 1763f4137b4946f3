/* --class-weights of swath train: the per-class weights of the training loss (cross-entropy,
 * focal and dice, as F.cross_entropy's `weight`), from the chips' train class histogram (auto)
 * or given (one finite value >= 0 per class, not all 0). */
#ifndef SWATH_TRAIN_CLASS_WEIGHTS_H
#define SWATH_TRAIN_CLASS_WEIGHTS_H

#include "io/chips.h"
#include "src/core/error.h"

/* spec "" or "none": *on = 0 (unweighted); "auto": median-frequency balancing (SegNet:
 * w_k = median over the classes present of f / f_k, f_k = the class's share of the train
 * pixels; 1 for a class with no train pixel); "W0,W1,...": exactly in->classes values.
 * Errors name --class-weights and the count of classes. */
sw_status sw_class_weights(const char *spec, const sw_chips_info *in, float *w, int *on);

#endif
