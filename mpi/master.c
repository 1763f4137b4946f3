/* The master role (rank 0): hands out batches of tile ids in plan (locality) order, a group of
 * tiles (a largest-scale tile and the smaller ones after it, src/run/plan.c) to one worker at a
 * time so that its reader decodes their source blocks once; then it journals
 * finished tiles, retries failed ones once, tells the reducers which tiles are ready, reports
 * progress, and knows when the run is complete. On a stop request from any rank it hands out no
 * more tiles, journals the tiles in flight, lets the reducers write the blocks those complete and
 * ends the run early (protocol.h). */
#include "mpi/protocol.h"
#include "mpi/roles.h"

#include "src/core/log.h"
#include "src/core/stop.h"
#include "src/run/results.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTEMPTS 2

#define PEND_MAX 256   /* journal records appended at once, at most */

struct sw_master {
    sw_run_ctx *c;
    sw_outbox *out;
    uint8_t *status, *attempts;   /* (ntiles) */
    uint32_t *queue;              /* pending tile ids in plan order; groups from head are unclaimed */
    int64_t head, tail, left;     /* left: ids in the queue not served yet */
    int64_t *gcur, *gend;         /* (size) the group a rank works through: queue[gcur, gend) */
    int maxside;                  /* a tile of this side starts a group */
    uint32_t *retry;              /* failed once: served before the queue */
    int64_t nretry;
    int32_t *waiting;             /* ranks whose request is deferred; want per rank */
    uint8_t *sent;                /* (nreducers) scratch of notify_reducers */
    uint16_t *unwritten;          /* (ntiles) blocks the tile touches that are not on disk yet */
    int64_t nblocks;              /* blocks reported on disk */
    uint32_t *ids;                /* (nids_cap) scratch of on_block */
    int nids_cap;
    int64_t nfinished, nfailed, appends;
    int64_t nfailed_input;        /* of nfailed: on bad input (SW_ERR_INPUT) */
    int64_t nfailed_prior;        /* of nfailed: journaled failed by an earlier run (not retried) */
    int nreduced, nstopped;
    double px_done, t_start, t_last;
    int64_t tiles_this_run;
    int64_t peak_rss_reducer;
    /* stopping (protocol.h): per rank, messages received and the totals a halted worker sent */
    int stopping;                 /* the signal, 0 while running */
    int64_t *tiles_recv, *requests_recv, *halt_tiles, *halt_requests;   /* (size) */
    uint8_t *halted;              /* (size) */
    int nhalted, finish_sent;
    int64_t *ready_sent, *ready_expected;   /* (nreducers) */
    int64_t blocks_announced;     /* sum of the reducers' SW_TAG_REDUCED `announced` */
    double t_stop;
    /* journal records of this step's tiles, not yet appended (flush_journal: one fdatasync) */
    sw_journal_rec pend[PEND_MAX];
    int npend;
};

/* Ranks that run the worker role (the rule of assign_roles in src/run/run.c). */
static int is_worker_rank(const sw_run_ctx *c, int r) {
    if (c->size > c->nreducers + 1) return r >= 1 && r < c->size - c->nreducers;
    return 1;
}

static void note_failed(sw_run_ctx *c, uint32_t id, const char *reason) {
    int n = (int)(sizeof c->failed / sizeof c->failed[0]);
    if (c->nfailed_notes >= n) return;
    c->failed[c->nfailed_notes].tile = id;
    snprintf(c->failed[c->nfailed_notes].reason, sizeof c->failed[0].reason, "%s", reason);
    c->nfailed_notes++;
}

static sw_status notify_reducers(sw_master *m, uint32_t id, int status) {
    sw_run_ctx *c = m->c;
    int bx0, by0, bx1, by1;
    sw_plan_tile_blocks(&c->plan, &c->plan.tiles[id], &bx0, &by0, &bx1, &by1);
    memset(m->sent, 0, (size_t)c->nreducers);
    sw_msg_ready msg = {id, status};
    for (int by = by0; by <= by1; by++)
        for (int bx = bx0; bx <= bx1; bx++) {
            int r = sw_run_block_owner(c, bx, by);
            if (m->sent[r]) continue;
            m->sent[r] = 1;
            sw_status st = sw_outbox_send(m->out, &msg, sizeof msg, sw_run_reducer_rank(c, r), SW_TAG_READY);
            if (st) return st;
            m->ready_sent[r]++;
        }
    return SW_OK;
}

