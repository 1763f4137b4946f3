/* Otsu's threshold, OpenCV-exact. Built with -ffp-contract=off (src/image/CMakeLists.txt): a fused
 * multiply-add would change the last bits of sigma and so the tie-breaking. */
#include "src/image/otsu.h"

#include <float.h>
#include <string.h>

/* Adds n pixels of an interleaved image (nc <= 4) to two alternating sets of uint32
 * sub-histograms: runs of equal values would otherwise serialize on one counter. */
static void hist_add(uint32_t (*sub)[4][256] /* (2,4,256) */, const uint8_t *p /* (n,nc) */,
                     const uint8_t *valid /* (n) or NULL */, int64_t n, int nc) {
    if (nc == 3 && !valid) { /* the common case: RGB, no mask */
        int64_t i = 0;
        for (; i + 2 <= n; i += 2, p += 6) {
            sub[0][0][p[0]]++, sub[0][1][p[1]]++, sub[0][2][p[2]]++;
            sub[1][0][p[3]]++, sub[1][1][p[4]]++, sub[1][2][p[5]]++;
        }
        if (i < n) sub[0][0][p[0]]++, sub[0][1][p[1]]++, sub[0][2][p[2]]++;
        return;
    }
    if (nc == 3) { /* the run's case: RGB and a footprint mask, mostly all valid or all not */
        int64_t i = 0;
        for (; i + 8 <= n; i += 8, p += 24) {
            uint64_t v;
            memcpy(&v, valid + i, 8);
            if (v == 0) continue; /* 8 invalid pixels */
            /* any zero byte among the 8 (exact: the lowest zero byte always sets its 0x80 bit) */
            if (((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull) == 0) {
                for (int j = 0; j < 8; j += 2) {
                    const uint8_t *q = p + 3 * j;
                    sub[0][0][q[0]]++, sub[0][1][q[1]]++, sub[0][2][q[2]]++;
                    sub[1][0][q[3]]++, sub[1][1][q[4]]++, sub[1][2][q[5]]++;
                }
                continue;
            }
            for (int j = 0; j < 8; j++) {
                uint32_t inc = valid[i + j] != 0;
                const uint8_t *q = p + 3 * j;
                sub[j & 1][0][q[0]] += inc, sub[j & 1][1][q[1]] += inc, sub[j & 1][2][q[2]] += inc;
            }
        }
        for (; i < n; i++, p += 3) {
            uint32_t inc = valid[i] != 0;
            sub[i & 1][0][p[0]] += inc, sub[i & 1][1][p[1]] += inc, sub[i & 1][2][p[2]] += inc;
        }
        return;
    }
    for (int64_t i = 0; i < n; i++, p += nc) {
        uint32_t inc = valid ? valid[i] != 0 : 1;
        for (int c = 0; c < nc; c++)
            sub[i & 1][c][p[c]] += inc;
    }
}

/* Channel c alone, any nc (the slow path for nc > 4). */
static void hist_channel(int64_t *hist /* (256) out */, const uint8_t *img /* (n,nc) */,
                         const uint8_t *valid /* (n) or NULL */, int64_t n, int nc, int c) {
    memset(hist, 0, 256 * sizeof(int64_t));
    const uint8_t *p = img + c;
    for (int64_t i = 0; i < n; i++, p += nc)
        hist[*p] += valid ? valid[i] != 0 : 1;
}

void sw_otsu_hist(int64_t *hist, const uint8_t *img, const uint8_t *valid, int w, int h, int nc) {
    int64_t n = (int64_t)w * h;
    if (nc > 4) {
        for (int c = 0; c < nc; c++)
            hist_channel(hist + 256 * c, img, valid, n, nc, c);
        return;
    }
    memset(hist, 0, sizeof(int64_t) * 256 * (size_t)nc);
    /* flushed every 2^31 pixels, so that no uint32 sub-histogram bin can overflow */
    int64_t chunk = (int64_t)1 << 31;
    uint32_t sub[2][4][256];
    for (int64_t i0 = 0; i0 < n; i0 += chunk) {
        int64_t len = n - i0 < chunk ? n - i0 : chunk;
        memset(sub, 0, sizeof sub);
        hist_add(sub, img + i0 * nc, valid ? valid + i0 : NULL, len, nc);
        for (int c = 0; c < nc; c++)
            for (int v = 0; v < 256; v++)
                hist[c * 256 + v] += (int64_t)sub[0][c][v] + sub[1][c][v];
    }
}

int sw_otsu_from_hist(const int64_t *hist) {
    int64_t n = 0;
    for (int i = 0; i < 256; i++)
        n += hist[i];
    if (n == 0) return 0;
    /* from here on, line for line OpenCV 4.x imgproc/src/thresh.cpp getThreshVal_Otsu */
    double mu = 0, scale = 1. / (double)n;
    for (int i = 0; i < 256; i++)
        mu += i * (double)hist[i];
    mu *= scale;
    double mu1 = 0, q1 = 0;
    double max_sigma = 0, max_val = 0;
    for (int i = 0; i < 256; i++) {
        double p_i, q2, mu2, sigma;
        p_i = (double)hist[i] * scale;
        mu1 *= q1; /* (sic) also applied when the bin is skipped below, as in OpenCV */
        q1 += p_i;
        q2 = 1. - q1;
        double qmin = q1 < q2 ? q1 : q2, qmax = q1 < q2 ? q2 : q1;
        if (qmin < FLT_EPSILON || qmax > 1. - FLT_EPSILON) continue;
        mu1 = (mu1 + i * p_i) / q1;
        mu2 = (mu - q1 * mu1) / q2;
        sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
        if (sigma > max_sigma) {
            max_sigma = sigma;
            max_val = i;
        }
    }
    return (int)max_val;
}

int sw_otsu_threshold(const uint8_t *img, const uint8_t *valid, int w, int h, int nc, int c) {
    int64_t hist[4 * 256];
    if (nc > 4) {
        hist_channel(hist, img, valid, (int64_t)w * h, nc, c);
        return sw_otsu_from_hist(hist);
    }
    sw_otsu_hist(hist, img, valid, w, h, nc);
    return sw_otsu_from_hist(hist + 256 * c);
}
