/* The reads around the tiles on the libtiff path against GDAL's path (SWATH_READER=gdal):
 *   - sw_raster_valid_cells (the plan's validity scan) against cells computed here from
 *     full-resolution sw_raster_read_valid through GDAL, for cells of 16, 8, 24 and 5 pixels, and
 *     the plans sw_plan_build makes from both readers, tile for tile;
 *   - sw_image_read_reduced_rgb (the quicklook's read): image and validity byte for byte, at integer
 *     factors (1, 2, 4, 5 x 3, 8, ...) and at other sizes (GDAL's path on both sides);
 *   - sw_image_read_reduced_u8 (the quicklook's read of mask.tif): nearest picks byte for byte on a
 *     paletted class map with nodata, at any size, and with overviews (GDAL's path on both sides).
 * Files: an internal mask with a whole invalid tile, sparse validity, all valid, odd sizes (not
 * multiples of the tile or the cell), RGBA with a mask, a GDALCreateCopy, and files left to GDAL:
 * nodata values, an external .msk, a VRT, strips.
 * `test_raster_cells --bench FILE.tif [default|gdal]` times both readers on a mosaic or a class map
 * (medians of 3): the validity cells, the reduced RGB read and the nearest read of band 1. */
#include "io/image_png.h"
#include "io/raster.h"
#include "io/raster_tiff.h"
#include "src/core/log.h"
#include "src/run/plan.h"
#include "tests/unit/raster_test_util.h"

#include <time.h>

static int W_, H_;   /* size of the current fixture (for the pixel / mask functions) */

static double px(int x, int y, int b) { return (double)((x * 7 + y * 13 + b * 61 + (x * y) % 11) & 255); }
/* Validity: a whole invalid tile (256..511 x 256..511), noise, a diagonal band, the last column, and
 * an invalid top-left corner region, so that some cells and some tiles hold no valid pixel. */
