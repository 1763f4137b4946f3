/* `swath synth defects`: draws a scene, streams it to GeoTIFFs by block rows (OpenMP over the
 * tiles of a row), then vectorizes the instance-id raster into one multipolygon per instance, so
 * polygons and truth raster agree exactly (see synth.h, docs/synth.md). */
#include "src/synth/synth.h"

#include "io/crs.h"
#include "io/polygonize.h"
#include "io/raster.h"
#include "io/vector.h"
#include "src/core/fsutil.h"
#include "src/core/log.h"
#include "src/synth/render.h"
#include "src/synth/scene.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EARTH_R 6371008.8   /* mean Earth radius (m), for ground sizes in geographic CRSs */
#define DEG (3.14159265358979323846 / 180.0)

void sw_synth_defects_defaults(sw_synth_defects_params *p) {
    memset(p, 0, sizeof *p);
    p->width = p->height = 4096;
    p->seed = 1;
    p->crs = "EPSG:32650";
    p->density = 1.0;
    for (int c = 0; c < SW_NCLASSES; c++) p->counts[c] = -1;
    p->bg_mix = 0.6;
    p->tile = 512;
    p->sun_azimuth = p->sun_elevation = NAN;
    p->seam_band = 8.0;
}

/* ---- background image ---- */

typedef struct {
    uint8_t *pix;   /* (h, w, 3) */
    int w, h;
    double px_m;    /* ground size of its pixels in metres, 0 when unknown */
} background;

static sw_status load_background(const char *path, background *bg) {
    memset(bg, 0, sizeof *bg);
    sw_raster *r;
    sw_status st = sw_raster_open(&r, path);
    if (st) return sw_fail_ctx(st, "--background");
    const sw_raster_info *in = sw_raster_get_info(r);
    if ((int64_t)in->width * in->height > 64LL * 1024 * 1024) {
        st = sw_fail(SW_ERR_INPUT, "--background %s: %d x %d pixels is too large (at most 64 megapixels; it is read "
                     "whole into memory)", path, in->width, in->height);
        sw_raster_close(r);
        return st;
    }
    int bands[SW_RASTER_MAX_BANDS], nb = sw_raster_selected_bands(r, bands);
    size_t n = (size_t)in->width * (size_t)in->height;
    uint8_t *pix = malloc(n * (size_t)nb);
    bg->pix = malloc(n * 3);
    if (!pix || !bg->pix) {
        free(pix);
        free(bg->pix);
        sw_raster_close(r);
        return sw_fail(SW_ERR_RUNTIME, "out of memory reading --background %s", path);
    }
    st = sw_raster_read_u8(r, 0, 0, in->width, in->height, pix, NULL);
    if (!st) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) bg->pix[i * 3 + (size_t)k] = pix[i * (size_t)nb + (size_t)(nb >= 3 ? k : 0)];
        bg->w = in->width, bg->h = in->height;
        if (in->has_gt && in->wkt) {
            sw_crs_facts f;
            if (sw_crs_facts_get(in->wkt, "--background", &f) == SW_OK) {
                if (!f.geographic) bg->px_m = fabs(in->gt[1]) * f.unit_m;
                sw_crs_facts_free(&f);
            }
        }
    }
    free(pix);
    sw_raster_close(r);
    if (st) {
        free(bg->pix);
        bg->pix = NULL;
    }
    return st;
}

/* ---- polygons: one multipolygon per instance ---- */

typedef struct {
    sw_vector_writer *vw;
    const sw_scene *sc;
    const int64_t *counts;   /* pixels per instance id */
    const double *area;      /* m2 per instance id */
    int64_t cur;             /* instance being gathered, 0 when none */
    double *pts;             /* all points of its polygons */
    size_t npts, cap_pts;
    int *ring_n;             /* points per ring */
    int nring, cap_ring;
    int *poly_n;             /* rings per polygon */
    int npoly, cap_poly;
    int64_t features[SW_NCLASSES];
    sw_progress *pg;         /* the instances written */
} gather;

static int grow(void **p, size_t need, size_t *cap, size_t elem) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q, *cap = c;
    return 0;
}

