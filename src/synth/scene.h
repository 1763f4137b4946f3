/* A synthetic defect scene: the frame, its irregular footprint, the land texture and every defect
 * instance with its parameters, drawn up front from the seed. Rendering (render.h) is a pure
 * function of the scene and the pixel position. */
#ifndef SWATH_SYNTH_SCENE_H
#define SWATH_SYNTH_SCENE_H

#include "jobs/defect_classes.h"
#include "src/core/error.h"
#include "src/synth/land.h"
#include "src/synth/star.h"

#include <stdint.h>

#define SW_SYNTH_HALO 32        /* pixels of context a tile needs for blur and smear */
#define SW_SYNTH_MAX_PATCHES 32 /* stitching patches stacked at one point that are followed */
/* Stitching patches (classes 7 and 8) in a scene, at most: each is a star polygon of 15-35 % of
 * the short side, so more than a few dozen only pile up on each other. The default density is
 * capped at half of it per class; an explicit --counts or --density beyond it is refused. */
#define SW_SYNTH_MAX_STITCH 64

/* A soft-edged blob: a rotated ellipse whose edge is perturbed by fBm. Its signed "inside
 * score" s is 1 - d + amp * fbm(p / scale) where d is the elliptic distance; s >= 0 is inside,
 * and the blend weight is smoothstep(-soft, soft, s). */
typedef struct {
    float cx, cy, rx, ry, cs, sn;
    float amp, scale, soft;
} sw_blob;

typedef struct {
    int cls;                  /* 1..10 (jobs/defect_classes.h) */
    int id;                   /* 1-based paint order: also the truth confidence of region classes */
    int64_t x0, y0, x1, y1;   /* bounding box of everything the instance touches (x1, y1 exclusive) */
    uint64_t key;             /* its own noise key */
    float maxdisp;            /* bound on the displacement it applies (geometric classes) */
    int radius;               /* context it needs around a pixel (blur, smear) */
    sw_blob blob;
    union {
        struct { float amax, soft; } cloud;
        struct { int cloud; float dx, dy, dark; } shadow;      /* index of its cloud in the scene */
        struct { float ux, uy, lmin, lmax, shrink, thick, smear; } stretch;
        struct { float sigma; } blur;
        struct { float col[3], strength; } overflow;
        struct { float amp, scale, swirl; } distort;
        struct { int star; float gain[3], bias[3], ox, oy; } patch;   /* 7 and 8 */
        struct { double ax, ay, ux, uy, len; float half, delta[3], wave; } stripe;
        struct { int scatter, colour; float cx, cy, r, p; } missing;   /* colour: 0 black 1 white 2 both */
    } u;
} sw_inst;

typedef struct {
    int64_t width, height;
    uint64_t seed;
    sw_land land;
    sw_star footprint;
    sw_star patches[SW_SYNTH_MAX_STITCH];   /* polygons of the stitching patches */
    int npatches;
    sw_inst *inst;            /* in paint order: inst[i].id == i + 1 */
    int ninst;
    float seam_band;          /* truth half-width around a seamline, pixels */
    double sun_azimuth, sun_elevation;   /* degrees */
    double footprint_fraction;           /* estimated share of the frame inside the footprint */
} sw_scene;

typedef struct {
    int64_t width, height;
    uint64_t seed;
    double m_per_px;          /* ground metres per pixel */
    double density;           /* multiplier of the default instance rates */
    int density_set;          /* 1: the density was asked for (--density), 0: the default */
    int counts[SW_NCLASSES];  /* per class: >= 0 overrides the density (index 0 unused) */
    double sun_azimuth, sun_elevation;   /* degrees; NaN: drawn from the seed */
    float seam_band;
} sw_scene_params;

/* Draws the footprint and the instances. The land's background fields (bg, bg_w, ...) are left
 * empty for the caller to fill. */
sw_status sw_scene_build(sw_scene *sc, const sw_scene_params *p);
void sw_scene_free(sw_scene *sc);

/* Is the pixel centre (x, y) inside the footprint? */
static inline int sw_scene_inside(const sw_scene *sc, double x, double y) {
    return sw_star_contains(&sc->footprint, x, y);
}

#endif
