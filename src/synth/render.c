/* Tile renderer of defect scenes (see render.h). The stages, in paint order:
 *   1 land texture with stitching patches (colour step, or offset resampling inside the patch)
 *   2 geometric remaps: distortion, then stretching (streak resampling)      -> image A
 *   3 neighbourhood filters on A: stretching smear, regional Gaussian blur   (needs the halo)
 *   4 pointwise colour: spectral overflow, cloud shadows, clouds
 *   5 pixel defects: stripe noise, then missing pixels; footprint; no stray pure black / white
 * Stages 1 and 2 are evaluated at continuous positions, so a remap samples the image below it
 * exactly; truth is offered by every instance at its pixels and decided by sw_class_wins. */
#include "src/synth/render.h"

#include "src/synth/defects.h"
#include "src/synth/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sw_render_scratch {
    int tile, side;           /* side = tile + 2 * halo */
    float *A;                 /* (side, side, 3) stage-2 image around the tile */
    float *V;                 /* (tile, tile, 3) colour of the tile's pixels */
    float *C;                 /* (tile, tile, 3) one filter's output */
    float *tmp;               /* (side, tile, 3) horizontal pass of the Gaussian */
    uint8_t *inside;          /* (tile, tile) footprint flag */
    uint8_t *tcls;            /* (tile, tile) truth class so far */
    uint32_t *tinst;          /* (tile, tile) its instance */
    int *lists;               /* 7 lists of instance indices, ninst each */
    signed char *pat_in;      /* per stitching patch of the tile: 1 holds the whole reach, 0 test */
    sw_land_cache land;       /* regional land fields over the tile's reach */
    int64_t *ctx;             /* (ninst, 4) context rectangle of each filter */
    int ninst;
};

sw_render_scratch *sw_render_scratch_new(const sw_scene *sc, int tile) {
    sw_render_scratch *s = sw_calloc(1, sizeof *s, "render scratch");
    if (!s) return NULL;
    s->tile = tile;
    s->side = tile + 2 * SW_SYNTH_HALO;
    s->ninst = sc->ninst;
    size_t t2 = (size_t)tile * (size_t)tile, s2 = (size_t)s->side * (size_t)s->side;
    s->A = sw_malloc(s2 * 3 * sizeof(float), "render scratch");
    s->V = sw_malloc(t2 * 3 * sizeof(float), "render scratch");
    s->C = sw_malloc(t2 * 3 * sizeof(float), "render scratch");
    s->tmp = sw_malloc((size_t)s->side * (size_t)tile * 3 * sizeof(float), "render scratch");
    s->inside = sw_malloc(t2, "render scratch");
    s->tcls = sw_malloc(t2, "render scratch");
    s->tinst = sw_malloc(t2 * sizeof(uint32_t), "render scratch");
    s->lists = sw_malloc(sizeof(int) * 7 * (size_t)(sc->ninst + 1), "render scratch");
    s->ctx = sw_malloc(sizeof(int64_t) * 4 * (size_t)(sc->ninst + 1), "render scratch");
    s->pat_in = sw_malloc((size_t)sc->ninst + 1, "render scratch");
    if (!s->A || !s->V || !s->C || !s->tmp || !s->inside || !s->tcls || !s->tinst || !s->lists || !s->ctx ||
        !s->pat_in) {
        sw_render_scratch_free(s);
        return NULL;
    }
    return s;
}

void sw_render_scratch_free(sw_render_scratch *s) {
    if (!s) return;
    free(s->A);
    free(s->V);
    free(s->C);
    free(s->tmp);
    free(s->inside);
    free(s->tcls);
    free(s->tinst);
    free(s->lists);
    free(s->ctx);
    free(s->pat_in);
    sw_land_cache_free(&s->land);
    free(s);
}

typedef struct {
    int64_t x0, y0, x1, y1;
} rect;

static int rect_hits(const sw_inst *I, rect r) { return I->x0 < r.x1 && r.x0 < I->x1 && I->y0 < r.y1 && r.y0 < I->y1; }
static rect rect_grow(rect r, int64_t d) { return (rect){r.x0 - d, r.y0 - d, r.x1 + d, r.y1 + d}; }
static rect rect_clip(rect a, rect b) {
    return (rect){a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0, a.x1 < b.x1 ? a.x1 : b.x1,
                  a.y1 < b.y1 ? a.y1 : b.y1};
}
static rect inst_rect(const sw_inst *I) { return (rect){I->x0, I->y0, I->x1, I->y1}; }
static int rect_empty(rect r) { return r.x0 >= r.x1 || r.y0 >= r.y1; }

