/* Start-up checks of the files of a `swath train` run, so that a bad --out fails before any
 * training: --out is not an input, not a file of another kind, and its folder takes a new file;
 * and the identity of the chips a run trains on, kept in model.h5 and checked by --resume. */
#ifndef SWATH_TRAIN_FILES_H
#define SWATH_TRAIN_FILES_H

#include "io/chips.h"
#include "src/train/config.h"

#include <stddef.h>

/* Checks --out against --chips and --init (the same file: SW_ERR_USAGE), an existing --out that
 * is not a swath model (SW_ERR_USAGE: it would be replaced; an existing model is replaced by a
 * new run, with a note, and continued by --resume) and its folder (SW_ERR_OUTPUT). Rank 0 only:
 * it creates and removes a probe file. */
sw_status sw_train_check_out(const sw_train_config *c);

/* The chips' identity as one line: "tile=HxW channels=C classes=K train=N val=M stats=HASH
 * path=PATH" (HASH: FNV-1a of the class names, mean, std and class histogram; PATH absolute when
 * it resolves). */
void sw_train_chips_identity(const sw_chips_info *in, const char *path, char *buf, size_t cap);
/* --resume: the identity stored in `out` (model.h5) against the chips given now. Any field but
 * the path differing: SW_ERR_INPUT naming both files and what differs. Only the path differing
 * (a copy, a moved file), or nothing stored (a model of an older swath): a note when `say`. */
sw_status sw_train_chips_check(const char *stored, const char *now, const char *out, int say);

#endif
