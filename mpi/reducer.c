/* The reducer role: owns the output blocks b with b mod R = its index; counts the ready tiles
 * touching each (the plan knows how many there are) and reduces a block (src/run/block.c) as soon
 * as its last tile is ready. It holds no pixels between blocks: a block is blended from the
 * durable tile results when it is complete, then written and freed. Blocks already on disk (a
 * resumed run) are skipped. It expects exactly one READY message per tile touching its blocks, or,
 * when the run is stopping, as many as SW_TAG_FINISH says were sent (protocol.h). On a rank that
 * also works and has a core to spare (one process on a node of several cores), blocks are reduced
 * on a thread of their own while the event loop runs tiles; MPI stays on the loop's thread, which
 * announces a block once the thread has written it. */
#include "mpi/protocol.h"
#include "mpi/roles.h"

#include "src/core/log.h"
#include "src/run/results.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sw_reducer {
    sw_run_ctx *c;
    sw_outbox *out;
    uint8_t *tile_status;     /* (ntiles) as told by the master */
    uint32_t *need, *have;    /* (nblocks) tiles touching the block; ready so far */
    uint8_t *written;         /* (nblocks) */
    sw_block_scratch *scratch;
    int64_t expected, received, pending;
    int announced;
    int32_t nannounced;       /* SW_TAG_BLOCK messages sent */
    int finishing;            /* SW_TAG_FINISH received: `expected` is its count */
    /* the reducing thread (threaded = 1): blocks b = by * nbx + bx to reduce, and reduced */
    int threaded, quit;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int32_t *todo, *done;     /* (nblocks) queues; each block enters each once */
    int64_t todo_head, todo_tail, done_head, done_tail, inflight;
    sw_status thread_st;      /* the thread's first error, with its message */
    char thread_err[1024];
};

static void *reduce_main(void *arg) {
    sw_reducer *r = arg;
    int nbx = r->c->plan.nbx;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->todo_head == r->todo_tail && !r->quit) pthread_cond_wait(&r->cv, &r->mu);
        if (r->quit) break;
        int32_t b = r->todo[r->todo_head++];
        pthread_mutex_unlock(&r->mu);
        sw_status st = sw_block_reduce(r->c, r->scratch, b % nbx, b / nbx, r->tile_status);
        pthread_mutex_lock(&r->mu);
        if (st && !r->thread_st) r->thread_st = st, snprintf(r->thread_err, sizeof r->thread_err, "%s", sw_errmsg());
        r->done[r->done_tail++] = b;
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static int owns(const sw_reducer *r, int bx, int by) {
    return sw_run_block_owner(r->c, bx, by) == r->c->reducer_index;
}

static sw_status announce_block(sw_reducer *r, int bx, int by) {
    sw_msg_block m = {bx, by};
    r->nannounced++;
    return sw_outbox_send(r->out, &m, sizeof m, 0, SW_TAG_BLOCK);
}

/* A block written: announced, counted. */
static sw_status block_written(sw_reducer *r, int bx, int by) {
    sw_status st = announce_block(r, bx, by);
    if (st) return st;
    r->written[(size_t)by * r->c->plan.nbx + bx] = 1;
    r->pending--;
    r->c->blocks_written++;
    return SW_OK;
}

static sw_status reduce(sw_reducer *r, int bx, int by) {
    if (r->threaded) {   /* to the thread; block_written when it is done (collect_done) */
        pthread_mutex_lock(&r->mu);
        r->todo[r->todo_tail++] = by * r->c->plan.nbx + bx;
        r->inflight++;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        return SW_OK;
    }
    sw_status st = sw_block_reduce(r->c, r->scratch, bx, by, r->tile_status);
    return st ? st : block_written(r, bx, by);
}

/* The blocks the thread has written since the last call; its error, if any. */
static sw_status collect_done(sw_reducer *r, int *busy) {
    if (!r->threaded) return SW_OK;
    int nbx = r->c->plan.nbx;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        sw_status st = r->thread_st;
        int32_t b = r->done_head < r->done_tail ? r->done[r->done_head++] : -1;
        if (b >= 0) r->inflight--;
        pthread_mutex_unlock(&r->mu);
        if (st) return sw_fail(st, "%s", r->thread_err);
        if (b < 0) return SW_OK;
        *busy = 1;
        if ((st = block_written(r, b % nbx, b / nbx))) return st;
    }
}

