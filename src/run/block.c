/* A reducer's unit of work: one output block, blended from the tile results that touch it.
 * Per scale: num_k = sum w * score_k and den = sum w over the tiles (integer weights, invalid
 * pixels weigh 0: exact and order-independent); score_k = num_k / den. Scales are combined by the
 * max per class; a class is present where its score >= 0.5; among present classes the paper's
 * rule (sw_class_wins) picks one; no tile with a valid pixel there: 255 (outside the footprint).
 * Memory: the accumulators of one block, whatever the image size. */
#include "src/run/context.h"

#include "jobs/defect_classes.h"
#include "src/run/blend.h"
#include "src/run/results.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t *num;     /* (nscales, nclasses, n); all 0 between blocks (rows hit are cleared) */
    uint32_t *den;     /* (nscales, n) */
    uint8_t *vbuf;     /* one row of validity */
    uint8_t *hit;      /* (block) rows where some score was added */
    uint16_t *wx, *wy;
    sw_tile_result tr;
} accum;

/* num[i] += v[i] ? wx[i] * wy * q : 0 over a score row, skipping its runs of 0 (almost all of a
 * pixel-defect tile). Returns 1 when anything was added. */
static int add_scores(const sw_row *q, int cx, int rw, const uint8_t *v, const uint16_t *wx, uint32_t wy, uint32_t *num) {
    if (q->raw) {
        const uint8_t *s = q->raw + cx;
        for (int i = 0; i < rw; i++) num[i] += v[i] ? wx[i] * wy * s[i] : 0;
        return 1;
    }
    int x = 0, hit = 0;
    for (int r = 0; r < q->nruns && x < cx + rw; r++) {
        const uint8_t *run = q->runs + 3 * r;
        int len = run[0] | run[1] << 8, val = run[2];
        int a = x > cx ? x : cx, b = x + len < cx + rw ? x + len : cx + rw;
        x += len;
        if (!val || b <= a) continue;
        for (int i = a - cx; i < b - cx; i++) num[i] += v[i] ? wx[i] * wy * (uint32_t)val : 0;
        hit = 1;
    }
    return hit;
}

static sw_status add_tile(const sw_run_ctx *c, const sw_tile *t, int bx0, int by0, int bw, int bh, accum *a) {
    const sw_plan *p = &c->plan;
    int nk = c->job->nclasses;
    size_t n = (size_t)bw * bh;
    int x0 = t->x > bx0 ? t->x : bx0, y0 = t->y > by0 ? t->y : by0;
    int x1 = t->x + t->w < bx0 + bw ? t->x + t->w : bx0 + bw, y1 = t->y + t->h < by0 + bh ? t->y + t->h : by0 + bh;
    if (x1 <= x0 || y1 <= y0) return SW_OK;
    int rw = x1 - x0, rh = y1 - y0, s = t->scale;
    sw_blend_axis(c->cfg->blend, p->width, p->side[s], p->ovl[s], t->x, t->w, a->wx);
    sw_blend_axis(c->cfg->blend, p->height, p->side[s], p->ovl[s], t->y, t->h, a->wy);
    sw_status st = sw_tile_result_load(&a->tr, c->cfg->out, t->id, t->w, t->h, 1 + nk);
    if (st) return st;
    int cx = x0 - t->x;
    const uint16_t *wx = a->wx + cx;
    for (int j = 0; j < rh; j++) {
        int ty = y0 - t->y + j, oy = y0 - by0 + j;
        uint32_t wy = a->wy[ty];
        sw_row row;
        sw_tile_result_row(&a->tr, 0, ty, &row);
        sw_row_expand(&row, cx, rw, a->vbuf);
        const uint8_t *v = a->vbuf;
        uint32_t *d = a->den + (size_t)s * n + (size_t)oy * bw + (x0 - bx0);
        for (int i = 0; i < rw; i++) d[i] += v[i] ? wx[i] * wy : 0;
        for (int k = 0; k < nk; k++) {
            sw_tile_result_row(&a->tr, 1 + k, ty, &row);
            uint32_t *u = a->num + ((size_t)s * nk + k) * n + (size_t)oy * bw + (x0 - bx0);
            if (add_scores(&row, cx, rw, v, wx, wy, u)) a->hit[oy] = 1;
        }
    }
    return SW_OK;
}