sw_status sw_master_init(sw_master **out, sw_run_ctx *c, sw_outbox *o) {
    sw_master *m = sw_calloc(1, sizeof *m, "the master");
    if (!m) return SW_ERR_RUNTIME;
    int64_t T = c->plan.ntiles;
    m->c = c, m->out = o;
    m->status = sw_calloc((size_t)T + 1, 1, "tile states");
    m->attempts = sw_calloc((size_t)T + 1, 1, "tile attempts");
    m->queue = sw_malloc(sizeof *m->queue * (size_t)(T + 1), "the tile queue");
    m->gcur = sw_calloc((size_t)c->size, sizeof *m->gcur, "per-rank groups");
    m->gend = sw_calloc((size_t)c->size, sizeof *m->gend, "per-rank groups");
    for (int s = 0; s < c->plan.nscales; s++) m->maxside = c->plan.side[s] > m->maxside ? c->plan.side[s] : m->maxside;
    m->retry = sw_malloc(sizeof *m->retry * (size_t)(T + 1), "the retry queue");
    m->waiting = sw_calloc((size_t)c->size, sizeof *m->waiting, "deferred requests");
    m->sent = sw_calloc((size_t)c->nreducers, 1, "reducer flags");
    m->unwritten = sw_malloc(sizeof *m->unwritten * (size_t)(T + 1), "tile block counts");
    m->nids_cap = sw_plan_max_tiles_in(&c->plan, c->plan.block, c->plan.block);
    m->ids = sw_malloc(sizeof *m->ids * (size_t)m->nids_cap, "a block's tile list");
    size_t S = (size_t)c->size, R = (size_t)c->nreducers;
    m->tiles_recv = sw_calloc(S, sizeof(int64_t), "per-rank counts");
    m->requests_recv = sw_calloc(S, sizeof(int64_t), "per-rank counts");
    m->halt_tiles = sw_calloc(S, sizeof(int64_t), "per-rank counts");
    m->halt_requests = sw_calloc(S, sizeof(int64_t), "per-rank counts");
    m->halted = sw_calloc(S, 1, "per-rank flags");
    m->ready_sent = sw_calloc(R, sizeof(int64_t), "per-reducer counts");
    m->ready_expected = sw_calloc(R, sizeof(int64_t), "per-reducer counts");
    if (!m->status || !m->attempts || !m->queue || !m->gcur || !m->gend || !m->retry || !m->waiting || !m->sent || !m->unwritten || !m->ids ||
        !m->tiles_recv || !m->requests_recv || !m->halt_tiles || !m->halt_requests || !m->halted || !m->ready_sent ||
        !m->ready_expected) {
        sw_master_free(m);
        return SW_ERR_RUNTIME;
    }
    *out = m;
    for (int64_t i = 0; i < T; i++) {
        int bx0, by0, bx1, by1;
        sw_plan_tile_blocks(&c->plan, &c->plan.tiles[i], &bx0, &by0, &bx1, &by1);
        m->unwritten[i] = (uint16_t)((bx1 - bx0 + 1) * (by1 - by0 + 1));
        /* READY messages each reducer expects in a whole run: one per tile touching its blocks. */
        memset(m->sent, 0, R);
        for (int by = by0; by <= by1; by++)
            for (int bx = bx0; bx <= bx1; bx++) {
                int r = sw_run_block_owner(c, bx, by);
                if (!m->sent[r]) m->sent[r] = 1, m->ready_expected[r]++;
            }
    }
    /* Journal replay: tiles finished by an earlier run are not run again. */
    for (int64_t i = 0; i < c->nprior; i++) {
        const sw_journal_rec *r = &c->prior[i];
        if (r->tile >= T || m->status[r->tile]) continue;
        m->status[r->tile] = r->status;
        m->nfinished++;
        if (r->status == SW_TILE_FAILED) {
            m->nfailed++, m->nfailed_prior++, m->nfailed_input += r->code == SW_ERR_INPUT;
            note_failed(c, r->tile, r->reason);
        }
        sw_status st = notify_reducers(m, r->tile, r->status);
        if (st) return st;
    }
    for (int64_t i = 0; i < T; i++)
        if (!m->status[i]) m->queue[m->tail++] = (uint32_t)i;
    m->tiles_this_run = m->left = m->tail;
    if (c->nprior)
        sw_log(1, "run: resuming: %lld of %lld tiles already journaled, %lld to go", (long long)m->nfinished,
               (long long)T, (long long)m->tail);
    /* Not retried: the blocks they touch are written without them, and the results of the other
     * tiles of those blocks are deleted (a retry would redo them all); a new folder runs them. */
    if (m->nfailed_prior)
        sw_log(1, "run: resuming: %lld of them failed for good in an earlier run; --resume does not retry failed "
                  "tiles (start a new --out folder to run them again)", (long long)m->nfailed_prior);
    m->t_start = m->t_last = sw_now();
    return SW_OK;
}

