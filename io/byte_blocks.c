/* Block reads of a one-band Byte raster (see byte_blocks.h).
 *
 * Block by block, because GDAL's block cache (behind GDALRasterIO) takes fresh pages for every
 * block it decodes, and their page faults cost more than the decoding: a block is decoded straight
 * into one reused buffer and copied into the caller's strip.
 *
 * The inflate path (SWATH_HAVE_LIBDEFLATE): the file's tiles or strips are read raw with libtiff,
 * inflated with libdeflate and un-predicted here. Why: libtiff undoes the horizontal predictor
 * (PREDICTOR=2, which mask.tif has) one byte at a time through memory, a load-add-store chain that
 * was half of the vectorize time on a 4096^2 mask (docs/performance.md); here a stretch of 8 zero
 * deltas (a constant stretch: nearly all of a class mask) is written 8 bytes at once. Taken only
 * where it gives exactly GDAL's bytes: a GeoTIFF of one 8-bit sample, no or DEFLATE compression,
 * predictor 1 or 2, MSB-first fill order, GDAL's own block size, every block present.
 * SWATH_READER=gdal turns it off (the reference path, as for io/raster_tiff.c). */
#include "io/byte_blocks.h"
#include "io/gdal_common.h"
#include "src/core/error.h"

#ifdef SWATH_HAVE_LIBDEFLATE
#include <libdeflate.h>
#include <tiffio.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sw_byte_blocks {
    GDALRasterBandH band;
    int32_t W, H;
    int bw, bh;
    uint8_t *blk;                           /* one block (block mode), else NULL */
#ifdef SWATH_HAVE_LIBDEFLATE
    TIFF *tif;                              /* NULL: GDALReadBlock */
    struct libdeflate_decompressor *dec;    /* NULL: not compressed */
    int predictor, tiled;
    uint8_t *raw;
    size_t cap_raw;
    char err[256];
#endif
};

#ifdef SWATH_HAVE_LIBDEFLATE
static int on_tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif, (void)module;
    sw_byte_blocks *r = user;
    if (r) vsnprintf(r->err, sizeof r->err, fmt, ap);
    return 1;   /* handled: not passed on to the process-wide handlers (GDAL's) */
}

static int on_tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

/* Sets up the inflate path when the file qualifies (see sw_byte_blocks); else leaves r->tif NULL. */
static void inflate_open(sw_byte_blocks *r, GDALDatasetH ds, const char *path) {
    const char *env = getenv("SWATH_READER");
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if ((env && !strcmp(env, "gdal")) || !drv || strcmp(GDALGetDriverShortName(drv), "GTiff")) return;
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o) return;
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_tiff_error, r);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_tiff_warning, r);
    TIFF *tif = TIFFOpenExt(path, "r", o);
    TIFFOpenOptionsFree(o);
    if (!tif) return;
    uint32_t w = 0, h = 0, tw = 0, th = 0;
    uint16_t bps = 0, spp = 0, comp = 0, pred = 0, fill = 0;
    int tiled = TIFFIsTiled(tif);
    int ok = TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) && TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) &&
             w == (uint32_t)r->W && h == (uint32_t)r->H && TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps) &&
             bps == 8 && TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp) && spp == 1 &&
             TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp) &&
             (comp == COMPRESSION_NONE || comp == COMPRESSION_ADOBE_DEFLATE || comp == COMPRESSION_DEFLATE) &&
             TIFFGetFieldDefaulted(tif, TIFFTAG_PREDICTOR, &pred) && (pred == 1 || pred == 2) &&
             TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill) && fill == FILLORDER_MSB2LSB;
    if (ok && tiled) ok = TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) && TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    if (ok && !tiled) {   /* strips: blocks of whole rows */
        ok = TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &th);
        tw = w, th = th > h ? h : th;
    }
    ok = ok && tw == (uint32_t)r->bw && th == (uint32_t)r->bh;
    uint32_t n = ok ? TIFFNumberOfStrips(tif) : 0;   /* strips or tiles */
    for (uint32_t k = 0; ok && k < n; k++) ok = TIFFGetStrileByteCount(tif, k) > 0;
    if (ok && comp != COMPRESSION_NONE) ok = (r->dec = libdeflate_alloc_decompressor()) != NULL;
    if (!ok) {
        TIFFClose(tif);
        return;
    }
    r->tif = tif, r->predictor = pred, r->tiled = tiled;
}

/* Adds each byte to the one before it (the horizontal predictor's inverse), 8 zero deltas at once. */
static void unpredict(uint8_t *row, int n) {
    uint8_t v = row[0];
    for (int x = 1; x < n;) {
        uint64_t w;
        if (x + 8 <= n && (memcpy(&w, row + x, 8), w == 0)) {
            memset(row + x, v, 8);
            x += 8;
            continue;
        }
        v = (uint8_t)(v + row[x]);
        row[x++] = v;
    }
}

