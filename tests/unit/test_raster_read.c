/* Window reads of io/raster.h against known pixels: every edge, corner, inside, larger than the
 * image and the last pixel, on striped, tiled and VRT sources, with nodata, an internal mask and an
 * alpha band; default band choice; and the errors for bad inputs. */
#include "io/raster.h"
#include "tests/unit/raster_test_util.h"

#include <pthread.h>

#define W 300
#define H 200

/* 1..250: never 0 (the padding) nor 255 (the nodata value of the nodata fixture). */
static double px(int x, int y, int b) { return 1 + (x * 3 + y * 7 + b * 71) % 250; }

/* Nodata 255 in every band over a block, and in band 2 only at one pixel (which stays valid). */
static int nd_all(int x, int y) { return x >= 50 && x < 80 && y >= 20 && y < 40; }
static double px_nodata(int x, int y, int b) {
    if (nd_all(x, y) || (x == 10 && y == 10 && b == 2)) return 255;
    return px(x, y, b);
}
static int mask_fn(int x, int y) { return ((x + y) % 17 == 0 || (x >= 200 && y >= 150)) ? 0 : 255; }
static double px_alpha(int x, int y, int b) { return b == 4 ? (x < 20 ? 0 : x < 40 ? 128 : 255) : px(x, y, b); }

typedef int (*valid_fn)(int x, int y);
static int all_valid(int x, int y) { (void)x, (void)y; return 1; }
static int nodata_valid(int x, int y) { return !nd_all(x, y); }
static int mask_valid(int x, int y) { return mask_fn(x, y) != 0; }
static int alpha_valid(int x, int y) { (void)y; return x >= 20; }

typedef struct {
    long long x, y;
    int w, h;
    const char *what;
} window;

static const window windows[] = {
    {-5, -7, 20, 20, "top-left corner"},      {290, -3, 20, 20, "top-right corner"},
    {-4, 195, 16, 16, "bottom-left corner"},  {293, 190, 16, 16, "bottom-right corner"},
    {100, -10, 50, 30, "top edge"},           {100, 185, 50, 30, "bottom edge"},
    {-10, 80, 30, 40, "left edge"},           {280, 80, 30, 40, "right edge"},
    {37, 41, 64, 32, "inside"},               {-10, -10, 320, 220, "larger than the image"},
    {299, 199, 1, 1, "1x1 last pixel"},       {0, 0, W, H, "whole image"},
    {0, 199, W, 1, "last row"},               {299, 0, 1, H, "last column"},
};
#define NWIN ((int)(sizeof windows / sizeof windows[0]))

/* Reads every window of `path` with bands `bands` and compares every pixel and valid flag. */
static void check_windows(const char *label, const char *path, const int *bands, int nb, t_pixel_fn f, valid_fn vf) {
    sw_raster *r;
    if (sw_raster_open(&r, path)) {
        CHECK(0, "%s: open %s: %s", label, path, sw_errmsg());
        return;
    }
    if (bands) CHECK(sw_raster_select_bands(r, bands, nb) == SW_OK, "%s: select bands: %s", label, sw_errmsg());
    int sel[SW_RASTER_MAX_BANDS], ns = sw_raster_selected_bands(r, sel);
    CHECK(ns == nb, "%s: %d bands selected, expected %d", label, ns, nb);
    int bad_px = 0, bad_v = 0;
    for (int k = 0; k < NWIN; k++) {
        const window *g = &windows[k];
        size_t n = (size_t)g->w * g->h;
        uint8_t *pix = malloc(n * nb), *valid = malloc(n), *pix2 = malloc(n * nb);
        memset(pix, 0xAB, n * nb); /* garbage: the read must overwrite every byte */
        memset(valid, 0xAB, n);
        memset(pix2, 0xCD, n * nb);
        int st = sw_raster_read_u8(r, g->x, g->y, g->w, g->h, pix, valid);
        CHECK(st == SW_OK, "%s: %s: read failed: %s", label, g->what, sw_errmsg());
        st = sw_raster_read_u8(r, g->x, g->y, g->w, g->h, pix2, NULL);
        CHECK(st == SW_OK && memcmp(pix, pix2, n * nb) == 0, "%s: %s: read without valid differs", label, g->what);
        for (int j = 0; j < g->h; j++)
            for (int i = 0; i < g->w; i++) {
                long long X = g->x + i, Y = g->y + j;
                int inside = X >= 0 && X < W && Y >= 0 && Y < H;
                int ev = inside && vf((int)X, (int)Y);
                size_t o = (size_t)j * g->w + i;
                if (valid[o] != ev && bad_v++ < 5)
                    CHECK(0, "%s: %s: valid(%lld,%lld) = %d, expected %d", label, g->what, X, Y, valid[o], ev);
                for (int b = 0; b < nb; b++) {
                    int e = ev ? (int)f((int)X, (int)Y, bands ? bands[b] : b + 1) : 0;
                    if (pix[o * nb + b] != e && bad_px++ < 5)
                        CHECK(0, "%s: %s: pixel (%lld,%lld) band #%d = %d, expected %d", label, g->what, X, Y, b, pix[o * nb + b], e);
                }
            }
        free(pix);
        free(valid);
        free(pix2);
    }
    CHECK(bad_px == 0 && bad_v == 0, "%s: %d pixel and %d validity mismatches", label, bad_px, bad_v);
    printf("  %-34s %d windows, every pixel and valid flag checked%s\n", label, NWIN, bad_px || bad_v ? " - MISMATCH" : "");
    sw_raster_close(r);
}