/* Instances of the classes in `want` that a sample point starting in r can meet, following the
 * displacements they apply (iterated until the reachable area stops growing). Returns the count;
 * *reach is the reachable area. */
static int reach_list(const sw_scene *sc, rect r, int c1, int c2, int *out, rect *reach) {
    int64_t d = 0;
    int n = 0;
    for (;;) {
        rect g = rect_grow(r, d);
        double sum = 0;
        n = 0;
        for (int i = 0; i < sc->ninst; i++) {
            const sw_inst *I = &sc->inst[i];
            if ((I->cls == c1 || I->cls == c2) && rect_hits(I, g)) {
                out[n++] = i;
                sum += I->maxdisp;
            }
        }
        int64_t d2 = (int64_t)ceil(sum);
        if (d2 <= d) {
            *reach = g;
            return n;
        }
        d = d2;
    }
}

/* Stages 1 and 2 at the continuous position (x, y). pat_in[k] = 1: patch pat[k] holds every point
 * the tile can reach (no test needed). */
static void stage12(const sw_scene *sc, const sw_render_scratch *s, const int *geo, int ngeo, const int *pat, int npat,
                    double x, double y, float rgb[3]) {
    for (int k = ngeo - 1; k >= 0; k--) {   /* the latest remap moves the point first */
        const sw_inst *I = &sc->inst[geo[k]];
        if (x < (double)I->x0 || x >= (double)I->x1 || y < (double)I->y0 || y >= (double)I->y1) continue;
        if (I->cls == SW_CLS_DISTORTION) sw_distort_remap(I, &x, &y);
        else sw_stretch_remap(I, &x, &y);
    }
    const sw_inst *hit[SW_SYNTH_MAX_PATCHES];
    int nh = 0;
    for (int k = npat - 1; k >= 0 && nh < SW_SYNTH_MAX_PATCHES; k--) {
        const sw_inst *I = &sc->inst[pat[k]];
        if (!s->pat_in[k] && !sw_star_contains(&sc->patches[I->u.patch.star], x, y)) continue;
        hit[nh++] = I;
        x += I->u.patch.ox, y += I->u.patch.oy;   /* misalignment: resample with an offset */
    }
    sw_land_eval(&sc->land, &s->land, x, y, rgb);
    for (int k = nh - 1; k >= 0; k--)   /* colour steps, earliest patch first */
        for (int c = 0; c < 3; c++) rgb[c] = rgb[c] * hit[k]->u.patch.gain[c] + hit[k]->u.patch.bias[c];
}

static inline void offer(uint8_t *cls, uint32_t *inst, const sw_inst *I) {
    if (sw_class_wins(I->cls, (float)I->id, *cls, (float)*inst)) *cls = (uint8_t)I->cls, *inst = (uint32_t)I->id;
}

/* Gaussian blur of A over r (absolute pixels) into C (rows of r's width). */
static void gauss(const sw_render_scratch *s, rect a, rect r, float sigma, int rad) {
    float g[2 * SW_SYNTH_HALO + 1], sum = 0;
    for (int k = -rad; k <= rad; k++) sum += g[k + rad] = expf(-0.5f * (float)(k * k) / (sigma * sigma));
    for (int k = 0; k <= 2 * rad; k++) g[k] /= sum;
    int rw = (int)(r.x1 - r.x0), aw = (int)(a.x1 - a.x0);
    for (int64_t y = r.y0 - rad; y < r.y1 + rad; y++) {
        const float *arow = s->A + ((size_t)(y - a.y0) * (size_t)aw + (size_t)(r.x0 - a.x0)) * 3;
        float *trow = s->tmp + (size_t)(y - (r.y0 - rad)) * (size_t)rw * 3;
        for (int x = 0; x < rw; x++) {
            float acc[3] = {0, 0, 0};
            for (int k = -rad; k <= rad; k++) {
                const float *p = arow + (ptrdiff_t)(x + k) * 3;
                acc[0] += g[k + rad] * p[0], acc[1] += g[k + rad] * p[1], acc[2] += g[k + rad] * p[2];
            }
            trow[x * 3] = acc[0], trow[x * 3 + 1] = acc[1], trow[x * 3 + 2] = acc[2];
        }
    }
    for (int y = 0; y < (int)(r.y1 - r.y0); y++)
        for (int x = 0; x < rw; x++) {
            float acc[3] = {0, 0, 0};
            for (int k = -rad; k <= rad; k++) {
                const float *p = s->tmp + ((size_t)(y + k + rad) * (size_t)rw + (size_t)x) * 3;
                acc[0] += g[k + rad] * p[0], acc[1] += g[k + rad] * p[1], acc[2] += g[k + rad] * p[2];
            }
            float *o = s->C + ((size_t)y * (size_t)rw + (size_t)x) * 3;
            o[0] = acc[0], o[1] = acc[1], o[2] = acc[2];
        }
}

