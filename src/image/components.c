/* Run-based connected components. Pass 1 cuts each row into foreground runs and unites every run
 * with the runs of the row above that touch it (union-find over run indices, the smaller index
 * always the root, so a root is its component's first run in raster order). Pass 2 numbers the
 * roots in order and accumulates the statistics; labels are written run by run. A row's foreground
 * is first made into 64-bit masks (SSE2 for one channel, SSSE3 byte shuffles for a channel of
 * RGB, chosen at run time; a plain loop otherwise), whose run boundaries are found by
 * count-trailing-zeros. */
#include "src/image/components.h"

#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define SW_CC_X86 1
#endif

void sw_components_init(sw_components *cc) {
    memset(cc, 0, sizeof *cc);
}

void sw_components_free(sw_components *cc) {
    free(cc->comp);
    free(cc->run);
    free(cc->run_label);
    memset(cc, 0, sizeof *cc);
}

/* Grows the run arrays to hold at least `need` runs. */
static sw_status grow_runs(sw_components *cc, size_t need) {
    if (need <= cc->cap_run) return SW_OK;
    size_t cap = cc->cap_run ? cc->cap_run : 4096;
    while (cap < need)
        cap *= 2;
    int32_t *run = realloc(cc->run, cap * 3 * sizeof(int32_t));
    if (!run) return sw_fail(SW_ERR_RUNTIME, "components: out of memory for %zu runs", cap);
    cc->run = run;
    int32_t *lab = realloc(cc->run_label, cap * sizeof(int32_t));
    if (!lab) return sw_fail(SW_ERR_RUNTIME, "components: out of memory for %zu runs", cap);
    cc->run_label = lab;
    cc->cap_run = cap;
    return SW_OK;
}

static inline int32_t uf_find(int32_t *parent, int32_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]]; /* path halving keeps parent[x] <= x */
        x = parent[x];
    }
    return x;
}

/* Foreground bits of one row: bit x % 64 of m[x / 64] = lo <= p[x*nc] <= hi && valid[x]; the bits
 * past w are 0. Bit masks let the run scan below find run boundaries 64 pixels at a time. */
typedef void (*row_bits_fn)(uint64_t *m /* (ceil(w/64)) out */, const uint8_t *p /* (w,nc) channel c */,
                            const uint8_t *valid /* (w) or NULL */, int w, int nc, int c, int lo, int hi);

/* The plain loop, for any nc, and the tails of the vector versions: pixels x0 <= x < w, x0 a
 * multiple of 64. */
static void row_bits_from(uint64_t *m, const uint8_t *p, const uint8_t *valid, int x0, int w, int nc, int c,
                          int lo, int hi) {
    unsigned span = (unsigned)(hi - lo);
    for (int x = x0; x < w;) {
        int e = x + 64 < w ? x + 64 : w; /* the end of x's word */
        uint64_t bits = 0;
        for (; x < e; x++) {
            uint64_t f = (unsigned)(p[(size_t)x * nc + c] - lo) <= span && (!valid || valid[x]);
            bits |= f << (x & 63);
        }
        m[(e - 1) >> 6] = bits;
    }
}

static void row_bits_plain(uint64_t *m, const uint8_t *p, const uint8_t *valid, int w, int nc, int c, int lo,
                           int hi) {
    row_bits_from(m, p, valid, 0, w, nc, c, lo, hi);
}

#ifdef SW_CC_X86
/* 16 foreground bits from 16 channel bytes x: lo <= x <= hi as (x - lo) mod 256 <= hi - lo. */
#define FG16(x, v)                                                                                           \
    do {                                                                                                     \
        __m128i d_ = _mm_sub_epi8((x), vlo);                                                                 \
        (x) = _mm_cmpeq_epi8(_mm_min_epu8(d_, vspan), d_);                                                   \
        if (v) (x) = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(v)), zero), (x));     \
    } while (0)

/* One channel (nc = 1), SSE2 (every x86-64). */
static void row_bits_gray_sse2(uint64_t *m, const uint8_t *p, const uint8_t *valid, int w, int nc, int c,
                               int lo, int hi) {
    const __m128i vlo = _mm_set1_epi8((char)lo), vspan = _mm_set1_epi8((char)(hi - lo)),
                  zero = _mm_setzero_si128();
    int x = 0;
    for (; x + 64 <= w; x += 64) {
        uint64_t bits = 0;
        for (int j = 0; j < 64; j += 16) {
            __m128i f = _mm_loadu_si128((const __m128i *)(p + x + j));
            FG16(f, valid ? valid + x + j : NULL);
            bits |= (uint64_t)(uint32_t)_mm_movemask_epi8(f) << j;
        }
        m[x >> 6] = bits;
    }
    row_bits_from(m, p, valid, x, w, nc, c, lo, hi);
}

/* Channel c of three interleaved (nc = 3), SSSE3: three byte shuffles gather 16 pixels' channel c
 * from 48 bytes. */
