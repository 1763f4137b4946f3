/* Counter-based randomness for the synthesizers: 64-bit hashes of (key, x, y), value noise, fBm and
 * jittered-grid cellular noise, all pure functions of their arguments (no state, any thread), plus a
 * small sequential PRNG (splitmix64) used only up front to draw instances. */
#ifndef SWATH_SYNTH_NOISE_H
#define SWATH_SYNTH_NOISE_H

#include <math.h>
#include <stdint.h>

/* splitmix64's finalizer: a bijective 64-bit mix. */
static inline uint64_t sw_mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A key for one noise source: a seed and a salt (what the noise is for). */
static inline uint64_t sw_key(uint64_t seed, uint64_t salt) { return sw_mix64(seed ^ sw_mix64(salt)); }

/* Hash of an integer lattice point under a key. */
static inline uint64_t sw_hash2(uint64_t key, int64_t x, int64_t y) {
    return sw_mix64(key + (uint64_t)x * 0x9e3779b97f4a7c15ULL + (uint64_t)y * 0xc2b2ae3d27d4eb4fULL);
}

/* Top 24 bits of a hash as a float in [0, 1). */
static inline float sw_u01(uint64_t h) { return (float)(h >> 40) * (1.0f / 16777216.0f); }
/* The k-th independent float in [0, 1) drawn from one hash. */
static inline float sw_hu(uint64_t h, unsigned k) { return sw_u01(sw_mix64(h + 0xd1b54a32d192ed03ULL * (k + 1))); }

static inline float sw_clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }
static inline float sw_lerpf(float a, float b, float t) { return a + (b - a) * t; }
/* Hermite step: 0 at or below e0, 1 at or above e1 (e0 > e1 is allowed: a falling step). */
static inline float sw_smoothstep(float e0, float e1, float x) {
    float t = sw_clampf((x - e0) / (e1 - e0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}

/* Value noise in [-1, 1] with lattice points at integers, smooth (C1) between them. */
float sw_vnoise(uint64_t key, double x, double y);
/* Fractal sum of `octaves` value noises (lacunarity 2, gain 0.5), normalized to [-1, 1]. */
float sw_fbm(uint64_t key, double x, double y, int octaves);

/* Jittered-grid cellular (Worley) noise: one feature point per unit cell. */
typedef struct {
    float f1, f2;        /* distances to the nearest and second-nearest feature points */
    float edge;          /* distance to the bisector between the two nearest points (cell edge) */
    int64_t c1x, c1y;    /* cell of the nearest point */
    int64_t c2x, c2y;    /* cell of the second-nearest point */
    double p1x, p1y;     /* the nearest feature point */
} sw_cell;
void sw_cellular(uint64_t key, double x, double y, float jitter, sw_cell *out);

/* Sequential PRNG (splitmix64) for drawing instances up front, never inside pixel loops. */
typedef struct {
    uint64_t s;
} sw_rng;
static inline void sw_rng_seed(sw_rng *r, uint64_t seed, uint64_t stream) { r->s = sw_key(seed, stream); }
static inline uint64_t sw_rng_next(sw_rng *r) { return sw_mix64(r->s += 0x9e3779b97f4a7c15ULL); }
/* Uniform double in [lo, hi). */
static inline double sw_rng_uniform(sw_rng *r, double lo, double hi) {
    return lo + (hi - lo) * (double)(sw_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
/* Uniform integer in [lo, hi]. */
static inline int64_t sw_rng_int(sw_rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)(sw_rng_next(r) % (uint64_t)(hi - lo + 1));
}

#endif
