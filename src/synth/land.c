/* Procedural land texture (see land.h and docs/synth.md, "Texture model"). All sizes are in
 * metres on the ground; (u, v) are ground coordinates, x right and y down. */
#include "src/synth/land.h"

#include "src/synth/noise.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

enum {
    K_RELIEF, K_RAGGED, K_WATER, K_RIVER, K_WTEX, K_ROAD, K_ROADPAIR, K_TOWN, K_FOREST,
    K_FTONE, K_CROWN, K_FIELD, K_FTEX, K_LOT, K_GRAIN, K_DISTRICT,
};

#define ROAD_CELL 450.0   /* road network: edges of a jittered Voronoi with 450 m cells */
#define LOT 24.0          /* town lots; blocks of 4 x 2 lots with 10 m streets between them */
#define STREET 10.0
#define TOWN_T 0.36f      /* town where the town noise exceeds this (about 8 % of the land) */
#define FOREST_T 0.12f    /* forest where the forest noise exceeds this (about a third) */
#define LAKE_T (-0.40f)   /* lakes where the water noise is below this */
#define RIVER_T 0.006f    /* rivers where |river noise| is below this (about 25 m wide) */

void sw_land_init(sw_land *L) {
    for (int i = 0; i < 16; i++) L->key[i] = sw_key(L->seed, 0x1a4d0000u + (uint64_t)i);
    L->field_angle = (float)(3.14159265 * sw_u01(sw_mix64(L->key[K_DISTRICT])));
    long lat = lround(8.0 / L->m_per_px);
    L->lattice = lat < 1 ? 1 : (lat > 256 ? 256 : (int)lat);
}

/* ---- regional fields ---- */

enum { R_WATER, R_RIVER, R_TOWN, R_FOREST, R_RELIEF };

static void regional_exact(const sw_land *L, int64_t i, int64_t j, float *f) {
    double u = (double)(i * L->lattice) * L->m_per_px, v = (double)(j * L->lattice) * L->m_per_px;
    f[R_WATER] = sw_fbm(L->key[K_WATER], u / 1200.0, v / 1200.0, 4);
    f[R_RIVER] = sw_fbm(L->key[K_RIVER], u / 2200.0, v / 2200.0, 3);
    f[R_TOWN] = sw_fbm(L->key[K_TOWN], u / 2600.0, v / 2600.0, 3);
    f[R_FOREST] = sw_fbm(L->key[K_FOREST], u / 800.0, v / 800.0, 4);
    f[R_RELIEF] = sw_fbm(L->key[K_RELIEF], u / 1800.0, v / 1800.0, 3);
}

int sw_land_cache_fill(const sw_land *L, sw_land_cache *c, double x0, double y0, double x1, double y1) {
    const int64_t S = L->lattice, lim = 2048;
    int64_t i0 = (int64_t)floor(x0 / (double)S), i1 = (int64_t)floor(x1 / (double)S) + 1;
    int64_t j0 = (int64_t)floor(y0 / (double)S), j1 = (int64_t)floor(y1 / (double)S) + 1;
    if (i1 - i0 + 1 > lim) i0 = (i0 + i1) / 2 - lim / 2, i1 = i0 + lim - 1;
    if (j1 - j0 + 1 > lim) j0 = (j0 + j1) / 2 - lim / 2, j1 = j0 + lim - 1;
    size_t need = (size_t)(i1 - i0 + 1) * (size_t)(j1 - j0 + 1) * SW_LAND_NREG;
    c->ni = c->nj = 0;
    if (need > c->cap) {
        float *v = realloc(c->v, need * sizeof(float));
        if (!v) return -1;
        c->v = v, c->cap = need;
    }
    c->i0 = i0, c->j0 = j0, c->ni = (int)(i1 - i0 + 1), c->nj = (int)(j1 - j0 + 1);
    for (int j = 0; j < c->nj; j++)
        for (int i = 0; i < c->ni; i++)
            regional_exact(L, i0 + i, j0 + j, c->v + ((size_t)j * (size_t)c->ni + (size_t)i) * SW_LAND_NREG);
    return 0;
}

