/* The quicklook picture of a run: the reduced mosaic with the defect classes overlaid in fixed
 * colours and a legend strip below (a built-in 5x7 bitmap font). Pure pixels; io/ reads and writes. */
#ifndef SWATH_RUN_QUICKLOOK_H
#define SWATH_RUN_QUICKLOOK_H

#include "src/core/error.h"

#include <stdint.h>

/* The class colours (RGB), indexed by class id 0..10 (0 is never drawn):
 *   1 cloud (0,200,255)            2 shadow (128,0,255)      3 stretching_blur_pattern (255,128,0)
 *   4 blur (255,0,255)             5 spectral_overflow (255,255,0)   6 distortion (0,255,0)
 *   7 stitching_trace (255,0,0)    8 stitching_misalignment (160,82,45)
 *   9 stripe_noise (0,0,255)       10 pixel_missing (255,105,180) */
extern const uint8_t sw_quicklook_palette[11][3];

/* The size of the reduced image for a W x H raster: the longest side becomes min(max_side, that
 * side) (max_side 0: 1024), the other in proportion (rounded, at least 1). */
void sw_quicklook_size(int64_t W, int64_t H, int max_side, int *ow, int *oh);
/* Height of the legend strip under an image `w` wide (10 entries in as many columns as fit). */
int sw_quicklook_legend_height(int w);

/* Composes the picture: out (oh + legend, w, 3). img (h, w, 3) is the reduced mosaic, valid (h, w)
 * or NULL (invalid pixels black), cls (h, w) the reduced mask: a pixel of class 1..10 becomes
 * (img + colour + 1) / 2 per channel (50 % blend, rounded up). The caller then marks defects
 * smaller than 3 reduced pixels (sw_quicklook_mark), which a reduced read can miss. */
void sw_quicklook_compose(uint8_t *out, const uint8_t *img, const uint8_t *valid, const uint8_t *cls, int w, int h);
/* The same with the legend's class names by id (NULL, or a NULL entry: the defect class name). */
void sw_quicklook_compose_named(uint8_t *out, const uint8_t *img, const uint8_t *valid, const uint8_t *cls, int w,
                                int h, const char *const *names);

/* Marks a defect too small to show at the reduced scale: a 5x5 hollow square in the class colour,
 * centred on (cx, cy), clipped to the w x h image (rgb (h, w, 3)). */
void sw_quicklook_mark(uint8_t *rgb, int w, int h, int cx, int cy, int cls);

/* Draws text (upper-cased; letters, digits, space; '_' drawn as a space) with its top-left at
 * (x, y) into rgb (h, w, 3); clipped at the edges. Returns the width drawn (6 px per character). */
int sw_draw_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, const uint8_t colour[3]);

#endif
