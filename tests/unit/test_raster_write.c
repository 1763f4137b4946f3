/* Writing through io/raster.h: GeoTIFFs in irregular blocks with a mask, CRS and geotransform, a COG
 * copy, the four data types, atomic appearance (PATH.part until commit, nothing after abort),
 * bounded memory while streaming, and errors naming the output. Leaves utm.tif, utm_cog.tif and
 * geo.tif in $SWATH_TEST_DIR/raster_write for tests/cli/raster_gdalinfo.sh. */
#include "io/raster.h"
#include "tests/unit/raster_test_util.h"

#include <math.h>
#include <ogr_srs_api.h>
#include <sys/resource.h>
#include <unistd.h>

static int exists(const char *p) { return access(p, F_OK) == 0; }
static int mask_at(int x, int y) { return !((x / 50 + y / 50) % 7 == 0); }
static double val(int x, int y, int b) { return (x * 5 + y * 3 + b * 40) % 256; }

static char *epsg_wkt(int code) {
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    OSRImportFromEPSG(s, code);
    OSRExportToWkt(s, &wkt);
    OSRDestroySpatialReference(s);
    return wkt;
}

/* Fills a block (h, w, nb) of type dtype with val(); mask too. */
static void fill(void *buf, uint8_t *m, const char *dtype, int x0, int y0, int w, int h, int nb) {
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            size_t o = (size_t)j * w + i;
            if (m) m[o] = (uint8_t)mask_at(x0 + i, y0 + j);
            for (int b = 0; b < nb; b++) {
                double v = val(x0 + i, y0 + j, b + 1);
                size_t k = o * nb + b;
                if (!strcmp(dtype, "Byte")) ((uint8_t *)buf)[k] = (uint8_t)v;
                else if (!strcmp(dtype, "UInt16")) ((uint16_t *)buf)[k] = (uint16_t)(v * 250);
                else if (!strcmp(dtype, "UInt32")) ((uint32_t *)buf)[k] = (uint32_t)(v * 16000000);
                else ((float *)buf)[k] = (float)(v / 7.0);
            }
        }
}

/* Writes a whole file in blocks of bw x bh (not tile-aligned), checking the .part protocol. */
static int write_file(const char *path, const sw_raster_spec *spec, int bw, int bh, const char *cog) {
    sw_raster_writer *wr;
    char part[1300];
    snprintf(part, sizeof part, "%s.part", path);
    unlink(path);
    if (sw_raster_create(&wr, path, spec)) {
        CHECK(0, "create %s: %s", path, sw_errmsg());
        return 1;
    }
    const char *dt = spec->dtype ? spec->dtype : "Byte";
    size_t ss = !strcmp(dt, "Byte") ? 1 : !strcmp(dt, "UInt16") ? 2 : 4;
    void *buf = malloc((size_t)bw * bh * spec->nbands * ss);
    uint8_t *m = malloc((size_t)bw * bh);
    int bad_atomic = 0, st = 0;
    for (int y = 0; y < spec->height && !st; y += bh)
        for (int x = 0; x < spec->width && !st; x += bw) {
            int w = x + bw > spec->width ? spec->width - x : bw, h = y + bh > spec->height ? spec->height - y : bh;
            fill(buf, m, dt, x, y, w, h, spec->nbands);
            st = sw_raster_write(wr, x, y, w, h, buf, spec->mask ? m : NULL);
            CHECK(st == SW_OK, "write %s block %d,%d: %s", path, x, y, sw_errmsg());
            bad_atomic += exists(path) || !exists(part);
        }
    CHECK(bad_atomic == 0, "%s: while writing, the final path must not exist and the .part must", path);
    free(buf);
    free(m);
    st = sw_raster_commit(wr, cog);
    CHECK(st == SW_OK, "commit %s: %s", path, sw_errmsg());
    CHECK(exists(path) && !exists(part), "%s: after commit only the final file exists", path);
    if (cog) {
        char cpart[1300];
        snprintf(cpart, sizeof cpart, "%s.part", cog);
        CHECK(exists(cog) && !exists(cpart), "%s: after commit the COG exists, its .part does not", cog);
    }
    printf("  wrote %-52s %dx%d, %d %s band(s), blocks %dx%d%s%s: %s\n", strrchr(path, '/') + 1, spec->width,
           spec->height, spec->nbands, dt, bw, bh, spec->mask ? ", mask" : "", cog ? ", + COG" : "",
           st ? "FAILED" : "PASSED (.part while writing, final after commit)");
    return st;
}

