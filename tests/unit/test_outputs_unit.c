/* Unit tests of the run outputs' pure parts: box clustering (grid index vs brute force), the
 * confusion scores, the ellipsoidal ring area (against PROJ's equal-area projection and the
 * sphere), the quicklook geometry and font, and the report writer's escaping. */
#include "io/image_png.h"
#include "io/mask_vectorize.h"
#include "io/raster.h"
#include "src/metrics/confusion.h"
#include "src/run/cluster.h"
#include "src/run/quicklook.h"
#include "src/run/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

static uint64_t rng = 88172645463325252ull;
static int64_t rnd(int64_t n) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (int64_t)(rng % (uint64_t)n);
}

/* Brute-force single linkage, to check the grid version's grouping. */
static void brute(const sw_pixbox *b, int64_t n, int64_t dist, int64_t *lab) {
    for (int64_t i = 0; i < n; i++) lab[i] = i;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++)
                if (lab[i] != lab[j] && sw_pixbox_gap(&b[i], &b[j]) <= dist) {
                    int64_t m = lab[i] < lab[j] ? lab[i] : lab[j];
                    changed |= lab[i] != m || lab[j] != m;
                    lab[i] = lab[j] = m;
                }
    }
}

static void test_cluster(void) {
    sw_pixbox a = {0, 0, 1, 1}, b = {1, 1, 2, 2}, c = {5, 0, 6, 1}, d = {0, 20, 10, 30};
    CHECK(sw_pixbox_gap(&a, &b) == 0, "diagonal neighbours touch");
    CHECK(sw_pixbox_gap(&a, &c) == 4, "gap %lld", (long long)sw_pixbox_gap(&a, &c));
    CHECK(sw_pixbox_gap(&a, &d) == 19, "gap %lld", (long long)sw_pixbox_gap(&a, &d));
    enum { N = 600 };
    sw_pixbox *box = malloc(sizeof *box * N);
    int64_t *g = malloc(sizeof *g * N), *lab = malloc(sizeof *lab * N), ng = 0;
    for (int trial = 0; trial < 6; trial++) {
        int64_t dist = trial == 5 ? 300 : trial * 7;
        for (int i = 0; i < N; i++) {
            int64_t x = rnd(2000), y = rnd(2000), w = 1 + (rnd(10) ? rnd(4) : rnd(1500)), h = 1 + rnd(4);
            box[i] = (sw_pixbox){x, y, x + w, y + h};
        }
        CHECK(sw_cluster_boxes(box, N, dist, g, &ng) == SW_OK, "cluster");
        brute(box, N, dist, lab);
        /* Same partition, and groups numbered in order of their first box. */
        int64_t next = 0;
        for (int i = 0; i < N; i++) {
            CHECK(lab[i] == i ? g[i] == next : g[i] == g[lab[i]], "trial %d box %d: group %lld", trial, i,
                  (long long)g[i]);
            if (lab[i] == i) next++;
        }
        CHECK(ng == next, "trial %d: %lld groups, brute force %lld", trial, (long long)ng, (long long)next);
    }
    CHECK(sw_cluster_boxes(box, N, -1, g, &ng) == SW_OK && ng == N, "dist < 0: %lld groups", (long long)ng);
    free(box), free(g), free(lab);
}

