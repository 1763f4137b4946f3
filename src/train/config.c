/* `swath train` settings (see config.h). */
#include "src/train/config.h"

#include "kernels/backend.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sw_train_config_defaults(sw_train_config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->arch, sizeof c->arch, "unet");
    snprintf(c->loss, sizeof c->loss, "ce");
    c->focal_gamma = 2.0f;
    snprintf(c->optim, sizeof c->optim, "adamw");
    c->lr = 1e-3f, c->momentum = 0.9f, c->weight_decay = 0.0f;
    snprintf(c->schedule, sizeof c->schedule, "const");
    c->step_size = 10, c->gamma = 0.1f, c->lr_min = 0.0f;
    c->epochs = 10, c->batch = 8, c->crop = 256, c->augment = 1;
    c->seed = 1;
    snprintf(c->allreduce, sizeof c->allreduce, "progress");
    c->bucket_mb = 1.0f;
    snprintf(c->progress, sizeof c->progress, "auto");
    snprintf(c->device, sizeof c->device, "auto");
    snprintf(c->precision, sizeof c->precision, "f32");
}

/* A finite number in [lo, hi] (strtod alone takes "nan" and "inf", which no range check catches). */
static sw_status num(const char *key, const char *v, double lo, double hi, double *out) {
    char *end;
    const double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d))
        return sw_fail(SW_ERR_USAGE, "swath train: --%s: '%s' is not a finite number", key, v);
    if (d < lo || d > hi)
        return sw_fail(SW_ERR_USAGE, "swath train: --%s: %s is outside [%g, %g]", key, v, lo, hi);
    *out = d;
    return SW_OK;
}

/* A whole number in [lo, hi]: digits (exact up to 2^63), or a number such as 1e3 that is one. */
static sw_status whole(const char *key, const char *v, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || errno) {
        const double d = strtod(v, &end);
        if (end == v || *end || !isfinite(d) || d != floor(d))
            return sw_fail(SW_ERR_USAGE, "swath train: --%s: '%s' is not a whole number", key, v);
        x = d < (double)lo ? lo - 1 : d > (double)hi ? hi + 1 : (long long)d; /* no overflow */
    }
    if (x < lo || x > hi)
        return sw_fail(SW_ERR_USAGE, "swath train: --%s: %s is outside [%lld, %lld]", key, v, lo, hi);
    *out = x;
    return SW_OK;
}

static sw_status str(const char *key, const char *v, char *dst, size_t cap) {
    if (strlen(v) >= cap) return sw_fail(SW_ERR_USAGE, "swath train: %s '%s' is too long", key, v);
    snprintf(dst, cap, "%s", v);
    return SW_OK;
}

sw_status sw_train_config_set(sw_train_config *c, const char *k, const char *v) {
    double d = 0;
    long long n = 0;
    sw_status st = SW_OK;
#define NUM(name, lo, hi, field)                                                                   \
    if (!strcmp(k, name)) {                                                                        \
        if ((st = num(k, v, lo, hi, &d)) == SW_OK) c->field = (float)d;                            \
        return st;                                                                                 \
    }
#define INT(name, lo, hi, field)                                                                   \
    if (!strcmp(k, name)) {                                                                        \
        if ((st = whole(k, v, lo, hi, &n)) == SW_OK) c->field = n;                                 \
        return st;                                                                                 \
    }
#define STR(name, field)                                                                           \
    if (!strcmp(k, name)) return str(k, v, c->field, sizeof c->field);
    STR("chips", chips) STR("out", out) STR("init", init) STR("arch", arch) STR("loss", loss)
    STR("class-weights", class_weights)
    STR("optim", optim) STR("schedule", schedule) STR("allreduce", allreduce) STR("progress", progress)
    STR("device", device) STR("precision", precision) INT("deterministic", 0, 1, deterministic)
    INT("depth", 0, 50, depth) INT("width", 0, 4096, width)
    NUM("focal-gamma", 0, 10, focal_gamma) NUM("lr", 0, 10, lr) NUM("momentum", 0, 1, momentum)
    NUM("weight-decay", 0, 1, weight_decay) INT("step-size", 1, 1000000, step_size)
    INT("warmup", 0, 1000000000, warmup) NUM("gamma", 0, 1, gamma) NUM("lr-min", 0, 10, lr_min)
    INT("epochs", 1, 1000000, epochs) INT("batch", 1, 100000, batch) INT("crop", 8, 65536, crop)
    INT("augment", 0, 1, augment) INT("sync-bn", 0, 1, sync_bn)
    INT("seed", 0, 1000000000000000000LL, seed) INT("patience", 0, 1000000, patience)
    INT("max-steps", 0, 1000000000000000LL, max_steps) NUM("bucket-mb", 0.001, 4096, bucket_mb)
#undef NUM
#undef INT
#undef STR
    return sw_fail(SW_ERR_USAGE, "swath train: unknown setting '%s'", k);
}

