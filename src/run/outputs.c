/* The outputs of a run (see outputs.h): vectorize, quicklook, report. No GDAL here: the polygons
 * come from io/mask_vectorize.h, vector files go through io/vector.h, images through
 * io/image_png.h; this file groups polygons, attaches tile ids and counts. */
#include "src/run/outputs.h"

#include "io/crs.h"
#include "io/image_png.h"
#include "io/mask_vectorize.h"
#include "io/raster.h"
#include "io/vector.h"
#include "jobs/defect_classes.h"
#include "src/core/fsutil.h"
#include "src/core/log.h"
#include "src/run/cluster.h"
#include "src/run/quicklook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NFIELDS = 7, MAXW = 3 };

void sw_outputs_spec_init(sw_outputs_spec *s) {
    memset(s, 0, sizeof *s);
    s->formats = SW_OUT_GPKG;
    s->connectivity = 4;
    s->cluster_px = SW_CLUSTER_PX_DEFAULT;
    s->cluster_classes = (1u << SW_CLS_STRIPE_NOISE) | (1u << SW_CLS_PIXEL_MISSING);
    s->quicklook_max = 1024;
    s->threads = 1;
}

/* ---- tile ids of a pixel box: a uniform grid of buckets over the tile rectangles ---- */

typedef struct {
    const sw_tile_rect *t;
    int64_t n, cell, ncols, nrows, x0, y0;
    int64_t *start, *items;   /* CSR: bucket b holds items[start[b] .. start[b+1]) */
    int64_t *stamp, now;      /* per tile: last query that saw it */
    int64_t *found;
    char *text;
    size_t cap_text;
} tile_index;

static void tile_index_free(tile_index *ix) {
    free(ix->start), free(ix->items), free(ix->stamp), free(ix->found), free(ix->text);
    memset(ix, 0, sizeof *ix);
}

static void cell_range(const tile_index *ix, int64_t a0, int64_t a1, int64_t org, int64_t lim, int64_t *c0,
                       int64_t *c1) {
    *c0 = (a0 - org) / ix->cell;
    *c1 = (a1 - 1 - org) / ix->cell;
    if (*c0 < 0) *c0 = 0;
    if (*c1 > lim - 1) *c1 = lim - 1;
}

static sw_status tile_index_build(tile_index *ix, const sw_tile_rect *t, int64_t n) {
    memset(ix, 0, sizeof *ix);
    ix->t = t, ix->n = n;
    if (!t || n <= 0) return SW_OK;
    int64_t x1 = INT64_MIN, y1 = INT64_MIN, cell = 1;
    ix->x0 = ix->y0 = INT64_MAX;
    for (int64_t i = 0; i < n; i++) {
        if (t[i].w <= 0 || t[i].h <= 0) return sw_fail(SW_ERR_RUNTIME, "tile %lld ('%s') is empty (%lldx%lld)",
                                                      (long long)i, t[i].id ? t[i].id : "", (long long)t[i].w,
                                                      (long long)t[i].h);
        ix->x0 = t[i].x < ix->x0 ? t[i].x : ix->x0, ix->y0 = t[i].y < ix->y0 ? t[i].y : ix->y0;
        x1 = t[i].x + t[i].w > x1 ? t[i].x + t[i].w : x1, y1 = t[i].y + t[i].h > y1 ? t[i].y + t[i].h : y1;
        cell = t[i].w > cell ? t[i].w : cell, cell = t[i].h > cell ? t[i].h : cell;
    }
    ix->cell = cell;
    ix->ncols = (x1 - ix->x0 + cell - 1) / cell, ix->nrows = (y1 - ix->y0 + cell - 1) / cell;
    int64_t nb = ix->ncols * ix->nrows, nitems = 0;
    ix->start = sw_calloc((size_t)nb + 1, sizeof *ix->start, "tile index");
    ix->stamp = sw_calloc((size_t)n, sizeof *ix->stamp, "tile index");
    ix->found = sw_malloc((size_t)n * sizeof *ix->found, "tile index");
    if (!ix->start || !ix->stamp || !ix->found) return SW_ERR_RUNTIME;
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t i = 0; i < n; i++) {
            int64_t cx0, cx1, cy0, cy1;
            cell_range(ix, t[i].x, t[i].x + t[i].w, ix->x0, ix->ncols, &cx0, &cx1);
            cell_range(ix, t[i].y, t[i].y + t[i].h, ix->y0, ix->nrows, &cy0, &cy1);
            for (int64_t cy = cy0; cy <= cy1; cy++)
                for (int64_t cx = cx0; cx <= cx1; cx++) {
                    if (pass == 0) ix->start[cy * ix->ncols + cx + 1]++, nitems++;
                    else ix->items[ix->start[cy * ix->ncols + cx]++] = i;
                }
        }
        if (pass == 0) {
            for (int64_t b = 0; b < nb; b++) ix->start[b + 1] += ix->start[b];
            ix->items = sw_malloc((size_t)(nitems ? nitems : 1) * sizeof *ix->items, "tile index");
            if (!ix->items) return SW_ERR_RUNTIME;
        } else {
            for (int64_t b = nb; b > 0; b--) ix->start[b] = ix->start[b - 1];   /* undo the fill's shift */
            ix->start[0] = 0;
        }
    }
    return SW_OK;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The ids of the tiles meeting box, comma-separated, in tile order; "" when none. */
