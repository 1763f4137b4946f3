/* Reduced reads and PNG output (see image_png.h). The band choice and the 8-bit stretch come from
 * io/raster.h (sw_raster_open: the same rule and percentiles as the tile reads); the pixels come
 * from one decimated GDALDatasetRasterIOEx, which GDAL answers from the nearest overview level, or
 * for files without overviews on the libtiff path (io/raster_tiff.h) from each tile decoded once. */
#include "io/image_png.h"
#include "io/raster.h"
#include "io/raster_tiff.h"
#include "io/gdal_common.h"
#include "src/core/fsutil.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SWATH_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

static sw_status check_size(const char *path, int ow, int oh) {
    if (ow < 1 || oh < 1 || ow > 1 << 15 || oh > 1 << 15)
        return sw_fail(SW_ERR_USAGE, "reduced read of '%s': size %dx%d out of 1..32768", path, ow, oh);
    return SW_OK;
}

/* The 8-bit stretch of a reduced sample (both paths below). */
static inline uint8_t to_u8(float s, double lo, double scale) {
    double v = (s - lo) * scale;
    return (uint8_t)(v <= 0 || isnan(v) ? 0 : v >= 255 ? 255 : lround(v));
}

typedef struct {
    int ow, nb;
    double lo[3], scale[3];
    uint8_t *rgb;
} rows_ctx;

/* One output row of the libtiff path: row (ow, nb) floats into rgb. */
static void put_row(void *ctx, int oy, const float *row) {
    const rows_ctx *c = ctx;
    uint8_t *o = c->rgb + (size_t)oy * c->ow * 3;
    for (int i = 0; i < c->ow; i++)
        for (int k = 0; k < 3; k++) {
            int b = c->nb == 3 ? k : 0;
            o[3 * i + k] = to_u8(row[(size_t)i * c->nb + b], c->lo[b], c->scale[b]);
        }
}

static sw_status read_rgb_impl(GDALDatasetH ds, const char *path, const int *bands, int nb, const double *lo,
                               const double *hi, int ow, int oh, uint8_t *rgb, uint8_t *valid) {
    size_t n = (size_t)ow * (size_t)oh;
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    int bl[3] = {bands[0], bands[nb > 1 ? 1 : 0], bands[nb > 2 ? 2 : 0]};
    rows_ctx rc = {ow, nb, {0, 0, 0}, {0, 0, 0}, rgb};
    for (int b = 0; b < nb; b++) rc.lo[b] = lo[b], rc.scale[b] = hi[b] > lo[b] ? 255.0 / (hi[b] - lo[b]) : 0.0;
    /* Without overviews GDAL decodes every tile through its block cache and averages chunk by chunk
     * (0.42 s of CPU for 4096^2 RGB); the libtiff path decodes each tile once and averages it
     * straight into the reduced rows, the same floats (tests/unit/test_raster_cells.c). With
     * overviews GDAL's read is cheap: it stays. Integer factors only (GDAL weighs partial pixels
     * otherwise). */
    sw_tiff *t = NULL;
    if (w % ow == 0 && h % oh == 0 && GDALGetOverviewCount(GDALGetRasterBand(ds, bl[0])) == 0) t = sw_tiff_open(ds, path);
    if (t && !sw_tiff_reduce_supported(t, w / ow, h / oh)) sw_tiff_close(t), t = NULL;
    if (t) {   /* the libtiff path gives the validity too */
        sw_status st = sw_tiff_reduce_average(t, w / ow, h / oh, bl, nb, put_row, &rc, valid);
        sw_tiff_close(t);
        return st;
    }
    float *buf = sw_malloc(n * (size_t)nb * sizeof(float), "reduced read");
    if (!buf) return SW_ERR_RUNTIME;
    GDALRasterIOExtraArg arg;
    INIT_RASTERIO_EXTRA_ARG(arg);
    arg.eResampleAlg = GRIORA_Average;
    CPLErr e = GDALDatasetRasterIOEx(ds, GF_Read, 0, 0, w, h, buf, ow, oh, GDT_Float32, nb, bl, 0, 0, 0, &arg);
    if (e != CE_None) {
        free(buf);
        return sw_fail(SW_ERR_INPUT, "reduced read of '%s' (%dx%d to %dx%d): %s", path, w, h, ow, oh, sw_gdal_reason());
    }
    for (int c = 0; c < 3; c++) {
        int b = nb == 3 ? c : 0;
        const float *src = buf + (size_t)b * n;
        for (size_t i = 0; i < n; i++) rgb[3 * i + (size_t)c] = to_u8(src[i], rc.lo[b], rc.scale[b]);
    }
    free(buf);
    if (!valid) return SW_OK;
    arg.eResampleAlg = GRIORA_NearestNeighbour;
    e = GDALRasterIOEx(GDALGetMaskBand(GDALGetRasterBand(ds, bands[0])), GF_Read, 0, 0, w, h, valid, ow, oh, GDT_Byte, 0,
                       0, &arg);
    if (e != CE_None)
        return sw_fail(SW_ERR_INPUT, "reduced read of the mask of '%s': %s", path, sw_gdal_reason());
    for (size_t i = 0; i < n; i++) valid[i] = valid[i] != 0;
    return SW_OK;
}

