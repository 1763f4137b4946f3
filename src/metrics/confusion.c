/* Pixel confusion matrix and per-class scores (see confusion.h). Integer counts: the result does
 * not depend on the block order. */
#include "src/metrics/confusion.h"

#include <math.h>
#include <string.h>

void sw_confusion_init(sw_confusion *c) { memset(c, 0, sizeof *c); }

void sw_confusion_add(sw_confusion *c, const uint8_t *truth, const uint8_t *tvalid, const uint8_t *pred,
                      const uint8_t *pvalid, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        int t = truth[i], p = pred[i];
        if ((tvalid && !tvalid[i]) || t == SW_CLS_IGNORE) {
            c->ignored++;
            continue;
        }
        if (t >= SW_NCLASSES) {
            c->bad_truth++;
            continue;
        }
        if ((pvalid && !pvalid[i]) || p >= SW_NCLASSES) p = SW_CONF_NOPRED;
        c->m[t][p]++;
    }
}

static double ratio(int64_t a, int64_t b) { return b > 0 ? (double)a / (double)b : NAN; }

void sw_confusion_score(const sw_confusion *c, int k, sw_class_score *s) {
    memset(s, 0, sizeof *s);
    s->tp = c->m[k][k];
    for (int t = 0; t < SW_NCLASSES; t++)
        if (t != k) s->fp += c->m[t][k];
    for (int p = 0; p < SW_CONF_COLS; p++) s->truth_px += c->m[k][p];
    s->fn = s->truth_px - s->tp;
    s->pred_px = s->tp + s->fp;
    s->iou = ratio(s->tp, s->tp + s->fp + s->fn);
    s->precision = ratio(s->tp, s->tp + s->fp);
    s->recall = ratio(s->tp, s->tp + s->fn);
}

double sw_confusion_accuracy(const sw_confusion *c) {
    int64_t diag = 0, all = 0;
    for (int t = 0; t < SW_NCLASSES; t++)
        for (int p = 0; p < SW_CONF_COLS; p++) {
            all += c->m[t][p];
            if (p == t) diag += c->m[t][p];
        }
    return ratio(diag, all);
}

double sw_confusion_miou(const sw_confusion *c) {
    double sum = 0;
    int n = 0;
    for (int k = 1; k < SW_NCLASSES; k++) {
        sw_class_score s;
        sw_confusion_score(c, k, &s);
        if (!isnan(s.iou)) sum += s.iou, n++;
    }
    return n ? sum / n : NAN;
}
