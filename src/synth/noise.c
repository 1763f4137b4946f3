/* Value noise, fBm and cellular noise (see noise.h). */
#include "src/synth/noise.h"

float sw_vnoise(uint64_t key, double x, double y) {
    double fx = floor(x), fy = floor(y);
    int64_t ix = (int64_t)fx, iy = (int64_t)fy;
    float tx = (float)(x - fx), ty = (float)(y - fy);
    tx = tx * tx * (3.0f - 2.0f * tx);
    ty = ty * ty * (3.0f - 2.0f * ty);
    float v00 = sw_u01(sw_hash2(key, ix, iy)), v10 = sw_u01(sw_hash2(key, ix + 1, iy));
    float v01 = sw_u01(sw_hash2(key, ix, iy + 1)), v11 = sw_u01(sw_hash2(key, ix + 1, iy + 1));
    float a = v00 + (v10 - v00) * tx, b = v01 + (v11 - v01) * tx;
    return 2.0f * (a + (b - a) * ty) - 1.0f;
}

float sw_fbm(uint64_t key, double x, double y, int octaves) {
    float sum = 0.0f, amp = 1.0f, norm = 0.0f;
    for (int o = 0; o < octaves; o++) {
        /* each octave: its own key, and a rotation by ~37 degrees plus an offset, so lattice
         * lines of the octaves do not line up */
        sum += amp * sw_vnoise(key + (uint64_t)o * 0x632be59bd9b4e019ULL, x, y);
        norm += amp;
        amp *= 0.5f;
        double nx = 1.6 * x - 1.2 * y + 17.3, ny = 1.2 * x + 1.6 * y - 9.1;   /* |scale| = 2 */
        x = nx;
        y = ny;
    }
    return sum / norm;
}

void sw_cellular(uint64_t key, double x, double y, float jitter, sw_cell *out) {
    double fx = floor(x), fy = floor(y);
    int64_t ix = (int64_t)fx, iy = (int64_t)fy;
    double d1 = 1e30, d2 = 1e30, p1x = 0, p1y = 0, p2x = 0, p2y = 0;
    int64_t c1x = 0, c1y = 0, c2x = 0, c2y = 0;
    for (int j = -1; j <= 1; j++) {
        for (int i = -1; i <= 1; i++) {
            uint64_t h = sw_hash2(key, ix + i, iy + j);
            double px = (double)(ix + i) + 0.5 + jitter * ((double)sw_u01(h) - 0.5);
            double py = (double)(iy + j) + 0.5 + jitter * ((double)sw_u01(h << 24) - 0.5);
            double dx = px - x, dy = py - y, d = dx * dx + dy * dy;
            if (d < d1) {
                d2 = d1, p2x = p1x, p2y = p1y, c2x = c1x, c2y = c1y;
                d1 = d, p1x = px, p1y = py, c1x = ix + i, c1y = iy + j;
            } else if (d < d2) {
                d2 = d, p2x = px, p2y = py, c2x = ix + i, c2y = iy + j;
            }
        }
    }
    out->f1 = (float)sqrt(d1);
    out->f2 = (float)sqrt(d2);
    /* exact distance to the perpendicular bisector of the two nearest points */
    double sep = sqrt((p2x - p1x) * (p2x - p1x) + (p2y - p1y) * (p2y - p1y));
    out->edge = sep > 1e-12 ? (float)((d2 - d1) / (2.0 * sep)) : 0.0f;
    out->c1x = c1x, out->c1y = c1y, out->c2x = c2x, out->c2y = c2y;
    out->p1x = p1x, out->p1y = p1y;
}
