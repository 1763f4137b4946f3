/* model.h5 (format "model", version 1; docs/formats.md): a model's architecture and
 * hyperparameters, class names, input normalization and size, every parameter and running
 * statistic (one dataset per tensor, named as the arenas), optimizer state for resume, the
 * training history, and the source band behind each input channel when the chips recorded it
 * (root attribute 'bands': what `swath run --job segment` reads by default). Written atomically (a temporary file renamed); loading checks format,
 * version, architecture, hyperparameters, channels, every dataset's presence and shape, and
 * names the file and both values on a mismatch. */
#ifndef SWATH_IO_CHECKPOINT_H
#define SWATH_IO_CHECKPOINT_H

#include "src/core/error.h"
#include "src/nn/models/model.h"

#include <stdint.h>

enum { SW_MODEL_VERSION = 1, SW_CKPT_MAX_CH = 64, SW_CKPT_CLASS_NAME = 32 };

/* One epoch of the training history (the /history table). */
typedef struct {
    int32_t epoch;
    float lr, train_loss, val_loss, val_score;
} sw_ckpt_epoch;

/* The training state for an exact --resume (the optional /train_state group; files without
 * it still load, they only cannot be resumed). The random state is counter-based: the seed and
 * the position (epoch, step in the epoch) give every later draw. */
typedef struct {
    int present;
    int32_t epoch, pos;        /* the next epoch (0-based) and the next step inside it */
    int32_t steps;             /* optimizer steps taken (the schedule's and Adam's t) */
    int32_t finished;          /* 1: the last epoch ran or early stopping stopped the run */
    uint64_t seed;
    double epoch_loss_sum;     /* train loss summed over the steps of the current epoch */
    int32_t epoch_loss_n;
    double best_val_loss;      /* early stopping */
    int32_t best_epoch, bad_epochs;
    int32_t world_size;        /* ranks of the run that wrote it (information only) */
    char config[4096];         /* the run's settings, key=value lines (src/train/config.h) */
    char chips[1536];          /* the chips trained on (src/train/files.h); "": not recorded */
} sw_ckpt_train;

typedef struct {
    nn_model_config cfg;               /* arch, in_ch, classes, depth, width */
    int tile_h, tile_w;                /* the input size trained on */
    float mean[SW_CKPT_MAX_CH], std[SW_CKPT_MAX_CH]; /* per input channel: (x - mean) / std */
    int bands[SW_CKPT_MAX_CH];         /* source band per input channel (1-based); 0: unknown */
    char (*class_names)[SW_CKPT_CLASS_NAME]; /* (cfg.classes) or NULL: "class_<i>" */
    char optimizer[16];                /* "sgd", "adam", "adamw", or "" (no state saved) */
    int step;                          /* optimizer steps taken (Adam's t) */
    int nhistory;
    sw_ckpt_epoch *history;            /* (nhistory) */
    sw_ckpt_train train;               /* train.present 0: no /train_state */
} sw_ckpt_meta;

/* Writes `path` from the model's arenas (parameters, running statistics, and, when
 * meta->optimizer is set, the model's n_state optimizer buffers). */
sw_status sw_checkpoint_save(const char *path, const nn_model *m, const sw_ckpt_meta *meta);
/* Reads the metadata only (to create the model): fills *meta; class_names and history are
 * allocated (free with sw_ckpt_meta_free). */
sw_status sw_checkpoint_read_meta(const char *path, sw_ckpt_meta *meta);
void sw_ckpt_meta_free(sw_ckpt_meta *meta);
/* The model's identity for a resumed run: FNV-1a 64 over the name and float32 values of every
 * dataset under /weights, in name order (what inference uses; a model written again with the same
 * weights keeps it, unlike a hash of the file's bytes). */
sw_status sw_checkpoint_fingerprint(const char *path, uint64_t *fp);
/* Loads the weights and running statistics into m (created with the file's config: any
 * difference in architecture, hyperparameter or channels is an error naming both values) and,
 * with `with_optimizer` and a file that has it, the optimizer state into m's state arena (its
 * n_state must match). */
sw_status sw_checkpoint_load(const char *path, nn_model *m, int with_optimizer);

#endif