static sw_status tile_ids(tile_index *ix, const sw_pixbox *b, const char **out) {
    *out = "";
    if (ix->n <= 0 || b->x1 <= b->x0 || b->y1 <= b->y0) return SW_OK;
    int64_t cx0, cx1, cy0, cy1, nf = 0;
    cell_range(ix, b->x0, b->x1, ix->x0, ix->ncols, &cx0, &cx1);
    cell_range(ix, b->y0, b->y1, ix->y0, ix->nrows, &cy0, &cy1);
    ix->now++;
    for (int64_t cy = cy0; cy <= cy1; cy++)
        for (int64_t cx = cx0; cx <= cx1; cx++) {
            int64_t bk = cy * ix->ncols + cx;
            for (int64_t k = ix->start[bk]; k < ix->start[bk + 1]; k++) {
                int64_t i = ix->items[k];
                const sw_tile_rect *t = &ix->t[i];
                if (ix->stamp[i] == ix->now) continue;
                ix->stamp[i] = ix->now;
                if (t->x < b->x1 && b->x0 < t->x + t->w && t->y < b->y1 && b->y0 < t->y + t->h) ix->found[nf++] = i;
            }
        }
    qsort(ix->found, (size_t)nf, sizeof *ix->found, cmp_i64);
    size_t len = 1;
    for (int64_t k = 0; k < nf; k++) len += strlen(ix->t[ix->found[k]].id ? ix->t[ix->found[k]].id : "") + 1;
    if (len > ix->cap_text) {
        char *p = realloc(ix->text, len);
        if (!p) return sw_fail(SW_ERR_RUNTIME, "out of memory for tile ids (%zu bytes)", len);
        ix->text = p, ix->cap_text = len;
    }
    char *s = ix->text;
    s[0] = '\0';
    for (int64_t k = 0; k < nf; k++) {
        const char *id = ix->t[ix->found[k]].id ? ix->t[ix->found[k]].id : "";
        size_t l = strlen(id);
        if (k) *s++ = ',';
        memcpy(s, id, l);
        s += l;
        *s = '\0';
    }
    *out = ix->text;
    return SW_OK;
}

/* ---- the vector files ---- */

/* Where each feature is, for the quicklook's marks of small defects. */
typedef struct {
    int cls;
    sw_pixbox box;
} feature_mark;

typedef struct {
    sw_vector_writer *w[MAXW];
    int nw;
    tile_index tiles;
    sw_report *rep;
    const char *const *names;   /* class names by id, or NULL */
    feature_mark *marks;
    size_t nmarks, cap_marks;
} vec_out;

static sw_status pb_grow(void **p, size_t *cap, size_t need, size_t elem);

static const sw_field_def fields[NFIELDS] = {
    {"class", SW_FIELD_INT},  {"class_name", SW_FIELD_STR}, {"area_m2", SW_FIELD_REAL}, {"pixels", SW_FIELD_INT},
    {"mean_conf", SW_FIELD_REAL}, {"tiles", SW_FIELD_STR},  {"parts", SW_FIELD_INT},
};

