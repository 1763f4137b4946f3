/* `swath train`: data-parallel training of an engine model on chips.h5 under MPI (every rank
 * runs it; -n 1 is the same code path). docs/training.md describes the flow and when -n R
 * matches -n 1 exactly. */
#ifndef SWATH_TRAIN_TRAIN_H
#define SWATH_TRAIN_TRAIN_H

#include "src/train/config.h"

/* Trains as configured; progress as JSON lines on stdout (rank 0) unless stdout is a terminal
 * (then a progress line on stderr). Returns SW_INTERRUPTED after a stop request (SIGUSR1 /
 * SIGTERM) once model.h5 holds the state to --resume from. */
sw_status sw_train_run(const sw_train_config *cfg, int *print);
/* *print: whether the caller should still print the returned status: 1 when it failed before
 * MPI started (every process prints); after that rank 0 has printed it before MPI_Finalize and
 * *print is 0 on every rank. */

#endif
