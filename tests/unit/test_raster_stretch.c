/* The 8-bit stretch of io/raster.h on 16-bit, Int16 and Float32 inputs: default bands 3,2,1 of a
 * 4-band UInt16 file without colour interpretation, exact 2-98 % percentiles (outliers, nodata and
 * NaN excluded), values at / below lo -> 0, at / above hi -> 255, monotone in between, and the same
 * mapping in two different windows (computed once per file); sampled stretch of larger files. */
#include "io/raster.h"
#include "tests/unit/raster_test_util.h"

#include <math.h>

static double u16_px(int x, int y, int b) {
    if ((x * 31 + y * 17 + b) % 613 == 0) return 60000 + b; /* a few outliers */
    uint32_t h = (uint32_t)(x * 37 + y * 101 + b * 1009) * 2654435761u;
    return (double)((h >> 7) % 4001);
}
static double nd_px(int x, int y, int b) { (void)b; return x < 100 ? 0 : 1000 + (x * 7 + y * 3) % 2001; }
static double i16_px(int x, int y, int b) { (void)b; return -2000 + (x * 13 + y * 29) % 4001; }
static double f32_px(int x, int y, int b) { (void)b; return (x + y) % 50 == 0 ? NAN : 0.001 * x - 0.002 * y; }
static double big_px(int x, int y, int b) { (void)b; return (x * 7 + y * 13) % 4096; }

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Exact percentiles of band b over the whole image, as the reader defines them. */
static void expected_stretch(t_pixel_fn f, int w, int h, int b, int has_nd, double nd, double *lo, double *hi) {
    double *v = malloc(sizeof(double) * (size_t)w * h);
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = (float)f(x, y, b);
            if (!isnan(s) && !(has_nd && s == nd)) v[n++] = s;
        }
    qsort(v, n, sizeof *v, cmp_d);
    *lo = v[(size_t)floor(0.02 * (double)(n - 1))];
    *hi = v[(size_t)ceil(0.98 * (double)(n - 1))];
    free(v);
}

static int stretched(double v, double lo, double hi) {
    double t = (v - lo) * 255.0 / (hi - lo);
    return !(t > 0) ? 0 : t >= 255 ? 255 : (int)(t + 0.5);
}

typedef struct {
    long long x, y;
    int w, h;
} win;

/* Reads the windows with `bands`; checks every pixel against the stretch and its properties. */
static void check_reads(const char *label, sw_raster *r, const int *bands, int nb, t_pixel_fn f, int W, int H,
                        const double *lo, const double *hi, const win *wins, int nwin, int has_nd, double nd) {
    CHECK(sw_raster_select_bands(r, bands, nb) == SW_OK, "%s: select: %s", label, sw_errmsg());
    int bad = 0, bad_mono = 0, bad_v = 0;
    /* seen[b][v + 32768]: the output of integer value v, the same in every window */
    enum { NKEY = 65536 + 32768 };
    int *seen = malloc(sizeof(int) * NKEY * nb);
    for (int i = 0; i < NKEY * nb; i++) seen[i] = -1;
    for (int k = 0; k < nwin; k++) {
        const win *g = &wins[k];
        size_t n = (size_t)g->w * g->h;
        uint8_t *pix = malloc(n * nb), *valid = malloc(n);
        CHECK(sw_raster_read_u8(r, g->x, g->y, g->w, g->h, pix, valid) == SW_OK, "%s: read: %s", label, sw_errmsg());
        for (int j = 0; j < g->h; j++)
            for (int i = 0; i < g->w; i++) {
                long long X = g->x + i, Y = g->y + j;
                size_t o = (size_t)j * g->w + i;
                int inside = X >= 0 && X < W && Y >= 0 && Y < H;
                int any_nan = 0, all_nd = has_nd;
                for (int b = 0; b < nb && inside; b++) {
                    double v = (float)f((int)X, (int)Y, bands[b]);
                    any_nan |= isnan(v);
                    all_nd = all_nd && v == nd;
                }
                int ev = inside && !any_nan && !all_nd;
                if (valid[o] != ev && bad_v++ < 3) CHECK(0, "%s: valid(%lld,%lld) = %d, expected %d", label, X, Y, valid[o], ev);
                for (int b = 0; b < nb; b++) {
                    int out = pix[o * nb + b];
                    if (!ev) {
                        if (out != 0 && bad++ < 3) CHECK(0, "%s: invalid pixel (%lld,%lld) reads %d", label, X, Y, out);
                        continue;
                    }
                    double v = (float)f((int)X, (int)Y, bands[b]);
                    int e = stretched(v, lo[b], hi[b]);
                    if ((v <= lo[b] && out != 0) || (v >= hi[b] && out != 255) || out != e) {
                        if (bad++ < 3) CHECK(0, "%s: band %d value %g -> %d, expected %d (lo %g hi %g)", label, bands[b], v, out, e, lo[b], hi[b]);
                    }
                    if (v == floor(v) && v >= -32768 && v <= 65535) {
                        int *s = &seen[b * NKEY + (int)v + 32768];
                        if (*s >= 0 && *s != out && bad_mono++ < 3) CHECK(0, "%s: value %g -> %d and %d in two windows", label, v, *s, out);
                        *s = out;
                    }
                }
            }
        free(pix);
        free(valid);
    }
    /* monotone: integer values in increasing order never map lower */
    for (int b = 0; b < nb; b++) {
        int last = -1;
        for (int k = 0; k < NKEY; k++) {
            int s = seen[b * NKEY + k];
            if (s < 0) continue;
            if (s < last && bad_mono++ < 3) CHECK(0, "%s: band %d not monotone at value %d", label, bands[b], k - 32768);
            last = s > last ? s : last;
        }
    }
    free(seen);
    CHECK(bad == 0 && bad_mono == 0 && bad_v == 0, "%s: %d value, %d monotony / consistency, %d validity errors", label, bad, bad_mono, bad_v);
    printf("  %-38s %d windows: %s\n", label, nwin, bad || bad_mono || bad_v ? "MISMATCH" : "every pixel as expected, monotone, same in every window");
}

