/* Helpers for the raster tests: a check counter with a final verdict, a scratch folder, fixture
 * rasters made with GDAL directly (so the code under test does not make its own inputs), and an
 * open with a chosen reader. */
#ifndef SWATH_TESTS_RASTER_TEST_UTIL_H
#define SWATH_TESTS_RASTER_TEST_UTIL_H

#include "io/raster.h"

#include <cpl_string.h>
#include <gdal.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int t_checks, t_failed;

/* Counts a check; prints the first failures of each kind (the caller keeps its own limits). */
#define CHECK(cond, ...)                                  \
    do {                                                  \
        t_checks++;                                       \
        if (!(cond)) {                                    \
            if (t_failed++ < 40) {                        \
                printf("  FAIL %s:%d: ", __FILE__, __LINE__); \
                printf(__VA_ARGS__);                      \
                printf("\n");                             \
            }                                             \
        }                                                 \
    } while (0)

static inline int t_verdict(const char *name) {
    if (t_failed) printf("%s: FAILED (%d of %d checks failed)\n", name, t_failed, t_checks);
    else printf("%s: PASSED (%d checks)\n", name, t_checks);
    return t_failed ? 1 : 0;
}

/* $SWATH_TEST_DIR/<name> (or ./<name>), created; into buf. */
static inline const char *t_dir(char *buf, size_t cap, const char *name) {
    const char *base = getenv("SWATH_TEST_DIR");
    snprintf(buf, cap, "%s/%s", base && *base ? base : ".", name);
    mkdir(buf, 0777);
    return buf;
}

/* Sample value of pixel (x, y) of band b (1-based), written as type t. */
typedef double (*t_pixel_fn)(int x, int y, int b);
/* Mask value (0 invalid, 255 valid) of pixel (x, y). */
typedef int (*t_mask_fn)(int x, int y);

typedef struct {
    int width, height, nbands;
    GDALDataType type;
    int block;           /* tile side; 0: strips */
    t_pixel_fn pixel;
    int has_nodata;
    double nodata;
    t_mask_fn mask;      /* NULL: no internal mask */
    const int *interp;   /* colour interpretation per band, NULL: leave GDAL's default */
    const char *const *desc; /* band descriptions, NULL: none */
} t_fixture;

/* Writes a GeoTIFF fixture with GDAL; returns 0 on success. */
static inline int t_make_tif(const char *path, const t_fixture *f) {
    GDALAllRegister();
    char **opt = NULL, bs[16];
    if (f->block) {
        snprintf(bs, sizeof bs, "%d", f->block);
        opt = CSLSetNameValue(opt, "TILED", "YES");
        opt = CSLSetNameValue(opt, "BLOCKXSIZE", bs);
        opt = CSLSetNameValue(opt, "BLOCKYSIZE", bs);
    } else {
        opt = CSLSetNameValue(opt, "BLOCKYSIZE", "7"); /* many short strips */
    }
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    opt = CSLSetNameValue(opt, "PHOTOMETRIC", "MINISBLACK");
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, f->width, f->height, f->nbands, f->type, opt);
    CSLDestroy(opt);
    if (!ds) {
        printf("cannot create fixture %s: %s\n", path, CPLGetLastErrorMsg());
        return 1;
    }
    double gt[6] = {500000, 10, 0, 4000000, 0, -10};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32633");
    double *row = malloc(sizeof(double) * (size_t)f->width);
    uint8_t *mrow = malloc((size_t)f->width);
    int rc = 0;
    for (int b = 1; b <= f->nbands; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        if (f->has_nodata) GDALSetRasterNoDataValue(band, f->nodata);
        if (f->interp) GDALSetRasterColorInterpretation(band, (GDALColorInterp)f->interp[b - 1]);
        if (f->desc) GDALSetDescription(band, f->desc[b - 1]);
        for (int y = 0; y < f->height && !rc; y++) {
            for (int x = 0; x < f->width; x++) row[x] = f->pixel(x, y, b);
            rc = GDALRasterIO(band, GF_Write, 0, y, f->width, 1, row, f->width, 1, GDT_Float64, 0, 0) != CE_None;
        }
    }
    if (f->mask && !rc) {
        CPLSetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES");
        rc = GDALCreateDatasetMaskBand(ds, GMF_PER_DATASET) != CE_None;
        GDALRasterBandH mb = GDALGetMaskBand(GDALGetRasterBand(ds, 1));
        for (int y = 0; y < f->height && !rc; y++) {
            for (int x = 0; x < f->width; x++) mrow[x] = (uint8_t)f->mask(x, y);
            rc = GDALRasterIO(mb, GF_Write, 0, y, f->width, 1, mrow, f->width, 1, GDT_Byte, 0, 0) != CE_None;
        }
    }
    free(row);
    free(mrow);
    GDALClose(ds);
    if (rc) printf("cannot write fixture %s: %s\n", path, CPLGetLastErrorMsg());
    return rc;
}

/* Does `s` contain `part`? For error-message checks. */
/* Opens `path` with the reader SWATH_READER chooses (NULL: the default, the libtiff fast path
 * where the file qualifies; "gdal": GDAL's path); a failure is a failed check (NULL). */
static inline sw_raster *t_open_with(const char *path, const char *reader) {
    if (reader) setenv("SWATH_READER", reader, 1);
    else unsetenv("SWATH_READER");
    sw_raster *r = NULL;
    if (sw_raster_open(&r, path)) {
        CHECK(0, "open %s: %s", path, sw_errmsg());
        r = NULL;
    }
    unsetenv("SWATH_READER");
    return r;
}

static inline int t_has(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

#endif