static sw_status add_feature(vec_out *o, int cls, const sw_polygon *parts, int nparts, int64_t pixels, double area,
                             double conf_sum, const sw_pixbox *box) {
    const char *tiles;
    sw_status st = tile_ids(&o->tiles, box, &tiles);
    if (st) return st;
    sw_field_value v[NFIELDS];
    v[0].i = cls;
    v[1].s = o->names && o->names[cls] ? o->names[cls] : sw_class_name(cls);
    v[2].r = area;
    v[3].i = pixels;
    v[4].r = conf_sum >= 0 && pixels > 0 ? conf_sum / (double)pixels / 255.0 : -1.0;
    v[5].s = tiles;
    v[6].i = nparts;
    for (int i = 0; i < o->nw && !st; i++) st = sw_vector_add(o->w[i], parts, nparts, v);
    if (!st && cls > 0 && cls < SW_NCLASSES) o->rep->classes[cls].features++;
    if (!st && !(st = pb_grow((void **)&o->marks, &o->cap_marks, o->nmarks + 1, sizeof *o->marks)))
        o->marks[o->nmarks++] = (feature_mark){cls, *box};
    return st;
}

static int clustered(const sw_outputs_spec *s, int cls) {
    return s->cluster_px != SW_CLUSTER_OFF && s->cluster_px >= 0 && cls >= 0 && cls < 32 &&
           (s->cluster_classes & (1u << cls));
}

typedef struct {
    int64_t id;
    int cls;
    sw_pixbox box;
    double conf_sum;   /* from the sequential pass */
} member;

static int cmp_member(const void *a, const void *b) {
    const member *x = a, *y = b;
    if (x->cls != y->cls) return x->cls - y->cls;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* A growable copy of several polygons (the parts of one cluster). */
typedef struct {
    double *xy;
    size_t nxy, cap_xy;
    sw_ring *rings;
    size_t nrings, cap_rings;
    sw_polygon *parts;
    size_t nparts, cap_parts;
    size_t *ring_off, *part_ring;   /* offsets, fixed up into pointers before writing */
} part_buf;

static sw_status pb_grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return SW_OK;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return sw_fail(SW_ERR_RUNTIME, "out of memory for a cluster's parts (%zu)", need);
    *p = q, *cap = n;
    return SW_OK;
}

static sw_status pb_add(part_buf *b, const sw_polygon *poly) {
    size_t cr = b->cap_rings, cp = b->cap_parts;
    sw_status st = pb_grow((void **)&b->rings, &b->cap_rings, b->nrings + (size_t)poly->nrings, sizeof *b->rings);
    if (!st) st = pb_grow((void **)&b->ring_off, &cr, b->nrings + (size_t)poly->nrings, sizeof *b->ring_off);
    if (!st) st = pb_grow((void **)&b->parts, &b->cap_parts, b->nparts + 1, sizeof *b->parts);
    if (!st) st = pb_grow((void **)&b->part_ring, &cp, b->nparts + 1, sizeof *b->part_ring);
    if (st) return st;
    b->part_ring[b->nparts] = b->nrings;
    b->parts[b->nparts++].nrings = poly->nrings;
    for (int r = 0; r < poly->nrings; r++) {
        size_t n = 2 * (size_t)poly->rings[r].npts;
        if ((st = pb_grow((void **)&b->xy, &b->cap_xy, b->nxy + n, sizeof *b->xy))) return st;
        memcpy(b->xy + b->nxy, poly->rings[r].xy, n * sizeof *b->xy);
        b->ring_off[b->nrings] = b->nxy;
        b->rings[b->nrings++].npts = poly->rings[r].npts;
        b->nxy += n;
    }
    return SW_OK;
}

static void pb_fix(part_buf *b) {
    for (size_t r = 0; r < b->nrings; r++) b->rings[r].xy = b->xy + b->ring_off[r];
    for (size_t p = 0; p < b->nparts; p++) b->parts[p].rings = b->rings + b->part_ring[p];
}

static void pb_free(part_buf *b) {
    free(b->xy), free(b->rings), free(b->parts), free(b->ring_off), free(b->part_ring);
}

