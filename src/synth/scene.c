/* Drawing a defect scene: footprint and instances (see scene.h; the models and their parameter
 * ranges are in docs/synth.md). Every draw comes from splitmix64 streams of the seed, one stream
 * per class, so changing the count of one class leaves the others alone. */
#include "src/synth/scene.h"

#include "src/synth/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* Default instances per 100 megapixels of footprint at --density 1 (index = class). */
static const double rate_per_100mpx[SW_NCLASSES] = {0, 14, 14, 6, 6, 8, 6, 2, 2, 60, 40};

/* ---- footprint ---- */

/* Unit footprint (scale 1 puts the corners near the frame corners): a rotated quadrilateral with
 * jittered corners, each edge split into 48 vertices with a small radial wobble and a few notches. */
static void footprint_shape(const sw_scene *sc, sw_rng *r, double *ang, double *rad, int n_edge) {
    double W = (double)sc->width, H = (double)sc->height, hd = 0.5 * sqrt(W * W + H * H);
    double t1 = atan2(H, W), rot = sw_rng_uniform(r, -0.35, 0.35);
    double base[4] = {-PI + t1, -t1, t1, PI - t1};
    double px[4], py[4];
    for (int k = 0; k < 4; k++) {
        double a = base[k] + rot + sw_rng_uniform(r, -0.15, 0.15), f = sw_rng_uniform(r, 0.85, 1.0) * hd;
        px[k] = f * cos(a);
        py[k] = f * sin(a);
    }
    uint64_t key = sw_rng_next(r);
    for (int k = 0; k < 4; k++) {
        int notch_at[2], notch_len[2];
        double notch_depth[2];
        for (int q = 0; q < 2; q++) {
            notch_at[q] = sw_rng_uniform(r, 0, 1) < 0.6 ? (int)sw_rng_int(r, 2, n_edge - 12) : -100;
            notch_len[q] = (int)sw_rng_int(r, 3, 10);
            notch_depth[q] = sw_rng_uniform(r, 0.015, 0.05);
        }
        for (int i = 0; i < n_edge; i++) {
            double t = (double)i / n_edge;
            int k2 = (k + 1) % 4, idx = k * n_edge + i;
            double x = px[k] + t * (px[k2] - px[k]), y = py[k] + t * (py[k2] - py[k]);
            double f = 1.0 + 0.012 * sw_vnoise(key, idx / 5.0, 0.5);
            for (int q = 0; q < 2; q++)
                if (i >= notch_at[q] && i < notch_at[q] + notch_len[q]) f *= 1.0 - notch_depth[q];
            ang[idx] = atan2(y, x);
            rad[idx] = sqrt(x * x + y * y) * f;
        }
    }
}

static double star_coverage(const sw_star *s, int64_t W, int64_t H) {
    int n = 0, g = 160;
    for (int j = 0; j < g; j++)
        for (int i = 0; i < g; i++) n += sw_star_contains(s, (i + 0.5) * (double)W / g, (j + 0.5) * (double)H / g);
    return (double)n / (g * g);
}

static sw_status build_footprint(sw_scene *sc, sw_rng *r) {
    enum { NE = 48, N = 4 * NE };
    double ang[N], rad[N], scaled[N];
    double target = sw_rng_uniform(r, 0.65, 0.85);
    double cx = (double)sc->width * (0.5 + sw_rng_uniform(r, -0.04, 0.04));
    double cy = (double)sc->height * (0.5 + sw_rng_uniform(r, -0.04, 0.04));
    footprint_shape(sc, r, ang, rad, NE);
    double lo = 0.2, hi = 3.0;
    for (int it = 0; it < 28; it++) {   /* bisection on the scale for the target coverage */
        double mid = 0.5 * (lo + hi);
        for (int i = 0; i < N; i++) scaled[i] = rad[i] * mid;
        sw_star s;
        if (sw_star_init(&s, cx, cy, ang, scaled, N)) return SW_ERR_RUNTIME;
        double cov = star_coverage(&s, sc->width, sc->height);
        sw_star_free(&s);
        if (cov < target) lo = mid;
        else hi = mid;
    }
    for (int i = 0; i < N; i++) scaled[i] = rad[i] * hi;
    if (sw_star_init(&sc->footprint, cx, cy, ang, scaled, N)) return SW_ERR_RUNTIME;
    sc->footprint_fraction = star_coverage(&sc->footprint, sc->width, sc->height);
    return SW_OK;
}

