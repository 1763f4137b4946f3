/* Private to io/: band 1 of a one-band Byte raster read in strips of whole rows, block by block
 * (GDALReadBlock, or the file's tiles inflated here: byte_blocks.c says when and why), for
 * io/mask_vectorize.c's one pass over the mask and its confidence. */
#ifndef SWATH_IO_BYTE_BLOCKS_H
#define SWATH_IO_BYTE_BLOCKS_H

#include <gdal.h>

#include <stdint.h>

typedef struct sw_byte_blocks sw_byte_blocks;

/* A reader of band 1 of ds (path: its file, for libtiff). blocks = 1: every strip read is one row
 * of blocks (y0 a multiple of the block height), read block by block; 0: one GDALRasterIO per
 * strip. NULL when out of memory (the message is set). */
sw_byte_blocks *sw_byte_blocks_open(GDALDatasetH ds, const char *path, int blocks);
void sw_byte_blocks_close(sw_byte_blocks *r);
/* 1 when the blocks are inflated here rather than by GDAL. */
int sw_byte_blocks_inflates(const sw_byte_blocks *r);
/* Rows [y0, y0 + h) into strip (the raster's width a row); in block mode only the block columns
 * bx with need[bx] set (need NULL: all), the other columns left as they were. */
CPLErr sw_byte_blocks_read_rows(sw_byte_blocks *r, int32_t y0, int32_t h, uint8_t *strip, const uint8_t *need);
/* Why the last read failed (libtiff's or libdeflate's message, or GDAL's). */
const char *sw_byte_blocks_reason(const sw_byte_blocks *r);

#endif
