/* `swath eval --chips`: runs a model.h5 over one split of a chips.h5 in batches (eval mode,
 * normalized with the model's mean / std, or the chips' when the model has none) and accumulates
 * the metrics of multiclass.h: a segmentation model scores its argmax masks against the chips'
 * masks (and the classes present in them as multi-labels); a classifier (-cls) scores its
 * logits > 0 against the chips' multi-label vectors. Chips larger than the model's size multiple
 * are cropped at the centre to the largest multiple (seed 002 scores the centre of each val tile). */
#ifndef SWATH_METRICS_CHIPS_EVAL_H
#define SWATH_METRICS_CHIPS_EVAL_H

#include "io/chips.h"
#include "src/metrics/multiclass.h"

typedef struct {
    const char *chips, *model;
    sw_split split;
    int batch;              /* chips per forward (default 8) */
    long long limit;        /* at most this many chips (0: all) */
    int norm_from_chips;    /* 1: the chips' mean / std instead of the model's */
} sw_chips_eval_opts;

typedef struct {
    int K, classify, crop_h, crop_w;
    long long chips;
    char arch[32];
    char (*names)[SW_CHIPS_CLASS_NAME];  /* (K), the chips' class names */
    sw_mconf conf;          /* segmentation only (K = 0 otherwise) */
    sw_mlabel ml;           /* classes 1..K-1 (background excluded), K-1 labels */
} sw_chips_eval_result;

sw_status sw_chips_eval(const sw_chips_eval_opts *o, sw_chips_eval_result *r);
void sw_chips_eval_result_free(sw_chips_eval_result *r);

#endif