static int mask_at(int x, int y) {
    if (x >= 256 && x < 512 && y >= 256 && y < 512) return 0;
    if (x < 40 && y < 300) return 0;
    if ((x + 3 * y) % 29 == 0 || (x > y && x < y + 40) || x == W_ - 1) return 0;
    return 255;
}
/* Sparse validity: a few valid pixels far apart (cells and tiles mostly empty). */
static int sparse_at(int x, int y) { return (x % 97 == 3 && y % 61 == 5) || (x == W_ - 1 && y == H_ - 1) ? 255 : 0; }
/* nodata pixels (value 0 in every band) where mask_at says invalid */
static double px_nd(int x, int y, int b) { return mask_at(x, y) ? 1 + (int)px(x, y, b) % 254 : 0; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sort3(double *v) {
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (v[b] < v[a]) {
                double t = v[a];
                v[a] = v[b], v[b] = t;
            }
}

/* Cells computed here from full-resolution validity (GDAL's path). */
static void ref_cells(sw_raster *g, int cell, uint8_t *cells) {
    const sw_raster_info *in = sw_raster_get_info(g);
    int W = in->width, H = in->height, ncx = (W + cell - 1) / cell;
    uint8_t *v = malloc((size_t)W * H);
    CHECK(sw_raster_read_valid(g, 0, 0, W, H, v) == SW_OK, "read_valid: %s", sw_errmsg());
    memset(cells, 0, (size_t)ncx * ((H + cell - 1) / cell));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (v[(size_t)y * W + x]) cells[(size_t)(y / cell) * ncx + x / cell] = 1;
    free(v);
}

static void check_cells(const char *name, const char *path, int want_fast) {
    sw_raster *a = t_open_with(path, NULL), *g = t_open_with(path, "gdal");
    if (!a || !g) {
        sw_raster_close(a), sw_raster_close(g);
        return;
    }
    CHECK(sw_raster_fast_path(a) == want_fast, "%s: fast path %d, expected %d", name, sw_raster_fast_path(a), want_fast);
    CHECK(sw_raster_fast_path(g) == 0, "%s: SWATH_READER=gdal does not turn the fast path off", name);
    const sw_raster_info *in = sw_raster_get_info(a);
    static const int cells_px[] = {16, 8, 24, 5};
    for (size_t k = 0; k < sizeof cells_px / sizeof cells_px[0]; k++) {
        int cell = cells_px[k];
        size_t n = (size_t)((in->width + cell - 1) / cell) * ((in->height + cell - 1) / cell);
        uint8_t *ca = malloc(n), *cg = malloc(n), *cr = malloc(n);
        memset(ca, 0xAB, n), memset(cg, 0xCD, n);
        CHECK(sw_raster_valid_cells(a, cell, ca) == SW_OK, "%s: cells of %d: %s", name, cell, sw_errmsg());
        CHECK(sw_raster_valid_cells(g, cell, cg) == SW_OK, "%s: cells of %d (gdal): %s", name, cell, sw_errmsg());
        ref_cells(g, cell, cr);
        size_t da = 0, dg = 0, ones = 0;
        for (size_t i = 0; i < n; i++) da += ca[i] != cr[i], dg += cg[i] != cr[i], ones += cr[i];
        CHECK(!da, "%s: cells of %d: %zu of %zu differ from the reference (fast path %d)", name, cell, da, n,
              sw_raster_fast_path(a));
        CHECK(!dg, "%s: cells of %d (gdal path): %zu of %zu differ from the reference", name, cell, dg, n);
        if (cell == 16) CHECK(ones > 0, "%s: no valid cell at all: a weak fixture", name);
        free(ca), free(cg), free(cr);
    }
    /* the plans from both readers, tile for tile; 256-px tiles so that some are skipped */
    sw_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.scales[0] = 256, cfg.scales[1] = 128, cfg.nscales = 2, cfg.overlap = 0.2, cfg.block = 512;
    sw_plan pa, pg;
    CHECK(sw_plan_build(&pa, &cfg, a) == SW_OK && sw_plan_build(&pg, &cfg, g) == SW_OK, "%s: plan: %s", name, sw_errmsg());
    CHECK(pa.ntiles == pg.ntiles && pa.nskipped == pg.nskipped &&
              memcmp(pa.tiles, pg.tiles, sizeof *pa.tiles * (size_t)pa.ntiles) == 0,
          "%s: plans differ: %lld tiles (%lld skipped) against %lld (%lld)", name, (long long)pa.ntiles,
          (long long)pa.nskipped, (long long)pg.ntiles, (long long)pg.nskipped);
    sw_plan_free(&pa), sw_plan_free(&pg);
    sw_raster_close(a), sw_raster_close(g);
}

/* sw_image_read_reduced_rgb with the default reader against SWATH_READER=gdal, at ow x oh. */
static void check_reduced(const char *name, const char *path, int ow, int oh) {
    size_t n = (size_t)ow * oh;
    uint8_t *ia = malloc(3 * n), *ig = malloc(3 * n), *va = malloc(n), *vg = malloc(n);
    memset(ia, 0xAB, 3 * n), memset(ig, 0xCD, 3 * n), memset(va, 0xAB, n), memset(vg, 0xCD, n);
    int ea = sw_image_read_reduced_rgb(path, ow, oh, ia, va);
    setenv("SWATH_READER", "gdal", 1);
    int eg = sw_image_read_reduced_rgb(path, ow, oh, ig, vg);
    unsetenv("SWATH_READER");
    CHECK(!ea && !eg, "%s: reduced read %dx%d failed: %s", name, ow, oh, sw_errmsg());
    size_t di = 0, dv = 0, first = 0, nz = 0;
    for (size_t i = 0; i < 3 * n; i++)
        if (ia[i] != ig[i] && !di++) first = i;
    for (size_t i = 0; i < n; i++) dv += va[i] != vg[i], nz += vg[i] != 0;
    CHECK(!di, "%s: reduced %dx%d: %zu image bytes differ, first at %zu (pixel %zu): fast %d, gdal %d", name, ow, oh, di,
          first, first / 3, ia[first], ig[first]);
    CHECK(!dv, "%s: reduced %dx%d: %zu validity bytes differ", name, ow, oh, dv);
    CHECK(nz > 0 || n == 1, "%s: reduced %dx%d: no valid pixel: a weak fixture", name, ow, oh);
    free(ia), free(ig), free(va), free(vg);
}

/* sw_image_read_reduced_u8 (the quicklook's read of mask.tif) with the default reader against
 * SWATH_READER=gdal, at ow x oh. */
static void check_nearest(const char *name, const char *path, int ow, int oh) {
    size_t n = (size_t)ow * oh;
    uint8_t *a = malloc(n), *g = malloc(n);
    memset(a, 0xAB, n), memset(g, 0xCD, n);
    int ea = sw_image_read_reduced_u8(path, ow, oh, a);
    setenv("SWATH_READER", "gdal", 1);
    int eg = sw_image_read_reduced_u8(path, ow, oh, g);
    unsetenv("SWATH_READER");
    CHECK(!ea && !eg, "%s: nearest read %dx%d failed: %s", name, ow, oh, sw_errmsg());
    size_t diff = 0, first = 0, distinct = 0;
    int seen[256] = {0};
    for (size_t i = 0; i < n; i++) {
        if (a[i] != g[i] && !diff++) first = i;
        distinct += !seen[g[i]]++;
    }
    CHECK(!diff, "%s: nearest %dx%d: %zu bytes differ, first at %zu: fast %d, gdal %d", name, ow, oh, diff, first, a[first],
          g[first]);
    CHECK(distinct > 2 || n < 4, "%s: nearest %dx%d: %zu distinct values: a weak fixture", name, ow, oh, distinct);
    free(a), free(g);
}

/* A class map like mask.tif: 1 Byte band, tiled, DEFLATE, a palette, nodata 255; optionally with
 * overviews (GDAL then answers from them on both paths). */
static int make_classes(const char *path, int w, int h, int ovr) {
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", "256");
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", "256");
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, w, h, 1, GDT_Byte, opt);
    CSLDestroy(opt);
    int rc = !ds;
    uint8_t *v = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) v[(size_t)y * w + x] = (uint8_t)((x / 3 + y / 5 + (x * y) % 7) % 11 == 0 ? 255 : (x + 2 * y) % 11);
    if (!rc) {
        GDALRasterBandH b = GDALGetRasterBand(ds, 1);
        GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
        for (int i = 0; i < 11; i++) GDALSetColorEntry(ct, i, &(GDALColorEntry){(short)(20 * i), 100, 200, 255});
        rc = GDALSetRasterColorTable(b, ct) != CE_None || GDALSetRasterNoDataValue(b, 255) != CE_None ||
             GDALRasterIO(b, GF_Write, 0, 0, w, h, v, w, h, GDT_Byte, 0, 0) != CE_None;
        GDALDestroyColorTable(ct);
        int levels[] = {2, 4};
        if (!rc && ovr) rc = GDALBuildOverviews(ds, "NEAREST", 2, levels, 0, NULL, NULL, NULL) != CE_None;
    }
    free(v);
    if (ds) GDALClose(ds);
    CHECK(!rc, "fixture %s: %s", path, CPLGetLastErrorMsg());
    return rc;
}