/* Progress of the run: a bar on a terminal; JSON lines when stderr is not a terminal (log files,
 * SLURM output) or with SWATH_PROGRESS=json; plain log lines with SWATH_PROGRESS=log. Its rate is
 * of tile pixels (every scale, overlaps counted each time) per second of the tile phase, named
 * tile_mpx_per_s: report.json's mpx_per_s is mosaic pixels per second of the whole run. */
static void progress(sw_master *m, int force) {
    double t = sw_now();
    if (!force && t - m->t_last < 1.0) return;
    m->t_last = t;
    if (sw_log_level() < 1) return;
    int64_t T = m->c->plan.ntiles, done = m->nfinished;
    double el = t - m->t_start, mpx = m->px_done / 1e6 / (el > 1e-9 ? el : 1e-9);
    int64_t this_run = m->tiles_this_run - m->left - m->nretry;
    double frac = m->tiles_this_run ? (double)this_run / (double)m->tiles_this_run : 1.0;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    double pct = T ? 100.0 * done / T : 100.0;
    const char *mode = getenv("SWATH_PROGRESS");
    int json = mode ? !strcmp(mode, "json") : !isatty(2), log = mode && !strcmp(mode, "log");
    if (json && !log) {
        fprintf(stderr, "{\"event\": \"progress\", \"tiles_done\": %lld, \"tiles_total\": %lld, \"tiles_failed\": %lld, "
                        "\"tile_mpx_per_s\": %.2f, \"elapsed_s\": %.1f, \"eta_s\": %.1f}\n",
                (long long)done, (long long)T, (long long)m->nfailed, mpx, el, eta);
    } else if (!log) {
        char bar[31];
        int k = (int)(pct * 30 / 100);
        for (int i = 0; i < 30; i++) bar[i] = i < k ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r[%s] tiles %lld/%lld %3.0f%%  %.1f tile Mpx/s  eta %.0f s   %s", bar, (long long)done, (long long)T, pct,
                mpx, eta, force ? "\n" : "");
    } else {
        sw_log(1, "run: tiles %lld/%lld (%.0f%%), %.1f tile Mpx/s, %.1f s elapsed, eta %.1f s", (long long)done, (long long)T,
               pct, mpx, el, eta);
    }
    fflush(stderr);
}

/* Appends the pending records with one write and one fdatasync, then applies them: a tile counts
 * as finished (and its reducers hear of it) only once its record is durable. On a 2-core node the
 * master's fdatasync per tile was about 0.05 s of its event loop for the 105 tiles of 4096^2. */
static sw_status flush_journal(sw_master *m) {
    if (!m->npend) return SW_OK;
    sw_status st = sw_journal_append_many(m->c->journal, m->pend, m->npend);
    if (st) return st;
    int n = m->npend;
    m->npend = 0;
    for (int k = 0; k < n; k++) {
        const sw_journal_rec *r = &m->pend[k];
        m->appends++;
        m->nfinished++;
        if (r->status == SW_TILE_FAILED) note_failed(m->c, r->tile, r->reason);
        const sw_tile *tl = &m->c->plan.tiles[r->tile];
        m->px_done += (double)tl->w * tl->h;
        if ((st = notify_reducers(m, r->tile, r->status))) return st;
    }
    if (m->c->cfg->kill_after > 0 && m->appends == m->c->cfg->kill_after) {
        sw_log(1, "run: --test-kill-after %lld: killing rank 0", (long long)m->appends);
        raise(SIGKILL);
    }
    return SW_OK;
}

