/* The per-rank event loop (one thread) and the outbox of background sends. A stop request on this
 * rank (src/core/stop.h) is passed to the master, which stops the run (protocol.h). */
#include "mpi/protocol.h"
#include "mpi/roles.h"
#include "mpi/run_mpi.h"

#include "src/core/stop.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sw_status sw_outbox_send(sw_outbox *o, const void *data, int bytes, int dest, int tag) {
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 64;
        MPI_Request *r = realloc(o->req, sizeof *r * (size_t)cap);
        if (r) o->req = r;
        void **b = realloc(o->buf, sizeof *b * (size_t)cap);
        if (b) o->buf = b;
        if (!r || !b) return sw_fail(SW_ERR_RUNTIME, "out of memory for the MPI send queue");
        o->cap = cap;
    }
    void *copy = malloc(bytes > 0 ? (size_t)bytes : 1);
    if (!copy) return sw_fail(SW_ERR_RUNTIME, "out of memory for an MPI message");
    if (bytes) memcpy(copy, data, (size_t)bytes);
    if (MPI_Isend(copy, bytes, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &o->req[o->n]) != MPI_SUCCESS) {
        free(copy);
        return sw_fail(SW_ERR_RUNTIME, "MPI_Isend of tag %d to rank %d failed", tag, dest);
    }
    o->buf[o->n++] = copy;
    return SW_OK;
}

void sw_outbox_progress(sw_outbox *o) {
    int k = 0;
    for (int i = 0; i < o->n; i++) {
        int done = 0;
        MPI_Test(&o->req[i], &done, MPI_STATUS_IGNORE);
        if (done) free(o->buf[i]);
        else o->req[k] = o->req[i], o->buf[k] = o->buf[i], k++;
    }
    o->n = k;
}

void sw_outbox_drain(sw_outbox *o) {
    if (o->n) MPI_Waitall(o->n, o->req, MPI_STATUSES_IGNORE);
    for (int i = 0; i < o->n; i++) free(o->buf[i]);
    free(o->req), free(o->buf);
    memset(o, 0, sizeof *o);
}

sw_status sw_mpi_run_roles(sw_run_ctx *c) {
    sw_outbox out = {0};
    sw_master *m = NULL;
    sw_worker *w = NULL;
    sw_reducer *r = NULL;
    sw_status st = SW_OK;
    /* Reducers first: the master's replay of the journal sends them messages at once. */
    if (c->reducer_index >= 0) st = sw_reducer_init(&r, c, &out);
    if (!st && c->rank == 0) st = sw_master_init(&m, c, &out);
    if (!st && c->is_worker) st = sw_worker_init(&w, c, &out);
    int halt_sent = 0;
    useconds_t idle_us = 50;
    while (!st) {
        int busy = 0, b;
        if (!halt_sent && sw_stop_requested()) {   /* tell the master once; it decides for all */
            sw_msg_halt h = {sw_stop_requested(), c->rank};
            if ((st = sw_outbox_send(&out, &h, sizeof h, 0, SW_TAG_HALT))) break;
            halt_sent = 1;
        }
        if (m && !sw_master_done(m)) {
            if ((st = sw_master_step(m, &b))) break;
            busy |= b;
        }
        if (r && !sw_reducer_done(r)) {
            if ((st = sw_reducer_step(r, &b))) break;
            busy |= b;
        }
        if (w && !sw_worker_done(w)) {
            if ((st = sw_worker_step(w, &b))) break;
            busy |= b;
        }
        sw_outbox_progress(&out);
        if ((!m || sw_master_done(m)) && (!r || sw_reducer_done(r)) && (!w || sw_worker_done(w))) break;
        /* Idle: sleep, longer the longer nothing happens (50 us doubling to 2 ms), so that a rank
         * whose tiles run on its pool threads leaves them the core; any message resets it. */
        if (busy) idle_us = 50;
        else {
            usleep(idle_us);
            if (idle_us < 2000) idle_us *= 2;
        }
    }
    if (st && c->size > 1) sw_mpi_abort(st);
    sw_outbox_drain(&out);
    if (m) sw_master_free(m);
    if (w) sw_worker_free(w);
    if (r) sw_reducer_free(r);
    /* Stopped, here or on any rank (also a signal after this rank's last message): all stop. */
    int64_t sig = sw_mpi_max_i64(c->stop_sig ? c->stop_sig : sw_stop_requested());
    if (!st && sig) {
        c->stop_sig = (int)sig;
        st = sw_fail(SW_INTERRUPTED, "%s: the journaled tiles are kept; run again with --resume to continue",
                     sw_stop_signame((int)sig));
    }
    return st;
}