static int one_of(const char *v, const char *const *names) {
    for (int i = 0; names[i]; i++)
        if (!strcmp(v, names[i])) return 1;
    return 0;
}

sw_status sw_train_config_check(const sw_train_config *c) {
    static const char *const losses[] = {"ce", "focal", "dice", NULL};
    static const char *const optims[] = {"sgd", "adam", "adamw", NULL};
    static const char *const scheds[] = {"const", "step", "cosine", NULL};
    static const char *const ars[] = {"blocking", "progress", "thread", NULL};
    if (!c->chips[0]) return sw_fail(SW_ERR_USAGE, "swath train: --chips FILE is required");
    if (!c->out[0]) return sw_fail(SW_ERR_USAGE, "swath train: --out FILE is required");
    if (!one_of(c->loss, losses))
        return sw_fail(SW_ERR_USAGE, "swath train: --loss '%s' (ce, focal or dice)", c->loss);
    if (!one_of(c->optim, optims))
        return sw_fail(SW_ERR_USAGE, "swath train: --optim '%s' (sgd, adam or adamw)", c->optim);
    if (!one_of(c->schedule, scheds))
        return sw_fail(SW_ERR_USAGE, "swath train: --schedule '%s' (const, step or cosine)",
                       c->schedule);
    static const char *const progs[] = {"auto", "json", "bar", NULL};
    if (!one_of(c->progress, progs))
        return sw_fail(SW_ERR_USAGE, "swath train: --progress '%s' (auto, json or bar)", c->progress);
    static const char *const devs[] = {"auto", "cpu", "cuda", NULL};
    if (!one_of(c->device, devs))
        return sw_fail(SW_ERR_USAGE, "swath train: --device '%s' (auto, cpu or cuda)", c->device);
    if (nn_cuda_math_parse(c->precision) < 0)
        return sw_fail(SW_ERR_USAGE, "swath train: --precision '%s' (f32, tf32, bf16 or bf16-act)", c->precision);
    if (!one_of(c->allreduce, ars))
        return sw_fail(SW_ERR_USAGE, "swath train: --allreduce '%s' (blocking, progress or "
                       "thread)", c->allreduce);
    return SW_OK;
}

void sw_train_config_text(const sw_train_config *c, char *buf, size_t cap) {
    int n = snprintf(buf, cap,
             "chips=%s\narch=%s\ndepth=%d\nwidth=%d\nloss=%s\nfocal-gamma=%.9g\noptim=%s\n"
             "lr=%.9g\nmomentum=%.9g\nweight-decay=%.9g\nschedule=%s\nstep-size=%d\nwarmup=%d\n"
             "gamma=%.9g\nlr-min=%.9g\nepochs=%d\nbatch=%d\ncrop=%d\naugment=%d\nsync-bn=%d\n"
             "seed=%llu\npatience=%d\n",
             c->chips, c->arch, c->depth, c->width, c->loss, c->focal_gamma, c->optim, c->lr,
             c->momentum, c->weight_decay, c->schedule, c->step_size, c->warmup, c->gamma,
             c->lr_min, c->epochs, c->batch, c->crop, c->augment, c->sync_bn, c->seed,
             c->patience);
    if (c->class_weights[0] && n >= 0 && (size_t)n < cap)   /* runs before the setting have no line */
        snprintf(buf + n, cap - (size_t)n, "class-weights=%s\n", c->class_weights);
}
