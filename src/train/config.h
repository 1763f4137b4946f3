/* `swath train` settings: defaults, key=value text (a config file, and the copy a checkpoint
 * keeps for --resume) and checks. Keys are the long option names of `swath train --help`. */
#ifndef SWATH_TRAIN_CONFIG_H
#define SWATH_TRAIN_CONFIG_H

#include "src/core/error.h"

#include <stddef.h>

typedef struct {
    char chips[1024], out[1024], init[1024];
    char arch[32];
    int depth, width;        /* 0: the architecture's default */
    char loss[16];           /* ce, focal, dice */
    char class_weights[1024]; /* "" (none), auto, or W0,W1,... (src/train/class_weights.h) */
    float focal_gamma;
    char optim[16];          /* sgd, adam, adamw */
    float lr, momentum, weight_decay;
    char schedule[16];       /* const, step, cosine */
    int step_size, warmup;   /* in epochs for step; warm-up in steps */
    float gamma, lr_min;
    int epochs, batch, crop; /* batch: global, over every rank */
    int augment;             /* seed 002's crop / rotation, flips */
    int sync_bn;
    int resume;
    int overwrite;           /* --overwrite: a new run may replace the model at --out (not stored) */
    unsigned long long seed;
    int patience;            /* epochs without a better val loss (0: never stop early) */
    long long max_steps;     /* total optimizer steps, then checkpoint and stop (0: none) */
    char allreduce[16];      /* blocking, progress, thread */
    float bucket_mb;
    char progress[8];        /* auto, json, bar (not stored for --resume) */
    char device[8];          /* auto, cpu, cuda (not stored for --resume) */
    char precision[16];      /* f32, tf32, bf16, bf16-act: the GPU's arithmetic (not stored) */
    int deterministic;       /* the GPU's deterministic algorithms only (not stored) */
} sw_train_config;

void sw_train_config_defaults(sw_train_config *c);
/* Applies one key = value (keys as the options, without "--"). */
sw_status sw_train_config_set(sw_train_config *c, const char *key, const char *value);
/* Checks ranges and names. */
sw_status sw_train_config_check(const sw_train_config *c);
/* The settings that define a run, as key=value lines (stored in model.h5 for --resume). */
void sw_train_config_text(const sw_train_config *c, char *buf, size_t cap);

#endif
