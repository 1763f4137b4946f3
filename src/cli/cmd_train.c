/* `swath train --chips chips.h5 --out model.h5 [...]`: settings from defaults, then a checkpoint's
 * own settings (--resume), then a key=value --config file, then flags; calls src/train. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "io/checkpoint.h"
#include "src/core/error.h"
#include "src/train/train.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_opt train_opts[] = {
    {"chips", "FILE", NULL, "training chips (swath dataset build): /train and /val"},
    {"out", "FILE", NULL, "model.h5 to write each epoch, on a stop request and at --max-steps"},
    {"config", "FILE", NULL, "key = value lines, keys as these options without --; # starts a comment "
                             "(at a line's start or after a space); flags win"},
    {"arch", "NAME", "unet", "unet or resnet{18,34,50}-seg"},
    {"depth", "D", NULL, "unet levels or resnet depth (0 or unset: the architecture's default)"},
    {"width", "W", NULL, "unet first width or resnet stem width (0 or unset: the architecture's default)"},
    {"loss", "NAME", "ce", "ce (cross-entropy), focal or dice; 255 in the masks is ignored"},
    {"focal-gamma", "G", "2", "focal loss exponent"},
    {"class-weights", "none|auto|W0,W1,...", "none", "per-class weights of the training loss: auto (median-frequency "
     "balancing from the chips' train class histogram, not capped) or one value per class"},
    {"optim", "NAME", "adamw", "sgd (momentum, L2), adam or adamw"},
    {"lr", "X", "0.001", "learning rate"},
    {"momentum", "X", "0.9", "SGD momentum"},
    {"weight-decay", "X", "0", "L2 (sgd, adam) or decoupled (adamw) weight decay"},
    {"schedule", "NAME", "const", "const, step (x gamma every step-size epochs) or cosine (over all steps)"},
    {"step-size", "E", "10", "epochs between step-schedule decays"},
    {"gamma", "X", "0.1", "step-schedule factor"},
    {"lr-min", "X", "0", "cosine schedule floor"},
    {"warmup", "S", "0", "linear warm-up steps from lr/3"},
    {"epochs", "E", "10", "epochs"},
    {"batch", "N", "8", "GLOBAL batch: split over the ranks (the first batch % ranks take one more)"},
    {"crop", "S", "256", "sample side (a random crop, or a rotation then a centre crop)"},
    {"augment", "0|1", "1", "seed 002's crop / rotation and flips (0: centre crops)"},
    {"sync-bn", NULL, NULL, "synchronized batch norm: statistics over the global batch"},
    {"init", "FILE", NULL, "start from a trained model.h5 (weights only: refinement; its arch, depth, width unless given)"},
    {"resume", NULL, NULL, "continue exactly where --out stopped (its settings, weights, optimizer, position)"},
    {"overwrite", NULL, NULL, "let a new run replace the model at --out (without it, an existing model is refused)"},
    {"seed", "N", "1", "seed of the initialization, shuffles and augmentation"},
    {"patience", "E", "0", "stop after E epochs without a better val loss (0: never)"},
    {"max-steps", "N", "0", "stop after N optimizer steps in all, with a checkpoint (0: none)"},
    {"allreduce", "MODE", "progress", "gradient allreduce: progress (buckets overlapped with backward, "
                                      "MPI_Test calls), thread (a communication thread) or blocking"},
    {"bucket-mb", "M", "1", "gradient bucket size in MiB"},
    {"device", "auto|cpu|cuda", "auto", "where the model trains: auto (each rank's GPU when every rank has one, "
                                        "else the CPU, said once), cpu, or cuda (an error without a GPU)"},
    {"precision", "f32|tf32|bf16|bf16-act", "f32", "the GPU's arithmetic: f32 (TF32 off), tf32 (convolutions and linears on TF32 "
                                          "tensor cores), bf16 (bf16 operands, f32 accumulation and master weights) or bf16-act "
                                          "(bf16 with the activations stored in bf16); the CPU computes in f32"},
    {"deterministic", NULL, NULL, "on the GPU, only algorithms that give the same result run to run"},
    {"progress", "MODE", "auto", "json (JSON lines on stdout), bar (on stderr) or auto: bar on a terminal, "
                                 "json otherwise and under mpiexec (its ranks' stdout is a pty)"},
    {0},
};

static int train_help(const sw_args *a) {
    sw_args_print_help(a, "--chips chips.h5 --out model.h5 [OPTIONS]  (also under mpiexec -n R)",
                       "Trains a segmentation model of the engine on chips, data-parallel over MPI\n"
                       "ranks: each rank takes its shard of a seeded global shuffle, augments it\n"
                       "(draws keyed by seed, epoch and sample, so they do not depend on the rank\n"
                       "count), runs forward and backward with the loss divided by the global count\n"
                       "of valid pixels, and the gradients are summed over the ranks in buckets\n"
                       "overlapped with backward; every rank takes the same optimizer step. Rank 0\n"
                       "writes --out each epoch and on SIGUSR1 / SIGTERM (then exit 75: --resume).\n"
                       "Output: JSON lines on stdout (a progress bar on a terminal).\n"
                       "docs/training.md says when -n R matches -n 1 exactly.");
    return 0;
}

/* Cuts a comment off a config line: a # at the start or after a space or tab (a # inside a
 * word, as in run#2.h5, is part of the value). */