static sw_status flush_instance(gather *g) {
    if (!g->cur || !g->npoly) return SW_OK;
    sw_ring *rings = malloc(sizeof *rings * (size_t)g->nring);
    sw_polygon *polys = malloc(sizeof *polys * (size_t)g->npoly);
    if (!rings || !polys) {
        free(rings);
        free(polys);
        return sw_fail(SW_ERR_RUNTIME, "out of memory writing the polygons of instance %lld", (long long)g->cur);
    }
    size_t off = 0;
    for (int i = 0; i < g->nring; i++) {
        rings[i].xy = g->pts + off;
        rings[i].npts = g->ring_n[i];
        off += 2 * (size_t)g->ring_n[i];
    }
    int r = 0;
    for (int i = 0; i < g->npoly; i++) {
        polys[i].rings = rings + r;
        polys[i].nrings = g->poly_n[i];
        r += g->poly_n[i];
    }
    const sw_inst *I = &g->sc->inst[g->cur - 1];
    sw_field_value v[5];
    v[0].i = I->cls;
    v[1].s = sw_class_name(I->cls);
    v[2].i = I->id;
    v[3].r = g->area[g->cur];
    v[4].i = g->counts[g->cur];
    sw_status st = sw_vector_add(g->vw, polys, g->npoly, v);
    free(rings);
    free(polys);
    g->features[I->cls]++;
    g->npts = 0, g->nring = 0, g->npoly = 0;
    return st;
}

static sw_status on_polygon(void *ctx, int64_t value, const sw_polygon *poly) {
    gather *g = ctx;
    if (value < 1 || value > g->sc->ninst)
        return sw_fail(SW_ERR_RUNTIME, "polygonizing instances: unexpected instance id %lld", (long long)value);
    if (value != g->cur) {
        sw_status st = flush_instance(g);
        if (st) return st;
        if (g->cur) sw_progress_add(g->pg, 1);
        g->cur = value;
    }
    size_t caps[3] = {g->cap_pts, (size_t)g->cap_ring, (size_t)g->cap_poly};
    size_t add = 0;
    for (int i = 0; i < poly->nrings; i++) add += 2 * (size_t)poly->rings[i].npts;
    if (grow((void **)&g->pts, g->npts + add, &caps[0], sizeof(double)) ||
        grow((void **)&g->ring_n, (size_t)(g->nring + poly->nrings), &caps[1], sizeof(int)) ||
        grow((void **)&g->poly_n, (size_t)g->npoly + 1, &caps[2], sizeof(int)))
        return sw_fail(SW_ERR_RUNTIME, "out of memory gathering the polygons of instance %lld", (long long)value);
    g->cap_pts = caps[0], g->cap_ring = (int)caps[1], g->cap_poly = (int)caps[2];
    for (int i = 0; i < poly->nrings; i++) {
        memcpy(g->pts + g->npts, poly->rings[i].xy, sizeof(double) * 2 * (size_t)poly->rings[i].npts);
        g->npts += 2 * (size_t)poly->rings[i].npts;
        g->ring_n[g->nring++] = poly->rings[i].npts;
    }
    g->poly_n[g->npoly++] = poly->nrings;
    return SW_OK;
}

/* GDALPolygonize's fraction done, as rows of the instance raster (p->total). */
static void on_progress(double frac, void *ctx) {
    sw_progress *p = ctx;
    int64_t target = (int64_t)(frac * (double)p->total);
    if (target > p->done) sw_progress_add(p, target - p->done);
}

/* ---- the run ---- */

typedef struct {
    sw_raster_writer *mosaic, *truth, *inst;
    char mosaic_path[4096], truth_path[4096], inst_path[4096], gpkg_path[4096];
} outputs;

static sw_status check_params(const sw_synth_defects_params *p) {
    if (p->width < 16 || p->height < 16 || p->width > 1000000 || p->height > 1000000)
        return sw_fail(SW_ERR_USAGE, "synth defects: --size %lldx%lld: each side must be in 16..1000000",
                       (long long)p->width, (long long)p->height);
    if (p->tile < 64 || p->tile > 4096 || p->tile % 16)
        return sw_fail(SW_ERR_USAGE, "synth defects: --tile %d: must be a multiple of 16 in 64..4096", p->tile);
    if (!(p->density >= 0 && p->density <= 100))
        return sw_fail(SW_ERR_USAGE, "synth defects: --density %g: must be in 0..100", p->density);
    if (!(p->bg_mix >= 0 && p->bg_mix <= 1))
        return sw_fail(SW_ERR_USAGE, "synth defects: --background-mix %g: must be in 0..1", p->bg_mix);
    if (!(p->seam_band >= 0.5 && p->seam_band <= 64))
        return sw_fail(SW_ERR_USAGE, "synth defects: --seam-band %g: must be in 0.5..64 pixels", p->seam_band);
    if (!p->out_dir || !*p->out_dir) return sw_fail(SW_ERR_USAGE, "synth defects: --out is required");
    return SW_OK;
}

