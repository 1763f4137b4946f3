/* `swath eval` as a library call: the pixel confusion of a predicted class mask against a truth
 * mask, read block by block (bounded memory) through io/raster.h. */
#ifndef SWATH_METRICS_EVAL_H
#define SWATH_METRICS_EVAL_H

#include "src/metrics/confusion.h"

/* Both files: band 1, Byte, class ids 0..10, 255 (or the band's nodata) outside the footprint.
 * They must have the same size and geotransform (and CRS name when both have one); otherwise
 * SW_ERR_INPUT with a message naming both files and what differs. Missing / unreadable files are
 * SW_ERR_INPUT naming the file. Reads windows of at most 4 Mpixel. */
sw_status sw_eval_masks(const char *mask_path, const char *truth_path, sw_confusion *out);

#endif