/* Reads back through GDAL and compares every sample (and the mask) with fill(). */
static void check_pixels(const char *path, const sw_raster_spec *spec, const char *crs_part) {
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    if (!ds) {
        CHECK(0, "reopen %s", path);
        return;
    }
    int W = spec->width, H = spec->height, nb = spec->nbands, bad = 0;
    CHECK(GDALGetRasterXSize(ds) == W && GDALGetRasterYSize(ds) == H && GDALGetRasterCount(ds) == nb, "%s: size", path);
    double gt[6];
    CHECK(GDALGetGeoTransform(ds, gt) == CE_None && !memcmp(gt, spec->gt, sizeof gt), "%s: geotransform", path);
    const char *wkt = GDALGetProjectionRef(ds);
    CHECK(wkt && t_has(wkt, crs_part), "%s: CRS lacks '%s'", path, crs_part);
    double *row = malloc(sizeof(double) * W);
    uint8_t *mrow = malloc(W);
    const char *dt = spec->dtype ? spec->dtype : "Byte";
    for (int b = 1; b <= nb; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        CHECK(!strcmp(GDALGetDataTypeName(GDALGetRasterDataType(band)), dt), "%s: band %d type", path, b);
        int has;
        double nd = GDALGetRasterNoDataValue(band, &has);
        CHECK(has == spec->has_nodata && (!has || nd == spec->nodata), "%s: band %d nodata", path, b);
        for (int y = 0; y < H; y++) {
            int e = GDALRasterIO(band, GF_Read, 0, y, W, 1, row, W, 1, GDT_Float64, 0, 0) != CE_None;
            if (spec->mask && b == 1)
                e |= GDALRasterIO(GDALGetMaskBand(band), GF_Read, 0, y, W, 1, mrow, W, 1, GDT_Byte, 0, 0) != CE_None;
            if (e && bad++ < 3) CHECK(0, "%s: cannot read row %d of band %d", path, y, b);
            for (int x = 0; x < W; x++) {
                double v = val(x, y, b), e = !strcmp(dt, "Byte") ? v : !strcmp(dt, "UInt16") ? v * 250 : !strcmp(dt, "UInt32") ? v * 16000000 : (float)(v / 7.0);
                if (row[x] != e && bad++ < 3) CHECK(0, "%s: band %d (%d,%d) = %g, expected %g", path, b, x, y, row[x], e);
                if (spec->mask && b == 1 && (mrow[x] != 0) != mask_at(x, y) && bad++ < 3)
                    CHECK(0, "%s: mask (%d,%d) = %d", path, x, y, mrow[x]);
            }
        }
    }
    CHECK(bad == 0, "%s: %d pixel mismatches", path, bad);
    printf("  read back %-48s every sample%s, geotransform and CRS: %s\n", strrchr(path, '/') + 1, spec->mask ? " and mask" : "",
           bad ? "MISMATCH" : "as written");
    free(row);
    free(mrow);
    GDALClose(ds);
}