static sw_status render_rows(const sw_scene *sc, const sw_synth_defects_params *p, const outputs *o, const double *gt,
                             int geographic, int64_t *counts, double *area, double pixel_area_m2,
                             sw_synth_defects_summary *sum) {
    const int T = p->tile, W = (int)sc->width, H = (int)sc->height, nt = omp_get_max_threads();
    const size_t ni = (size_t)sc->ninst + 1, row_px = (size_t)W * (size_t)T;
    sw_status st = SW_OK;
    uint8_t *rgb = malloc(row_px * 3), *mask = malloc(row_px), *truth = malloc(row_px);
    uint32_t *inst = malloc(row_px * sizeof(uint32_t));
    int64_t *tcounts = calloc(ni * (size_t)nt, sizeof(int64_t));
    sw_render_scratch **scr = calloc((size_t)nt, sizeof *scr);
    if (!rgb || !mask || !truth || !inst || !tcounts || !scr) {
        st = sw_fail(SW_ERR_RUNTIME, "out of memory for a block row of %d x %d pixels", W, T);
        goto done;
    }
    for (int t = 0; t < nt; t++)
        if (!(scr[t] = sw_render_scratch_new(sc, T))) {
            st = SW_ERR_RUNTIME;
            goto done;
        }
    sw_progress pg;
    sw_progress_init(&pg, "synth defects: rendering rows", H);
    const int ntx = (W + T - 1) / T;
    for (int y0 = 0; y0 < H && !st; y0 += T) {
        const int h = H - y0 < T ? H - y0 : T;
        memset(tcounts, 0, ni * (size_t)nt * sizeof(int64_t));
#pragma omp parallel for schedule(dynamic, 1)
        for (int tx = 0; tx < ntx; tx++) {
            int x0 = tx * T, w = W - x0 < T ? W - x0 : T, th = omp_get_thread_num();
            sw_render_tile(sc, scr[th], x0, y0, w, h, rgb + (size_t)x0 * 3, mask + x0, truth + x0, inst + x0, (size_t)W,
                           tcounts + ni * (size_t)th);
        }
        /* counts and areas in a fixed order: the same whatever the number of threads */
        double lat = gt[3] + gt[5] * (y0 + 0.5 * h);
        double row_area = geographic ? EARTH_R * EARTH_R * fabs(gt[1] * DEG) * fabs(gt[5] * DEG) * cos(lat * DEG)
                                     : pixel_area_m2;
        for (size_t i = 1; i < ni; i++) {
            int64_t c = 0;
            for (int t = 0; t < nt; t++) c += tcounts[ni * (size_t)t + i];
            counts[i] += c;
            area[i] += (double)c * row_area;
        }
        for (size_t i = 0; i < (size_t)W * (size_t)h; i++) {
            if (truth[i] == SW_CLS_IGNORE) sum->outside++;
            else {
                sum->pixels[truth[i]]++;
                sum->area_m2[truth[i]] += row_area;
            }
        }
        if ((st = sw_raster_write(o->mosaic, 0, y0, W, h, rgb, mask)) || (st = sw_raster_write(o->truth, 0, y0, W, h, truth, NULL)) ||
            (st = sw_raster_write(o->inst, 0, y0, W, h, inst, NULL)))
            break;
        sw_progress_add(&pg, h);
    }
    if (!st) sw_progress_finish(&pg);
done:
    for (int t = 0; scr && t < nt; t++) sw_render_scratch_free(scr[t]);
    free(scr);
    free(tcounts);
    free(rgb);
    free(mask);
    free(truth);
    free(inst);
    return st;
}

static sw_status write_polygons(const sw_scene *sc, const outputs *o, const char *wkt, const int64_t *counts,
                                const double *area, sw_synth_defects_summary *sum) {
    static const sw_field_def fields[5] = {
        {"class", SW_FIELD_INT}, {"class_name", SW_FIELD_STR}, {"instance", SW_FIELD_INT},
        {"area_m2", SW_FIELD_REAL}, {"pixels", SW_FIELD_INT},
    };
    gather g;
    memset(&g, 0, sizeof g);
    g.sc = sc, g.counts = counts, g.area = area;
    sw_status st = sw_vector_create(&g.vw, o->gpkg_path, NULL, "truth", wkt, fields, 5);
    if (st) return st;
    /* GDALPolygonize's pass over the rows, then the instances handed out one by one: two
     * progress counts of real things (rows, instances with a visible pixel). */
    int64_t visible = 0;
    for (int i = 1; i <= sc->ninst; i++) visible += counts[i] > 0;
    sw_progress rows, pg;
    sw_progress_init(&rows, "synth defects: polygonizing rows", sc->height);
    sw_progress_init(&pg, "synth defects: writing instance polygons", visible);
    g.pg = &pg;
    st = sw_polygonize(o->inst_path, on_polygon, &g, on_progress, &rows);
    if (!st) st = flush_instance(&g);
    if (!st) sw_progress_finish(&pg);
    if (!st) st = sw_vector_commit(g.vw);
    else sw_vector_abort(g.vw);
    for (int c = 0; c < SW_NCLASSES; c++) sum->features[c] = g.features[c];
    free(g.pts);
    free(g.ring_n);
    free(g.poly_n);
    return st;
}