static CPLErr inflate_block(sw_byte_blocks *r, int32_t bx, int32_t by, uint8_t *blk) {
    uint32_t k = r->tiled ? (uint32_t)by * (uint32_t)((r->W + r->bw - 1) / r->bw) + (uint32_t)bx : (uint32_t)by;
    uint64_t size = TIFFGetStrileByteCount(r->tif, k);
    int32_t rows = r->tiled ? r->bh : (r->H - by * r->bh < r->bh ? r->H - by * r->bh : r->bh);
    size_t want = (size_t)r->bw * (size_t)rows, got = 0;
    uint8_t *dst = r->dec ? r->raw : blk;
    if (r->dec && size > r->cap_raw) {
        uint8_t *p = realloc(r->raw, size);
        if (!p) return CE_Failure;
        r->raw = p, r->cap_raw = size, dst = p;
    }
    if (!r->dec && size < want) return CE_Failure;
    tmsize_t n = r->tiled ? TIFFReadRawTile(r->tif, k, dst, (tmsize_t)(r->dec ? size : want))
                          : TIFFReadRawStrip(r->tif, k, dst, (tmsize_t)(r->dec ? size : want));
    if (n < 0 || (size_t)n != (r->dec ? size : want)) return CE_Failure;
    if (r->dec && (libdeflate_zlib_decompress(r->dec, r->raw, size, blk, want, &got) != LIBDEFLATE_SUCCESS ||
                   got != want)) {
        snprintf(r->err, sizeof r->err, "block %u does not inflate to %zu bytes", k, want);
        return CE_Failure;
    }
    if (r->predictor == 2)
        for (int32_t y = 0; y < rows; y++) unpredict(blk + (size_t)y * r->bw, r->bw);
    return CE_None;
}
#endif

sw_byte_blocks *sw_byte_blocks_open(GDALDatasetH ds, const char *path, int blocks) {
    sw_byte_blocks *r = sw_calloc(1, sizeof *r, "block reader");
    if (!r) return NULL;
    r->band = GDALGetRasterBand(ds, 1);
    r->W = GDALGetRasterXSize(ds), r->H = GDALGetRasterYSize(ds);
    GDALGetBlockSize(r->band, &r->bw, &r->bh);
    if (blocks && !(r->blk = sw_malloc((size_t)r->bw * (size_t)r->bh, "raster block"))) {
        free(r);
        return NULL;
    }
#ifdef SWATH_HAVE_LIBDEFLATE
    if (blocks) inflate_open(r, ds, path);
#else
    (void)path;
#endif
    return r;
}

void sw_byte_blocks_close(sw_byte_blocks *r) {
    if (!r) return;
#ifdef SWATH_HAVE_LIBDEFLATE
    if (r->tif) TIFFClose(r->tif);
    if (r->dec) libdeflate_free_decompressor(r->dec);
    free(r->raw);
#endif
    free(r->blk);
    free(r);
}

int sw_byte_blocks_inflates(const sw_byte_blocks *r) {
#ifdef SWATH_HAVE_LIBDEFLATE
    return r->tif != NULL;
#else
    (void)r;
    return 0;
#endif
}

const char *sw_byte_blocks_reason(const sw_byte_blocks *r) {
#ifdef SWATH_HAVE_LIBDEFLATE
    if (r->tif && r->err[0]) return r->err;
#else
    (void)r;
#endif
    return sw_gdal_reason();
}

CPLErr sw_byte_blocks_read_rows(sw_byte_blocks *r, int32_t y0, int32_t h, uint8_t *strip, const uint8_t *need) {
    int32_t W = r->W, bw = r->bw;
    if (!r->blk) return GDALRasterIO(r->band, GF_Read, 0, y0, W, h, strip, W, h, GDT_Byte, 0, 0);
    for (int32_t bx = 0; (int64_t)bx * bw < W; bx++) {
        if (need && !need[bx]) continue;
#ifdef SWATH_HAVE_LIBDEFLATE
        CPLErr e = r->tif ? inflate_block(r, bx, y0 / r->bh, r->blk) : GDALReadBlock(r->band, bx, y0 / r->bh, r->blk);
#else
        CPLErr e = GDALReadBlock(r->band, bx, y0 / r->bh, r->blk);
#endif
        if (e != CE_None) return e;
        int32_t cw = W - bx * bw < bw ? W - bx * bw : bw;
        for (int32_t y = 0; y < h; y++)
            memcpy(strip + (size_t)y * W + (size_t)bx * bw, r->blk + (size_t)y * bw, (size_t)cw);
    }
    return CE_None;
}