void sw_land_cache_free(sw_land_cache *c) {
    free(c->v);
    c->v = NULL;
    c->cap = 0;
    c->ni = c->nj = 0;
}

/* The regional fields at pixel position (x, y): bilinear between lattice points. */
static void regional(const sw_land *L, const sw_land_cache *c, double x, double y, float *f) {
    double gx = x / L->lattice, gy = y / L->lattice, fx = floor(gx), fy = floor(gy);
    int64_t i = (int64_t)fx, j = (int64_t)fy;
    float tx = (float)(gx - fx), ty = (float)(gy - fy);
    float local[4][SW_LAND_NREG];
    const float *p00, *p10, *p01, *p11;
    if (c && i >= c->i0 && j >= c->j0 && i + 1 < c->i0 + c->ni && j + 1 < c->j0 + c->nj) {
        p00 = c->v + ((size_t)(j - c->j0) * (size_t)c->ni + (size_t)(i - c->i0)) * SW_LAND_NREG;
        p10 = p00 + SW_LAND_NREG;
        p01 = p00 + (size_t)c->ni * SW_LAND_NREG;
        p11 = p01 + SW_LAND_NREG;
    } else {
        regional_exact(L, i, j, local[0]);
        regional_exact(L, i + 1, j, local[1]);
        regional_exact(L, i, j + 1, local[2]);
        regional_exact(L, i + 1, j + 1, local[3]);
        p00 = local[0], p10 = local[1], p01 = local[2], p11 = local[3];
    }
    for (int k = 0; k < SW_LAND_NREG; k++) {
        float a = p00[k] + (p10[k] - p00[k]) * tx, b = p01[k] + (p11[k] - p01[k]) * tx;
        f[k] = a + (b - a) * ty;
    }
}

static void set3(float *c, float r, float g, float b) { c[0] = r, c[1] = g, c[2] = b; }
static void mix3(float *c, const float *d, float t) {
    for (int k = 0; k < 3; k++) c[k] += (d[k] - c[k]) * t;
}

/* Water: lakes darker with depth, rivers uniform, a muddy rim, very smooth. */
static void water(const sw_land *L, double u, double v, float depth, int river, float *c) {
    static const float shallow[3] = {66, 88, 80}, deep[3] = {22, 44, 54}, rim[3] = {118, 114, 94};
    float t = river ? 0.45f : sw_clampf(0.35f + depth * 5.0f, 0.0f, 1.0f);
    set3(c, shallow[0], shallow[1], shallow[2]);
    mix3(c, deep, t);
    float f = 1.0f + 0.03f * sw_fbm(L->key[K_WTEX], u / 300.0, v / 300.0, 2);
    for (int k = 0; k < 3; k++) c[k] *= f;
    float rim_w = river ? sw_smoothstep(0.0008f, 0.0f, depth) : sw_smoothstep(0.0015f, 0.0f, depth);
    mix3(c, rim, 0.5f * rim_w);
}

/* Forest: dark green tone at ~50 m plus tree crowns (~4.5 m cells), lit on the sun side. */
static void forest(const sw_land *L, double u, double v, float *c) {
    static const float dark[3] = {30, 50, 30}, light[3] = {62, 86, 46};
    float tone = 0.5f + 0.5f * sw_fbm(L->key[K_FTONE], u / 50.0, v / 50.0, 3);
    set3(c, dark[0], dark[1], dark[2]);
    mix3(c, light, tone);
    sw_cell cl;
    const double cell = 4.5;
    sw_cellular(L->key[K_CROWN], u / cell, v / cell, 0.9f, &cl);
    uint64_t h = sw_hash2(L->key[K_CROWN] ^ 0x55, cl.c1x, cl.c1y);
    float cr = 0.36f + 0.22f * sw_u01(h);                    /* crown radius, in cells */
    float ox = (float)(u / cell - cl.p1x) / cr, oy = (float)(v / cell - cl.p1y) / cr;
    float r2 = ox * ox + oy * oy;
    float lit = -(ox * L->sun_x + oy * L->sun_y);            /* > 0 on the sunward side */
    float crown = sw_smoothstep(1.15f, 0.85f, sqrtf(r2));
    float shade = sw_lerpf(0.5f, 1.18f - 0.35f * r2 + 0.22f * lit, crown);
    float tint = 0.9f + 0.2f * sw_hu(h, 24);
    c[0] *= shade * tint * (0.95f + 0.15f * sw_hu(h, 48));
    c[1] *= shade * tint;
    c[2] *= shade * (0.95f + 0.1f * sw_hu(h, 32));
}