/* Clusters the members of one class (m[0..n)) and writes one feature per cluster. */
static sw_status write_clusters(vec_out *o, sw_mask_vec *v, const sw_outputs_spec *s, const member *m, int64_t n) {
    sw_pixbox *box = sw_malloc(sizeof *box * (size_t)n, "cluster boxes");
    int64_t *group = sw_malloc(sizeof *group * (size_t)n, "cluster groups"), ng = 0;
    int64_t *order = sw_malloc(sizeof *order * (size_t)n, "cluster order");
    int64_t *start = NULL;
    part_buf pb = {0};
    sw_status st = box && group && order ? SW_OK : SW_ERR_RUNTIME;
    for (int64_t i = 0; !st && i < n; i++) box[i] = m[i].box;
    if (!st) st = sw_cluster_boxes(box, n, s->cluster_px, group, &ng);
    if (!st && !(start = sw_calloc((size_t)ng + 1, sizeof *start, "cluster starts"))) st = SW_ERR_RUNTIME;
    if (!st) {   /* counting sort of the members by group, keeping id order inside a group */
        for (int64_t i = 0; i < n; i++) start[group[i] + 1]++;
        for (int64_t g = 0; g < ng; g++) start[g + 1] += start[g];
        for (int64_t i = 0; i < n; i++) order[start[group[i]]++] = i;
        for (int64_t g = ng; g > 0; g--) start[g] = start[g - 1];
        start[0] = 0;
    }
    for (int64_t g = 0; !st && g < ng; g++) {
        pb.nxy = pb.nrings = pb.nparts = 0;
        int64_t pixels = 0;
        double area = 0, conf = 0;
        sw_pixbox u = {INT64_MAX, INT64_MAX, INT64_MIN, INT64_MIN};
        for (int64_t k = start[g]; !st && k < start[g + 1]; k++) {
            sw_mask_poly p;
            const member *mm = &m[order[k]];
            if ((st = sw_mask_vec_get(v, mm->id, &p))) break;
            if ((st = pb_add(&pb, &p.poly))) break;
            pixels += p.pixels, area += p.area_m2, conf = mm->conf_sum < 0 || conf < 0 ? -1 : conf + mm->conf_sum;
            u.x0 = p.x0 < u.x0 ? p.x0 : u.x0, u.y0 = p.y0 < u.y0 ? p.y0 : u.y0;
            u.x1 = p.x1 > u.x1 ? p.x1 : u.x1, u.y1 = p.y1 > u.y1 ? p.y1 : u.y1;
        }
        if (st) break;
        pb_fix(&pb);
        st = add_feature(o, m[0].cls, pb.parts, (int)pb.nparts, pixels, area, conf, &u);
    }
    pb_free(&pb);
    free(box), free(group), free(order), free(start);
    return st;
}

