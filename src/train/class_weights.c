/* --class-weights (see class_weights.h). */
#include "src/train/class_weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median-frequency balancing over the classes that occur in the train split. */
static sw_status auto_weights(const sw_chips_info *in, float *w) {
    const int K = in->classes;
    long long total = 0;
    for (int k = 0; k < K; k++) total += in->class_hist[k];
    double f[SW_CHIPS_MAX_CLASSES];
    int n = 0;
    for (int k = 0; k < K; k++)
        if (in->class_hist[k] > 0) f[n++] = (double)in->class_hist[k] / (double)total;
    if (n == 0) return sw_fail(SW_ERR_INPUT, "--class-weights auto: the chips' train split has no labelled pixel");
    qsort(f, (size_t)n, sizeof *f, cmp_double);
    const double med = n % 2 ? f[n / 2] : 0.5 * (f[n / 2 - 1] + f[n / 2]);
    for (int k = 0; k < K; k++)
        w[k] = in->class_hist[k] > 0 ? (float)(med / ((double)in->class_hist[k] / (double)total)) : 1.0f;
    return SW_OK;
}

sw_status sw_class_weights(const char *spec, const sw_chips_info *in, float *w, int *on) {
    const int K = in->classes;
    *on = 0;
    if (!spec[0] || !strcmp(spec, "none")) return SW_OK;
    *on = 1;
    if (!strcmp(spec, "auto")) return auto_weights(in, w);
    int n = 0;
    double sum = 0;
    for (const char *s = spec; *s; n++) {
        char *end;
        const double v = strtod(s, &end);
        if (end == s || (*end && *end != ',') || !isfinite(v) || v < 0)
            return sw_fail(SW_ERR_USAGE, "--class-weights '%s': value %d is not a finite number >= 0 (auto, none or "
                           "W0,W1,...)", spec, n + 1);
        if (n < K) w[n] = (float)v;
        sum += v;
        if (*end == ',' && !end[1])
            return sw_fail(SW_ERR_USAGE, "--class-weights '%s': value %d is missing after the last comma", spec, n + 2);
        s = *end ? end + 1 : end;
    }
    if (n != K)
        return sw_fail(SW_ERR_USAGE, "--class-weights '%s' gives %d value%s; the chips have %d classes", spec, n,
                       n == 1 ? "" : "s", K);
    if (sum <= 0) return sw_fail(SW_ERR_USAGE, "--class-weights '%s': every weight is 0", spec);
    return SW_OK;
}
