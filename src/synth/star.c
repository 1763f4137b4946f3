/* Star-shaped polygons (see star.h). */
#include "src/synth/star.h"

#include <math.h>
#include <stdlib.h>

sw_status sw_star_init(sw_star *s, double cx, double cy, const double *ang, const double *rad, int n) {
    s->cx = cx, s->cy = cy, s->n = n;
    s->x = sw_malloc(sizeof(double) * (size_t)n * 3, "star polygon");
    if (!s->x) return SW_ERR_RUNTIME;
    s->y = s->x + n;
    s->ang = s->y + n;
    /* start the vertex list at the smallest atan2 angle so a binary search works */
    int first = 0;
    double amin = 1e9;
    for (int i = 0; i < n; i++) {
        double a = atan2(sin(ang[i]), cos(ang[i]));
        if (a < amin) amin = a, first = i;
    }
    s->x0 = s->y0 = 1e300;
    s->x1 = s->y1 = -1e300;
    for (int k = 0; k < n; k++) {
        int i = (first + k) % n;
        double x = cx + rad[i] * cos(ang[i]), y = cy + rad[i] * sin(ang[i]);
        s->x[k] = x, s->y[k] = y;
        s->ang[k] = atan2(y - cy, x - cx);
        if (k > 0 && s->ang[k] < s->ang[k - 1]) s->ang[k] = s->ang[k - 1];   /* rounding at -pi/pi */
        s->x0 = fmin(s->x0, x), s->x1 = fmax(s->x1, x);
        s->y0 = fmin(s->y0, y), s->y1 = fmax(s->y1, y);
    }
    return SW_OK;
}

void sw_star_free(sw_star *s) {
    free(s->x);
    s->x = s->y = s->ang = NULL;
    s->n = 0;
}

/* Index j of the edge (j, j+1 mod n) whose angular range holds angle a. */
static int edge_at(const sw_star *s, double a) {
    if (a < s->ang[0] || a >= s->ang[s->n - 1]) return s->n - 1;   /* the wrap-around edge */
    int lo = 0, hi = s->n - 1;   /* ang[lo] <= a < ang[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (s->ang[mid] <= a) lo = mid;
        else hi = mid;
    }
    return lo;
}

int sw_star_contains(const sw_star *s, double x, double y) {
    if (x < s->x0 || x > s->x1 || y < s->y0 || y > s->y1) return 0;
    double dx = x - s->cx, dy = y - s->cy;
    int j = edge_at(s, atan2(dy, dx)), k = (j + 1) % s->n;
    double ex = s->x[k] - s->x[j], ey = s->y[k] - s->y[j];
    /* vertices go counter-clockwise in the (x, y) frame: inside is to the left of each edge */
    return ex * (y - s->y[j]) - ey * (x - s->x[j]) >= 0.0;
}

static double seg_dist(double px, double py, double ax, double ay, double bx, double by) {
    double ex = bx - ax, ey = by - ay, l2 = ex * ex + ey * ey;
    double t = l2 > 0 ? ((px - ax) * ex + (py - ay) * ey) / l2 : 0.0;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    double dx = ax + t * ex - px, dy = ay + t * ey - py;
    return sqrt(dx * dx + dy * dy);
}

/* Angular distance from a to the arc [a0, a1] (going counter-clockwise from a0 to a1). */
static double arc_gap(double a, double a0, double a1) {
    const double two_pi = 6.283185307179586;
    double span = fmod(a1 - a0 + 2 * two_pi, two_pi), t = fmod(a - a0 + 2 * two_pi, two_pi);
    if (t <= span) return 0.0;
    double g0 = two_pi - t, g1 = t - span;
    return g0 < g1 ? g0 : g1;
}

double sw_star_dist(const sw_star *s, double x, double y, double maxd) {
    if (x < s->x0 - maxd || x > s->x1 + maxd || y < s->y0 - maxd || y > s->y1 + maxd) return maxd + 1.0;
    double dx = x - s->cx, dy = y - s->cy, r = sqrt(dx * dx + dy * dy);
    double a = atan2(dy, dx);
    /* a boundary point within maxd of (x, y) is seen from the centre within delta of a */
    double delta = r > maxd ? asin(maxd / r) : 4.0;
    int j0 = edge_at(s, a), n = s->n;
    double best = maxd + 1.0;
    for (int step = 0; step < n; step++) {   /* counter-clockwise from the edge at a */
        int j = (j0 + step) % n, k = (j + 1) % n;
        if (step > 0 && arc_gap(a, s->ang[j], s->ang[k]) > delta) break;
        double d = seg_dist(x, y, s->x[j], s->y[j], s->x[k], s->y[k]);
        if (d < best) best = d;
    }
    for (int step = 1; step < n; step++) {   /* clockwise */
        int j = ((j0 - step) % n + n) % n, k = (j + 1) % n;
        if (arc_gap(a, s->ang[j], s->ang[k]) > delta) break;
        double d = seg_dist(x, y, s->x[j], s->y[j], s->x[k], s->y[k]);
        if (d < best) best = d;
    }
    return best;
}

/* Does the segment (a, b) touch the box? (separating axes: the box's two, and the segment's normal) */
static int seg_hits_box(double ax, double ay, double bx, double by, double x0, double y0, double x1, double y1) {
    if (fmax(ax, bx) < x0 || fmin(ax, bx) > x1 || fmax(ay, by) < y0 || fmin(ay, by) > y1) return 0;
    double nx = by - ay, ny = ax - bx;
    double d0 = nx * (x0 - ax) + ny * (y0 - ay), d1 = nx * (x1 - ax) + ny * (y0 - ay);
    double d2 = nx * (x0 - ax) + ny * (y1 - ay), d3 = nx * (x1 - ax) + ny * (y1 - ay);
    return !((d0 > 0 && d1 > 0 && d2 > 0 && d3 > 0) || (d0 < 0 && d1 < 0 && d2 < 0 && d3 < 0));
}

int sw_star_classify_box(const sw_star *s, double x0, double y0, double x1, double y1) {
    /* a margin of one unit keeps points that rounding could put either way out of the sure cases */
    x0 -= 1, y0 -= 1, x1 += 1, y1 += 1;
    if (x1 < s->x0 || x0 > s->x1 || y1 < s->y0 || y0 > s->y1) return -1;
    for (int i = 0; i < s->n; i++) {
        int k = (i + 1) % s->n;
        if (seg_hits_box(s->x[i], s->y[i], s->x[k], s->y[k], x0, y0, x1, y1)) return 0;
    }
    /* no edge meets the box: all of it is on one side */
    return sw_star_contains(s, 0.5 * (x0 + x1), 0.5 * (y0 + y1)) ? 1 : -1;
}

double sw_star_area(const sw_star *s) {
    double a = 0;
    for (int i = 0; i < s->n; i++) {
        int k = (i + 1) % s->n;
        a += s->x[i] * s->y[k] - s->x[k] * s->y[i];
    }
    return fabs(a) * 0.5;
}