/* ---- instance helpers ---- */

typedef struct {
    sw_inst *v;
    int n, cap;
} inst_list;

static sw_inst *list_push(inst_list *l) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        sw_inst *v = realloc(l->v, sizeof *v * (size_t)cap);
        if (!v) return NULL;
        l->v = v, l->cap = cap;
    }
    sw_inst *I = &l->v[l->n++];
    memset(I, 0, sizeof *I);
    return I;
}

/* A uniform point inside the footprint. */
static void place(const sw_scene *sc, sw_rng *r, double *x, double *y) {
    for (int t = 0; t < 10000; t++) {
        *x = sw_rng_uniform(r, 0, (double)sc->width);
        *y = sw_rng_uniform(r, 0, (double)sc->height);
        if (sw_scene_inside(sc, *x, *y)) return;
    }
    *x = sc->footprint.cx, *y = sc->footprint.cy;
}

typedef struct {
    int64_t (*box)[4];
    int n, cap;
} box_list;

static int boxes_overlap(const box_list *b, int64_t x0, int64_t y0, int64_t x1, int64_t y1) {
    for (int i = 0; i < b->n; i++)
        if (x0 < b->box[i][2] && b->box[i][0] < x1 && y0 < b->box[i][3] && b->box[i][1] < y1) return 1;
    return 0;
}

static int boxes_add(box_list *b, const sw_inst *I) {
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 32;
        int64_t(*v)[4] = realloc(b->box, sizeof *v * (size_t)cap);
        if (!v) return -1;
        b->box = v, b->cap = cap;
    }
    b->box[b->n][0] = I->x0, b->box[b->n][1] = I->y0, b->box[b->n][2] = I->x1, b->box[b->n][3] = I->y1;
    b->n++;
    return 0;
}

static void set_box(sw_inst *I, double cx, double cy, double rx, double ry) {
    I->x0 = (int64_t)floor(cx - rx) - 1, I->x1 = (int64_t)ceil(cx + rx) + 2;
    I->y0 = (int64_t)floor(cy - ry) - 1, I->y1 = (int64_t)ceil(cy + ry) + 2;
}

/* A soft blob of radius R with aspect in [amin, 1] and the given edge; its box covers s > -soft. */
static void make_blob(sw_inst *I, sw_rng *r, double cx, double cy, double R, double amin, double rot,
                      float amp, float soft) {
    sw_blob *b = &I->blob;
    b->cx = (float)cx, b->cy = (float)cy, b->rx = (float)R;
    b->ry = (float)(R * sw_rng_uniform(r, amin, 1.0));
    b->cs = (float)cos(rot), b->sn = (float)sin(rot);
    b->amp = amp, b->soft = soft, b->scale = (float)(R / 2.0);
    double rb = R * (1.0 + amp + soft) + 2.0;
    set_box(I, cx, cy, rb, rb);
}

/* Places a region instance of radius ~R, avoiding the boxes of earlier region instances when it
 * can (30 tries); `fill` sets its shape and box at (cx, cy). */
typedef void (*fill_fn)(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy);

static int place_region(const sw_scene *sc, box_list *taken, sw_inst *I, sw_rng *r, fill_fn fill) {
    for (int t = 0; t < 30; t++) {
        double cx, cy;
        place(sc, r, &cx, &cy);
        fill(sc, I, r, cx, cy);
        if (!boxes_overlap(taken, I->x0, I->y0, I->x1, I->y1)) break;
    }
    return boxes_add(taken, I);
}

