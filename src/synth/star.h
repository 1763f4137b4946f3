/* Star-shaped polygons (every vertex seen from a centre, vertices in increasing angle): the
 * mosaic footprint and the stitching patches. Inside tests and distances to the boundary cost a
 * binary search, so they can run for every pixel. */
#ifndef SWATH_SYNTH_STAR_H
#define SWATH_SYNTH_STAR_H

#include "src/core/error.h"

typedef struct {
    double cx, cy;            /* the centre every vertex is seen from */
    int n;                    /* vertices */
    double *x, *y;            /* (n) vertices, in increasing angle around the centre */
    double *ang;              /* (n) atan2 angle of each vertex, increasing, in (-pi, pi] */
    double x0, y0, x1, y1;    /* bounding box */
} sw_star;

/* Makes a star polygon from polar vertices (angles increasing over less than one turn from
 * ang[0], radii > 0) around (cx, cy). */
sw_status sw_star_init(sw_star *s, double cx, double cy, const double *ang, const double *rad, int n);
void sw_star_free(sw_star *s);

/* Is (x, y) inside? Points on the boundary may go either way, but always the same way. */
int sw_star_contains(const sw_star *s, double x, double y);
/* Distance from (x, y) to the boundary when it is at most maxd; otherwise a value > maxd. */
double sw_star_dist(const sw_star *s, double x, double y, double maxd);
/* Where the box [x0, x1] x [y0, y1] lies: 1 wholly inside, -1 wholly outside, 0 crossed by the
 * boundary (or too close to it to say). Agrees with sw_star_contains at every point of a box that
 * is not 0. */
int sw_star_classify_box(const sw_star *s, double x0, double y0, double x1, double y1);
/* Area (shoelace). */
double sw_star_area(const sw_star *s);

#endif
