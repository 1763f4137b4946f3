/* Losses (see loss.h). */
#include "src/nn/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* log-softmax of one row into out (K), returns nothing; f64 throughout. */
static void log_softmax_row(double *out, const float *z, int K) {
    double mx = z[0];
    for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
    double sum = 0.0;
    for (int k = 0; k < K; k++) sum += exp(z[k] - mx);
    const double lse = mx + log(sum);
    for (int k = 0; k < K; k++) out[k] = z[k] - lse;
}

static int valid(const uint8_t *target, size_t i, int K, int ignore) {
    return target[i] != ignore && target[i] < K;
}

/* ---------------------------------------------------------------------------------------- */
/* cross-entropy and focal share one implementation (focal with gamma = 0 is CE) */

static double focal_sums(double *wsum_out, const float *logits, const uint8_t *target,
                         const float *w, size_t P, int K, int ignore, float gamma) {
    double *ls = malloc((size_t)K * sizeof *ls);
    double loss = 0.0, wsum = 0.0;
    for (size_t i = 0; ls && i < P; i++) {
        if (!valid(target, i, K, ignore)) continue;
        const int y = target[i];
        log_softmax_row(ls, logits + i * K, K);
        const double wy = w ? w[y] : 1.0, p = exp(ls[y]);
        const double mod = gamma == 0.0f ? 1.0 : pow(1.0 - p, gamma);
        loss += -wy * mod * ls[y];
        wsum += wy;
    }
    free(ls);
    *wsum_out = wsum;
    return loss;
}

static void focal_grad(float *dlogits, float dloss, const float *logits, const uint8_t *target,
                       const float *w, size_t P, int K, int ignore, float gamma) {
    double wsum;
    focal_sums(&wsum, logits, target, w, P, K, ignore, gamma);
    double *ls = malloc((size_t)K * sizeof *ls);
    for (size_t i = 0; i < P; i++) {
        float *dz = dlogits + i * K;
        if (!ls || !valid(target, i, K, ignore) || wsum == 0.0) {
            memset(dz, 0, (size_t)K * sizeof *dz);
            continue;
        }
        const int y = target[i];
        log_softmax_row(ls, logits + i * K, K);
        const double wy = w ? w[y] : 1.0, p = exp(ls[y]), q = 1.0 - p;
        /* d f / d z_j = a (delta_jy - s_j) with f = -(1-p)^g log p and
         * a = g p (1-p)^(g-1) log p - (1-p)^g. */
        double a = -1.0;
        if (gamma != 0.0f) a = (q > 0.0 ? gamma * p * pow(q, gamma - 1.0) * ls[y] : 0.0) -
                               pow(q, gamma);
        const double scale = dloss * wy / wsum * a;
        for (int k = 0; k < K; k++) dz[k] = (float)(scale * ((k == y) - exp(ls[k])));
    }
    free(ls);
}

float nn_cross_entropy_forward(const float *logits, const uint8_t *target,
                               const float *class_weight, size_t P, int K, int ignore) {
    double wsum, loss = focal_sums(&wsum, logits, target, class_weight, P, K, ignore, 0.0f);
    return wsum > 0.0 ? (float)(loss / wsum) : 0.0f;
}

void nn_cross_entropy_backward(float *dlogits, float dloss, const float *logits,
                               const uint8_t *target, const float *class_weight, size_t P, int K,
                               int ignore) {
    focal_grad(dlogits, dloss, logits, target, class_weight, P, K, ignore, 0.0f);
}

float nn_focal_forward(const float *logits, const uint8_t *target, const float *class_weight,
                       size_t P, int K, int ignore, float gamma) {
    double wsum, loss = focal_sums(&wsum, logits, target, class_weight, P, K, ignore, gamma);
    return wsum > 0.0 ? (float)(loss / wsum) : 0.0f;
}

void nn_focal_backward(float *dlogits, float dloss, const float *logits, const uint8_t *target,
                       const float *class_weight, size_t P, int K, int ignore, float gamma) {
    focal_grad(dlogits, dloss, logits, target, class_weight, P, K, ignore, gamma);
}

/* ---------------------------------------------------------------------------------------- */
/* BCE with logits */

float nn_bce_logits_forward(const float *logits, const float *target, size_t P, int K) {
    const size_t n = P * (size_t)K;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double z = logits[i];
        sum += (z > 0 ? z : 0) - z * target[i] + log1p(exp(-fabs(z)));
    }
    return n ? (float)(sum / n) : 0.0f;
}

