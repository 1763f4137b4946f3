/* Durable per-tile results and per-block outputs of a run, as small binary files written aside
 * and renamed into place (docs/formats.md, "run folder"):
 *   DIR/tiles/T.bin     tile T: validity plane then one uint8 score plane per job class
 *   DIR/blocks/BX_BY.bin  output block: class plane then confidence plane */
#ifndef SWATH_RUN_RESULTS_H
#define SWATH_RUN_RESULTS_H

#include "src/core/error.h"

#include <stdint.h>

#define SW_TILE_MAGIC 0x52545753u   /* "SWTR" little-endian */
#define SW_BLOCK_MAGIC 0x4B425753u  /* "SWBK" */
#define SW_RESULT_HEADER 32

/* Creates DIR/tiles and DIR/blocks. */
sw_status sw_results_mkdirs(const char *dir);

/* Writes tile `id`'s planes ((nplanes, h, w) uint8, plane 0 = validity) to DIR/tiles/id.bin.part,
 * fdatasyncs and renames it. Returns the file size in *bytes. */
sw_status sw_tile_result_write(const char *dir, uint32_t id, int w, int h, int nplanes, const uint8_t *planes,
                               uint32_t *bytes);

/* An open tile result, for reading windows of its planes. */
typedef struct {
    int fd;
    uint32_t id;
    int w, h, nplanes;
} sw_tile_result;

/* Opens DIR/tiles/id.bin and checks its header against (w, h, nplanes). */
sw_status sw_tile_result_open(sw_tile_result *t, const char *dir, uint32_t id, int w, int h, int nplanes);
/* Reads rows [y0, y0+rh) x columns [x0, x0+rw) of plane k into dst (rh, rw). */
sw_status sw_tile_result_read(sw_tile_result *t, int k, int x0, int y0, int rw, int rh, uint8_t *dst);
void sw_tile_result_close(sw_tile_result *t);

/* Deletes DIR/tiles/id.bin (no error when it is absent): every block it touches is written. */
void sw_tile_result_remove(const char *dir, uint32_t id);

/* Block files: class (h, w) and confidence (h, w). */
sw_status sw_block_write(const char *dir, int bx, int by, int w, int h, const uint8_t *cls, const uint8_t *conf);
int sw_block_exists(const char *dir, int bx, int by);
/* Reads a block written by sw_block_write; its size must be (w, h). */
sw_status sw_block_read(const char *dir, int bx, int by, int w, int h, uint8_t *cls, uint8_t *conf);

#endif
