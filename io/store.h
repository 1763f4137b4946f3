/* The job store of `swath run` (docs/formats.md, "run.h5 and journal.bin"):
 *   DIR/run.h5       format "run" v1: the run config and input identity as root attributes and the
 *                    /tiles table; written once at plan time (aside + rename), never rewritten;
 *   DIR/journal.bin  append-only fixed-size records with CRC32, one per finished tile, each
 *                    followed by fdatasync; a torn last record is dropped on open. */
#ifndef SWATH_IO_STORE_H
#define SWATH_IO_STORE_H

#include "src/core/error.h"

#include <stdint.h>

#define SW_STORE_MAX_SCALES 4
#define SW_STORE_MAX_BANDS 16

/* One row of /tiles. */
typedef struct {
    uint32_t id;
    int32_t scale;            /* index into the scales attribute */
    int32_t x, y, w, h;
} sw_store_tile;

typedef struct {
    char job[32];
    int nscales;
    int32_t scales[SW_STORE_MAX_SCALES];
    double overlap;
    char blend[16];
    int32_t block;
    char input[4096];         /* the input path (informational: identity is below) */
    int64_t width, height;
    double gt[6];
    char crs_wkt[8192];       /* "" when none */
    uint64_t fingerprint;     /* hash of sampled windows' pixels and validity, and the size */
    int64_t nskipped;
    int32_t nbands;           /* bands a tile read delivers, 1-based in bands[]; 0: not stored (run.h5
                                 written before the attribute existed) */
    int32_t bands[SW_STORE_MAX_BANDS];
    char model[4096];         /* --model of a job that runs one ("" when none; informational) */
    uint64_t model_fingerprint;   /* its weights' hash (io/checkpoint.h); 0: no model, or run.h5
                                     written before the attribute existed */
} sw_run_meta;

/* Writes DIR/run.h5 (aside as run.h5.part, fsync, rename). */
sw_status sw_store_create(const char *dir, const sw_run_meta *m, const sw_store_tile *tiles, int64_t ntiles);
/* Reads DIR/run.h5: the metadata and the tile table (*tiles malloc'ed). Errors name the file:
 * missing, not HDF5, not a "run" file, newer version, a missing attribute or dataset. */
sw_status sw_store_open(const char *dir, sw_run_meta *m, sw_store_tile **tiles, int64_t *ntiles);

/* ---- journal ---- */

enum { SW_TILE_PENDING = 0, SW_TILE_DONE = 1, SW_TILE_FAILED = 2 };

typedef struct {
    uint32_t tile;
    uint8_t status;           /* SW_TILE_DONE or SW_TILE_FAILED */
    uint8_t attempts;
    uint16_t code;            /* the failure's sw_status (0 when done, or in a version 1 journal) */
    int32_t rank;             /* the worker */
    float seconds;            /* read + process + write */
    uint32_t bytes;           /* size of DIR/tiles/T.bin (0 when failed) */
    char reason[SW_REASON_MAX];   /* why it failed ("" when done) */
} sw_journal_rec;

/* Bytes of a record on disk: version 2 (magic "SWJ2", written by this version) and version 1
 * (magic "SWJL", a 96-byte reason and no code: journals of earlier versions, which a --resume
 * reads and appends to in their own version). */
#define SW_JOURNAL_RECORD 544
#define SW_JOURNAL_RECORD_V1 128

typedef struct sw_journal sw_journal;

/* Opens (creating when absent, as version 2) DIR/journal.bin for appending. The valid records found are
 * returned in *recs (malloc'ed, may be NULL when none) and *nrecs; a torn or corrupt tail (short
 * record, bad magic or CRC) is truncated away and counted in *dropped. */
sw_status sw_journal_open(sw_journal **j, const char *dir, sw_journal_rec **recs, int64_t *nrecs, int64_t *dropped);
/* Appends one record and fdatasyncs. */
sw_status sw_journal_append(sw_journal *j, const sw_journal_rec *r);
/* Appends n records and fdatasyncs once (a kill part-way leaves a torn tail, which open drops). */
sw_status sw_journal_append_many(sw_journal *j, const sw_journal_rec *r, int n);
void sw_journal_close(sw_journal *j);

/* CRC-32 (IEEE, as zlib's crc32). */
uint32_t sw_crc32(uint32_t crc, const void *data, size_t n);

#endif
