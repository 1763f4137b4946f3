/* The worker role: asks the master for batches of tile ids (the next request goes out while the
 * tiles already received are processed), runs the tiles (src/run/tile_work.c: read, job, durable
 * result) and reports them. c->threads = T pool threads take the ids one at a time from a shared
 * queue (each with its own job state and raster handle, the handles sharing one cache of decoded
 * source tiles, io/raster.h) while the event loop's thread only talks MPI: the master and reducer
 * on the same rank answer at once even while a 2048 tile is processed (under mpiexec -n 2 the
 * other rank waited 0.13 s for its first batch when rank 0 processed tiles on its event loop), a
 * 2048 tile on one thread does not hold the others up, and the threads working through one group
 * of tiles decode its blocks once. A tile
 * that fails is reported with the reason; the master retries it. A stop (protocol.h) lets the
 * tiles being processed finish, drops the ids not started, and sends HALTED once the last of them
 * is reported. */
#include "mpi/protocol.h"
#include "mpi/roles.h"

#include "src/core/log.h"
#include "src/core/stop.h"
#include "src/run/results.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDS_CAP (2 * SW_BATCH_MAX)

struct sw_worker {
    sw_run_ctx *c;
    sw_outbox *out;
    sw_worker_state ws[SW_RUN_MAX_THREADS];
    int ready[SW_RUN_MAX_THREADS];          /* ws[t] opened */
    char init_error[SW_RUN_MAX_THREADS][SW_REASON_MAX]; /* why ws[t] could not be opened: its tiles fail with it */
    sw_status init_code[SW_RUN_MAX_THREADS];
    uint32_t inbox[SW_BATCH_MAX];
    MPI_Request req;
    int requested, stopped;
    int halted;                  /* told to stop (SW_TAG_STOP): no tile started since */
    int halted_sent;             /* HALTED sent: after the tiles in flight at the stop were reported */
    int no_more;                 /* the master answered SW_TILE_STOP: ask no more */
    int64_t tiles_sent, requests_sent;
    int delay_ms;                /* SWATH_TEST_TILE_DELAY_MS (tests only) */
    /* The queue, guarded by mu: ids[head .. head + n) to do, `inflight` being
     * processed, done[0 .. ndone) reports not yet sent (each id is in one of the three). */
    pthread_mutex_t mu;
    pthread_cond_t work_cv;      /* ids queued, or quit */
    uint32_t ids[IDS_CAP];
    int head, n, inflight;
    sw_msg_tile done[IDS_CAP + SW_RUN_MAX_THREADS];
    int ndone;
    int quit;
    pthread_t pool[SW_RUN_MAX_THREADS];
    struct pool_arg {
        struct sw_worker *w;
        int k;             /* the thread's state slot */
    } pool_arg[SW_RUN_MAX_THREADS];
    int npool;
};

/* Tile `id` with state slot k (no MPI here: it may run on a pool thread): fills *t. */
static void work_tile(sw_worker *w, int k, uint32_t id, sw_msg_tile *t) {
    sw_run_ctx *c = w->c;
    memset(t, 0, sizeof *t);
    t->tile = id;
    double t0 = sw_now();
    sw_status st = w->init_code[k];
    if (w->ready[k]) st = sw_tile_work(&w->ws[k], c, id, &t->bytes, t->part);
    else sw_fail(st, "%s", w->init_error[k]);
    t->ok = st == SW_OK;
    t->code = (int32_t)st;
    t->seconds = (float)(sw_now() - t0);
    if (!t->ok) sw_msg_fit(t->reason, sizeof t->reason, sw_errmsg(), c->cfg->input);
    /* Testing only: a pause after each tile, so that a test can stop a run half-way. */
    if (w->delay_ms > 0) usleep((useconds_t)w->delay_ms * 1000);
}

