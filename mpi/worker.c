/* The worker role: asks the master for batches of tile ids (the next request goes out while the
 * last tiles of a batch are processed), runs the tiles (src/run/tile_work.c: read, job, durable
 * result), up to c->threads at once on OpenMP threads (each with its own raster handle and job
 * state; MPI stays on this thread), and reports them. A tile that fails is reported with the
 * reason; the master retries it. A stop (protocol.h) lets the tiles being processed finish and
 * drops the ids not started. */
#include "mpi/protocol.h"
#include "mpi/roles.h"

#include "src/core/log.h"
#include "src/core/stop.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sw_worker {
    sw_run_ctx *c;
    sw_outbox *out;
    sw_worker_state ws[SW_RUN_MAX_THREADS];
    int ready[SW_RUN_MAX_THREADS];          /* ws[t] opened */
    char init_error[SW_RUN_MAX_THREADS][96]; /* why ws[t] could not be opened: its tiles fail with it */
    uint32_t ids[2 * SW_BATCH_MAX];
    int head, n;                 /* ids[head .. head + n) to do */
    uint32_t inbox[SW_BATCH_MAX];
    MPI_Request req;
    int requested, stopped;
    int halted;                  /* told to stop (SW_TAG_STOP): HALTED sent, no tile started since */
    int no_more;                 /* the master answered SW_TILE_STOP: ask no more */
    int64_t tiles_sent, requests_sent;
    int delay_ms;                /* SWATH_TEST_TILE_DELAY_MS (tests only) */
};

sw_status sw_worker_init(sw_worker **out, sw_run_ctx *c, sw_outbox *o) {
    sw_worker *w = sw_calloc(1, sizeof *w, "the worker");
    if (!w) return SW_ERR_RUNTIME;
    w->c = c, w->out = o;
    /* Testing only: a pause after each tile, so that a test can stop a run half-way. */
    const char *d = getenv("SWATH_TEST_TILE_DELAY_MS");
    w->delay_ms = d ? atoi(d) : 0;
    *out = w;
    return SW_OK;
}

static sw_status request(sw_worker *w) {
    /* threads take tiles one by one from 4 each (the master sends at most SW_BATCH_MAX) */
    int want = w->c->threads > 1 ? 4 * w->c->threads : 1;
    sw_msg_request q = {w->c->cfg->batch > want ? w->c->cfg->batch : want};
    sw_status st = sw_outbox_send(w->out, &q, sizeof q, 0, SW_TAG_REQUEST);
    if (st) return st;
    MPI_Irecv(w->inbox, (int)sizeof w->inbox, MPI_BYTE, 0, SW_TAG_BATCH, MPI_COMM_WORLD, &w->req);
    w->requested = 1;
    w->requests_sent++;
    return SW_OK;
}

/* Tile `id` on thread slot k (no MPI here: it may run on an OpenMP thread): fills *t. */
static void work_tile(sw_worker *w, int k, uint32_t id, sw_msg_tile *t) {
    sw_run_ctx *c = w->c;
    memset(t, 0, sizeof *t);
    t->tile = id;
    double t0 = sw_now();
    if (!w->ready[k] && !w->init_error[k][0]) {
        if (sw_worker_state_init(&w->ws[k], c)) snprintf(w->init_error[k], sizeof w->init_error[k], "%s", sw_errmsg());
        else w->ready[k] = 1;
    }
    sw_status st = SW_ERR_INPUT;
    if (w->ready[k]) st = sw_tile_work(&w->ws[k], c, id, &t->bytes, t->part);
    else sw_fail(SW_ERR_INPUT, "%s", w->init_error[k]);
    t->ok = st == SW_OK;
    t->seconds = (float)(sw_now() - t0);
    if (!t->ok) snprintf(t->reason, sizeof t->reason, "%s", sw_errmsg());
}

/* The next n ids (n <= SW_BATCH_MAX) on up to c->threads threads, each taking the next tile as it
 * finishes one (a 2048 tile costs 16 of 512), then their reports in order. */