sw_status sw_image_read_reduced_rgb(const char *path, int ow, int oh, uint8_t *rgb, uint8_t *valid) {
    sw_status st = check_size(path, ow, oh);
    if (st) return st;
    sw_raster *r;
    if ((st = sw_raster_open(&r, path))) return st;
    int bands[SW_RASTER_MAX_BANDS], nb = sw_raster_selected_bands(r, bands);
    if (nb > 3) nb = 3;
    if (nb == 2) nb = 1;
    double lo[3] = {0, 0, 0}, hi[3] = {255, 255, 255};
    for (int b = 0; b < nb && !st; b++) st = sw_raster_stretch(r, bands[b], &lo[b], &hi[b]);
    sw_raster_close(r);
    if (st) return st;
    sw_gdal_init();
    sw_gdal_quiet();
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    if (!ds) st = sw_fail(SW_ERR_INPUT, "cannot open '%s': %s", path, sw_gdal_reason());
    else st = read_rgb_impl(ds, path, bands, nb, lo, hi, ow, oh, rgb, valid);
    if (ds) GDALClose(ds);
    sw_gdal_loud();
    return st;
}

sw_status sw_image_read_reduced_u8(const char *path, int ow, int oh, uint8_t *out) {
    sw_status st = check_size(path, ow, oh);
    if (st) return st;
    sw_gdal_init();
    sw_gdal_quiet();
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    if (!ds) st = sw_fail(SW_ERR_INPUT, "cannot open '%s': %s", path, sw_gdal_reason());
    else {
        GDALRasterIOExtraArg arg;
        INIT_RASTERIO_EXTRA_ARG(arg);
        arg.eResampleAlg = GRIORA_NearestNeighbour;
        int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
        /* Without overviews GDAL decodes every tile a picked row crosses through its block cache;
         * the libtiff path decodes them once and picks the same pixels (tests/unit/test_raster_cells.c). */
        sw_tiff *t = GDALGetOverviewCount(GDALGetRasterBand(ds, 1)) == 0 ? sw_tiff_open_raw(ds, path) : NULL;
        if (t) {
            st = sw_tiff_reduce_nearest(t, 1, ow, oh, out);
            sw_tiff_close(t);
        } else if (GDALRasterIOEx(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, w, h, out, ow, oh, GDT_Byte, 0, 0, &arg) != CE_None)
            st = sw_fail(SW_ERR_INPUT, "reduced read of '%s', band 1: %s", path, sw_gdal_reason());
        GDALClose(ds);
    }
    sw_gdal_loud();
    return st;
}

static sw_status write_png_impl(const char *path, const char *tmp, int w, int h, const uint8_t *rgb) {
    GDALDriverH mem = GDALGetDriverByName("MEM"), png = GDALGetDriverByName("PNG");
    if (!mem || !png) return sw_fail(SW_ERR_RUNTIME, "writing '%s': GDAL lacks the MEM or PNG driver", path);
    GDALDatasetH ds = GDALCreate(mem, "", w, h, 3, GDT_Byte, NULL);
    if (!ds) return sw_fail(SW_ERR_RUNTIME, "writing '%s': cannot make a MEM raster: %s", path, sw_gdal_reason());
    CPLErr e = GDALDatasetRasterIO(ds, GF_Write, 0, 0, w, h, (void *)rgb, w, h, GDT_Byte, 3, NULL, 3, 3 * w, 1);
    /* zlib level 1: 0.07 s of CPU for a 1024 x 1100 quicklook instead of 0.25 s at the default 6,
     * for a file 8 % larger; the pixels are the same. */
    char *opt[] = {"ZLEVEL=1", NULL};
    GDALDatasetH out = e == CE_None ? GDALCreateCopy(png, tmp, ds, FALSE, opt, NULL, NULL) : NULL;
    GDALClose(ds);
    if (!out) {
        unlink(tmp);
        return sw_fail(SW_ERR_OUTPUT, "cannot write '%s' (PNG driver): %s", path, sw_gdal_reason());
    }
    GDALClose(out);
    char aux[4300];
    snprintf(aux, sizeof aux, "%s.aux.xml", tmp);
    unlink(aux);
    if (sw_gdal_failed()) {
        unlink(tmp);
        return sw_fail(SW_ERR_OUTPUT, "cannot write '%s' (PNG driver): %s", path, sw_gdal_reason());
    }
    return sw_rename_durable(tmp, path);
}