static void check_info(const char *path, int nb, const char *dtype, sw_mask_kind mk, int tiled, int r0, int r1, int r2) {
    sw_raster *r;
    if (sw_raster_open(&r, path)) {
        CHECK(0, "open %s: %s", path, sw_errmsg());
        return;
    }
    const sw_raster_info *in = sw_raster_get_info(r);
    CHECK(in->width == W && in->height == H && in->nbands == nb, "%s: size %dx%dx%d", path, in->width, in->height, in->nbands);
    CHECK(strcmp(in->dtype, dtype) == 0, "%s: dtype %s, expected %s", path, in->dtype, dtype);
    CHECK(in->mask_kind == mk, "%s: mask kind %d, expected %d", path, in->mask_kind, mk);
    CHECK(in->tiled == tiled, "%s: tiled %d, expected %d", path, in->tiled, tiled);
    CHECK(in->has_gt && in->gt[0] == 500000 && in->gt[1] == 10 && in->gt[5] == -10, "%s: geotransform", path);
    CHECK(in->wkt && t_has(in->crs_name, "UTM zone 33N"), "%s: crs '%s'", path, in->crs_name);
    CHECK(in->rgb[0] == r0 && in->rgb[1] == r1 && in->rgb[2] == r2, "%s: default bands %d,%d,%d, expected %d,%d,%d", path,
          in->rgb[0], in->rgb[1], in->rgb[2], r0, r1, r2);
    printf("  info %-40s %s, %d bands, mask %d, %s, default bands %d,%d,%d\n", strrchr(path, '/') + 1, in->dtype,
           in->nbands, in->mask_kind, in->tiled ? "tiled" : "strips", in->rgb[0], in->rgb[1], in->rgb[2]);
    sw_raster_close(r);
}

static void check_error(const char *what, sw_status got, sw_status want, const char *p1, const char *p2) {
    const char *m = sw_errmsg();
    CHECK(got == want, "%s: status %d, expected %d (%s)", what, got, want, m);
    CHECK(t_has(m, p1) && (!p2 || t_has(m, p2)), "%s: message '%s' lacks '%s' / '%s'", what, m, p1, p2 ? p2 : "");
    printf("  error %-26s -> %s\n", what, m);
}

