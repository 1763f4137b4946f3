/* The quicklook from the tiles' reads (see ql_tiles.h). */
#include "src/run/ql_tiles.h"

#include "io/raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int largest_scale(const sw_plan *p) {
    int s = 0;
    for (int i = 1; i < p->nscales; i++)
        if (p->side[i] > p->side[s]) s = i;
    return s;
}

/* [*c0, *c1): the cells along one axis (factor k) whose first pixel lies in the core of the tile at
 * origin o; 0 when one of them reaches past the tile's window [o, o + len). */
static int axis_cells(int extent, int side, int ovl, int o, int len, int k, int *c0, int *c1) {
    int lo, hi;
    sw_grid_core(extent, side, ovl, o, &lo, &hi);
    *c0 = (lo + k - 1) / k, *c1 = (hi + k - 1) / k;
    return *c1 <= *c0 || (int64_t)*c1 * k <= (int64_t)o + len;
}

int sw_ql_tiles_geometry(sw_ql_tiles *q, const sw_plan *p, int ow, int oh) {
    memset(q, 0, sizeof *q);
    if (ow < 1 || oh < 1 || p->width % ow || p->height % oh) return 0;
    int kx = p->width / ow, ky = p->height / oh, s = largest_scale(p);
    if (kx == 1 && ky == 1) return 0;   /* GDAL's plain read ignores the mask: not what the tiles hold */
    int side = p->side[s], ovl = p->ovl[s];
    int nx = sw_grid_origins(p->width, side, ovl, NULL, 0), ny = sw_grid_origins(p->height, side, ovl, NULL, 0);
    int *ox = malloc(sizeof(int) * (size_t)(nx + ny));
    if (!ox) return 0;
    int *oy = ox + nx, ok = 1, c0, c1;
    sw_grid_origins(p->width, side, ovl, ox, nx);
    sw_grid_origins(p->height, side, ovl, oy, ny);
    int wx = side < p->width ? side : p->width, wy = side < p->height ? side : p->height;
    for (int i = 0; i < nx && ok; i++) ok = axis_cells(p->width, side, ovl, ox[i], wx, kx, &c0, &c1);
    for (int j = 0; j < ny && ok; j++) ok = axis_cells(p->height, side, ovl, oy[j], wy, ky, &c0, &c1);
    free(ox);
    if (!ok) return 0;
    q->ow = ow, q->oh = oh, q->kx = kx, q->ky = ky, q->scale = s;
    return 1;
}

sw_status sw_ql_tiles_alloc(sw_ql_tiles *q) {
    size_t n = (size_t)q->ow * q->oh;
    if (!(q->img = calloc(5 * n, 1))) return sw_fail(SW_ERR_RUNTIME, "out of memory for the quicklook (%d x %d)", q->ow, q->oh);
    q->valid = q->img + 3 * n, q->filled = q->img + 4 * n;
    return SW_OK;
}

void sw_ql_tiles_free(sw_ql_tiles *q) {
    free(q->img);
    q->img = q->valid = q->filled = NULL;
}

void sw_ql_tiles_cells(const sw_ql_tiles *q, const sw_plan *p, const sw_tile *t, int *cx0, int *cy0, int *cx1, int *cy1) {
    *cx0 = *cx1 = *cy0 = *cy1 = 0;
    if (!q->ow || t->scale != q->scale) return;
    int side = p->side[q->scale], ovl = p->ovl[q->scale];
    if (!axis_cells(p->width, side, ovl, t->x, t->w, q->kx, cx0, cx1) ||
        !axis_cells(p->height, side, ovl, t->y, t->h, q->ky, cy0, cy1))
        *cx0 = *cx1 = *cy0 = *cy1 = 0;   /* not on the checked grid: a corrupt plan; no cells */
}

void sw_ql_tiles_reduce(const sw_ql_tiles *q, const sw_plan *p, const sw_tile *t, const uint8_t *pix, const uint8_t *valid) {
    int cx0, cy0, cx1, cy1, kx = q->kx, ky = q->ky;
    sw_ql_tiles_cells(q, p, t, &cx0, &cy0, &cx1, &cy1);
    for (int cy = cy0; cy < cy1; cy++) {
        int y0 = cy * ky - t->y;
        for (int cx = cx0; cx < cx1; cx++) {
            int x0 = cx * kx - t->x;
            uint32_t sum[3] = {0, 0, 0}, n = 0;
            for (int j = 0; j < ky; j++) {
                const uint8_t *pr = pix + ((size_t)(y0 + j) * t->w + x0) * 3, *vr = valid + (size_t)(y0 + j) * t->w + x0;
                for (int i = 0; i < kx; i++) {
                    uint32_t v = vr[i] != 0;   /* invalid pixels read as 0: adding them adds nothing */
                    sum[0] += pr[3 * i], sum[1] += pr[3 * i + 1], sum[2] += pr[3 * i + 2], n += v;
                }
            }
            size_t o = (size_t)cy * q->ow + cx;
            /* GDAL's average: the double mean stored as float; then the 8-bit stretch of a Byte band
             * (io/image_png.c to_u8 with lo 0, hi 255: round to nearest) */
            for (int b = 0; b < 3; b++) {
                float m = n ? (float)((double)sum[b] / (double)n) : 0.0f;
                double v = m;
                q->img[3 * o + b] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : lround(v));
            }
            q->valid[o] = valid[(size_t)(y0 + ky / 2) * t->w + x0 + kx / 2] != 0;
            q->filled[o] = 1;
        }
    }
}

int64_t sw_ql_tiles_fill(sw_ql_tiles *q, const sw_plan *p, const char *mosaic) {
    if (!q->img) return 0;
    sw_raster *r = NULL;
    uint8_t *pix = NULL, *valid = NULL;
    size_t cap = 0;
    int64_t nread = 0;
    for (int64_t i = 0; i < p->ntiles; i++) {
        const sw_tile *t = &p->tiles[i];
        int cx0, cy0, cx1, cy1, missing = 0;
        sw_ql_tiles_cells(q, p, t, &cx0, &cy0, &cx1, &cy1);
        for (int cy = cy0; cy < cy1 && !missing; cy++)
            for (int cx = cx0; cx < cx1 && !missing; cx++) missing = !q->filled[(size_t)cy * q->ow + cx];
        if (!missing) continue;
        size_t n = (size_t)t->w * t->h;
        if (n > cap) {
            free(pix), free(valid);
            pix = malloc(3 * n), valid = malloc(n), cap = pix && valid ? n : 0;
            if (!cap) break;   /* out of memory: those cells stay empty */
        }
        if (!r && sw_raster_open(&r, mosaic)) break;
        if (sw_raster_read_u8(r, t->x, t->y, t->w, t->h, pix, valid)) continue;
        sw_ql_tiles_reduce(q, p, t, pix, valid);
        nread++;
    }
    sw_raster_close(r);
    free(pix), free(valid);
    return nread;
}
