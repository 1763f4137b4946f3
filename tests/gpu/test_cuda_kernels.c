/* swath's own CUDA kernels (kernels/cuda/cuda_kernels.h) against their CPU references
 * (kernels/cpu/ref.h, src/nn/loss.h, src/nn/optim.h): every kernel, fresh random inputs for every
 * case, several sizes including odd ones and unaligned (scalar-path) pointers, outputs poisoned
 * with NaN (0xFF bytes) before every run so an unwritten value fails.
 *
 * Tolerances, per value: |gpu - ref| <= rtol * (|ref| + max|ref|), NaN never passes.
 *  - rtol 0 (bitwise): relu, leaky relu, sigmoid backward, add, concat, nearest resize, global
 *    average pool backward, scale, bf16 conversions (same f32 operations in the same order);
 *  - rtol 1e-5: everything the reference computes in f64 or in another order (sigmoid, softmax,
 *    global average pool, losses, and the kernels written op by op without fused multiply-adds:
 *    bilinear resize, SGD, Adam; these are reported "bitwise" when they are).
 * bf16: round to nearest even, checked bitwise on special values (ties, overflow, NaN, infinities,
 * signed zero, subnormals) and on random values against an integer reference.
 * Exit 0 all passed, 1 a failure, 77 no GPU (CTest skip). `--bench` also times the memory-bound
 * kernels against a device-to-device copy (bytes moved / time, events, median of 20). */
#include "kernels/cpu/ref.h"
#include "kernels/cuda/cuda_kernels.h"
#include "src/core/error.h"
#include "src/nn/loss.h"
#include "src/nn/optim.h"

#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, passes;
static uint64_t rng = 0x5eed1234abcdULL;

static uint64_t next_u64(void) { /* splitmix64 */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static float unif(float lo, float hi) {
    return lo + (hi - lo) * (float)((next_u64() >> 40) / (double)(1ULL << 24));
}

#define CU(call)                                                                             \
    do {                                                                                     \
        cudaError_t e_ = (call);                                                             \
        if (e_ != cudaSuccess) {                                                             \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                   \
                    cudaGetErrorString(e_));                                                 \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)
/* A kernel call: nonzero is a failure with the recorded message. */
#define KC(call)                                                                             \
    do {                                                                                     \
        if ((call) != 0) {                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, #call, sw_errmsg()); \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

static float *hrand(size_t n, float lo, float hi) {
    float *h = malloc((n ? n : 1) * sizeof *h);
    for (size_t i = 0; i < n; i++) h[i] = unif(lo, hi);
    return h;
}
static float *hzero(size_t n) { return calloc(n ? n : 1, sizeof(float)); }
/* Device copy of h at a float offset `off` (1: not 16-byte aligned, the scalar paths). */
static void *dalloc(size_t bytes, int off) {
    void *d = NULL;
    CU(cudaMalloc(&d, bytes + 16));
    CU(cudaMemset(d, 0xff, bytes + 16)); /* poison: 0xffffffff is a NaN */
    return (char *)d + (size_t)off * sizeof(float);
}
static void dfree(void *d, int off) {
    if (d) CU(cudaFree((char *)d - (size_t)off * sizeof(float)));
}
static float *dput(const float *h, size_t n, int off) {
    float *d = dalloc(n * sizeof *d, off);
    CU(cudaMemcpy(d, h, n * sizeof *d, cudaMemcpyHostToDevice));
    return d;
}
static void dpoison(void *d, size_t bytes) { CU(cudaMemset(d, 0xff, bytes)); }
static float *dget(const float *d, size_t n) {
    float *h = malloc((n ? n : 1) * sizeof *h);
    CU(cudaDeviceSynchronize());
    CU(cudaMemcpy(h, d, n * sizeof *h, cudaMemcpyDeviceToHost));
    return h;
}

static void check(const char *what, const float *got, const float *ref, size_t n, double rtol) {
    double maxabs = 0.0, maxerr = 0.0;
    size_t bad = n, diff = 0;
    for (size_t i = 0; i < n; i++) maxabs = fmax(maxabs, fabs((double)ref[i]));
    for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)got[i] - (double)ref[i]);
        if (memcmp(&got[i], &ref[i], sizeof(float))) diff++;
        if (isnan(got[i]) != isnan(ref[i]) || e > rtol * (fabs((double)ref[i]) + maxabs)) {
            if (bad == n) bad = i;
        }
        if (!isnan(e)) maxerr = fmax(maxerr, e);
    }
    if (bad < n) {
        failures++;
        printf("FAIL %-44s n=%zu at %zu: gpu %.9g ref %.9g (rtol %g)\n", what, n, bad,
               (double)got[bad], (double)ref[bad], rtol);
    } else {
        passes++;
        if (getenv("VERBOSE"))
            printf("ok   %-44s n=%zu max|err| %.3g / max|ref| %.3g%s\n", what, n, maxerr, maxabs,
                   diff ? "" : " (bitwise)");
    }
}
/* Downloads d (n) and checks it. */
static void dcheck(const char *what, const float *d, const float *ref, size_t n, double rtol) {
    float *h = dget(d, n);
    check(what, h, ref, n, rtol);
    free(h);
}

