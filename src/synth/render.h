/* Rendering a defect scene one tile at a time: mosaic colour, footprint mask, truth class and the
 * winning instance id of every pixel. Each pixel is a pure function of the scene and its position
 * (tiles read a halo of SW_SYNTH_HALO pixels for blurs), so tiles can be rendered in any order, on
 * any thread, and the result does not depend on the tiling. */
#ifndef SWATH_SYNTH_RENDER_H
#define SWATH_SYNTH_RENDER_H

#include "src/synth/scene.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sw_render_scratch sw_render_scratch;

/* Work buffers for tiles up to tile x tile pixels (one per thread). NULL on failure (error set). */
sw_render_scratch *sw_render_scratch_new(const sw_scene *sc, int tile);
void sw_render_scratch_free(sw_render_scratch *s);

/* Renders the window (x0, y0, w, h), w and h at most the scratch's tile, into rows `stride`
 * elements apart:
 *   rgb   (h, stride, 3)  mosaic colour; 0 outside the footprint
 *   mask  (h, stride)     255 inside the footprint, 0 outside
 *   truth (h, stride)     class 0..10, 255 outside
 *   inst  (h, stride)     id of the instance that decided the truth class, 0 for none
 * and adds each instance's pixel count to counts[id] (counts has ninst + 1 entries). */
void sw_render_tile(const sw_scene *sc, sw_render_scratch *s, int64_t x0, int64_t y0, int w, int h,
                    uint8_t *rgb, uint8_t *mask, uint8_t *truth, uint32_t *inst, size_t stride, int64_t *counts);

#endif
