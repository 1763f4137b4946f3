/* Polygons of a class mask (see mask_vectorize.h).
 *
 * Two steps, so that the cost follows the defects, not the raster:
 * 1. Scan (one pass, strips of whole rows of the mask's block height, read block by block through
 *    io/byte_blocks.h, which inflates GeoTIFF tiles itself where it can): each row is cut into runs
 *    of one class (0 and 255 are skipped 8 bytes at a time), and a run joins the runs of the row
 *    above that it touches with the same class (4-connected: sharing an edge; 8-connected: also a
 *    corner) by union-find (the smaller index stays the root, so a region's root is its first run
 *    in raster order and regions are numbered in the raster order of their first pixel). A region
 *    keeps its class, pixel count, confidence sum (an integer sum; the confidence is read only
 *    for the block columns that hold runs) and bounding box. This replaces GDALPolygonize over the
 *    whole raster through a VRT (a float LUT per pixel, two passes each reading the mask twice)
 *    and burning every polygon back into a strip to sum its confidence.
 * 2. Trace: the regions are grouped into windows (by the WINDOW_CELL cell of the top-left corner
 *    of their bounding box, at most 255 per window; a region over BIG_PIXELS gets a window of its
 *    own); a window's regions are painted into a MEM raster as labels 1..n (0 elsewhere; the band
 *    is its own mask) and GDALPolygonize traces it with the geotransform (X0, 1, 0, Y0, 0, 1), so
 *    vertices are exact pixel-corner integers. A region's polygon depends only on its own pixels
 *    (its edges are where its label changes; neighbours of another label or masked out make the
 *    same edges), so it is the polygon GDALPolygonize gives on the whole raster; the mask's
 *    geotransform is then applied as GDAL applies it (gt[0] + x gt[1] + y gt[2]).
 *    tests/cli/outputs_vectorize.sh checks polygon by polygon (class, the edges between corners of
 *    every ring) against gdal_polygonize.py, with tiny windows too (region edges on window edges).
 *    Why GDALPolygonize and not a tracer of our own: its ring assembly (holes, rings touching at a
 *    vertex under 8-connectivity) is the reference the output must equal, and the cost was never
 *    the tracing but the passes over every pixel of the raster.
 * The polygons stay in memory as int32 vertices (8 bytes a vertex); the runs (20 bytes each) until
 * they are traced.
 *
 * Areas: projected CRS: pixels x pixel area (the planar area of a union of pixels) times the
 * linear unit squared. Geographic CRS: OGR_G_GeodesicArea is GDAL 3.9+ (here 3.6), so the
 * ellipsoidal area is computed here, exactly for the edges a mask's polygons have (along
 * parallels and meridians) with the zone integral
 *   A = | sum over edges of dlon * S(lat) |,  S(lat) = b^2/2 (sin(lat)/(1-e^2 sin^2(lat)) + atanh(e sin(lat))/e),
 * S being the area of the zone between the equator and lat per radian of longitude (the authalic
 * formula). Edges that are not along a parallel (rotated geotransforms) are integrated in steps of
 * 1e-4 rad (midpoint rule). This is the area of the pixels as cells bounded by parallels and
 * meridians, not of geodesic-edged polygons (they differ by the edges' sagitta: < 1e-6 relative
 * for defect-sized polygons). Polygons crossing the antimeridian are not handled. */
#include "io/mask_vectorize.h"
#include "io/byte_blocks.h"
#include "io/gdal_common.h"
#include "src/core/log.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    PATH_CAP = 4096,
    WINDOW_CELL = 128,            /* default grouping cell (pixels) */
    WINDOW_MAX_REGIONS = 255,     /* Byte labels */
    STRIP_BYTES = 1 << 26,        /* at most this many bytes of mask rows per strip */
};
#define BIG_PIXELS ((int64_t)1 << 22)

typedef struct {
    int32_t y, x0, x1;   /* columns x0 .. x1-1 of row y */
    int32_t node;        /* union-find node; after the scan, the region index */
    uint8_t cls;
} run_t;

typedef struct {
    int64_t pixels, conf;     /* pixel count, confidence sum */
    int32_t x0, y0, x1, y1;   /* bounding box, x1 / y1 exclusive */
    int32_t cls, nrings;      /* nrings: 0 until traced */
    int64_t ring0;            /* first ring in the ring table */
} region;

