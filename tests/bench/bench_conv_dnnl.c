/* Benchmark: swath's convolution through the engine (nn_conv2d_forward on the oneDNN backend:
 * primitive cache lookup, weight reorder from swath's (K,R,S,C) layout, execution) against
 * oneDNN alone (the same primitive with NHWC activations and pre-reordered weights, executed in
 * a loop), same shapes, same threads. It says what our wrapper costs over the library.
 * Shapes: 3x3 64->64 at 8x64x64 (the UNet / ResNet body) and 3x3 256->256 at 8x16x16. */
#include "kernels/backend.h"
#include "src/core/log.h"
#include "src/nn/ops.h"

#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#define DN(call)                                                                              \
    do {                                                                                      \
        dnnl_status_t s_ = (call);                                                            \
        if (s_ != dnnl_success) {                                                             \
            fprintf(stderr, "bench_conv_dnnl: %s failed (%d)\n", #call, (int)s_);             \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static float *buf(size_t n, unsigned seed) {
    float *p = malloc(n * sizeof *p);
    if (!p) exit(1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

/* Best-of-reps seconds of one forward through oneDNN alone. */
static double raw_dnnl(int N, int H, int W, int C, int K, const float *x, const float *w_ohwi,
                       const float *bias, float *y, int reps) {
    dnnl_engine_t eng;
    dnnl_stream_t st;
    DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    dnnl_dims_t sd = {N, C, H, W}, wd = {K, C, 3, 3}, bd = {K}, dd = {N, K, H, W};
    dnnl_dims_t strides = {1, 1}, dil = {0, 0}, pad = {1, 1};
    dnnl_memory_desc_t src, wany, wuser, bmd, dst;
    DN(dnnl_memory_desc_init_by_tag(&src, 4, sd, dnnl_f32, dnnl_nhwc));
    DN(dnnl_memory_desc_init_by_tag(&dst, 4, dd, dnnl_f32, dnnl_nhwc));
    DN(dnnl_memory_desc_init_by_tag(&wany, 4, wd, dnnl_f32, dnnl_format_tag_any));
    DN(dnnl_memory_desc_init_by_tag(&wuser, 4, wd, dnnl_f32, dnnl_ohwi));
    DN(dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x));
    dnnl_convolution_desc_t cd;
    DN(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src,
                                                  &wany, &bmd, &dst, strides, dil, pad, pad));
    dnnl_primitive_desc_t pd;
    DN(dnnl_primitive_desc_create(&pd, &cd, NULL, eng, NULL));
    dnnl_primitive_t conv;
    DN(dnnl_primitive_create(&conv, pd));
    const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_t m_src, m_wu, m_w, m_b, m_dst;
    DN(dnnl_memory_create(&m_src, &src, eng, (void *)x));
    DN(dnnl_memory_create(&m_wu, &wuser, eng, (void *)w_ohwi));
    DN(dnnl_memory_create(&m_w, wmd, eng, DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&m_b, &bmd, eng, (void *)bias));
    DN(dnnl_memory_create(&m_dst, &dst, eng, y));
    /* weights reordered once, outside the timing: the library's best case */
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    DN(dnnl_reorder_primitive_desc_create(&rpd, &wuser, eng, wmd, eng, NULL));
    DN(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, m_wu}, {DNNL_ARG_TO, m_w}};
    DN(dnnl_primitive_execute(reorder, st, 2, rargs));
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_WEIGHTS, m_w}, {DNNL_ARG_BIAS, m_b},
                               {DNNL_ARG_DST, m_dst}};
    double best = 1e30;
    for (int r = 0; r <= reps; r++) { /* the first is warm-up */
        double t0 = sw_now();
        DN(dnnl_primitive_execute(conv, st, 4, args));
        DN(dnnl_stream_wait(st));
        double t = sw_now() - t0;
        if (r && t < best) best = t;
    }
    dnnl_primitive_destroy(reorder), dnnl_primitive_desc_destroy(rpd), dnnl_primitive_destroy(conv);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(m_src), dnnl_memory_destroy(m_wu), dnnl_memory_destroy(m_w);
    dnnl_memory_destroy(m_b), dnnl_memory_destroy(m_dst);
    dnnl_stream_destroy(st), dnnl_engine_destroy(eng);
    return best;
}

static int bench(int N, int H, int W, int C, int K, int reps) {
    const nn_backend *fast = nn_backend_cpu_fast();
    if (!fast) {
        printf("SKIPPED: no oneDNN backend in this build\n");
        return 77;
    }
    size_t nx = (size_t)N * H * W * C, ny = (size_t)N * H * W * K, nw = (size_t)K * 9 * C;
    float *x = buf(nx, 1), *w = buf(nw, 2), *b = buf((size_t)K, 3), *y1 = malloc(ny * sizeof *y1),
          *y2 = malloc(ny * sizeof *y2);
    if (!y1 || !y2) return 1;
    nn_conv2d_desc d;
    nn_conv2d_desc_init(&d, N, H, W, C, K, 3, 3, 1, 1, 1, 1);
    double best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = sw_now();
        nn_conv2d_forward(y1, x, w, b, &d, fast);
        double t = sw_now() - t0;
        if (r && t < best) best = t;
    }
    double raw = raw_dnnl(N, H, W, C, K, x, w, b, y2, reps);
    double maxd = 0;
    for (size_t i = 0; i < ny; i++) {
        double e = y1[i] > y2[i] ? y1[i] - y2[i] : y2[i] - y1[i];
        maxd = e > maxd ? e : maxd;
    }
    double flop = 2.0 * N * H * W * (double)K * C * 9;
    printf("conv 3x3 %3d->%-3d %dx%dx%d NHWC: swath %7.2f ms %6.1f GFLOP/s | oneDNN alone %7.2f ms %6.1f GFLOP/s"
           " | swath / oneDNN time %.2fx | max |diff| %.1e\n",
           C, K, N, H, W, best * 1e3, flop / best * 1e-9, raw * 1e3, flop / raw * 1e-9, best / raw, maxd);
    free(x), free(w), free(b), free(y1), free(y2);
    return maxd < 1e-3 ? 0 : 1;
}

int main(void) {
    sw_log_set_level(0);
    int rc = bench(8, 64, 64, 64, 64, 10);
    if (rc) return rc;
    return bench(8, 16, 16, 256, 256, 10);
}
