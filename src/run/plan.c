/* Tile plan (see plan.h). */
#include "src/run/plan.h"

#include "src/core/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL 16        /* validity is summarized per CELL x CELL cell: any valid pixel */

int sw_grid_origins(int extent, int side, int ovl, int *origins, int cap) {
    if (side >= extent) {
        if (origins && cap > 0) origins[0] = 0;
        return 1;
    }
    int step = side - ovl;
    int n = (extent - side + step - 1) / step + 1;
    if (origins)
        for (int i = 0; i < n && i < cap; i++) origins[i] = i < n - 1 ? i * step : extent - side;
    return n;
}

void sw_grid_core(int extent, int side, int ovl, int o, int *lo, int *hi) {
    if (side >= extent) {
        *lo = 0, *hi = extent;
        return;
    }
    int step = side - ovl;
    int n = sw_grid_origins(extent, side, ovl, NULL, 0);
    int i = o == extent - side ? n - 1 : o / step;
    int prev = i > 0 ? (i - 1 < n - 1 ? (i - 1) * step : extent - side) : 0;
    int next = i < n - 1 ? (i + 1 < n - 1 ? (i + 1) * step : extent - side) : 0;
    *lo = i == 0 ? 0 : (prev + side + o) / 2;
    *hi = i == n - 1 ? extent : (o + side + next) / 2;
}

void sw_plan_geometry(sw_plan *p, const sw_run_config *cfg, int width, int height) {
    p->width = width, p->height = height;
    p->nscales = cfg->nscales;
    for (int s = 0; s < cfg->nscales; s++) {
        p->side[s] = cfg->scales[s];
        p->ovl[s] = (int)lround(cfg->overlap * cfg->scales[s]);
    }
    p->block = cfg->block;
    p->nbx = (width + cfg->block - 1) / cfg->block;
    p->nby = (height + cfg->block - 1) / cfg->block;
}

static uint64_t morton(uint32_t x, uint32_t y) {
    uint64_t k = 0;
    for (int b = 0; b < 32; b++) k |= (uint64_t)((x >> b) & 1) << (2 * b) | (uint64_t)((y >> b) & 1) << (2 * b + 1);
    return k;
}

typedef struct {
    sw_tile t;
    uint64_t key, sub;   /* the anchor's Morton key; then scale rank and own Morton key */
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *u = a, *v = b;
    if (u->key != v->key) return u->key < v->key ? -1 : 1;
    if (u->sub != v->sub) return u->sub < v->sub ? -1 : 1;
    return 0;
}

/* Grid position, on the axis of the largest scale (side, ovl), of the tile whose crop core holds
 * coordinate c (the cores partition the axis, sw_grid_core). */
static int anchor_pos(int extent, int side, int ovl, int c) {
    int n = sw_grid_origins(extent, side, ovl, NULL, 0);
    if (n == 1) return 0;
    int i = c / (side - ovl);
    if (i > n - 1) i = n - 1;
    for (int d = -1; d <= 1; d++) {
        int k = i + d, lo, hi;
        if (k < 0 || k > n - 1) continue;
        sw_grid_core(extent, side, ovl, k < n - 1 ? k * (side - ovl) : extent - side, &lo, &hi);
        if (c >= lo && c < hi) return k;
    }
    return i;
}

/* Any valid pixel in cells [cx0, cx1) x [cy0, cy1)? Uses the summed-area table of cell flags. */
static int any_valid(const uint32_t *sat, int ncx, int cx0, int cy0, int cx1, int cy1) {
    int64_t s = (int64_t)sat[(size_t)cy1 * (ncx + 1) + cx1] - sat[(size_t)cy0 * (ncx + 1) + cx1] -
                sat[(size_t)cy1 * (ncx + 1) + cx0] + sat[(size_t)cy0 * (ncx + 1) + cx0];
    return s > 0;
}

/* Cell validity flags, as a summed-area table ((ncy+1) x (ncx+1)). The cells come from
 * sw_raster_valid_cells: the mask IFD's bits on the libtiff path, validity strips through GDAL else. */
static sw_status read_validity(sw_raster *r, int W, int H, uint32_t **sat_out, int *ncx_out, int *ncy_out) {
    int ncx = (W + CELL - 1) / CELL, ncy = (H + CELL - 1) / CELL;
    uint8_t *cell = sw_calloc((size_t)ncx * ncy, 1, "the validity cells of the plan");
    uint32_t *sat = sw_calloc((size_t)(ncx + 1) * (ncy + 1), sizeof *sat, "the validity table");
    sw_status st = (!cell || !sat) ? SW_ERR_RUNTIME : SW_OK;
    if (!st) st = sw_raster_valid_cells(r, CELL, cell);
    if (!st)
        for (int cy = 0; cy < ncy; cy++)
            for (int cx = 0; cx < ncx; cx++)
                sat[(size_t)(cy + 1) * (ncx + 1) + cx + 1] = cell[(size_t)cy * ncx + cx] +
                    sat[(size_t)cy * (ncx + 1) + cx + 1] + sat[(size_t)(cy + 1) * (ncx + 1) + cx] -
                    sat[(size_t)cy * (ncx + 1) + cx];
    free(cell);
    if (st) {
        free(sat);
        return sw_fail_ctx(st, "planning tiles");
    }
    *sat_out = sat, *ncx_out = ncx, *ncy_out = ncy;
    return SW_OK;
}