__attribute__((target("ssse3"))) static void row_bits_rgb_ssse3(uint64_t *m, const uint8_t *p,
                                                                const uint8_t *valid, int w, int nc, int c,
                                                                int lo, int hi) {
    uint8_t sh[3][16]; /* sh[k][i]: byte of the k-th 16-byte block that holds pixel i, or 0x80 */
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 16; i++) {
            int b = 3 * i + c - 16 * k;
            sh[k][i] = b >= 0 && b < 16 ? (uint8_t)b : 0x80;
        }
    const __m128i s0 = _mm_loadu_si128((const __m128i *)sh[0]), s1 = _mm_loadu_si128((const __m128i *)sh[1]),
                  s2 = _mm_loadu_si128((const __m128i *)sh[2]);
    const __m128i vlo = _mm_set1_epi8((char)lo), vspan = _mm_set1_epi8((char)(hi - lo)),
                  zero = _mm_setzero_si128();
    int x = 0;
    for (; x + 64 <= w; x += 64) {
        uint64_t bits = 0;
        for (int j = 0; j < 64; j += 16) {
            const __m128i *q = (const __m128i *)(p + 3 * (size_t)(x + j));
            __m128i f = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(_mm_loadu_si128(q), s0),
                                                  _mm_shuffle_epi8(_mm_loadu_si128(q + 1), s1)),
                                     _mm_shuffle_epi8(_mm_loadu_si128(q + 2), s2));
            FG16(f, valid ? valid + x + j : NULL);
            bits |= (uint64_t)(uint32_t)_mm_movemask_epi8(f) << j;
        }
        m[x >> 6] = bits;
    }
    row_bits_from(m, p, valid, x, w, nc, c, lo, hi);
}
#undef FG16
#endif

static row_bits_fn row_bits_pick(int nc) {
#ifdef SW_CC_X86
    if (nc == 1) return row_bits_gray_sse2;
    if (nc == 3 && __builtin_cpu_supports("ssse3")) return row_bits_rgb_ssse3;
#endif
    (void)nc;
    return row_bits_plain;
}

/* The run boundaries of a row of foreground bits: t[0] <= x < t[1], t[2] <= x < t[3], ... are the
 * foreground runs. Returns the count of boundaries (even). A boundary is a bit that differs from
 * the one before it (x ^ x << 1), found by count-trailing-zeros; words without one cost one test.
 * The first four of a word are written without a branch on their count (bit 63 forced on keeps
 * the ctz defined; the entries past the count are scratch, overwritten or past the end), so that
 * words with few boundaries cost no misprediction. t must hold w + 4 entries. */
static int row_bounds(int32_t *t /* (w+4) out */, const uint64_t *m /* (ceil(w/64)) */, int w) {
    const uint64_t top = 1ull << 63;
    int k = 0, nw = (w + 63) >> 6;
    uint64_t carry = 0; /* the last bit of the word before */
    for (int i = 0; i < nw; i++) {
        uint64_t v = m[i], e = v ^ (v << 1 | carry);
        carry = v >> 63;
        if (!e) continue;
        int32_t x = 64 * i;
        uint64_t e1 = e & (e - 1), e2 = e1 & (e1 - 1), e3 = e2 & (e2 - 1);
        t[k] = x + __builtin_ctzll(e);
        t[k + 1] = x + __builtin_ctzll(e1 | top);
        t[k + 2] = x + __builtin_ctzll(e2 | top);
        t[k + 3] = x + __builtin_ctzll(e3 | top);
        k += 1 + (e1 != 0) + (e2 != 0) + (e3 != 0);
        for (e = e3 & (e3 - 1); e; e &= e - 1)
            t[k++] = x + __builtin_ctzll(e);
    }
    if (carry) t[k++] = w; /* a run to the end of a row of a multiple of 64 (bits past w are 0) */
    return k;
}

