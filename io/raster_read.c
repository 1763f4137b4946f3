/* Raster input through GDAL (see raster.h): open and describe any GDAL raster, choose bands, read
 * windows as 8-bit interleaved pixels with a validity mask. Non-Byte bands are stretched by their
 * 2-98 % percentiles, computed once per handle on a decimated sample. */
#include "io/raster.h"
#include "io/gdal_common.h"
#include "io/raster_tiff.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- the reader ---- */

/* How a window read converts samples: Byte bands are copied; 16-bit integer bands go through a
 * 65536-entry table per band; anything else is read as double and scaled. */
typedef enum { MODE_BYTE, MODE_U16, MODE_I16, MODE_F64 } read_mode;

typedef struct {
    int done;
    double lo, hi;
    uint8_t *lut; /* 65536 entries indexed by the raw 16-bit pattern (Byte, UInt16, Int16 bands) */
} band_stretch;

struct sw_raster {
    GDALDatasetH ds;
    sw_raster_info info;
    int nsel, sel[SW_RASTER_MAX_BANDS];
    read_mode mode;
    GDALRasterBandH mask;  /* read for validity; NULL when none or when nodata is compared here */
    int nodata_cmp;        /* validity from the selected bands' nodata values (GMF_NODATA) */
    GDALDataType *type;    /* per band */
    int *has_nd;           /* per band */
    double *nd;            /* per band */
    band_stretch *st;      /* per band */
    void *work;            /* samples of the inner window in MODE_U16 / I16 / F64 */
    size_t work_cap;
    void *vwork;           /* validity when the caller passes valid = NULL */
    size_t vwork_cap;
    sw_tiff *tiff;         /* libtiff fast path of window reads (raster_tiff.h), NULL: GDAL reads */
};

static void *grow(void **buf, size_t *cap, size_t n, const char *what) {
    if (n <= *cap) return *buf;
    void *p = realloc(*buf, n);
    if (!p) {
        sw_fail(SW_ERR_RUNTIME, "out of memory allocating %zu bytes for %s", n, what);
        return NULL;
    }
    *buf = p;
    *cap = n;
    return p;
}

static int has_ci(const int *ci, int n, int want) {
    for (int b = 0; b < n; b++)
        if (ci[b] == want) return b + 1;
    return 0;
}

