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
 * row order is decoded once: it holds the tile rows of the largest window read so far plus one per
 * handle sharing it (sw_tiff_share: the handles of a rank's tile threads), as full rows of tiles (at most GDAL's block cache size, GDALGetCacheMax64 from sw_raster_configure,
 * which this handle's reads no longer fill). Not the whole budget at once: fresh tile buffers cost
 * more than decoding again (a cache of the whole 4096^2 image read 512-windows 1.4x slower). Two TIFF handles (image and
 * mask IFD), so reads never switch directories. libtiff's messages go to this reader only.
 *
 * Whole-image passes decode each tile once into a scratch buffer, outside the cache: the validity
 * cells of the plan (from the mask IFD's bits), the quicklook's average (GDAL's GRIORA_Average at
 * integer factors) and nearest reads (sw_tiff_open_raw: any tiled Byte GeoTIFF, since GDAL's
 * nearest read ignores nodata and masks). tests/unit/test_raster_cells.c checks them against GDAL. */
#include "io/raster_tiff.h"
#include "io/raster.h"

#include <tiffio.h>

#include <pthread.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CACHE_SLOTS_MIN 4      /* decoded tiles kept per IFD: at least, */
#define CACHE_SLOTS_MAX 4096   /* at most (the lookup is a linear scan) */

typedef struct {
    int64_t key;     /* tile index, -1 when empty */
    uint64_t used;   /* LRU stamp */
    uint8_t *data;
    int pins;        /* readers copying out of it, and its decoder while it decodes */
    int loading;     /* being decoded: data not valid yet */
} tile_slot;

/* The decoded tiles of one IFD, shared by the handles of one file that sw_tiff_share joins (one
 * per thread): a tile is decoded once, by the first thread that needs it, while the others that
 * need it wait; a slot is evicted only when no reader has it pinned. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t decoded_cv;   /* a tile finished decoding (or failed) */
    int refs;                    /* handles using it */
    size_t tile_bytes;
    tile_slot *slots;
    int nslots, cap;             /* slots now, and at most (the budget; exceeded only while every
                                    slot is pinned, by one per waiting thread) */
    uint64_t clock;
    int64_t decoded;             /* tiles decoded into it so far */
    uint8_t *region;             /* the data of slots 0 .. cap-1, one allocation in huge pages
                                    (sw_malloc_big), made at the first decode; slots past cap
                                    have their own */
} tile_cache;

typedef struct {
    TIFF *tif;       /* positioned on this IFD for good; this handle's (libtiff is not thread-safe) */
    int tw, th, ntx, nty, spp;
    size_t tile_bytes;
    tile_cache *cache;
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

/* Makes room in d's cache for windows spanning `rows` tile rows: rows + 1 rows of tiles per handle
 * sharing the cache, within the budget. Returns 0, or -1 when out of memory. */
static int ifd_reserve(tiff_ifd *d, int rows) {
    tile_cache *c = d->cache;
    pthread_mutex_lock(&c->mu);
    int64_t want = (int64_t)(rows + c->refs) * d->ntx + 2;
    int n = want < c->cap ? (int)want : c->cap, ret = 0;
    if (n > c->nslots) {
        tile_slot *s = realloc(c->slots, (size_t)n * sizeof *s);
        if (s) {
            for (int i = c->nslots; i < n; i++) s[i] = (tile_slot){-1, 0, NULL, 0, 0};
            c->slots = s, c->nslots = n;
        } else ret = -1;
    }
    pthread_mutex_unlock(&c->mu);
    return ret;
}

static tile_cache *cache_new(size_t tile_bytes, int cap) {
    tile_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->decoded_cv, NULL);
    c->refs = 1, c->tile_bytes = tile_bytes, c->cap = cap;
    return c;
}

static void cache_unref(tile_cache *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    int last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (!last) return;
    for (int i = c->cap; i < c->nslots; i++) free(c->slots[i].data);
    free(c->region);
    free(c->slots);
    pthread_cond_destroy(&c->decoded_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
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
    if (!(d->cache = cache_new(d->tile_bytes, fit < CACHE_SLOTS_MIN ? CACHE_SLOTS_MIN : (int)fit))) return -1;
    return ifd_reserve(d, 1);
}

static void ifd_free(tiff_ifd *d) {
    cache_unref(d->cache);
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

/* The handle on its image IFD (photometric RGB or MINISBLACK, or also PALETTE when `palette`), and
 * with kind 2 on GDAL's mask IFD too; NULL when a condition fails. */
static sw_tiff *open_checked(GDALDatasetH ds, const char *path, int kind, int palette) {
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
             TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) &&
             (photo == PHOTOMETRIC_RGB || photo == PHOTOMETRIC_MINISBLACK || (palette && photo == PHOTOMETRIC_PALETTE)) &&
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

/* The default reader where the file qualifies; SWATH_READER=gdal turns it off (the reference path
 * of the tests; docs/performance.md has the figures of both). */
static int turned_off(void) {
    const char *env = getenv("SWATH_READER");
    return env && strcasecmp(env, "gdal") == 0;
}

sw_tiff *sw_tiff_open(GDALDatasetH ds, const char *path) {
    return turned_off() ? NULL : open_checked(ds, path, gdal_eligible(ds, path), 0);
}

sw_tiff *sw_tiff_open_raw(GDALDatasetH ds, const char *path) {
    if (turned_off()) return NULL;
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if (!drv || strcmp(GDALGetDriverShortName(drv), "GTiff") != 0) return NULL;
    if (strncmp(path, "/vsi", 4) == 0 || strchr(path, ':')) return NULL;
    int nb = GDALGetRasterCount(ds);
    if (nb < 1 || nb > 4) return NULL;   /* 1 to 4 bands: what tests/unit/test_raster_tiff.c checks */
    for (int b = 1; b <= nb; b++)
        if (GDALGetRasterDataType(GDALGetRasterBand(ds, b)) != GDT_Byte) return NULL;
    return open_checked(ds, path, 1, 1);
}

static int64_t cache_decoded(tile_cache *c) {
    if (!c) return 0;
    pthread_mutex_lock(&c->mu);
    int64_t n = c->decoded;
    pthread_mutex_unlock(&c->mu);
    return n;
}

int64_t sw_tiff_decoded(const sw_tiff *t) { return cache_decoded(t->img.cache) + cache_decoded(t->mask.cache); }

/* Same file geometry on both IFDs (both handles opened on one file pass). */
static int same_ifd(const tiff_ifd *a, const tiff_ifd *b) {
    return !a->tif == !b->tif && a->tw == b->tw && a->th == b->th && a->ntx == b->ntx && a->nty == b->nty &&
           a->spp == b->spp && a->tile_bytes == b->tile_bytes;
}

static void share_ifd(tiff_ifd *d, tiff_ifd *from) {
    if (!d->tif || d->cache == from->cache) return;
    cache_unref(d->cache);
    pthread_mutex_lock(&from->cache->mu);
    from->cache->refs++;
    pthread_mutex_unlock(&from->cache->mu);
    d->cache = from->cache;
}

int sw_tiff_share(sw_tiff *t, sw_tiff *from) {
    if (!t || !from || t == from) return 0;
    if (t->width != from->width || t->height != from->height || strcmp(t->path, from->path) != 0 ||
        !same_ifd(&t->img, &from->img) || !same_ifd(&t->mask, &from->mask))
        return 0;
    share_ifd(&t->img, &from->img);
    share_ifd(&t->mask, &from->mask);
    return 1;
}

void sw_tiff_close(sw_tiff *t) {
    if (!t) return;
    ifd_free(&t->img);
    ifd_free(&t->mask);
    free(t);
}

/* The decoded tile (tx, ty) of d, pinned in slot *slot until ifd_release: from the cache, after
 * another thread's decode of it, or decoded now with this handle. NULL on failure (d->err). */
static const uint8_t *ifd_acquire(tiff_ifd *d, int tx, int ty, int *slot) {
    tile_cache *c = d->cache;
    int64_t key = (int64_t)ty * d->ntx + tx;
    pthread_mutex_lock(&c->mu);
    int victim;
    for (;;) {
        int found = -1;
        victim = -1;
        for (int i = 0; i < c->nslots; i++) {
            tile_slot *s = &c->slots[i];
            if (s->key == key) {
                found = i;
                break;
            }
            if (!s->pins && !s->loading && (victim < 0 || s->used < c->slots[victim].used)) victim = i;
        }
        if (found < 0) break;
        tile_slot *s = &c->slots[found];
        if (s->loading) {   /* another thread decodes it: wait, then look again (it may have failed) */
            pthread_cond_wait(&c->decoded_cv, &c->mu);
            continue;
        }
        s->pins++, s->used = ++c->clock;
        *slot = found;
        const uint8_t *data = s->data;
        pthread_mutex_unlock(&c->mu);
        return data;
    }
    if (victim < 0) {   /* every slot pinned or decoding by other threads: one more */
        tile_slot *s = realloc(c->slots, (size_t)(c->nslots + 1) * sizeof *s);
        if (!s) {
            pthread_mutex_unlock(&c->mu);
            snprintf(d->err, sizeof d->err, "out of memory for the tile cache");
            return NULL;
        }
        s[c->nslots] = (tile_slot){-1, 0, NULL, 0, 0};
        c->slots = s, victim = c->nslots++;
    }
    if (!c->region && !(c->region = sw_malloc_big(c->tile_bytes * (size_t)c->cap, "the cache of decoded tiles"))) {
        pthread_mutex_unlock(&c->mu);
        snprintf(d->err, sizeof d->err, "out of memory for the tile cache (%d tiles)", c->cap);
        return NULL;
    }
    tile_slot *s = &c->slots[victim];
    if (!s->data) s->data = victim < c->cap ? c->region + c->tile_bytes * (size_t)victim : malloc(c->tile_bytes);
    if (!s->data) {
        pthread_mutex_unlock(&c->mu);
        snprintf(d->err, sizeof d->err, "out of memory for a decoded tile (%zu bytes)", c->tile_bytes);
        return NULL;
    }
    s->key = key, s->loading = 1, s->pins = 1, s->used = ++c->clock;
    uint8_t *buf = s->data;
    pthread_mutex_unlock(&c->mu);
    d->err[0] = 0;
    int ok = TIFFReadEncodedTile(d->tif, (uint32_t)key, buf, (tmsize_t)c->tile_bytes) >= 0;
    if (!ok && !d->err[0]) snprintf(d->err, sizeof d->err, "no reason given by libtiff");
    pthread_mutex_lock(&c->mu);
    s = &c->slots[victim];   /* the array may have grown meanwhile */
    s->loading = 0;
    if (ok) c->decoded++;
    else s->key = -1, s->pins = 0, s->used = 0;
    pthread_cond_broadcast(&c->decoded_cv);
    pthread_mutex_unlock(&c->mu);
    *slot = victim;
    return ok ? buf : NULL;
}

static void ifd_release(tiff_ifd *d, int slot) {
    pthread_mutex_lock(&d->cache->mu);
    d->cache->slots[slot].pins--;
    pthread_mutex_unlock(&d->cache->mu);
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
            int slot;
            const uint8_t *tile = ifd_acquire(&t->img, tx, ty, &slot);
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
            ifd_release(&t->img, slot);
        }
    if (!t->mask.tif) return SW_OK;
    if (!v) return sw_fail(SW_ERR_RUNTIME, "reading window %d,%d,%d,%d of %s: no validity buffer for the mask", x, y, w, h, t->path);
    const tiff_ifd *m = &t->mask;
    size_t mline = ((size_t)m->tw + 7) / 8;   /* bytes per row of a 1-bit tile, most significant bit first */
    for (int ty = y / m->th; ty <= (y + h - 1) / m->th; ty++)
        for (int tx = x / m->tw; tx <= (x + w - 1) / m->tw; tx++) {
            int slot;
            const uint8_t *tile = ifd_acquire(&t->mask, tx, ty, &slot);
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
            ifd_release(&t->mask, slot);
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

/* ---- whole-image passes: every tile decoded once into a scratch buffer (not the window cache) ---- */

static sw_status decode_into(const sw_tiff *t, tiff_ifd *d, int tx, int ty, uint8_t *buf, const char *what) {
    d->err[0] = 0;
    if (TIFFReadEncodedTile(d->tif, (uint32_t)((int64_t)ty * d->ntx + tx), buf, (tmsize_t)d->tile_bytes) >= 0) return SW_OK;
    if (!d->err[0]) snprintf(d->err, sizeof d->err, "no reason given by libtiff");
    return sw_fail(SW_ERR_INPUT, "%s of %s: libtiff cannot decode %s tile %d,%d: %s", what, t->path,
                   d == &t->mask ? "mask" : "image", tx, ty, d->err);
}

int sw_tiff_cells_supported(const sw_tiff *t, int cell) {
    return cell > 0 && cell % 8 == 0 && (!t->mask.tif || t->mask.tw % 8 == 0);
}

sw_status sw_tiff_valid_cells(sw_tiff *t, int cell, uint8_t *cells) {
    int ncx = (t->width + cell - 1) / cell, ncy = (t->height + cell - 1) / cell;
    if (!sw_tiff_cells_supported(t, cell))
        return sw_fail(SW_ERR_RUNTIME, "validity cells of %d pixels of %s: not a multiple of 8 bits", cell, t->path);
    if (!t->mask.tif) {   /* all valid */
        memset(cells, 1, (size_t)ncx * ncy);
        return SW_OK;
    }
    memset(cells, 0, (size_t)ncx * ncy);
    tiff_ifd *m = &t->mask;
    uint8_t *buf = malloc(m->tile_bytes);
    if (!buf) return sw_fail(SW_ERR_RUNTIME, "out of memory for a mask tile of %s", t->path);
    size_t mline = ((size_t)m->tw + 7) / 8;   /* bytes per row of a 1-bit tile, most significant bit first */
    sw_status st = SW_OK;
    for (int ty = 0; ty < m->nty && !st; ty++)
        for (int tx = 0; tx < m->ntx && !st; tx++) {
            if ((st = decode_into(t, m, tx, ty, buf, "the validity scan"))) break;
            /* A byte holds pixels x0 + 8k .. x0 + 8k + 7, all in one cell (x0 and cell are multiples of 8);
             * bits past the image's right edge (padding of the last tile column) are not pixels. */
            int x0 = tx * m->tw, x1 = t->width - x0 < m->tw ? t->width : x0 + m->tw;
            int nbytes = (x1 - x0 + 7) / 8, rows = t->height - ty * m->th < m->th ? t->height - ty * m->th : m->th;
            uint8_t last = (uint8_t)((x1 - x0) % 8 ? 0xFF << (8 - (x1 - x0) % 8) : 0xFF);
            for (int j = 0; j < rows; j++) {
                const uint8_t *row = buf + (size_t)j * mline;
                uint8_t *c = cells + (size_t)((ty * m->th + j) / cell) * ncx;
                for (int cx = x0 / cell; cx * cell < x1; cx++) {
                    if (c[cx]) continue;
                    int a = cx * cell > x0 ? cx * cell : x0, e = (cx + 1) * cell < x1 ? (cx + 1) * cell : x1;
                    uint8_t any = 0;
                    for (int q = (a - x0) / 8; q < (e - x0 + 7) / 8; q++) any |= q == nbytes - 1 ? row[q] & last : row[q];
                    if (any) c[cx] = 1;
                }
            }
        }
    free(buf);
    return st;
}

/* GDAL's source pixel for output i of a nearest-neighbour decimated read of n pixels into `out`
 * (GDALRasterBand::IRasterIO: floor((i + 0.5) * n / out + 1e-10), at most n - 1). */
static int nearest_src(int i, int n, int out) {
    double s = (i + 0.5) * ((double)n / out) + 1e-10;
    int k = (int)s;
    return k < n - 1 ? k : n - 1;
}

int sw_tiff_reduce_supported(const sw_tiff *t, int kx, int ky) {
    const tiff_ifd *d = &t->img, *m = &t->mask;
    return kx >= 1 && ky >= 1 && t->width % kx == 0 && t->height % ky == 0 &&
           (!m->tif || (m->tw == d->tw && m->th == d->th));
}

/* Adds one tile row (cols pixels of spp samples at s) into per-column sums col (cols x nb: band b
 * from sample off[b]) and counts cnt, only pixels whose mask bit is set (mrow: 1-bit, most
 * significant first; NULL: all). Whole valid bytes of the mask take a plain loop the compiler
 * vectorizes where the samples are the bands in order (ident). */
static void add_rows(uint32_t *col, uint32_t *cnt, const uint8_t *s, int spp, const uint8_t *mrow, int cols, int nb,
                     const int *off, int ident) {
    for (int i0 = 0; i0 < cols; i0 += 8) {
        int n = cols - i0 < 8 ? cols - i0 : 8;
        unsigned bits = mrow ? mrow[i0 >> 3] : 0xFF;
        if (!bits) continue;
        const uint8_t *p = s + (size_t)i0 * spp;
        uint32_t *o = col + (size_t)i0 * nb, *c = cnt + i0;
        if (bits == 0xFF && ident) {
            for (int k = 0; k < n * nb; k++) o[k] += p[k];
            for (int q = 0; q < n; q++) c[q]++;
            continue;
        }
        for (int q = 0; q < n; q++, p += spp, o += nb) {
            if (!(bits & (0x80u >> q))) continue;
            for (int b = 0; b < nb; b++) o[b] += p[off[b]];
            c[q]++;
        }
    }
}

sw_status sw_tiff_reduce_average(sw_tiff *t, int kx, int ky, const int *sel, int nb, sw_tiff_row_fn emit, void *ctx,
                                 uint8_t *valid) {
    int W = t->width, H = t->height;
    if (!sw_tiff_reduce_supported(t, kx, ky) || nb < 1 || nb > SW_RASTER_MAX_BANDS)
        return sw_fail(SW_ERR_RUNTIME, "reduced read of %s by %d x %d: not on the libtiff path", t->path, kx, ky);
    int ow = W / kx, oh = H / ky, plain = kx == 1 && ky == 1;
    tiff_ifd *d = &t->img, *m = t->mask.tif ? &t->mask : NULL;
    /* Output rows of one tile row, plus one begun in the tile row before: a strip reused all along
     * (whole-image sums cost more in page faults than in additions). */
    int R = d->th / ky + 2;
    uint32_t *sum = calloc((size_t)R * ow * nb, sizeof *sum), *cnt = calloc((size_t)R * ow, sizeof *cnt);
    uint32_t *col = malloc(sizeof(uint32_t) * (size_t)d->tw * (nb + 1)), *ccnt = col ? col + (size_t)d->tw * nb : NULL;
    int *ox = malloc(sizeof(int) * (size_t)(d->tw + W)), *xs = ox ? ox + d->tw : NULL;   /* per tile column; picks */
    float *row = malloc(sizeof(float) * (size_t)ow * nb);
    uint8_t *ibuf = malloc(d->tile_bytes), *mbuf = m ? malloc(m->tile_bytes) : NULL;
    if (!sum || !cnt || !col || !ox || !row || !ibuf || (m && !mbuf)) {
        free(sum), free(cnt), free(col), free(ox), free(row), free(ibuf), free(mbuf);
        return sw_fail(SW_ERR_RUNTIME, "out of memory for a reduced read of %s", t->path);
    }
    for (int o = 0; o < ow; o++) xs[o] = nearest_src(o, W, ow);
    if (valid) memset(valid, 1, (size_t)ow * oh);   /* all valid without a mask */
    int off[SW_RASTER_MAX_BANDS], ident = nb == d->spp;
    for (int b = 0; b < nb; b++) off[b] = sel[b] - 1, ident = ident && off[b] == b;
    size_t mline = m ? ((size_t)m->tw + 7) / 8 : 0;   /* 1-bit rows, most significant bit first */
    sw_status st = SW_OK;
    int base = 0;   /* output row of strip row 0 */
    for (int ty = 0; ty < d->nty && !st; ty++) {
        int y0 = ty * d->th, rows = H - y0 < d->th ? H - y0 : d->th;
        /* Per tile: the rows of one output row are summed per column first (col, ccnt), then across
         * the columns into the strip (sum, cnt) when the output row or the tile ends. */
        for (int tx = 0; tx < d->ntx && !st; tx++) {
            if ((st = decode_into(t, d, tx, ty, ibuf, "a reduced read"))) break;
            if (m && (st = decode_into(t, m, tx, ty, mbuf, "a reduced read"))) break;
            int x0 = tx * d->tw, cols = W - x0 < d->tw ? W - x0 : d->tw;
            for (int i = 0; i < cols; i++) ox[i] = (x0 + i) / kx;
            int o0 = x0 / kx;
            while (o0 < ow && xs[o0] < x0) o0++;
            memset(col, 0, sizeof(uint32_t) * (size_t)d->tw * (nb + 1));   /* col and ccnt */
            for (int j = 0; j < rows; j++) {
                int y = y0 + j, oy = y / ky;
                const uint8_t *s = ibuf + (size_t)j * d->tw * d->spp, *mrow = m ? mbuf + (size_t)j * mline : NULL;
                /* GDAL's plain read (1 x 1) ignores the mask */
                add_rows(col, ccnt, s, d->spp, plain ? NULL : mrow, cols, nb, off, ident);
                if (valid && m && nearest_src(oy, H, oh) == y)   /* GDAL's nearest pick of the mask */
                    for (int o = o0; o < ow && xs[o] < x0 + cols; o++) {
                        int c = xs[o] - x0;
                        valid[(size_t)oy * ow + o] = (mrow[c >> 3] >> (7 - (c & 7))) & 1;
                    }
                if ((y + 1) % ky && j + 1 < rows) continue;
                uint32_t *srow = sum + (size_t)(oy - base) * ow * nb, *crow = cnt + (size_t)(oy - base) * ow;
                for (int i = 0; i < cols; i++) {
                    uint32_t *o = srow + (size_t)ox[i] * nb, *c = col + (size_t)i * nb;
                    for (int b = 0; b < nb; b++) o[b] += c[b];
                    crow[ox[i]] += ccnt[i];
                }
                memset(col, 0, sizeof(uint32_t) * (size_t)d->tw * (nb + 1));
            }
        }
        if (st) break;
        /* Emit the output rows this tile row completed: GDAL's average, the double mean of the valid
         * samples stored as float, 0 where none is valid. An output row begun here moves to row 0. */
        int done = (y0 + rows) / ky;
        for (int oy = base; oy < done; oy++) {
            const uint32_t *srow = sum + (size_t)(oy - base) * ow * nb, *crow = cnt + (size_t)(oy - base) * ow;
            for (int o = 0; o < ow; o++) {
                double c = (double)crow[o];
                for (int b = 0; b < nb; b++) row[(size_t)o * nb + b] = c > 0 ? (float)((double)srow[(size_t)o * nb + b] / c) : 0.0f;
            }
            emit(ctx, oy, row);
        }
        int left = done < oh ? (y0 + rows - 1) / ky - done + 1 : 0;   /* 0 or 1 output row begun */
        if (left > 0 && done > base) {
            memmove(sum, sum + (size_t)(done - base) * ow * nb, sizeof *sum * (size_t)left * ow * nb);
            memmove(cnt, cnt + (size_t)(done - base) * ow, sizeof *cnt * (size_t)left * ow);
        }
        memset(sum + (size_t)left * ow * nb, 0, sizeof *sum * (size_t)(R - left) * ow * nb);
        memset(cnt + (size_t)left * ow, 0, sizeof *cnt * (size_t)(R - left) * ow);
        base = done;
    }
    free(sum), free(cnt), free(col), free(ox), free(row), free(ibuf), free(mbuf);
    return st;
}

sw_status sw_tiff_reduce_nearest(sw_tiff *t, int band, int ow, int oh, uint8_t *out) {
    tiff_ifd *d = &t->img;
    if (band < 1 || band > d->spp || ow < 1 || oh < 1)
        return sw_fail(SW_ERR_RUNTIME, "nearest read of band %d of %s to %dx%d: not on the libtiff path", band, t->path, ow, oh);
    int *xs = malloc(sizeof(int) * ((size_t)ow + oh)), *ys = xs ? xs + ow : NULL;
    uint8_t *buf = malloc(d->tile_bytes);
    if (!xs || !buf) {
        free(xs), free(buf);
        return sw_fail(SW_ERR_RUNTIME, "out of memory for a nearest read of %s", t->path);
    }
    for (int o = 0; o < ow; o++) xs[o] = nearest_src(o, t->width, ow);
    for (int o = 0; o < oh; o++) ys[o] = nearest_src(o, t->height, oh);
    sw_status st = SW_OK;
    /* Only tiles that hold a picked row and column are decoded, each once. */
    for (int oy0 = 0, ty = 0; ty < d->nty && !st; ty++) {
        int y1 = (ty + 1) * d->th, oy1 = oy0;
        while (oy1 < oh && ys[oy1] < y1) oy1++;
        for (int ox0 = 0, tx = 0; tx < d->ntx && oy1 > oy0 && !st; tx++) {
            int x1 = (tx + 1) * d->tw, ox1 = ox0;
            while (ox1 < ow && xs[ox1] < x1) ox1++;
            if (ox1 > ox0 && !(st = decode_into(t, d, tx, ty, buf, "a nearest read")))
                for (int oy = oy0; oy < oy1; oy++) {
                    const uint8_t *r = buf + (size_t)(ys[oy] - ty * d->th) * d->tw * d->spp + (band - 1);
                    uint8_t *o = out + (size_t)oy * ow;
                    for (int ox = ox0; ox < ox1; ox++) o[ox] = r[(size_t)(xs[ox] - tx * d->tw) * d->spp];
                }
            ox0 = ox1;
        }
        oy0 = oy1;
    }
    free(xs), free(buf);
    return st;
}