void nn_bce_logits_backward(float *dlogits, float dloss, const float *logits,
                            const float *target, size_t P, int K) {
    const size_t n = P * (size_t)K;
    for (size_t i = 0; i < n; i++) {
        const double s = 1.0 / (1.0 + exp(-(double)logits[i]));
        dlogits[i] = (float)(dloss * (s - target[i]) / n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Dice and soft IoU: per-class sums of softmax s and one-hot t over valid pixels */

typedef struct {
    double *I, *S, *T; /* (K) each */
} class_sums;

static int sums_compute(class_sums *cs, const float *logits, const uint8_t *target, size_t P,
                        int K, int ignore) {
    cs->I = calloc((size_t)3 * K + K, sizeof(double));
    if (!cs->I) return -1;
    cs->S = cs->I + K;
    cs->T = cs->S + K;
    double *ls = cs->T + K;
    for (size_t i = 0; i < P; i++) {
        if (!valid(target, i, K, ignore)) continue;
        log_softmax_row(ls, logits + i * K, K);
        for (int k = 0; k < K; k++) cs->S[k] += exp(ls[k]);
        cs->I[target[i]] += exp(ls[target[i]]);
        cs->T[target[i]] += 1.0;
    }
    return 0;
}

static double weight_sum(const float *w, int K) {
    double s = 0.0;
    for (int k = 0; k < K; k++) s += w ? w[k] : 1.0;
    return s;
}

/* dL/dz for a loss with per-class dL/ds_ik = A_k + B_k t_ik: softmax backward per pixel. */
static void region_grad(float *dlogits, const float *logits, const uint8_t *target, size_t P,
                        int K, int ignore, const double *A, const double *B) {
    double *ls = malloc((size_t)2 * K * sizeof *ls);
    for (size_t i = 0; i < P; i++) {
        float *dz = dlogits + i * K;
        if (!ls || !valid(target, i, K, ignore)) {
            memset(dz, 0, (size_t)K * sizeof *dz);
            continue;
        }
        double *ds = ls + K;
        log_softmax_row(ls, logits + i * K, K);
        double dot = 0.0;
        for (int k = 0; k < K; k++) {
            ds[k] = A[k] + (k == target[i] ? B[k] : 0.0);
            dot += exp(ls[k]) * ds[k];
        }
        for (int k = 0; k < K; k++) dz[k] = (float)(exp(ls[k]) * (ds[k] - dot));
    }
    free(ls);
}

float nn_dice_forward(const float *logits, const uint8_t *target, const float *class_weight,
                      size_t P, int K, int ignore, float smooth) {
    class_sums cs;
    if (sums_compute(&cs, logits, target, P, K, ignore)) return NAN;
    double acc = 0.0;
    for (int k = 0; k < K; k++)
        acc += (class_weight ? class_weight[k] : 1.0) * (2.0 * cs.I[k] + smooth) /
               (cs.S[k] + cs.T[k] + smooth);
    free(cs.I);
    return (float)(1.0 - acc / weight_sum(class_weight, K));
}

void nn_dice_backward(float *dlogits, float dloss, const float *logits, const uint8_t *target,
                      const float *class_weight, size_t P, int K, int ignore, float smooth) {
    class_sums cs;
    double *A = calloc((size_t)2 * K, sizeof *A);
    if (!A || sums_compute(&cs, logits, target, P, K, ignore)) {
        free(A);
        memset(dlogits, 0, P * (size_t)K * sizeof *dlogits);
        return;
    }
    double *B = A + K;
    const double ws = weight_sum(class_weight, K);
    for (int k = 0; k < K; k++) {
        /* d dice_k / d s_ik = (2 t_ik D - N) / D^2, N = 2I + smooth, D = S + T + smooth */
        const double N = 2.0 * cs.I[k] + smooth, D = cs.S[k] + cs.T[k] + smooth;
        const double c = -dloss * (class_weight ? class_weight[k] : 1.0) / ws;
        A[k] = c * (-N / (D * D));
        B[k] = c * (2.0 / D);
    }
    region_grad(dlogits, logits, target, P, K, ignore, A, B);
    free(cs.I);
    free(A);
}

float nn_soft_iou_forward(const float *logits, const uint8_t *target, const float *class_weight,
                          size_t P, int K, int ignore, float smooth) {
    class_sums cs;
    if (sums_compute(&cs, logits, target, P, K, ignore)) return NAN;
    double acc = 0.0;
    for (int k = 0; k < K; k++)
        acc += (class_weight ? class_weight[k] : 1.0) * (cs.I[k] + smooth) /
               (cs.S[k] + cs.T[k] - cs.I[k] + smooth);
    free(cs.I);
    return (float)(1.0 - acc / weight_sum(class_weight, K));
}

void nn_soft_iou_backward(float *dlogits, float dloss, const float *logits,
                          const uint8_t *target, const float *class_weight, size_t P, int K,
                          int ignore, float smooth) {
    class_sums cs;
    double *A = calloc((size_t)2 * K, sizeof *A);
    if (!A || sums_compute(&cs, logits, target, P, K, ignore)) {
        free(A);
        memset(dlogits, 0, P * (size_t)K * sizeof *dlogits);
        return;
    }
    double *B = A + K;
    const double ws = weight_sum(class_weight, K);
    for (int k = 0; k < K; k++) {
        /* J = N / U, N = I + smooth, U = S + T - I + smooth; dN/ds = t, dU/ds = 1 - t:
         * dJ/ds = (t U - N (1 - t)) / U^2 = -N/U^2 + t (U + N)/U^2 */
        const double N = cs.I[k] + smooth, U = cs.S[k] + cs.T[k] - cs.I[k] + smooth;
        const double c = -dloss * (class_weight ? class_weight[k] : 1.0) / ws;
        A[k] = c * (-N / (U * U));
        B[k] = c * ((U + N) / (U * U));
    }
    region_grad(dlogits, logits, target, P, K, ignore, A, B);
    free(cs.I);
    free(A);
}