static void test_confusion(void) {
    /* truth 0 0 1 1 1 2 255 3; pred 0 1 1 1 2 2 5 255 (the last: no prediction) */
    const uint8_t t[] = {0, 0, 1, 1, 1, 2, 255, 3}, p[] = {0, 1, 1, 1, 2, 2, 5, 255};
    sw_confusion c;
    sw_confusion_init(&c);
    sw_confusion_add(&c, t, NULL, p, NULL, 8);
    sw_class_score s;
    sw_confusion_score(&c, 1, &s);
    CHECK(s.tp == 2 && s.fp == 1 && s.fn == 1, "class 1: tp %lld fp %lld fn %lld", (long long)s.tp, (long long)s.fp,
          (long long)s.fn);
    CHECK(fabs(s.iou - 0.5) < 1e-15 && fabs(s.precision - 2.0 / 3) < 1e-15 && fabs(s.recall - 2.0 / 3) < 1e-15, "scores");
    sw_confusion_score(&c, 3, &s);
    CHECK(s.tp == 0 && s.fn == 1 && s.iou == 0 && isnan(s.precision), "class 3 missed (no prediction)");
    sw_confusion_score(&c, 7, &s);
    CHECK(isnan(s.iou), "absent class: IoU undefined");
    CHECK(c.ignored == 1 && c.m[3][SW_CONF_NOPRED] == 1, "ignored %lld", (long long)c.ignored);
    CHECK(fabs(sw_confusion_accuracy(&c) - 4.0 / 7) < 1e-15, "accuracy");
}

static void test_area(void) {
    /* 1 x 1 degree cells on WGS 84 at latitudes 0, 45, 89: PROJ's +proj=laea centred on the cell, all four edges densified to 2000 points
     * (osgeo.ogr, GDAL 3.6) gave these. */
    static const double want[3][2] = {{0, 12308463893.936699}, {45, 8686494956.580107}, {89, 108866681.63442601}};
    for (int i = 0; i < 3; i++) {
        double lat = want[i][0], ring[8] = {0, lat, 1, lat, 1, lat + 1, 0, lat + 1};
        double a = sw_ring_area_ellipsoidal(ring, 4, 6378137.0, 298.257223563);
        CHECK(fabs(a / want[i][1] - 1) < 1e-8, "lat %g: %.6f, PROJ %.6f", lat, a, want[i][1]);
    }
    /* A sphere (1/f = 0): R^2 dlon (sin lat2 - sin lat1); a rotated quadrilateral (sloped edges). */
    double R = 6371000, ring[8] = {10, 20, 12, 20, 12, 23, 10, 23};
    double s = R * R * (2 * M_PI / 180) * (sin(23 * M_PI / 180) - sin(20 * M_PI / 180));
    double a = sw_ring_area_ellipsoidal(ring, 4, R, 0);
    CHECK(fabs(a / s - 1) < 1e-12, "sphere %.3f vs %.3f", a, s);
    double tri[6] = {0, 0, 1, 0, 0, 1};   /* sloped edge: integrated in steps */
    double half = sw_ring_area_ellipsoidal(tri, 3, R, 0), sq[8] = {0, 0, 1, 0, 1, 1, 0, 1};
    double full = sw_ring_area_ellipsoidal(sq, 4, R, 0);
    CHECK(fabs(half / full - 0.5) < 1e-4, "triangle / square %.8f", half / full);
}

static void test_quicklook(void) {
    int w, h;
    sw_quicklook_size(4096, 2048, 0, &w, &h);
    CHECK(w == 1024 && h == 512, "%dx%d", w, h);
    sw_quicklook_size(300, 5000, 1000, &w, &h);
    CHECK(w == 60 && h == 1000, "%dx%d", w, h);
    sw_quicklook_size(300, 200, 1024, &w, &h);
    CHECK(w == 300 && h == 200, "small images keep their size: %dx%d", w, h);
    CHECK(sw_quicklook_legend_height(512) == 61 && sw_quicklook_legend_height(100) == 116, "legend heights %d %d",
          sw_quicklook_legend_height(512), sw_quicklook_legend_height(100));
    uint8_t img[3 * 20 * 9] = {0};
    static const uint8_t white[3] = {255, 255, 255};
    CHECK(sw_draw_text(img, 20, 9, 1, 1, "I_", white) == 12, "advance");
    int lit = 0;
    for (int i = 0; i < 20 * 9; i++) lit += img[3 * i] == 255;
    CHECK(lit == 11, "the letter I lights 11 pixels, got %d", lit);   /* 3 + 5 + 3 */
    uint8_t in[3 * 2] = {100, 100, 100, 10, 20, 30}, cls[2] = {7, 0}, valid[2] = {1, 1};
    int lh = sw_quicklook_legend_height(2);
    uint8_t *out = malloc(3 * 2 * (size_t)(1 + lh));
    sw_quicklook_compose(out, in, valid, cls, 2, 1);
    CHECK(out[0] == 178 && out[1] == 50 && out[2] == 50, "blend %d %d %d", out[0], out[1], out[2]);
    CHECK(out[3] == 10 && out[4] == 20 && out[5] == 30, "background kept");
    free(out);
}

