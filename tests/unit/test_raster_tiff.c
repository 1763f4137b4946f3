/* The libtiff fast path of sw_raster_read_u8 (io/raster_tiff.c) against GDAL's path
 * (SWATH_READER=gdal at open): pixels and validity byte for byte, on tiled RGB and RGBA Byte
 * GeoTIFFs with an internal mask or none (DEFLATE, LZW, uncompressed, JPEG; tiles 256 and 512;
 * 1000 x 777 so edge tiles are partial), over windows at every corner and edge, past the edges,
 * straddling tiles, 1x1, the whole image, a row-major sweep of overlapping windows (the tile
 * cache) and pseudo-random windows, for several band selections, also with a tile cache of 4 tiles;
 * windows inside a larger one read before decode no tile again. Files the fast path must leave to
 * GDAL (strips, nodata, 16-bit, VRT, alpha band, YCbCr JPEG) are checked to take GDAL's path and to
 * read as the fast path reads the same pixels. */
#include "io/raster.h"
#include "tests/unit/raster_test_util.h"

#include <pthread.h>

#define W 1000
#define H 777

/* Pixels: every byte value occurs, including 0 and 255; invalid pixels hold non-zero garbage. */
static uint8_t px(int x, int y, int b) { return (uint8_t)((x * 7 + y * 13 + b * 61 + (x * y) % 11) & 255); }
/* Validity: noise, a whole invalid tile (256..511 x 256..511), a diagonal band, the last column. */
static int mask_at(int x, int y) {
    if (x >= 256 && x < 512 && y >= 256 && y < 512) return 0;
    if ((x + 3 * y) % 29 == 0 || (x > y && x < y + 40) || x == W - 1) return 0;
    return 1;
}

typedef struct {
    int nbands, tile;          /* tile 0: strips */
    GDALDataType type;
    const char *compress, *photometric, *alpha;   /* alpha: ALPHA= creation option, NULL: none */
    int mask, has_nodata;
} fixture;

/* Writes a fixture with GDAL directly. Returns 0 on success. */
static int make(const char *path, const fixture *f) {
    GDALAllRegister();
    char **opt = NULL, bs[16];
    if (f->tile) {
        snprintf(bs, sizeof bs, "%d", f->tile);
        opt = CSLSetNameValue(opt, "TILED", "YES");
        opt = CSLSetNameValue(opt, "BLOCKXSIZE", bs);
        opt = CSLSetNameValue(opt, "BLOCKYSIZE", bs);
    } else {
        opt = CSLSetNameValue(opt, "BLOCKYSIZE", "16");
    }
    opt = CSLSetNameValue(opt, "COMPRESS", f->compress);
    opt = CSLSetNameValue(opt, "INTERLEAVE", "PIXEL");
    if (f->photometric) opt = CSLSetNameValue(opt, "PHOTOMETRIC", f->photometric);
    if (f->alpha) opt = CSLSetNameValue(opt, "ALPHA", f->alpha);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, W, H, f->nbands, f->type, opt);
    CSLDestroy(opt);
    if (!ds) {
        printf("cannot create fixture %s: %s\n", path, CPLGetLastErrorMsg());
        return 1;
    }
    double gt[6] = {500000, 10, 0, 4000000, 0, -10};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32633");
    size_t n = (size_t)W * H;
    uint16_t *buf = malloc(n * (size_t)f->nbands * sizeof *buf);
    uint8_t *m = malloc(n);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            m[(size_t)y * W + x] = mask_at(x, y) ? 255 : 0;
            for (int b = 0; b < f->nbands; b++)
                buf[((size_t)y * W + x) * f->nbands + b] = (uint16_t)(px(x, y, b + 1) * (f->type == GDT_Byte ? 1 : 97));
        }
    int rc = GDALDatasetRasterIO(ds, GF_Write, 0, 0, W, H, buf, W, H, GDT_UInt16, f->nbands, NULL, 2 * f->nbands,
                                 (int)(2 * f->nbands * W), 2) != CE_None;
    for (int b = 1; b <= f->nbands && f->has_nodata && !rc; b++) rc = GDALSetRasterNoDataValue(GDALGetRasterBand(ds, b), 0) != CE_None;
    if (f->mask && !rc) {
        CPLSetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES");
        rc = GDALCreateDatasetMaskBand(ds, GMF_PER_DATASET) != CE_None ||
             GDALRasterIO(GDALGetMaskBand(GDALGetRasterBand(ds, 1)), GF_Write, 0, 0, W, H, m, W, H, GDT_Byte, 0, 0) != CE_None;
    }
    free(buf), free(m);
    GDALClose(ds);
    if (rc) printf("cannot write fixture %s: %s\n", path, CPLGetLastErrorMsg());
    return rc;
}

