/* chips.h5 (format "chips", version 1; docs/formats.md): training chips cut from rasters with
 * labels (`swath dataset build`), read by `swath train` and `swath eval`.
 *
 * Layout: root attributes channels C, classes K, tile H W, stride, class_names (K strings),
 * mean and std (C floats, over the train split's valid pixels, 0..255 scale), class_hist (K
 * int64, train pixels per class), sources, and bands (C int32, optional: the source band behind
 * each channel, 1-based, 0 where the sources differ; files before it lack it). Groups /train and
 * /val, each with
 *   images (N,H,W,C) uint8   one chunk per chip, deflate
 *   masks  (N,H,W)   uint8   class per pixel, 255 = ignore
 *   labels (N,K)     uint8   1 when the chip holds class k (multi-label, seed 003)
 *   origin (N,3)     int32   source index, column, row of the chip's top-left pixel
 *   points (M,4)     int32   chip index, row, column, class: one point per connected object
 *                             (single-point supervision, seed 000)
 * The reader checks format, version, every dataset's presence and shape, and names the file
 * and the dataset on a mismatch or a truncated file. */
#ifndef SWATH_IO_CHIPS_H
#define SWATH_IO_CHIPS_H

#include "src/core/error.h"

#include <stdint.h>

enum { SW_CHIPS_VERSION = 1, SW_CHIPS_MAX_CH = 64, SW_CHIPS_MAX_CLASSES = 254,
       SW_CHIPS_CLASS_NAME = 32 };

typedef enum { SW_SPLIT_TRAIN = 0, SW_SPLIT_VAL = 1 } sw_split;

typedef struct {
    int channels, classes, tile_h, tile_w, stride;
    long long count[2];                     /* chips per split (train, val) */
    long long npoints[2];                   /* points per split */
    float mean[SW_CHIPS_MAX_CH], std[SW_CHIPS_MAX_CH];
    int bands[SW_CHIPS_MAX_CH];             /* source band per channel (1-based); 0: not recorded */
    char (*class_names)[SW_CHIPS_CLASS_NAME]; /* (classes), owned by the reader */
    long long *class_hist;                  /* (classes), owned by the reader */
} sw_chips_info;

typedef struct sw_chips sw_chips;

/* Opens `path` read-only and checks it (format, version, datasets and their shapes). */
sw_status sw_chips_open(const char *path, sw_chips **out);
const sw_chips_info *sw_chips_get_info(const sw_chips *c);
/* Reads chip `index` of `split`: img (H,W,C), mask (H,W), labels (K); any may be NULL. */
sw_status sw_chips_read(sw_chips *c, sw_split split, long long index, uint8_t *img,
                        uint8_t *mask, uint8_t *labels);
/* Reads chip `index`'s origin: source index, column, row of its top-left pixel. */
sw_status sw_chips_read_origin(sw_chips *c, sw_split split, long long index, int32_t origin[3]);
/* Reads the points of `split` (npoints x 4 int32: chip, row, column, class). */
sw_status sw_chips_read_points(sw_chips *c, sw_split split, int32_t *points);
void sw_chips_close(sw_chips *c);

#endif
