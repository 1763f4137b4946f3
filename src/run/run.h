/* `swath run`: the driver every rank calls with the same config. Rank 0 plans (or reopens a run
 * for --resume), every rank serves its roles (mpi/), rank 0 assembles DIR/mask.tif and
 * DIR/confidence.tif from the output blocks. */
#ifndef SWATH_RUN_RUN_H
#define SWATH_RUN_RUN_H

#include "src/run/config.h"
#include "src/core/error.h"

/* Runs the job. All ranks return the same status. A run that got as far as its MPI start
 * reports a failure itself (rank 0, "swath: error: ..." / "swath: stopped: ...", before
 * MPI_Finalize) and sets *print to 0; *print stays 1 when the caller must still print it. */
sw_status sw_run(const sw_run_config *cfg, int *print);

#endif