typedef struct {
    long long x, y;
    int w, h;
} window;

/* The windows: fixed ones, a row-major sweep of 512-windows overlapping by 102, random ones. */
static int make_windows(window *wl, int cap) {
    static const window fixed[] = {
        {0, 0, 1, 1}, {W - 1, H - 1, 1, 1}, {W - 1, 0, 1, 1}, {0, H - 1, 1, 1}, {255, 255, 1, 1}, {256, 256, 1, 1},
        {-5, -7, 20, 20}, {990, -3, 20, 20}, {-4, 770, 16, 16}, {993, 770, 16, 16},      /* corners, past */
        {100, -10, 300, 30}, {100, 760, 300, 40}, {-10, 80, 30, 400}, {980, 80, 40, 400}, /* edges, past */
        {-600, -600, 601, 601}, {W - 1, H - 1, 700, 700}, {-700, 300, 701, 10}, {200, -500, 10, 501}, /* mostly out */
        {250, 250, 12, 12}, {500, 500, 30, 30}, {255, 0, 2, H}, {0, 511, W, 2}, {200, 200, 400, 400}, /* straddle */
        {0, 0, W, H}, {-10, -10, W + 20, H + 20}, {512, 512, W - 512, H - 512}, {768, 768, 232, 9},
        {37, 41, 64, 32}, {0, 0, 512, 512}, {488, 265, 512, 512},
    };
    int n = 0;
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) wl[n++] = fixed[k];
    for (int y = 0;; y += 410) {   /* the planner's origins: last window shifted to end at the border */
        int yy = y + 512 >= H ? H - 512 : y;
        for (int x = 0;; x += 410) {
            int xx = x + 512 >= W ? W - 512 : x;
            wl[n++] = (window){xx, yy, 512, 512};
            if (xx != x || x + 512 >= W) break;
        }
        if (yy != y || y + 512 >= H) break;
    }
    uint32_t s = 12345;
    while (n < cap) {
        s = s * 1664525u + 1013904223u;
        int w = 1 + (int)(s >> 8) % 600;
        s = s * 1664525u + 1013904223u;
        int h = 1 + (int)(s >> 8) % 600;
        s = s * 1664525u + 1013904223u;
        long long x = (long long)((s >> 8) % (W + w - 1)) - (w - 1);
        s = s * 1664525u + 1013904223u;
        long long y = (long long)((s >> 8) % (H + h - 1)) - (h - 1);
        wl[n++] = (window){x, y, w, h};
    }
    return n;
}

#define NWIN 80

/* Reads every window through `a` and `b` with bands sel[0..nb) (NULL: the default) and compares
 * pixels and validity byte for byte; also `a` without a validity buffer. */