/* The same file read through sw_raster_read_u8 (Byte, with the mask as validity). */
static void check_reader(const char *path, const sw_raster_spec *spec) {
    sw_raster *r;
    if (sw_raster_open(&r, path)) {
        CHECK(0, "open %s: %s", path, sw_errmsg());
        return;
    }
    const sw_raster_info *in = sw_raster_get_info(r);
    CHECK(in->mask_kind == SW_MASK_BAND && in->tiled && in->block_w == (spec->tile ? spec->tile : 512),
          "%s: mask kind %d tiled %d block %d", path, in->mask_kind, in->tiled, in->block_w);
    CHECK(in->rgb[0] == 1 && in->rgb[1] == 2 && in->rgb[2] == 3 && !strcmp(in->interp[0], "Red"), "%s: RGB bands", path);
    int W = spec->width, H = spec->height, bad = 0;
    uint8_t *pix = malloc((size_t)W * H * 3), *v = malloc((size_t)W * H);
    CHECK(sw_raster_read_u8(r, 0, 0, W, H, pix, v) == SW_OK, "%s: read: %s", path, sw_errmsg());
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t o = (size_t)y * W + x;
            int ev = mask_at(x, y);
            if (v[o] != ev && bad++ < 3) CHECK(0, "%s: valid (%d,%d)", path, x, y);
            for (int b = 0; b < 3; b++)
                if (pix[o * 3 + b] != (ev ? (int)val(x, y, b + 1) : 0) && bad++ < 3) CHECK(0, "%s: pixel (%d,%d)", path, x, y);
        }
    CHECK(bad == 0, "%s: %d mismatches through the reader", path, bad);
    printf("  sw_raster_read_u8 %-40s pixels and validity: %s\n", strrchr(path, '/') + 1, bad ? "MISMATCH" : "as written");
    free(pix);
    free(v);
    sw_raster_close(r);
}

static void check_error(const char *what, sw_status got, sw_status want, const char *part) {
    const char *m = sw_errmsg();
    CHECK(got == want && t_has(m, part), "%s: status %d (want %d), message '%s' should name '%s'", what, got, want, m, part);
    printf("  error %-28s -> %s\n", what, m);
}

