/* Metrics of `swath eval --chips` with the papers' definitions, for any number of classes:
 *   segmentation (seed 002): a K x K pixel confusion over the pixels whose truth is not 255;
 *     per class IoU = tp / (tp + fp + fn), precision = tp / (tp + fp), recall = tp / (tp + fn),
 *     F1 = 2 tp / (2 tp + fp + fn); pixel accuracy = trace / total; mIoU = mean IoU over the
 *     classes present in the truth or the prediction (also without class 0, background);
 *   multi-label classification (seed 003, Table 3): per chip K yes / no decisions; accuracy = the
 *     share of chips whose K decisions are all right (exact match); per class F1 of the yes
 *     decisions; macro F1 = mean of the per-class F1 over the classes where it is defined.
 * Undefined ratios (0 / 0) are NaN. Integer counts: results do not depend on the order. */
#ifndef SWATH_METRICS_MULTICLASS_H
#define SWATH_METRICS_MULTICLASS_H

#include "src/core/error.h"

#include <stdint.h>

typedef struct {
    int K;
    int64_t *m;        /* (K, K): truth row, predicted column */
    int64_t ignored;   /* truth 255 (or >= K) */
    int64_t bad_pred;  /* predictions >= K where the truth counts (counted as misses, column none) */
} sw_mconf;

typedef struct {
    int64_t tp, fp, fn, truth_px, pred_px;
    double iou, precision, recall, f1;
} sw_mscore;

sw_status sw_mconf_init(sw_mconf *c, int K);
void sw_mconf_free(sw_mconf *c);
void sw_mconf_add(sw_mconf *c, const uint8_t *truth, const uint8_t *pred, int64_t n);
void sw_mconf_score(const sw_mconf *c, int k, sw_mscore *s);
double sw_mconf_accuracy(const sw_mconf *c);
/* Mean IoU over classes first..K-1 present in the truth or the prediction (NaN when none). */
double sw_mconf_miou(const sw_mconf *c, int first);

typedef struct {
    int K;
    int64_t *tp, *fp, *fn, *tn;   /* (K) each */
    int64_t samples, exact;
} sw_mlabel;

sw_status sw_mlabel_init(sw_mlabel *m, int K);
void sw_mlabel_free(sw_mlabel *m);
/* One sample: truth and pred (K) 0 / 1. */
void sw_mlabel_add(sw_mlabel *m, const uint8_t *truth, const uint8_t *pred);
double sw_mlabel_accuracy(const sw_mlabel *m);
double sw_mlabel_f1(const sw_mlabel *m, int k);
/* Mean per-class F1 over `first`..K-1 where defined; *n (may be NULL) gets how many. */
double sw_mlabel_macro_f1(const sw_mlabel *m, int first, int *n);

#endif
