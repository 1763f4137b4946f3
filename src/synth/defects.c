/* Defect looks (see defects.h). */
#include "src/synth/defects.h"

#include "src/synth/noise.h"

#include <math.h>

float sw_blob_score(const sw_blob *b, uint64_t key, double x, double y) {
    float dx = (float)(x - b->cx), dy = (float)(y - b->cy);
    float u = (dx * b->cs + dy * b->sn) / b->rx, v = (-dx * b->sn + dy * b->cs) / b->ry;
    float d = sqrtf(u * u + v * v);
    if (d > 1.0f + b->amp + b->soft + 0.01f) return -b->soft - 1.0f;   /* far outside: skip the noise */
    return 1.0f - d + b->amp * sw_fbm(key, x / b->scale, y / b->scale, 4);
}

float sw_blob_weight(const sw_blob *b, float s) { return sw_smoothstep(-b->soft, b->soft, s); }

float sw_cloud_score(const sw_inst *c, double x, double y) {
    const sw_blob *b = &c->blob;
    float dx = (float)(x - b->cx), dy = (float)(y - b->cy);
    float u = (dx * b->cs + dy * b->sn) / b->rx, v = (-dx * b->sn + dy * b->cs) / b->ry;
    float d = sqrtf(u * u + v * v);
    if (d > 1.0f + b->amp + 0.01f) return -1.0f;
    return 1.0f - d + b->amp * sw_fbm(c->key, x / b->scale, y / b->scale, 6);
}

float sw_cloud_shape(const sw_inst *c, float score) { return sw_smoothstep(0.0f, c->u.cloud.soft, score); }

void sw_cloud_colour(const sw_inst *c, double x, double y, float score, float col[3]) {
    float thick = sw_smoothstep(0.0f, 0.7f, score);
    float detail = sw_fbm(c->key ^ 0x5bd1e995u, x / 9.0, y / 9.0, 2);
    float v = 196.0f + 52.0f * thick + 7.0f * detail;
    col[0] = v * (0.965f + 0.03f * thick);
    col[1] = v * (0.975f + 0.02f * thick);
    col[2] = v;
}

void sw_stretch_remap(const sw_inst *I, double *x, double *y) {
    float s = sw_blob_score(&I->blob, I->key, *x, *y);
    float w = sw_blob_weight(&I->blob, s);
    if (w <= 0.0f) return;
    double ux = I->u.stretch.ux, uy = I->u.stretch.uy;
    double dx = *x - I->blob.cx, dy = *y - I->blob.cy;
    double a = dx * ux + dy * uy, b = -dx * uy + dy * ux;   /* along and across the streaks */
    int64_t row = (int64_t)floor(b / I->u.stretch.thick);
    uint64_t h = sw_hash2(I->key ^ 0x3c6ef372u, row, 0);
    double len = I->u.stretch.lmin + (I->u.stretch.lmax - I->u.stretch.lmin) * sw_hu(h, 0);
    double ph = len * sw_hu(h, 1);
    double a0 = floor((a - ph) / len) * len + ph;             /* start of this streak segment */
    double src = a0 + (a - a0) * I->u.stretch.shrink;        /* magnified copy of its start */
    *x += w * (src - a) * ux;
    *y += w * (src - a) * uy;
}

void sw_distort_remap(const sw_inst *I, double *x, double *y) {
    float s = sw_blob_score(&I->blob, I->key, *x, *y);
    float w = sw_blob_weight(&I->blob, s);
    if (w <= 0.0f) return;
    double sc = I->u.distort.scale;
    float n1 = sw_fbm(I->key ^ 0x1111u, *x / sc, *y / sc, 3), n2 = sw_fbm(I->key ^ 0x2222u, *x / sc, *y / sc, 3);
    double dx = *x - I->blob.cx, dy = *y - I->blob.cy, sw = I->u.distort.swirl;
    double mx = 0.7071 * I->u.distort.amp * n1 - sw * dy, my = 0.7071 * I->u.distort.amp * n2 + sw * dx;
    *x += w * mx;
    *y += w * my;
}

void sw_overflow_apply(const sw_inst *I, double x, double y, float w, float rgb[3]) {
    /* the bloom follows the ground's brightness with extra contrast, and its strength wanders */
    float luma = (0.3f * rgb[0] + 0.59f * rgb[1] + 0.11f * rgb[2]) / 255.0f;
    float wander = 0.8f + 0.2f * sw_fbm(I->key ^ 0x0f0fu, x / 25.0, y / 25.0, 2);
    float t = w * I->u.overflow.strength * wander, k = 0.25f + 1.5f * luma;
    for (int c = 0; c < 3; c++) {
        float bloom = sw_clampf(I->u.overflow.col[c] * k, 0.0f, 255.0f);
        rgb[c] += (bloom - rgb[c]) * t;
    }
}

int sw_stripe_hit(const sw_inst *I, double x, double y, float *scale) {
    double dx = x - I->u.stripe.ax, dy = y - I->u.stripe.ay;
    double t = dx * I->u.stripe.ux + dy * I->u.stripe.uy;
    if (t < 0 || t > I->u.stripe.len) return 0;
    double off = -dx * I->u.stripe.uy + dy * I->u.stripe.ux;
    if (fabs(off) > I->u.stripe.half + 1e-6) return 0;
    *scale = 0.85f + 0.15f * sw_vnoise(I->key, t / I->u.stripe.wave, 0.5);
    return 1;
}

int sw_missing_hit(const sw_inst *I, int64_t i, int64_t j, uint8_t *value) {
    if (i < I->x0 || i >= I->x1 || j < I->y0 || j >= I->y1) return 0;
    uint64_t h = 0;
    if (I->u.missing.scatter) {
        float dx = (float)i + 0.5f - I->u.missing.cx, dy = (float)j + 0.5f - I->u.missing.cy;
        if (dx * dx + dy * dy > I->u.missing.r * I->u.missing.r) return 0;
        h = sw_hash2(I->key, i, j);
        if (sw_u01(h) >= I->u.missing.p) return 0;
    }
    int white = I->u.missing.colour == 2 ? (int)(sw_hu(h, 3) < 0.5f) : I->u.missing.colour;
    *value = white ? 255 : 0;
    return 1;
}