sw_status sw_plan_build(sw_plan *p, const sw_run_config *cfg, sw_raster *r) {
    const sw_raster_info *in = sw_raster_get_info(r);
    memset(p, 0, sizeof *p);
    sw_plan_geometry(p, cfg, in->width, in->height);
    int W = in->width, H = in->height;
    uint32_t *sat = NULL;
    int ncx = 0, ncy = 0;
    sw_status st = read_validity(r, W, H, &sat, &ncx, &ncy);
    if (st) return st;
    int64_t total = 0;
    for (int s = 0; s < p->nscales; s++) {
        int side = p->side[s];
        total += (int64_t)sw_grid_origins(W, side, p->ovl[s], NULL, 0) * sw_grid_origins(H, side, p->ovl[s], NULL, 0);
    }
    keyed *k = sw_malloc((size_t)total * sizeof *k, "the tile table");
    int *ox = sw_malloc(sizeof(int) * (size_t)(W + 1), "tile origins");
    int *oy = sw_malloc(sizeof(int) * (size_t)(H + 1), "tile origins");
    if (!k || !ox || !oy) {
        free(k), free(ox), free(oy), free(sat);
        return SW_ERR_RUNTIME;
    }
    /* The order tiles are handed out in: grouped by the largest-scale tile whose crop core holds
     * their centre (anchors in Morton order), and inside a group the largest scale first, then
     * Morton. A worker then reads a large window and right after it the small ones inside it,
     * whose source tiles its reader still holds decoded (io/raster_tiff.c), and an output block's
     * tiles all finish close together, so reducers hold few blocks in flight. */
    int order[SW_RUN_MAX_SCALES];
    for (int s = 0; s < p->nscales; s++) order[s] = s;
    for (int a = 0; a < p->nscales; a++)
        for (int b = a + 1; b < p->nscales; b++)
            if (p->side[order[b]] > p->side[order[a]]) {
                int t = order[a];
                order[a] = order[b], order[b] = t;
            }
    int64_t n = 0;
    for (int si = 0; si < p->nscales; si++) {
        int s = order[si];
        int side = p->side[s];
        int nx = sw_grid_origins(W, side, p->ovl[s], ox, W + 1), ny = sw_grid_origins(H, side, p->ovl[s], oy, H + 1);
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                sw_tile t = {0, s, ox[i], oy[j], side < W ? side : W, side < H ? side : H};
                int cx0 = t.x / CELL, cy0 = t.y / CELL;
                int cx1 = (t.x + t.w + CELL - 1) / CELL, cy1 = (t.y + t.h + CELL - 1) / CELL;
                if (!any_valid(sat, ncx, cx0, cy0, cx1, cy1)) {
                    p->nskipped++;
                    continue;
                }
                k[n].t = t;
                int L = order[0];
                k[n].key = morton((uint32_t)anchor_pos(W, p->side[L], p->ovl[L], t.x + t.w / 2),
                                  (uint32_t)anchor_pos(H, p->side[L], p->ovl[L], t.y + t.h / 2));
                k[n].sub = (uint64_t)si << 58 | morton((uint32_t)i, (uint32_t)j);
                n++;
            }
    }
    free(ox), free(oy), free(sat);
    qsort(k, (size_t)n, sizeof *k, cmp_keyed);
    p->tiles = sw_malloc((size_t)(n ? n : 1) * sizeof *p->tiles, "the tile table");
    if (!p->tiles) {
        free(k);
        return SW_ERR_RUNTIME;
    }
    for (int64_t i = 0; i < n; i++) {
        p->tiles[i] = k[i].t;
        p->tiles[i].id = (uint32_t)i;
    }
    p->ntiles = n;
    free(k);
    sw_log(2, "plan: %lld tiles, %lld skipped (no valid pixel), %d x %d blocks of %d", (long long)n,
           (long long)p->nskipped, p->nbx, p->nby, p->block);
    return SW_OK;
}

/* Grid position of origin o on an axis (inverse of sw_grid_origins). */
static int grid_pos(int extent, int side, int ovl, int o) {
    if (side >= extent) return 0;
    int n = sw_grid_origins(extent, side, ovl, NULL, 0);
    return o == extent - side ? n - 1 : o / (side - ovl);
}