/* Directional box blur of A along the streak direction over r, into C. */
static void smear(const sw_render_scratch *s, rect a, rect r, const sw_inst *I) {
    int n = (int)(0.5f * I->u.stretch.smear), rw = (int)(r.x1 - r.x0), aw = (int)(a.x1 - a.x0);
    float ux = I->u.stretch.ux, uy = I->u.stretch.uy, inv = 1.0f / (float)(2 * n + 1);
    for (int64_t y = r.y0; y < r.y1; y++)
        for (int64_t x = r.x0; x < r.x1; x++) {
            float acc[3] = {0, 0, 0};
            for (int t = -n; t <= n; t++) {
                /* A's element (i, j) is the pixel centre; bilinear between the four around, with
                 * the weights from absolute positions so they do not depend on the tiling */
                double fx = (double)x + t * (double)ux, fy = (double)y + t * (double)uy;
                double flx = floor(fx), fly = floor(fy);
                float tx = (float)(fx - flx), ty = (float)(fy - fly);
                const float *p = s->A + ((size_t)((int64_t)fly - a.y0) * (size_t)aw + (size_t)((int64_t)flx - a.x0)) * 3;
                const float *q = p + (size_t)aw * 3;
                for (int c = 0; c < 3; c++)
                    acc[c] += (p[c] + (p[c + 3] - p[c]) * tx) * (1 - ty) + (q[c] + (q[c + 3] - q[c]) * tx) * ty;
            }
            float *o = s->C + ((size_t)(y - r.y0) * (size_t)rw + (size_t)(x - r.x0)) * 3;
            o[0] = acc[0] * inv, o[1] = acc[1] * inv, o[2] = acc[2] * inv;
        }
}

