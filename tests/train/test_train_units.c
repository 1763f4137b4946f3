/* swath train's parts without MPI: synchronized batch norm (one rank, identity allreduce, and
 * two simulated ranks whose sums are exchanged) against the reference batch norm (forward,
 * saved statistics, running statistics, every gradient); the epoch shuffle (a permutation, keyed
 * by seed and epoch) and the batch shards (cover the batch once); the augmentation (deterministic
 * per key, image and mask transformed together, centre crop without augmentation); the gradient
 * buckets reduced through hooks (the GPU's NCCL path): each bucket starts once, in index order
 * whatever order backward reports its tensors, only when all of them are final, and together
 * they cover the arena once. */
#include "kernels/backend.h"
#include "mpi/train_comm.h"
#include "src/nn/ops.h"
#include "src/nn/syncbn.h"
#include "src/train/augment.h"
#include "src/train/shuffle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

static void identity(void *ctx, double *b, int n) { (void)ctx, (void)b, (void)n; }

/* Two ranks simulated: rank A's call waits for nothing; the sums of the other half are added
 * from `other` (precomputed by a first pass of rank B with the identity). */
typedef struct {
    double *other;
} pair_ctx;
static void add_other(void *ctx, double *b, int n) {
    pair_ctx *p = ctx;
    for (int i = 0; i < n; i++) b[i] += p->other[i];
}
static double *captured;
static void capture(void *ctx, double *b, int n) {
    (void)ctx;
    memcpy(captured, b, n * sizeof *b);
}

static double maxdiff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void test_syncbn(void) {
    const int P = 300, C = 7, H = P / 2;
    float *x = malloc(P * C * 4), *dy = malloc(P * C * 4), g[7], b[7];
    for (int i = 0; i < P * C; i++) x[i] = (float)(sin(i * 0.37) * 3 + (i % C)), dy[i] = (float)cos(i * 0.11);
    for (int c = 0; c < C; c++) g[c] = 0.5f + 0.1f * c, b[c] = 0.2f * c - 0.3f;
    /* reference */
    float out_r[300 * 7], mean_r[7], var_r[7], rm_r[7] = {0}, rv_r[7], dx_r[300 * 7], dg_r[7] = {0}, db_r[7] = {0};
    for (int c = 0; c < C; c++) rv_r[c] = 1;
    const nn_backend *be = nn_backend_cpu_ref();
    nn_batchnorm_forward(out_r, mean_r, var_r, rm_r, rv_r, x, g, b, P, C, 0.1f, 1e-5f, 1, be);
    nn_batchnorm_backward(dx_r, dg_r, db_r, dy, x, g, mean_r, var_r, P, C, 1e-5f, be);
    /* one rank */
    double scratch[2 * 7 + 1];
    nn_bn_sync s = {identity, NULL, scratch, 15};
    float out[300 * 7], mean[7], var[7], rm[7] = {0}, rv[7], dx[300 * 7], dg[7] = {0}, db[7] = {0};
    for (int c = 0; c < C; c++) rv[c] = 1;
    nn_syncbn_forward(&s, out, mean, var, rm, rv, x, g, b, P, C, 0.1f, 1e-5f, NULL);
    nn_syncbn_backward(&s, dx, dg, db, dy, x, g, mean, var, P, C, 1e-5f);
    CHECK(maxdiff(out, out_r, P * C) < 1e-5, "one rank: forward differs by %g", maxdiff(out, out_r, P * C));
    CHECK(maxdiff(mean, mean_r, C) < 1e-6 && maxdiff(var, var_r, C) < 1e-5, "one rank: statistics differ");
    CHECK(maxdiff(rm, rm_r, C) < 1e-6 && maxdiff(rv, rv_r, C) < 1e-5, "one rank: running statistics differ");
    CHECK(maxdiff(dx, dx_r, P * C) < 1e-5, "one rank: dx differs by %g", maxdiff(dx, dx_r, P * C));
    CHECK(maxdiff(dg, dg_r, C) < 1e-4 && maxdiff(db, db_r, C) < 1e-4, "one rank: dgamma / dbeta differ");
    /* two ranks of H pixels each: capture B's local sums, then run A with them added, and B
     * with A's added; outputs concatenated and summed parameter gradients = the reference */
    double sumsB_f[15], sumsA_f[15], sumsB_b[15], sumsA_b[15];
    float o2[300 * 7], m2[7], v2[7], rm2[7] = {0}, rv2[7], d2[300 * 7], dgA[7] = {0}, dbA[7] = {0}, dgB[7] = {0}, dbB[7] = {0};
    float tm[7], tv[7], trm[7], trv[7];
    nn_bn_sync cap = {capture, NULL, scratch, 15};
    captured = sumsB_f;
    nn_syncbn_forward(&cap, o2 + H * C, tm, tv, trm, trv, x + H * C, g, b, H, C, 0.1f, 1e-5f, NULL);
    captured = sumsA_f;
    nn_syncbn_forward(&cap, o2, tm, tv, trm, trv, x, g, b, H, C, 0.1f, 1e-5f, NULL);
    pair_ctx pa = {sumsB_f}, pb = {sumsA_f};
    nn_bn_sync sa = {add_other, &pa, scratch, 15}, sb = {add_other, &pb, scratch, 15};
    for (int c = 0; c < C; c++) rv2[c] = 1;
    nn_syncbn_forward(&sa, o2, m2, v2, rm2, rv2, x, g, b, H, C, 0.1f, 1e-5f, NULL);
    float rm3[7] = {0}, rv3[7];
    for (int c = 0; c < C; c++) rv3[c] = 1;
    nn_syncbn_forward(&sb, o2 + H * C, tm, tv, rm3, rv3, x + H * C, g, b, H, C, 0.1f, 1e-5f, NULL);
    CHECK(maxdiff(o2, out_r, P * C) < 1e-5, "two ranks: forward differs by %g", maxdiff(o2, out_r, P * C));
    CHECK(maxdiff(m2, tm, C) == 0 && maxdiff(rm2, rm3, C) == 0, "two ranks: statistics differ between the ranks");
    CHECK(maxdiff(rv2, rv_r, C) < 1e-5, "two ranks: running var differs (global unbiased count)");
    float tg[7] = {0}, tb[7] = {0};
    captured = sumsB_b;
    nn_syncbn_backward(&cap, d2 + H * C, tg, tb, dy + H * C, x + H * C, g, m2, v2, H, C, 1e-5f);
    captured = sumsA_b;
    nn_syncbn_backward(&cap, d2, tg, tb, dy, x, g, m2, v2, H, C, 1e-5f);
    pa.other = sumsB_b, pb.other = sumsA_b;
    nn_syncbn_backward(&sa, d2, dgA, dbA, dy, x, g, m2, v2, H, C, 1e-5f);
    nn_syncbn_backward(&sb, d2 + H * C, dgB, dbB, dy + H * C, x + H * C, g, m2, v2, H, C, 1e-5f);
    for (int c = 0; c < C; c++) dgA[c] += dgB[c], dbA[c] += dbB[c];
    CHECK(maxdiff(d2, dx_r, P * C) < 1e-5, "two ranks: dx differs by %g", maxdiff(d2, dx_r, P * C));
    CHECK(maxdiff(dgA, dg_r, C) < 1e-4 && maxdiff(dbA, db_r, C) < 1e-4, "two ranks: summed dgamma / dbeta differ");
    printf("syncbn: one rank and two simulated ranks match the reference batch norm\n");
    free(x), free(dy);
}

