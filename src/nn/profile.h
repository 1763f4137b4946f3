/* Per-op timing for profiles (bench_gpu, bench_nn_models: SWATH_PROFILE=1). While on, every op
 * that src/nn/ops.c dispatches to a backend is preceded and followed by a synchronize of that
 * backend, and its wall time is added to a row keyed by the op's name and, for convolutions,
 * its geometry. The synchronizes cost a few microseconds per op: profile big batches. Off (the
 * default) the dispatch pays one branch. Not thread-safe: one profiling thread. */
#ifndef SWATH_NN_PROFILE_H
#define SWATH_NN_PROFILE_H

#include "kernels/backend.h"

#include <stdio.h>

extern int nn_prof_on;

void nn_ops_profile(int on);
void nn_ops_profile_reset(void);
/* The `top` rows that took longest (0: all), with calls, total ms, ms per call and share. */
void nn_ops_profile_report(FILE *f, int top);

/* Used by the dispatch: t0 after a synchronize; the row for op (and conv geometry d, or NULL). */
double nn_prof_begin(const nn_backend *be);
void nn_prof_end(const nn_backend *be, const char *op, const nn_conv2d_desc *d, double t0);

#endif
