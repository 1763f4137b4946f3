/* `swath run`: the driver every rank calls with the same config. Rank 0 plans (or reopens a run
 * for --resume), every rank serves its roles (mpi/), rank 0 assembles DIR/mask.tif and
 * DIR/confidence.tif from the output blocks. */
#ifndef SWATH_RUN_RUN_H
#define SWATH_RUN_RUN_H

#include "src/run/config.h"
#include "src/core/error.h"

/* Runs the job. All ranks return the same status; *print is 1 on the rank that should print an
 * error (rank 0), so that a failing run prints its message once. */
sw_status sw_run(const sw_run_config *cfg, int *print);

#endif