sw_status sw_synth_defects(const sw_synth_defects_params *p, sw_synth_defects_summary *sum) {
    double t0 = sw_now();
    memset(sum, 0, sizeof *sum);
    sw_status st = check_params(p);
    if (st) return st;
    sw_crs_facts crs;
    if ((st = sw_crs_facts_get(p->crs, "synth defects: --crs", &crs))) return st;

    /* the grid: pixel size, origin (upper left), ground metres per pixel */
    double gsd = p->gsd > 0 ? p->gsd : (crs.geographic ? 1e-5 : 1.0 / crs.unit_m);
    if (crs.geographic ? !(gsd >= 1e-8 && gsd <= 0.01) : !(gsd * crs.unit_m >= 0.05 && gsd * crs.unit_m <= 100)) {
        sw_crs_facts_free(&crs);
        return sw_fail(SW_ERR_USAGE, "synth defects: --gsd %g: must be %s", gsd,
                       crs.geographic ? "in 1e-8..0.01 degrees" : "0.05..100 m (0.5..2 m is the realistic range)");
    }
    double ox = p->origin_x, oy = p->origin_y;
    if (!p->has_origin) {   /* centred on Guiyang-like latitudes (seed 003's province) */
        if (crs.geographic) ox = 106.7 - 0.5 * p->width * gsd, oy = 26.6 + 0.5 * p->height * gsd;
        else ox = (500000.0 - 0.5 * p->width * gsd * crs.unit_m) / crs.unit_m,
             oy = (2900000.0 + 0.5 * p->height * gsd * crs.unit_m) / crs.unit_m;
    }
    double gt[6] = {ox, gsd, 0, oy, 0, -gsd};
    double lat_c = oy - 0.5 * p->height * gsd;
    if (crs.geographic && !(fabs(oy) <= 90 && fabs(oy - p->height * gsd) <= 90)) {
        sw_crs_facts_free(&crs);
        return sw_fail(SW_ERR_USAGE, "synth defects: the grid reaches past the poles (origin latitude %g, %lld rows "
                       "of %g degrees)", oy, (long long)p->height, gsd);
    }
    double m_per_px = crs.geographic ? gsd * DEG * EARTH_R * sqrt(cos(lat_c * DEG)) : gsd * crs.unit_m;
    sum->pixel_area_m2 = crs.geographic ? EARTH_R * EARTH_R * gsd * gsd * DEG * DEG * cos(lat_c * DEG)
                                        : gsd * gsd * crs.unit_m * crs.unit_m;

    outputs o;
    memset(&o, 0, sizeof o);
    background bg = {0};
    sw_scene sc;
    memset(&sc, 0, sizeof sc);
    int64_t *counts = NULL;
    double *area = NULL;
    char created[4096] = "";   /* the folder this run made, removed again if it fails before writing */
    if ((st = sw_path_join(o.mosaic_path, sizeof o.mosaic_path, p->out_dir, "mosaic.tif")) ||
        (st = sw_path_join(o.truth_path, sizeof o.truth_path, p->out_dir, "truth.tif")) ||
        (st = sw_path_join(o.gpkg_path, sizeof o.gpkg_path, p->out_dir, "truth.gpkg")) ||
        (st = sw_path_join(o.inst_path, sizeof o.inst_path, p->out_dir, p->keep_instances ? "instances.tif" : ".instances.tif")))
        goto done;
    if (p->background && (st = load_background(p->background, &bg))) goto done;

    sw_scene_params sp;
    memset(&sp, 0, sizeof sp);
    sp.width = p->width, sp.height = p->height, sp.seed = p->seed, sp.m_per_px = m_per_px;
    sp.density = p->density, sp.density_set = p->density_set;
    memcpy(sp.counts, p->counts, sizeof sp.counts);
    sp.sun_azimuth = p->sun_azimuth, sp.sun_elevation = p->sun_elevation, sp.seam_band = (float)p->seam_band;
    if ((st = sw_scene_build(&sc, &sp))) goto done;
    if ((st = sw_mkdir_p_new(p->out_dir, created, sizeof created))) goto done;   /* the inputs are good: now the folder */
    if (bg.pix) {
        sc.land.bg = bg.pix, sc.land.bg_w = bg.w, sc.land.bg_h = bg.h;
        sc.land.bg_scale = p->bg_scale > 0 ? p->bg_scale : (bg.px_m > 0 ? fmin(64.0, fmax(1.0, bg.px_m / m_per_px)) : 4.0);
        sc.land.bg_mix = (float)p->bg_mix;
    }
    sum->sun_azimuth = sc.sun_azimuth, sum->sun_elevation = sc.sun_elevation;
    for (int i = 0; i < sc.ninst; i++) sum->instances[sc.inst[i].cls]++;
    sw_log(1, "synth defects: %lld x %lld px, %s, %.6g %s/px (%.2f m), seed %llu, footprint %.0f %%, %d instances",
           (long long)p->width, (long long)p->height, crs.name, gsd, crs.geographic ? "deg" : "units", m_per_px,
           (unsigned long long)p->seed, 100.0 * sc.footprint_fraction, sc.ninst);

    counts = calloc((size_t)sc.ninst + 1, sizeof *counts);
    area = calloc((size_t)sc.ninst + 1, sizeof *area);
    if (!counts || !area) {
        st = sw_fail(SW_ERR_RUNTIME, "out of memory for %d instances", sc.ninst);
        goto done;
    }
    /* GDAL's cache must hold the tile rows being written: about 10 bytes a pixel over a block row */
    /* and its threads compress tiles while the next row renders */
    sw_raster_configure((int64_t)p->width * p->tile * 10 * 2 + (64 << 20), omp_get_max_threads());
    sw_raster_spec ms = {.width = (int)p->width, .height = (int)p->height, .nbands = 3, .dtype = "Byte",
                         .wkt = crs.wkt, .tile = p->tile, .compress = "DEFLATE", .mask = 1, .rgb = 1};
    memcpy(ms.gt, gt, sizeof gt);
    sw_raster_spec ts = ms;
    ts.nbands = 1, ts.mask = 0, ts.rgb = 0, ts.has_nodata = 1, ts.nodata = SW_CLS_IGNORE;
    const char *class_names[SW_NCLASSES];   /* seed 003's class names, as mask.tif carries them */
    for (int k = 0; k < SW_NCLASSES; k++) class_names[k] = sw_class_name(k);
    ts.class_names = class_names, ts.nclass_names = SW_NCLASSES;
    sw_raster_spec is = ts;
    is.dtype = "UInt32", is.nodata = 0, is.class_names = NULL, is.nclass_names = 0;
    if ((st = sw_raster_create(&o.mosaic, o.mosaic_path, &ms)) || (st = sw_raster_create(&o.truth, o.truth_path, &ts)) ||
        (st = sw_raster_create(&o.inst, o.inst_path, &is)))
        goto done;

    double t1 = sw_now();
    if ((st = render_rows(&sc, p, &o, gt, crs.geographic, counts, area, sum->pixel_area_m2, sum))) goto done;
    st = sw_raster_commit(o.mosaic, NULL);
    o.mosaic = NULL;
    if (!st) st = sw_raster_commit(o.truth, NULL);
    o.truth = NULL;
    if (!st) st = sw_raster_commit(o.inst, NULL);
    o.inst = NULL;
    if (st) goto done;
    double t2 = sw_now();
    sum->seconds_render = t2 - t1;
    sw_raster_configure(0, 1);   /* line-by-line reads of the polygonizer: no decoding threads */
    st = write_polygons(&sc, &o, crs.wkt, counts, area, sum);
    sum->seconds_polygons = sw_now() - t2;

done:
    if (o.mosaic) sw_raster_abort(o.mosaic);
    if (o.truth) sw_raster_abort(o.truth);
    if (o.inst) sw_raster_abort(o.inst);
    if (!p->keep_instances && o.inst_path[0]) unlink(o.inst_path);
    if (st && created[0]) sw_rmdir_empty(created);
    free(counts);
    free(area);
    free(bg.pix);
    sw_scene_free(&sc);
    sw_crs_facts_free(&crs);
    sum->seconds = sw_now() - t0;
    return st;
}
