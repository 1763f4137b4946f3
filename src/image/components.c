/* Run-based connected components. Pass 1 cuts each row into foreground runs and unites every run
 * with the runs of the row above that touch it (union-find over run indices, the smaller index
 * always the root, so a root is its component's first run in raster order). Pass 2 numbers the
 * roots in order and accumulates the statistics; labels are written run by run. */
#include "src/image/components.h"

#include <stdlib.h>
#include <string.h>

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

static inline void uf_unite(int32_t *parent, int32_t a, int32_t b) {
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* Foreground flags of one row: fg[x] = lo <= p[x*nc] <= hi && valid[x]. Written to a byte row so
 * that the compiler can vectorize it, and the run scan below can skip 8 equal flags at a time. */
static void row_flags(uint8_t *fg /* (w) out, 0/1 */, const uint8_t *p /* (w,nc) */,
                      const uint8_t *valid /* (w) or NULL */, int w, int nc, int lo, int hi) {
    unsigned span = (unsigned)(hi - lo);
    if (nc == 1)
        for (int x = 0; x < w; x++)
            fg[x] = (unsigned)(p[x] - lo) <= span;
    else if (nc == 3)
        for (int x = 0; x < w; x++)
            fg[x] = (unsigned)(p[3 * x] - lo) <= span;
    else
        for (int x = 0; x < w; x++)
            fg[x] = (unsigned)(p[(size_t)x * nc] - lo) <= span;
    if (valid)
        for (int x = 0; x < w; x++)
            fg[x] &= valid[x] != 0;
}

/* The run boundaries of a row of 0/1 flags: t[0] <= x < t[1], t[2] <= x < t[3], ... are the
 * foreground runs. Returns the count of boundaries (even). Branch-free per flag, so that short
 * runs (noise) cost no mispredictions; 8 flags equal to the current state are skipped at once,
 * so that long runs cost little. t must hold w + 1 entries. */
static int row_bounds(int32_t *t /* (w+1) out */, const uint8_t *fg /* (w) 0/1 */, int w) {
    int k = 0, x = 0;
    uint8_t prev = 0;
    while (x + 8 <= w) {
        uint64_t v;
        memcpy(&v, fg + x, 8);
        if (v == (prev ? 0x0101010101010101ull : 0)) {
            x += 8;
            continue;
        }
        for (int i = 0; i < 8; i++, x++) {
            uint8_t f = fg[x];
            t[k] = x;
            k += f ^ prev;
            prev = f;
        }
    }
    for (; x < w; x++) {
        uint8_t f = fg[x];
        t[k] = x;
        k += f ^ prev;
        prev = f;
    }
    if (prev) t[k++] = w;
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
    uint8_t *fg = malloc((size_t)w);
    int32_t *bounds = malloc(sizeof(int32_t) * ((size_t)w + 1));
    if (!fg || !bounds) {
        free(fg);
        free(bounds);
        return sw_fail(SW_ERR_RUNTIME, "components: out of memory for a row of %d", w);
    }
    const int d = connectivity == 8;        /* runs touch diagonally when 8-connected */
    int64_t nrun = 0, prev0 = 0, prev1 = 0; /* runs of the row above: [prev0, prev1) */
    sw_status st = SW_OK;

    /* pass 1: runs and their unions; run_label holds the union-find parent for now */
    for (int y = 0; y < h; y++) {
        row_flags(fg, img + ((size_t)y * w) * nc + c, valid ? valid + (size_t)y * w : NULL, w, nc, lo, hi);
        int nb = row_bounds(bounds, fg, w);
        if ((size_t)nrun + nb / 2 > cc->cap_run && (st = grow_runs(cc, (size_t)nrun + nb / 2))) goto done;
        int64_t j = prev0;
        for (int b = 0; b < nb; b += 2) {
            int x = bounds[b], e = bounds[b + 1];
            if (nrun >= INT32_MAX) {
                st = sw_fail(SW_ERR_RUNTIME, "components: more than 2^31 runs");
                goto done;
            }
            int32_t *r = cc->run + 3 * nrun, *parent = cc->run_label;
            r[0] = x, r[1] = e, r[2] = y;
            parent[nrun] = (int32_t)nrun;
            /* runs above that end left of this one cannot touch this or any later run */
            while (j < prev1 && cc->run[3 * j + 1] + d <= x)
                j++;
            for (int64_t k = j; k < prev1 && cc->run[3 * k] < e + d; k++)
                uf_unite(parent, (int32_t)nrun, (int32_t)k);
            nrun++;
        }
        prev0 = prev1;
        prev1 = nrun;
    }
    cc->nrun = nrun;

    /* pass 2: parent[r] <= r, so walking in order each run finds its parent already numbered;
     * roots get the next label. In place: run_label[r] becomes the label. */
    int32_t *lab = cc->run_label, n = 0;
    for (int64_t r = 0; r < nrun; r++) {
        int32_t p = lab[r];
        lab[r] = p == r ? ++n : lab[p];
    }
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
    /* x, y, w, h hold x0, y0, x1, y1 (inclusive) while accumulating */
    for (int32_t i = 0; i < n; i++)
        cc->comp[i].area = 0;
    for (int64_t r = 0; r < nrun; r++) {
        const int32_t *ru = cc->run + 3 * r;
        sw_component *k = cc->comp + lab[r] - 1;
        if (k->area == 0) { /* the component's first run: its first row */
            k->x = ru[0], k->y = ru[2], k->w = ru[1] - 1, k->h = ru[2];
        } else {
            if (ru[0] < k->x) k->x = ru[0];
            if (ru[1] - 1 > k->w) k->w = ru[1] - 1;
            k->h = ru[2];
        }
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
