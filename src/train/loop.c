/* The training loop (see train.h): set-up, epochs of sharded steps, validation, early stopping,
 * checkpoints and progress. The per-step model calls are in step.c. */
#define _POSIX_C_SOURCE 200809L
#include "src/train/train.h"

#include "io/checkpoint.h"
#include "io/chips.h"
#include "mpi/run_mpi.h"
#include "mpi/train_comm.h"
#include "src/core/log.h"
#include "src/core/stop.h"
#include "src/nn/loss.h"
#include "src/nn/optim.h"
#include "src/nn/syncbn.h"
#include "src/train/augment.h"
#include "src/train/class_weights.h"
#include "src/train/files.h"
#include "src/train/shuffle.h"
#include "src/train/step.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { SYNC_MAX_C = 8192 };

typedef struct {
    const sw_train_config *cfg;
    int rank, size, json, tty;
    sw_chips *chips;
    const sw_chips_info *info;
    nn_model m;
    sw_step_ctx sc;
    sw_grad_comm *gc;
    nn_bn_sync sync;
    int first, nloc;              /* this rank's part of a global batch */
    long long ntrain, nval, steps_per_epoch;
    float *x;
    uint8_t *y, *img, *mask;
    long long *perm;
    sw_ckpt_meta meta;            /* history and training state */
    float class_weight[SW_CHIPS_MAX_CLASSES];   /* --class-weights, when given */
} trainer;

static float lr_at(const sw_train_config *c, int epoch, long long t, long long total) {
    float lr = c->lr;
    if (!strcmp(c->schedule, "step")) lr = nn_lr_step(c->lr, epoch, c->step_size, c->gamma);
    else if (!strcmp(c->schedule, "cosine"))
        lr = nn_lr_cosine(c->lr, (int)t, (int)(total > 0 ? total : 1), c->lr_min);
    if (c->warmup > 0) lr = nn_lr_warmup(lr, (int)t, c->warmup, 1.0f / 3.0f);
    return lr;
}

