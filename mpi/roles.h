/* The three roles of `swath run` as step functions of one event loop (mpi/loop.c): each step does
 * what it can without blocking and says whether it did anything. Private to mpi/. */
#ifndef SWATH_MPI_ROLES_H
#define SWATH_MPI_ROLES_H

#include "src/run/context.h"

#include <mpi.h>

/* Sends that complete in the background; the buffer is copied. */
typedef struct {
    MPI_Request *req;
    void **buf;
    int n, cap;
} sw_outbox;

sw_status sw_outbox_send(sw_outbox *o, const void *data, int bytes, int dest, int tag);
void sw_outbox_progress(sw_outbox *o);
void sw_outbox_drain(sw_outbox *o);

typedef struct sw_master sw_master;
typedef struct sw_worker sw_worker;
typedef struct sw_reducer sw_reducer;

sw_status sw_master_init(sw_master **m, sw_run_ctx *c, sw_outbox *o);
/* *busy = 1 when it handled something; returns a fatal error. */
sw_status sw_master_step(sw_master *m, int *busy);
int sw_master_done(const sw_master *m);
void sw_master_free(sw_master *m);

sw_status sw_worker_init(sw_worker **w, sw_run_ctx *c, sw_outbox *o);
sw_status sw_worker_step(sw_worker *w, int *busy);
int sw_worker_done(const sw_worker *w);
void sw_worker_free(sw_worker *w);

sw_status sw_reducer_init(sw_reducer **r, sw_run_ctx *c, sw_outbox *o);
sw_status sw_reducer_step(sw_reducer *r, int *busy);
int sw_reducer_done(const sw_reducer *r);
void sw_reducer_free(sw_reducer *r);

#endif