static void compare(const char *label, sw_raster *a, sw_raster *b, const int *sel, int nb) {
    if (sel) {
        CHECK(sw_raster_select_bands(a, sel, nb) == SW_OK && sw_raster_select_bands(b, sel, nb) == SW_OK,
              "%s: select bands: %s", label, sw_errmsg());
    }
    int sa[SW_RASTER_MAX_BANDS], sb[SW_RASTER_MAX_BANDS];
    nb = sw_raster_selected_bands(a, sa);
    CHECK(nb == sw_raster_selected_bands(b, sb) && memcmp(sa, sb, sizeof(int) * (size_t)nb) == 0, "%s: selections differ", label);
    window wl[NWIN];
    int n = make_windows(wl, NWIN), bad = 0;
    for (int k = 0; k < n && bad < 5; k++) {
        const window *g = &wl[k];
        size_t np = (size_t)g->w * g->h;
        uint8_t *pa = malloc(np * nb), *pb = malloc(np * nb), *pc = malloc(np * nb), *va = malloc(np), *vb = malloc(np);
        memset(pa, 0xAB, np * nb), memset(pb, 0xCD, np * nb), memset(pc, 0xEF, np * nb);
        memset(va, 0xAB, np), memset(vb, 0xCD, np);
        int ea = sw_raster_read_u8(a, g->x, g->y, g->w, g->h, pa, va);
        int eb = sw_raster_read_u8(b, g->x, g->y, g->w, g->h, pb, vb);
        int ec = sw_raster_read_u8(a, g->x, g->y, g->w, g->h, pc, NULL);
        CHECK(!ea && !eb && !ec, "%s: window %lld,%lld,%d,%d: read failed: %s", label, g->x, g->y, g->w, g->h, sw_errmsg());
        size_t dp = 0, dv = 0, first = 0;
        for (size_t i = 0; i < np * nb; i++)
            if ((pa[i] != pb[i] || pc[i] != pb[i]) && !dp++) first = i;
        for (size_t i = 0; i < np; i++) dv += va[i] != vb[i];
        if (dp || dv) bad++;
        CHECK(!dp, "%s: window %lld,%lld,%d,%d: %zu pixel bytes differ, first at %zu: fast %d / %d, gdal %d", label, g->x,
              g->y, g->w, g->h, dp, first, pa[first], pc[first], pb[first]);
        CHECK(!dv, "%s: window %lld,%lld,%d,%d: %zu validity bytes differ", label, g->x, g->y, g->w, g->h, dv);
        free(pa), free(pb), free(pc), free(va), free(vb);
    }
}

/* A fixture that must take the fast path: identical to GDAL for every band selection. */
static void check_fast(const char *dir, const char *name, const fixture *f) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.tif", dir, name);
    if (make(path, f)) {
        CHECK(0, "%s: fixture", name);
        return;
    }
    sw_raster *a = t_open_with(path, NULL), *b = t_open_with(path, "gdal");
    if (a && b) {
        CHECK(sw_raster_fast_path(a) == 1, "%s: the fast path is not taken", name);
        CHECK(sw_raster_fast_path(b) == 0, "%s: SWATH_READER=gdal does not turn the fast path off", name);
        static const int s321[] = {3, 2, 1}, s1[] = {1}, s123[] = {1, 2, 3}, s1234[] = {1, 2, 3, 4}, s41[] = {4, 1},
                         s222[] = {2, 2, 2};
        char label[256];
        snprintf(label, sizeof label, "%s default bands", name), compare(label, a, b, NULL, 0);
        snprintf(label, sizeof label, "%s bands 3,2,1", name), compare(label, a, b, s321, 3);
        snprintf(label, sizeof label, "%s band 1", name), compare(label, a, b, s1, 1);
        snprintf(label, sizeof label, "%s bands 1,2,3", name), compare(label, a, b, s123, 3);
        snprintf(label, sizeof label, "%s bands 2,2,2", name), compare(label, a, b, s222, 3);
        if (f->nbands == 4) {
            snprintf(label, sizeof label, "%s bands 1,2,3,4", name), compare(label, a, b, s1234, 4);
            snprintf(label, sizeof label, "%s bands 4,1", name), compare(label, a, b, s41, 2);
        }
        /* sw_raster_read_valid (GDAL's mask band) agrees with the fast path's validity */
        uint8_t *v1 = malloc((size_t)W * H), *v2 = malloc((size_t)W * H), *p = malloc((size_t)W * H * 4);
        CHECK(sw_raster_read_valid(a, 0, 0, W, H, v1) == SW_OK && sw_raster_read_u8(a, 0, 0, W, H, p, v2) == SW_OK &&
                  memcmp(v1, v2, (size_t)W * H) == 0, "%s: read_valid differs from the fast path's validity", name);
        free(v1), free(v2), free(p);
    }
    sw_raster_close(a), sw_raster_close(b);
}

