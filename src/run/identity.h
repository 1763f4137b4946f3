/* The identity of a run's input and config, as stored in run.h5, and the check --resume makes. */
#ifndef SWATH_RUN_IDENTITY_H
#define SWATH_RUN_IDENTITY_H

#include "io/raster.h"
#include "io/store.h"
#include "src/run/config.h"

/* Opens the run's input with the bands its tiles are read with (--bands, else the default R, G,
 * B): every rank's reads of it go through here. Errors name the file and the band. */
sw_status sw_run_open_input(sw_raster **r, const sw_run_config *cfg);
/* Fills m from the config and the open input: size, geotransform, CRS, and a fingerprint (FNV-1a
 * over the size and the pixels and validity of 4 sampled 64 x 64 windows, each inside one source
 * block: content, not mtime). */
sw_status sw_run_identity(sw_run_meta *m, const sw_run_config *cfg, sw_raster *r);
/* The fingerprint alone; legacy = 1: with the windows placed as before 2026-11-23. */
sw_status sw_run_fingerprint(sw_raster *r, int legacy, uint64_t *out);
/* Compares the stored run (`stored`, from DIR/run.h5) with this command's (`now`); a difference is
 * an error (SW_ERR_USAGE for flags, SW_ERR_INPUT for the input) naming the key and both values. A
 * stored fingerprint of the placement before 2026-11-23 (windows across block corners) is also
 * accepted: it is computed from `r` (the open input, or NULL: not) when the new one differs. */
sw_status sw_run_identity_check(const sw_run_meta *stored, const sw_run_meta *now, const char *dir, sw_raster *r);

#endif
