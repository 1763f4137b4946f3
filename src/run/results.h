/* Durable per-tile results and per-block outputs of a run, as small binary files written aside
 * and renamed into place (docs/formats.md, "run folder"):
 *   DIR/tiles/T.bin     tile T: validity plane then one uint8 score plane per job class
 *   DIR/blocks/BX_BY.bin  output block: class plane then confidence plane
 * Planes are stored row by row, raw or as runs of equal bytes, whichever is smaller. */
#ifndef SWATH_RUN_RESULTS_H
#define SWATH_RUN_RESULTS_H

#include "src/core/error.h"

#include <stddef.h>
#include <stdint.h>

#define SW_TILE_MAGIC 0x52545753u   /* "SWTR" little-endian */
#define SW_BLOCK_MAGIC 0x4B425753u  /* "SWBK" */
#define SW_RESULT_HEADER 32
#define SW_RESULT_VERSION 2         /* 1: raw planes (swath before the run-length rows) */

/* A growable byte buffer, reused across files (no allocation per tile in the steady state). */
typedef struct {
    uint8_t *p;
    size_t cap;
} sw_result_buf;
void sw_result_buf_free(sw_result_buf *b);

/* Creates DIR/tiles and DIR/blocks. */
sw_status sw_results_mkdirs(const char *dir);

/* Writes tile `id`'s planes ((nplanes, h, w) uint8, plane 0 = validity) to DIR/tiles/id.bin.part,
 * encoded in `scratch`, fdatasyncs and renames it. Returns the file size in *bytes. The rename is
 * durable only after sw_results_sync_tiles: a worker syncs the folder once before reporting the
 * tiles it finished since (one fsync of DIR/tiles for several tiles instead of one each). */
sw_status sw_tile_result_write(const char *dir, uint32_t id, int w, int h, int nplanes, const uint8_t *planes,
                               sw_result_buf *scratch, uint32_t *bytes);

/* fsync of DIR/tiles: makes the renames of the tile results written so far durable. */
sw_status sw_results_sync_tiles(const char *dir);

/* A tile result loaded in memory (its buffer is reused by the next load). */
typedef struct {
    uint32_t id;
    int w, h, nplanes;
    sw_result_buf buf;
    const uint8_t *index, *data;
} sw_tile_result;

/* One row of a plane: either raw (w bytes) or nruns runs of 3 bytes (length as uint16 LE, value),
 * whose lengths add up to w. */
typedef struct {
    const uint8_t *raw;
    const uint8_t *runs;
    int nruns;
} sw_row;

/* Loads DIR/tiles/id.bin, checking its header against (id, w, h, nplanes) and its rows (a
 * truncated or corrupt file is an error naming it). */
sw_status sw_tile_result_load(sw_tile_result *t, const char *dir, uint32_t id, int w, int h, int nplanes);
/* Row y of plane k of a loaded tile. */
void sw_tile_result_row(const sw_tile_result *t, int k, int y, sw_row *row);
/* Columns [x0, x0 + n) of a row into dst. */
void sw_row_expand(const sw_row *row, int x0, int n, uint8_t *dst);
void sw_tile_result_free(sw_tile_result *t);

/* Deletes DIR/tiles/id.bin (no error when it is absent): every block it touches is written. */
void sw_tile_result_remove(const char *dir, uint32_t id);

/* Block files: the class plane (h, w) followed by the confidence plane (h, w), in cls_conf. */
sw_status sw_block_write(const char *dir, int bx, int by, int w, int h, const uint8_t *cls_conf, sw_result_buf *scratch);
int sw_block_exists(const char *dir, int bx, int by);
/* Reads a block written by sw_block_write into cls_conf (2, h, w); its size must be (w, h). */
sw_status sw_block_read(const char *dir, int bx, int by, int w, int h, uint8_t *cls_conf, sw_result_buf *scratch);

#endif