#define TOL 1e-5

/* ---------------------------------------------------------------------------------------- */
static void test_elementwise(void) {
    const size_t sizes[] = {1, 3, 7, 1000, 4097, (1u << 20) + 3};
    char name[96];
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int off = 0; off < 2; off++) {
            const size_t n = sizes[si];
            float *x = hrand(n, -3.f, 3.f), *dy = hrand(n, -1.f, 1.f), *b = hrand(n, -2.f, 2.f);
            if (n > 2) x[1] = 0.0f; /* the relu's tie */
            float *ref = hzero(n), *ref2 = hzero(n);
            float *dx = dput(x, n, off), *ddy = dput(dy, n, off), *db = dput(b, n, off);
            float *dout = dalloc(n * 4, off), *dout2 = dalloc(n * 4, off);
            const float slope = unif(0.01f, 0.3f);
#define RUN1(label, gpu_call, ref_call, tol)                                                  \
    do {                                                                                      \
        dpoison(dout, n * 4);                                                                 \
        KC(gpu_call);                                                                         \
        ref_call;                                                                             \
        snprintf(name, sizeof name, "%s%s", label, off ? " (unaligned)" : "");                \
        dcheck(name, dout, ref, n, tol);                                                      \
    } while (0)
            RUN1("relu forward", cuk_relu_forward(dout, dx, n, 0), ref_relu_forward(ref, x, n), 0);
            RUN1("relu backward", cuk_relu_backward(dout, ddy, dx, n, 0),
                 ref_relu_backward(ref, dy, x, n), 0);
            RUN1("leaky relu forward", cuk_leaky_relu_forward(dout, dx, n, slope, 0),
                 ref_leaky_relu_forward(ref, x, n, slope), 0);
            RUN1("leaky relu backward", cuk_leaky_relu_backward(dout, ddy, dx, n, slope, 0),
                 ref_leaky_relu_backward(ref, dy, x, n, slope), 0);
            RUN1("sigmoid forward", cuk_sigmoid_forward(dout, dx, n, 0),
                 ref_sigmoid_forward(ref, x, n), TOL);
            /* the backward takes the forward's output: feed both the reference's */
            ref_sigmoid_forward(ref2, x, n);
            CU(cudaMemcpy(dout2, ref2, n * 4, cudaMemcpyHostToDevice));
            RUN1("sigmoid backward", cuk_sigmoid_backward(dout, ddy, dout2, n, 0),
                 ref_sigmoid_backward(ref, dy, ref2, n), 0);
            RUN1("add forward", cuk_add_forward(dout, dx, db, n, 0), ref_add_forward(ref, x, b, n),
                 0);
            CU(cudaMemcpy(dout, x, n * 4, cudaMemcpyHostToDevice));
            KC(cuk_scale(dout, n, slope, 0));
            for (size_t i = 0; i < n; i++) ref[i] = x[i] * slope;
            dcheck(off ? "scale (unaligned)" : "scale", dout, ref, n, 0);
            /* add backward: both, either, and da aliasing dout */
            dpoison(dout, n * 4), dpoison(dout2, n * 4);
            KC(cuk_add_backward(dout, dout2, ddy, n, 0));
            dcheck("add backward (da)", dout, dy, n, 0);
            dcheck("add backward (db)", dout2, dy, n, 0);
            dpoison(dout2, n * 4);
            KC(cuk_add_backward(NULL, dout2, ddy, n, 0));
            dcheck("add backward (da NULL)", dout2, dy, n, 0);
            KC(cuk_add_backward(ddy, NULL, ddy, n, 0));
            dcheck("add backward (da == dout)", ddy, dy, n, 0);
            /* in place */
            CU(cudaMemcpy(dout, x, n * 4, cudaMemcpyHostToDevice));
            KC(cuk_relu_forward(dout, dout, n, 0));
            ref_relu_forward(ref, x, n);
            dcheck("relu forward (in place)", dout, ref, n, 0);
#undef RUN1
            dfree(dx, off), dfree(ddy, off), dfree(db, off), dfree(dout, off), dfree(dout2, off);
            free(x), free(dy), free(b), free(ref), free(ref2);
        }
    }
}