/* Fields: each road cell is a farm district with its own orientation; parcels are strips cut at
 * jittered lengths, each with a crop colour, row stripes and a light margin. */
static void fields(const sw_land *L, double u, double v, const sw_cell *rc, float *c) {
    static const float pal[8][3] = {
        {86, 116, 56}, {118, 140, 70}, {168, 154, 100}, {132, 106, 80},
        {98, 82, 64},  {150, 102, 76}, {176, 166, 138}, {104, 128, 62},
    };
    uint64_t hd = sw_hash2(L->key[K_DISTRICT], rc->c1x, rc->c1y);
    double th = (sw_u01(hd) < 0.55f) ? L->field_angle + 0.2 * (sw_hu(hd, 20) - 0.5)
                                     : 3.14159265 * sw_hu(hd, 20);
    double cs = cos(th), sn = sin(th);
    double du = u - rc->p1x * ROAD_CELL, dv = v - rc->p1y * ROAD_CELL;
    double a = du * cs + dv * sn, b = -du * sn + dv * cs;
    double hs = 40.0 + 35.0 * sw_hu(hd, 40);               /* strip height */
    double j = floor(b / hs), rb = b - j * hs;
    uint64_t hj = sw_hash2(hd, (int64_t)j, 77);
    double wj = 50.0 + 170.0 * sw_u01(hj), ph = wj * sw_hu(hj, 24);
    double i = floor((a - ph) / wj), ra = a - ph - i * wj;
    uint64_t hp = sw_hash2(L->key[K_FIELD] ^ hd, (int64_t)i, (int64_t)j);
    const float *base = pal[hp & 7];
    float bright = 0.88f + 0.24f * sw_hu(hp, 8);
    set3(c, base[0] * bright, base[1] * bright, base[2] * bright);
    /* crop rows: along or across the strip, period 2.5..5.5 m, amplitude 0..0.14 */
    float amp = sw_hu(hp, 32) < 0.25f ? 0.0f : 0.14f * sw_hu(hp, 40);
    double per = 2.5 + 3.0 * sw_hu(hp, 16), coord = (hp >> 60) & 1 ? a : b;
    float rows = 1.0f + amp * (float)sin(6.283185307 * coord / per);
    float tex = 1.0f + 0.07f * sw_fbm(L->key[K_FTEX], u / 7.0, v / 7.0, 2);
    for (int k = 0; k < 3; k++) c[k] *= rows * tex;
    /* margins between parcels */
    double e = fmin(fmin(rb, hs - rb), fmin(ra, wj - ra));
    static const float margin[3] = {122, 124, 92};
    mix3(c, margin, 0.8f * sw_smoothstep(1.6f, 0.6f, (float)e));
}

/* Towns: a lot grid aligned with the district; buildings with coloured roofs, gable shading and
 * cast shadows; yards; asphalt streets. Returns 0 where the lot is not in town. */
