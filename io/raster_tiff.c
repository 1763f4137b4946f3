/* The libtiff fast path of sw_raster_read_u8 (see raster_tiff.h): window reads of tiled 8-bit
 * pixel-interleaved GeoTIFFs decoded with TIFFReadEncodedTile, with GDAL's internal mask IFD applied.
 * GDAL reads these files through the same system libtiff, so the decoded samples are the same; the
 * factor of 2 it costs is its block cache, splitting tiles into per-band blocks and interleaving
 * them again, and expanding the 1-bit mask (docs/performance.md, tests/bench/bench_read.c).
 *
 * Used only where the result is exactly GDAL's (checked once, at open):
 *   - a plain file path (no /vsi, no "DRIVER:..." syntax), GDAL driver GTiff, no .msk sidecar;
 *   - 3 or 4 bands, all Byte, none with a nodata value; the first IFD tiled, 8-bit unsigned,
 *     PLANARCONFIG_CONTIG, samples per pixel = GDAL's band count, photometric RGB or MINISBLACK (no
 *     YCbCr, CMYK or palette conversion), a compression libtiff is built with (not OJPEG), every
 *     tile present (no sparse tiles, which GDAL fills itself);
 *   - validity: GDAL reports every band all valid (GMF_ALL_VALID), or every band's mask is the
 *     per-dataset internal mask (GMF_PER_DATASET) and the mask IFD GDAL takes (the first full-size
 *     FILETYPE_MASK IFD) is tiled, photometric MASK, 1 sample of 1 bit, every tile present.
 * Decoded tiles are kept in an LRU cache per IFD, so a tile shared by overlapping windows read in
 * row order is decoded once: it holds the tile rows of the largest window read so far plus one, as
 * full rows of tiles (at most GDAL's block cache size, GDALGetCacheMax64 from sw_raster_configure,
 * which this handle's reads no longer fill). Not the whole budget at once: fresh tile buffers cost
 * more than decoding again (a cache of the whole 4096^2 image read 512-windows 1.4x slower). Two TIFF handles (image and
 * mask IFD), so reads never switch directories. libtiff's messages go to this reader only. */
#include "io/raster_tiff.h"
#include "io/raster.h"

#include <tiffio.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CACHE_SLOTS_MIN 4      /* decoded tiles kept per IFD and handle: at least, */
#define CACHE_SLOTS_MAX 4096   /* at most (the lookup is a linear scan) */

typedef struct {
    int64_t key;     /* tile index, -1 when empty */
    uint64_t used;   /* LRU stamp */
    uint8_t *data;
} tile_slot;

typedef struct {
    TIFF *tif;       /* positioned on this IFD for good */
    int tw, th, ntx, nty, spp;
    size_t tile_bytes;
    tile_slot *slots;
    int nslots, cap;   /* slots now, and at most (the budget) */
    uint64_t clock;
    char err[256];   /* libtiff's last error on this handle */
} tiff_ifd;

struct sw_tiff {
    int width, height;
    tiff_ifd img, mask;   /* mask.tif == NULL: all valid */
    char path[1024];
};

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif, (void)module;
    tiff_ifd *d = user;
    if (d) vsnprintf(d->err, sizeof d->err, fmt, ap);
    return 1;   /* handled: not passed on to the process-wide handlers (GDAL's) */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;   /* GDAL's path is silent too (sw_gdal_quiet) */
}

/* Opens `path` with libtiff, on its first IFD; messages go to d->err. */
static TIFF *open_ifd(tiff_ifd *d, const char *path) {
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, d);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, d);
    TIFF *tif = TIFFOpenExt(path, "r", o);
    TIFFOpenOptionsFree(o);
    return tif;
}

/* Every tile of the current IFD has bytes (GDAL fills missing ones itself; libtiff fails on them). */
static int tiles_present(TIFF *tif) {
    uint32_t n = TIFFNumberOfTiles(tif);
    for (uint32_t k = 0; k < n; k++)
        if (TIFFGetStrileByteCount(tif, k) == 0) return 0;
    return 1;
}

static int u16_field(TIFF *tif, uint32_t tag, uint16_t *v) { return TIFFGetFieldDefaulted(tif, tag, v) == 1; }

/* Makes room in d's cache for windows spanning `rows` tile rows: (rows + 1) rows of tiles, within
 * d->cap. Returns 0, or -1 when out of memory. */
