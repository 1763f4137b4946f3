/* Errors with context: every library call returns an sw_status and leaves a message that names
 * the file, band, key or rank at fault. The library never exits; the CLI prints and exits. */
#ifndef SWATH_ERROR_H
#define SWATH_ERROR_H

#include <stddef.h>

/* Status codes double as the process exit codes (docs/cli.md). */
typedef enum {
    SW_OK = 0,
    SW_ERR_RUNTIME = 1,  /* internal or library failure during the work */
    SW_ERR_USAGE = 2,    /* bad command line: unknown flag, bad value */
    SW_ERR_INPUT = 3,    /* bad input: missing / unreadable / invalid file, band, window, key */
    SW_ERR_OUTPUT = 4,   /* output cannot be written: folder, disk, permissions */
    /* Stopped on request (SIGUSR1 / SIGTERM, e.g. SLURM's warning before the time limit or a
     * preemption) after finishing and saving the work in flight: run again with --resume.
     * 75 is sysexits' EX_TEMPFAIL ("try again later"). */
    SW_INTERRUPTED = 75,
} sw_status;

/* Records a printf-style message for the calling thread and returns `code`. */
sw_status sw_fail(sw_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends context ("reading tile 12: ") to the current message; returns `code`. */
sw_status sw_fail_ctx(sw_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The calling thread's last message ("" when none). */
const char *sw_errmsg(void);
/* Prints a command's final status on stderr: "swath: stopped: MSG" for SW_INTERRUPTED,
 * "swath: error: MSG" for another failure, nothing for SW_OK. Returns status. */
sw_status sw_report_status(sw_status status);
void sw_err_clear(void);

/* Room for one message that names a path and says what went wrong with it (a tile's failure
 * reason in the run's messages and journal): 4 lines of 128 characters. */
#define SW_REASON_MAX 512
/* Copies `msg` into dst (cap bytes, NUL-terminated). A message that does not fit is cut in the
 * middle of the occurrences of `path` it holds ("/data/run.../mosaic.tif"), not at the end where
 * the cause is; only when that is not enough is the end cut too. path may be NULL. */
void sw_msg_fit(char *dst, size_t cap, const char *msg, const char *path);

/* Checked allocation: returns NULL and sets an error naming `what` on failure. */
void *sw_malloc(size_t n, const char *what);
void *sw_calloc(size_t count, size_t size, const char *what);
/* For large buffers kept for a while (a tile's pixels, a block's sums, the cache of decoded
 * tiles): aligned to 2 MiB and marked for transparent huge pages (madvise; this kernel setting is
 * usually "madvise"), so that touching it first costs one page fault per 2 MiB instead of one per
 * 4 KiB. On the 4096^2 bench the faults were a fifth of the run's CPU (docs/performance.md).
 * Freed with free(); sw_calloc_big zeroes it. */
void *sw_malloc_big(size_t n, const char *what);
void *sw_calloc_big(size_t count, size_t size, const char *what);

#endif
