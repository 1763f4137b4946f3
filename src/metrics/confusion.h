/* Pixel confusion of a predicted class mask against a truth mask, accumulated block by block, and
 * the per-class scores (IoU, precision, recall) that `swath eval` prints. */
#ifndef SWATH_METRICS_CONFUSION_H
#define SWATH_METRICS_CONFUSION_H

#include "jobs/defect_classes.h"
#include "src/core/error.h"

#include <stdint.h>

/* Rows: truth class 0..10; columns: predicted class 0..10 and, last, SW_CONF_NOPRED (the
 * prediction is nodata / 255 / out of range where the truth is valid: counts as a miss). */
enum { SW_CONF_NOPRED = SW_NCLASSES, SW_CONF_COLS = SW_NCLASSES + 1 };

typedef struct {
    int64_t m[SW_NCLASSES][SW_CONF_COLS];
    int64_t ignored;        /* pixels where the truth is invalid (nodata, 255) */
    int64_t bad_truth;      /* pixels where the truth holds a value 11..254 (ignored too) */
} sw_confusion;

void sw_confusion_init(sw_confusion *c);
/* Adds n pixels. tvalid / pvalid (n) or NULL (all valid): a pixel counts only where the truth is
 * valid and not 255; a prediction that is invalid or not 0..10 counts as SW_CONF_NOPRED. */
void sw_confusion_add(sw_confusion *c, const uint8_t *truth, const uint8_t *tvalid, const uint8_t *pred,
                      const uint8_t *pvalid, int64_t n);

typedef struct {
    int64_t tp, fp, fn;
    int64_t truth_px, pred_px;  /* pixels of the class in the truth / in the prediction (valid truth) */
    double iou, precision, recall;   /* NaN when undefined (0 / 0) */
} sw_class_score;

/* Scores of class k: tp = m[k][k], fp = sum of m[t][k] over t != k, fn = row k minus tp. */
void sw_confusion_score(const sw_confusion *c, int k, sw_class_score *s);
/* Pixel accuracy over the counted pixels and mean IoU over defect classes 1..10 present in the
 * truth or the prediction (NaN when none). */
double sw_confusion_accuracy(const sw_confusion *c);
double sw_confusion_miou(const sw_confusion *c);

#endif