void sw_render_tile(const sw_scene *sc, sw_render_scratch *s, int64_t x0, int64_t y0, int w, int h,
                    uint8_t *rgb, uint8_t *mask, uint8_t *truth, uint32_t *inst, size_t stride, int64_t *counts) {
    const int N = sc->ninst + 1;
    int *geo = s->lists, *pat = geo + N, *flt = pat + N, *pnt = flt + N, *pix = pnt + N, *bnd = pix + N, *dis = bnd + N;
    int ngeo = 0, npat = 0, nflt = 0, npnt = 0, npix = 0, nbnd = 0, ndis = 0;
    rect core = {x0, y0, x0 + w, y0 + h}, halo = rect_grow(core, SW_SYNTH_HALO), reach;

    /* which instances matter here */
    ngeo = reach_list(sc, halo, SW_CLS_DISTORTION, SW_CLS_STRETCH_BLUR, geo, &reach);
    npat = reach_list(sc, reach, SW_CLS_STITCH_MISALIGN, SW_CLS_STITCH_TRACE, pat, &reach);
    /* patches that hold the whole reach need no inside test; those that miss it are dropped */
    int kept = 0;
    for (int k = 0; k < npat; k++) {
        const sw_star *st = &sc->patches[sc->inst[pat[k]].u.patch.star];
        int where = sw_star_classify_box(st, (double)reach.x0, (double)reach.y0, (double)reach.x1, (double)reach.y1);
        if (where < 0) continue;
        pat[kept] = pat[k];
        s->pat_in[kept++] = (signed char)(where > 0);
    }
    npat = kept;
    sw_land_cache_fill(&sc->land, &s->land, (double)reach.x0, (double)reach.y0, (double)reach.x1, (double)reach.y1);
    double band = sc->seam_band;
    for (int i = 0; i < sc->ninst; i++) {
        const sw_inst *I = &sc->inst[i];
        if (!rect_hits(I, core)) continue;
        if ((I->cls == SW_CLS_STITCH_TRACE || I->cls == SW_CLS_STITCH_MISALIGN) &&
            sw_star_classify_box(&sc->patches[I->u.patch.star], (double)core.x0 - band, (double)core.y0 - band,
                                 (double)core.x1 + band, (double)core.y1 + band) != 0)
            continue;   /* its seamline band does not reach this tile */
        switch (I->cls) {
        case SW_CLS_STRETCH_BLUR:
        case SW_CLS_BLUR: flt[nflt++] = i; break;
        case SW_CLS_SPECTRAL_OVERFLOW:
        case SW_CLS_SHADOW:
        case SW_CLS_CLOUD: pnt[npnt++] = i; break;
        case SW_CLS_STRIPE_NOISE:
        case SW_CLS_PIXEL_MISSING: pix[npix++] = i; break;
        case SW_CLS_STITCH_TRACE:
        case SW_CLS_STITCH_MISALIGN: bnd[nbnd++] = i; break;
        default: dis[ndis++] = i; break;
        }
    }

    /* the area of image A this tile needs: the tile, plus the filters' context */
    rect a = core;
    rect *ctx = (rect *)s->ctx;
    for (int k = 0; k < nflt; k++) {
        const sw_inst *I = &sc->inst[flt[k]];
        rect r = rect_clip(rect_grow(rect_clip(inst_rect(I), core), I->radius), halo);
        ctx[k] = r;
        a = (rect){a.x0 < r.x0 ? a.x0 : r.x0, a.y0 < r.y0 ? a.y0 : r.y0, a.x1 > r.x1 ? a.x1 : r.x1, a.y1 > r.y1 ? a.y1 : r.y1};
    }
    int aw = (int)(a.x1 - a.x0);
    /* the footprint test per pixel only where its boundary crosses the area */
    int where = sw_star_classify_box(&sc->footprint, (double)a.x0, (double)a.y0, (double)a.x1, (double)a.y1);
    for (int64_t y = a.y0; y < a.y1; y++)
        for (int64_t x = a.x0; x < a.x1; x++) {
            double px = (double)x + 0.5, py = (double)y + 0.5;
            int in_core = x >= core.x0 && x < core.x1 && y >= core.y0 && y < core.y1;
            int in = where ? where > 0 : sw_scene_inside(sc, px, py), need = in;
            if (in_core) s->inside[(y - y0) * w + (x - x0)] = (uint8_t)in;
            for (int k = 0; !need && k < nflt; k++)   /* context of a filter */
                need = x >= ctx[k].x0 && x < ctx[k].x1 && y >= ctx[k].y0 && y < ctx[k].y1;
            if (need) stage12(sc, s, geo, ngeo, pat, npat, px, py, s->A + ((size_t)(y - a.y0) * (size_t)aw + (size_t)(x - a.x0)) * 3);
        }

    size_t n = (size_t)w * (size_t)h;
    for (int j = 0; j < h; j++)
        memcpy(s->V + (size_t)j * w * 3, s->A + ((size_t)(y0 + j - a.y0) * (size_t)aw + (size_t)(x0 - a.x0)) * 3,
               sizeof(float) * 3 * (size_t)w);
    memset(s->tcls, 0, n);
    memset(s->tinst, 0, n * sizeof(uint32_t));

    /* stage 3: smear and blur, each blended by its blob weight; truth where the blob score >= 0 */
    for (int k = 0; k < nflt; k++) {
        const sw_inst *I = &sc->inst[flt[k]];
        rect r = rect_clip(inst_rect(I), core);
        if (rect_empty(r)) continue;
        if (I->cls == SW_CLS_BLUR) gauss(s, a, r, I->u.blur.sigma, I->radius);
        else smear(s, a, r, I);
        int rw = (int)(r.x1 - r.x0);
        for (int64_t y = r.y0; y < r.y1; y++)
            for (int64_t x = r.x0; x < r.x1; x++) {
                size_t i = (size_t)(y - y0) * (size_t)w + (size_t)(x - x0);
                if (!s->inside[i]) continue;
                float sc_ = sw_blob_score(&I->blob, I->key, (double)x + 0.5, (double)y + 0.5);
                float wgt = sw_blob_weight(&I->blob, sc_);
                if (wgt <= 0) continue;
                const float *c = s->C + ((size_t)(y - r.y0) * (size_t)rw + (size_t)(x - r.x0)) * 3;
                for (int q = 0; q < 3; q++) s->V[i * 3 + q] += (c[q] - s->V[i * 3 + q]) * wgt;
                if (sc_ >= 0) offer(&s->tcls[i], &s->tinst[i], I);
            }
    }
    /* distortion truth: where its blob score >= 0 at the output pixel */
    for (int k = 0; k < ndis; k++) {
        const sw_inst *I = &sc->inst[dis[k]];
        rect r = rect_clip(inst_rect(I), core);
        for (int64_t y = r.y0; y < r.y1; y++)
            for (int64_t x = r.x0; x < r.x1; x++) {
                size_t i = (size_t)(y - y0) * (size_t)w + (size_t)(x - x0);
                if (s->inside[i] && sw_blob_score(&I->blob, I->key, (double)x + 0.5, (double)y + 0.5) >= 0)
                    offer(&s->tcls[i], &s->tinst[i], I);
            }
    }

    /* stages 4 and 5, pixel by pixel */
    for (int j = 0; j < h; j++) {
        int64_t y = y0 + j;
        double py = (double)y + 0.5;
        uint8_t *orgb = rgb + (size_t)j * stride * 3, *omask = mask + (size_t)j * stride, *otruth = truth + (size_t)j * stride;
        uint32_t *oinst = inst + (size_t)j * stride;
        for (int i = 0; i < w; i++) {
            int64_t x = x0 + i;
            size_t t = (size_t)j * (size_t)w + (size_t)i;
            if (!s->inside[t]) {
                orgb[i * 3] = orgb[i * 3 + 1] = orgb[i * 3 + 2] = 0;
                omask[i] = 0, otruth[i] = SW_CLS_IGNORE, oinst[i] = 0;
                continue;
            }
            double px = (double)x + 0.5;
            float *v = s->V + t * 3;
            uint8_t *cls = &s->tcls[t];
            uint32_t *who = &s->tinst[t];
            for (int k = 0; k < npnt; k++) {
                const sw_inst *I = &sc->inst[pnt[k]];
                if (x < I->x0 || x >= I->x1 || y < I->y0 || y >= I->y1) continue;
                if (I->cls == SW_CLS_SPECTRAL_OVERFLOW) {
                    float scr = sw_blob_score(&I->blob, I->key, px, py), wgt = sw_blob_weight(&I->blob, scr);
                    if (wgt > 0) sw_overflow_apply(I, px, py, wgt, v);
                    if (scr >= 0) offer(cls, who, I);
                } else if (I->cls == SW_CLS_SHADOW) {
                    const sw_inst *C = &sc->inst[I->u.shadow.cloud];
                    float sh = sw_cloud_shape(C, sw_cloud_score(C, px - I->u.shadow.dx, py - I->u.shadow.dy));
                    if (sh > 0) {
                        float d = I->u.shadow.dark * sh;
                        v[0] *= 1.0f - d * 1.04f, v[1] *= 1.0f - d, v[2] *= 1.0f - d * 0.9f;   /* a bluish shade */
                    }
                    if (sh >= 0.5f) offer(cls, who, I);
                } else {
                    float scr = sw_cloud_score(I, px, py), alpha = I->u.cloud.amax * sw_cloud_shape(I, scr);
                    if (alpha > 0) {
                        float col[3];
                        sw_cloud_colour(I, px, py, scr, col);
                        for (int q = 0; q < 3; q++) v[q] += (col[q] - v[q]) * alpha;
                    }
                    if (alpha >= 0.5f) offer(cls, who, I);
                }
            }
            for (int k = 0; k < nbnd; k++) {   /* seamline bands */
                const sw_inst *I = &sc->inst[bnd[k]];
                if (x < I->x0 || x >= I->x1 || y < I->y0 || y >= I->y1) continue;
                if (sw_star_dist(&sc->patches[I->u.patch.star], px, py, sc->seam_band) <= sc->seam_band)
                    offer(cls, who, I);
            }
            int missing = -1;
            for (int k = 0; k < npix; k++) {
                const sw_inst *I = &sc->inst[pix[k]];
                if (x < I->x0 || x >= I->x1 || y < I->y0 || y >= I->y1) continue;
                if (I->cls == SW_CLS_STRIPE_NOISE) {
                    float f;
                    if (sw_stripe_hit(I, px, py, &f)) {
                        for (int q = 0; q < 3; q++) v[q] += I->u.stripe.delta[q] * f;
                        offer(cls, who, I);
                    }
                } else {
                    uint8_t val;
                    if (sw_missing_hit(I, x, y, &val)) {
                        missing = val;
                        offer(cls, who, I);
                    }
                }
            }
            uint8_t *o = orgb + i * 3;
            if (missing >= 0) {
                o[0] = o[1] = o[2] = (uint8_t)missing;
            } else {
                for (int q = 0; q < 3; q++) o[q] = (uint8_t)lrintf(sw_clampf(v[q], 0.0f, 255.0f));
                /* only missing pixels are pure black or pure white */
                if (o[0] == 0 && o[1] == 0 && o[2] == 0) o[1] = 1;
                if (o[0] == 255 && o[1] == 255 && o[2] == 255) o[1] = 254;
            }
            omask[i] = 255, otruth[i] = *cls, oinst[i] = *who;
            counts[*who]++;
        }
    }
}