static int make(const char *path, int w, int h, int nb, int block, t_pixel_fn pix, t_mask_fn mask, int nodata) {
    W_ = w, H_ = h;
    t_fixture f = {w, h, nb, GDT_Byte, block, pix, nodata, 0, mask, NULL, NULL};
    int rc = t_make_tif(path, &f);
    CHECK(!rc, "fixture %s", path);
    return rc;
}

/* Writes the mask of `path` as an external .msk (GDAL_TIFF_INTERNAL_MASK=NO). */
static int add_external_mask(const char *path, t_mask_fn mask) {
    CPLSetConfigOption("GDAL_TIFF_INTERNAL_MASK", "NO");
    GDALDatasetH ds = GDALOpen(path, GA_Update);
    int rc = !ds || GDALCreateDatasetMaskBand(ds, GMF_PER_DATASET) != CE_None;
    uint8_t *row = malloc((size_t)W_);
    GDALRasterBandH mb = rc ? NULL : GDALGetMaskBand(GDALGetRasterBand(ds, 1));
    for (int y = 0; y < H_ && !rc; y++) {
        for (int x = 0; x < W_; x++) row[x] = (uint8_t)mask(x, y);
        rc = GDALRasterIO(mb, GF_Write, 0, y, W_, 1, row, W_, 1, GDT_Byte, 0, 0) != CE_None;
    }
    free(row);
    if (ds) GDALClose(ds);
    CPLSetConfigOption("GDAL_TIFF_INTERNAL_MASK", NULL);
    CHECK(!rc, "external mask of %s: %s", path, CPLGetLastErrorMsg());
    return rc;
}

/* A 512-tiled LZW copy of a 256-tiled masked file by GDALCreateCopy (GDAL copies the mask IFD). */
static int make_copy(const char *path, const char *dir) {
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/copy_src.tif", dir);
    if (make(tmp, 1000, 777, 3, 256, px, mask_at, 0)) return 1;
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", "512");
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", "512");
    opt = CSLSetNameValue(opt, "COMPRESS", "LZW");
    CPLSetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES");
    GDALDatasetH src = GDALOpen(tmp, GA_ReadOnly);
    GDALDatasetH out = src ? GDALCreateCopy(GDALGetDriverByName("GTiff"), path, src, FALSE, opt, NULL, NULL) : NULL;
    CSLDestroy(opt);
    int rc = !out;
    if (out) GDALClose(out);
    if (src) GDALClose(src);
    CHECK(!rc, "fixture %s: %s", path, CPLGetLastErrorMsg());
    return rc;
}