/* Class and confidence of pixel i from the accumulators. */
static void resolve_pixel(const sw_run_ctx *c, const accum *a, size_t n, size_t i, uint8_t *cls, uint8_t *conf) {
    int nk = c->job->nclasses, ns = c->plan.nscales;
    int any = 0;
    for (int s = 0; s < ns; s++) any |= a->den[(size_t)s * n + i] != 0;
    if (!any) {
        cls[i] = SW_CLS_IGNORE, conf[i] = 0;
        return;
    }
    int win = -1;
    uint64_t wnum = 0, wden = 1, mnum = 0, mden = 1;   /* winner's score, largest score */
    for (int k = 0; k < nk; k++) {
        uint64_t bn = 0, bd = 1;   /* max over scales of num / den */
        for (int s = 0; s < ns; s++) {
            uint64_t d = a->den[(size_t)s * n + i];
            if (!d) continue;
            uint64_t u = a->num[((size_t)s * nk + k) * n + i];
            if (u * bd > bn * d) bn = u, bd = d;
        }
        if (bn * mden > mnum * bd) mnum = bn, mden = bd;
        if (c->job->argmax) {   /* the highest blended score wins, background included */
            if (win < 0 || bn * wden > wnum * bd) win = k, wnum = bn, wden = bd;
            continue;
        }
        if (2 * bn < 255 * bd) continue;   /* score < 0.5 */
        float sc = (float)bn / (255.0f * (float)bd);
        if (win < 0 || sw_class_wins(c->job->classes[k], sc, c->job->classes[win], (float)wnum / (255.0f * (float)wden)))
            win = k, wnum = bn, wden = bd;
    }
    if (win < 0) {
        cls[i] = SW_CLS_BACKGROUND;
        conf[i] = (uint8_t)(255 - (2 * mnum + mden) / (2 * mden));
    } else {
        cls[i] = c->job->classes[win];
        conf[i] = (uint8_t)((2 * wnum + wden) / (2 * wden));
    }
}

/* Classes and confidence of a (bw, bh) block. A row where no tile added a score (a->hit) has
 * every score 0: resolve_pixel gives background with confidence 255 where a tile is valid, 255
 * (outside) elsewhere; that is done directly here (not for argmax jobs, where a zero score still
 * competes). */
static void resolve(const sw_run_ctx *c, const accum *a, int bw, int bh, uint8_t *cls, uint8_t *conf) {
    size_t n = (size_t)bw * bh;
    int ns = c->plan.nscales;
    for (int y = 0; y < bh; y++) {
        size_t r = (size_t)y * bw;
        if (a->hit[y] || c->job->argmax) {
            for (int x = 0; x < bw; x++) resolve_pixel(c, a, n, r + (size_t)x, cls, conf);
            continue;
        }
        for (int x = 0; x < bw; x++) {
            uint32_t any = 0;
            for (int s = 0; s < ns; s++) any |= a->den[(size_t)s * n + r + (size_t)x];
            cls[r + (size_t)x] = any ? SW_CLS_BACKGROUND : SW_CLS_IGNORE;
            conf[r + (size_t)x] = any ? 255 : 0;
        }
    }
}

struct sw_block_scratch {
    accum a;
    uint8_t *cls;      /* (2, block, block): classes, confidence */
    uint32_t *ids;     /* (cap) tiles touching a block */
    int cap;
    sw_result_buf wbuf; /* the block file's encoding */
};

