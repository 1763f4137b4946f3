/* Training-step speed of the engine's models against PyTorch on the CPU (label bench): forward +
 * cross-entropy + backward of UNet (depth 4, width 32) and the seed 002 resnet34-seg (full
 * width) on a batch of 8 x 256 x 256 x 3, best of `reps` after a warm-up, in images/s; then
 * tests/ref/nn_models_ref.py --bench runs the same networks in PyTorch (f32, channels_last) with
 * the same thread count, in the same run.
 * Usage: bench_nn_models [N H W reps] [--no-torch] */
#include "src/core/log.h"
#include "src/nn/loss.h"
#include "src/nn/models/model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef SWATH_SOURCE_DIR
#define SWATH_SOURCE_DIR "."
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int bench(const char *arch, int depth, int width, int N, int H, int W, int reps) {
    nn_model_config cfg;
    nn_model m;
    if (nn_model_config_init(&cfg, arch, 3, 5) != SW_OK) return 1;
    cfg.depth = depth, cfg.width = width;
    if (nn_model_create(&m, &cfg, 0) != SW_OK || nn_model_prepare(&m, N, H, W) != SW_OK) {
        fprintf(stderr, "bench %s: %s\n", arch, sw_errmsg());
        return 1;
    }
    nn_model_init_weights(&m, 1);
    const size_t P = (size_t)N * H * W;
    float *x = malloc(P * 3 * sizeof *x);
    uint8_t *y = malloc(P);
    if (!x || !y) return 1;
    unsigned s = 7;
    for (size_t i = 0; i < P * 3; i++) x[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 1023) / 512.0f - 1.0f;
    for (size_t i = 0; i < P; i++) y[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16) % 5;
    double best = 1e30, best_f = 1e30;
    for (int r = 0; r <= reps; r++) {
        const double t0 = now();
        const float *z = nn_model_forward(&m, x);
        const double t1 = now();
        nn_cross_entropy_forward(z, y, NULL, P, 5, NN_IGNORE_INDEX);
        nn_cross_entropy_backward(nn_model_dlogits(&m), 1.0f, z, y, NULL, P, 5, NN_IGNORE_INDEX);
        nn_param_set_zero_grad(&m.net.params);
        nn_model_backward(&m);
        const double t2 = now();
        if (r) { /* the first is the warm-up (oneDNN primitive creation) */
            best = t2 - t0 < best ? t2 - t0 : best;
            best_f = t1 - t0 < best_f ? t1 - t0 : best_f;
        }
    }
    printf("swath %-13s batch %d %dx%dx3 fwd+bwd %8.1f ms  %6.2f images/s  (fwd %7.1f ms; %s, %.0f "
           "GFLOP/step, %.1f GFLOP/s; activations 2 x %.0f MiB)\n", arch, N, H, W, best * 1e3, N / best,
           best_f * 1e3, m.net.be ? m.net.be->name : nn_backend_default()->name, 3 * m.net.flops * 1e-9,
           3 * m.net.flops * 1e-9 / best, m.net.act_numel * 4.0 / (1 << 20));
    fflush(stdout);
    free(x);
    free(y);
    nn_model_free(&m);
    return 0;
}

int main(int argc, char **argv) {
    sw_log_set_level(0);
    int N = 8, H = 256, W = 256, reps = 2, torch = 1, a = 0;
    int nums[4];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-torch") == 0) torch = 0;
        else if (a < 4) nums[a++] = atoi(argv[i]);
    }
    if (a == 4) N = nums[0], H = nums[1], W = nums[2], reps = nums[3];
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("bench_nn_models: %d threads, best of %d after a warm-up\n", threads, reps);
    int rc = bench("unet", 4, 32, N, H, W, reps) | bench("resnet34-seg", 34, 64, N, H, W, reps);
    nn_backend_release(nn_backend_default());
    if (torch && N == 8 && H == 256 && W == 256) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/ref/nn_models_ref.py --bench %d",
                 SWATH_SOURCE_DIR, threads);
        const int prc = system(cmd);
        if (prc != 0) printf("(PyTorch side unavailable: %s exited %d)\n", cmd, prc);
    }
    return rc;
}