/* A file that must be left to GDAL: not the fast path with or without SWATH_READER, and reads
 * the pixels `ref` (a fast-path handle on the same pixels, NULL: not compared) reads. */
static void check_gdal(const char *name, const char *path, sw_raster *ref) {
    sw_raster *a = t_open_with(path, NULL), *b = t_open_with(path, "gdal");
    if (a && b) {
        CHECK(sw_raster_fast_path(a) == 0, "%s: takes the fast path, it must not", name);
        compare(name, a, b, NULL, 0);
        if (ref) {
            char label[256];
            snprintf(label, sizeof label, "%s against the fast path", name);
            static const int s123[] = {1, 2, 3};
            compare(label, a, ref, s123, 3);
        }
    }
    sw_raster_close(a), sw_raster_close(b);
}

/* The cache of decoded tiles serves the windows inside a larger window read before (the run reads a
 * 2048-px tile, then the 512-px tiles inside it): after the large read, no tile is decoded again. */
static void check_cache(const char *path) {
    sw_raster *r = t_open_with(path, NULL);
    if (!r) return;
    CHECK(sw_raster_fast_path(r) == 1, "cache: %s does not take the fast path", path);
    uint8_t *pix = malloc((size_t)600 * 500 * 3), *v = malloc((size_t)600 * 500);
    CHECK(sw_raster_read_u8(r, 100, 90, 600, 500, pix, v) == SW_OK, "cache: large window: %s", sw_errmsg());
    int64_t after_large = sw_raster_tiles_decoded(r);
    /* 600 x 500 at (100, 90) touches 3 x 3 tiles of 256, image and mask */
    CHECK(after_large == 18, "cache: the large window decoded %lld tiles, expected 18", (long long)after_large);
    for (int y = 90; y + 128 <= 590; y += 93)
        for (int x = 100; x + 128 <= 700; x += 101)
            CHECK(sw_raster_read_u8(r, x, y, 128, 128, pix, v) == SW_OK, "cache: window %d,%d: %s", x, y, sw_errmsg());
    CHECK(sw_raster_tiles_decoded(r) == after_large, "cache: windows inside the large one decoded %lld tiles again",
          (long long)(sw_raster_tiles_decoded(r) - after_large));
    /* a window outside decodes its own tiles */
    CHECK(sw_raster_read_u8(r, 800, 600, 100, 100, pix, v) == SW_OK && sw_raster_tiles_decoded(r) > after_large,
          "cache: a window outside the large one decoded nothing: the counter does not count");
    free(pix), free(v);
    sw_raster_close(r);
}

/* Threads sharing one cache of decoded tiles (sw_raster_share_tiles), each with its own handle,
 * reading the windows in different orders at once: every window as GDAL's path reads it, and with
 * room for every tile each tile decoded once in all (16 image + 16 mask tiles of 256). With a
 * cache of 4 tiles (tiny) the threads evict each other's tiles: the pixels must still be right. */
#define SHARE_THREADS 3
typedef struct {
    sw_raster *r;
    int k, n, bad;
    const window *wl;
    uint8_t *const *refp, *const *refv;
} share_arg;

