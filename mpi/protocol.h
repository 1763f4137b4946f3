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
 * its empty batch; the other roles finish on their last message.
 *
 * A stop request (SIGUSR1 / SIGTERM on any rank, src/core/stop.h) ends the run early, resumable:
 *
 *   any     -> master   SW_TAG_HALT      sw_msg_halt      "I was asked to stop" (once per rank)
 *   master  -> worker   SW_TAG_STOP      sw_msg_halt      stop: start no new tile (sent to every
 *                                                        worker once the master is stopping)
 *   master  -> worker   SW_TAG_BATCH     {SW_TILE_STOP}   the answer to a request while stopping
 *   worker  -> master   SW_TAG_HALTED    sw_msg_halted    how many TILE and REQUEST messages it
 *                                                        sent in all (its last message)
 *   master  -> reducer  SW_TAG_FINISH    sw_msg_finish    once every worker's tiles are journaled:
 *                                                        how many READY it was sent in all; the
 *                                                        reducer writes the blocks they complete
 *                                                        and answers SW_TAG_REDUCED
 *
 * Counts, not message order, tell each side that nothing is still on its way (MPI orders messages
 * only within one tag). A reducer that was sent every READY it expects finishes as usual and gets
 * no FINISH. The tiles not journaled run again under --resume. */
#ifndef SWATH_MPI_PROTOCOL_H
#define SWATH_MPI_PROTOCOL_H

#include "src/core/error.h"

#include <stdint.h>

enum {
    SW_TAG_REQUEST = 101,
    SW_TAG_BATCH = 102,
    SW_TAG_TILE = 103,
    SW_TAG_READY = 104,
    SW_TAG_REDUCED = 105,
    SW_TAG_BLOCK = 106,
    SW_TAG_HALT = 107,
    SW_TAG_STOP = 108,
    SW_TAG_HALTED = 109,
    SW_TAG_FINISH = 110,
};

/* The one id of a batch that says "a stop is under way: no more tiles" (not a tile id). */
#define SW_TILE_STOP 0xFFFFFFFFu

#define SW_BATCH_MAX 64

typedef struct {
    int32_t want;            /* tile ids wanted (1..SW_BATCH_MAX) */
} sw_msg_request;

typedef struct {
    uint32_t tile;
    int32_t ok;              /* 1 done, 0 failed (reason and code set) */
    int32_t code;            /* the failure's sw_status (SW_ERR_INPUT: the input could not be read) */
    float seconds;
    uint32_t bytes;          /* size of DIR/tiles/T.bin */
    char reason[SW_REASON_MAX];   /* why it failed: a path cut in the middle if need be (sw_msg_fit) */
    float part[3];           /* seconds reading the window, in the job, writing the result */
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
    int32_t announced;       /* SW_TAG_BLOCK messages it sent in all (written now or found at start) */
    int64_t peak_rss_kb;     /* for --verbose */
} sw_msg_reduced;

typedef struct {
    int32_t sig;             /* the signal that asked to stop (SIGUSR1, SIGTERM) */
    int32_t rank;            /* the rank it reached first */
} sw_msg_halt;

typedef struct {
    int64_t tiles;           /* SW_TAG_TILE messages this worker sent */
    int64_t requests;        /* SW_TAG_REQUEST messages this worker sent */
} sw_msg_halted;

typedef struct {
    int64_t ready;           /* SW_TAG_READY messages the master sent to this reducer */
    int32_t sig;
} sw_msg_finish;

#endif