/* 1-based band whose description names `word` as a whole word (case-insensitive), 0 when none. */
static int band_named(GDALDatasetH ds, int nbands, const char *word) {
    size_t wl = strlen(word);
    for (int b = 1; b <= nbands; b++) {
        const char *d = GDALGetDescription(GDALGetRasterBand(ds, b));
        for (const char *p = d; p && *p; p++) {
            if (strncasecmp(p, word, wl) != 0) continue;
            int before = p == d || !((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z');
            int after = !((p[wl] | 32) >= 'a' && (p[wl] | 32) <= 'z');
            if (before && after) return b;
        }
    }
    return 0;
}

/* The default R, G, B bands (the rule is in raster.h); returns how many bands a read delivers. */
static int default_rgb(GDALDatasetH ds, int nbands, const int *ci, int rgb[3]) {
    int r = has_ci(ci, nbands, GCI_RedBand), g = has_ci(ci, nbands, GCI_GreenBand), b = has_ci(ci, nbands, GCI_BlueBand);
    if (!(r && g && b)) {
        r = band_named(ds, nbands, "red");
        g = band_named(ds, nbands, "green");
        b = band_named(ds, nbands, "blue");
    }
    if (r && g && b) {
        rgb[0] = r, rgb[1] = g, rgb[2] = b;
        return 3;
    }
    if (nbands >= 4) {
        rgb[0] = 3, rgb[1] = 2, rgb[2] = 1;
        return 3;
    }
    if (nbands == 3) {
        rgb[0] = 1, rgb[1] = 2, rgb[2] = 3;
        return 3;
    }
    rgb[0] = rgb[1] = rgb[2] = 1;
    return 1;
}

static void fill_crs(sw_raster_info *in, GDALDatasetH ds) {
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (!srs) return;
    char *wkt = NULL;
    const char *opts[] = {"FORMAT=WKT2_2019", "MULTILINE=NO", NULL};
    if (OSRExportToWktEx(srs, &wkt, opts) == OGRERR_NONE && wkt && *wkt) in->wkt = strdup(wkt);
    CPLFree(wkt);
    if (!in->wkt) {
        const char *w1 = GDALGetProjectionRef(ds);
        if (w1 && *w1) in->wkt = strdup(w1);
    }
    const char *name = OSRGetName(srs);
    snprintf(in->crs_name, sizeof in->crs_name, "%s", name ? name : "");
}

static sw_mask_kind mask_kind_of(int flags) {
    if (flags & GMF_ALL_VALID) return SW_MASK_NONE;
    if (flags & GMF_ALPHA) return SW_MASK_ALPHA;
    if (flags == GMF_NODATA) return SW_MASK_NODATA;
    return SW_MASK_BAND;
}

static sw_status describe(sw_raster *r, const char *path) {
    GDALDatasetH ds = r->ds;
    sw_raster_info *in = &r->info;
    snprintf(in->path, sizeof in->path, "%s", path);
    snprintf(in->driver, sizeof in->driver, "%s", GDALGetDriverShortName(GDALGetDatasetDriver(ds)));
    in->width = GDALGetRasterXSize(ds);
    in->height = GDALGetRasterYSize(ds);
    in->nbands = GDALGetRasterCount(ds);
    if (in->nbands <= 0) {
        char **sub = GDALGetMetadata(ds, "SUBDATASETS");
        const char *first = CSLFetchNameValue(sub, "SUBDATASET_1_NAME");
        if (first)
            return sw_fail(SW_ERR_INPUT, "%s has no raster bands itself; it holds %d subdatasets, open one of them, "
                           "e.g. %s", path, CSLCount(sub) / 2, first);
        return sw_fail(SW_ERR_INPUT, "%s has no raster bands", path);
    }
    int nb = in->nbands;
    r->type = calloc((size_t)nb, sizeof *r->type);
    r->has_nd = calloc((size_t)nb, sizeof *r->has_nd);
    r->nd = calloc((size_t)nb, sizeof *r->nd);
    r->st = calloc((size_t)nb, sizeof *r->st);
    int *ci = calloc((size_t)nb, sizeof *ci);
    if (!r->type || !r->has_nd || !r->nd || !r->st || !ci) {
        free(ci);
        return sw_fail(SW_ERR_RUNTIME, "out of memory describing %d bands of %s", nb, path);
    }
    for (int b = 0; b < nb; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
        r->type[b] = GDALGetRasterDataType(band);
        r->nd[b] = GDALGetRasterNoDataValue(band, &r->has_nd[b]);
        ci[b] = GDALGetRasterColorInterpretation(band);
        if (ci[b] == GCI_AlphaBand && !in->alpha_band) in->alpha_band = b + 1;
        if (b < 16) snprintf(in->interp[b], sizeof in->interp[b], "%s", GDALGetColorInterpretationName(ci[b]));
    }
    GDALRasterBandH b1 = GDALGetRasterBand(ds, 1);
    snprintf(in->dtype, sizeof in->dtype, "%s", GDALGetDataTypeName(r->type[0]));
    in->bits = GDALGetDataTypeSizeBits(r->type[0]);
    in->has_gt = GDALGetGeoTransform(ds, in->gt) == CE_None;
    if (!in->has_gt) {
        double id[6] = {0, 1, 0, 0, 0, 1};
        memcpy(in->gt, id, sizeof id);
    }
    fill_crs(in, ds);
    in->has_nodata = r->has_nd[0];
    in->nodata = in->has_nodata ? r->nd[0] : 0;
    in->mask_kind = mask_kind_of(GDALGetMaskFlags(b1));
    GDALGetBlockSize(b1, &in->block_w, &in->block_h);
    /* Strips span the whole width; a square block of a multiple of 16 is a tile even when it is as
     * wide as the image. */
    in->tiled = in->block_w != in->width || (in->block_w == in->block_h && in->block_w % 16 == 0 && in->height > 1);
    r->nsel = default_rgb(ds, nb, ci, in->rgb);
    memcpy(r->sel, in->rgb, sizeof in->rgb);
    free(ci);
    return SW_OK;
}

/* Decides how reads of the selected bands convert and where validity comes from. */
static void plan_reads(sw_raster *r) {
    int all_byte = 1, all_u16 = 1, all_i16 = 1;
    for (int i = 0; i < r->nsel; i++) {
        GDALDataType t = r->type[r->sel[i] - 1];
        all_byte &= t == GDT_Byte;
        all_u16 &= t == GDT_Byte || t == GDT_UInt16;
        all_i16 &= t == GDT_Byte || t == GDT_Int16;
    }
    r->mode = all_byte ? MODE_BYTE : all_u16 ? MODE_U16 : all_i16 ? MODE_I16 : MODE_F64;
    GDALRasterBandH band = GDALGetRasterBand(r->ds, r->sel[0]);
    int flags = GDALGetMaskFlags(band);
    r->mask = NULL;
    r->nodata_cmp = 0;
    if (flags & GMF_ALL_VALID) return;
    if (flags == GMF_NODATA) {
        /* Compared here, on the samples already read: no second pass through GDAL's mask band. */
        for (int i = 0; i < r->nsel; i++) r->nodata_cmp |= r->has_nd[r->sel[i] - 1];
        return;
    }
    r->mask = GDALGetMaskBand(band);
}

sw_status sw_raster_open(sw_raster **out, const char *path) {
    *out = NULL;
    if (!path || !*path) return sw_fail(SW_ERR_INPUT, "empty raster file name");
    sw_gdal_init();
    struct stat sb;
    int plain = strncmp(path, "/vsi", 4) != 0 && !strchr(path, ':');
    if (plain && stat(path, &sb) != 0)
        return sw_fail(SW_ERR_INPUT, "cannot open raster %s: %s", path, strerror(errno));
    if (plain && S_ISDIR(sb.st_mode)) return sw_fail(SW_ERR_INPUT, "cannot open raster %s: it is a folder", path);
    sw_raster *r = calloc(1, sizeof *r);
    if (!r) return sw_fail(SW_ERR_RUNTIME, "out of memory opening %s", path);
    sw_gdal_quiet();
    r->ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, NULL, NULL, NULL);
    sw_status st = SW_OK;
    if (!r->ds) st = sw_fail(SW_ERR_INPUT, "cannot open %s as a raster: %s", path, sw_gdal_reason());
    else st = describe(r, path);
    sw_gdal_loud();
    if (st) {
        sw_raster_close(r);
        return st;
    }
    plan_reads(r);
    sw_gdal_quiet();
    r->tiff = sw_tiff_open(r->ds, path);
    sw_gdal_loud();
    *out = r;
    return SW_OK;
}

void sw_raster_close(sw_raster *r) {
    if (!r) return;
    sw_tiff_close(r->tiff);
    if (r->ds) {
        sw_gdal_quiet();
        GDALClose(r->ds);
        sw_gdal_loud();
    }
    if (r->st)
        for (int b = 0; b < r->info.nbands; b++) free(r->st[b].lut);
    free(r->st);
    free(r->type);
    free(r->has_nd);
    free(r->nd);
    free(r->info.wkt);
    free(r->work);
    free(r->vwork);
    free(r);
}

const sw_raster_info *sw_raster_get_info(const sw_raster *r) { return &r->info; }

int sw_raster_category_name(const sw_raster *r, int value, char *buf, size_t cap) {
    char **names = GDALGetRasterCategoryNames(GDALGetRasterBand(r->ds, 1));
    for (int i = 0; names && names[i]; i++)
        if (i == value) {
            if (!names[i][0]) return 0;
            snprintf(buf, cap, "%s", names[i]);
            return 1;
        }
    return 0;
}

int sw_raster_reduced_rgb_tiled(const sw_raster *r, int ow, int oh) {
    int w = r->info.width, h = r->info.height;
    /* the conditions of io/image_png.c read_rgb_impl's libtiff path */
    return r->tiff && r->nsel >= 3 && r->sel[0] == 1 && r->sel[1] == 2 && r->sel[2] == 3 && ow >= 1 && oh >= 1 &&
           w % ow == 0 && h % oh == 0 && !(w == ow && h == oh) && GDALGetOverviewCount(GDALGetRasterBand(r->ds, 1)) == 0 &&
           sw_tiff_reduce_supported(r->tiff, w / ow, h / oh);
}

int sw_raster_share_tiles(sw_raster *r, sw_raster *with) {
    return r && with && r->tiff && with->tiff && sw_tiff_share(r->tiff, with->tiff);
}

int sw_raster_fast_path(const sw_raster *r) { return r->tiff != NULL; }

int64_t sw_raster_tiles_decoded(const sw_raster *r) { return r->tiff ? sw_tiff_decoded(r->tiff) : 0; }

sw_status sw_raster_select_bands(sw_raster *r, const int *bands, int nbands) {
    if (nbands < 1 || nbands > SW_RASTER_MAX_BANDS)
        return sw_fail(SW_ERR_INPUT, "%d bands chosen for %s: a read delivers 1 to %d bands", nbands, r->info.path,
                       SW_RASTER_MAX_BANDS);
    for (int i = 0; i < nbands; i++)
        if (bands[i] < 1 || bands[i] > r->info.nbands)
            return sw_fail(SW_ERR_INPUT, "band %d does not exist in %s (%d band%s)", bands[i], r->info.path,
                           r->info.nbands, r->info.nbands == 1 ? "" : "s");
    memcpy(r->sel, bands, (size_t)nbands * sizeof *bands);
    r->nsel = nbands;
    plan_reads(r);
    return SW_OK;
}

int sw_raster_selected_bands(const sw_raster *r, int *bands) {
    memcpy(bands, r->sel, (size_t)r->nsel * sizeof *bands);
    return r->nsel;
}

/* ---- the stretch: per-band 2-98 % percentiles of a decimated sample, computed once ---- */

#define SAMPLE_SIDE 1024  /* a whole-image sample is at most SAMPLE_SIDE x SAMPLE_SIDE ... */
#define SAMPLE_GRID 8     /* ... else SAMPLE_GRID^2 blocks spread over the image, */
#define SAMPLE_BLOCK 128  /* each decimated to at most SAMPLE_BLOCK^2 samples */

typedef struct {
    int x, y, w, h, bw, bh;
} region;

/* Where the stretch samples come from. A decimated read of the whole image decodes every block a
 * sampled row and column cross (GDAL answers it from overviews when the file has them); on a large
 * tiled file without overviews that is nearly the whole file, so there SAMPLE_GRID^2 whole blocks
 * spread evenly are sampled instead, each decoded once. Deterministic: it never depends on windows. */
static int sample_plan(const sw_raster *r, GDALRasterBandH band, region *reg) {
    int W = r->info.width, H = r->info.height, bw, bh;
    GDALGetBlockSize(band, &bw, &bh);
    if (bw < 1) bw = 1;
    if (bh < 1) bh = 1;
    int sw = W < SAMPLE_SIDE ? W : SAMPLE_SIDE, sh = H < SAMPLE_SIDE ? H : SAMPLE_SIDE;
    int64_t nbx = ((int64_t)W + bw - 1) / bw, nby = ((int64_t)H + bh - 1) / bh;
    int64_t touched = (nbx < sw ? nbx : sw) * (nby < sh ? nby : sh);
    if (GDALGetOverviewCount(band) > 0 || touched <= SAMPLE_GRID * SAMPLE_GRID || bw >= W) {
        reg[0] = (region){0, 0, W, H, sw, sh};
        return 1;
    }
    int gx = nbx < SAMPLE_GRID ? (int)nbx : SAMPLE_GRID, gy = nby < SAMPLE_GRID ? (int)nby : SAMPLE_GRID, n = 0;
    for (int j = 0; j < gy; j++)
        for (int i = 0; i < gx; i++) {
            int64_t bx = (2 * i + 1) * nbx / (2 * gx), by = (2 * j + 1) * nby / (2 * gy);
            region g = {(int)(bx * bw), (int)(by * bh), bw, bh, 0, 0};
            if (g.x + g.w > W) g.w = W - g.x;
            if (g.y + g.h > H) g.h = H - g.y;
            g.bw = g.w < SAMPLE_BLOCK ? g.w : SAMPLE_BLOCK;
            g.bh = g.h < SAMPLE_BLOCK ? g.h : SAMPLE_BLOCK;
            reg[n++] = g;
        }
    return n;
}

/* The valid samples of bands[0..nb) (1-based), excluding nodata, masked and NaN samples: vals[i]
 * holds nvals[i] of them. One dataset read per region serves every band, so pixel-interleaved
 * files are decoded once, not once per band. Samples are floats: exact for 16-bit integers. */
static sw_status sample_bands(sw_raster *r, const int *bands, int nb, float **vals, size_t *nvals) {
    region reg[SAMPLE_GRID * SAMPLE_GRID];
    int nreg = sample_plan(r, GDALGetRasterBand(r->ds, bands[0]), reg);
    size_t cap = 0, rmax = 0;
    for (int i = 0; i < nreg; i++) {
        size_t k = (size_t)reg[i].bw * (size_t)reg[i].bh;
        cap += k;
        rmax = k > rmax ? k : rmax;
    }
    float *buf = malloc(rmax * (size_t)nb * sizeof *buf);
    uint8_t *m = malloc(rmax), *mds = malloc(rmax);
    int ok = buf && m && mds;
    for (int i = 0; i < nb; i++) ok = ok && (vals[i] = malloc(cap * sizeof **vals)) != NULL;
    if (!ok) {
        free(buf), free(m), free(mds);
        for (int i = 0; i < nb; i++) free(vals[i]), vals[i] = NULL;
        return sw_fail(SW_ERR_RUNTIME, "out of memory sampling %d band(s) of %s", nb, r->info.path);
    }
    for (int i = 0; i < nb; i++) nvals[i] = 0;
    sw_status st = SW_OK;
    sw_gdal_quiet();
    for (int g = 0; g < nreg && !st; g++) {
        const region *q = &reg[g];
        size_t k = (size_t)q->bw * (size_t)q->bh;
        int mds_read = 0;
        if (GDALDatasetRasterIOEx(r->ds, GF_Read, q->x, q->y, q->w, q->h, buf, q->bw, q->bh, GDT_Float32, nb,
                                  (int *)bands, 0, 0, (GSpacing)(k * sizeof *buf), NULL) != CE_None) {
            st = sw_fail(SW_ERR_INPUT, "reading window %d,%d,%d,%d of %s for the stretch: %s", q->x, q->y, q->w, q->h,
                         r->info.path, sw_gdal_reason());
            break;
        }
        for (int i = 0; i < nb && !st; i++) {
            GDALRasterBandH band = GDALGetRasterBand(r->ds, bands[i]);
            int flags = GDALGetMaskFlags(band), use_nd = flags == GMF_NODATA && r->has_nd[bands[i] - 1];
            const uint8_t *mk = NULL;
            if (!(flags & GMF_ALL_VALID) && flags != GMF_NODATA) {
                /* a per-dataset mask is read once for all bands */
                uint8_t *into = flags & GMF_PER_DATASET ? mds : m;
                if (!(flags & GMF_PER_DATASET) || !mds_read) {
                    if (GDALRasterIO(GDALGetMaskBand(band), GF_Read, q->x, q->y, q->w, q->h, into, q->bw, q->bh,
                                     GDT_Byte, 0, 0) != CE_None) {
                        st = sw_fail(SW_ERR_INPUT, "reading the mask of band %d of %s for the stretch: %s", bands[i],
                                     r->info.path, sw_gdal_reason());
                        break;
                    }
                    mds_read |= (flags & GMF_PER_DATASET) != 0;
                }
                mk = into;
            }
            float nd = (float)r->nd[bands[i] - 1], *src = buf + (size_t)i * k, *dst = vals[i] + nvals[i];
            size_t kept = 0;
            for (size_t j = 0; j < k; j++) {
                float s = src[j];
                if (isnan(s) || (mk && !mk[j]) || (use_nd && s == nd)) continue;
                dst[kept++] = s;
            }
            nvals[i] += kept;
        }
    }
    sw_gdal_loud();
    free(buf), free(m), free(mds);
    if (st)
        for (int i = 0; i < nb; i++) free(vals[i]), vals[i] = NULL;
    return st;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* lo / hi: the samples of rank floor(0.02 (n-1)) and ceil(0.98 (n-1)) in sorted order; exact
 * through a histogram for 16-bit integer bands. */
static void percentiles(float *v, size_t n, GDALDataType t, double *lo, double *hi) {
    size_t rlo = (size_t)floor(0.02 * (double)(n - 1)), rhi = (size_t)ceil(0.98 * (double)(n - 1));
    if (t == GDT_UInt16 || t == GDT_Int16) {
        int off = t == GDT_Int16 ? 32768 : 0;
        uint32_t *hist = calloc(65536, sizeof *hist);
        if (hist) {
            for (size_t i = 0; i < n; i++) hist[(int)v[i] + off]++;
            size_t cum = 0;
            int got_lo = 0;
            for (int k = 0; k < 65536; k++) {
                cum += hist[k];
                if (!got_lo && cum > rlo) *lo = k - off, got_lo = 1;
                if (cum > rhi) {
                    *hi = k - off;
                    break;
                }
            }
            free(hist);
            return;
        }
    }
    qsort(v, n, sizeof *v, cmp_float);
    *lo = v[rlo];
    *hi = v[rhi];
}

static inline uint8_t stretch1(double v, double lo, double k) {
    double t = (v - lo) * k;
    if (!(t > 0)) return 0; /* also NaN */
    if (t >= 255) return 255;
    return (uint8_t)(t + 0.5);
}

/* Sets lo / hi (and the 16-bit table) of band b from nvals samples. */
static sw_status stretch_set(sw_raster *r, int b, float *v, size_t n) {
    band_stretch *s = &r->st[b - 1];
    GDALDataType t = r->type[b - 1];
    if (t == GDT_Byte) {
        s->lo = 0, s->hi = 255;
    } else if (n == 0) { /* nothing valid to learn from: the type's natural range */
        s->lo = 0;
        s->hi = t == GDT_UInt16 ? 65535 : t == GDT_Int16 ? 32767 : 1;
    } else {
        percentiles(v, n, t, &s->lo, &s->hi);
    }
    if (!(s->hi > s->lo)) s->hi = s->lo + 1;
    if (t == GDT_Byte || t == GDT_UInt16 || t == GDT_Int16) {
        s->lut = malloc(65536);
        if (!s->lut) return sw_fail(SW_ERR_RUNTIME, "out of memory for the stretch table of band %d of %s", b, r->info.path);
        double k = 255.0 / (s->hi - s->lo);
        for (int p = 0; p < 65536; p++) s->lut[p] = stretch1(t == GDT_Int16 ? (double)(int16_t)p : (double)p, s->lo, k);
    }
    s->done = 1;
    return SW_OK;
}

/* Makes sure the stretch of each of bands[0..nb) is known, sampling the missing ones together. */
static sw_status stretch_need(sw_raster *r, const int *bands, int nb) {
    int todo[SW_RASTER_MAX_BANDS], nt = 0;
    for (int i = 0; i < nb; i++) {
        int b = bands[i], dup = 0;
        if (r->st[b - 1].done) continue;
        if (r->type[b - 1] == GDT_Byte) {
            sw_status st = stretch_set(r, b, NULL, 0);
            if (st) return st;
            continue;
        }
        for (int j = 0; j < nt; j++) dup |= todo[j] == b;
        if (!dup) todo[nt++] = b;
    }
    if (!nt) return SW_OK;
    float *vals[SW_RASTER_MAX_BANDS] = {0};
    size_t nvals[SW_RASTER_MAX_BANDS];
    sw_status st = sample_bands(r, todo, nt, vals, nvals);
    for (int i = 0; i < nt && !st; i++) st = stretch_set(r, todo[i], vals[i], nvals[i]);
    for (int i = 0; i < nt; i++) free(vals[i]);
    return st;
}

sw_status sw_raster_stretch(sw_raster *r, int band, double *lo, double *hi) {
    if (band < 1 || band > r->info.nbands)
        return sw_fail(SW_ERR_INPUT, "band %d does not exist in %s (%d band%s)", band, r->info.path, r->info.nbands,
                       r->info.nbands == 1 ? "" : "s");
    sw_status st = stretch_need(r, &band, 1);
    if (st) return st;
    *lo = r->st[band - 1].lo;
    *hi = r->st[band - 1].hi;
    return SW_OK;
}

/* ---- window reads ---- */

/* Converts the inner window's samples (ih rows of iw pixels, nb interleaved) into pix rows of
 * `stride` bytes, and clears v where every selected band with a nodata value holds it. */
static void convert(sw_raster *r, int iw, int ih, uint8_t *pix, size_t stride, uint8_t *v, int w) {
    int nb = r->nsel;
    size_t rowlen = (size_t)iw * (size_t)nb;
    int cmp = r->nodata_cmp && v;
    double nd[SW_RASTER_MAX_BANDS];
    int hasnd[SW_RASTER_MAX_BANDS];
    for (int i = 0; i < nb; i++) nd[i] = r->nd[r->sel[i] - 1], hasnd[i] = r->has_nd[r->sel[i] - 1];
    if (r->mode == MODE_U16 || r->mode == MODE_I16) {
        const uint16_t *src = r->work;
        const uint8_t *lut[SW_RASTER_MAX_BANDS];
        for (int i = 0; i < nb; i++) lut[i] = r->st[r->sel[i] - 1].lut;
        for (int y = 0; y < ih; y++) {
            const uint16_t *s = src + (size_t)y * rowlen;
            uint8_t *d = pix + (size_t)y * stride;
            for (size_t j = 0; j < rowlen; j += (size_t)nb)
                for (int i = 0; i < nb; i++) d[j + (size_t)i] = lut[i][s[j + (size_t)i]];
            if (!cmp) continue;
            for (int x = 0; x < iw; x++) {
                int nodata = 1;
                for (int i = 0; i < nb && nodata; i++) {
                    double sv = r->mode == MODE_I16 ? (double)(int16_t)s[(size_t)x * nb + i] : (double)s[(size_t)x * nb + i];
                    nodata = !hasnd[i] || sv == nd[i];
                }
                if (nodata) v[(size_t)y * w + x] = 0;
            }
        }
        return;
    }
    /* MODE_F64 */
    const double *src = r->work;
    double lo[SW_RASTER_MAX_BANDS], k[SW_RASTER_MAX_BANDS];
    for (int i = 0; i < nb; i++) {
        const band_stretch *s = &r->st[r->sel[i] - 1];
        lo[i] = s->lo, k[i] = 255.0 / (s->hi - s->lo);
    }
    for (int y = 0; y < ih; y++) {
        const double *s = src + (size_t)y * rowlen;
        uint8_t *d = pix + (size_t)y * stride;
        for (int x = 0; x < iw; x++) {
            int nodata = cmp, nan = 0;
            for (int i = 0; i < nb; i++) {
                double sv = s[(size_t)x * nb + i];
                d[(size_t)x * nb + i] = stretch1(sv, lo[i], k[i]);
                nan |= isnan(sv);
                nodata = nodata && (!hasnd[i] || sv == nd[i]);
            }
            if (v && (nodata || nan)) v[(size_t)y * w + x] = 0;
        }
    }
}

/* Byte bands with nodata compared here: clears v where every selected band with nodata holds it. */
static void byte_nodata(const sw_raster *r, const uint8_t *pix, int iw, int ih, int w, uint8_t *v) {
    int nb = r->nsel;
    double nd[SW_RASTER_MAX_BANDS];
    int hasnd[SW_RASTER_MAX_BANDS];
    for (int i = 0; i < nb; i++) nd[i] = r->nd[r->sel[i] - 1], hasnd[i] = r->has_nd[r->sel[i] - 1];
    for (int y = 0; y < ih; y++) {
        const uint8_t *p = pix + (size_t)y * w * nb;
        for (int x = 0; x < iw; x++) {
            int nodata = 1;
            for (int i = 0; i < nb && nodata; i++) nodata = !hasnd[i] || p[(size_t)x * nb + i] == nd[i];
            if (nodata) v[(size_t)y * w + x] = 0;
        }
    }
}

sw_status sw_raster_read_u8(sw_raster *r, int64_t x, int64_t y, int w, int h, uint8_t *pix, uint8_t *valid) {
    const sw_raster_info *in = &r->info;
    if (w <= 0 || h <= 0 || x >= in->width || y >= in->height || x <= -(int64_t)w || y <= -(int64_t)h)
        return sw_fail(SW_ERR_INPUT, "window %lld,%lld,%d,%d (x,y,w,h) %s %s (%d x %d pixels)", (long long)x,
                       (long long)y, w, h, w <= 0 || h <= 0 ? "is empty: cannot read it from" : "lies outside",
                       in->path, in->width, in->height);
    int nb = r->nsel;
    sw_status st0 = stretch_need(r, r->sel, nb);
    if (st0) return st0;
    /* The part of the window inside the image. */
    int ix0 = (int)(x > 0 ? x : 0), iy0 = (int)(y > 0 ? y : 0);
    int ix1 = (int)(x + w < in->width ? x + w : in->width), iy1 = (int)(y + h < in->height ? y + h : in->height);
    int iw = ix1 - ix0, ih = iy1 - iy0;
    size_t npx = (size_t)w * (size_t)h, off = (size_t)(iy0 - y) * (size_t)w + (size_t)(ix0 - x);
    int partial = iw != w || ih != h;
    int need_v = valid || r->mask || r->nodata_cmp || r->mode == MODE_F64;
    uint8_t *v = valid;
    if (need_v && !v && !(v = grow(&r->vwork, &r->vwork_cap, npx, "a validity mask"))) return SW_ERR_RUNTIME;
    if (partial) memset(pix, 0, npx * (size_t)nb);
    if (v) {
        if (partial) memset(v, 0, npx);
        for (int j = 0; j < ih; j++) memset(v + off + (size_t)j * w, 1, (size_t)iw);
    }

    uint8_t *dst = pix + off * (size_t)nb;
    GSpacing line = (GSpacing)w * nb;
    if (r->tiff) return sw_tiff_read(r->tiff, ix0, iy0, iw, ih, r->sel, nb, dst, (size_t)line, v ? v + off : NULL, (size_t)w);
    sw_status st = SW_OK;
    sw_gdal_quiet();
    /* The mask first: the conversion below only clears more pixels (nodata, NaN). */
    if (r->mask) {
        if (GDALRasterIOEx(r->mask, GF_Read, ix0, iy0, iw, ih, v + off, iw, ih, GDT_Byte, 1, w, NULL) != CE_None)
            st = sw_fail(SW_ERR_INPUT, "reading the mask of window %lld,%lld,%d,%d of %s: %s", (long long)x,
                         (long long)y, w, h, in->path, sw_gdal_reason());
        else
            for (int j = 0; j < ih; j++) {
                uint8_t *p = v + off + (size_t)j * w;
                for (int i = 0; i < iw; i++) p[i] = p[i] != 0;
            }
    }
    CPLErr e = CE_None;
    if (!st && r->mode == MODE_BYTE) {
        e = GDALDatasetRasterIOEx(r->ds, GF_Read, ix0, iy0, iw, ih, dst, iw, ih, GDT_Byte, nb, r->sel, nb, line, 1, NULL);
        if (e == CE_None && r->nodata_cmp) byte_nodata(r, dst, iw, ih, w, v + off);
    } else if (!st) {
        GDALDataType wt = r->mode == MODE_U16 ? GDT_UInt16 : r->mode == MODE_I16 ? GDT_Int16 : GDT_Float64;
        int sz = GDALGetDataTypeSizeBytes(wt);
        if (!grow(&r->work, &r->work_cap, (size_t)iw * ih * nb * sz, "window samples")) {
            sw_gdal_loud();
            return SW_ERR_RUNTIME;
        }
        e = GDALDatasetRasterIOEx(r->ds, GF_Read, ix0, iy0, iw, ih, r->work, iw, ih, wt, nb, r->sel,
                                  (GSpacing)nb * sz, (GSpacing)iw * nb * sz, sz, NULL);
        if (e == CE_None) convert(r, iw, ih, dst, (size_t)line, v ? v + off : NULL, w);
    }
    if (e != CE_None)
        st = sw_fail(SW_ERR_INPUT, "reading window %lld,%lld,%d,%d of %s: %s", (long long)x, (long long)y, w, h,
                     in->path, sw_gdal_reason());
    sw_gdal_loud();
    if (st || !(r->mask || r->nodata_cmp || r->mode == MODE_F64)) return st;
    /* Invalid pixels read as 0, whatever the file holds there (nodata values, masked garbage). */
    for (int j = 0; j < ih; j++) {
        const uint8_t *vr = v + off + (size_t)j * w;
        uint8_t *pr = dst + (size_t)j * line;
        for (int i = 0; i < iw; i++)
            if (!vr[i]) memset(pr + (size_t)i * nb, 0, (size_t)nb);
    }
    return SW_OK;
}

sw_status sw_raster_read_valid(sw_raster *r, int64_t x, int64_t y, int w, int h, uint8_t *valid) {
    const sw_raster_info *in = &r->info;
    if (r->nodata_cmp || r->mode == MODE_F64) {   /* validity needs the samples */
        uint8_t *pix = malloc((size_t)w * h * (size_t)(r->nsel > 0 ? r->nsel : 1));
        if (!pix) return sw_fail(SW_ERR_RUNTIME, "out of memory reading the validity of %s", in->path);
        sw_status st = sw_raster_read_u8(r, x, y, w, h, pix, valid);
        free(pix);
        return st;
    }
    if (w <= 0 || h <= 0 || x >= in->width || y >= in->height || x <= -(int64_t)w || y <= -(int64_t)h)
        return sw_fail(SW_ERR_INPUT, "window %lld,%lld,%d,%d (x,y,w,h) %s %s (%d x %d pixels)", (long long)x,
                       (long long)y, w, h, w <= 0 || h <= 0 ? "is empty: cannot read it from" : "lies outside",
                       in->path, in->width, in->height);
    int ix0 = (int)(x > 0 ? x : 0), iy0 = (int)(y > 0 ? y : 0);
    int ix1 = (int)(x + w < in->width ? x + w : in->width), iy1 = (int)(y + h < in->height ? y + h : in->height);
    int iw = ix1 - ix0, ih = iy1 - iy0;
    size_t off = (size_t)(iy0 - y) * (size_t)w + (size_t)(ix0 - x);
    memset(valid, 0, (size_t)w * h);
    if (!r->mask) {
        for (int j = 0; j < ih; j++) memset(valid + off + (size_t)j * w, 1, (size_t)iw);
        return SW_OK;
    }
    sw_status st = SW_OK;
    sw_gdal_quiet();
    if (GDALRasterIOEx(r->mask, GF_Read, ix0, iy0, iw, ih, valid + off, iw, ih, GDT_Byte, 1, w, NULL) != CE_None)
        st = sw_fail(SW_ERR_INPUT, "reading the mask of window %lld,%lld,%d,%d of %s: %s", (long long)x, (long long)y,
                     w, h, in->path, sw_gdal_reason());
    sw_gdal_loud();
    if (!st)
        for (int j = 0; j < ih; j++) {
            uint8_t *p = valid + off + (size_t)j * w;
            for (int i = 0; i < iw; i++) p[i] = p[i] != 0;
        }
    return st;
}

#define CELL_STRIP 256   /* rows per validity read of the GDAL path */

sw_status sw_raster_valid_cells(sw_raster *r, int cell, uint8_t *cells) {
    const sw_raster_info *in = &r->info;
    if (cell < 1) return sw_fail(SW_ERR_RUNTIME, "validity cells of %d pixels of %s", cell, in->path);
    int W = in->width, H = in->height, ncx = (W + cell - 1) / cell, ncy = (H + cell - 1) / cell;
    if (r->tiff && sw_tiff_cells_supported(r->tiff, cell)) return sw_tiff_valid_cells(r->tiff, cell, cells);
    int strip = CELL_STRIP < H ? CELL_STRIP : H;
    uint8_t *val = malloc((size_t)W * strip);
    if (!val) return sw_fail(SW_ERR_RUNTIME, "out of memory for a validity strip of %s", in->path);
    memset(cells, 0, (size_t)ncx * ncy);
    sw_status st = SW_OK;
    for (int y = 0; !st && y < H; y += strip) {
        int h = H - y < strip ? H - y : strip;
        if ((st = sw_raster_read_valid(r, 0, y, W, h, val))) break;
        for (int j = 0; j < h; j++) {
            const uint8_t *v = val + (size_t)j * W;
            uint8_t *c = cells + (size_t)((y + j) / cell) * ncx;
            for (int i = 0; i < W; i++)
                if (v[i]) c[i / cell] = 1;
        }
    }
    free(val);
    return st;
}