sw_status sw_reducer_init(sw_reducer **out, sw_run_ctx *c, sw_outbox *o) {
    const sw_plan *p = &c->plan;
    size_t nb = (size_t)p->nbx * p->nby;
    sw_reducer *r = sw_calloc(1, sizeof *r, "the reducer");
    if (!r) return SW_ERR_RUNTIME;
    r->c = c, r->out = o;
    r->tile_status = sw_calloc((size_t)p->ntiles + 1, 1, "tile states");
    r->need = sw_malloc(sizeof *r->need * nb, "block contributor counts");
    r->have = sw_calloc(nb, sizeof *r->have, "block ready counts");
    r->written = sw_calloc(nb, 1, "block states");
    *out = r;
    if (!r->tile_status || !r->need || !r->have || !r->written) return SW_ERR_RUNTIME;
    sw_status st0 = sw_block_scratch_new(&r->scratch, c);
    if (st0) return st0;
    sw_plan_block_contributors(p, r->need);
    for (int64_t i = 0; i < p->ntiles; i++) {
        int bx0, by0, bx1, by1, mine = 0;
        sw_plan_tile_blocks(p, &p->tiles[i], &bx0, &by0, &bx1, &by1);
        for (int by = by0; by <= by1 && !mine; by++)
            for (int bx = bx0; bx <= bx1 && !mine; bx++) mine = owns(r, bx, by);
        r->expected += mine;
    }
    for (int by = 0; by < p->nby; by++)
        for (int bx = 0; bx < p->nbx; bx++) {
            if (!owns(r, bx, by)) continue;
            size_t b = (size_t)by * p->nbx + bx;
            sw_status st;
            if (!sw_block_exists(c->cfg->out, bx, by)) r->pending++;
            else if ((st = announce_block(r, bx, by))) return st;
            else r->written[b] = 1;
        }
    /* Blocks no tile touches (outside the footprint) are written now: all 255. */
    for (int by = 0; by < p->nby; by++)
        for (int bx = 0; bx < p->nbx; bx++) {
            size_t b = (size_t)by * p->nbx + bx;
            sw_status st;
            if (owns(r, bx, by) && !r->written[b] && r->need[b] == 0 && (st = reduce(r, bx, by))) return st;
        }
    if (c->is_worker && c->cores >= 2) {
        r->todo = sw_malloc(sizeof *r->todo * nb, "the reducer's queue");
        r->done = sw_malloc(sizeof *r->done * nb, "the reducer's queue");
        if (!r->todo || !r->done) return SW_ERR_RUNTIME;
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->cv, NULL);
        if (pthread_create(&r->thread, NULL, reduce_main, r) != 0) {
            pthread_mutex_destroy(&r->mu), pthread_cond_destroy(&r->cv);
            return sw_fail(SW_ERR_RUNTIME, "reducer rank %d: cannot start its thread", c->rank);
        }
        r->threaded = 1;
    }
    return SW_OK;
}

sw_status sw_reducer_step(sw_reducer *r, int *busy) {
    const sw_plan *p = &r->c->plan;
    MPI_Status s;
    int flag;
    sw_status st;
    *busy = 0;
    if ((st = collect_done(r, busy))) return st;
    for (;;) {
        MPI_Iprobe(0, SW_TAG_READY, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_ready m;
        MPI_Recv(&m, sizeof m, MPI_BYTE, 0, SW_TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        *busy = 1;
        r->received++;
        if (m.tile >= p->ntiles) continue;
        r->tile_status[m.tile] = (uint8_t)m.status;
        int bx0, by0, bx1, by1;
        sw_plan_tile_blocks(p, &p->tiles[m.tile], &bx0, &by0, &bx1, &by1);
        for (int by = by0; by <= by1; by++)
            for (int bx = bx0; bx <= bx1; bx++) {
                size_t b = (size_t)by * p->nbx + bx;
                if (!owns(r, bx, by) || r->written[b]) continue;
                if (++r->have[b] == r->need[b] && (st = reduce(r, bx, by))) return st;
            }
    }
    if (!r->finishing) {
        MPI_Iprobe(0, SW_TAG_FINISH, MPI_COMM_WORLD, &flag, &s);
        if (flag) {
            sw_msg_finish f;
            MPI_Recv(&f, sizeof f, MPI_BYTE, 0, SW_TAG_FINISH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            r->finishing = 1, r->expected = f.ready;
            r->c->stop_sig = f.sig;
            *busy = 1;
        }
    }
    if (!r->announced && r->received == r->expected && r->inflight == 0) {
        if (r->pending != 0 && !r->finishing)
            return sw_fail(SW_ERR_RUNTIME, "reducer rank %d: all tiles are ready but %lld blocks are not written",
                           r->c->rank, (long long)r->pending);
        sw_msg_reduced q = {(int32_t)r->c->blocks_written, r->nannounced, sw_peak_rss_kb()};
        if ((st = sw_outbox_send(r->out, &q, sizeof q, 0, SW_TAG_REDUCED))) return st;
        r->announced = 1;
        *busy = 1;
    }
    return SW_OK;
}

int sw_reducer_done(const sw_reducer *r) { return r->announced; }

void sw_reducer_free(sw_reducer *r) {
    if (!r) return;
    if (r->threaded) {
        pthread_mutex_lock(&r->mu);
        r->quit = 1;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        pthread_mutex_destroy(&r->mu), pthread_cond_destroy(&r->cv);
    }
    free(r->todo), free(r->done);
    free(r->tile_status), free(r->need), free(r->have), free(r->written);
    sw_block_scratch_free(r->scratch);
    free(r);
}