static int town(const sw_land *L, const sw_land_cache *cache, double u, double v, const sw_cell *rc, float nt,
                float *c) {
    static const float roofs[6][3] = {
        {138, 138, 136}, {158, 72, 58}, {182, 98, 72}, {214, 214, 208}, {82, 82, 88}, {108, 124, 140},
    };
    static const float street[3] = {92, 94, 98};
    uint64_t hd = sw_hash2(L->key[K_DISTRICT] ^ 0x7777, rc->c1x, rc->c1y);
    double th = 1.5707963 * sw_u01(hd), cs = cos(th), sn = sin(th);
    double ou = rc->p1x * ROAD_CELL, ov = rc->p1y * ROAD_CELL;
    double du = u - ou, dv = v - ov;
    double a = du * cs + dv * sn, b = -du * sn + dv * cs;
    const double pa = 4 * LOT + STREET, pb = 2 * LOT + STREET;
    double ba = floor(a / pa), bb = floor(b / pb), ra = a - ba * pa, rb = b - bb * pb;
    if (ra >= 4 * LOT || rb >= 2 * LOT) {
        if (nt < TOWN_T) return 0;
        set3(c, street[0], street[1], street[2]);
        return 1;
    }
    double ia = floor(ra / LOT), ib = floor(rb / LOT);
    double ca = ba * pa + ia * LOT + 0.5 * LOT, cb = bb * pb + ib * LOT + 0.5 * LOT;   /* lot centre */
    double cu = ou + ca * cs - cb * sn, cv = ov + ca * sn + cb * cs;
    float f[SW_LAND_NREG];
    regional(L, cache, cu / L->m_per_px, cv / L->m_per_px, f);   /* whole lots are in town or not */
    if (f[R_TOWN] < TOWN_T) return 0;
    uint64_t hl = sw_hash2(L->key[K_LOT] ^ hd, (int64_t)(ba * 4 + ia), (int64_t)(bb * 2 + ib));
    double la = ra - ia * LOT - 0.5 * LOT, lb = rb - ib * LOT - 0.5 * LOT;
    /* yard */
    int yard = (int)((hl >> 56) % 5);
    if (yard < 2) set3(c, 96, 114, 70);
    else if (yard < 4) set3(c, 160, 150, 130);
    else set3(c, 136, 133, 128);
    float yt = 1.0f + 0.08f * sw_vnoise(L->key[K_FTEX] ^ hl, u / 2.0, v / 2.0);
    for (int k = 0; k < 3; k++) c[k] *= yt;
    if (sw_u01(hl) >= 0.82f) return 1;   /* empty lot */
    double ha = 4.0 + 6.0 * sw_hu(hl, 8), hb = 4.0 + 5.0 * sw_hu(hl, 16);
    double oa = (0.5 * LOT - ha - 1.0) * (2.0 * sw_hu(hl, 24) - 1.0);
    double ob = (0.5 * LOT - hb - 1.0) * (2.0 * sw_hu(hl, 32) - 1.0);
    double pa_ = la - oa, pb_ = lb - ob;
    if (fabs(pa_) < ha && fabs(pb_) < hb) {
        const float *r = roofs[(hl >> 40) % 6];
        /* gable: the two halves either side of the ridge (along the long side) lit differently */
        double across = ha >= hb ? pb_ : pa_;
        double sun_across = ha >= hb ? (-L->sun_x * sn + L->sun_y * cs) : (L->sun_x * cs + L->sun_y * sn);
        float g = across * sun_across > 0 ? 1.1f : 0.86f;
        double edge = fmin(ha - fabs(pa_), hb - fabs(pb_));
        if (edge < 0.6) g *= 0.78f;
        set3(c, r[0] * g, r[1] * g, r[2] * g);
        return 1;
    }
    /* cast shadow: the point 3.5 m towards the sun is under the roof */
    double sa = L->sun_x * cs + L->sun_y * sn, sb = -L->sun_x * sn + L->sun_y * cs;
    double qa = pa_ + 3.5 * sa, qb = pb_ + 3.5 * sb;
    if (fabs(qa) < ha && fabs(qb) < hb)
        for (int k = 0; k < 3; k++) c[k] *= 0.5f;
    return 1;
}

static float bg_texel(const sw_land *L, int64_t x, int64_t y, int k) {
    /* mirrored tiling */
    int64_t w = L->bg_w, h = L->bg_h;
    x %= 2 * w;
    if (x < 0) x += 2 * w;
    if (x >= w) x = 2 * w - 1 - x;
    y %= 2 * h;
    if (y < 0) y += 2 * h;
    if (y >= h) y = 2 * h - 1 - y;
    return L->bg[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)k];
}