static void *share_main(void *arg) {
    share_arg *a = arg;
    for (int rep = 0; rep < 3; rep++)
        for (int i = 0; i < a->n; i++) {
            int j = (i * (2 * a->k + 1) + a->k * 7 + rep * 13) % a->n;   /* a different order per thread */
            const window *g = &a->wl[j];
            size_t np = (size_t)g->w * g->h;
            uint8_t *p = malloc(np * 3), *v = malloc(np);
            if (sw_raster_read_u8(a->r, g->x, g->y, g->w, g->h, p, v) || memcmp(p, a->refp[j], np * 3) ||
                memcmp(v, a->refv[j], np))
                a->bad++;
            free(p), free(v);
        }
    return NULL;
}

static void check_shared(const char *path, int expect_decoded) {
    sw_raster *ref = t_open_with(path, "gdal"), *r[SHARE_THREADS] = {0};
    for (int k = 0; k < SHARE_THREADS; k++) r[k] = t_open_with(path, NULL);
    window wl[NWIN];
    int n = make_windows(wl, NWIN);
    uint8_t *refp[NWIN], *refv[NWIN];
    for (int j = 0; j < n; j++) {
        size_t np = (size_t)wl[j].w * wl[j].h;
        refp[j] = malloc(np * 3), refv[j] = malloc(np);
        if (ref) CHECK(sw_raster_read_u8(ref, wl[j].x, wl[j].y, wl[j].w, wl[j].h, refp[j], refv[j]) == SW_OK, "shared: reference read");
    }
    int ok = ref != NULL;
    for (int k = 0; k < SHARE_THREADS; k++) ok = ok && r[k];
    for (int k = 1; ok && k < SHARE_THREADS; k++)
        CHECK(sw_raster_share_tiles(r[k], r[0]) == 1, "shared: handle %d does not share the first one's tiles", k);
    if (ok) {
        CHECK(sw_raster_share_tiles(r[0], ref) == 0, "shared: GDAL's path claims to share tiles");
        pthread_t th[SHARE_THREADS];
        share_arg a[SHARE_THREADS];
        for (int k = 0; k < SHARE_THREADS; k++) {
            a[k] = (share_arg){r[k], k, n, 0, wl, refp, refv};
            CHECK(pthread_create(&th[k], NULL, share_main, &a[k]) == 0, "shared: thread %d", k);
        }
        for (int k = 0; k < SHARE_THREADS; k++) {
            pthread_join(th[k], NULL);
            CHECK(a[k].bad == 0, "shared: thread %d read %d windows unlike GDAL", k, a[k].bad);
        }
        int64_t dec = sw_raster_tiles_decoded(r[0]);
        for (int k = 1; k < SHARE_THREADS; k++)
            CHECK(sw_raster_tiles_decoded(r[k]) == dec, "shared: handles count different decodes");
        if (expect_decoded) CHECK(dec == expect_decoded, "shared: %lld tiles decoded in all, expected %d (each once)", (long long)dec, expect_decoded);
        else CHECK(dec > 32, "shared: a cache of 4 tiles decoded only %lld tiles: nothing was evicted", (long long)dec);
    }
    for (int j = 0; j < n; j++) free(refp[j]), free(refv[j]);
    for (int k = 0; k < SHARE_THREADS; k++) sw_raster_close(r[k]);
    sw_raster_close(ref);
}

