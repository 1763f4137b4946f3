/* Messages and progress lines on stderr (see log.h). */
#include "src/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int log_level = 1;
/* SWATH_LOG_CLOCK set: each message starts with the seconds since the program started (after the
 * dynamic loader), for timelines of where a run's time goes. */
static double log_t0 = -1;

__attribute__((constructor)) static void log_clock_start(void) {
    if (getenv("SWATH_LOG_CLOCK")) log_t0 = sw_now();
}

void sw_log_set_level(int level) { log_level = level; }
int sw_log_level(void) { return log_level; }

void sw_log(int level, const char *fmt, ...) {
    if (level > log_level) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("swath: ", stderr);
    if (log_t0 >= 0) fprintf(stderr, "[%.3f] ", sw_now() - log_t0);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double sw_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sw_progress_init(sw_progress *p, const char *label, int64_t total) {
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t_start = p->t_last = sw_now();
}

static void progress_print(const sw_progress *p, double t) {
    double el = t - p->t_start, frac = p->total > 0 ? (double)p->done / (double)p->total : 1.0;
    double eta = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
    sw_log(1, "%s: %lld/%lld (%.0f%%), %.1f s elapsed, eta %.1f s", p->label, (long long)p->done,
           (long long)p->total, 100.0 * frac, el, eta);
}

void sw_progress_add(sw_progress *p, int64_t n) {
    p->done += n;
    double t = sw_now();
    if (t - p->t_last >= 1.0) {
        p->t_last = t;
        progress_print(p, t);
    }
}

void sw_progress_finish(sw_progress *p) {
    p->done = p->total;
    progress_print(p, sw_now());
}