static void strip_comment(char *s) {
    for (char *h = s; *h; h++)
        if (*h == '#' && (h == s || h[-1] == ' ' || h[-1] == '\t')) {
            *h = 0;
            return;
        }
}

/* Applies key=value lines (blank lines; with `comments`, # comments as strip_comment) of `text`;
 * `what` names the source. A checkpoint's stored settings are read without comments (a path may
 * hold " #"). */
static sw_status apply_lines(sw_train_config *c, const char *text, const char *what, int comments) {
    const char *p = text;
    int line = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char buf[2048];
        line++;
        if (n >= sizeof buf) return sw_fail(SW_ERR_USAGE, "%s:%d: line too long", what, line);
        memcpy(buf, p, n);
        buf[n] = 0;
        p += n + (e ? 1 : 0);
        char *s = buf;
        while (isspace((unsigned char)*s)) s++;
        if (comments) strip_comment(s);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) return sw_fail(SW_ERR_USAGE, "%s:%d: expected key=value, got '%s'", what, line, s);
        *eq = 0;
        char *k = s, *v = eq + 1, *t = eq - 1;
        while (t >= k && isspace((unsigned char)*t)) *t-- = 0;
        while (isspace((unsigned char)*v)) v++;
        for (t = v + strlen(v) - 1; t >= v && isspace((unsigned char)*t); t--) *t = 0;
        sw_status st = sw_train_config_set(c, k, v);
        if (st) return sw_fail_ctx(st, "%s:%d", what, line);
    }
    return SW_OK;
}

static sw_status read_file(const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    if (!f) return sw_fail(SW_ERR_INPUT, "%s: cannot open the config file", path);
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    buf[n] = 0;
    *out = buf;
    return SW_OK;
}

int sw_cmd_train(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "train", train_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) return train_help(&a);
    if (a.npos)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath train: unexpected argument '%s'", a.pos[0]));
    sw_train_config c;
    sw_train_config_defaults(&c);
    const char *out = sw_args_str(&a, "out");
    if (sw_args_flag(&a, "resume") && sw_args_flag(&a, "overwrite"))
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath train: --resume continues --out, --overwrite replaces it: give one"));
    if (sw_args_flag(&a, "resume")) {
        if (!out) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath train: --resume needs --out FILE"));
        sw_ckpt_meta meta;
        if ((st = sw_checkpoint_read_meta(out, &meta))) return sw_cli_report(sw_fail_ctx(st, "--resume"));
        const int has = meta.train.present;
        char text[sizeof meta.train.config];
        memcpy(text, meta.train.config, sizeof text);
        sw_ckpt_meta_free(&meta);
        if (!has)
            return sw_cli_report(sw_fail(SW_ERR_INPUT, "%s: no /train_state (saved without its "
                                         "training state: use --init to start from it)", out));
        if ((st = apply_lines(&c, text, out, 0))) return sw_cli_report(st);
    }
    if (sw_args_str(&a, "config")) {
        char *text = NULL;
        if ((st = read_file(sw_args_str(&a, "config"), &text))) return sw_cli_report(st);
        st = apply_lines(&c, text, sw_args_str(&a, "config"), 1);
        free(text);
        if (st) return sw_cli_report(st);
    }
    /* --init: the architecture of the model refined, unless given */
    const char *init = sw_args_str(&a, "init") ? sw_args_str(&a, "init") : c.init[0] ? c.init : NULL;
    if (sw_args_flag(&a, "resume")) init = NULL; /* the checkpoint's own settings hold */
    int arch_given = 0;
    for (int i = 0; train_opts[i].name; i++)
        if (!strcmp(train_opts[i].name, "arch")) arch_given = a.values[i] != NULL;
    if (init && !arch_given) {
        sw_ckpt_meta meta;
        if ((st = sw_checkpoint_read_meta(init, &meta))) return sw_cli_report(sw_fail_ctx(st, "--init"));
        snprintf(c.arch, sizeof c.arch, "%s", meta.cfg.arch);
        c.depth = meta.cfg.depth, c.width = meta.cfg.width;
        sw_ckpt_meta_free(&meta);
    }
    for (int i = 0; train_opts[i].name; i++) {
        const char *k = train_opts[i].name;
        if (!strcmp(k, "config") || !a.values[i]) continue;
        const char *v = a.values[i];
        if (!strcmp(k, "sync-bn") || !strcmp(k, "resume") || !strcmp(k, "deterministic")) v = "1";
        if (!strcmp(k, "resume") || !strcmp(k, "overwrite")) {
            *(!strcmp(k, "resume") ? &c.resume : &c.overwrite) = 1;
            continue;
        }
        if ((st = sw_train_config_set(&c, k, v))) return sw_cli_report(st);
    }
    int print = 1;
    st = sw_train_run(&c, &print);
    return print ? sw_cli_report(st) : st;
}