sw_status sw_components_label_range(sw_components *cc, int32_t *labels, const uint8_t *img,
                                    const uint8_t *valid, int w, int h, int nc, int c, int lo, int hi,
                                    int connectivity) {
    cc->n = 0;
    cc->nrun = 0;
    if (connectivity != 4 && connectivity != 8)
        return sw_fail(SW_ERR_RUNTIME, "components: connectivity %d, expected 4 or 8", connectivity);
    if (w <= 0 || h <= 0) return SW_OK;
    if (lo < 0) lo = 0;
    if (hi > 255) hi = 255;
    if (lo > hi) {
        if (labels) memset(labels, 0, sizeof(int32_t) * (size_t)w * h);
        return SW_OK;
    }
    uint64_t *fg = malloc(sizeof(uint64_t) * (((size_t)w + 63) / 64));
    int32_t *bounds = malloc(sizeof(int32_t) * ((size_t)w + 4));
    if (!fg || !bounds) {
        free(fg);
        free(bounds);
        return sw_fail(SW_ERR_RUNTIME, "components: out of memory for a row of %d", w);
    }
    const row_bits_fn row_bits = row_bits_pick(nc);
    const int d = connectivity == 8;        /* runs touch diagonally when 8-connected */
    int64_t nrun = 0, prev0 = 0, prev1 = 0; /* runs of the row above: [prev0, prev1) */
    int64_t nroot = 0;                      /* roots of the union-find: the components */
    sw_status st = SW_OK;

    /* pass 1: runs and their unions; run_label holds the union-find parent for now */
    for (int y = 0; y < h; y++) {
        row_bits(fg, img + ((size_t)y * w) * nc, valid ? valid + (size_t)y * w : NULL, w, nc, c, lo, hi);
        int nb = row_bounds(bounds, fg, w);
        if (nrun + nb / 2 > INT32_MAX) {
            st = sw_fail(SW_ERR_RUNTIME, "components: more than 2^31 runs");
            goto done;
        }
        if ((size_t)nrun + nb / 2 > cc->cap_run && (st = grow_runs(cc, (size_t)nrun + nb / 2))) goto done;
        int64_t j = prev0;
        for (int b = 0; b < nb; b += 2) {
            int x = bounds[b], e = bounds[b + 1];
            int32_t *r = cc->run + 3 * nrun, *parent = cc->run_label;
            r[0] = x, r[1] = e, r[2] = y;
            /* runs above that end left of this one cannot touch this or any later run */
            while (j < prev1 && cc->run[3 * j + 1] + d <= x)
                j++;
            /* unite with the touching runs above; root is this run's root, kept in hand (it stays
             * a root until it is given a parent here), so that each union costs one find */
            int32_t root = (int32_t)nrun;
            for (int64_t k = j; k < prev1 && cc->run[3 * k] < e + d; k++) {
                int32_t b = uf_find(parent, (int32_t)k);
                if (b < root) {
                    if (root != nrun) parent[root] = b, nroot--;
                    root = b;
                } else if (b > root) {
                    parent[b] = root, nroot--;
                }
            }
            nroot += root == nrun;
            parent[nrun] = root;
            nrun++;
        }
        prev0 = prev1;
        prev1 = nrun;
    }
    cc->nrun = nrun;

    /* pass 2: parent[r] <= r, so walking in order each run finds its parent already numbered;
     * roots get the next label. In place: run_label[r] becomes the label. The statistics in the
     * same walk. */
    int32_t *lab = cc->run_label, n = (int32_t)nroot;
    if ((size_t)n > cc->cap_comp) {
        size_t cap = cc->cap_comp ? cc->cap_comp : 256;
        while (cap < (size_t)n)
            cap *= 2;
        sw_component *comp = realloc(cc->comp, cap * sizeof *comp);
        if (!comp) {
            st = sw_fail(SW_ERR_RUNTIME, "components: out of memory for %d components", n);
            goto done;
        }
        cc->comp = comp;
        cc->cap_comp = cap;
    }
    cc->n = n;
    /* x, y, w, h hold x0, y0, x1, y1 (inclusive) while accumulating; min and max rather than a
     * test for the first run, so that the loop has no branch to mispredict */
    for (int32_t i = 0; i < n; i++)
        cc->comp[i] = (sw_component){.x = INT32_MAX, .y = INT32_MAX, .w = -1, .h = -1, .area = 0};
    int32_t nlab = 0;
    for (int64_t r = 0; r < nrun; r++) {
        int32_t p = lab[r], l = p == r ? ++nlab : lab[p];
        lab[r] = l;
        const int32_t *ru = cc->run + 3 * r;
        sw_component *k = cc->comp + l - 1;
        int32_t x0 = ru[0], x1 = ru[1] - 1;
        k->x = x0 < k->x ? x0 : k->x;
        k->y = ru[2] < k->y ? ru[2] : k->y;
        k->w = x1 > k->w ? x1 : k->w;
        k->h = ru[2]; /* runs come in raster order: the last is the lowest */
        k->area += ru[1] - ru[0];
    }
    for (int32_t i = 0; i < n; i++) {
        sw_component *k = cc->comp + i;
        k->w = k->w - k->x + 1;
        k->h = k->h - k->y + 1;
    }
    if (labels) {
        memset(labels, 0, sizeof(int32_t) * (size_t)w * h);
        for (int64_t r = 0; r < nrun; r++) {
            const int32_t *ru = cc->run + 3 * r;
            int32_t *row = labels + (size_t)ru[2] * w, l = lab[r];
            for (int x = ru[0]; x < ru[1]; x++)
                row[x] = l;
        }
    }
done:
    free(fg);
    free(bounds);
    if (st) {
        cc->n = 0;
        cc->nrun = 0;
    }
    return st;
}

sw_status sw_components_label(sw_components *cc, int32_t *labels, const uint8_t *bin, int w, int h,
                              int connectivity) {
    return sw_components_label_range(cc, labels, bin, NULL, w, h, 1, 0, 1, 255, connectivity);
}
