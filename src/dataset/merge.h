/* Several ranks (`mpiexec -n N swath dataset build ...`): every rank cuts the windows whose index
 * (in raster order, guard band excluded) is its rank modulo N into a part file (OUT.partR, a
 * chips file, and OUT.partR.stats, each train chip's exact pixel sums), keeping every negative;
 * rank 0 then merges the parts in raster order, applying the negative policy and summing the
 * statistics, so the result is the file one process writes. The merge copies the compressed
 * chunks as they are (io/chips_write.h sw_chips_writer_copy): it costs I/O, not compression. */
#ifndef SWATH_DATASET_MERGE_H
#define SWATH_DATASET_MERGE_H

#include "src/dataset/build.h"

/* A train chip's statistics record: valid pixels, per-channel sums (C), sums of squares (C), and
 * mask pixels per class (K), int64. */
static inline int sw_chip_stats_len(int C, int K) { return 1 + 2 * C + K; }
void sw_chip_stats_finish(long long npix, const long long *sum, const long long *sumsq, int C, float *mean, float *sd);
/* The "no training chip" error. */
sw_status no_train_chip(const sw_dataset_stats *s);

/* Rank 0: merges OUT.part0 .. OUT.part<N-1> into OUT; stats gets the merged counts. */
sw_status sw_dataset_merge(const sw_dataset_opts *o, int C, int K, sw_dataset_stats *stats);

#endif