static int ifd_reserve(tiff_ifd *d, int rows) {
    int64_t want = (int64_t)(rows + 1) * d->ntx + 2;
    int n = want < d->cap ? (int)want : d->cap;
    if (n <= d->nslots) return 0;
    tile_slot *s = realloc(d->slots, (size_t)n * sizeof *s);
    if (!s) return -1;
    for (int i = d->nslots; i < n; i++) s[i] = (tile_slot){-1, 0, NULL};
    d->slots = s, d->nslots = n;
    return 0;
}

/* Sets up d on its open handle: tile geometry and a cache of at most `budget` bytes. Returns 0,
 * or -1 when not usable. */
static int ifd_setup(tiff_ifd *d, int width, int height, int64_t budget) {
    uint32_t tw = 0, th = 0;
    uint16_t spp = 0;
    if (!TIFFIsTiled(d->tif) || !TIFFGetField(d->tif, TIFFTAG_TILEWIDTH, &tw) ||
        !TIFFGetField(d->tif, TIFFTAG_TILELENGTH, &th) || tw == 0 || th == 0 || !u16_field(d->tif, TIFFTAG_SAMPLESPERPIXEL, &spp))
        return -1;
    tmsize_t tb = TIFFTileSize(d->tif);
    if (tb <= 0 || !tiles_present(d->tif)) return -1;
    d->tw = (int)tw, d->th = (int)th, d->spp = spp, d->tile_bytes = (size_t)tb;
    d->ntx = (int)(((int64_t)width + tw - 1) / tw), d->nty = (int)(((int64_t)height + th - 1) / th);
    int64_t all = (int64_t)d->ntx * d->nty, fit = budget / (int64_t)d->tile_bytes;
    if (fit > all) fit = all;
    if (fit > CACHE_SLOTS_MAX) fit = CACHE_SLOTS_MAX;
    d->cap = fit < CACHE_SLOTS_MIN ? CACHE_SLOTS_MIN : (int)fit;
    return ifd_reserve(d, 1);
}

static void ifd_free(tiff_ifd *d) {
    if (d->slots)
        for (int i = 0; i < d->nslots; i++) free(d->slots[i].data);
    free(d->slots);
    if (d->tif) TIFFClose(d->tif);
    memset(d, 0, sizeof *d);
}

/* Moves tif (on IFD 0) to the IFD GDAL takes as the internal mask: the first full-size
 * FILETYPE_MASK IFD that is not an overview, of 1 or nbands samples of 1 or 8 bits. Returns 1, or
 * 0 when there is none. */
static int find_mask_ifd(TIFF *tif, int width, int height, int nbands) {
    while (TIFFReadDirectory(tif)) {
        uint32_t sft = 0, w = 0, h = 0;
        uint16_t spp = 1, bits = 1;
        TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &sft);
        if (!(sft & FILETYPE_MASK) || (sft & FILETYPE_REDUCEDIMAGE)) continue;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        u16_field(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
        u16_field(tif, TIFFTAG_BITSPERSAMPLE, &bits);
        if ((int)w == width && (int)h == height && (spp == 1 || spp == nbands) && (bits == 1 || bits == 8)) return 1;
    }
    return 0;
}

/* GDAL's side of the conditions: 3 or 4 Byte bands without nodata; all valid or the per-dataset
 * mask on every band. Returns 0 (not eligible), 1 (all valid) or 2 (per-dataset mask). */
static int gdal_eligible(GDALDatasetH ds, const char *path) {
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if (!drv || strcmp(GDALGetDriverShortName(drv), "GTiff") != 0) return 0;
    if (strncmp(path, "/vsi", 4) == 0 || strchr(path, ':')) return 0;
    int nb = GDALGetRasterCount(ds), kind = 0;
    if (nb != 3 && nb != 4) return 0;
    for (int b = 1; b <= nb; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        int has_nd = 0;
        GDALGetRasterNoDataValue(band, &has_nd);
        if (GDALGetRasterDataType(band) != GDT_Byte || has_nd) return 0;
        int flags = GDALGetMaskFlags(band), k = flags == GMF_ALL_VALID ? 1 : flags == GMF_PER_DATASET ? 2 : 0;
        if (!k || (kind && k != kind)) return 0;
        kind = k;
    }
    char msk[1100];
    struct stat sb;
    snprintf(msk, sizeof msk, "%s.msk", path);
    if (stat(msk, &sb) == 0) return 0;   /* an external mask: leave the choice to GDAL */
    snprintf(msk, sizeof msk, "%s.MSK", path);
    if (stat(msk, &sb) == 0) return 0;
    return kind;
}

