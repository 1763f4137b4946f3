/* What every rank of a run holds: the config, the plan, the job, its roles; and the per-role work
 * functions that mpi/ calls (the messaging lives in mpi/, the work here). */
#ifndef SWATH_RUN_CONTEXT_H
#define SWATH_RUN_CONTEXT_H

#include "io/raster.h"
#include "io/store.h"
#include "jobs/job.h"
#include "src/run/config.h"
#include "src/run/plan.h"
#include "src/run/ql_tiles.h"
#include "src/run/results.h"

#include <stdint.h>

typedef struct {
    const sw_run_config *cfg;
    sw_plan plan;
    const sw_job_kind *job;
    int rank, size;
    int nreducers;            /* R, clamped to size */
    int is_worker;            /* this rank processes tiles */
    int reducer_index;        /* 0..R-1, or -1 */
    int nworkers;             /* ranks that process tiles */
    int threads;              /* tiles this rank's worker processes at once */
    int cores;                /* this rank's share of the node's cores */
    int node_cores;           /* cores of all this job's ranks on this node (the outputs' threads) */
    sw_ql_tiles ql;           /* the quicklook reduced from the tiles' reads (ql.ow = 0: read at the end) */
    /* rank 0 only */
    sw_journal *journal;
    sw_journal_rec *prior;    /* journal records found at start (resume) */
    int64_t nprior;
    /* per-rank statistics */
    int64_t tiles_done, tiles_failed, blocks_written;
    int64_t tiles_failed_input;   /* rank 0: those of tiles_failed that failed on bad input (SW_ERR_INPUT) */
    double t_start, t_plan, t_tiles, t_assemble;
    double t_part[3];         /* rank 0: the workers' seconds reading, in the job, writing, summed */
    /* rank 0: the failed tiles with their reasons (the first SW_RUN_MAX_NOTES), for the report */
    struct {
        uint32_t tile;
        char reason[SW_REASON_MAX];
    } failed[32];
    int nfailed_notes;
    /* the signal that stopped this run (src/core/stop.h), 0 when none: set by the roles when told
     * to stop, and on every rank by sw_mpi_run_roles when it returns SW_INTERRUPTED */
    int stop_sig;
} sw_run_ctx;

/* Rank of reducer r. */
static inline int sw_run_reducer_rank(const sw_run_ctx *c, int r) { return c->size - c->nreducers + r; }
/* Reducer index owning block (bx, by). */
static inline int sw_run_block_owner(const sw_run_ctx *c, int bx, int by) {
    return (int)(((int64_t)by * c->plan.nbx + bx) % c->nreducers);
}

/* ---- worker: one tile, from reading to a durable result ---- */
typedef struct {
    sw_raster *r;
    void *job_ctx;
    uint8_t *pix, *valid, *planes;
    size_t cap;
    sw_result_buf enc;   /* the tile result's encoding */
} sw_worker_state;

sw_status sw_worker_state_init(sw_worker_state *w, const sw_run_ctx *c);
void sw_worker_state_free(sw_worker_state *w, const sw_run_ctx *c);
/* Reads tile `id`, runs the job, writes DIR/tiles/id.bin durably; *bytes = its size, part[3] the
 * seconds spent reading, in the job and writing. */
sw_status sw_tile_work(sw_worker_state *w, const sw_run_ctx *c, uint32_t id, uint32_t *bytes, float part[3]);

/* ---- reducer: one output block from the tiles touching it ---- */
/* The accumulators of one block, allocated once per reducer (the reducer's memory is this, not a
 * function of the image size). */
typedef struct sw_block_scratch sw_block_scratch;
sw_status sw_block_scratch_new(sw_block_scratch **b, const sw_run_ctx *c);
void sw_block_scratch_free(sw_block_scratch *b);
/* Blends the done tiles touching block (bx, by) (tile_status per tile: SW_TILE_DONE are used,
 * failed ones skipped), resolves classes and writes DIR/blocks/bx_by.bin durably. */
sw_status sw_block_reduce(const sw_run_ctx *c, sw_block_scratch *b, int bx, int by, const uint8_t *tile_status);

/* Peak resident set size of this process in KiB (getrusage). */
int64_t sw_peak_rss_kb(void);

#endif