static sw_status vectorize_impl(const sw_outputs_spec *s, sw_report *rep, vec_out *o, sw_mask_vec **vp) {
    char path[4096];
    sw_status st = sw_mkdir_p(s->out_dir);
    if (st) return st;
    sw_mask_vec_spec vs = {.mask_path = s->mask_path, .conf_path = s->conf_path, .connectivity = s->connectivity};
    double t0 = sw_now();
    if ((st = sw_mask_vec_open(vp, &vs))) return st;
    sw_mask_vec *v = *vp;
    const sw_mask_vec_info *in = sw_mask_vec_get_info(v);
    rep->width = in->width, rep->height = in->height, rep->geographic = in->geographic;
    rep->pixel_area_m2 = in->pixel_area_m2;
    rep->connectivity = s->connectivity == 8 ? 8 : 4;
    rep->cluster_px = s->cluster_px;
    rep->cluster_classes = s->cluster_px == SW_CLUSTER_OFF ? 0 : s->cluster_classes;
    rep->crs_name[0] = '\0';
    if (in->wkt) {
        sw_crs_facts cf;
        if (sw_crs_facts_get(in->wkt, s->mask_path, &cf) == SW_OK) {
            snprintf(rep->crs_name, sizeof rep->crs_name, "%s", cf.name);
            sw_crs_facts_free(&cf);
        }
    }
    sw_log(2, "vectorize: %lld polygons from %s: scan %.3f s (%lld runs), polygonize %.3f s (%lld windows, %.1f Mpx)",
           (long long)in->npolys, s->mask_path, in->seconds_scan, (long long)in->nruns, in->seconds_polygonize,
           (long long)in->nwindows, (double)in->window_pixels / 1e6);

    static const struct { unsigned bit; const char *name; } fmts[MAXW] = {
        {SW_OUT_GPKG, "defects.gpkg"}, {SW_OUT_SHP, "defects.shp"}, {SW_OUT_GEOJSON, "defects.geojson"}};
    for (int i = 0; i < MAXW; i++) {
        rep->defects[i][0] = '\0';
        if (i > 0 && !(s->formats & fmts[i].bit)) continue;
        if ((st = sw_path_join(path, sizeof path, s->out_dir, fmts[i].name))) return st;
        if ((st = sw_vector_create(&o->w[o->nw], path, NULL, "defects", in->wkt, fields, NFIELDS))) return st;
        o->nw++;
        snprintf(rep->defects[i], sizeof rep->defects[i], "%s", path);
    }
    if ((st = tile_index_build(&o->tiles, s->tiles, s->ntiles))) return st;

    /* Pass 1: unclustered polygons are written as they come; clustered ones are remembered. */
    member *mem = NULL;
    size_t nmem = 0, cap = 0;
    for (int done = 0; !st;) {
        sw_mask_poly p;
        if ((st = sw_mask_vec_next(v, &p, &done)) || done) break;
        if (p.cls < 1 || p.cls >= SW_NCLASSES) {
            st = sw_fail(SW_ERR_INPUT, "the mask '%s' holds class %d at pixel (%lld, %lld): expected 0..%d or 255",
                         s->mask_path, p.cls, (long long)p.x0, (long long)p.y0, SW_NCLASSES - 1);
            break;
        }
        sw_report_class *k = &rep->classes[p.cls];
        k->polygons++, k->pixels += p.pixels, k->area_m2 += p.area_m2;
        k->conf_sum = p.conf_sum < 0 || k->conf_sum < 0 ? -1 : k->conf_sum + p.conf_sum;
        sw_pixbox box = {p.x0, p.y0, p.x1, p.y1};
        if (!clustered(s, p.cls)) {
            st = add_feature(o, p.cls, &p.poly, 1, p.pixels, p.area_m2, p.conf_sum, &box);
            continue;
        }
        if ((st = pb_grow((void **)&mem, &cap, nmem + 1, sizeof *mem))) break;
        mem[nmem++] = (member){p.id, p.cls, box, p.conf_sum};
    }
    /* Pass 2: each clustered class, cluster by cluster. */
    if (!st && nmem) {
        qsort(mem, nmem, sizeof *mem, cmp_member);
        for (size_t a = 0, b; !st && a < nmem; a = b) {
            for (b = a + 1; b < nmem && mem[b].cls == mem[a].cls; b++) {}
            st = write_clusters(o, v, s, mem + a, (int64_t)(b - a));
        }
    }
    free(mem);
    for (int i = 0; !st && i < o->nw; i++) {
        st = sw_vector_commit(o->w[i]);
        o->w[i] = NULL;
    }
    rep->seconds_vectorize = sw_now() - t0;
    return st;
}

/* Step 1; the features' classes and boxes go to *marks (freed by the caller). */
static sw_status vectorize_marks(const sw_outputs_spec *s, sw_report *rep, feature_mark **marks, size_t *nmarks) {
    *marks = NULL, *nmarks = 0;
    if (!s || !s->mask_path || !s->out_dir) return sw_fail(SW_ERR_USAGE, "outputs: no mask or no output folder");
    if (s->connectivity != 0 && s->connectivity != 4 && s->connectivity != 8)
        return sw_fail(SW_ERR_USAGE, "outputs: connectivity %d, expected 4 or 8", s->connectivity);
    for (int c = 0; c < SW_NCLASSES; c++) memset(&rep->classes[c], 0, sizeof rep->classes[c]);
    vec_out o = {.rep = rep, .names = s->class_names};
    sw_mask_vec *v = NULL;
    sw_status st = vectorize_impl(s, rep, &o, &v);
    for (int i = 0; i < o.nw; i++) sw_vector_abort(o.w[i]);
    tile_index_free(&o.tiles);
    sw_mask_vec_close(v);
    if (st) sw_fail_ctx(st, "writing the defect polygons of '%s'", s->mask_path);
    *marks = o.marks, *nmarks = o.nmarks;
    return st;
}