sw_tiff *sw_tiff_open(GDALDatasetH ds, const char *path) {
    /* Opt-in (SWATH_READER=tiff): window reads are 1.5x faster, but whole `swath run`s measured
     * 3-6 % slower with it (docs/performance.md), so GDAL stays the default reader until that
     * is understood. */
    const char *env = getenv("SWATH_READER");
    if (!env || strcasecmp(env, "tiff") != 0) return NULL;
    int kind = gdal_eligible(ds, path);
    if (!kind || strlen(path) >= sizeof ((sw_tiff *)0)->path) return NULL;
    sw_tiff *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    snprintf(t->path, sizeof t->path, "%s", path);
    t->width = GDALGetRasterXSize(ds), t->height = GDALGetRasterYSize(ds);
    int nb = GDALGetRasterCount(ds), ok = 0;
    int64_t budget = GDALGetCacheMax64();
    TIFF *tif = t->img.tif = open_ifd(&t->img, path);
    if (tif) {
        uint32_t w = 0, h = 0;
        uint16_t spp = 0, bits = 0, fmt = 0, planar = 0, photo = 0, comp = 0;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        ok = (int)w == t->width && (int)h == t->height && u16_field(tif, TIFFTAG_SAMPLESPERPIXEL, &spp) && spp == nb &&
             u16_field(tif, TIFFTAG_BITSPERSAMPLE, &bits) && bits == 8 && u16_field(tif, TIFFTAG_SAMPLEFORMAT, &fmt) &&
             fmt == SAMPLEFORMAT_UINT && u16_field(tif, TIFFTAG_PLANARCONFIG, &planar) && planar == PLANARCONFIG_CONTIG &&
             TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) && (photo == PHOTOMETRIC_RGB || photo == PHOTOMETRIC_MINISBLACK) &&
             u16_field(tif, TIFFTAG_COMPRESSION, &comp) && comp != COMPRESSION_OJPEG && TIFFIsCODECConfigured(comp) &&
             ifd_setup(&t->img, t->width, t->height, budget) == 0;
    }
    if (ok && kind == 2) {
        t->mask.tif = open_ifd(&t->mask, path);
        ok = t->mask.tif && find_mask_ifd(t->mask.tif, t->width, t->height, nb);
        uint16_t spp = 0, bits = 0, fmt = 0, comp = 0, photo = 0;
        ok = ok && TIFFGetField(t->mask.tif, TIFFTAG_PHOTOMETRIC, &photo) && photo == PHOTOMETRIC_MASK &&
             u16_field(t->mask.tif, TIFFTAG_SAMPLESPERPIXEL, &spp) && spp == 1 &&
             u16_field(t->mask.tif, TIFFTAG_BITSPERSAMPLE, &bits) && bits == 1 &&
             u16_field(t->mask.tif, TIFFTAG_SAMPLEFORMAT, &fmt) && fmt == SAMPLEFORMAT_UINT &&
             u16_field(t->mask.tif, TIFFTAG_COMPRESSION, &comp) && comp != COMPRESSION_OJPEG && TIFFIsCODECConfigured(comp) &&
             ifd_setup(&t->mask, t->width, t->height, budget) == 0;
    }
    if (!ok) {
        sw_tiff_close(t);
        return NULL;
    }
    return t;
}

void sw_tiff_close(sw_tiff *t) {
    if (!t) return;
    ifd_free(&t->img);
    ifd_free(&t->mask);
    free(t);
}

/* The decoded tile (tx, ty) of d, from the cache or decoded now; NULL on failure (d->err). */
static const uint8_t *ifd_tile(tiff_ifd *d, int tx, int ty) {
    int64_t key = (int64_t)ty * d->ntx + tx;
    int victim = 0;
    for (int i = 0; i < d->nslots; i++) {
        if (d->slots[i].key == key) {
            d->slots[i].used = ++d->clock;
            return d->slots[i].data;
        }
        if (d->slots[i].used < d->slots[victim].used) victim = i;   /* empty slots have used = 0 */
    }
    tile_slot *s = &d->slots[victim];
    if (!s->data && !(s->data = malloc(d->tile_bytes))) {
        snprintf(d->err, sizeof d->err, "out of memory for a decoded tile (%zu bytes)", d->tile_bytes);
        return NULL;
    }
    s->key = -1, s->used = 0;
    d->err[0] = 0;
    if (TIFFReadEncodedTile(d->tif, (uint32_t)key, s->data, (tmsize_t)d->tile_bytes) < 0) {
        if (!d->err[0]) snprintf(d->err, sizeof d->err, "no reason given by libtiff");
        return NULL;
    }
    s->key = key, s->used = ++d->clock;
    return s->data;
}