static void test_shuffle(void) {
    enum { N = 1000 };
    long long a[N], b[N], c[N];
    sw_shuffle_epoch(a, N, 7, 0);
    sw_shuffle_epoch(b, N, 7, 0);
    sw_shuffle_epoch(c, N, 7, 1);
    char seen[N] = {0};
    int same = 1, moved = 0;
    for (int i = 0; i < N; i++) {
        CHECK(a[i] >= 0 && a[i] < N && !seen[a[i]], "not a permutation at %d", i);
        if (a[i] >= 0 && a[i] < N) seen[a[i]] = 1;
        same &= a[i] == b[i];
        moved += a[i] != c[i];
    }
    CHECK(same, "the same key gives another order");
    CHECK(moved > N / 2, "epochs 0 and 1 give nearly the same order (%d moved)", moved);
    for (int B = 1; B <= 9; B++)
        for (int R = 1; R <= B; R++) {
            int next = 0;
            for (int r = 0; r < R; r++) {
                int f, n;
                sw_shard(B, r, R, &f, &n);
                CHECK(f == next && n >= B / R && n <= B / R + 1, "shard B %d R %d r %d", B, R, r);
                next = f + n;
            }
            CHECK(next == B, "shards of B %d over R %d cover %d", B, R, next);
        }
    printf("shuffle and shards: ok\n");
}

static void test_augment(void) {
    enum { T = 96, S = 48, C = 3 };
    uint8_t img[T * T * C], mask[T * T];
    /* 4 x 4 blocks of 24 px: class = block id % 5, image = 40 * class in every channel */
    for (int y = 0; y < T; y++)
        for (int x = 0; x < T; x++) {
            const int k = ((y / 24) * 4 + x / 24) % 5;
            mask[y * T + x] = (uint8_t)k;
            for (int c = 0; c < C; c++) img[(y * T + x) * C + c] = (uint8_t)(40 * k);
        }
    const float mean[3] = {0, 0, 0}, sd[3] = {1, 1, 1};
    const sw_sample_geom g = {T, T, C, S, mean, sd};
    float x1[S * S * C], x2[S * S * C];
    uint8_t y1[S * S], y2[S * S];
    int rotated = 0;
    for (long long idx = 0; idx < 40; idx++) {
        sw_sample_make(x1, y1, img, mask, &g, 1, 3, 2, idx);
        sw_sample_make(x2, y2, img, mask, &g, 1, 3, 2, idx);
        CHECK(!memcmp(x1, x2, sizeof x1) && !memcmp(y1, y2, sizeof y1), "sample %lld not deterministic", idx);
        int agree = 0, valid = 0, ignored = 0;
        for (int p = 0; p < S * S; p++) {
            if (y1[p] == 255) { ignored++; continue; }
            valid++;
            agree += fabsf(x1[p * C] - 40.0f * y1[p]) < 0.5f;
        }
        rotated += ignored > 0 || agree < valid;
        CHECK(valid > 0 && agree >= 0.85 * valid, "sample %lld: image and mask disagree on %d of %d pixels", idx, valid - agree, valid);
    }
    CHECK(rotated > 5, "no rotated samples among 40 (%d)", rotated);
    sw_sample_make(x1, y1, img, mask, &g, 0, 0, 0, 0);
    int exact = 1;
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            const int p = ((i + (T - S) / 2) * T + j + (T - S) / 2);
            exact &= y1[i * S + j] == mask[p] && x1[(i * S + j) * C] == img[p * C];
        }
    CHECK(exact, "validation sample is not the centre crop");
    printf("augment: deterministic, image and mask together, centre crop for validation\n");
}

