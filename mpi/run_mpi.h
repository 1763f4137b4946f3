/* MPI for `swath run`: start / stop, broadcasts of the plan and of errors, and the event loop that
 * serves this rank's roles (master, worker, reducer). MPI is used only in mpi/. */
#ifndef SWATH_MPI_RUN_MPI_H
#define SWATH_MPI_RUN_MPI_H

#include "src/core/error.h"
#include "src/run/context.h"

#include <stddef.h>
#include <stdint.h>

/* MPI_Init unless already initialized (a plain process becomes a singleton of size 1). */
sw_status sw_mpi_start(int *rank, int *size);
/* Before MPI_Init, Open MPI settings for a quick start (each only when the user set none):
 *  - a process no launcher started (no mpiexec / srun variables): the isolated singleton, which
 *    spawns no orted (0.17 s);
 *  - all ranks on one node (that, OMPI_COMM_WORLD_LOCAL_SIZE = OMPI_COMM_WORLD_SIZE, or
 *    SLURM_STEP_NUM_NODES = 1): the ob1 PML over self + shared memory (vader), skipping the probe
 *    of UCX and the network transports (0.2 s per rank). Every rank decides alike, from the
 *    launcher's variables. Runs over several nodes keep Open MPI's own choice. */
void sw_mpi_quick_start_env(void);
/* MPI_Finalize when sw_mpi_start initialized MPI. */
void sw_mpi_stop(void);
/* Ranks on this node (OMPI_COMM_WORLD_LOCAL_SIZE, else 1). */
int sw_mpi_local_size(void);

/* Broadcasts n bytes from root (any n). */
sw_status sw_mpi_bcast(void *buf, size_t n, int root);
/* Every rank gets root's status and message (so all ranks fail together with the same message). */
sw_status sw_mpi_agree(sw_status st, int root);
/* Any rank's failure becomes every rank's: the lowest failing rank's status and message. */
sw_status sw_mpi_agree_all(sw_status st);
void sw_mpi_barrier(void);
/* Largest value over the ranks. */
int64_t sw_mpi_max_i64(int64_t v);
/* Element-wise largest bytes over the ranks, into root's buf (n bytes on every rank). */
sw_status sw_mpi_max_u8(uint8_t *buf, size_t n, int root);
/* Ends every rank after a fatal error on this one (prints the message first). */
void sw_mpi_abort(sw_status st);

/* Runs this rank's roles until the run is complete. Errors that leave the run unable to finish
 * (journal or block writes) are fatal: with more than one rank they abort the job after printing
 * the message naming the rank. A stop request (SIGUSR1 / SIGTERM, src/core/stop.h) on any rank
 * ends the tile phase early with the tiles in flight journaled: every rank then returns
 * SW_INTERRUPTED (and c->stop_sig is the signal). */
sw_status sw_mpi_run_roles(sw_run_ctx *c);

#endif