static sw_status tile_fail(const sw_tiff *t, const tiff_ifd *d, int x, int y, int w, int h, int tx, int ty) {
    return sw_fail(SW_ERR_INPUT, "reading window %d,%d,%d,%d of %s: libtiff cannot decode %s tile %d,%d: %s", x, y, w, h,
                   t->path, d == &t->mask ? "mask" : "image", tx, ty, d->err);
}

sw_status sw_tiff_read(sw_tiff *t, int x, int y, int w, int h, const int *sel, int nb, uint8_t *pix, size_t line,
                       uint8_t *v, size_t vline) {
    const tiff_ifd *d = &t->img;
    if (ifd_reserve(&t->img, (y + h - 1) / d->th - y / d->th + 1) ||
        (t->mask.tif && ifd_reserve(&t->mask, (y + h - 1) / t->mask.th - y / t->mask.th + 1)))
        return sw_fail(SW_ERR_RUNTIME, "out of memory for the tile cache of %s", t->path);
    int spp = d->spp, same = nb == spp;
    for (int i = 0; i < nb && same; i++) same = sel[i] == i + 1;
    int off[SW_RASTER_MAX_BANDS];
    for (int i = 0; i < nb; i++) off[i] = sel[i] - 1;
    for (int ty = y / d->th; ty <= (y + h - 1) / d->th; ty++)
        for (int tx = x / d->tw; tx <= (x + w - 1) / d->tw; tx++) {
            const uint8_t *tile = ifd_tile(&t->img, tx, ty);
            if (!tile) return tile_fail(t, &t->img, x, y, w, h, tx, ty);
            int x0 = tx * d->tw > x ? tx * d->tw : x, x1 = (tx + 1) * d->tw < x + w ? (tx + 1) * d->tw : x + w;
            int y0 = ty * d->th > y ? ty * d->th : y, y1 = (ty + 1) * d->th < y + h ? (ty + 1) * d->th : y + h;
            for (int j = y0; j < y1; j++) {
                const uint8_t *s = tile + ((size_t)(j - ty * d->th) * d->tw + (size_t)(x0 - tx * d->tw)) * spp;
                uint8_t *o = pix + (size_t)(j - y) * line + (size_t)(x0 - x) * nb;
                if (same) {
                    memcpy(o, s, (size_t)(x1 - x0) * spp);
                    continue;
                }
                for (int i = 0; i < x1 - x0; i++, s += spp, o += nb)
                    for (int b = 0; b < nb; b++) o[b] = s[off[b]];
            }
        }
    if (!t->mask.tif) return SW_OK;
    if (!v) return sw_fail(SW_ERR_RUNTIME, "reading window %d,%d,%d,%d of %s: no validity buffer for the mask", x, y, w, h, t->path);
    const tiff_ifd *m = &t->mask;
    size_t mline = ((size_t)m->tw + 7) / 8;   /* bytes per row of a 1-bit tile, most significant bit first */
    for (int ty = y / m->th; ty <= (y + h - 1) / m->th; ty++)
        for (int tx = x / m->tw; tx <= (x + w - 1) / m->tw; tx++) {
            const uint8_t *tile = ifd_tile(&t->mask, tx, ty);
            if (!tile) return tile_fail(t, &t->mask, x, y, w, h, tx, ty);
            int x0 = tx * m->tw > x ? tx * m->tw : x, x1 = (tx + 1) * m->tw < x + w ? (tx + 1) * m->tw : x + w;
            int y0 = ty * m->th > y ? ty * m->th : y, y1 = (ty + 1) * m->th < y + h ? (ty + 1) * m->th : y + h;
            for (int j = y0; j < y1; j++) {
                const uint8_t *row = tile + (size_t)(j - ty * m->th) * mline;
                uint8_t *vr = v + (size_t)(j - y) * vline;
                for (int i = x0; i < x1; i++) {
                    int c = i - tx * m->tw;
                    vr[i - x] = (row[c >> 3] >> (7 - (c & 7))) & 1;
                }
            }
        }
    /* Invalid pixels read as 0, whatever the file holds there. */
    for (int j = 0; j < h; j++) {
        const uint8_t *vr = v + (size_t)j * vline;
        uint8_t *pr = pix + (size_t)j * line;
        for (int i = 0; i < w; i++)
            if (!vr[i]) memset(pr + (size_t)i * nb, 0, (size_t)nb);
    }
    return SW_OK;
}