sw_status sw_outputs_vectorize(const sw_outputs_spec *s, sw_report *rep) {
    feature_mark *marks;
    size_t n;
    sw_status st = vectorize_marks(s, rep, &marks, &n);
    free(marks);
    return st;
}

/* ---- quicklook ---- */

/* Marks the features whose box is under 3 reduced pixels wide or high (a reduced read may miss them). */
static void mark_small(uint8_t *out, int ow, int oh, int W, int H, const feature_mark *m, size_t n) {
    if (ow >= W && oh >= H) return;
    double sx = (double)ow / W, sy = (double)oh / H;
    for (size_t i = 0; i < n; i++) {
        double w = (double)(m[i].box.x1 - m[i].box.x0) * sx, h = (double)(m[i].box.y1 - m[i].box.y0) * sy;
        if (w >= 3 && h >= 3) continue;
        int cx = (int)((double)(m[i].box.x0 + m[i].box.x1) * 0.5 * sx), cy = (int)((double)(m[i].box.y0 + m[i].box.y1) * 0.5 * sy);
        sw_quicklook_mark(out, ow, oh, cx, cy, m[i].cls);
    }
}

/* The quicklook's inputs: the mosaic and the mask reduced to (ow, oh). */
typedef struct {
    sw_ql_mosaic m;
    int own;             /* m was read here (else it is spec->mosaic_reduced's, not freed) */
    uint8_t *cls;
    double seconds;
} ql_reads;

void sw_ql_mosaic_free(sw_ql_mosaic *m) {
    free(m->img), free(m->valid);
    m->img = m->valid = NULL;
}

static void ql_free(ql_reads *q) {
    if (q->own) sw_ql_mosaic_free(&q->m);
    free(q->cls);
    q->cls = NULL;
}

sw_status sw_outputs_reduce_mosaic(const char *mosaic_path, int max_side, sw_ql_mosaic *m) {
    memset(m, 0, sizeof *m);
    double t0 = sw_now();
    sw_raster *r;
    sw_status st = sw_raster_open(&r, mosaic_path);
    if (st) return st;
    m->W = sw_raster_get_info(r)->width, m->H = sw_raster_get_info(r)->height;
    sw_raster_close(r);
    sw_quicklook_size(m->W, m->H, max_side, &m->ow, &m->oh);
    size_t n = (size_t)m->ow * (size_t)m->oh;
    m->img = sw_malloc(3 * n, "quicklook"), m->valid = sw_malloc(n, "quicklook");
    st = m->img && m->valid ? SW_OK : SW_ERR_RUNTIME;
    if (!st) st = sw_image_read_reduced_rgb(mosaic_path, m->ow, m->oh, m->img, m->valid);
    if (st) sw_ql_mosaic_free(m);
    m->seconds = sw_now() - t0;
    return st;
}

/* Reads the reduced mosaic (unless given) and mask. */
static sw_status quicklook_read(const sw_outputs_spec *s, ql_reads *q) {
    memset(q, 0, sizeof *q);
    double t0 = sw_now();
    sw_status st = SW_OK;
    const sw_ql_mosaic *pre = s->mosaic_reduced;
    int ow = 0, oh = 0;
    if (pre && pre->img) sw_quicklook_size(pre->W, pre->H, s->quicklook_max, &ow, &oh);
    int unread = 0;
    if (pre && pre->img && ow == pre->ow && oh == pre->oh) q->m = *pre;
    else if ((st = sw_outputs_reduce_mosaic(s->mosaic_path, s->quicklook_max, &q->m)) && st != SW_ERR_INPUT) return st;
    else q->own = 1, unread = st != SW_OK;
    if (unread) sw_log(1, "quicklook: the mosaic cannot be read (%s): the classes are drawn on black", sw_errmsg());
    sw_raster *r;
    if ((st = sw_raster_open(&r, s->mask_path))) return st;
    int mw = sw_raster_get_info(r)->width, mh = sw_raster_get_info(r)->height;
    sw_raster_close(r);
    /* A mosaic that cannot be decoded everywhere (the run's tiles there failed and the report says
     * so) still gets its quicklook: the mask on black, at the size the mosaic's would have. */
    if (unread) {
        q->m.W = mw, q->m.H = mh;
        sw_quicklook_size(mw, mh, s->quicklook_max, &q->m.ow, &q->m.oh);
        q->m.img = sw_calloc(3 * (size_t)q->m.ow, (size_t)q->m.oh, "quicklook");
        q->m.valid = sw_calloc((size_t)q->m.ow, (size_t)q->m.oh, "quicklook");
        if (!q->m.img || !q->m.valid) return SW_ERR_RUNTIME;
    }
    if (q->m.W != mw || q->m.H != mh)
        return sw_fail(SW_ERR_INPUT, "the mosaic '%s' is %dx%d but the mask '%s' is %dx%d", s->mosaic_path, q->m.W,
                       q->m.H, s->mask_path, mw, mh);
    q->cls = sw_malloc((size_t)q->m.ow * (size_t)q->m.oh, "quicklook");
    st = q->cls ? SW_OK : SW_ERR_RUNTIME;
    if (!st) st = sw_image_read_reduced_u8(s->mask_path, q->m.ow, q->m.oh, q->cls);
    q->seconds = sw_now() - t0 + (q->own ? 0 : q->m.seconds);
    return st;
}