static void test_report(const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/test_outputs_report.json", dir);
    sw_report r;
    memset(&r, 0, sizeof r);
    r.input = "a \"quoted\"\\path\twith\x01";
    r.classes[10].features = 3, r.classes[10].pixels = 7, r.classes[10].conf_sum = -1;
    r.seconds_vectorize = NAN;
    CHECK(sw_report_write_json(path, &r) == SW_OK, "%s", sw_errmsg());
    FILE *f = fopen(path, "r");
    char buf[8192] = {0};
    if (f) {
        fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    CHECK(strstr(buf, "\"input\": \"a \\\"quoted\\\"\\\\path\\twith\\u0001\""), "escaping: %.200s", buf);
    CHECK(strstr(buf, "\"tiles\": {\"total\": null"), "unknown tiles are null");
    CHECK(strstr(buf, "\"id\": 10, \"name\": \"pixel_missing\", \"count\": 3"), "class 10");
    CHECK(strstr(buf, "\"seconds\": null}"), "NaN -> null");
    CHECK(sw_report_write_json("/nonexistent-dir/r.json", &r) == SW_ERR_OUTPUT && strstr(sw_errmsg(), "nonexistent"),
          "unwritable: %s", sw_errmsg());
}

/* sw_image_write_png, with libdeflate (where built) and through GDAL (SWATH_PNG_GDAL): read back
 * by GDAL, the same pixels as written, at odd sizes, for noise and flat images. */
static void test_png(const char *dir) {
    int sizes[][2] = {{1, 1}, {7, 3}, {300, 5}, {129, 77}};
    uint32_t seed = 5;
    for (int k = 0; k < 4; k++)
        for (int gdal = 0; gdal < 2; gdal++) {
            int w = sizes[k][0], h = sizes[k][1];
            size_t n = (size_t)w * h * 3;
            uint8_t *img = malloc(n), *back = malloc(n), *v = malloc((size_t)w * h);
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1664525u + 1013904223u;
                img[i] = k == 3 ? (uint8_t)(i / 3 % 7 * 30) : (uint8_t)(seed >> 24);
            }
            char path[1200];
            snprintf(path, sizeof path, "%s/png_%d_%d.png", dir, k, gdal);
            if (gdal) setenv("SWATH_PNG_GDAL", "1", 1);
            sw_status st = sw_image_write_png(path, w, h, img);
            unsetenv("SWATH_PNG_GDAL");
            sw_raster *r = NULL;
            CHECK(st == SW_OK && sw_raster_open(&r, path) == SW_OK, "png %dx%d (gdal %d): %s", w, h, gdal, sw_errmsg());
            if (r) {
                const sw_raster_info *in = sw_raster_get_info(r);
                CHECK(in->width == w && in->height == h && in->nbands == 3, "png %dx%d: reads as %dx%d x %d", w, h,
                      in->width, in->height, in->nbands);
                CHECK(sw_raster_read_u8(r, 0, 0, w, h, back, v) == SW_OK && memcmp(back, img, n) == 0,
                      "png %dx%d (gdal %d): pixels differ", w, h, gdal);
                sw_raster_close(r);
            }
            free(img), free(back), free(v);
        }
}

int main(void) {
    const char *dir = getenv("SWATH_TEST_DIR");
    test_png(dir ? dir : ".");
    test_cluster();
    test_confusion();
    test_area();
    test_quicklook();
    test_report(dir ? dir : ".");
    if (failures) fprintf(stderr, "%d failures\n", failures);
    else printf("test_outputs_unit: all passed\n");
    return failures ? 1 : 0;
}
