/* K-class pixel confusion and multi-label scores (see multiclass.h). */
#include "src/metrics/multiclass.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double ratio(int64_t a, int64_t b) { return b > 0 ? (double)a / (double)b : NAN; }

sw_status sw_mconf_init(sw_mconf *c, int K) {
    memset(c, 0, sizeof *c);
    c->K = K;
    c->m = calloc((size_t)K * K, sizeof *c->m);
    return c->m ? SW_OK : sw_fail(SW_ERR_RUNTIME, "out of memory for a %d-class confusion", K);
}

void sw_mconf_free(sw_mconf *c) {
    free(c->m);
    c->m = NULL;
}

void sw_mconf_add(sw_mconf *c, const uint8_t *truth, const uint8_t *pred, int64_t n) {
    const int K = c->K;
    for (int64_t i = 0; i < n; i++) {
        int t = truth[i], p = pred[i];
        if (t >= K) {
            c->ignored++;
            continue;
        }
        if (p >= K) {
            c->bad_pred++;
            continue;
        }
        c->m[(int64_t)t * K + p]++;
    }
}

void sw_mconf_score(const sw_mconf *c, int k, sw_mscore *s) {
    const int K = c->K;
    memset(s, 0, sizeof *s);
    s->tp = c->m[(int64_t)k * K + k];
    for (int j = 0; j < K; j++) {
        s->truth_px += c->m[(int64_t)k * K + j];
        s->pred_px += c->m[(int64_t)j * K + k];
    }
    s->fp = s->pred_px - s->tp;
    s->fn = s->truth_px - s->tp;
    s->iou = ratio(s->tp, s->tp + s->fp + s->fn);
    s->precision = ratio(s->tp, s->tp + s->fp);
    s->recall = ratio(s->tp, s->tp + s->fn);
    s->f1 = ratio(2 * s->tp, 2 * s->tp + s->fp + s->fn);
}

double sw_mconf_accuracy(const sw_mconf *c) {
    int64_t diag = 0, all = 0;
    for (int t = 0; t < c->K; t++)
        for (int p = 0; p < c->K; p++) {
            all += c->m[(int64_t)t * c->K + p];
            if (t == p) diag += c->m[(int64_t)t * c->K + p];
        }
    return ratio(diag, all);
}

double sw_mconf_miou(const sw_mconf *c, int first) {
    double sum = 0;
    int n = 0;
    for (int k = first; k < c->K; k++) {
        sw_mscore s;
        sw_mconf_score(c, k, &s);
        if (!isnan(s.iou)) sum += s.iou, n++;
    }
    return n ? sum / n : NAN;
}

sw_status sw_mlabel_init(sw_mlabel *m, int K) {
    memset(m, 0, sizeof *m);
    m->K = K;
    m->tp = calloc((size_t)K * 4, sizeof *m->tp);
    if (!m->tp) return sw_fail(SW_ERR_RUNTIME, "out of memory for %d labels", K);
    m->fp = m->tp + K, m->fn = m->tp + 2 * K, m->tn = m->tp + 3 * K;
    return SW_OK;
}

void sw_mlabel_free(sw_mlabel *m) {
    free(m->tp);
    m->tp = m->fp = m->fn = m->tn = NULL;
}

void sw_mlabel_add(sw_mlabel *m, const uint8_t *truth, const uint8_t *pred) {
    int all = 1;
    for (int k = 0; k < m->K; k++) {
        const int t = truth[k] != 0, p = pred[k] != 0;
        if (t && p) m->tp[k]++;
        else if (p) m->fp[k]++;
        else if (t) m->fn[k]++;
        else m->tn[k]++;
        all &= t == p;
    }
    m->samples++;
    m->exact += all;
}

double sw_mlabel_accuracy(const sw_mlabel *m) { return ratio(m->exact, m->samples); }

double sw_mlabel_f1(const sw_mlabel *m, int k) { return ratio(2 * m->tp[k], 2 * m->tp[k] + m->fp[k] + m->fn[k]); }

double sw_mlabel_macro_f1(const sw_mlabel *m, int first, int *n) {
    double sum = 0;
    int cnt = 0;
    for (int k = first; k < m->K; k++) {
        double f = sw_mlabel_f1(m, k);
        if (!isnan(f)) sum += f, cnt++;
    }
    if (n) *n = cnt;
    return cnt ? sum / cnt : NAN;
}