static sw_status run_tiles(sw_worker *w, int n) {
    sw_run_ctx *c = w->c;
    uint32_t ids[SW_BATCH_MAX];
    sw_msg_tile t[SW_BATCH_MAX];
    int T = c->threads < n ? c->threads : n;
    for (int k = 0; k < n; k++) ids[k] = w->ids[w->head++];
    w->n -= n;
    if (T <= 1)
        for (int k = 0; k < n; k++) work_tile(w, 0, ids[k], &t[k]);
    else {
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
        for (int k = 0; k < n; k++) work_tile(w, omp_get_thread_num(), ids[k], &t[k]);
    }
    for (int k = 0; k < n; k++) {
        if (t[k].ok) c->tiles_done++;
        sw_log(2, "run: rank %d tile %u %s in %.2f s", c->rank, ids[k], t[k].ok ? "done" : "failed", t[k].seconds);
        if (w->delay_ms > 0) usleep((useconds_t)w->delay_ms * 1000);
        w->tiles_sent++;
        sw_status st = sw_outbox_send(w->out, &t[k], sizeof t[k], 0, SW_TAG_TILE);
        if (st) return st;
    }
    return SW_OK;
}

sw_status sw_worker_step(sw_worker *w, int *busy) {
    sw_status st;
    *busy = 0;
    if (w->requested) {
        int done = 0;
        MPI_Status s;
        MPI_Test(&w->req, &done, &s);
        if (done) {
            int bytes = 0;
            MPI_Get_count(&s, MPI_BYTE, &bytes);
            int k = bytes / (int)sizeof(uint32_t);
            w->requested = 0;
            *busy = 1;
            if (k == 1 && w->inbox[0] == SW_TILE_STOP) w->no_more = 1, k = 0;
            else if (k == 0) w->stopped = 1;
            if (w->halted) k = 0;   /* sent before the master was stopping: not started, not journaled */
            if (w->head + w->n + k > (int)(sizeof w->ids / sizeof w->ids[0])) {
                memmove(w->ids, w->ids + w->head, sizeof w->ids[0] * (size_t)w->n);
                w->head = 0;
            }
            memcpy(w->ids + w->head + w->n, w->inbox, sizeof(uint32_t) * (size_t)k);
            w->n += k;
        }
    }
    if (!w->halted) {
        int flag;
        MPI_Status s;
        MPI_Iprobe(0, SW_TAG_STOP, MPI_COMM_WORLD, &flag, &s);
        if (flag) {
            sw_msg_halt h;
            MPI_Recv(&h, sizeof h, MPI_BYTE, 0, SW_TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            w->halted = 1, w->n = 0;
            w->c->stop_sig = h.sig;
            sw_msg_halted q = {w->tiles_sent, w->requests_sent};
            if ((st = sw_outbox_send(w->out, &q, sizeof q, 0, SW_TAG_HALTED))) return st;
            *busy = 1;
        }
    }
    /* Told to stop: ask for nothing more. */
    if (w->halted || w->no_more) return SW_OK;
    /* Ask ahead: the next batch is on its way while the last tiles of this one run. */
    int T = w->c->threads > 0 ? w->c->threads : 1;
    /* tiles per run_tiles call; asking when at most SW_BATCH_MAX are left keeps ids[] (2 x
     * SW_BATCH_MAX) from overflowing with the next batch */
    int B = T > 1 ? (4 * T < SW_BATCH_MAX ? 4 * T : SW_BATCH_MAX) : 1;
    if (!w->requested && !w->stopped && w->n <= B && (st = request(w))) return st;
    /* A signal here: start no tile until the master answers (SW_TAG_STOP, or the empty batch when
     * every tile is journaled already). */
    if (w->n > 0 && !sw_stop_requested()) {
        if ((st = run_tiles(w, w->n < B ? w->n : B))) return st;
        *busy = 1;
    }
    return SW_OK;
}

int sw_worker_done(const sw_worker *w) {
    if (w->halted) return !w->requested;
    return w->stopped && w->n == 0 && !w->requested;
}

void sw_worker_free(sw_worker *w) {
    if (!w) return;
    for (int k = 0; k < SW_RUN_MAX_THREADS; k++)
        if (w->ready[k]) sw_worker_state_free(&w->ws[k], w->c);
    free(w);
}
