/* Star polygons and noise of the synthesizer against brute-force references: inside tests against
 * crossing numbers, distances against all segments, box classification against point tests;
 * noise ranges, determinism and continuity. */
#include "src/synth/noise.h"
#include "src/synth/star.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/check.h"

static int crossing_inside(const sw_star *s, double x, double y) {
    int c = 0;
    for (int i = 0, j = s->n - 1; i < s->n; j = i++)
        if ((s->y[i] > y) != (s->y[j] > y) && x < (s->x[j] - s->x[i]) * (y - s->y[i]) / (s->y[j] - s->y[i]) + s->x[i])
            c = !c;
    return c;
}

static double brute_dist(const sw_star *s, double x, double y) {
    double best = 1e300;
    for (int i = 0; i < s->n; i++) {
        int k = (i + 1) % s->n;
        double ex = s->x[k] - s->x[i], ey = s->y[k] - s->y[i], l2 = ex * ex + ey * ey;
        double t = ((x - s->x[i]) * ex + (y - s->y[i]) * ey) / l2;
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        double d = hypot(s->x[i] + t * ex - x, s->y[i] + t * ey - y);
        if (d < best) best = d;
    }
    return best;
}

static void test_polygons(void) {
    sw_rng r;
    sw_rng_seed(&r, 42, 1);
    for (int poly = 0; poly < 20; poly++) {
        int n = (int)sw_rng_int(&r, 3, 200);
        double ang[200], rad[200], a0 = sw_rng_uniform(&r, -4, 4);
        for (int i = 0; i < n; i++) {
            ang[i] = a0 + 2 * M_PI * (i + sw_rng_uniform(&r, -0.4, 0.4)) / n;
            rad[i] = sw_rng_uniform(&r, 20, 400);
        }
        sw_star s;
        CHECK(sw_star_init(&s, 500, 400, ang, rad, n) == SW_OK, "init");
        int bad_in = 0, bad_d = 0;
        for (int t = 0; t < 20000; t++) {
            double x = sw_rng_uniform(&r, 50, 950), y = sw_rng_uniform(&r, -50, 850);
            double bd = brute_dist(&s, x, y);
            if (bd > 1e-6 && sw_star_contains(&s, x, y) != crossing_inside(&s, x, y)) bad_in++;
            double d = sw_star_dist(&s, x, y, 12.0);
            if (bd <= 12.0 ? fabs(d - bd) > 1e-9 : d <= 12.0) bad_d++;
        }
        CHECK(bad_in == 0, "polygon %d (%d vertices): %d inside tests disagree with crossing numbers", poly, n, bad_in);
        CHECK(bad_d == 0, "polygon %d (%d vertices): %d distances disagree with brute force", poly, n, bad_d);
        int bad_box = 0;
        for (int t = 0; t < 300; t++) {
            double x0 = sw_rng_uniform(&r, 0, 1000), y0 = sw_rng_uniform(&r, -100, 900), w = sw_rng_uniform(&r, 1, 120);
            int c = sw_star_classify_box(&s, x0, y0, x0 + w, y0 + w);
            if (!c) continue;
            for (int k = 0; k < 400; k++) {
                double x = x0 + w * sw_rng_uniform(&r, 0, 1), y = y0 + w * sw_rng_uniform(&r, 0, 1);
                if (sw_star_contains(&s, x, y) != (c > 0)) bad_box++;
            }
        }
        CHECK(bad_box == 0, "polygon %d: %d points disagree with their box's classification", poly, bad_box);
        sw_star_free(&s);
    }
    /* a square of side 2 * 100 / sqrt(2) * sqrt(2) = 200: area 20000 */
    double ang[4] = {M_PI / 4, 3 * M_PI / 4, 5 * M_PI / 4, 7 * M_PI / 4}, rad[4] = {100 * M_SQRT2, 100 * M_SQRT2,
                                                                                  100 * M_SQRT2, 100 * M_SQRT2};
    sw_star sq;
    sw_star_init(&sq, 0, 0, ang, rad, 4);
    CHECK(fabs(sw_star_area(&sq) - 40000.0) < 1e-6, "square area %g, expected 40000", sw_star_area(&sq));
    CHECK(sw_star_contains(&sq, 99, -99) && !sw_star_contains(&sq, 101, 0), "square inside test");
    CHECK(fabs(sw_star_dist(&sq, 95, 0, 8) - 5.0) < 1e-9, "square distance");
    sw_star_free(&sq);
}

static void test_noise(void) {
    uint64_t k = sw_key(7, 1), k2 = sw_key(7, 2);
    float lo = 1, hi = -1, maxstep = 0;
    int differ = 0;
    for (int i = 0; i < 200000; i++) {
        double x = (i % 1000) * 0.37 - 100, y = (i / 1000) * 0.53 - 30;
        float v = sw_fbm(k, x, y, 5), v2 = sw_fbm(k, x + 1e-3, y, 5);
        lo = fminf(lo, v), hi = fmaxf(hi, v);
        maxstep = fmaxf(maxstep, fabsf(v2 - v));
        CHECK(v == sw_fbm(k, x, y, 5), "fbm is not deterministic at %g,%g", x, y);
        differ += v != sw_fbm(k2, x, y, 5);
    }
    CHECK(lo >= -1 && hi <= 1, "fbm out of [-1, 1]: %g..%g", lo, hi);
    CHECK(lo < -0.4 && hi > 0.4, "fbm spans too little: %g..%g", lo, hi);
    CHECK(maxstep < 0.05f, "fbm jumps by %g over 1e-3", maxstep);
    CHECK(differ > 190000, "different keys give the same noise (%d of 200000 differ)", differ);
    sw_rng r;
    sw_rng_seed(&r, 1, 2);
    for (int i = 0; i < 100000; i++) {
        double u = sw_rng_uniform(&r, 3, 5);
        int64_t n = sw_rng_int(&r, -2, 2);
        CHECK(u >= 3 && u < 5 && n >= -2 && n <= 2, "rng out of range: %g %lld", u, (long long)n);
    }
    sw_cell c;
    sw_cellular(k, 10.3, -4.7, 0.9f, &c);
    CHECK(c.f1 <= c.f2 && c.edge >= 0 && c.edge <= c.f2, "cellular: f1 %g f2 %g edge %g", c.f1, c.f2, c.edge);
}

int main(void) {
    test_polygons();
    test_noise();
    if (failures) {
        fprintf(stderr, "test_synth_star: %d failures\n", failures);
        return 1;
    }
    printf("test_synth_star: ok\n");
    return 0;
}
