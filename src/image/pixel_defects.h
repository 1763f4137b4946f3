/* The threshold methods of the pixel-defects job (seed-algorithms 4.6): stripe noise (class 9) by
 * per-channel Otsu + 8-connected components with elongated bounding boxes, and pixel missing
 * (class 10: all channels 0 or all 255), restricted to the image footprint. */
#ifndef SWATH_IMAGE_PIXEL_DEFECTS_H
#define SWATH_IMAGE_PIXEL_DEFECTS_H

#include "src/core/error.h"
#include "src/image/components.h"

#include <stddef.h>
#include <stdint.h>

enum { SW_CLASS_STRIPE_NOISE = 9, SW_CLASS_PIXEL_MISSING = 10 };
enum { SW_SAT_BOOST_DELTA = 100 }; /* the paper's +100 on S (OpenCV 8-bit HSV) */

/* Scratch of the detectors, reused across tiles; zero-initialise with sw_pixel_defects_ws_init. */
typedef struct {
    sw_components cc;
    uint8_t *boost; /* (cap_boost) the saturation-boosted tile */
    int32_t *rect;  /* (cap_rect,4) boxes to paint: x0, y0, x1, y1 (exclusive) */
    int32_t *cover; /* ((h+1)*(w+1)) 2-D difference array, for heavily overlapping boxes */
    size_t cap_boost, cap_rect, cap_cover;
} sw_pixel_defects_ws;

void sw_pixel_defects_ws_init(sw_pixel_defects_ws *ws);
void sw_pixel_defects_ws_free(sw_pixel_defects_ws *ws);

/* Stripe noise: for each channel, Otsu over the valid pixels, foreground = value > threshold,
 * 8-connected components; every component with bounding box w/h > 5 or w/h < 0.2 sets its whole
 * box to `value` in cls (valid pixels only). Other pixels of cls are left as they are. With
 * sat_boost, the channels come from sw_saturation_boost(+100) of the tile. */
sw_status sw_stripe_noise_mark(sw_pixel_defects_ws *ws, uint8_t *cls /* (h,w) in/out */,
                               const uint8_t *rgb /* (h,w,3) */, const uint8_t *valid /* (h,w) or NULL */,
                               int w, int h, int sat_boost, uint8_t value);

/* Pixel missing: cls = value where all three channels are 0 or all are 255 (valid pixels only). */
void sw_pixel_missing_mark(uint8_t *cls /* (h,w) in/out */, const uint8_t *rgb /* (h,w,3) */,
                           const uint8_t *valid /* (h,w) or NULL */, int w, int h, uint8_t value);

/* Both, as the seed merges them (pixel-wise max): cls = 0, 9 (stripe) or 10 (missing, wins). */
sw_status sw_pixel_defects_tile(uint8_t *cls /* (h,w) out: 0, 9, 10 */, const uint8_t *rgb /* (h,w,3) */,
                                const uint8_t *valid /* (h,w) or NULL */, int w, int h, int sat_boost);
/* The same with caller-owned scratch, for many tiles. */
sw_status sw_pixel_defects_tile_ws(sw_pixel_defects_ws *ws, uint8_t *cls /* (h,w) out */,
                                   const uint8_t *rgb /* (h,w,3) */, const uint8_t *valid /* (h,w) or NULL */,
                                   int w, int h, int sat_boost);

#endif
