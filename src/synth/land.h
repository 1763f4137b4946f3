/* Procedural land texture at 0.5-2 m ground resolution: fields, forest, roads, water and towns,
 * optionally mixed with a real background image. A pure function of a continuous pixel position,
 * so warps and offsets can sample it anywhere. */
#ifndef SWATH_SYNTH_LAND_H
#define SWATH_SYNTH_LAND_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seed;
    double m_per_px;          /* ground metres per pixel: sets the scale of every feature */
    float sun_x, sun_y;       /* unit vector towards the sun in image coordinates (x right, y down) */
    /* optional real background: (bg_h, bg_w, 3) RGB, mirrored-tiled, bilinear */
    const uint8_t *bg;
    int bg_w, bg_h;
    double bg_scale;          /* mosaic pixels per background pixel */
    float bg_mix;             /* weight of the background (0..1) */
    float field_angle;        /* the usual orientation of field parcels (radians) */
    int lattice;              /* spacing (pixels) of the regional fields' lattice, about 8 m */
    uint64_t key[16];         /* noise keys, set by sw_land_init */
} sw_land;

/* Derives the noise keys and the scene-wide choices from L->seed (call after filling the rest). */
void sw_land_init(sw_land *L);

/* The regional fields (lakes, rivers, towns, forest, relief: features of 800 m and more) are by
 * definition the exact fBm at lattice points every L->lattice pixels, bilinearly interpolated.
 * A cache holds the lattice over an area so that a tile computes each lattice point once; points
 * outside it are computed on the spot, with the same result. */
#define SW_LAND_NREG 5
typedef struct {
    int64_t i0, j0;           /* first lattice point */
    int ni, nj;               /* lattice points held */
    size_t cap;
    float *v;                 /* (nj, ni, SW_LAND_NREG) */
} sw_land_cache;

/* Fills the cache for pixel positions in [x0, x1] x [y0, y1] (at most 2048 lattice points a side
 * around the middle). Returns 0, or -1 out of memory (the cache is then empty, still usable). */
int sw_land_cache_fill(const sw_land *L, sw_land_cache *c, double x0, double y0, double x1, double y1);
void sw_land_cache_free(sw_land_cache *c);

/* The land colour (0..255 floats, not clamped) at continuous pixel position (x, y); the pixel
 * (i, j) has its centre at (i + 0.5, j + 0.5). cache may be NULL. */
void sw_land_eval(const sw_land *L, const sw_land_cache *cache, double x, double y, float rgb[3]);

#endif