static double smin(const sw_scene *sc) { return (double)(sc->width < sc->height ? sc->width : sc->height); }
static double clampd(double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* ---- per-class shapes ---- */

static void fill_cloud(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy) {
    double R = clampd(fmin(sw_rng_uniform(r, 100, 450), 0.18 * smin(sc)), 12, 1e9);
    make_blob(I, r, cx, cy, R, 0.45, sw_rng_uniform(r, 0, PI), (float)sw_rng_uniform(r, 0.4, 0.75), 0.0f);
    double rb = R * (1.0 + I->blob.amp) + 2.0;   /* the cloud's box: score > 0 needs d < 1 + amp */
    set_box(I, cx, cy, rb, rb);
    I->blob.scale = (float)(R / sw_rng_uniform(r, 1.6, 3.0));
    I->u.cloud.amax = (float)sw_rng_uniform(r, 0.8, 1.0);
    I->u.cloud.soft = (float)sw_rng_uniform(r, 0.2, 0.45);   /* thin veils at the edge up to this score */
}

static void fill_stretch(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy) {
    double R = clampd(fmin(sw_rng_uniform(r, 100, 380), 0.12 * smin(sc)), 24, 1e9);
    double pick = sw_rng_uniform(r, 0, 1), dir;
    if (pick < 0.35) dir = sw_rng_uniform(r, -0.08, 0.08);
    else if (pick < 0.7) dir = 0.5 * PI + sw_rng_uniform(r, -0.08, 0.08);
    else dir = sw_rng_uniform(r, 0, PI);
    make_blob(I, r, cx, cy, R, 0.3, dir, 0.3f, 0.15f);
    I->blob.ry = fminf(I->blob.ry, 0.7f * I->blob.rx);
    I->u.stretch.ux = (float)cos(dir), I->u.stretch.uy = (float)sin(dir);
    I->u.stretch.lmin = (float)sw_rng_uniform(r, 10, 22);
    I->u.stretch.lmax = (float)fmin(40.0, I->u.stretch.lmin + sw_rng_uniform(r, 5, 18));
    I->u.stretch.shrink = (float)sw_rng_uniform(r, 0.04, 0.2);
    I->u.stretch.thick = (float)sw_rng_int(r, 1, 3);
    I->u.stretch.smear = (float)sw_rng_uniform(r, 6, 16);
    I->maxdisp = I->u.stretch.lmax + 1.0f;
    I->radius = (int)ceilf(0.5f * I->u.stretch.smear) + 2;
}

static void fill_blur(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy) {
    double R = clampd(fmin(sw_rng_uniform(r, 80, 380), 0.12 * smin(sc)), 24, 1e9);
    make_blob(I, r, cx, cy, R, 0.5, sw_rng_uniform(r, 0, PI), 0.3f, 0.2f);
    I->u.blur.sigma = (float)sw_rng_uniform(r, 2.0, 6.0);
    I->radius = (int)ceilf(3.0f * I->u.blur.sigma);
}

static void fill_overflow(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy) {
    static const float blooms[6][3] = {
        {255, 40, 230}, {30, 235, 255}, {40, 255, 70}, {255, 40, 40}, {255, 240, 30}, {50, 80, 255},
    };
    double R = clampd(fmin(sw_rng_uniform(r, 30, 200), 0.08 * smin(sc)), 10, 1e9);
    make_blob(I, r, cx, cy, R, 0.4, sw_rng_uniform(r, 0, PI), 0.5f, 0.06f);
    I->blob.scale = (float)(R / 1.5);
    const float *c = blooms[sw_rng_int(r, 0, 5)];
    for (int k = 0; k < 3; k++) I->u.overflow.col[k] = c[k];
    I->u.overflow.strength = (float)sw_rng_uniform(r, 0.7, 0.95);
}

static void fill_distort(const sw_scene *sc, sw_inst *I, sw_rng *r, double cx, double cy) {
    double R = clampd(fmin(sw_rng_uniform(r, 80, 320), 0.12 * smin(sc)), 24, 1e9);
    make_blob(I, r, cx, cy, R, 0.5, sw_rng_uniform(r, 0, PI), 0.3f, 0.25f);
    double rb = R * (1.0 + 0.3 + 0.25);
    I->u.distort.amp = (float)sw_rng_uniform(r, 4.0, 12.0);
    I->u.distort.scale = (float)sw_rng_uniform(r, 25.0, 80.0);
    I->u.distort.swirl = (float)(sw_rng_uniform(r, -1, 1) * 0.5 * I->u.distort.amp / rb);
    I->maxdisp = (float)(I->u.distort.amp + fabs(I->u.distort.swirl) * rb + 1.0);
}

/* A stitching patch: a star polygon of 5..8 corners with its edges split into 60..160 px
 * segments that wander radially by +-2.5 % (a seamline that follows the ground). */
static sw_status make_patch(sw_scene *sc, sw_inst *I, sw_rng *r) {
    double cx, cy;
    place(sc, r, &cx, &cy);
    double R = fmax(40.0, sw_rng_uniform(r, 0.15, 0.35) * smin(sc));
    int nc = (int)sw_rng_int(r, 5, 8);
    double ca[8], cr[8], a0 = sw_rng_uniform(r, 0, 2 * PI);
    for (int k = 0; k < nc; k++) {
        ca[k] = a0 + 2 * PI * (k + sw_rng_uniform(r, -0.3, 0.3)) / nc;
        cr[k] = R * sw_rng_uniform(r, 0.6, 1.0);
    }
    double ang[1024], rad[1024];
    int n = 0;
    for (int k = 0; k < nc; k++) {
        int k2 = (k + 1) % nc;
        double x0 = cr[k] * cos(ca[k]), y0 = cr[k] * sin(ca[k]), x1 = cr[k2] * cos(ca[k2]), y1 = cr[k2] * sin(ca[k2]);
        double len = hypot(x1 - x0, y1 - y0);
        int m = (int)ceil(len / sw_rng_uniform(r, 60, 160));
        if (m < 1) m = 1;
        if (m > 1024 / 8 - 1) m = 1024 / 8 - 1;
        for (int i = 0; i < m; i++) {
            double t = (double)i / m, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
            ang[n] = atan2(y, x);
            rad[n] = hypot(x, y) * (i == 0 ? 1.0 : 1.0 + sw_rng_uniform(r, -0.025, 0.025));
            n++;
        }
    }
    sw_star *s = &sc->patches[sc->npatches];
    if (sw_star_init(s, cx, cy, ang, rad, n)) return SW_ERR_RUNTIME;
    I->u.patch.star = sc->npatches++;
    double band = sc->seam_band + 1.0;
    I->x0 = (int64_t)floor(s->x0 - band) - 1, I->x1 = (int64_t)ceil(s->x1 + band) + 2;
    I->y0 = (int64_t)floor(s->y0 - band) - 1, I->y1 = (int64_t)ceil(s->y1 + band) + 2;
    if (I->cls == SW_CLS_STITCH_TRACE) {
        /* another source image: brighter or darker, with a colour cast */
        int brighter = sw_rng_uniform(r, 0, 1) < 0.5;
        double g = brighter ? sw_rng_uniform(r, 1.12, 1.28) : sw_rng_uniform(r, 0.74, 0.88);
        double bias = (brighter ? 1 : -1) * sw_rng_uniform(r, 3, 14);   /* with the gain, not against it */
        int cast = (int)sw_rng_int(r, 0, 2);
        for (int k = 0; k < 3; k++) {
            double tint = (k == cast ? 1 : -0.5) * sw_rng_uniform(r, 0.04, 0.10);
            I->u.patch.gain[k] = (float)(g * (1.0 + tint));
            I->u.patch.bias[k] = (float)(bias + sw_rng_uniform(r, -5, 5));
        }
    } else {
        double len = sw_rng_uniform(r, 4, 16), a = sw_rng_uniform(r, 0, 2 * PI);
        I->u.patch.ox = (float)(len * cos(a)), I->u.patch.oy = (float)(len * sin(a));
        double g = 1.0 + sw_rng_uniform(r, -0.03, 0.03);
        for (int k = 0; k < 3; k++) I->u.patch.gain[k] = (float)g, I->u.patch.bias[k] = 0.0f;
        I->maxdisp = (float)len + 1.0f;
    }
    return SW_OK;
}

static void make_stripe(const sw_scene *sc, sw_inst *I, sw_rng *r) {
    double cx, cy, lmax = 0.9 * (double)(sc->width > sc->height ? sc->width : sc->height);
    place(sc, r, &cx, &cy);
    double len = fmin(exp(sw_rng_uniform(r, log(100.0), log(3000.0))), lmax);
    double pick = sw_rng_uniform(r, 0, 1), th;
    int axis = 0;   /* 1 horizontal, 2 vertical, 0 slanted */
    if (pick < 0.45) th = 0, axis = 1;
    else if (pick < 0.85) th = 0.5 * PI, axis = 2;
    else th = (sw_rng_uniform(r, 0, 1) < 0.5 ? 0 : 0.5 * PI) + (sw_rng_uniform(r, 0, 1) < 0.5 ? -1 : 1) *
                                                                    sw_rng_uniform(r, 1, 8) * PI / 180.0;
    double pw = sw_rng_uniform(r, 0, 1);
    int width = pw < 0.55 ? 1 : (pw < 0.85 ? 2 : 3);
    double ux = cos(th), uy = sin(th), ax = cx - 0.5 * len * ux, ay = cy - 0.5 * len * uy;
    if (axis == 1) ay = floor(ay) + (width % 2 ? 0.5 : 0.0);
    if (axis == 2) ax = floor(ax) + (width % 2 ? 0.5 : 0.0);
    if (axis) ux = axis == 1, uy = axis == 2;
    I->u.stripe.ax = ax, I->u.stripe.ay = ay, I->u.stripe.ux = ux, I->u.stripe.uy = uy;
    I->u.stripe.len = len, I->u.stripe.half = 0.5f * (float)width;
    I->u.stripe.wave = (float)sw_rng_uniform(r, 30, 200);
    double mag = sw_rng_uniform(r, 40, 120) * (sw_rng_uniform(r, 0, 1) < 0.5 ? -1 : 1);
    if (sw_rng_uniform(r, 0, 1) < 0.4) {
        for (int k = 0; k < 3; k++) I->u.stripe.delta[k] = (float)mag;
    } else {   /* one channel carries the contrast (seed 003: stripes stand out in one channel) */
        int c = (int)sw_rng_int(r, 0, 2);
        for (int k = 0; k < 3; k++) I->u.stripe.delta[k] = (float)(mag * (k == c ? 1.0 : sw_rng_uniform(r, 0, 0.35)));
    }
    double bx = ax + len * ux, by = ay + len * uy, m = 0.5 * width + 1.0;
    I->x0 = (int64_t)floor(fmin(ax, bx) - m), I->x1 = (int64_t)ceil(fmax(ax, bx) + m) + 1;
    I->y0 = (int64_t)floor(fmin(ay, by) - m), I->y1 = (int64_t)ceil(fmax(ay, by) + m) + 1;
}

static void make_missing(const sw_scene *sc, sw_inst *I, sw_rng *r) {
    double cx, cy;
    place(sc, r, &cx, &cy);
    if (sw_rng_uniform(r, 0, 1) < 0.45) {   /* a block of 4..200 px sides */
        double w = exp(sw_rng_uniform(r, log(4.0), log(200.0))), h = exp(sw_rng_uniform(r, log(4.0), log(200.0)));
        I->x0 = (int64_t)floor(cx - 0.5 * w), I->y0 = (int64_t)floor(cy - 0.5 * h);
        I->x1 = I->x0 + (int64_t)ceil(w), I->y1 = I->y0 + (int64_t)ceil(h);
        I->u.missing.colour = sw_rng_uniform(r, 0, 1) < 0.6 ? 0 : 1;
    } else {   /* scattered pixels in a disc */
        double rad = fmax(4.0, fmin(sw_rng_uniform(r, 20, 150), 0.2 * smin(sc)));
        I->u.missing.scatter = 1;
        I->u.missing.cx = (float)cx, I->u.missing.cy = (float)cy, I->u.missing.r = (float)rad;
        I->u.missing.p = (float)sw_rng_uniform(r, 0.003, 0.03);
        double pc = sw_rng_uniform(r, 0, 1);
        I->u.missing.colour = pc < 0.45 ? 0 : (pc < 0.8 ? 1 : 2);
        set_box(I, cx, cy, rad, rad);
    }
}

/* ---- the scene ---- */

static int class_count(const sw_scene_params *p, double fp_mpx, int cls, sw_rng *r) {
    if (p->counts[cls] >= 0) return p->counts[cls];
    if (p->density <= 0) return 0;
    double mean = rate_per_100mpx[cls] * fp_mpx / 100.0 * p->density;
    int n = (int)floor(mean + sw_rng_uniform(r, 0, 1));
    if (n < 1) n = 1;
    return n > 100000 ? 100000 : n;
}

/* The stitching patches (classes 7 and 8) against SW_SYNTH_MAX_STITCH: the default density's
 * counts are capped (half each: they grow with the area, the patches with the side), an explicit
 * --counts or --density beyond the limit is refused naming the flag to lower. */
static sw_status stitch_count(const sw_scene_params *p, int *n) {
    const int t = SW_CLS_STITCH_TRACE, m = SW_CLS_STITCH_MISALIGN, max = SW_SYNTH_MAX_STITCH;
    int given_t = p->counts[t] >= 0, given_m = p->counts[m] >= 0;
    if (!p->density_set)
        for (int c = t; c <= m; c++)
            if (p->counts[c] < 0 && n[c] > max / 2) n[c] = max / 2;
    int total = n[t] + n[m];
    if (total <= max) return SW_OK;
    if (given_t && given_m)
        return sw_fail(SW_ERR_USAGE, "synth defects: --counts asks for %d stitching patches (classes 7 and 8: its 7th and "
                       "8th values); at most %d: lower them", total, max);
    if (!given_t && !given_m)
        return sw_fail(SW_ERR_USAGE, "synth defects: --density %g gives %d stitching patches (classes 7 and 8) on this "
                       "%lld x %lld mosaic; at most %d: lower --density, or set classes 7 and 8 with --counts "
                       "(-1,-1,-1,-1,-1,-1,%d,%d,-1,-1)", p->density, total, (long long)p->width, (long long)p->height,
                       max, max / 2, max / 2);
    return sw_fail(SW_ERR_USAGE, "synth defects: %d stitching patches (classes 7 and 8: %d from --counts, %d from %s); at "
                   "most %d: lower the %s value of --counts, or give the %s too", total, given_t ? n[t] : n[m],
                   given_t ? n[m] : n[t], p->density_set ? "--density" : "the default density", max,
                   given_t ? "7th" : "8th", given_t ? "8th" : "7th");
}

sw_status sw_scene_build(sw_scene *sc, const sw_scene_params *p) {
    memset(sc, 0, sizeof *sc);
    sc->width = p->width, sc->height = p->height, sc->seed = p->seed, sc->seam_band = p->seam_band;
    sw_rng r;
    sw_rng_seed(&r, p->seed, 1000);
    sc->sun_azimuth = isnan(p->sun_azimuth) ? sw_rng_uniform(&r, 0, 360) : p->sun_azimuth;
    sc->sun_elevation = isnan(p->sun_elevation) ? sw_rng_uniform(&r, 35, 65) : p->sun_elevation;
    double az = sc->sun_azimuth * PI / 180.0, el = sc->sun_elevation * PI / 180.0;
    sc->land.seed = p->seed;
    sc->land.m_per_px = p->m_per_px;
    sc->land.sun_x = (float)sin(az), sc->land.sun_y = (float)-cos(az);   /* towards the sun; north is up */
    sw_land_init(&sc->land);
    sw_status st = build_footprint(sc, &r);
    if (st) return st;

    double fp_mpx = sc->footprint_fraction * (double)sc->width * (double)sc->height / 1e6;
    inst_list per[SW_NCLASSES];
    memset(per, 0, sizeof per);
    box_list taken = {0};
    sw_rng cr[SW_NCLASSES];
    int n[SW_NCLASSES];
    for (int c = 1; c < SW_NCLASSES; c++) {
        sw_rng_seed(&cr[c], p->seed, 2000 + (uint64_t)c);
        n[c] = class_count(p, fp_mpx, c, &cr[c]);
    }
    n[SW_CLS_SHADOW] = p->counts[SW_CLS_SHADOW] >= 0 ? (p->counts[SW_CLS_SHADOW] < n[SW_CLS_CLOUD]
                                                            ? p->counts[SW_CLS_SHADOW] : n[SW_CLS_CLOUD])
                                                      : n[SW_CLS_CLOUD];
    if ((st = stitch_count(p, n))) goto done;
    /* stitching patches */
    for (int c = SW_CLS_STITCH_TRACE; c <= SW_CLS_STITCH_MISALIGN; c++)
        for (int i = 0; i < n[c]; i++) {
            sw_inst *I = list_push(&per[c]);
            if (!I) goto oom;
            I->cls = c;
            I->key = sw_rng_next(&cr[c]);
            if ((st = make_patch(sc, I, &cr[c]))) goto done;
        }
    /* clouds with their shadows (a shadow is its cloud's shape moved away from the sun) */
    for (int i = 0; i < n[SW_CLS_CLOUD]; i++) {
        sw_rng *rr = &cr[SW_CLS_CLOUD];
        sw_inst *C = list_push(&per[SW_CLS_CLOUD]);
        if (!C) goto oom;
        C->cls = SW_CLS_CLOUD;
        C->key = sw_rng_next(rr);
        double len = 0, dark = sw_rng_uniform(rr, 0.45, 0.62);
        for (int t = 0; t < 30; t++) {
            double cx, cy;
            place(sc, rr, &cx, &cy);
            fill_cloud(sc, C, rr, cx, cy);
            double R = C->blob.rx;
            len = clampd(R * sw_rng_uniform(rr, 0.8, 1.4) / tan(el), 0.6 * R, 2.5 * R);
            int64_t sx = (int64_t)(-sc->land.sun_x * len), sy = (int64_t)(-sc->land.sun_y * len);
            int64_t x0 = C->x0 < C->x0 + sx ? C->x0 : C->x0 + sx, x1 = C->x1 > C->x1 + sx ? C->x1 : C->x1 + sx;
            int64_t y0 = C->y0 < C->y0 + sy ? C->y0 : C->y0 + sy, y1 = C->y1 > C->y1 + sy ? C->y1 : C->y1 + sy;
            if (!boxes_overlap(&taken, x0, y0, x1, y1)) break;
        }
        if (boxes_add(&taken, C)) goto oom;
        if (i < n[SW_CLS_SHADOW]) {
            sw_inst *S = list_push(&per[SW_CLS_SHADOW]);
            if (!S) goto oom;
            S->cls = SW_CLS_SHADOW;
            S->key = C->key;
            S->u.shadow.cloud = i;   /* fixed up to a scene index below */
            S->u.shadow.dx = (float)(-sc->land.sun_x * len), S->u.shadow.dy = (float)(-sc->land.sun_y * len);
            S->u.shadow.dark = (float)dark;
            int64_t sx = (int64_t)floor(S->u.shadow.dx), sy = (int64_t)floor(S->u.shadow.dy);
            S->x0 = C->x0 + sx, S->x1 = C->x1 + sx + 1, S->y0 = C->y0 + sy, S->y1 = C->y1 + sy + 1;
            if (boxes_add(&taken, S)) goto oom;
        }
    }
    static const struct { int cls; fill_fn fill; } regions[] = {
        {SW_CLS_DISTORTION, fill_distort}, {SW_CLS_STRETCH_BLUR, fill_stretch},
        {SW_CLS_BLUR, fill_blur}, {SW_CLS_SPECTRAL_OVERFLOW, fill_overflow},
    };
    for (int k = 0; k < 4; k++) {
        int c = regions[k].cls;
        for (int i = 0; i < n[c]; i++) {
            sw_inst *I = list_push(&per[c]);
            if (!I) goto oom;
            I->cls = c;
            I->key = sw_rng_next(&cr[c]);
            if (place_region(sc, &taken, I, &cr[c], regions[k].fill)) goto oom;
        }
    }
    for (int i = 0; i < n[SW_CLS_STRIPE_NOISE]; i++) {
        sw_inst *I = list_push(&per[SW_CLS_STRIPE_NOISE]);
        if (!I) goto oom;
        I->cls = SW_CLS_STRIPE_NOISE;
        I->key = sw_rng_next(&cr[SW_CLS_STRIPE_NOISE]);
        make_stripe(sc, I, &cr[SW_CLS_STRIPE_NOISE]);
    }
    for (int i = 0; i < n[SW_CLS_PIXEL_MISSING]; i++) {
        sw_inst *I = list_push(&per[SW_CLS_PIXEL_MISSING]);
        if (!I) goto oom;
        I->cls = SW_CLS_PIXEL_MISSING;
        I->key = sw_rng_next(&cr[SW_CLS_PIXEL_MISSING]);
        make_missing(sc, I, &cr[SW_CLS_PIXEL_MISSING]);
    }

    /* paint order: boundary patches, geometric (6, 3), blur (4), colour (5), shadows, clouds,
     * then the pixel classes (9, 10) */
    static const int order[] = {7, 8, 6, 3, 4, 5, 2, 1, 9, 10};
    int total = 0, cloud_base = 0;
    for (int k = 0; k < 10; k++) total += per[order[k]].n;
    sc->inst = sw_calloc((size_t)(total ? total : 1), sizeof(sw_inst), "defect instances");
    if (!sc->inst) {
        st = SW_ERR_RUNTIME;
        goto done;
    }
    for (int k = 0; k < 10; k++) {
        int c = order[k];
        if (c == SW_CLS_CLOUD) cloud_base = sc->ninst;
        for (int i = 0; i < per[c].n; i++) {
            sc->inst[sc->ninst] = per[c].v[i];
            sc->inst[sc->ninst].id = sc->ninst + 1;
            sc->ninst++;
        }
    }
    for (int i = 0; i < sc->ninst; i++)
        if (sc->inst[i].cls == SW_CLS_SHADOW) sc->inst[i].u.shadow.cloud += cloud_base;
    st = SW_OK;
    goto done;
oom:
    st = sw_fail(SW_ERR_RUNTIME, "out of memory drawing defect instances");
done:
    for (int c = 0; c < SW_NCLASSES; c++) free(per[c].v);
    free(taken.box);
    return st;
}

void sw_scene_free(sw_scene *sc) {
    sw_star_free(&sc->footprint);
    for (int i = 0; i < sc->npatches; i++) sw_star_free(&sc->patches[i]);
    free(sc->inst);
    sc->inst = NULL;
    sc->ninst = sc->npatches = 0;
}