static void check_errors(const char *dir, const char *tif) {
    char path[1200];
    sw_raster *r = NULL;
    snprintf(path, sizeof path, "%s/missing.tif", dir);
    check_error("missing file", sw_raster_open(&r, path), SW_ERR_INPUT, path, NULL);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a raster\n", f);
    fclose(f);
    check_error("text file", sw_raster_open(&r, path), SW_ERR_INPUT, path, "not recognized");
    check_error("folder", sw_raster_open(&r, dir), SW_ERR_INPUT, dir, NULL);
    if (sw_raster_open(&r, tif)) {
        CHECK(0, "open %s: %s", tif, sw_errmsg());
        return;
    }
    uint8_t pix[64 * 3], v[64];
    check_error("window right of image", sw_raster_read_u8(r, 300, 0, 8, 8, pix, v), SW_ERR_INPUT, tif, "300,0,8,8");
    check_error("window above image", sw_raster_read_u8(r, 5, -8, 8, 8, pix, v), SW_ERR_INPUT, tif, "5,-8,8,8");
    check_error("empty window", sw_raster_read_u8(r, 5, 5, 0, 8, pix, v), SW_ERR_INPUT, tif, "5,5,0,8");
    check_error("huge offset", sw_raster_read_u8(r, INT64_MAX - 2, 0, 8, 8, pix, v), SW_ERR_INPUT, tif, NULL);
    check_error("band 9", sw_raster_select_bands(r, (int[]){1, 9, 2}, 3), SW_ERR_INPUT, tif, "band 9 does not exist");
    check_error("band 0", sw_raster_select_bands(r, (int[]){0}, 1), SW_ERR_INPUT, tif, "band 0");
    int many[SW_RASTER_MAX_BANDS + 1];
    for (int i = 0; i <= SW_RASTER_MAX_BANDS; i++) many[i] = 1;
    check_error("17 bands", sw_raster_select_bands(r, many, SW_RASTER_MAX_BANDS + 1), SW_ERR_INPUT, tif,
                "a read delivers 1 to 16 bands");
    int sel[SW_RASTER_MAX_BANDS];
    CHECK(sw_raster_selected_bands(r, sel) == 3 && sel[0] == 1 && sel[2] == 3, "a failed selection keeps the old one");
    double lo, hi;
    check_error("stretch of band 7", sw_raster_stretch(r, 7, &lo, &hi), SW_ERR_INPUT, tif, "band 7");
    sw_raster_close(r);
}

/* One handle per thread, reading concurrently: every thread must see exactly the pixels. */
typedef struct {
    const char *path;
    long bad;
    char err[256];
} reader_arg;

static void *reader(void *p) {
    reader_arg *a = p;
    sw_raster *r;
    if (sw_raster_open(&r, a->path)) {
        snprintf(a->err, sizeof a->err, "%s", sw_errmsg());
        a->bad = -1;
        return NULL;
    }
    uint8_t *pix = malloc(96 * 80 * 3), *v = malloc(96 * 80);
    for (int it = 0; it < 40; it++) {
        int x0 = (it * 37) % 260 - 20, y0 = (it * 53) % 160 - 20;
        if (sw_raster_read_u8(r, x0, y0, 96, 80, pix, v)) {
            snprintf(a->err, sizeof a->err, "%s", sw_errmsg());
            a->bad++;
            continue;
        }
        for (int j = 0; j < 80; j++)
            for (int i = 0; i < 96; i++) {
                int X = x0 + i, Y = y0 + j, in = X >= 0 && X < W && Y >= 0 && Y < H;
                for (int b = 0; b < 3; b++) a->bad += pix[(j * 96 + i) * 3 + b] != (in ? (int)px(X, Y, b + 1) : 0);
                a->bad += v[j * 96 + i] != in;
            }
    }
    free(pix);
    free(v);
    sw_raster_close(r);
    return NULL;
}

static void check_threads(const char *a, const char *b) {
    pthread_t t[4];
    reader_arg arg[4] = {{a, 0, ""}, {b, 0, ""}, {a, 0, ""}, {b, 0, ""}};
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, reader, &arg[i]);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(arg[i].bad == 0, "thread %d (%s): %ld mismatches %s", i, arg[i].path, arg[i].bad, arg[i].err);
        bad += arg[i].bad;
    }
    printf("  4 threads, one handle each, 40 windows each on tiled and VRT sources: %s\n", bad ? "MISMATCH" : "every pixel as expected");
}