static void *pool_thread(void *arg) {
    const struct pool_arg *a = arg;
    sw_worker *w = a->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        /* a stop request on this rank: start nothing until the master answers (it drops the ids) */
        while (!w->quit && (w->n == 0 || sw_stop_requested()))
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (w->quit) break;
        uint32_t id = w->ids[w->head++];
        w->n--, w->inflight++;
        pthread_mutex_unlock(&w->mu);
        sw_msg_tile t;
        work_tile(w, a->k, id, &t);
        pthread_mutex_lock(&w->mu);
        w->done[w->ndone++] = t;
        w->inflight--;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

sw_status sw_worker_init(sw_worker **out, sw_run_ctx *c, sw_outbox *o) {
    sw_worker *w = sw_calloc(1, sizeof *w, "the worker");
    if (!w) return SW_ERR_RUNTIME;
    w->c = c, w->out = o;
    const char *d = getenv("SWATH_TEST_TILE_DELAY_MS");
    w->delay_ms = d ? atoi(d) : 0;
    int T = c->threads > 1 ? c->threads : 1;
    /* Every thread's state now, on this thread: one that cannot be opened fails its tiles with the
     * reason (the master retries them, on other ranks too). The handles share the first one's
     * decoded tiles. */
    for (int k = 0; k < T; k++) {
        if ((w->init_code[k] = sw_worker_state_init(&w->ws[k], c))) {
            sw_msg_fit(w->init_error[k], sizeof w->init_error[k], sw_errmsg(), c->cfg->input);
            continue;
        }
        w->ready[k] = 1;
        if (k > 0 && w->ready[0]) sw_raster_share_tiles(w->ws[k].r, w->ws[0].r);
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    for (int k = 0; k < T; k++) {
        w->pool_arg[k] = (struct pool_arg){w, k};
        if (pthread_create(&w->pool[k], NULL, pool_thread, &w->pool_arg[k]) != 0) break;
        w->npool++;
    }
    if (w->npool == 0) {
        sw_worker_free(w);
        return sw_fail(SW_ERR_RUNTIME, "rank %d: cannot start its %d tile threads", c->rank, T);
    }
    *out = w;
    return SW_OK;
}

static sw_status request(sw_worker *w, int want) {
    sw_msg_request q = {w->c->cfg->batch > want ? w->c->cfg->batch : want};
    sw_status st = sw_outbox_send(w->out, &q, sizeof q, 0, SW_TAG_REQUEST);
    if (st) return st;
    MPI_Irecv(w->inbox, (int)sizeof w->inbox, MPI_BYTE, 0, SW_TAG_BATCH, MPI_COMM_WORLD, &w->req);
    w->requested = 1;
    w->requests_sent++;
    return SW_OK;
}

/* Sends the reports of done[0 .. n), in order. */
static sw_status report(sw_worker *w, const sw_msg_tile *t, int n) {
    sw_run_ctx *c = w->c;
    for (int k = 0; k < n; k++) {
        if (t[k].ok) c->tiles_done++;
        sw_log(2, "run: rank %d tile %u %s in %.2f s", c->rank, t[k].tile, t[k].ok ? "done" : "failed", t[k].seconds);
        w->tiles_sent++;
        sw_status st = sw_outbox_send(w->out, &t[k], sizeof t[k], 0, SW_TAG_TILE);
        if (st) return st;
    }
    return SW_OK;
}

sw_status sw_worker_step(sw_worker *w, int *busy) {
    sw_status st;
    *busy = 0;
    pthread_mutex_lock(&w->mu);
    if (w->requested) {
        int got = 0;
        MPI_Status s;
        MPI_Test(&w->req, &got, &s);
        if (got) {
            int bytes = 0;
            MPI_Get_count(&s, MPI_BYTE, &bytes);
            int k = bytes / (int)sizeof(uint32_t);
            w->requested = 0;
            *busy = 1;
            if (k == 1 && w->inbox[0] == SW_TILE_STOP) w->no_more = 1, k = 0;
            else if (k == 0) w->stopped = 1;
            if (w->halted) k = 0;   /* sent before the master was stopping: not started, not journaled */
            if (w->head + w->n + k > IDS_CAP) {
                memmove(w->ids, w->ids + w->head, sizeof w->ids[0] * (size_t)w->n);
                w->head = 0;
            }
            memcpy(w->ids + w->head + w->n, w->inbox, sizeof(uint32_t) * (size_t)k);
            w->n += k;
            if (k) pthread_cond_broadcast(&w->work_cv);
        }
    }
    if (!w->halted) {
        int flag;
        MPI_Status s;
        MPI_Iprobe(0, SW_TAG_STOP, MPI_COMM_WORLD, &flag, &s);
        if (flag) {
            sw_msg_halt h;
            MPI_Recv(&h, sizeof h, MPI_BYTE, 0, SW_TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            w->halted = 1, w->n = 0;   /* the ids not started are dropped */
            w->c->stop_sig = h.sig;
            *busy = 1;
        }
    }
    /* The pool's finished tiles. */
    sw_msg_tile done[IDS_CAP + SW_RUN_MAX_THREADS];
    int ndone = w->ndone, inflight = w->inflight, left = w->n;
    memcpy(done, w->done, sizeof done[0] * (size_t)ndone);
    w->ndone = 0;
    pthread_mutex_unlock(&w->mu);
    if (ndone) {
        /* the renames of these tiles' results made durable at once, before any is reported */
        int any = 0;
        for (int k = 0; k < ndone; k++) any |= done[k].ok;
        sw_status sync = any ? sw_results_sync_tiles(w->c->cfg->out) : SW_OK;
        if (sync)
            for (int k = 0; k < ndone; k++)
                if (done[k].ok) {
                    done[k].ok = 0, done[k].code = (int32_t)sync;
                    sw_msg_fit(done[k].reason, sizeof done[k].reason, sw_errmsg(), w->c->cfg->out);
                }
        if ((st = report(w, done, ndone))) return st;
        *busy = 1;
    }
    if (w->halted) {
        /* HALTED is this worker's last message: once every tile in flight at the stop is reported. */
        if (!w->halted_sent && inflight == 0) {
            sw_msg_halted q = {w->tiles_sent, w->requests_sent};
            if ((st = sw_outbox_send(w->out, &q, sizeof q, 0, SW_TAG_HALTED))) return st;
            w->halted_sent = 1, *busy = 1;
        }
        return SW_OK;
    }
    if (w->no_more) return SW_OK;
    /* Ask ahead: the next batch is on its way while the ids at hand are processed. The pool asks
     * for 4 per thread (2 for one thread; at most SW_BATCH_MAX) when that many or fewer are left,
     * so ids[] (2 x SW_BATCH_MAX) cannot overflow with the next batch. */
    int T = w->npool;
    int B = T > 1 ? (4 * T < SW_BATCH_MAX ? 4 * T : SW_BATCH_MAX) : 2;
    if (!w->requested && !w->stopped && left <= B && (st = request(w, B))) return st;
    return SW_OK;
}

int sw_worker_done(const sw_worker *w) {
    if (w->halted) return w->halted_sent && !w->requested;
    pthread_mutex_t *mu = (pthread_mutex_t *)&w->mu;   /* the pool's counts */
    pthread_mutex_lock(mu);
    int idle = w->n == 0 && w->inflight == 0 && w->ndone == 0;
    pthread_mutex_unlock(mu);
    return w->stopped && !w->requested && idle;
}

void sw_worker_free(sw_worker *w) {
    if (!w) return;
    if (w->npool) {   /* 0 only when sw_worker_init failed to start them */
        pthread_mutex_lock(&w->mu);
        w->quit = 1;
        pthread_cond_broadcast(&w->work_cv);
        pthread_mutex_unlock(&w->mu);
        for (int k = 0; k < w->npool; k++) pthread_join(w->pool[k], NULL);
    }
    pthread_cond_destroy(&w->work_cv);
    pthread_mutex_destroy(&w->mu);
    for (int k = 0; k < SW_RUN_MAX_THREADS; k++)
        if (w->ready[k]) sw_worker_state_free(&w->ws[k], w->c);
    free(w);
}