#ifdef SWATH_HAVE_LIBDEFLATE
/* The PNG written here rather than by GDAL's PNG driver: libpng's adaptive filtering tries five
 * filters on every row, which made the 1024 x 1100 quicklook cost 0.066 s, the longest step of the
 * outputs on the 4096^2 bench; here every row takes the Sub filter (the left neighbour's difference,
 * good on imagery) and libdeflate level 1 compresses the whole image in one call. */
static void be32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }

/* Writes one chunk (length, type, data, CRC of type + data). Returns 0, or -1 on a write error. */
static int put_chunk(FILE *f, const char *type, const uint8_t *data, size_t n) {
    uint8_t head[8], tail[4];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uint32_t crc = libdeflate_crc32(0, head + 4, 4);
    crc = libdeflate_crc32(crc, data, n);
    be32(tail, crc);
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(tail, 1, 4, f) == 4 ? 0 : -1;
}

static sw_status write_png_deflate(const char *path, const char *tmp, int w, int h, const uint8_t *rgb) {
    size_t row = 3 * (size_t)w, raw_n = (row + 1) * (size_t)h;
    uint8_t *raw = malloc(raw_n);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    size_t cap = c ? libdeflate_zlib_compress_bound(c, raw_n) : 0;
    uint8_t *z = cap ? malloc(cap) : NULL;
    if (!raw || !c || !z) {
        free(raw), free(z);
        if (c) libdeflate_free_compressor(c);
        return sw_fail(SW_ERR_RUNTIME, "out of memory writing '%s'", path);
    }
    for (int y = 0; y < h; y++) {   /* filter type 1 (Sub): each byte minus the same channel's byte to its left */
        const uint8_t *s = rgb + (size_t)y * row;
        uint8_t *o = raw + (size_t)y * (row + 1);
        o[0] = 1;
        for (size_t i = 0; i < row; i++) o[1 + i] = (uint8_t)(s[i] - (i >= 3 ? s[i - 3] : 0));
    }
    size_t zn = libdeflate_zlib_compress(c, raw, raw_n, z, cap);
    libdeflate_free_compressor(c);
    free(raw);
    uint8_t ihdr[13];
    be32(ihdr, (uint32_t)w), be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = 0;   /* 8-bit RGB, deflate, adaptive filtering, no interlace */
    FILE *f = zn ? fopen(tmp, "wb") : NULL;
    int bad = !f;
    if (f) {
        static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        bad = fwrite(sig, 1, 8, f) != 8 || put_chunk(f, "IHDR", ihdr, 13) || put_chunk(f, "IDAT", z, zn) ||
              put_chunk(f, "IEND", NULL, 0);
        bad = fclose(f) != 0 || bad;
    }
    free(z);
    if (bad) {
        unlink(tmp);
        return sw_fail(SW_ERR_OUTPUT, "cannot write '%s'%s", path, zn ? "" : ": compression failed");
    }
    return sw_rename_durable(tmp, path);
}
#endif

sw_status sw_image_write_png(const char *path, int w, int h, const uint8_t *rgb) {
    if (w < 1 || h < 1) return sw_fail(SW_ERR_RUNTIME, "writing '%s': empty image %dx%d", path, w, h);
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp)
        return sw_fail(SW_ERR_OUTPUT, "path too long: %s", path);
#ifdef SWATH_HAVE_LIBDEFLATE
    if (!getenv("SWATH_PNG_GDAL")) return write_png_deflate(path, tmp, w, h, rgb);
#endif
    sw_gdal_init();
    sw_gdal_quiet();
    sw_status st = write_png_impl(path, tmp, w, h, rgb);
    sw_gdal_loud();
    return st;
}