int main(void) {
    char dir[1024], p[8][1200];
    t_dir(dir, sizeof dir, "raster_read");
    const char *names[] = {"strips.tif", "tiled.tif", "tiled.vrt", "nodata.tif", "mask.tif", "alpha.tif", "bgr.tif", "named.tif"};
    for (int i = 0; i < 8; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    int alpha_ci[] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
    int bgr_ci[] = {GCI_BlueBand, GCI_GreenBand, GCI_RedBand};
    const char *const desc[] = {"coastal", "Blue", "green", "B4 (red)", "nir"};
    t_fixture fx[] = {
        {W, H, 3, GDT_Byte, 0, px, 0, 0, NULL, NULL, NULL},
        {W, H, 3, GDT_Byte, 64, px, 0, 0, NULL, NULL, NULL},
        {0},
        {W, H, 3, GDT_Byte, 64, px_nodata, 1, 255, NULL, NULL, NULL},
        {W, H, 3, GDT_Byte, 0, px, 0, 0, mask_fn, NULL, NULL},
        {W, H, 4, GDT_Byte, 32, px_alpha, 0, 0, NULL, alpha_ci, NULL},
        {W, H, 3, GDT_Byte, 0, px, 0, 0, NULL, bgr_ci, NULL},
        {W, H, 5, GDT_Byte, 0, px, 0, 0, NULL, NULL, desc},
    };
    printf("test_raster_read: fixtures %d x %d in %s\n", W, H, dir);
    for (int i = 0; i < 8; i++)
        if (i != 2 && t_make_tif(p[i], &fx[i])) return 1;
    GDALDatasetH src = GDALOpen(p[1], GA_ReadOnly);
    GDALDatasetH vrt = GDALCreateCopy(GDALGetDriverByName("VRT"), p[2], src, FALSE, NULL, NULL, NULL);
    if (!vrt) {
        printf("cannot write the VRT fixture: %s\n", CPLGetLastErrorMsg());
        return 1;
    }
    GDALClose(vrt);
    GDALClose(src);

    printf("info and default bands:\n");
    check_info(p[0], 3, "Byte", SW_MASK_NONE, 0, 1, 2, 3);
    check_info(p[1], 3, "Byte", SW_MASK_NONE, 1, 1, 2, 3);
    check_info(p[3], 3, "Byte", SW_MASK_NODATA, 1, 1, 2, 3);
    check_info(p[4], 3, "Byte", SW_MASK_BAND, 0, 1, 2, 3);
    check_info(p[5], 4, "Byte", SW_MASK_ALPHA, 1, 1, 2, 3);
    check_info(p[6], 3, "Byte", SW_MASK_NONE, 0, 3, 2, 1);
    check_info(p[7], 5, "Byte", SW_MASK_NONE, 0, 4, 3, 2);

    printf("windows (corners, edges, inside, larger, last pixel, whole, last row / column):\n");
    int b123[] = {1, 2, 3}, b31[] = {3, 1}, b2[] = {2};
    check_windows("strips, bands 1,2,3", p[0], b123, 3, px, all_valid);
    check_windows("strips, default bands", p[0], NULL, 3, px, all_valid);
    check_windows("strips, bands 3,1", p[0], b31, 2, px, all_valid);
    check_windows("tiled 64, bands 1,2,3", p[1], b123, 3, px, all_valid);
    check_windows("tiled 64, band 2", p[1], b2, 1, px, all_valid);
    check_windows("VRT of tiled, bands 1,2,3", p[2], b123, 3, px, all_valid);
    check_windows("nodata 255, bands 1,2,3", p[3], b123, 3, px_nodata, nodata_valid);
    check_windows("internal mask, bands 1,2,3", p[4], b123, 3, px, mask_valid);
    check_windows("internal mask, bands 3,1", p[4], b31, 2, px, mask_valid);
    check_windows("alpha band, bands 1,2,3", p[5], b123, 3, px_alpha, alpha_valid);

    printf("threads:\n");
    check_threads(p[1], p[2]);

    printf("errors:\n");
    check_errors(dir, p[0]);
    return t_verdict("test_raster_read");
}