/* Composes the quicklook (legend, the marks of small features) and writes DIR/quicklook.png. */
static sw_status quicklook_finish(const sw_outputs_spec *s, sw_report *rep, const ql_reads *q, const feature_mark *marks,
                                  size_t nmarks) {
    double t0 = sw_now();
    int ow = q->m.ow, oh = q->m.oh, lh = sw_quicklook_legend_height(ow);
    uint8_t *out = sw_malloc(3 * (size_t)ow * (size_t)(oh + lh), "quicklook");
    char path[4096];
    sw_status st = out ? SW_OK : SW_ERR_RUNTIME;
    if (!st) {
        sw_quicklook_compose_named(out, q->m.img, q->m.valid, q->cls, ow, oh, s->class_names);
        mark_small(out, ow, oh, q->m.W, q->m.H, marks, nmarks);
        st = sw_path_join(path, sizeof path, s->out_dir, "quicklook.png");
    }
    if (!st) st = sw_image_write_png(path, ow, oh + lh, out);
    if (!st) snprintf(rep->quicklook, sizeof rep->quicklook, "%s", path);
    free(out);
    rep->seconds_quicklook = q->seconds + (sw_now() - t0);
    return st;
}

static sw_status quicklook_impl(const sw_outputs_spec *s, sw_report *rep, const feature_mark *marks, size_t nmarks) {
    rep->quicklook[0] = '\0';
    if (!s->mosaic_path) return SW_OK;
    ql_reads q;
    sw_status st = quicklook_read(s, &q);
    if (!st) st = quicklook_finish(s, rep, &q, marks, nmarks);
    ql_free(&q);
    return st;
}

sw_status sw_outputs_quicklook(const sw_outputs_spec *s, sw_report *rep) { return quicklook_impl(s, rep, NULL, 0); }

sw_status sw_outputs_write(const sw_outputs_spec *s) {
    sw_report local;
    memset(&local, 0, sizeof local);
    sw_report *rep = s && s->report ? s->report : &local;
    feature_mark *marks = NULL;
    size_t nmarks = 0;
    sw_status st;
    if (s->threads >= 2 && s->mosaic_path) {
        /* The quicklook's reads beside the polygons, on a second thread (each its own GDAL
         * handles); errors are thread-local, so the reads' message is carried over. */
        ql_reads q;
        sw_status sq = SW_OK;
        char why[1024] = "";
        rep->quicklook[0] = '\0';
#pragma omp parallel sections num_threads(2)
        {
#pragma omp section
            st = vectorize_marks(s, rep, &marks, &nmarks);
#pragma omp section
            if ((sq = quicklook_read(s, &q))) snprintf(why, sizeof why, "%s", sw_errmsg());
        }
        if (!st && sq) st = sw_fail(sq, "%s", why);
        if (!st) st = quicklook_finish(s, rep, &q, marks, nmarks);
        ql_free(&q);
    } else {
        st = vectorize_marks(s, rep, &marks, &nmarks);
        if (!st) st = quicklook_impl(s, rep, marks, nmarks);
    }
    free(marks);
    char path[4096];
    if (!st) st = sw_path_join(path, sizeof path, s->out_dir, "report.json");
    if (!st) st = sw_report_write_json(path, rep);
    return st;
}