static uint64_t param_hash(const nn_model *m) {
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = (const unsigned char *)m->net.params.param_memory;
    for (size_t i = 0; i < m->net.params.numel * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ULL;
    p = (const unsigned char *)m->net.buffers.param_memory;
    for (size_t i = 0; i < m->net.buffers.numel * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* Rank 0 writes model.h5 with the full state; every rank gets its status. */
static sw_status checkpoint(trainer *T) {
    sw_status st = sw_step_to_host(&T->sc);   /* a GPU model's state into the host model */
    if (T->rank == 0 && !st) {
        sw_ckpt_meta *mt = &T->meta;
        mt->cfg = T->m.cfg;
        mt->tile_h = mt->tile_w = T->cfg->crop;
        for (int c = 0; c < T->info->channels; c++)
            mt->mean[c] = T->info->mean[c], mt->std[c] = T->info->std[c], mt->bands[c] = T->info->bands[c];
        mt->class_names = T->info->class_names;
        snprintf(mt->optimizer, sizeof mt->optimizer, "%s",
                 T->m.net.params.n_state ? T->cfg->optim : "");
        mt->step = mt->train.steps;
        mt->train.present = 1;
        mt->train.world_size = T->size;
        sw_train_config_text(T->cfg, mt->train.config, sizeof mt->train.config);
        st = sw_checkpoint_save(T->cfg->out, &T->m, mt);
        mt->class_names = NULL;
    }
    return sw_mpi_agree(st, 0);
}

static sw_status read_batch(trainer *T, long long pos, int epoch) {
    const sw_chips_info *in = T->info;
    const sw_train_config *c = T->cfg;
    const sw_sample_geom g = {in->tile_h, in->tile_w, in->channels, c->crop, in->mean, in->std};
    const size_t xs = (size_t)c->crop * c->crop;
    for (int k = 0; k < T->nloc; k++) {
        const long long gi = T->perm[pos * c->batch + T->first + k];
        sw_status st = sw_chips_read(T->chips, SW_SPLIT_TRAIN, gi, T->img, T->mask, NULL);
        if (st) return st;
        sw_sample_make(T->x + k * xs * in->channels, T->y + k * xs, T->img, T->mask, &g,
                       c->augment, c->seed, epoch, gi);
    }
    return SW_OK;
}

/* Validation over every rank's slice of /val: loss per valid pixel and mean IoU. */
static sw_status validate(trainer *T, double *val_loss, double *miou) {
    const sw_chips_info *in = T->info;
    const sw_train_config *c = T->cfg;
    const int K = in->classes;
    const sw_sample_geom g = {in->tile_h, in->tile_w, in->channels, c->crop, in->mean, in->std};
    const size_t xs = (size_t)c->crop * c->crop;
    int first, cnt;
    sw_shard((int)T->nval, T->rank, T->size, &first, &cnt);
    double *acc = calloc((size_t)K * K + 2, sizeof *acc); /* loss sum, valid, confusion */
    if (!acc) return sw_fail(SW_ERR_RUNTIME, "out of memory for validation");
    sw_status st = SW_OK;
    for (int b = 0; st == SW_OK && b < cnt; b += T->nloc) {
        for (int k = 0; k < T->nloc; k++) {
            float *x = T->x + k * xs * in->channels;
            uint8_t *y = T->y + k * xs;
            if (b + k >= cnt) {
                memset(x, 0, xs * in->channels * sizeof *x);
                memset(y, NN_IGNORE_INDEX, xs);
                continue;
            }
            st = sw_chips_read(T->chips, SW_SPLIT_VAL, first + b + k, T->img, T->mask, NULL);
            if (st) break;
            sw_sample_make(x, y, T->img, T->mask, &g, 0, 0, 0, 0);
        }
        if (st) break;
        const float *lg;
        if ((st = sw_eval_forward(&T->sc, T->x, &lg))) break;
        const size_t P = (size_t)T->nloc * xs;
        acc[0] += sw_eval_loss_sum(&T->sc, lg, T->y, P);
        for (size_t p = 0; p < P; p++) {
            if (T->y[p] == NN_IGNORE_INDEX || T->y[p] >= K) continue;
            const float *l = lg + p * K;
            int best = 0;
            for (int k = 1; k < K; k++)
                if (l[k] > l[best]) best = k;
            acc[1] += 1;
            acc[2 + (size_t)T->y[p] * K + best] += 1;
        }
    }
    st = sw_mpi_agree_all(st);
    if (st == SW_OK) st = sw_train_sum_f64(acc, K * K + 2);
    if (st == SW_OK) {
        *val_loss = acc[1] > 0 ? acc[0] / acc[1] : NAN;
        double s = 0;
        int n = 0;
        for (int k = 0; k < K; k++) {
            double tp = acc[2 + (size_t)k * K + k], row = 0, col = 0;
            for (int j = 0; j < K; j++) row += acc[2 + (size_t)k * K + j], col += acc[2 + (size_t)j * K + k];
            const double uni = row + col - tp;
            if (uni > 0) s += tp / uni, n++;
        }
        *miou = n ? s / n : NAN;
    }
    free(acc);
    return st;
}

/* A JSON number, or null when v is not finite (JSON has no nan: no val chips, a diverged loss). */
static const char *jnum(char *buf, size_t cap, const char *fmt, double v) {
    if (!isfinite(v)) snprintf(buf, cap, "null");
    else snprintf(buf, cap, fmt, v);
    return buf;
}

static void progress_line(trainer *T, int epoch, long long pos, long long t, double loss, float lr,
                          double img_s) {
    if (T->rank != 0 || sw_log_level() < 1) return;
    if (T->json) {
        char l[32];
        printf("{\"epoch\":%d,\"step\":%lld,\"loss\":%s,\"lr\":%.6g,\"img_s\":%.2f,"
               "\"comm_s\":%.6f,\"step_s\":%.6f}\n",
               epoch, t, jnum(l, sizeof l, "%.9g", loss), lr, img_s, T->sc.t_exposed_comm,
               T->sc.t_total);
        fflush(stdout);
    } else if (T->tty) {
        const int w = 30, done = (int)(w * (pos + 1) / T->steps_per_epoch);
        fprintf(stderr, "\repoch %d [%.*s%*s] %lld/%lld loss %.4f lr %.2g %.1f img/s   ", epoch,
                done, "##############################", w - done, "", pos + 1,
                T->steps_per_epoch, loss, lr, img_s);
        fflush(stderr);
    }
}

/* --resume of a finished run: a larger --epochs (or a --patience it no longer reaches) continues
 * it to the new total; otherwise nothing is left to train, and rank 0 says why. */
static void resume_extend(trainer *T) {
    const sw_train_config *c = T->cfg;
    sw_ckpt_train *S = &T->meta.train;
    const int early = c->patience > 0 && S->bad_epochs >= c->patience;
    const int say = T->rank == 0;
    if (S->finished && S->epoch < c->epochs && !early) {
        S->finished = 0;
        if (say) sw_log(1, "train: --resume: '%s' finished %d epochs; continuing to --epochs %d", c->out, S->epoch,
                        c->epochs);
    } else if (S->finished && say) {
        if (early) sw_log(1, "train: --resume: '%s' stopped early after %d epochs (%d without a better val loss, "
                          "--patience %d): nothing to train (a larger --patience, or 0, continues it)",
                          c->out, S->epoch, S->bad_epochs, c->patience);
        else sw_log(1, "train: --resume: '%s' finished its %d epochs: nothing to train (a larger --epochs "
                    "continues it)", c->out, S->epoch);
    } else if (c->max_steps && S->steps >= c->max_steps && say) {
        sw_log(1, "train: --resume: '%s' has taken %d steps, --max-steps %lld: nothing to train (a larger "
               "--max-steps, or none, continues it)", c->out, S->steps, c->max_steps);
    }
}

/* The history, position and early-stopping state of --resume from --out, checked against the
 * settings and the chips given now; the chips' identity for the checkpoints. */
static sw_status resume_meta(trainer *T) {
    const sw_train_config *c = T->cfg;
    char chips_id[sizeof T->meta.train.chips];
    sw_train_chips_identity(T->info, c->chips, chips_id, sizeof chips_id);
    memset(&T->meta, 0, sizeof T->meta);
    T->meta.train.best_val_loss = INFINITY;
    T->meta.train.best_epoch = -1;
    if (c->resume) {
        sw_status st = sw_checkpoint_read_meta(c->out, &T->meta);
        if (st) return sw_fail_ctx(st, "--resume");
        free(T->meta.class_names);
        T->meta.class_names = NULL;
        if (!T->meta.train.present)
            return sw_fail(SW_ERR_INPUT, "%s: no /train_state (a model saved without its "
                           "training state cannot be resumed; use --init)", c->out);
        if (T->meta.train.seed != c->seed)
            return sw_fail(SW_ERR_USAGE, "--resume: %s was trained with seed %llu, not %llu",
                           c->out, (unsigned long long)T->meta.train.seed, c->seed);
        if ((st = sw_train_chips_check(T->meta.train.chips, chips_id, c->out, T->rank == 0))) return st;
        resume_extend(T);
    }
    snprintf(T->meta.train.chips, sizeof T->meta.train.chips, "%s", chips_id);
    return SW_OK;
}

static sw_status setup(trainer *T) {
    const sw_train_config *c = T->cfg;
    /* --out before any work: not an input, not another file, a folder that takes it */
    sw_status st = sw_mpi_agree(T->rank == 0 ? sw_train_check_out(c) : SW_OK, 0);
    if (st) return st;
    if ((st = sw_chips_open(c->chips, &T->chips))) return st;
    T->info = sw_chips_get_info(T->chips);
    const sw_chips_info *in = T->info;
    T->ntrain = in->count[SW_SPLIT_TRAIN], T->nval = in->count[SW_SPLIT_VAL];
    if ((st = resume_meta(T))) return st;
    if (c->crop > in->tile_h || c->crop > in->tile_w)
        return sw_fail(SW_ERR_USAGE, "swath train: --crop %d is larger than the chips of %s "
                       "(%d x %d)", c->crop, c->chips, in->tile_w, in->tile_h);
    if (c->batch < T->size)
        return sw_fail(SW_ERR_USAGE, "swath train: --batch %d (global) is smaller than the %d "
                       "ranks", c->batch, T->size);
    int weighted;
    if ((st = sw_class_weights(c->class_weights, in, T->class_weight, &weighted))) return st;
    T->sc.class_weight = weighted ? T->class_weight : NULL;
    if (weighted && T->rank == 0) {
        char text[2048];
        size_t k = 0;
        for (int i = 0; i < in->classes && k < sizeof text; i++)
            k += (size_t)snprintf(text + k, sizeof text - k, "%s%s %.4g", i ? ", " : "", in->class_names[i],
                                  T->class_weight[i]);
        sw_log(1, "train: class weights (%s): %s", c->class_weights, text);
    }
    T->steps_per_epoch = T->ntrain / c->batch;
    if (T->steps_per_epoch < 1)
        return sw_fail(SW_ERR_INPUT, "%s: %lld train chips, fewer than one batch of %d",
                       c->chips, T->ntrain, c->batch);
    nn_model_config mc;
    if ((st = nn_model_config_init(&mc, c->arch, in->channels, in->classes))) return st;
    if (c->depth) mc.depth = c->depth;
    if (c->width) mc.width = c->width;
    int n_state = !strcmp(c->optim, "sgd") ? (c->momentum > 0) : 2;
    if ((st = nn_model_create(&T->m, &mc, n_state))) return st;
    if (T->m.task != NN_TASK_SEGMENT)
        return sw_fail(SW_ERR_USAGE, "swath train: %s is a classifier; train segments masks",
                       c->arch);
    if (c->crop % T->m.size_multiple)
        return sw_fail(SW_ERR_USAGE, "swath train: --crop %d is not a multiple of %d (%s)",
                       c->crop, T->m.size_multiple, c->arch);
    nn_model_init_weights(&T->m, c->seed);
    if (c->init[0] && (st = sw_checkpoint_load(c->init, &T->m, 0)))
        return sw_fail_ctx(st, "--init");
    sw_shard(c->batch, T->rank, T->size, &T->first, &T->nloc);
    if ((st = nn_model_prepare(&T->m, T->nloc, c->crop, c->crop))) return st;
    const size_t xs = (size_t)c->crop * c->crop;
    T->x = sw_malloc(xs * T->nloc * in->channels * sizeof *T->x, "the batch");
    T->y = sw_malloc(xs * T->nloc, "the batch masks");
    T->img = sw_malloc((size_t)in->tile_h * in->tile_w * in->channels, "a chip");
    T->mask = sw_malloc((size_t)in->tile_h * in->tile_w, "a chip mask");
    T->perm = sw_malloc((size_t)T->ntrain * sizeof *T->perm, "the epoch order");
    if (!T->x || !T->y || !T->img || !T->mask || !T->perm) return SW_ERR_RUNTIME;
    if (c->sync_bn) {
        T->sync.allreduce = sw_train_bn_allreduce;
        T->sync.scratch = sw_malloc((2 * SYNC_MAX_C + 1) * sizeof(double), "batch-norm sums");
        T->sync.scratch_n = 2 * SYNC_MAX_C + 1;
        if (!T->sync.scratch) return SW_ERR_RUNTIME;
        T->m.net.bn_sync = &T->sync;
    }
    const sw_ar_mode mode = !strcmp(c->allreduce, "blocking") ? SW_AR_BLOCKING
                            : !strcmp(c->allreduce, "thread") ? SW_AR_THREAD : SW_AR_PROGRESS;
    const char *broken = getenv("SWATH_TEST_BREAK_ALLREDUCE");
    nn_param_set *ps = &T->m.net.params;
    if ((st = sw_grad_comm_create(&T->gc, ps->grad_memory, ps->offset, ps->count, ps->numel,
                                  (size_t)(c->bucket_mb * 1048576.0), mode,
                                  broken && atoi(broken) > 0)))
        return st;
    T->sc.m = &T->m, T->sc.gc = T->gc, T->sc.cfg = c, T->sc.rank = T->rank;
    T->sc.size = T->size, T->sc.avg_buffers = !c->sync_bn;
    T->sc.loss = !strcmp(c->loss, "focal") ? SW_LOSS_FOCAL
                 : !strcmp(c->loss, "dice") ? SW_LOSS_DICE : SW_LOSS_CE;
    T->sc.opt = !strcmp(c->optim, "sgd") ? SW_OPT_SGD
                : !strcmp(c->optim, "adam") ? SW_OPT_ADAM : SW_OPT_ADAMW;
    /* resume: weights and optimizer state (history, position: resume_meta) */
    if (c->resume && (st = sw_checkpoint_load(c->out, &T->m, 1))) return st;
    T->meta.train.seed = c->seed;
    /* every rank starts from rank 0's parameters and statistics */
    if ((st = sw_train_bcast_f32(T->m.net.params.param_memory, T->m.net.params.numel))) return st;
    if (T->m.net.buffers.numel &&
        (st = sw_train_bcast_f32(T->m.net.buffers.param_memory, T->m.net.buffers.numel)))
        return st;
    /* --device: every rank may train on its GPU from here on (collective) */
    return sw_step_device_init(&T->sc, c->device, T->nloc, c->crop, c->crop);
}

static sw_status train_epochs(trainer *T) {
    const sw_train_config *c = T->cfg;
    sw_ckpt_train *S = &T->meta.train;
    long long stop_step = -1;
    int stop_rank = 0;
    const char *sa = getenv("SWATH_TEST_STOP_AT"); /* "STEP[:RANK]": a stop request (tests) */
    if (sa) sscanf(sa, "%lld:%d", &stop_step, &stop_rank);
    const long long total = T->steps_per_epoch * c->epochs;
    sw_status st = SW_OK;
    while (!S->finished && S->epoch < c->epochs) {
        sw_shuffle_epoch(T->perm, T->ntrain, c->seed, S->epoch);
        for (; S->pos < T->steps_per_epoch; S->pos++) {
            if (c->max_steps && S->steps >= c->max_steps) return checkpoint(T);
            if (S->steps == stop_step && T->rank == stop_rank) sw_stop_request(SIGUSR1);
            const double t0 = sw_now();
            st = read_batch(T, S->pos, S->epoch);
            if ((st = sw_mpi_agree_all(st))) return st;
            double agree[2] = {sw_loss_weight(&T->sc, T->y, (size_t)T->nloc * c->crop * c->crop),
                               sw_stop_requested() ? 1.0 : 0.0};
            if ((st = sw_train_sum_f64(agree, 2))) return st;
            if (agree[1] > 0) {
                if ((st = checkpoint(T))) return st;
                if (T->rank == 0 && T->tty) fprintf(stderr, "\n");
                return sw_fail(SW_INTERRUPTED, "on request after %d steps; %s holds the "
                               "state: run again with --resume", S->steps, c->out);
            }
            const float lr = lr_at(c, S->epoch, S->steps, total);
            double loss = 0;
            if ((st = sw_train_step(&T->sc, T->x, T->y, T->nloc, agree[0], lr, S->steps + 1,
                                    &loss)))
                return st;
            S->steps++;
            S->epoch_loss_sum += loss;
            S->epoch_loss_n++;
            progress_line(T, S->epoch, S->pos, S->steps, loss, lr, c->batch / (sw_now() - t0));
        }
        double vl = NAN, miou = NAN;
        if (T->nval > 0 && (st = validate(T, &vl, &miou))) return st;
        const double tl = S->epoch_loss_n ? S->epoch_loss_sum / S->epoch_loss_n : NAN;
        sw_ckpt_epoch *h = realloc(T->meta.history, (T->meta.nhistory + 1) * sizeof *h);
        if (!h) return sw_fail(SW_ERR_RUNTIME, "out of memory for the history");
        T->meta.history = h;
        h[T->meta.nhistory++] = (sw_ckpt_epoch){S->epoch, lr_at(c, S->epoch, S->steps, total),
                                                (float)tl, (float)vl, (float)miou};
        if (!isnan(vl) && vl < S->best_val_loss) S->best_val_loss = vl, S->best_epoch = S->epoch, S->bad_epochs = 0;
        else S->bad_epochs++;
        if (T->rank == 0 && T->tty) fprintf(stderr, "\n");
        if (T->rank == 0 && (T->json || sw_log_level() >= 1)) {
            FILE *o = T->json ? stdout : stderr;
            char a[32], b[32], m[32];
            fprintf(o, "{\"epoch\":%d,\"train_loss\":%s,\"val_loss\":%s,\"val_miou\":%s,"
                    "\"best_epoch\":%d}\n", S->epoch, jnum(a, sizeof a, "%.9g", tl),
                    jnum(b, sizeof b, "%.9g", vl), jnum(m, sizeof m, "%.6f", miou), S->best_epoch);
            fflush(o);
        }
        S->epoch++, S->pos = 0, S->epoch_loss_sum = 0, S->epoch_loss_n = 0;
        if (S->epoch >= c->epochs || (c->patience > 0 && S->bad_epochs >= c->patience))
            S->finished = 1;
        /* every rank holds the same model (a broken allreduce or step shows here) */
        unsigned long long lo, hi;
        if ((st = sw_mpi_agree_all(sw_step_to_host(&T->sc)))) return st;
        sw_train_minmax_u64(param_hash(&T->m), &lo, &hi);
        if (lo != hi)
            return sw_fail(SW_ERR_RUNTIME, "the ranks' models differ after epoch %d (the "
                           "gradient allreduce or the optimizer step is not the same everywhere)",
                           S->epoch - 1);
        if ((st = checkpoint(T))) return st;
    }
    return SW_OK;
}

sw_status sw_train_run(const sw_train_config *cfg, int *print) {
    *print = 1;
    sw_status st = sw_train_config_check(cfg);
    if (st) return st;
    trainer T;
    memset(&T, 0, sizeof T);
    T.cfg = cfg;
    const sw_ar_mode mode = !strcmp(cfg->allreduce, "blocking") ? SW_AR_BLOCKING
                            : !strcmp(cfg->allreduce, "thread") ? SW_AR_THREAD : SW_AR_PROGRESS;
    if ((st = sw_train_mpi_start(mode, &T.rank, &T.size))) return st;
    *print = T.rank == 0;
#ifdef _OPENMP
    if (!getenv("OMP_NUM_THREADS")) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN) / sw_mpi_local_size();
        omp_set_num_threads(cores > 0 ? (int)cores : 1);
    }
#endif
    sw_stop_install();
    const int under_mpiexec = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") ||
                              getenv("PMIX_RANK");
    T.tty = !strcmp(cfg->progress, "bar") ||
            (!strcmp(cfg->progress, "auto") && isatty(STDOUT_FILENO) && !under_mpiexec);
    T.json = !T.tty;
    st = sw_mpi_agree_all(setup(&T));
    if (st == SW_OK) {
        st = train_epochs(&T);
        if (st == SW_OK) st = sw_step_to_host(&T.sc);
        if (st == SW_OK && T.rank == 0 && T.json) {
            printf("{\"done\":true,\"steps\":%d,\"epoch\":%d,\"param_hash\":\"%016llx\"}\n",
                   T.meta.train.steps, T.meta.train.epoch,
                   (unsigned long long)param_hash(&T.m));
            fflush(stdout);
        }
    }
    sw_step_device_free(&T.sc);
    sw_grad_comm_free(T.gc);
    if (T.chips) sw_chips_close(T.chips);
    free(T.x), free(T.y), free(T.img), free(T.mask), free(T.perm), free(T.sync.scratch);
    free(T.meta.history);
    nn_model_free(&T.m);
    /* rank 0's final message before MPI_Finalize (see sw_run: mpiexec kills the other ranks
     * when one exits non-zero, and could kill rank 0 before it printed) */
    if (st && *print) sw_report_status(st);
    *print = 0;
    sw_train_mpi_stop();
    return st;
}
