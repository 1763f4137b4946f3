/* Messages and progress on stderr: quiet by default in tests, one line per step for users. */
#ifndef SWATH_LOG_H
#define SWATH_LOG_H

#include <stdint.h>

/* 0 = errors only, 1 = progress (default), 2 = debug. Set from --quiet / --verbose. */
void sw_log_set_level(int level);
int sw_log_level(void);
void sw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress of a long loop: prints "label: done/total (pct%), rate, eta" at most once a second. */
typedef struct {
    const char *label;
    int64_t total, done;
    double t_start, t_last;
} sw_progress;
void sw_progress_init(sw_progress *p, const char *label, int64_t total);
void sw_progress_add(sw_progress *p, int64_t n);
void sw_progress_finish(sw_progress *p);

/* Wall-clock seconds (monotonic). */
double sw_now(void);

#endif