sw_status sw_plan_index(sw_plan *p) {
    for (int s = 0; s < p->nscales; s++) {
        free(p->grid[s]);
        p->gnx[s] = sw_grid_origins(p->width, p->side[s], p->ovl[s], NULL, 0);
        p->gny[s] = sw_grid_origins(p->height, p->side[s], p->ovl[s], NULL, 0);
        p->grid[s] = sw_malloc(sizeof(int32_t) * (size_t)p->gnx[s] * p->gny[s], "the tile index");
        if (!p->grid[s]) return SW_ERR_RUNTIME;
        memset(p->grid[s], 0xff, sizeof(int32_t) * (size_t)p->gnx[s] * p->gny[s]);
    }
    for (int64_t i = 0; i < p->ntiles; i++) {
        const sw_tile *t = &p->tiles[i];
        int s = t->scale;
        int gi = grid_pos(p->width, p->side[s], p->ovl[s], t->x), gj = grid_pos(p->height, p->side[s], p->ovl[s], t->y);
        if (s < 0 || s >= p->nscales || gi >= p->gnx[s] || gj >= p->gny[s])
            return sw_fail(SW_ERR_INPUT, "tile %lld (%d,%d) is not on the grid of scale %d", (long long)i, t->x, t->y, s);
        p->grid[s][(size_t)gj * p->gnx[s] + gi] = (int32_t)i;
    }
    return SW_OK;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t u = *(const uint32_t *)a, v = *(const uint32_t *)b;
    return u < v ? -1 : u > v;
}

/* Grid positions [lo, hi] on an axis whose tiles may intersect [a, b). */
static void axis_range(int extent, int side, int ovl, int n, int a, int b, int *lo, int *hi) {
    if (side >= extent) {
        *lo = 0, *hi = 0;
        return;
    }
    int step = side - ovl;
    *lo = (a - side) / step;
    if (*lo < 0) *lo = 0;
    *hi = (b - 1) / step;
    if (*hi > n - 1) *hi = n - 1;
    if (extent - side < b) *hi = n - 1;   /* the shifted last tile */
}

int sw_plan_tiles_in(const sw_plan *p, int x, int y, int w, int h, uint32_t *out, int cap) {
    int k = 0;
    for (int s = 0; s < p->nscales; s++) {
        int i0, i1, j0, j1;
        axis_range(p->width, p->side[s], p->ovl[s], p->gnx[s], x, x + w, &i0, &i1);
        axis_range(p->height, p->side[s], p->ovl[s], p->gny[s], y, y + h, &j0, &j1);
        for (int j = j0; j <= j1; j++)
            for (int i = i0; i <= i1; i++) {
                int32_t id = p->grid[s][(size_t)j * p->gnx[s] + i];
                if (id < 0) continue;
                const sw_tile *t = &p->tiles[id];
                if (t->x >= x + w || t->x + t->w <= x || t->y >= y + h || t->y + t->h <= y) continue;
                if (k < cap) out[k] = (uint32_t)id;
                k++;
            }
    }
    if (k > cap) k = cap;
    qsort(out, (size_t)k, sizeof *out, cmp_u32);
    return k;
}

int sw_plan_max_tiles_in(const sw_plan *p, int w, int h) {
    int n = 0;
    for (int s = 0; s < p->nscales; s++) {
        int step = p->side[s] - p->ovl[s];
        n += (w / step + 3) * (h / step + 3);
    }
    return n;
}

void sw_plan_free(sw_plan *p) {
    for (int s = 0; s < SW_RUN_MAX_SCALES; s++) {
        free(p->grid[s]);
        p->grid[s] = NULL;
    }
    free(p->tiles);
    p->tiles = NULL;
    p->ntiles = 0;
}

void sw_plan_tile_blocks(const sw_plan *p, const sw_tile *t, int *bx0, int *by0, int *bx1, int *by1) {
    *bx0 = t->x / p->block, *by0 = t->y / p->block;
    *bx1 = (t->x + t->w - 1) / p->block, *by1 = (t->y + t->h - 1) / p->block;
}

void sw_plan_block_rect(const sw_plan *p, int bx, int by, int *x, int *y, int *w, int *h) {
    *x = bx * p->block, *y = by * p->block;
    *w = p->width - *x < p->block ? p->width - *x : p->block;
    *h = p->height - *y < p->block ? p->height - *y : p->block;
}

void sw_plan_block_contributors(const sw_plan *p, uint32_t *counts) {
    memset(counts, 0, sizeof *counts * (size_t)p->nbx * p->nby);
    for (int64_t i = 0; i < p->ntiles; i++) {
        int bx0, by0, bx1, by1;
        sw_plan_tile_blocks(p, &p->tiles[i], &bx0, &by0, &bx1, &by1);
        for (int by = by0; by <= by1; by++)
            for (int bx = bx0; bx <= bx1; bx++) counts[(size_t)by * p->nbx + bx]++;
    }
}
