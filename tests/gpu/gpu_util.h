/* Shared by the GPU tests and the benchmark (tests/gpu, tests/bench/bench_gpu.c): the CUDA
 * backend or exit 77 (CTest's skip code) when the machine has no GPU, device buffers filled
 * from the host, comparison by ||got - ref|| / ||ref|| (and the max difference), poisoning. */
#ifndef SWATH_TESTS_GPU_UTIL_H
#define SWATH_TESTS_GPU_UTIL_H

#include "src/nn/ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline const nn_backend *gpu_or_skip(const char *prog) {
    const nn_backend *be = nn_backend_cuda(-1);
    if (!be) {
        printf("%s: SKIP, no GPU: %s\n", prog, sw_errmsg());
        exit(77);
    }
    return be;
}

static inline void *gpu_xmalloc(size_t n) {
    void *p = calloc(n ? n : 1, 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static inline double gpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* a device copy of n floats of h (h NULL: NaN-poisoned) */
static inline float *dev_up(const nn_backend *be, const float *h, size_t n) {
    float *d = nn_mem_alloc(be, (n ? n : 1) * sizeof(float), "test buffer");
    if (!d) {
        fprintf(stderr, "%s\n", sw_errmsg());
        exit(1);
    }
    if (h) {
        nn_mem_copy(be, d, h, n * sizeof(float), NN_COPY_H2D);
    } else {
        float *nan = gpu_xmalloc((n ? n : 1) * sizeof(float));
        for (size_t i = 0; i < n; i++) nan[i] = NAN;
        nn_mem_copy(be, d, nan, n * sizeof(float), NN_COPY_H2D);
        free(nan);
    }
    return d;
}

static inline void dev_down(const nn_backend *be, float *h, const float *d, size_t n) {
    if (nn_mem_copy(be, h, d, n * sizeof(float), NN_COPY_D2H) != SW_OK) {
        fprintf(stderr, "copy to host: %s\n", sw_errmsg());
        exit(1);
    }
}

/* relative L2 error, NaN when any value is not finite */
static inline double rel_err(const float *got, const float *ref, size_t n, double *maxdiff) {
    double num = 0.0, den = 0.0, md = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) {
            if (maxdiff) *maxdiff = NAN;
            return NAN;
        }
        const double d = (double)got[i] - ref[i];
        num += d * d, den += (double)ref[i] * ref[i];
        if (fabs(d) > md) md = fabs(d);
    }
    if (maxdiff) *maxdiff = md;
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

#endif
