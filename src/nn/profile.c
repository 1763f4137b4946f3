/* Per-op timing (see profile.h). */
#include "src/nn/profile.h"

#include "src/core/log.h"

#include <stdlib.h>
#include <string.h>

enum { PROF_ROWS = 512, PROF_KEY = 112 };

typedef struct {
    char key[PROF_KEY];
    unsigned long calls;
    double seconds;
} prof_row;

int nn_prof_on;
static prof_row rows[PROF_ROWS];
static int nrows;
static unsigned long dropped; /* calls that found the table full */

void nn_ops_profile(int on) { nn_prof_on = on; }
void nn_ops_profile_reset(void) { nrows = 0, dropped = 0; }

static void prof_sync(const nn_backend *be) {
    if (be->device != NN_DEVICE_CPU && be->iface.sync) be->iface.sync(be->context);
}

double nn_prof_begin(const nn_backend *be) {
    prof_sync(be);
    return sw_now();
}

void nn_prof_end(const nn_backend *be, const char *op, const nn_conv2d_desc *d, double t0) {
    prof_sync(be);
    const double dt = sw_now() - t0;
    char key[PROF_KEY];
    if (d)
        snprintf(key, sizeof key, "%s %dx%d/%d %d->%d at %dx%d", op, d->R, d->S, d->stride_h,
                 d->C, d->K, d->H, d->W);
    else
        snprintf(key, sizeof key, "%s", op);
    for (int i = 0; i < nrows; i++)
        if (!strcmp(rows[i].key, key)) {
            rows[i].calls++, rows[i].seconds += dt;
            return;
        }
    if (nrows == PROF_ROWS) {
        dropped++;
        return;
    }
    snprintf(rows[nrows].key, PROF_KEY, "%s", key);
    rows[nrows].calls = 1, rows[nrows].seconds = dt;
    nrows++;
}

static int by_time(const void *a, const void *b) {
    const double x = ((const prof_row *)a)->seconds, y = ((const prof_row *)b)->seconds;
    return x < y ? 1 : x > y ? -1 : strcmp(((const prof_row *)a)->key, ((const prof_row *)b)->key);
}

void nn_ops_profile_report(FILE *f, int top) {
    qsort(rows, (size_t)nrows, sizeof *rows, by_time);
    double total = 0;
    for (int i = 0; i < nrows; i++) total += rows[i].seconds;
    fprintf(f, "%-60s %7s %10s %9s %6s\n", "op (conv: RxS/stride C->K at input HxW)", "calls",
            "total ms", "ms/call", "share");
    const int n = top > 0 && top < nrows ? top : nrows;
    for (int i = 0; i < n; i++)
        fprintf(f, "%-60s %7lu %10.2f %9.3f %5.1f%%\n", rows[i].key, rows[i].calls,
                rows[i].seconds * 1e3, rows[i].seconds * 1e3 / (double)rows[i].calls,
                total > 0 ? 100.0 * rows[i].seconds / total : 0.0);
    double rest = 0;
    for (int i = n; i < nrows; i++) rest += rows[i].seconds;
    if (n < nrows) fprintf(f, "%-60s %7s %10.2f\n", "(the other rows)", "", rest * 1e3);
    fprintf(f, "%-60s %7s %10.2f%s\n", "total", "", total * 1e3,
            dropped ? " (some calls not counted: table full)" : "");
}