static sw_raster *open_or_fail(const char *path) {
    sw_raster *r = NULL;
    if (sw_raster_open(&r, path)) CHECK(0, "open %s: %s", path, sw_errmsg());
    return r;
}

static void check_stretch(const char *label, sw_raster *r, int band, double elo, double ehi, double tol) {
    double lo = -1, hi = -1;
    CHECK(sw_raster_stretch(r, band, &lo, &hi) == SW_OK, "%s: stretch: %s", label, sw_errmsg());
    CHECK(fabs(lo - elo) <= tol && fabs(hi - ehi) <= tol, "%s: band %d stretch %g..%g, expected %g..%g (+-%g)", label,
          band, lo, hi, elo, ehi, tol);
    printf("  %-38s band %d: lo %g hi %g (expected %g %g%s)\n", label, band, lo, hi, elo, ehi, tol > 0 ? ", sampled" : ", exact");
}

int main(void) {
    char dir[1024], path[1200];
    t_dir(dir, sizeof dir, "raster_stretch");
    printf("test_raster_stretch: fixtures in %s\n", dir);

    /* 4-band UInt16, no colour interpretation: default bands 3,2,1 */
    enum { W = 400, H = 300 };
    snprintf(path, sizeof path, "%s/u16_4band.tif", dir);
    if (t_make_tif(path, &(t_fixture){W, H, 4, GDT_UInt16, 128, u16_px, 0, 0, NULL, NULL, NULL})) return 1;
    sw_raster *r = open_or_fail(path);
    if (!r) return t_verdict("test_raster_stretch");
    const sw_raster_info *in = sw_raster_get_info(r);
    int sel[SW_RASTER_MAX_BANDS], ns = sw_raster_selected_bands(r, sel);
    CHECK(strcmp(in->dtype, "UInt16") == 0 && in->bits == 16, "dtype %s bits %d", in->dtype, in->bits);
    CHECK(ns == 3 && sel[0] == 3 && sel[1] == 2 && sel[2] == 1, "default bands %d: %d,%d,%d, expected 3,2,1", ns, sel[0], sel[1], sel[2]);
    printf("  4-band UInt16, no colour interpretation: default bands %d,%d,%d\n", sel[0], sel[1], sel[2]);
    double lo[4], hi[4];
    for (int b = 1; b <= 4; b++) {
        expected_stretch(u16_px, W, H, b, 0, 0, &lo[b - 1], &hi[b - 1]);
        check_stretch("UInt16 4-band", r, b, lo[b - 1], hi[b - 1], 0);
        CHECK(hi[b - 1] < 60000, "band %d: the outliers must not set hi (%g)", b, hi[b - 1]);
    }
    const win wins[] = {{0, 0, 200, 150}, {150, 100, 300, 250}, {-20, 250, 64, 64}};
    check_reads("UInt16 default bands 3,2,1", r, (int[]){3, 2, 1}, 3, u16_px, W, H, (double[]){lo[2], lo[1], lo[0]},
                (double[]){hi[2], hi[1], hi[0]}, wins, 3, 0, 0);
    check_reads("UInt16 --bands 4,1", r, (int[]){4, 1}, 2, u16_px, W, H, (double[]){lo[3], lo[0]}, (double[]){hi[3], hi[0]},
                wins, 3, 0, 0);
    double lo2, hi2;
    sw_raster_stretch(r, 3, &lo2, &hi2);
    CHECK(lo2 == lo[2] && hi2 == hi[2], "stretch of band 3 changed after reads");
    sw_raster_close(r);

    /* nodata 0 over the left quarter: excluded from the stretch, invalid, read as 0 */
    snprintf(path, sizeof path, "%s/u16_nodata.tif", dir);
    if (t_make_tif(path, &(t_fixture){W, H, 1, GDT_UInt16, 0, nd_px, 1, 0, NULL, NULL, NULL})) return 1;
    if ((r = open_or_fail(path))) {
        double l, h;
        expected_stretch(nd_px, W, H, 1, 1, 0, &l, &h);
        check_stretch("UInt16 nodata 0", r, 1, l, h, 0);
        check_reads("UInt16 nodata 0", r, (int[]){1}, 1, nd_px, W, H, &l, &h, wins, 3, 1, 0);
        sw_raster_close(r);
    }

    /* Int16 with negative values */
    snprintf(path, sizeof path, "%s/i16.tif", dir);
    if (t_make_tif(path, &(t_fixture){W, H, 1, GDT_Int16, 64, i16_px, 0, 0, NULL, NULL, NULL})) return 1;
    if ((r = open_or_fail(path))) {
        double l, h;
        expected_stretch(i16_px, W, H, 1, 0, 0, &l, &h);
        check_stretch("Int16", r, 1, l, h, 0);
        check_reads("Int16", r, (int[]){1}, 1, i16_px, W, H, &l, &h, wins, 3, 0, 0);
        sw_raster_close(r);
    }

    /* Float32 with NaN: NaN pixels are invalid and excluded from the stretch */
    snprintf(path, sizeof path, "%s/f32.tif", dir);
    if (t_make_tif(path, &(t_fixture){W, H, 1, GDT_Float32, 0, f32_px, 0, 0, NULL, NULL, NULL})) return 1;
    if ((r = open_or_fail(path))) {
        double l, h;
        expected_stretch(f32_px, W, H, 1, 0, 0, &l, &h);
        check_stretch("Float32 with NaN", r, 1, l, h, 0);
        check_reads("Float32 with NaN", r, (int[]){1}, 1, f32_px, W, H, &l, &h, wins, 3, 0, 0);
        sw_raster_close(r);
    }

    /* Larger files: a decimated whole-image sample (strips), and blocks spread over a tiled file
     * without overviews; both must come close to the exact percentiles of a uniform image. */
    struct { const char *name; int w, h, block; } big[] = {{"big_strips.tif", 2600, 1500, 0}, {"big_tiled.tif", 2048, 2048, 64}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, big[i].name);
        if (t_make_tif(path, &(t_fixture){big[i].w, big[i].h, 1, GDT_UInt16, big[i].block, big_px, 0, 0, NULL, NULL, NULL})) return 1;
        if (!(r = open_or_fail(path))) continue;
        double l, h;
        expected_stretch(big_px, big[i].w, big[i].h, 1, 0, 0, &l, &h);
        check_stretch(i ? "tiled 2048^2, sampled blocks" : "strips 2600x1500, decimated", r, 1, l, h, 0.02 * 4096);
        sw_raster_close(r);
    }
    return t_verdict("test_raster_stretch");
}