struct sw_mask_vec {
    sw_mask_vec_info info;
    GDALDatasetH mask_ds, conf_ds;
    double a, inv_f;          /* ellipsoid (geographic CRS) */
    int conn, cell;
    char mask_path[PATH_CAP], conf_path[PATH_CAP];
    run_t *runs;
    size_t nruns, cap_runs;
    int32_t *parent;          /* union-find over nodes */
    region *node;             /* per node during the scan; per region (compacted) after */
    size_t nnodes, cap_nodes, cap_parent;
    int64_t nreg;
    int64_t *ring_pt;         /* per ring: first point; ring_n: its point count */
    int32_t *ring_n;
    size_t nrings, cap_ring_pt, cap_ring_n;
    int32_t *pts;             /* (x, y) pixel corners of every ring */
    size_t npts, cap_pts;
    int64_t next_id;
    double *xy, *tmp;         /* the last polygon's points in the CRS; a traced ring's points */
    size_t cap_xy, cap_tmp;
    sw_ring *rings;
    size_t cap_rings;
};

static sw_status gdal_fail(sw_status code, const char *what) {
    return sw_fail(code, "%s: %s", what, sw_gdal_reason());
}

static sw_status grow(void **buf, size_t *cap, size_t need, size_t elem, const char *what) {
    if (need <= *cap) return SW_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *p = realloc(*buf, n * elem);
    if (!p) return sw_fail(SW_ERR_RUNTIME, "out of memory for %s (%zu)", what, need);
    *buf = p;
    *cap = n;
    return SW_OK;
}

/* ---- ellipsoidal area ---- */

static double zone_area(double phi, double b2, double e) {
    double s = sin(phi);
    if (e < 1e-12) return b2 * s;
    return 0.5 * b2 * (s / (1.0 - e * e * s * s) + atanh(e * s) / e);
}

double sw_ring_area_ellipsoidal(const double *xy, int npts, double a, double inv_f) {
    const double d2r = M_PI / 180.0;
    double f = inv_f > 0 ? 1.0 / inv_f : 0.0, b = a * (1.0 - f), e = sqrt(f * (2.0 - f)), b2 = b * b;
    double sum = 0.0;
    for (int i = 0; i < npts; i++) {
        const double *p = xy + 2 * i, *q = xy + 2 * ((i + 1) % npts);
        double dl = (q[0] - p[0]) * d2r;
        if (dl == 0.0) continue;                      /* along a meridian: no area */
        double p1 = p[1] * d2r, p2 = q[1] * d2r;
        if (p1 == p2) {
            sum += dl * zone_area(p1, b2, e);
            continue;
        }
        int n = (int)ceil(fabs(p2 - p1) / 1e-4);
        for (int k = 0; k < n; k++) sum += dl / n * zone_area(p1 + (p2 - p1) * (k + 0.5) / n, b2, e);
    }
    return fabs(sum);
}

static sw_status open_band1(GDALDatasetH *ds, const char *path, const char *role) {
    *ds = GDALOpen(path, GA_ReadOnly);
    if (!*ds) return sw_fail(SW_ERR_INPUT, "cannot open the %s '%s': %s", role, path, sw_gdal_reason());
    if (GDALGetRasterCount(*ds) < 1) return sw_fail(SW_ERR_INPUT, "the %s '%s' has no band", role, path);
    GDALDataType t = GDALGetRasterDataType(GDALGetRasterBand(*ds, 1));
    if (t != GDT_Byte)
        return sw_fail(SW_ERR_INPUT, "the %s '%s', band 1: type %s, expected Byte", role, path, GDALGetDataTypeName(t));
    return SW_OK;
}

static sw_status read_crs(sw_mask_vec *v) {
    sw_mask_vec_info *in = &v->info;
    in->unit_m = 1.0;
    OGRSpatialReferenceH srs = GDALGetSpatialRef(v->mask_ds);
    if (!srs) return SW_OK;
    char *wkt = NULL;
    if (OSRExportToWkt(srs, &wkt) != OGRERR_NONE || !wkt) return gdal_fail(SW_ERR_INPUT, v->mask_path);
    in->wkt = strdup(wkt);
    CPLFree(wkt);
    if (!in->wkt) return sw_fail(SW_ERR_RUNTIME, "out of memory for the CRS of '%s'", v->mask_path);
    in->geographic = OSRIsGeographic(srs) != 0;
    if (in->geographic) {
        OGRErr e1 = OGRERR_NONE, e2 = OGRERR_NONE;
        v->a = OSRGetSemiMajor(srs, &e1);
        v->inv_f = OSRGetInvFlattening(srs, &e2);
        char *unit = NULL;
        double rad = OSRGetAngularUnits(srs, &unit);
        if (e1 != OGRERR_NONE || e2 != OGRERR_NONE || !(v->a > 0))
            return sw_fail(SW_ERR_INPUT, "'%s': geographic CRS without an ellipsoid", v->mask_path);
        if (fabs(rad - M_PI / 180.0) > 1e-12)
            return sw_fail(SW_ERR_INPUT, "'%s': geographic CRS in %s, only degrees are supported", v->mask_path,
                           unit ? unit : "unknown units");
    } else {
        in->unit_m = OSRGetLinearUnits(srs, NULL);
        if (!(in->unit_m > 0)) in->unit_m = 1.0;
    }
    return SW_OK;
}