static int bench(const char *path, const char *only) {
    sw_log_set_level(0);
    static const char *readers[] = {NULL, "gdal"};
    for (int k = 0; k < 2; k++) {
        if (only && strcmp(only, k ? "gdal" : "default") != 0) continue;
        double tc[3], cc[3], tq[3], cq[3], tn[3], cn[3];
        int fast = 0, ow = 0, oh = 0;
        for (int rep = 0; rep < 3; rep++) {
            sw_raster *r = t_open_with(path, readers[k]);
            if (!r) return 1;
            const sw_raster_info *in = sw_raster_get_info(r);
            int W = in->width, H = in->height, L = W > H ? W : H;
            uint8_t *cells = malloc((size_t)((W + 15) / 16) * ((H + 15) / 16));
            double t0 = now(), c0 = cpu();
            sw_status st = sw_raster_valid_cells(r, 16, cells);
            tc[rep] = now() - t0, cc[rep] = cpu() - c0;
            fast = sw_raster_fast_path(r);
            sw_raster_close(r);
            free(cells);
            if (st) return printf("cells: %s\n", sw_errmsg()), 1;
            ow = L > 1024 ? (int)((double)W * 1024 / L + 0.5) : W, oh = L > 1024 ? (int)((double)H * 1024 / L + 0.5) : H;
            uint8_t *img = malloc((size_t)ow * oh * 3), *val = malloc((size_t)ow * oh);
            if (readers[k]) setenv("SWATH_READER", readers[k], 1);
            t0 = now(), c0 = cpu();
            st = sw_image_read_reduced_rgb(path, ow, oh, img, val);
            tq[rep] = now() - t0, cq[rep] = cpu() - c0;
            t0 = now(), c0 = cpu();
            if (!st) st = sw_image_read_reduced_u8(path, ow, oh, val);
            tn[rep] = now() - t0, cn[rep] = cpu() - c0;
            unsetenv("SWATH_READER");
            free(img), free(val);
            if (st) return printf("reduced: %s\n", sw_errmsg()), 1;
        }
        sort3(tc), sort3(cc), sort3(tq), sort3(cq), sort3(tn), sort3(cn);
        printf("%-30s validity cells (16 px) %.3f s (CPU %.3f s); reduced RGB %dx%d %.3f s (CPU %.3f s); nearest band 1 "
               "%.3f s (CPU %.3f s); medians of 3\n",
               readers[k] ? "SWATH_READER=gdal:" : fast ? "default (libtiff path):" : "default (window reads: GDAL):",
               tc[1], cc[1], ow, oh, tq[1], cq[1], tn[1], cn[1]);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--bench") == 0) return bench(argv[2], argc > 3 ? argv[3] : NULL);
    sw_log_set_level(0);
    char dir[1024], p[1200];
    t_dir(dir, sizeof dir, "raster_cells");

    /* internal mask, odd size, 256 tiles: the fast path */
    snprintf(p, sizeof p, "%s/mask_1000x777.tif", dir);
    if (!make(p, 1000, 777, 3, 256, px, mask_at, 0)) {
        check_cells("mask_1000x777", p, 1);
        GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
        sw_tiff *t = ds ? sw_tiff_open(ds, p) : NULL;   /* the libtiff path applies: not GDAL against GDAL */
        CHECK(t && sw_tiff_reduce_supported(t, 5, 3) && !sw_tiff_reduce_supported(t, 3, 3), "mask_1000x777: the libtiff "
              "reduced read does not apply at factors 5 x 3, or applies at 3 x 3 (1000 %% 3 != 0)");
        sw_tiff_close(t);
        if (ds) GDALClose(ds);
        int sizes[][2] = {{1000, 777}, {500, 259}, {200, 259}, {100, 111}, {250, 21}, {1, 1}, {1000, 1}, {333, 259}, {512, 398}};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) check_reduced("mask_1000x777", p, sizes[k][0], sizes[k][1]);
    }
    /* factors 2, 4, 8 (GDAL's factor-2 path too), 512 tiles, RGBA with a mask */
    snprintf(p, sizeof p, "%s/rgba_mask_1024.tif", dir);
    if (!make(p, 1024, 1024, 4, 512, px, mask_at, 0)) {
        check_cells("rgba_mask_1024", p, 1);
        int sizes[] = {512, 256, 128, 1000, 1024};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) check_reduced("rgba_mask_1024", p, sizes[k], sizes[k]);
        check_reduced("rgba_mask_1024", p, 512, 256);
    }
    /* sparse validity: most cells, some whole tiles invalid */
    snprintf(p, sizeof p, "%s/sparse_999x1001.tif", dir);
    if (!make(p, 999, 1001, 3, 256, px, sparse_at, 0)) {
        check_cells("sparse_999x1001", p, 1);
        check_reduced("sparse_999x1001", p, 333, 143);
        check_reduced("sparse_999x1001", p, 111, 91);
    }
    /* all valid (no mask), odd size */
    snprintf(p, sizeof p, "%s/allvalid_777x513.tif", dir);
    if (!make(p, 777, 513, 3, 256, px, NULL, 0)) {
        check_cells("allvalid_777x513", p, 1);
        check_reduced("allvalid_777x513", p, 259, 171);
        check_reduced("allvalid_777x513", p, 777, 513);
        check_reduced("allvalid_777x513", p, 300, 200);
    }
    /* a 512-tiled copy made by GDALCreateCopy (mask IFD copied by GDAL itself) */
    snprintf(p, sizeof p, "%s/copy_512.tif", dir);
    if (!make_copy(p, dir)) {
        check_cells("copy_512", p, 1);
        check_reduced("copy_512", p, 200, 259);
    }
    /* The nearest read of a class map (mask.tif), at integer and other factors; with overviews */
    int nsizes[][2] = {{1000, 777}, {250, 259}, {333, 259}, {101, 97}, {1, 1}, {1000, 3}, {512, 400}};
    snprintf(p, sizeof p, "%s/classes.tif", dir);
    if (!make_classes(p, 1000, 777, 0)) {
        GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
        CHECK(ds && GDALGetRasterColorTable(GDALGetRasterBand(ds, 1)) != NULL, "classes.tif has no palette");
        sw_tiff *t = ds ? sw_tiff_open_raw(ds, p) : NULL;   /* the libtiff path applies: not GDAL against GDAL */
        CHECK(t != NULL, "classes.tif: the libtiff path does not apply");
        sw_tiff_close(t);
        if (ds) GDALClose(ds);
        for (size_t k = 0; k < sizeof nsizes / sizeof nsizes[0]; k++) check_nearest("classes", p, nsizes[k][0], nsizes[k][1]);
    }
    snprintf(p, sizeof p, "%s/classes_ovr.tif", dir);
    if (!make_classes(p, 1000, 777, 1))
        for (size_t k = 0; k < sizeof nsizes / sizeof nsizes[0]; k++) check_nearest("classes_ovr", p, nsizes[k][0], nsizes[k][1]);
    snprintf(p, sizeof p, "%s/mask_1000x777.tif", dir);
    check_nearest("mask_1000x777 band 1", p, 333, 259);

    /* Left to GDAL: nodata values, an external .msk, strips, a VRT */
    snprintf(p, sizeof p, "%s/nodata.tif", dir);
    if (!make(p, 1000, 777, 3, 256, px_nd, NULL, 1)) {
        check_cells("nodata", p, 0);
        check_reduced("nodata", p, 200, 259);
    }
    snprintf(p, sizeof p, "%s/external_msk.tif", dir);
    if (!make(p, 1000, 777, 3, 256, px, NULL, 0) && !add_external_mask(p, mask_at)) {
        check_cells("external_msk", p, 0);
        check_reduced("external_msk", p, 200, 259);
    }
    snprintf(p, sizeof p, "%s/strips.tif", dir);
    if (!make(p, 1000, 777, 3, 0, px, mask_at, 0)) check_cells("strips", p, 0);
    char src[1200];
    snprintf(src, sizeof src, "%s/mask_1000x777.tif", dir);
    snprintf(p, sizeof p, "%s/mask.vrt", dir);
    GDALDatasetH s = GDALOpen(src, GA_ReadOnly);
    GDALDatasetH vrt = s ? GDALCreateCopy(GDALGetDriverByName("VRT"), p, s, FALSE, NULL, NULL, NULL) : NULL;
    CHECK(vrt != NULL, "cannot write %s: %s", p, CPLGetLastErrorMsg());
    if (vrt) GDALClose(vrt);
    if (s) GDALClose(s);
    if (vrt) {
        W_ = 1000, H_ = 777;
        check_cells("vrt", p, 0);
        check_reduced("vrt", p, 200, 259);
    }
    return t_verdict("test_raster_cells");
}