/* Tile `id` finished (done, or failed for good): its record queued for flush_journal. */
static sw_status journal(sw_master *m, uint32_t id, int status, const sw_msg_tile *t, int rank) {
    sw_journal_rec *r = &m->pend[m->npend++];
    memset(r, 0, sizeof *r);
    r->tile = id, r->status = (uint8_t)status, r->attempts = m->attempts[id], r->rank = rank;
    r->seconds = t->seconds, r->bytes = t->bytes, r->code = status == SW_TILE_FAILED ? (uint16_t)t->code : 0;
    for (int k = 0; k < 3; k++) m->c->t_part[k] += t->part[k];
    memcpy(r->reason, t->reason, sizeof r->reason);
    m->status[id] = (uint8_t)status;   /* a repeated report of it is ignored from now on */
    /* --test-kill-after N: the N-th record ends its batch, so that the kill follows it exactly */
    int64_t kill = m->c->cfg->kill_after;
    if (m->npend == PEND_MAX || (kill > 0 && m->appends + m->npend == kill)) return flush_journal(m);
    return SW_OK;
}

static sw_status on_tile(sw_master *m, const sw_msg_tile *t, int rank) {
    uint32_t id = t->tile;
    m->tiles_recv[rank]++;
    if (id >= m->c->plan.ntiles || m->status[id]) return SW_OK;   /* stale or repeated */
    m->attempts[id]++;
    if (t->ok) return journal(m, id, SW_TILE_DONE, t, rank);
    if (m->attempts[id] < MAX_ATTEMPTS) {
        sw_log(1, "run: tile %u failed on rank %d (attempt %d, will retry): %s", id, rank, m->attempts[id], t->reason);
        m->retry[m->nretry++] = id;
        return SW_OK;
    }
    sw_log(1, "run: tile %u failed for good on rank %d after %d attempts: %s", id, rank, m->attempts[id], t->reason);
    m->nfailed++;
    m->nfailed_input += t->code == SW_ERR_INPUT;
    return journal(m, id, SW_TILE_FAILED, t, rank);
}

/* Block (bx, by) is on disk: tiles whose every block is on disk need their result no more. */
static void on_block(sw_master *m, int bx, int by) {
    const sw_plan *p = &m->c->plan;
    m->nblocks++;
    int x, y, w, h;
    sw_plan_block_rect(p, bx, by, &x, &y, &w, &h);
    int n = sw_plan_tiles_in(p, x, y, w, h, m->ids, m->nids_cap);
    for (int k = 0; k < n; k++) {
        uint32_t i = m->ids[k];
        if (m->unwritten[i] && --m->unwritten[i] == 0 && !m->c->cfg->keep_tiles) sw_tile_result_remove(m->c->cfg->out, i);
    }
}

/* The next tile for rank r, or -1: from r's group; else the next unclaimed group, which becomes
 * r's; else the last tile of the largest group another rank still works through. */
static int64_t take(sw_master *m, int r) {
    if (m->gcur[r] < m->gend[r]) {
        m->left--;
        return m->queue[m->gcur[r]++];
    }
    if (m->head < m->tail) {
        int64_t a = m->head, b = a + 1;
        while (b < m->tail && m->c->plan.side[m->c->plan.tiles[m->queue[b]].scale] != m->maxside) b++;
        m->head = b, m->gcur[r] = a + 1, m->gend[r] = b;
        m->left--;
        return m->queue[a];
    }
    int v = -1;
    int64_t most = 0;
    for (int q = 0; q < m->c->size; q++)
        if (m->gend[q] - m->gcur[q] > most) most = m->gend[q] - m->gcur[q], v = q;
    if (v < 0) return -1;
    m->left--;
    return m->queue[--m->gend[v]];
}