/* ---- scan: runs and regions ---- */

/* 1 when none of the 8 bytes at p is a class (each is 0 or 255): b + 1 (mod 256) is 0 or 1, per
 * byte without carries (the low 7 bits + 1 never carry out of a byte). */
static inline int quiet8(const uint8_t *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t s = ((w & 0x7F7F7F7F7F7F7F7Full) + 0x0101010101010101ull) ^ (w & 0x8080808080808080ull);
    return (s & 0xFEFEFEFEFEFEFEFEull) == 0;
}

static inline int quiet1(uint8_t b) { return (uint8_t)(b + 1) < 2; }

static int32_t find(int32_t *parent, int32_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Joins the sets of roots a and b (the smaller index stays the root, taking the other's totals);
 * returns the root. */
static int32_t unite(sw_mask_vec *v, int32_t a, int32_t b) {
    if (a == b) return a;
    int32_t r = a < b ? a : b, o = a < b ? b : a;
    region *R = &v->node[r], *O = &v->node[o];
    v->parent[o] = r;
    R->pixels += O->pixels, R->conf += O->conf;
    R->x0 = O->x0 < R->x0 ? O->x0 : R->x0, R->y0 = O->y0 < R->y0 ? O->y0 : R->y0;
    R->x1 = O->x1 > R->x1 ? O->x1 : R->x1, R->y1 = O->y1 > R->y1 ? O->y1 : R->y1;
    return r;
}

/* Appends the runs of one row (m: W bytes). */
static sw_status row_runs(sw_mask_vec *v, const uint8_t *m, int32_t W, int32_t y) {
    int32_t x = 0;
    for (;;) {
        while (x + 8 <= W && quiet8(m + x)) x += 8;
        while (x < W && quiet1(m[x])) x++;
        if (x >= W) return SW_OK;
        uint8_t c = m[x];
        int32_t s = x;
        while (x < W && m[x] == c) x++;
        if (v->nruns >= (size_t)INT32_MAX)
            return sw_fail(SW_ERR_RUNTIME, "'%s': more than %d runs of equal class", v->mask_path, INT32_MAX);
        sw_status st = grow((void **)&v->runs, &v->cap_runs, v->nruns + 1, sizeof *v->runs, "mask runs");
        if (st) return st;
        v->runs[v->nruns++] = (run_t){y, s, x, -1, c};
    }
}

static sw_status new_node(sw_mask_vec *v, const run_t *r, int32_t *out) {
    size_t cp = v->cap_parent;
    sw_status st = grow((void **)&v->node, &v->cap_nodes, v->nnodes + 1, sizeof *v->node, "mask regions");
    if (!st) st = grow((void **)&v->parent, &cp, v->nnodes + 1, sizeof *v->parent, "mask regions");
    if (st) return st;
    v->cap_parent = cp;
    int32_t n = (int32_t)v->nnodes++;
    v->parent[n] = n;
    v->node[n] = (region){0, 0, r->x0, r->y, r->x1, r->y + 1, r->cls, 0, 0};
    *out = n;
    return SW_OK;
}

/* Links the runs [c0, c1) of row y to those of row y - 1, [p0, p1) (both sorted by x0), and adds
 * each run to its set's totals; conf (NULL: none) is the confidence of row y. */
static sw_status link_row(sw_mask_vec *v, size_t c0, size_t c1, size_t p0, size_t p1, const uint8_t *conf) {
    int32_t d = v->conn == 8 ? 1 : 0;
    size_t j = p0;
    for (size_t i = c0; i < c1; i++) {
        run_t *r = &v->runs[i];
        int32_t lo = r->x0 - d, hi = r->x1 + d, node = -1;
        while (j < p1 && v->runs[j].x1 <= lo) j++;
        for (size_t k = j; k < p1 && v->runs[k].x0 < hi; k++) {
            if (v->runs[k].cls != r->cls) continue;
            int32_t a = find(v->parent, v->runs[k].node);
            node = node < 0 ? a : unite(v, node, a);
        }
        if (node < 0) {
            sw_status st = new_node(v, r, &node);
            if (st) return st;
            r = &v->runs[i];
        }
        r->node = node;
        region *R = &v->node[node];
        R->pixels += r->x1 - r->x0;
        R->x0 = r->x0 < R->x0 ? r->x0 : R->x0, R->x1 = r->x1 > R->x1 ? r->x1 : R->x1;
        R->y1 = r->y + 1 > R->y1 ? r->y + 1 : R->y1;
        if (conf) {
            int64_t s = 0;
            for (int32_t x = r->x0; x < r->x1; x++) s += conf[x];
            R->conf += s;
        }
    }
    return SW_OK;
}

static sw_status scan(sw_mask_vec *v) {
    int32_t W = v->info.width, H = v->info.height;
    int bw = 0, bh = 0, cbw = 0, cbh = 0;
    GDALGetBlockSize(GDALGetRasterBand(v->mask_ds, 1), &bw, &bh);
    if (v->conf_ds) GDALGetBlockSize(GDALGetRasterBand(v->conf_ds, 1), &cbw, &cbh);
    /* Block mode when a row of blocks is not too large (and the confidence has the same blocks). */
    int blocks = bw > 0 && bh > 0 && (int64_t)bh * W <= STRIP_BYTES;
    int cblocks = blocks && v->conf_ds && cbw == bw && cbh == bh;
    int64_t sh = blocks ? bh : STRIP_BYTES / W > 0 ? STRIP_BYTES / W : 1;
    if (!blocks && sh > 256) sh = 256;
    if (sh > H) sh = H;
    int32_t nbx = blocks ? (W + bw - 1) / bw : 1;
    sw_byte_blocks *mr = sw_byte_blocks_open(v->mask_ds, v->mask_path, blocks), *cr = NULL;
    uint8_t *buf = sw_malloc((size_t)(sh * W), "mask strip"), *cbuf = NULL, *need = sw_malloc((size_t)nbx, "flags");
    sw_status st = mr && buf && need ? SW_OK : SW_ERR_RUNTIME;
    if (!st && v->conf_ds && (!(cr = sw_byte_blocks_open(v->conf_ds, v->conf_path, cblocks)) ||
                              !(cbuf = sw_malloc((size_t)(sh * W), "confidence strip"))))
        st = SW_ERR_RUNTIME;
    if (!st) v->info.inflated = sw_byte_blocks_inflates(mr) + (cr && sw_byte_blocks_inflates(cr));
    size_t p0 = 0, p1 = 0;   /* the runs of the row above */
    for (int32_t y0 = 0; !st && y0 < H; y0 += (int32_t)sh) {
        int32_t h = H - y0 < sh ? H - y0 : (int32_t)sh;
        if (sw_byte_blocks_read_rows(mr, y0, h, buf, NULL) != CE_None) {
            st = sw_fail(SW_ERR_INPUT, "reading the mask '%s', rows %d..%d: %s", v->mask_path, y0, y0 + h - 1,
                         sw_byte_blocks_reason(mr));
            break;
        }
        size_t first = v->nruns;
        for (int32_t r = 0; !st && r < h; r++) st = row_runs(v, buf + (size_t)r * W, W, y0 + r);
        if (st) break;
        if (cr && v->nruns > first) {   /* the confidence of the block columns with runs */
            memset(need, 0, (size_t)nbx);
            for (size_t i = first; cblocks && i < v->nruns; i++)
                memset(need + v->runs[i].x0 / bw, 1, (size_t)((v->runs[i].x1 - 1) / bw - v->runs[i].x0 / bw + 1));
            if (sw_byte_blocks_read_rows(cr, y0, h, cbuf, need) != CE_None) {
                st = sw_fail(SW_ERR_INPUT, "reading the confidence raster '%s', rows %d..%d: %s", v->conf_path, y0,
                             y0 + h - 1, sw_byte_blocks_reason(cr));
                break;
            }
        }
        for (size_t c0 = first, c1; !st && c0 < v->nruns; c0 = c1) {
            int32_t y = v->runs[c0].y;
            for (c1 = c0 + 1; c1 < v->nruns && v->runs[c1].y == y; c1++) {}
            if (p1 > p0 && v->runs[p0].y != y - 1) p0 = p1 = 0;
            st = link_row(v, c0, c1, p0, p1, cbuf ? cbuf + (size_t)(y - y0) * W : NULL);
            p0 = c0, p1 = c1;
        }
    }
    free(buf), free(cbuf), free(need);
    sw_byte_blocks_close(mr);
    sw_byte_blocks_close(cr);
    if (st) return st;
    /* Regions: the roots in index order (raster order of their first run), compacted in place. A
     * node's parent has a smaller index, so one ascending pass points every node at its root; then
     * a root's parent becomes -1 - its region index. */
    for (size_t n = 0; n < v->nnodes; n++) v->parent[n] = v->parent[v->parent[n]];
    int64_t nreg = 0;
    for (size_t n = 0; n < v->nnodes; n++)
        if (v->parent[n] == (int32_t)n) {
            v->node[nreg] = v->node[n];
            v->parent[n] = (int32_t)(-1 - nreg++);
        }
    for (size_t i = 0; i < v->nruns; i++) {
        int32_t p = v->parent[v->runs[i].node];
        v->runs[i].node = p < 0 ? -1 - p : -1 - v->parent[p];
    }
    v->nreg = v->info.npolys = nreg;
    v->info.nruns = (int64_t)v->nruns;
    return SW_OK;
}

/* ---- trace: GDALPolygonize window by window ---- */

typedef struct {
    int64_t key, reg;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->reg < b->reg ? -1 : a->reg > b->reg;
}

/* Copies the rings of g (traced in a window whose regions are reg[0..n)) to the region its label
 * names, outer ring first. */
static sw_status take_polygon(sw_mask_vec *v, OGRFeatureH f, const int64_t *reg, int n) {
    int k = OGR_F_GetFieldAsInteger(f, 0);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (k < 1 || k > n || !g || wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPolygon)
        return sw_fail(SW_ERR_RUNTIME, "'%s': GDALPolygonize gave label %d of %d or no polygon", v->mask_path, k, n);
    region *R = &v->node[reg[k - 1]];
    if (R->nrings)
        return sw_fail(SW_ERR_RUNTIME, "'%s': GDALPolygonize gave two polygons for the region at pixel (%d, %d)",
                       v->mask_path, R->x0, R->y0);
    int nr = OGR_G_GetGeometryCount(g);
    size_t cn = v->cap_ring_n;
    sw_status st = grow((void **)&v->ring_pt, &v->cap_ring_pt, v->nrings + (size_t)nr, sizeof *v->ring_pt, "rings");
    if (!st) st = grow((void **)&v->ring_n, &cn, v->nrings + (size_t)nr, sizeof *v->ring_n, "rings");
    if (st) return st;
    v->cap_ring_n = cn;
    R->ring0 = (int64_t)v->nrings, R->nrings = nr;
    for (int r = 0; r < nr; r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, r);
        int np = OGR_G_GetPointCount(ring);
        if ((st = grow((void **)&v->tmp, &v->cap_tmp, 2 * (size_t)np, sizeof *v->tmp, "ring points")) ||
            (st = grow((void **)&v->pts, &v->cap_pts, v->npts + 2 * (size_t)np, sizeof *v->pts, "ring points")))
            return st;
        OGR_G_GetPoints(ring, v->tmp, 2 * sizeof(double), v->tmp + 1, 2 * sizeof(double), NULL, 0);
        int32_t *q = v->pts + v->npts, bx0 = INT32_MAX, by0 = INT32_MAX, bx1 = INT32_MIN, by1 = INT32_MIN;
        for (int i = 0; i < 2 * np; i++) {
            double c = v->tmp[i];
            if (c != floor(c) || fabs(c) > INT32_MAX)
                return sw_fail(SW_ERR_RUNTIME, "'%s': GDALPolygonize gave a vertex off the pixel corners (%g)",
                               v->mask_path, c);
            q[i] = (int32_t)c;
        }
        for (int i = 0; i < np; i++) {
            bx0 = q[2 * i] < bx0 ? q[2 * i] : bx0, bx1 = q[2 * i] > bx1 ? q[2 * i] : bx1;
            by0 = q[2 * i + 1] < by0 ? q[2 * i + 1] : by0, by1 = q[2 * i + 1] > by1 ? q[2 * i + 1] : by1;
        }
        size_t at = v->nrings++;
        v->ring_pt[at] = (int64_t)v->npts, v->ring_n[at] = np;
        v->npts += 2 * (size_t)np;
        /* The outer ring spans the region's bounding box; holes lie strictly inside. */
        if (r > 0 && bx0 == R->x0 && by0 == R->y0 && bx1 == R->x1 && by1 == R->y1) {
            int64_t t = v->ring_pt[R->ring0];
            int32_t tn = v->ring_n[R->ring0];
            v->ring_pt[R->ring0] = v->ring_pt[at], v->ring_n[R->ring0] = v->ring_n[at];
            v->ring_pt[at] = t, v->ring_n[at] = tn;
        }
    }
    return SW_OK;
}

/* Paints the regions reg[0..n) as labels 1..n into a window and traces it. */
static sw_status trace_window(sw_mask_vec *v, GDALDriverH mem, GDALDatasetH vds, const int64_t *reg, int n,
                              const int64_t *rstart, const int32_t *rorder, uint8_t **lab, size_t *cap_lab) {
    int32_t x0 = INT32_MAX, y0 = INT32_MAX, x1 = INT32_MIN, y1 = INT32_MIN;
    for (int k = 0; k < n; k++) {
        const region *R = &v->node[reg[k]];
        x0 = R->x0 < x0 ? R->x0 : x0, y0 = R->y0 < y0 ? R->y0 : y0;
        x1 = R->x1 > x1 ? R->x1 : x1, y1 = R->y1 > y1 ? R->y1 : y1;
    }
    int32_t w = x1 - x0, h = y1 - y0;
    size_t npx = (size_t)w * (size_t)h;
    sw_status st = grow((void **)lab, cap_lab, npx, 1, "window labels");
    if (st) return st;
    uint8_t *L = *lab;
    memset(L, 0, npx);
    for (int k = 0; k < n; k++)
        for (int64_t i = rstart[reg[k]]; i < rstart[reg[k] + 1]; i++) {
            const run_t *r = &v->runs[rorder[i]];
            memset(L + (size_t)(r->y - y0) * (size_t)w + (size_t)(r->x0 - x0), k + 1, (size_t)(r->x1 - r->x0));
        }
    v->info.nwindows++;
    v->info.window_pixels += (int64_t)npx;
    GDALDatasetH ds = GDALCreate(mem, "", w, h, 1, GDT_Byte, NULL);
    if (!ds) return sw_fail(SW_ERR_RUNTIME, "cannot make a %dx%d MEM raster: %s", w, h, sw_gdal_reason());
    double gt[6] = {x0, 1, 0, y0, 0, 1};
    GDALSetGeoTransform(ds, gt);
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    OGRLayerH lyr = NULL;
    char **opts = v->conn == 8 ? CSLSetNameValue(NULL, "8CONNECTED", "8") : NULL;
    if (GDALRasterIO(b, GF_Write, 0, 0, w, h, L, w, h, GDT_Byte, 0, 0) != CE_None ||
        !(lyr = GDALDatasetCreateLayer(vds, "w", NULL, wkbPolygon, NULL)))
        st = sw_fail(SW_ERR_RUNTIME, "cannot prepare a window to polygonize: %s", sw_gdal_reason());
    if (!st) {
        OGRFieldDefnH fd = OGR_Fld_Create("label", OFTInteger);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            st = sw_fail(SW_ERR_RUNTIME, "cannot make a polygon layer: %s", sw_gdal_reason());
        OGR_Fld_Destroy(fd);
    }
    if (!st && GDALPolygonize(b, b, lyr, 0, opts, NULL, NULL) != CE_None)
        st = sw_fail(SW_ERR_RUNTIME, "polygonizing '%s', window %d,%d,%d,%d (GDALPolygonize): %s", v->mask_path, x0,
                     y0, w, h, sw_gdal_reason());
    if (!st) {
        OGR_L_ResetReading(lyr);
        for (OGRFeatureH f; !st && (f = OGR_L_GetNextFeature(lyr));) {
            st = take_polygon(v, f, reg, n);
            OGR_F_Destroy(f);
        }
    }
    for (int k = 0; !st && k < n; k++)
        if (!v->node[reg[k]].nrings)
            st = sw_fail(SW_ERR_RUNTIME, "'%s': GDALPolygonize gave no polygon for the region at pixel (%d, %d)",
                         v->mask_path, v->node[reg[k]].x0, v->node[reg[k]].y0);
    CSLDestroy(opts);
    if (lyr) GDALDatasetDeleteLayer(vds, 0);
    GDALClose(ds);
    return st;
}

static sw_status trace(sw_mask_vec *v) {
    int64_t nreg = v->nreg, cell = v->cell;
    if (!nreg) return SW_OK;
    GDALDriverH mem = GDALGetDriverByName("MEM"), vmem = GDALGetDriverByName("Memory");
    if (!mem || !vmem) return sw_fail(SW_ERR_RUNTIME, "GDAL has no MEM / Memory driver (needed to polygonize)");
    /* The runs of each region (CSR, in raster order) and the regions of each window. */
    int64_t *rstart = sw_calloc((size_t)nreg + 1, sizeof *rstart, "region runs");
    int32_t *rorder = sw_malloc((v->nruns ? v->nruns : 1) * sizeof *rorder, "region runs");
    keyed *kr = sw_malloc((size_t)nreg * sizeof *kr, "polygon windows");
    int64_t *reg = sw_malloc((size_t)nreg * sizeof *reg, "polygon windows");
    uint8_t *lab = NULL;
    size_t cap_lab = 0;
    GDALDatasetH vds = NULL;
    sw_status st = rstart && rorder && kr && reg ? SW_OK : SW_ERR_RUNTIME;
    if (!st) {
        for (size_t i = 0; i < v->nruns; i++) rstart[v->runs[i].node + 1]++;
        for (int64_t r = 0; r < nreg; r++) rstart[r + 1] += rstart[r];
        for (size_t i = 0; i < v->nruns; i++) rorder[rstart[v->runs[i].node]++] = (int32_t)i;
        for (int64_t r = nreg; r > 0; r--) rstart[r] = rstart[r - 1];
        rstart[0] = 0;
        int64_t ncx = (v->info.width + cell - 1) / cell, ncells = ncx * ((v->info.height + cell - 1) / cell);
        for (int64_t r = 0; r < nreg; r++) {
            const region *R = &v->node[r];
            int64_t area = (int64_t)(R->x1 - R->x0) * (R->y1 - R->y0);
            kr[r] = (keyed){area > BIG_PIXELS ? ncells + r : (R->y0 / cell) * ncx + R->x0 / cell, r};
        }
        qsort(kr, (size_t)nreg, sizeof *kr, cmp_keyed);
        for (int64_t r = 0; r < nreg; r++) reg[r] = kr[r].reg;
        if (!(vds = GDALCreate(vmem, "", 0, 0, 0, GDT_Unknown, NULL)))
            st = sw_fail(SW_ERR_RUNTIME, "cannot make a Memory vector dataset: %s", sw_gdal_reason());
    }
    for (int64_t a = 0, b; !st && a < nreg; a = b) {
        for (b = a + 1; b < nreg && b - a < WINDOW_MAX_REGIONS && kr[b].key == kr[a].key; b++) {}
        st = trace_window(v, mem, vds, reg + a, (int)(b - a), rstart, rorder, &lab, &cap_lab);
    }
    if (vds) GDALClose(vds);
    free(rstart), free(rorder), free(kr), free(reg), free(lab);
    /* The runs are not needed any more. */
    free(v->runs);
    v->runs = NULL, v->nruns = v->cap_runs = 0;
    return st;
}

/* ---- open ---- */

static sw_status open_impl(sw_mask_vec *v, const sw_mask_vec_spec *spec) {
    if (!spec || !spec->mask_path || !*spec->mask_path) return sw_fail(SW_ERR_USAGE, "no mask file given");
    if (spec->connectivity != 0 && spec->connectivity != 4 && spec->connectivity != 8)
        return sw_fail(SW_ERR_USAGE, "connectivity %d: expected 4 or 8", spec->connectivity);
    if (spec->window_cell < 0) return sw_fail(SW_ERR_USAGE, "window cell %d: expected >= 0", spec->window_cell);
    v->conn = spec->connectivity == 8 ? 8 : 4;
    v->cell = spec->window_cell > 0 ? spec->window_cell : WINDOW_CELL;
    snprintf(v->mask_path, sizeof v->mask_path, "%s", spec->mask_path);
    sw_status st = open_band1(&v->mask_ds, spec->mask_path, "mask");
    if (st) return st;
    sw_mask_vec_info *in = &v->info;
    in->width = GDALGetRasterXSize(v->mask_ds);
    in->height = GDALGetRasterYSize(v->mask_ds);
    if (GDALGetGeoTransform(v->mask_ds, in->gt) != CE_None) {
        double id[6] = {0, 1, 0, 0, 0, 1};
        memcpy(in->gt, id, sizeof id);
    }
    double inv[6];
    if (!GDALInvGeoTransform(in->gt, inv))
        return sw_fail(SW_ERR_INPUT, "'%s': the geotransform cannot be inverted", spec->mask_path);
    if ((st = read_crs(v))) return st;
    double det = fabs(in->gt[1] * in->gt[5] - in->gt[2] * in->gt[4]);
    in->pixel_area_m2 = in->geographic ? 0.0 : det * in->unit_m * in->unit_m;
    if (spec->conf_path && *spec->conf_path) {
        snprintf(v->conf_path, sizeof v->conf_path, "%s", spec->conf_path);
        if ((st = open_band1(&v->conf_ds, spec->conf_path, "confidence raster"))) return st;
        if (GDALGetRasterXSize(v->conf_ds) != in->width || GDALGetRasterYSize(v->conf_ds) != in->height)
            return sw_fail(SW_ERR_INPUT, "the confidence raster '%s' is %dx%d, the mask '%s' %dx%d", spec->conf_path,
                           GDALGetRasterXSize(v->conf_ds), GDALGetRasterYSize(v->conf_ds), spec->mask_path,
                           in->width, in->height);
    }
    double t0 = sw_now();
    if ((st = scan(v))) return st;
    double t1 = sw_now();
    st = trace(v);
    in->seconds_scan = t1 - t0;
    in->seconds_polygonize = sw_now() - t1;
    return st;
}

sw_status sw_mask_vec_open(sw_mask_vec **out, const sw_mask_vec_spec *spec) {
    *out = NULL;
    sw_mask_vec *v = sw_calloc(1, sizeof *v, "mask vectorizer");
    if (!v) return SW_ERR_RUNTIME;
    sw_gdal_init();
    sw_gdal_quiet();
    sw_status st = open_impl(v, spec);
    if (v->conf_ds) GDALClose(v->conf_ds);
    if (v->mask_ds) GDALClose(v->mask_ds);
    v->conf_ds = v->mask_ds = NULL;
    sw_gdal_loud();
    if (st) {
        sw_mask_vec_close(v);
        return st;
    }
    *out = v;
    return SW_OK;
}

const sw_mask_vec_info *sw_mask_vec_get_info(const sw_mask_vec *v) { return &v->info; }

/* ---- handing polygons out ---- */

static sw_status fill(sw_mask_vec *v, int64_t id, sw_mask_poly *p) {
    const region *R = &v->node[id - 1];
    const double *gt = v->info.gt;
    memset(p, 0, sizeof *p);
    p->id = id, p->cls = R->cls, p->pixels = R->pixels;
    p->conf_sum = v->conf_path[0] ? (double)R->conf : -1.0;
    p->x0 = R->x0, p->y0 = R->y0, p->x1 = R->x1, p->y1 = R->y1;
    size_t npts = 0, cr = v->cap_rings;
    for (int r = 0; r < R->nrings; r++) npts += (size_t)v->ring_n[R->ring0 + r];
    sw_status st = grow((void **)&v->xy, &v->cap_xy, 2 * npts, sizeof *v->xy, "polygon points");
    if (!st) st = grow((void **)&v->rings, &cr, (size_t)R->nrings, sizeof *v->rings, "polygon rings");
    if (st) return st;
    v->cap_rings = cr;
    double geo = 0.0;
    size_t off = 0;
    for (int r = 0; r < R->nrings; r++) {
        const int32_t *q = v->pts + v->ring_pt[R->ring0 + r];
        int n = v->ring_n[R->ring0 + r];
        double *xy = v->xy + off;
        for (int i = 0; i < n; i++) {   /* as GDALPolygonize applies a geotransform */
            double px = q[2 * i], py = q[2 * i + 1];
            xy[2 * i] = gt[0] + px * gt[1] + py * gt[2];
            xy[2 * i + 1] = gt[3] + px * gt[4] + py * gt[5];
        }
        v->rings[r] = (sw_ring){xy, n};
        if (v->info.geographic) {
            double ar = sw_ring_area_ellipsoidal(xy, n, v->a, v->inv_f);
            geo += r == 0 ? ar : -ar;
        }
        off += 2 * (size_t)n;
    }
    p->poly.rings = v->rings;
    p->poly.nrings = R->nrings;
    p->area_m2 = v->info.geographic ? geo : (double)R->pixels * v->info.pixel_area_m2;
    return SW_OK;
}

sw_status sw_mask_vec_next(sw_mask_vec *v, sw_mask_poly *p, int *done) {
    *done = v->next_id >= v->nreg;
    if (*done) return SW_OK;
    return fill(v, ++v->next_id, p);
}

sw_status sw_mask_vec_get(sw_mask_vec *v, int64_t id, sw_mask_poly *p) {
    if (id < 1 || id > v->nreg)
        return sw_fail(SW_ERR_RUNTIME, "'%s': no polygon %lld (there are %lld)", v->mask_path, (long long)id,
                       (long long)v->nreg);
    return fill(v, id, p);
}

void sw_mask_vec_close(sw_mask_vec *v) {
    if (!v) return;
    if (v->conf_ds || v->mask_ds) {
        sw_gdal_quiet();
        if (v->conf_ds) GDALClose(v->conf_ds);
        if (v->mask_ds) GDALClose(v->mask_ds);
        sw_gdal_loud();
    }
    free(v->info.wkt);
    free(v->runs), free(v->parent), free(v->node);
    free(v->ring_pt), free(v->ring_n), free(v->pts);
    free(v->xy), free(v->tmp), free(v->rings);
    free(v);
}