/* The hooks record which arena ranges start, in what order, after how many reports. */
typedef struct {
    float *base;
    size_t off[16], n[16];
    int at[16]; /* reports seen when the bucket started */
    int count, reported, waited;
} hook_log;
static int hook_start(void *ctx, float *buf, size_t n) {
    hook_log *h = ctx;
    if (h->count < 16) h->off[h->count] = (size_t)(buf - h->base), h->n[h->count] = n, h->at[h->count] = h->reported;
    h->count++;
    return 0;
}
static int hook_wait(void *ctx) {
    ((hook_log *)ctx)->waited++;
    return 0;
}

static void test_buckets(void) {
    /* 7 tensors; 64-byte buckets from the last tensor backwards: {6}, {4,5}, {2,3}, {0,1} */
    enum { T = 7 };
    const size_t size[T] = {3, 5, 8, 9, 10, 7, 17};
    size_t offset[T], numel = 0;
    for (int i = 0; i < T; i++) offset[i] = numel, numel += size[i];
    float grad[64];
    hook_log h;
    memset(&h, 0, sizeof h);
    h.base = grad;
    const sw_grad_hooks hooks = {hook_start, hook_wait, &h};
    sw_grad_comm *g = NULL;
    if (sw_grad_comm_create_hooked(&g, grad, offset, T, numel, 64, &hooks, 0)) {
        CHECK(0, "sw_grad_comm_create_hooked failed");
        return;
    }
    const int nb = sw_grad_comm_buckets(g);
    CHECK(nb == 4, "%d buckets, expected 4", nb);
    /* backward reports out of order: 6, then 3 and 2 (bucket 2 complete before bucket 1), 5,
     * 4, 1; tensor 0 is never reported (finish starts its bucket) */
    const int order[] = {6, 3, 2, 5, 4, 1};
    sw_grad_comm_begin(g);
    for (int i = 0; i < 6; i++) {
        h.reported++;
        sw_grad_comm_ready(g, order[i]);
        sw_grad_comm_ready(g, order[i]); /* a second report of the same tensor is ignored */
    }
    CHECK(h.count == 3, "%d buckets started before finish, expected 3", h.count);
    CHECK(sw_grad_comm_finish(g, NULL) == SW_OK, "finish failed");
    CHECK(h.count == 4 && h.waited == 1, "%d starts, %d waits after finish", h.count, h.waited);
    /* index order: bucket b covers tensors from the end; bucket 2 (tensors 2, 3), complete
     * after 3 reports, waits for bucket 1 (complete after 5) */
    const size_t want_off[4] = {offset[6], offset[4], offset[2], 0};
    const int want_at[4] = {1, 5, 5, 6};
    size_t covered = 0;
    for (int b = 0; b < 4 && b < h.count; b++) {
        CHECK(h.off[b] == want_off[b], "start %d at offset %zu, expected %zu", b, h.off[b], want_off[b]);
        CHECK(h.at[b] == want_at[b], "bucket %d started after %d reports, expected %d", b, h.at[b], want_at[b]);
        covered += h.n[b];
    }
    CHECK(covered == numel, "buckets cover %zu of %zu floats", covered, numel);
    /* the next step starts afresh; a broken comm starts nothing but still waits */
    sw_grad_comm_begin(g);
    CHECK(sw_grad_comm_finish(g, NULL) == SW_OK && h.count == 8, "second step: %d starts", h.count);
    sw_grad_comm_free(g);
    memset(&h, 0, sizeof h);
    h.base = grad;
    if (!sw_grad_comm_create_hooked(&g, grad, offset, T, numel, 64, &hooks, 1)) {
        sw_grad_comm_begin(g);
        for (int i = 0; i < T; i++) sw_grad_comm_ready(g, i);
        CHECK(sw_grad_comm_finish(g, NULL) == SW_OK && h.count == 0 && h.waited == 1,
              "broken: %d starts, %d waits", h.count, h.waited);
        sw_grad_comm_free(g);
    }
    printf("buckets: started once each, in index order, when complete; cover the arena\n");
}

int main(void) {
    test_buckets();
    test_syncbn();
    test_shuffle();
    test_augment();
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