/* Answers deferred requests: a batch when there is work, an empty batch once all is finished. */
static sw_status serve(sw_master *m) {
    sw_run_ctx *c = m->c;
    for (int r = 0; r < c->size; r++) {
        if (!m->waiting[r]) continue;
        uint32_t ids[SW_BATCH_MAX];
        int n = 0;
        if (m->stopping) {   /* no more tiles: a stop is under way */
            ids[0] = SW_TILE_STOP;
            sw_status st = sw_outbox_send(m->out, ids, (int)sizeof(uint32_t), r, SW_TAG_BATCH);
            if (st) return st;
            m->waiting[r] = 0;
            continue;
        }
        while (n < m->waiting[r] && m->nretry) ids[n++] = m->retry[--m->nretry];
        for (int64_t id; n < m->waiting[r] && (id = take(m, r)) >= 0;) ids[n++] = (uint32_t)id;
        if (n == 0 && m->nfinished < c->plan.ntiles) continue;   /* tiles in flight may come back */
        sw_status st = sw_outbox_send(m->out, ids, n * (int)sizeof(uint32_t), r, SW_TAG_BATCH);
        if (st) return st;
        if (n == 0) m->nstopped++;
        m->waiting[r] = 0;
    }
    return SW_OK;
}

static void log_stopped(sw_master *m) {
    int64_t T = m->c->plan.ntiles;
    sw_log(1, "run: stopped by %s in %.1f s: %lld of %lld tiles journaled (%lld in this run); run again with --resume",
           sw_stop_signame(m->stopping), sw_now() - m->t_stop, (long long)m->nfinished, (long long)T,
           (long long)m->appends);
}

/* A rank was asked to stop: stop every worker (once). Ignored once every tile is journaled: the run
 * then ends its tile phase as usual and stops before assembling (sw_mpi_run_roles). */
static sw_status on_halt(sw_master *m, const sw_msg_halt *h) {
    sw_run_ctx *c = m->c;
    if (m->stopping) return SW_OK;
    if (m->nfinished == c->plan.ntiles) {
        sw_log(1, "run: %s on rank %d after the last tile: stopping before the assembly", sw_stop_signame(h->sig), h->rank);
        return SW_OK;
    }
    m->stopping = h->sig ? h->sig : 1;
    c->stop_sig = m->stopping;
    m->t_stop = sw_now();
    sw_log(1, "run: %s on rank %d: no new tiles; finishing and journaling the tiles in flight", sw_stop_signame(h->sig),
           h->rank);
    sw_msg_halt stop = {m->stopping, h->rank};
    for (int r = 0; r < c->size; r++) {
        if (!is_worker_rank(c, r)) continue;
        sw_status st = sw_outbox_send(m->out, &stop, sizeof stop, r, SW_TAG_STOP);
        if (st) return st;
    }
    return SW_OK;
}

/* While stopping: every worker halted and each of its tiles and requests handled. */
static int workers_quiet(const sw_master *m) {
    const sw_run_ctx *c = m->c;
    if (m->nhalted < c->nworkers) return 0;
    for (int r = 0; r < c->size; r++)
        if (m->halted[r] && (m->tiles_recv[r] != m->halt_tiles[r] || m->requests_recv[r] != m->halt_requests[r] ||
                             m->waiting[r]))
            return 0;
    return 1;
}

/* While stopping, once no tile can arrive any more: tell each reducer that still waits for READY
 * messages how many it was sent (the others finish by themselves). */
static sw_status finish_reducers(sw_master *m) {
    sw_run_ctx *c = m->c;
    for (int r = 0; r < c->nreducers; r++) {
        if (m->ready_sent[r] == m->ready_expected[r]) continue;
        sw_msg_finish f = {m->ready_sent[r], m->stopping};
        sw_status st = sw_outbox_send(m->out, &f, sizeof f, sw_run_reducer_rank(c, r), SW_TAG_FINISH);
        if (st) return st;
    }
    m->finish_sent = 1;
    return SW_OK;
}