static void test_concat(void) {
    const size_t Ps[] = {1, 37, 4097};
    const int Cs[][2] = {{1, 1}, {3, 5}, {16, 16}, {64, 3}, {4, 8}, {32, 64}};
    for (size_t pi = 0; pi < 3; pi++) {
        for (int ci = 0; ci < 6; ci++) {
            const size_t P = Ps[pi];
            const int Ca = Cs[ci][0], Cb = Cs[ci][1], C = Ca + Cb;
            float *a = hrand(P * Ca, -1, 1), *b = hrand(P * Cb, -1, 1), *g = hrand(P * C, -1, 1);
            float *ref = hzero(P * C), *ra = hzero(P * Ca), *rb = hzero(P * Cb);
            float *da = dput(a, P * Ca, 0), *db = dput(b, P * Cb, 0), *dg = dput(g, P * C, 0);
            float *out = dalloc(P * C * 4, 0), *ga = dalloc(P * Ca * 4, 0), *gb = dalloc(P * Cb * 4, 0);
            KC(cuk_concat_forward(out, da, db, P, Ca, Cb, 0));
            ref_concat_forward(ref, a, b, P, Ca, Cb);
            dcheck("concat forward", out, ref, P * C, 0);
            KC(cuk_concat_backward(ga, gb, dg, P, Ca, Cb, 0));
            ref_concat_backward(ra, rb, g, P, Ca, Cb);
            dcheck("concat backward (da)", ga, ra, P * Ca, 0);
            dcheck("concat backward (db)", gb, rb, P * Cb, 0);
            dpoison(gb, P * Cb * 4);
            KC(cuk_concat_backward(NULL, gb, dg, P, Ca, Cb, 0));
            dcheck("concat backward (da NULL)", gb, rb, P * Cb, 0);
            dpoison(ga, P * Ca * 4);
            KC(cuk_concat_backward(ga, NULL, dg, P, Ca, Cb, 0));
            dcheck("concat backward (db NULL)", ga, ra, P * Ca, 0);
            dfree(da, 0), dfree(db, 0), dfree(dg, 0), dfree(out, 0), dfree(ga, 0), dfree(gb, 0);
            free(a), free(b), free(g), free(ref), free(ra), free(rb);
        }
    }
}

