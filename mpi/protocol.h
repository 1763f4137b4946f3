/* The messages of `swath run` between roles (docs/formats.md has the prose version). Every
 * message is a fixed-size struct of plain integers sent as MPI_BYTE; a rank that holds several
 * roles sends to itself through MPI the same way (so `-n 1` runs the same code path).
 *
 *   worker  -> master   SW_TAG_REQUEST   sw_msg_request   "give me up to n tile ids"
 *   master  -> worker   SW_TAG_BATCH     uint32_t[count]  tile ids; count 0 = no more work, stop
 *   worker  -> master   SW_TAG_TILE      sw_msg_tile      a tile finished (its result is durable)
 *                                                        or failed (with the reason)
 *   master  -> reducer  SW_TAG_READY     sw_msg_ready     a tile is journaled (done or failed
 *                                                        for good): sent to each reducer that
 *                                                        owns a block the tile touches
 *   reducer -> master   SW_TAG_BLOCK     sw_msg_block     a block it owns is on disk (written now,
 *                                                        or found at start): once every block a
 *                                                        tile touches is, the master deletes the
 *                                                        tile's result file (unless --keep-tiles)
 *   reducer -> master   SW_TAG_REDUCED   sw_msg_reduced   every block it owns is written
 *
 * Output block b (row-major index) is owned by reducer b mod R, which is rank size - R + (b mod R).
 * The master finishes when every tile is journaled, every block and reducer reported, every worker got
 * its empty batch; the other roles finish on their last message. */
#ifndef SWATH_MPI_PROTOCOL_H
#define SWATH_MPI_PROTOCOL_H

#include <stdint.h>

enum {
    SW_TAG_REQUEST = 101,
    SW_TAG_BATCH = 102,
    SW_TAG_TILE = 103,
    SW_TAG_READY = 104,
    SW_TAG_REDUCED = 105,
    SW_TAG_BLOCK = 106,
};

#define SW_BATCH_MAX 64

typedef struct {
    int32_t want;            /* tile ids wanted (1..SW_BATCH_MAX) */
} sw_msg_request;

typedef struct {
    uint32_t tile;
    int32_t ok;              /* 1 done, 0 failed (reason set) */
    float seconds;
    uint32_t bytes;          /* size of DIR/tiles/T.bin */
    char reason[96];
} sw_msg_tile;

typedef struct {
    uint32_t tile;
    int32_t status;          /* SW_TILE_DONE or SW_TILE_FAILED (io/store.h) */
} sw_msg_ready;

typedef struct {
    int32_t bx, by;
} sw_msg_block;

typedef struct {
    int32_t blocks;          /* blocks this reducer wrote in this run */
    int64_t peak_rss_kb;     /* for --verbose */
} sw_msg_reduced;

#endif