sw_status sw_master_step(sw_master *m, int *busy) {
    MPI_Status s;
    int flag;
    sw_status st;
    *busy = 0;
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_TILE, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_tile t;
        MPI_Recv(&t, sizeof t, MPI_BYTE, s.MPI_SOURCE, SW_TAG_TILE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        t.reason[sizeof t.reason - 1] = 0;
        if ((st = on_tile(m, &t, s.MPI_SOURCE))) return st;
        *busy = 1;
    }
    if ((st = flush_journal(m))) return st;
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_REQUEST, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_request q;
        MPI_Recv(&q, sizeof q, MPI_BYTE, s.MPI_SOURCE, SW_TAG_REQUEST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        m->waiting[s.MPI_SOURCE] = q.want < 1 ? 1 : q.want > SW_BATCH_MAX ? SW_BATCH_MAX : q.want;
        m->requests_recv[s.MPI_SOURCE]++;
        *busy = 1;
    }
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_HALT, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_halt h;
        MPI_Recv(&h, sizeof h, MPI_BYTE, s.MPI_SOURCE, SW_TAG_HALT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if ((st = on_halt(m, &h))) return st;
        *busy = 1;
    }
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_HALTED, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_halted h;
        MPI_Recv(&h, sizeof h, MPI_BYTE, s.MPI_SOURCE, SW_TAG_HALTED, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!m->halted[s.MPI_SOURCE]) m->nhalted++;
        m->halted[s.MPI_SOURCE] = 1;
        m->halt_tiles[s.MPI_SOURCE] = h.tiles, m->halt_requests[s.MPI_SOURCE] = h.requests;
        *busy = 1;
    }
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_BLOCK, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_block q;
        MPI_Recv(&q, sizeof q, MPI_BYTE, s.MPI_SOURCE, SW_TAG_BLOCK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        on_block(m, q.bx, q.by);
        *busy = 1;
    }
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, SW_TAG_REDUCED, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_reduced q;
        MPI_Recv(&q, sizeof q, MPI_BYTE, s.MPI_SOURCE, SW_TAG_REDUCED, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        m->nreduced++;
        m->blocks_announced += q.announced;
        sw_log(2, "run: reducer rank %d wrote %d blocks, peak RSS %lld KiB", s.MPI_SOURCE, q.blocks,
               (long long)q.peak_rss_kb);
        *busy = 1;
    }
    if ((st = serve(m))) return st;
    if (m->stopping && !m->finish_sent && workers_quiet(m)) {
        if ((st = finish_reducers(m))) return st;
        *busy = 1;
    }
    progress(m, 0);
    if (m->stopping && sw_master_done(m)) {
        log_stopped(m);
        return SW_OK;
    }
    if (sw_master_done(m)) {
        progress(m, 1);
        m->c->tiles_failed = m->nfailed;
        m->c->tiles_failed_input = m->nfailed_input;
        for (int64_t i = 0, k = 0; i < m->c->plan.ntiles && k < 20; i++)
            if (m->status[i] == SW_TILE_FAILED) {
                const sw_tile *t = &m->c->plan.tiles[i];
                sw_log(1, "run: failed tile %lld: %d,%d %dx%d (scale %d)", (long long)i, t->x, t->y, t->w, t->h,
                       m->c->cfg->scales[t->scale]);
                k++;
            }
    }
    return SW_OK;
}

int sw_master_done(const sw_master *m) {
    if (m->stopping)
        return m->finish_sent && m->nreduced == m->c->nreducers && m->nblocks == m->blocks_announced;
    return m->nfinished == m->c->plan.ntiles && m->nreduced == m->c->nreducers && m->nstopped == m->c->nworkers &&
           m->nblocks == (int64_t)m->c->plan.nbx * m->c->plan.nby;
}

void sw_master_free(sw_master *m) {
    if (!m) return;
    free(m->status), free(m->attempts), free(m->queue), free(m->gcur), free(m->gend), free(m->retry), free(m->waiting), free(m->sent);
    free(m->unwritten), free(m->ids);
    free(m->tiles_recv), free(m->requests_recv), free(m->halt_tiles), free(m->halt_requests), free(m->halted);
    free(m->ready_sent), free(m->ready_expected);
    free(m);
}
