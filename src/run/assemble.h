/* Writes DIR/mask.tif and DIR/confidence.tif from the blocks of a finished run (rank 0). */
#ifndef SWATH_RUN_ASSEMBLE_H
#define SWATH_RUN_ASSEMBLE_H

#include "io/store.h"
#include "src/run/context.h"

sw_status sw_run_assemble(const sw_run_ctx *c, const sw_run_meta *m);

#endif