static void test_gap_softmax(void) {
    const int shapes[][3] = {{1, 1, 1}, {2, 7, 3}, {3, 49, 512}, {2, 1024, 37}, {1, 4096, 1}};
    for (int s = 0; s < 5; s++) {
        const int N = shapes[s][0], HW = shapes[s][1], C = shapes[s][2];
        const size_t n = (size_t)N * HW * C;
        float *x = hrand(n, -2, 2), *g = hrand((size_t)N * C, -1, 1);
        float *ro = hzero((size_t)N * C), *rd = hzero(n);
        float *dx = dput(x, n, 0), *dg = dput(g, (size_t)N * C, 0);
        float *out = dalloc((size_t)N * C * 4, 0), *din = dalloc(n * 4, 0);
        KC(cuk_global_avgpool_forward(out, dx, N, HW, C, 0));
        ref_global_avgpool_forward(ro, x, N, HW, C);
        dcheck("global avgpool forward", out, ro, (size_t)N * C, TOL);
        KC(cuk_global_avgpool_backward(din, dg, N, HW, C, 0));
        ref_global_avgpool_backward(rd, g, N, HW, C);
        dcheck("global avgpool backward", din, rd, n, 0);
        dfree(dx, 0), dfree(dg, 0), dfree(out, 0), dfree(din, 0);
        free(x), free(g), free(ro), free(rd);
    }
    const size_t Ps[] = {1, 37, 5000};
    const int Ks[] = {1, 2, 5, 31, 32, 33, 100, 1000};
    for (int pi = 0; pi < 3; pi++) {
        for (int ki = 0; ki < 8; ki++) {
            const size_t P = Ps[pi], n = P * Ks[ki];
            const int K = Ks[ki];
            float *x = hrand(n, -8, 8), *g = hrand(n, -1, 1), *ry = hzero(n), *rd = hzero(n);
            float *dx = dput(x, n, 0), *dg = dput(g, n, 0), *y = dalloc(n * 4, 0), *d = dalloc(n * 4, 0);
            KC(cuk_softmax_forward(y, dx, P, K, 0));
            ref_softmax_forward(ry, x, P, K);
            dcheck(K > 32 ? "softmax forward (warp per row)" : "softmax forward", y, ry, n, TOL);
            CU(cudaMemcpy(y, ry, n * 4, cudaMemcpyHostToDevice));
            KC(cuk_softmax_backward(d, dg, y, P, K, 0));
            ref_softmax_backward(rd, g, ry, P, K);
            dcheck(K > 32 ? "softmax backward (warp per row)" : "softmax backward", d, rd, n, TOL);
            dfree(dx, 0), dfree(dg, 0), dfree(y, 0), dfree(d, 0);
            free(x), free(g), free(ry), free(rd);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* bf16: the integer definition of round-to-nearest-even, independent of the kernel's code path */
static uint16_t bf16_ref(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if (isnan(f)) return (uint16_t)((u >> 16) | 0x40);
    const uint32_t lower = u & 0xffff, upper = u >> 16;
    if (lower > 0x8000 || (lower == 0x8000 && (upper & 1))) return (uint16_t)(upper + 1);
    return (uint16_t)upper;
}

static void test_bf16(void) {
    /* special values, each with its expected bf16 written out */
    static const uint32_t in[] = {0x3f800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f80ffff,
                                  0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
                                  0xffc00001, 0x7f800001, 0x80000000, 0x00000000, 0x00000001,
                                  0x00008000, 0x00018000, 0x007fffff, 0x3f7fffff};
    static const uint16_t want[] = {0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x3f81, 0x7f80, 0xff80,
                                    0x7f80, 0xff80, 0x7fc0, 0xffc0, 0x7fc0, 0x8000, 0x0000,
                                    0x0000, 0x0000, 0x0002, 0x0080, 0x3f80};
    const size_t ns = sizeof in / sizeof *in;
    float *d = dalloc(ns * 4, 0);
    uint16_t *o = dalloc(ns * 2, 0), got[sizeof in / sizeof *in];
    CU(cudaMemcpy(d, in, sizeof in, cudaMemcpyHostToDevice));
    KC(cuk_f32_to_bf16(o, d, ns, 0));
    CU(cudaMemcpy(got, o, sizeof got, cudaMemcpyDeviceToHost));
    int bad = 0;
    for (size_t i = 0; i < ns; i++) {
        float f;
        memcpy(&f, &in[i], 4);
        if (got[i] != want[i] || bf16_ref(f) != want[i]) {
            printf("FAIL bf16 of 0x%08x: gpu 0x%04x ref 0x%04x want 0x%04x\n", in[i], got[i],
                   bf16_ref(f), want[i]);
            bad = 1;
        }
    }
    bad ? failures++ : passes++;
    dfree(d, 0), dfree(o, 0);

    const size_t sizes[] = {1, 5, 4099, (1u << 20) + 1};
    for (int si = 0; si < 4; si++) {
        for (int off = 0; off < 2; off++) {
            const size_t n = sizes[si];
            float *x = malloc(n * 4), *back = malloc(n * 4);
            uint16_t *h = malloc(n * 2), *r = malloc(n * 2);
            for (size_t i = 0; i < n; i++) { /* random bit patterns: every exponent, NaNs too */
                uint32_t u = (uint32_t)next_u64();
                if (i % 3 == 0) u = (u & 0xffff0000u) | 0x8000u; /* exact ties */
                memcpy(&x[i], &u, 4);
                r[i] = bf16_ref(x[i]);
            }
            float *dx = dput(x, n, off), *dback = dalloc(n * 4, off);
            uint16_t *dh = dalloc(n * 2, off); /* off floats = 4 bytes: 8-byte misalignment */
            KC(cuk_f32_to_bf16(dh, dx, n, 0));
            CU(cudaDeviceSynchronize());
            CU(cudaMemcpy(h, dh, n * 2, cudaMemcpyDeviceToHost));
            size_t first = n;
            for (size_t i = 0; i < n && first == n; i++)
                if (h[i] != r[i]) first = i;
            if (first < n) {
                printf("FAIL f32 to bf16 n=%zu at %zu: gpu 0x%04x ref 0x%04x\n", n, first,
                       h[first], r[first]);
                failures++;
            } else {
                passes++;
            }
            KC(cuk_bf16_to_f32(dback, dh, n, 0));
            CU(cudaDeviceSynchronize());
            CU(cudaMemcpy(back, dback, n * 4, cudaMemcpyDeviceToHost));
            first = n;
            for (size_t i = 0; i < n && first == n; i++) {
                uint32_t u;
                memcpy(&u, &back[i], 4);
                if (u != (uint32_t)r[i] << 16) first = i;
            }
            if (first < n) {
                printf("FAIL bf16 to f32 n=%zu at %zu\n", n, first);
                failures++;
            } else {
                passes++;
            }
            dfree(dx, off), dfree(dback, off), dfree(dh, off);
            free(x), free(back), free(h), free(r);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
static void test_resize(void) {
    const int shapes[][6] = {/* N, H, W, C, OH, OW */
                             {1, 1, 1, 1, 3, 5},     {2, 5, 7, 3, 10, 14}, {1, 8, 8, 16, 16, 16},
                             {2, 7, 9, 4, 3, 4},     {1, 13, 11, 5, 32, 29}, {1, 16, 16, 64, 32, 32},
                             {3, 6, 10, 8, 6, 10},   {1, 3, 4, 2, 17, 1},  {1, 32, 24, 12, 8, 6},
                             {1, 2, 3, 3, 40, 50} /* > 8 output columns per input column */};
    for (int s = 0; s < 10; s++) {
        const int N = shapes[s][0], H = shapes[s][1], W = shapes[s][2], C = shapes[s][3];
        const int OH = shapes[s][4], OW = shapes[s][5];
        const size_t ni = (size_t)N * H * W * C, no = (size_t)N * OH * OW * C;
        float *x = hrand(ni, -1, 1), *g = hrand(no, -1, 1), *ro = hzero(no), *ri = hzero(ni);
        float *dx = dput(x, ni, 0), *dg = dput(g, no, 0), *out = dalloc(no * 4, 0);
        float *din = dalloc(ni * 4, 0);
        char name[96];
        for (int bil = 0; bil < 2; bil++) {
            dpoison(out, no * 4), dpoison(din, ni * 4);
            if (bil) {
                KC(cuk_upsample_bilinear_forward(out, dx, N, H, W, C, OH, OW, 0));
                KC(cuk_upsample_bilinear_backward(din, dg, N, H, W, C, OH, OW, 0));
                ref_upsample_bilinear_forward(ro, x, N, H, W, C, OH, OW);
                ref_upsample_bilinear_backward(ri, g, N, H, W, C, OH, OW);
            } else {
                KC(cuk_upsample_nearest_forward(out, dx, N, H, W, C, OH, OW, 0));
                KC(cuk_upsample_nearest_backward(din, dg, N, H, W, C, OH, OW, 0));
                ref_upsample_nearest_forward(ro, x, N, H, W, C, OH, OW);
                ref_upsample_nearest_backward(ri, g, N, H, W, C, OH, OW);
            }
            snprintf(name, sizeof name, "%s forward %dx%d->%dx%d C%d", bil ? "bilinear" : "nearest",
                     H, W, OH, OW, C);
            dcheck(name, out, ro, no, bil ? TOL : 0);
            snprintf(name, sizeof name, "%s backward %dx%d->%dx%d C%d",
                     bil ? "bilinear" : "nearest", H, W, OH, OW, C);
            dcheck(name, din, ri, ni, bil ? TOL : 0);
        }
        dfree(dx, 0), dfree(dg, 0), dfree(out, 0), dfree(din, 0);
        free(x), free(g), free(ro), free(ri);
    }
}

/* ---------------------------------------------------------------------------------------- */
static void check_scalar(const char *what, float got, float ref, double rtol) {
    if (isnan(got) || fabs((double)got - ref) > rtol * fabs((double)ref) + 1e-12) {
        printf("FAIL %-44s gpu %.9g ref %.9g\n", what, (double)got, (double)ref);
        failures++;
    } else {
        passes++;
        if (getenv("VERBOSE")) printf("ok   %-44s %.9g (ref %.9g)\n", what, (double)got, (double)ref);
    }
}

static void test_losses(void) {
    const size_t Ps[] = {1, 33, 5000, 100003};
    const int Ks[] = {1, 2, 5, 13, 40}; /* 40: past the shared-memory tiles (K <= 32) */
    char name[96];
    for (int pi = 0; pi < 4; pi++) {
        for (int ki = 0; ki < 5; ki++) {
            for (int wi = 0; wi < 2; wi++) {
                const size_t P = Ps[pi];
                const int K = Ks[ki];
                const size_t n = P * K;
                float *z = hrand(n, -6, 6), *w = hrand(K, 0.2f, 3.f), *ref = hzero(n);
                uint8_t *t = malloc(P);
                const int all_ignored = pi == 1 && ki == 2 && wi == 0;
                for (size_t i = 0; i < P; i++) {
                    const int r = (int)(next_u64() % 20);
                    t[i] = all_ignored || r == 0 ? NN_IGNORE_INDEX
                           : r == 1               ? (uint8_t)(K + (int)(next_u64() % 3)) /* >= K: skipped */
                                                  : (uint8_t)(next_u64() % K);
                }
                const float *cw = wi ? w : NULL;
                float *dz = dput(z, n, 0), *dw = dput(w, K, 0), *dd = dalloc(n * 4, 0);
                uint8_t *dt = dalloc(P, 0);
                CU(cudaMemcpy(dt, t, P, cudaMemcpyHostToDevice));
                float l1 = NAN, l2 = NAN;
                KC(cuk_cross_entropy_forward(&l1, dz, dt, wi ? dw : NULL, P, K, NN_IGNORE_INDEX, 0));
                KC(cuk_cross_entropy_forward(&l2, dz, dt, wi ? dw : NULL, P, K, NN_IGNORE_INDEX, 0));
                const float lr = nn_cross_entropy_forward(z, t, cw, P, K, NN_IGNORE_INDEX);
                snprintf(name, sizeof name, "cross-entropy P=%zu K=%d%s%s", P, K, wi ? " weighted" : "",
                         all_ignored ? " all ignored" : "");
                check_scalar(name, l1, lr, TOL);
                if (memcmp(&l1, &l2, 4)) {
                    printf("FAIL %s: two runs differ (%.9g, %.9g)\n", name, (double)l1, (double)l2);
                    failures++;
                }
                const float dloss = unif(0.5f, 2.f);
                KC(cuk_cross_entropy_backward(dd, dloss, dz, dt, wi ? dw : NULL, P, K,
                                              NN_IGNORE_INDEX, 0));
                nn_cross_entropy_backward(ref, dloss, z, t, cw, P, K, NN_IGNORE_INDEX);
                snprintf(name, sizeof name, "cross-entropy backward P=%zu K=%d%s", P, K,
                         wi ? " weighted" : "");
                dcheck(name, dd, ref, n, TOL);

                /* BCE with logits on the same shape */
                float *tb = hrand(n, 0, 1);
                float *dtb = dput(tb, n, 0);
                KC(cuk_bce_logits_forward(&l1, dz, dtb, P, K, 0));
                snprintf(name, sizeof name, "BCE with logits P=%zu K=%d", P, K);
                check_scalar(name, l1, nn_bce_logits_forward(z, tb, P, K), TOL);
                dpoison(dd, n * 4);
                KC(cuk_bce_logits_backward(dd, dloss, dz, dtb, P, K, 0));
                nn_bce_logits_backward(ref, dloss, z, tb, P, K);
                snprintf(name, sizeof name, "BCE with logits backward P=%zu K=%d", P, K);
                dcheck(name, dd, ref, n, TOL);
                dfree(dz, 0), dfree(dw, 0), dfree(dd, 0), dfree(dt, 0), dfree(dtb, 0);
                free(z), free(w), free(ref), free(t), free(tb);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
static void test_optim(void) {
    const size_t sizes[] = {1, 5, 4097, (1u << 20) + 1};
    for (int si = 0; si < 4; si++) {
        for (int off = 0; off < 2; off++) {
            const size_t n = sizes[si];
            char name[96];
            /* SGD, with and without momentum and weight decay, three steps */
            for (int var = 0; var < 3; var++) {
                const float mom = var == 0 ? 0.0f : 0.9f, wd = var == 2 ? 1e-2f : 0.0f;
                float *p = hrand(n, -1, 1), *buf = hzero(n);
                float *dp = dput(p, n, off), *dbuf = mom != 0.0f ? dput(buf, n, off) : NULL;
                for (int step = 1; step <= 3; step++) {
                    float *g = hrand(n, -1, 1), *dg = dput(g, n, off);
                    KC(cuk_sgd_update(dp, dg, dbuf, n, 0.05f, mom, wd, 0));
                    nn_sgd_update(p, g, mom != 0.0f ? buf : NULL, n, 0.05f, mom, wd);
                    dfree(dg, off), free(g);
                }
                snprintf(name, sizeof name, "SGD momentum %.1f wd %g%s", mom, wd,
                         off ? " (unaligned)" : "");
                dcheck(name, dp, p, n, TOL);
                if (dbuf) dcheck("SGD momentum buffer", dbuf, buf, n, TOL);
                dfree(dp, off), dfree(dbuf, off), free(p), free(buf);
            }
            /* Adam and AdamW, three steps */
            for (int dec = 0; dec < 2; dec++) {
                float *p = hrand(n, -1, 1), *m = hzero(n), *v = hzero(n);
                float *dp = dput(p, n, off), *dm = dput(m, n, off), *dv = dput(v, n, off);
                for (int step = 1; step <= 3; step++) {
                    float *g = hrand(n, -1, 1), *dg = dput(g, n, off);
                    KC(cuk_adam_update(dp, dg, dm, dv, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step,
                                       dec, 0));
                    (dec ? nn_adamw_update : nn_adam_update)(p, g, m, v, n, 1e-3f, 0.9f, 0.999f,
                                                             1e-8f, 1e-2f, step);
                    dfree(dg, off), free(g);
                }
                snprintf(name, sizeof name, "%s params%s", dec ? "AdamW" : "Adam",
                         off ? " (unaligned)" : "");
                dcheck(name, dp, p, n, TOL);
                dcheck(dec ? "AdamW m" : "Adam m", dm, m, n, TOL);
                dcheck(dec ? "AdamW v" : "Adam v", dv, v, n, TOL);
                dfree(dp, off), dfree(dm, off), dfree(dv, off), free(p), free(m), free(v);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* --bench: achieved bandwidth of the memory-bound kernels (bytes each must move at least, over
 * the median time of 20 runs after 3 warm-ups) against a device-to-device copy. */
typedef struct {
    float *a, *b, *c, *d, *e;
    uint8_t *t;
    size_t n;
} bench_bufs;

static double time_ms(int (*fn)(const bench_bufs *, int), const bench_bufs *B, int arg) {
    cudaEvent_t e0, e1;
    CU(cudaEventCreate(&e0));
    CU(cudaEventCreate(&e1));
    float t[20];
    for (int i = 0; i < 3; i++) KC(fn(B, arg));
    for (int i = 0; i < 20; i++) {
        CU(cudaEventRecord(e0, 0));
        KC(fn(B, arg));
        CU(cudaEventRecord(e1, 0));
        CU(cudaEventSynchronize(e1));
        CU(cudaEventElapsedTime(&t[i], e0, e1));
    }
    for (int i = 1; i < 20; i++) /* insertion sort */
        for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
            float x = t[j];
            t[j] = t[j - 1], t[j - 1] = x;
        }
    CU(cudaEventDestroy(e0));
    CU(cudaEventDestroy(e1));
    return 0.5 * (t[9] + t[10]);
}

enum { UP_N = 4, UP_H = 256, UP_C = 64 }; /* resize: (4,256,256,64) <-> (4,512,512,64) */
static int b_copy(const bench_bufs *B, int x) {
    (void)x;
    return cudaMemcpyAsync(B->b, B->a, B->n * 4, cudaMemcpyDeviceToDevice, 0) != cudaSuccess;
}
static int b_relu(const bench_bufs *B, int x) { (void)x; return cuk_relu_forward(B->b, B->a, B->n, 0); }
static int b_add(const bench_bufs *B, int x) { (void)x; return cuk_add_forward(B->c, B->a, B->b, B->n, 0); }
static int b_sigb(const bench_bufs *B, int x) { (void)x; return cuk_sigmoid_backward(B->c, B->a, B->b, B->n, 0); }
static int b_scale(const bench_bufs *B, int x) { (void)x; return cuk_scale(B->a, B->n, 1.0f, 0); }
static int b_bf16(const bench_bufs *B, int x) { (void)x; return cuk_f32_to_bf16((uint16_t *)B->b, B->a, B->n, 0); }
static int b_concat(const bench_bufs *B, int x) { (void)x; return cuk_concat_forward(B->c, B->a, B->b, B->n / 16, 8, 8, 0); }
static int b_softmax(const bench_bufs *B, int x) { (void)x; return cuk_softmax_forward(B->b, B->a, B->n / 8, 8, 0); }
static int b_gap(const bench_bufs *B, int x) { (void)x; return cuk_global_avgpool_forward(B->b, B->a, (int)(B->n / (1024 * 512)), 1024, 512, 0); }
static int b_sgd(const bench_bufs *B, int x) { (void)x; return cuk_sgd_update(B->a, B->b, B->c, B->n, 0.0f, 0.9f, 0.0f, 0); }
static int b_adam(const bench_bufs *B, int x) { (void)x; return cuk_adam_update(B->a, B->b, B->c, B->d, B->n, 0.0f, 0.9f, 0.999f, 1e-8f, 0.0f, 1, 1, 0); }
static int b_up(const bench_bufs *B, int op) {
    const int N = UP_N, H = UP_H, W = UP_H, C = UP_C, OH = 2 * UP_H, OW = 2 * UP_H;
    switch (op) {
    case 0: return cuk_upsample_nearest_forward(B->b, B->a, N, H, W, C, OH, OW, 0);
    case 1: return cuk_upsample_nearest_backward(B->b, B->a, N, H, W, C, OH, OW, 0);
    case 2: return cuk_upsample_bilinear_forward(B->b, B->a, N, H, W, C, OH, OW, 0);
    default: return cuk_upsample_bilinear_backward(B->b, B->a, N, H, W, C, OH, OW, 0);
    }
}
static int b_ce(const bench_bufs *B, int bwd) {
    static float l;
    return bwd ? cuk_cross_entropy_backward(B->b, 1.0f, B->a, B->t, NULL, B->n / 8, 8, 255, 0)
               : cuk_cross_entropy_forward(&l, B->a, B->t, NULL, B->n / 8, 8, 255, 0);
}

static void bench(void) {
    const size_t n = (size_t)64 << 20; /* 64 Mi floats: 256 MiB a buffer, well past the L2 */
    bench_bufs B = {NULL, NULL, NULL, NULL, NULL, NULL, n};
    float **bufs[] = {&B.a, &B.b, &B.c, &B.d, &B.e};
    float *h = hrand(n, -1, 1);
    for (int i = 0; i < 5; i++) {
        CU(cudaMalloc((void **)bufs[i], n * 4));
        CU(cudaMemcpy(*bufs[i], h, n * 4, cudaMemcpyHostToDevice));
    }
    uint8_t *t = malloc(n / 8);
    for (size_t i = 0; i < n / 8; i++) t[i] = (uint8_t)(next_u64() % 8);
    CU(cudaMalloc((void **)&B.t, n / 8));
    CU(cudaMemcpy(B.t, t, n / 8, cudaMemcpyHostToDevice));
    CU(cudaMemset(B.d, 0, n * 4)); /* Adam's v must be >= 0 */
    const double up_small = 4.0 * UP_N * UP_H * UP_H * UP_C, up_big = 4.0 * up_small;
    const double P = (double)(n / 8);
    struct {
        const char *name;
        int (*fn)(const bench_bufs *, int);
        int arg;
        double bytes;
    } rows[] = {
        {"device-to-device copy", b_copy, 0, 8.0 * n},
        {"relu forward", b_relu, 0, 8.0 * n},
        {"add forward", b_add, 0, 12.0 * n},
        {"sigmoid backward", b_sigb, 0, 12.0 * n},
        {"scale (in place)", b_scale, 0, 8.0 * n},
        {"f32 to bf16", b_bf16, 0, 6.0 * n},
        {"concat forward (C 8+8)", b_concat, 0, 8.0 * n},
        {"softmax forward (K 8)", b_softmax, 0, 8.0 * n},
        {"global avgpool forward (HW 1024, C 512)", b_gap, 0, 4.0 * n},
        {"SGD momentum", b_sgd, 0, 20.0 * n},
        {"AdamW", b_adam, 0, 28.0 * n},
        {"nearest 2x forward (C 64)", b_up, 0, up_small + up_big},
        {"nearest 2x backward", b_up, 1, up_small + up_big},
        {"bilinear 2x forward", b_up, 2, up_small + up_big},
        {"bilinear 2x backward", b_up, 3, up_small + up_big},
        {"cross-entropy forward (K 8)", b_ce, 0, P * 33.0},
        {"cross-entropy backward (K 8)", b_ce, 1, P * (32.0 + 32.0 + 2.0)},
    };
    const int nr = (int)(sizeof rows / sizeof *rows);
    double copy_gbs = 0.0;
    printf("\n%-42s %10s %10s %8s\n", "kernel (64 Mi floats)", "ms", "GB/s", "of copy");
    for (int i = 0; i < nr; i++) {
        const double ms = time_ms(rows[i].fn, &B, rows[i].arg);
        const double gbs = rows[i].bytes / (ms * 1e-3) / 1e9;
        if (i == 0) copy_gbs = gbs;
        printf("%-42s %10.3f %10.0f %7.0f%%\n", rows[i].name, ms, gbs, 100.0 * gbs / copy_gbs);
    }
    for (int i = 0; i < 5; i++) CU(cudaFree(*bufs[i]));
    CU(cudaFree(B.t));
    free(h), free(t);
}

int main(int argc, char **argv) {
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev <= 0) {
        printf("no CUDA device: skipped\n");
        return 77;
    }
    const char *seed = getenv("SWATH_TEST_SEED");
    if (seed) rng = strtoull(seed, NULL, 0);
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, 0));
    printf("device: %s (sm_%d%d), seed 0x%llx\n", prop.name, prop.major, prop.minor,
           (unsigned long long)rng);
    test_elementwise();
    test_concat();
    test_gap_softmax();
    test_bf16();
    test_resize();
    test_losses();
    test_optim();
    printf("%d checks passed, %d failed\n", passes, failures);
    if (argc > 1 && !strcmp(argv[1], "--bench")) bench();
    return failures ? 1 : 0;
}