int main(void) {
    char dir[1024];
    t_dir(dir, sizeof dir, "raster_tiff");
    const char *comp[] = {"DEFLATE", "LZW", "NONE"};
    int tiles[] = {256, 512};
    for (int c = 0; c < 3; c++)
        for (int t = 0; t < 2; t++)
            for (int nb = 3; nb <= 4; nb++) {
                fixture f = {nb, tiles[t], GDT_Byte, comp[c], "RGB", NULL, 1, 0};
                char name[128];
                snprintf(name, sizeof name, "%s_%s_%d_mask", nb == 3 ? "rgb" : "rgba", comp[c], tiles[t]);
                check_fast(dir, name, &f);
            }
    /* no mask at all (all valid): RGB, and 4 bands without colour interpretation (MINISBLACK) */
    check_fast(dir, "rgb_DEFLATE_256_nomask", &(fixture){3, 256, GDT_Byte, "DEFLATE", "RGB", NULL, 0, 0});
    check_fast(dir, "gray4_LZW_512_nomask", &(fixture){4, 512, GDT_Byte, "LZW", "MINISBLACK", NULL, 0, 0});
    /* ZSTD and lossy JPEG in RGB (not YCbCr): GDAL decodes with the same libtiff */
    check_fast(dir, "rgb_ZSTD_256_mask", &(fixture){3, 256, GDT_Byte, "ZSTD", "RGB", NULL, 1, 0});
    check_fast(dir, "rgb_JPEG_256_mask", &(fixture){3, 256, GDT_Byte, "JPEG", "RGB", NULL, 1, 0});
    char cache_path[1200];
    snprintf(cache_path, sizeof cache_path, "%s/rgb_DEFLATE_256_mask.tif", dir);
    check_cache(cache_path);
    check_shared(cache_path, 32);
    /* a cache of the fewest tiles (its budget is GDAL's cache size): tiles evicted and decoded again */
    int64_t cache = GDALGetCacheMax64();
    GDALSetCacheMax64(1);
    check_fast(dir, "rgb_DEFLATE_256_mask_tinycache", &(fixture){3, 256, GDT_Byte, "DEFLATE", "RGB", NULL, 1, 0});
    check_fast(dir, "rgba_LZW_512_mask_tinycache", &(fixture){4, 512, GDT_Byte, "LZW", "RGB", NULL, 1, 0});
    check_shared(cache_path, 0);
    GDALSetCacheMax64(cache);
    /* an alpha band and an internal mask: GDAL takes the mask (GMF_PER_DATASET), so may the fast path */
    check_fast(dir, "rgba_alpha_DEFLATE_512_mask", &(fixture){4, 512, GDT_Byte, "DEFLATE", "RGB", "YES", 1, 0});

    /* Left to GDAL. The reference: the fast-path RGB file of the same pixels and mask. */
    char ref_path[1200], path[1200];
    snprintf(ref_path, sizeof ref_path, "%s/rgb_DEFLATE_256_mask.tif", dir);
    sw_raster *ref = t_open_with(ref_path, NULL);
    struct {
        const char *name;
        fixture f;
        int same_pixels;
    } slow[] = {
        {"striped", {3, 0, GDT_Byte, "DEFLATE", "RGB", NULL, 1, 0}, 1},
        {"nodata", {3, 256, GDT_Byte, "DEFLATE", "RGB", NULL, 0, 1}, 0},
        {"uint16", {3, 256, GDT_UInt16, "DEFLATE", "RGB", NULL, 1, 0}, 0},
        {"alpha", {4, 256, GDT_Byte, "DEFLATE", "RGB", "YES", 0, 0}, 0},
        {"ycbcr_jpeg", {3, 256, GDT_Byte, "JPEG", "YCBCR", NULL, 1, 0}, 0},
    };
    for (size_t k = 0; k < sizeof slow / sizeof slow[0]; k++) {
        snprintf(path, sizeof path, "%s/%s.tif", dir, slow[k].name);
        if (make(path, &slow[k].f)) {
            CHECK(0, "%s: fixture", slow[k].name);
            continue;
        }
        check_gdal(slow[k].name, path, slow[k].same_pixels ? ref : NULL);
    }
    /* A VRT over the fast-path file */
    snprintf(path, sizeof path, "%s/rgb.vrt", dir);
    GDALDatasetH src = GDALOpen(ref_path, GA_ReadOnly);
    GDALDatasetH vrt = src ? GDALCreateCopy(GDALGetDriverByName("VRT"), path, src, FALSE, NULL, NULL, NULL) : NULL;
    CHECK(vrt != NULL, "cannot write %s: %s", path, CPLGetLastErrorMsg());
    if (vrt) GDALClose(vrt);
    if (src) GDALClose(src);
    if (vrt) check_gdal("vrt", path, ref);
    sw_raster_close(ref);
    return t_verdict("test_raster_tiff");
}