void sw_block_scratch_free(sw_block_scratch *b) {
    if (!b) return;
    free(b->a.num), free(b->a.den), free(b->a.vbuf), free(b->a.hit), free(b->a.wx), free(b->a.wy);
    sw_tile_result_free(&b->a.tr);
    sw_result_buf_free(&b->wbuf);
    free(b->cls), free(b->ids);
    free(b);
}

sw_status sw_block_scratch_new(sw_block_scratch **out, const sw_run_ctx *c) {
    const sw_plan *p = &c->plan;
    size_t n = (size_t)p->block * p->block;
    int nk = c->job->nclasses, ns = p->nscales, maxside = 1;
    for (int s = 0; s < ns; s++) maxside = p->side[s] > maxside ? p->side[s] : maxside;
    sw_block_scratch *b = sw_calloc(1, sizeof *b, "the reducer's scratch");
    if (!b) return SW_ERR_RUNTIME;
    b->a.num = sw_calloc_big((size_t)ns * nk * n, sizeof *b->a.num, "a block's score sums");
    b->a.den = sw_malloc_big(sizeof *b->a.den * (size_t)ns * n, "a block's weight sums");
    b->a.vbuf = sw_malloc((size_t)maxside, "a validity row");
    b->a.hit = sw_calloc((size_t)p->block, 1, "a block's row flags");
    b->a.wx = sw_malloc(sizeof *b->a.wx * (size_t)maxside, "blend weights");
    b->a.wy = sw_malloc(sizeof *b->a.wy * (size_t)maxside, "blend weights");
    b->cls = sw_malloc_big(2 * n, "a block's classes");
    b->cap = sw_plan_max_tiles_in(p, p->block, p->block);
    b->ids = sw_malloc(sizeof *b->ids * (size_t)b->cap, "a block's tile list");
    if (!b->a.num || !b->a.den || !b->a.vbuf || !b->a.hit || !b->a.wx || !b->a.wy || !b->cls || !b->ids) {
        sw_block_scratch_free(b);
        return SW_ERR_RUNTIME;
    }
    *out = b;
    return SW_OK;
}

sw_status sw_block_reduce(const sw_run_ctx *c, sw_block_scratch *b, int bx, int by, const uint8_t *tile_status) {
    const sw_plan *p = &c->plan;
    int x, y, bw, bh;
    sw_plan_block_rect(p, bx, by, &x, &y, &bw, &bh);
    size_t n = (size_t)bw * bh;
    int nk = c->job->nclasses, ns = p->nscales;
    accum *a = &b->a;
    memset(a->den, 0, sizeof *a->den * (size_t)ns * n);
    uint8_t *cls = b->cls;
    sw_status st = SW_OK;
    /* The tiles touching the block, by id (any order gives the same integer sums). */
    int nids = sw_plan_tiles_in(p, x, y, bw, bh, b->ids, b->cap);
    for (int i = 0; !st && i < nids; i++)
        if (tile_status[b->ids[i]] == SW_TILE_DONE) st = add_tile(c, &p->tiles[b->ids[i]], x, y, bw, bh, a);
    if (!st) {
        resolve(c, a, bw, bh, cls, cls + n);
        /* Region-class post-processing (dilation, hole fill, small-region removal) goes here for
         * jobs that emit classes 1-6; pixel-based classes stay exact. */
        if (c->job->postprocess_block) st = c->job->postprocess_block(NULL, cls, bw, bh);
    }
    /* Back to all-zero score sums for the next block: the rows hit only (all after an error). */
    for (int r = 0; r < bh; r++)
        if (a->hit[r] || st)
            for (int q = 0; q < ns * nk; q++) memset(a->num + (size_t)q * n + (size_t)r * bw, 0, sizeof *a->num * (size_t)bw);
    memset(a->hit, 0, (size_t)p->block);
    if (!st) st = sw_block_write(c->cfg->out, bx, by, bw, bh, cls, &b->wbuf);
    if (st) return sw_fail_ctx(st, "block %d,%d on rank %d", bx, by, c->rank);
    return SW_OK;
}
