/* Start-up checks of the files of a `swath train` run, so that a bad --out fails before any
 * training: --out is not an input, not a file of another kind, and its folder takes a new file. */
#ifndef SWATH_TRAIN_FILES_H
#define SWATH_TRAIN_FILES_H

#include "src/train/config.h"

/* Checks --out against --chips and --init (the same file: SW_ERR_USAGE), an existing --out that
 * is not a swath model (SW_ERR_USAGE: it would be replaced; an existing model is replaced by a
 * new run, with a note, and continued by --resume) and its folder (SW_ERR_OUTPUT). Rank 0 only:
 * it creates and removes a probe file. */
sw_status sw_train_check_out(const sw_train_config *c);

#endif