static long maxrss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(void) {
    char dir[1024], p[12][1200];
    t_dir(dir, sizeof dir, "raster_write");
    const char *names[] = {"utm.tif", "utm_cog.tif", "geo.tif", "u32.tif", "f32.tif", "aborted.tif", "file.txt",
                           "file.txt/out.tif", "nope/out.tif", "big.tif", "cogfail.tif", "file.txt/cog.tif"};
    for (int i = 0; i < 12; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    printf("test_raster_write: outputs in %s\n", dir);
    char *utm = epsg_wkt(32633), *geo = epsg_wkt(4326);
    sw_raster_writer *wr;
    char part[1300];

    printf("streaming (GDAL cache 8 MB, 8192 x 8192 Byte written in 256-row strips):\n");
    sw_raster_configure(8 << 20, 2);
    printf("  GDAL %s\n", sw_raster_gdal_version()); /* GDAL's start-up is not counted */
    long rss0 = maxrss_kb();
    sw_raster_spec big = {.width = 8192, .height = 8192, .nbands = 1, .gt = {0, 1, 0, 0, 0, -1}};
    if (sw_raster_create(&wr, p[9], &big) == SW_OK) {
        uint8_t *strip = malloc((size_t)8192 * 256);
        for (size_t i = 0; i < (size_t)8192 * 256; i++) strip[i] = (uint8_t)(i * 7 % 251);
        int st = 0;
        for (int y = 0; y < 8192 && !st; y += 256) st = sw_raster_write(wr, 0, y, 8192, 256, strip, NULL);
        CHECK(st == SW_OK && sw_raster_commit(wr, NULL) == SW_OK, "big: %s", sw_errmsg());
        free(strip);
        long grew = maxrss_kb() - rss0;
#ifdef __SANITIZE_ADDRESS__
        printf("  peak memory grew by %ld KB (not checked: AddressSanitizer keeps freed memory)\n", grew);
#else
        CHECK(grew < 24 * 1024, "big: peak memory grew by %ld KB for a 64 MB image", grew);
        printf("  peak memory grew by %ld KB while writing a 65536 KB image: %s\n", grew, grew < 24 * 1024 ? "bounded" : "TOO MUCH");
#endif
        unlink(p[9]);
    } else CHECK(0, "create %s: %s", p[9], sw_errmsg());


    sw_raster_spec a = {.width = 1000, .height = 700, .nbands = 3, .gt = {400000, 2, 0, 5000000, 0, -2}, .wkt = utm,
                        .mask = 1, .rgb = 1};
    if (!write_file(p[0], &a, 100, 37, p[1])) {
        check_pixels(p[0], &a, "UTM zone 33N");
        check_pixels(p[1], &a, "UTM zone 33N");
        check_reader(p[0], &a);
        check_reader(p[1], &a);
    }
    sw_raster_spec g = {.width = 300, .height = 200, .nbands = 1, .dtype = "UInt16", .gt = {10.5, 0.001, 0, 45.25, 0, -0.001},
                        .wkt = geo, .tile = 256, .compress = "LZW", .has_nodata = 1, .nodata = 65535};
    if (!write_file(p[2], &g, 77, 200, NULL)) check_pixels(p[2], &g, "WGS 84");
    sw_raster_spec u = {.width = 130, .height = 90, .nbands = 2, .dtype = "UInt32", .gt = {0, 1, 0, 0, 0, -1}, .wkt = utm,
                        .tile = 64, .compress = "NONE"};
    if (!write_file(p[3], &u, 130, 9, NULL)) check_pixels(p[3], &u, "UTM zone 33N");
    sw_raster_spec f = {.width = 129, .height = 65, .nbands = 2, .dtype = "Float32", .gt = {0, 1, 0, 0, 0, -1}, .wkt = utm,
                        .tile = 32, .compress = "ZSTD", .has_nodata = 1, .nodata = -9999};
    if (!write_file(p[4], &f, 40, 40, NULL)) check_pixels(p[4], &f, "UTM zone 33N");

    printf("whole tiles (one band, no mask: straight to the file, edge tiles cut at the border):\n");
    char wt[1200];
    snprintf(wt, sizeof wt, "%s/whole_tiles.tif", dir);
    sw_raster_spec t8 = {.width = 1100, .height = 700, .nbands = 1, .gt = {0, 1, 0, 0, 0, -1}, .wkt = utm,
                         .tile = 256, .has_nodata = 1, .nodata = 255};
    if (!write_file(wt, &t8, 512, 512, NULL)) check_pixels(wt, &t8, "UTM zone 33N");
    snprintf(wt, sizeof wt, "%s/whole_tiles_f32.tif", dir);
    sw_raster_spec t32 = {.width = 129, .height = 65, .nbands = 1, .dtype = "Float32", .gt = {0, 1, 0, 0, 0, -1},
                          .wkt = utm, .tile = 32, .compress = "ZSTD", .has_nodata = 1, .nodata = -9999};
    if (!write_file(wt, &t32, 64, 64, NULL)) check_pixels(wt, &t32, "UTM zone 33N");

    printf("whole tiles and cached writes mixed (each order):\n");
    sw_raster_spec mx = {.width = 512, .height = 300, .nbands = 1, .gt = {0, 1, 0, 0, 0, -1}, .wkt = utm, .tile = 256};
    uint8_t *img = malloc(512 * 300), *junk = calloc(50 * 50, 1), *sub = malloc(20 * 20);
    fill(img, NULL, "Byte", 0, 0, 512, 300, 1);
    fill(sub, NULL, "Byte", 300, 200, 20, 20, 1);
    for (int order = 0; order < 2; order++) {
        /* 0: part of tile 0,0 (junk, cached), then whole tiles over it: the junk must not come back
         * at close. 1: whole tiles, then part of tile 1,0 again: GDAL must read the rest back. */
        snprintf(wt, sizeof wt, "%s/mixed%d.tif", dir, order);
        if (sw_raster_create(&wr, wt, &mx) != SW_OK) {
            CHECK(0, "create %s: %s", wt, sw_errmsg());
            continue;
        }
        int st = (order == 0 && sw_raster_write(wr, 10, 10, 50, 50, junk, NULL)) ||
                 sw_raster_write(wr, 0, 0, 512, 300, img, NULL) || sw_raster_write(wr, 300, 200, 20, 20, sub, NULL) ||
                 sw_raster_commit(wr, NULL);
        CHECK(!st, "%s: %s", wt, sw_errmsg());
        if (!st) check_pixels(wt, &mx, "UTM zone 33N");
    }
    free(img), free(junk), free(sub);

    printf("abort:\n");
    snprintf(part, sizeof part, "%s.part", p[5]);
    unlink(p[5]);
    if (sw_raster_create(&wr, p[5], &a) == SW_OK) {
        uint8_t *buf = calloc(100 * 100 * 3, 1);
        sw_raster_write(wr, 0, 0, 100, 100, buf, NULL);
        CHECK(exists(part) && !exists(p[5]), "abort: .part exists while writing");
        sw_raster_abort(wr);
        CHECK(!exists(part) && !exists(p[5]), "abort: nothing remains");
        printf("  aborted %s: %s\n", names[5], exists(part) || exists(p[5]) ? "FILES REMAIN" : "nothing remains");
        free(buf);
    } else CHECK(0, "create %s: %s", p[5], sw_errmsg());

    printf("partly written (mask: what was never written is invalid):\n");
    snprintf(part, sizeof part, "%s/partial.tif", dir);
    sw_raster_spec ps = {.width = 256, .height = 256, .nbands = 3, .gt = {0, 1, 0, 0, 0, -1}, .tile = 64, .mask = 1};
    if (sw_raster_create(&wr, part, &ps) == SW_OK) {
        uint8_t *buf = malloc(256 * 128 * 3), *m = malloc(256 * 128), *pix = malloc(256 * 256 * 3), *v = malloc(256 * 256);
        memset(buf, 77, 256 * 128 * 3);
        memset(m, 1, 256 * 128);
        int st = sw_raster_write(wr, 0, 0, 256, 128, buf, m) || sw_raster_commit(wr, NULL);
        sw_raster *r = NULL;
        st = st || sw_raster_open(&r, part) || sw_raster_read_u8(r, 0, 0, 256, 256, pix, v);
        CHECK(!st, "partial.tif: %s", sw_errmsg());
        int bad = 0;
        for (int i = 0; !st && i < 256 * 256; i++) bad += v[i] != (i < 256 * 128) || pix[i * 3] != (i < 256 * 128 ? 77 : 0);
        CHECK(!st && bad == 0, "partial.tif: %d pixels differ (top half valid 77, bottom half invalid 0)", bad);
        printf("  top half written, bottom half never: %s\n", !st && !bad ? "bottom half reads invalid" : "MISMATCH");
        sw_raster_close(r);
        free(buf), free(m), free(pix), free(v);
    } else CHECK(0, "create %s: %s", part, sw_errmsg());

    printf("errors:\n");
    FILE *fp = fopen(p[6], "w");
    fputs("a file, not a folder\n", fp);
    fclose(fp);
    check_error("parent is a file", sw_raster_create(&wr, p[7], &a), SW_ERR_OUTPUT, p[6]);
    check_error("folder does not exist", sw_raster_create(&wr, p[8], &a), SW_ERR_OUTPUT, "nope");
    sw_raster_spec bad = a;
    bad.dtype = "CFloat32";
    check_error("complex type", sw_raster_create(&wr, p[0], &bad), SW_ERR_USAGE, "CFloat32");
    bad = a;
    bad.tile = 100;
    check_error("tile 100", sw_raster_create(&wr, p[0], &bad), SW_ERR_USAGE, "100");
    bad = a;
    bad.compress = "JPEG";
    check_error("lossy compression", sw_raster_create(&wr, p[0], &bad), SW_ERR_USAGE, "JPEG");
    bad = a;
    bad.wkt = "not a CRS at all";
    check_error("bad CRS", sw_raster_create(&wr, p[0], &bad), SW_ERR_INPUT, p[0]);
    snprintf(part, sizeof part, "%s.part", p[0]);
    CHECK(!exists(part) && exists(p[0]), "a failed create leaves no .part and the old file in place");
    if (sw_raster_create(&wr, p[10], &g) == SW_OK) {
        uint16_t px[4] = {0};
        check_error("block outside", sw_raster_write(wr, 299, 199, 2, 2, px, NULL), SW_ERR_RUNTIME, "299,199,2,2");
        check_error("COG into a file", sw_raster_commit(wr, p[11]), SW_ERR_OUTPUT, p[6]);
        CHECK(exists(p[10]), "the GeoTIFF is committed even when its COG copy fails");
    } else CHECK(0, "create %s: %s", p[10], sw_errmsg());
    CPLFree(utm);
    CPLFree(geo);
    return t_verdict("test_raster_write");
}
