/* Private to io/chips*.c: the reader's HDF5 dataset handles, so the writer can copy a chip's
 * compressed chunks from one chips file to another without decoding them (the merge of
 * several ranks' part files). */
#ifndef SWATH_IO_CHIPS_INTERNAL_H
#define SWATH_IO_CHIPS_INTERNAL_H

#include "io/chips.h"

enum { SW_CHIPS_DS_IMAGES, SW_CHIPS_DS_MASKS, SW_CHIPS_DS_LABELS, SW_CHIPS_DS_ORIGIN, SW_CHIPS_DS_POINTS,
       SW_CHIPS_DS_COUNT };

/* The hid_t of dataset k (SW_CHIPS_DS_*) of split s. */
int64_t sw_chips_dataset_id(const sw_chips *c, sw_split s, int k);
const char *sw_chips_path(const sw_chips *c);

#endif
