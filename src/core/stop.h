/* Stop requests: SIGUSR1 and SIGTERM (SLURM's warning before the time limit, scancel, a
 * preemption) only set a flag; long loops poll it at a safe point (between tiles, between
 * training steps), finish and save the work in flight, and return SW_INTERRUPTED (exit 75:
 * "resume me"). A second SIGTERM or SIGINT keeps its default action. Under MPI every rank polls
 * its own flag; the collective decision to stop is taken in mpi/. */
#ifndef SWATH_CORE_STOP_H
#define SWATH_CORE_STOP_H

/* Installs the handlers (idempotent). */
void sw_stop_install(void);
/* The signal number that asked to stop, or 0. */
int sw_stop_requested(void);
/* Sets the flag as if `sig` arrived (tests, and a rank told by another to stop). */
void sw_stop_request(int sig);
/* "SIGUSR1", "SIGTERM", ... for log lines ("signal N" for others). */
const char *sw_stop_signame(int sig);

#endif