static void background(const sw_land *L, double x, double y, float *c) {
    double bx = x / L->bg_scale - 0.5, by = y / L->bg_scale - 0.5;
    double fx = floor(bx), fy = floor(by);
    int64_t ix = (int64_t)fx, iy = (int64_t)fy;
    float tx = (float)(bx - fx), ty = (float)(by - fy);
    for (int k = 0; k < 3; k++) {
        float a = sw_lerpf(bg_texel(L, ix, iy, k), bg_texel(L, ix + 1, iy, k), tx);
        float b = sw_lerpf(bg_texel(L, ix, iy + 1, k), bg_texel(L, ix + 1, iy + 1, k), tx);
        c[k] = sw_lerpf(a, b, ty);
    }
}

void sw_land_eval(const sw_land *L, const sw_land_cache *cache, double x, double y, float rgb[3]) {
    double u = x * L->m_per_px, v = y * L->m_per_px;
    float c[3], f[SW_LAND_NREG];
    regional(L, cache, x, y, f);
    float ragged = sw_fbm(L->key[K_RAGGED], u / 45.0, v / 45.0, 2);
    float nw = f[R_WATER] + 0.03f * ragged, nr = f[R_RIVER];
    float lake = LAKE_T - nw, river = RIVER_T - fabsf(nr);
    if (lake > 0 || river > 0) {
        if (lake > 0) water(L, u, v, lake, 0, c);
        else water(L, u, v, river, 1, c);
    } else {
        sw_cell rc;
        sw_cellular(L->key[K_ROAD], u / ROAD_CELL, v / ROAD_CELL, 0.9f, &rc);
        float nt = f[R_TOWN];
        int done = 0;
        if (nt > TOWN_T - 0.03f) done = town(L, cache, u, v, &rc, nt, c);
        if (!done) {
            float nf = f[R_FOREST] + 0.08f * ragged;
            if (nf > FOREST_T) forest(L, u, v, c);
            else fields(L, u, v, &rc, c);
        }
        /* roads on the district edges: paved (7 m) or dirt tracks (4 m), some edges without */
        uint64_t ph = sw_mix64(sw_hash2(L->key[K_ROADPAIR], rc.c1x, rc.c1y) ^
                               sw_hash2(L->key[K_ROADPAIR], rc.c2x, rc.c2y));
        float pr = sw_u01(ph);
        if (pr < 0.8f) {
            int paved = pr < 0.35f;
            double hw = paved ? 3.5 : 2.0, e = rc.edge * ROAD_CELL;
            float cov = sw_clampf((float)((hw - e) / L->m_per_px) + 0.5f, 0.0f, 1.0f);
            if (cov > 0) {
                float road[3];
                if (paved) set3(road, 112, 112, 110);
                else set3(road, 156, 136, 104);
                float rt = 1.0f + 0.05f * sw_vnoise(L->key[K_FTEX] ^ ph, u / 1.5, v / 1.5);
                for (int k = 0; k < 3; k++) road[k] *= rt;
                mix3(c, road, cov);
            }
        }
        float relief = 1.0f + 0.10f * f[R_RELIEF];
        for (int k = 0; k < 3; k++) c[k] *= relief;
    }
    if (L->bg) {
        float b[3], luma = 0.3f * c[0] + 0.59f * c[1] + 0.11f * c[2];
        background(L, x, y, b);
        float mod = luma / 105.0f;
        for (int k = 0; k < 3; k++) c[k] = sw_lerpf(c[k], b[k] * mod, L->bg_mix);
    }
    /* a little haze, and sensor grain (+-3 levels) from the pixel's own hash */
    uint64_t g = sw_hash2(L->key[K_GRAIN], (int64_t)floor(x), (int64_t)floor(y));
    rgb[0] = c[0] * 0.95f + 8.0f + 6.0f * (sw_u01(g) - 0.5f);
    rgb[1] = c[1] * 0.95f + 10.0f + 6.0f * (sw_hu(g, 20) - 0.5f);
    rgb[2] = c[2] * 0.95f + 14.0f + 6.0f * (sw_hu(g, 40) - 0.5f);
}
