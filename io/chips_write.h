/* chips.h5 writer (layout in chips.h and docs/formats.md): chips are appended one at a time to
 * extendible datasets (images and masks one deflated chunk per chip), so building a training set
 * holds one chip in memory, not the set. The file is written aside (PATH.tmpPID) and renamed by
 * sw_chips_writer_finish; a writer that is aborted leaves nothing under PATH. */
#ifndef SWATH_IO_CHIPS_WRITE_H
#define SWATH_IO_CHIPS_WRITE_H

#include "io/chips.h"

typedef struct {
    int channels, classes, tile_h, tile_w, stride;
    const char (*class_names)[SW_CHIPS_CLASS_NAME]; /* (classes) or NULL: "class_<k>" */
    const char *sources;                            /* the source rasters, ';'-separated */
    const int *bands;   /* (channels) or NULL: the source band behind each channel (1-based), 0 where
                           the sources differ; written as root attribute 'bands' */
} sw_chips_header;

typedef struct sw_chips_writer sw_chips_writer;

sw_status sw_chips_writer_create(const char *path, const sw_chips_header *h, sw_chips_writer **out);
/* Appends one chip to `split`: img (H,W,C), mask (H,W) (255 = ignore), labels (K) 0/1, origin
 * (source, column, row), and its npoints points as (row, column, class) triples (the writer adds
 * the chip index). */
sw_status sw_chips_writer_add(sw_chips_writer *w, sw_split split, const uint8_t *img, const uint8_t *mask,
                              const uint8_t *labels, const int32_t origin[3], const int32_t *points,
                              long long npoints);
/* Appends chip `index` of `from` (a chips file of the same channels, classes and tile) to the same
 * split, copying its compressed image and mask chunks as they are (no decoding), with `points`
 * as in sw_chips_writer_add. */
sw_status sw_chips_writer_copy(sw_chips_writer *w, sw_split split, sw_chips *from, long long index,
                               const int32_t *points, long long npoints);
long long sw_chips_writer_count(const sw_chips_writer *w, sw_split split);
/* Writes the statistics (mean, std: C floats; class_hist: K counts), closes and renames the file
 * into place; frees w whatever happens (on failure nothing is left under the final name). */
sw_status sw_chips_writer_finish(sw_chips_writer *w, const float *mean, const float *std,
                                 const long long *class_hist);
/* Closes and removes the temporary file; frees w. */
void sw_chips_writer_abort(sw_chips_writer *w);

#endif
