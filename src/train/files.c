/* Start-up checks of train's files (see files.h). */
#include "src/train/files.h"

#include "io/h5.h"
#include "src/core/fsutil.h"
#include "src/core/log.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* An existing --out: a folder cannot be written over; a file that is not a swath model is kept; a
 * model is continued (--resume) or replaced (--overwrite), never replaced by default. */
static sw_status check_existing(const sw_train_config *c) {
    struct stat sb;
    if (stat(c->out, &sb) != 0) return SW_OK;
    if (S_ISDIR(sb.st_mode))
        return sw_fail(SW_ERR_OUTPUT, "--out '%s' is a folder: give the model's file name (model.h5)", c->out);
    if (c->resume) return SW_OK; /* read, and checked, as the run to continue */
    char fmt[32] = "";
    int version = 0;
    if (sw_h5_identify(c->out, fmt, sizeof fmt, &version) != SW_OK || strcmp(fmt, "model") != 0)
        return sw_fail(SW_ERR_USAGE, "--out '%s' exists and is not a swath model%s%s%s: refusing to replace it; "
                       "remove it or choose another --out", c->out, fmt[0] ? " (a swath '" : "", fmt,
                       fmt[0] ? "' file)" : "");
    if (!c->overwrite)
        return sw_fail(SW_ERR_OUTPUT, "--out '%s' already holds a model: continue it with --resume, replace it with "
                       "--overwrite, or choose another --out", c->out);
    sw_log(1, "train: --out '%s' holds a model: --overwrite, this new run replaces it", c->out);
    return SW_OK;
}

sw_status sw_train_check_out(const sw_train_config *c) {
    sw_status st = sw_check_not_input(c->out, "--out", c->chips, "--chips");
    if (!st && c->init[0] && !c->resume) st = sw_check_not_input(c->out, "--out", c->init, "--init");
    if (!st) st = check_existing(c);
    if (st) return st;
    char dir[4096];
    sw_path_dirname(dir, sizeof dir, c->out);
    if ((st = sw_check_dir_writable(dir))) return sw_fail_ctx(st, "--out '%s' cannot be written", c->out);
    return SW_OK;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
    return h;
}

void sw_train_chips_identity(const sw_chips_info *in, const char *path, char *buf, size_t cap) {
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, in->class_names, (size_t)in->classes * SW_CHIPS_CLASS_NAME);
    h = fnv(h, in->mean, (size_t)in->channels * sizeof *in->mean);
    h = fnv(h, in->std, (size_t)in->channels * sizeof *in->std);
    h = fnv(h, in->class_hist, (size_t)in->classes * sizeof *in->class_hist);
    char abs[PATH_MAX];
    snprintf(buf, cap, "tile=%dx%d channels=%d classes=%d train=%lld val=%lld stats=%016llx path=%s", in->tile_w,
             in->tile_h, in->channels, in->classes, in->count[SW_SPLIT_TRAIN], in->count[SW_SPLIT_VAL],
             (unsigned long long)h, realpath(path, abs) ? abs : path);
}

/* The value of `key` in an identity line (up to the next space; path: the rest of the line). */
static void field(const char *id, const char *key, char *val, size_t cap) {
    char pat[32];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(id, pat);
    val[0] = 0;
    if (!p) return;
    p += strlen(pat);
    const size_t n = strcmp(key, "path") ? strcspn(p, " ") : strlen(p);
    snprintf(val, cap, "%.*s", (int)n, p);
}

sw_status sw_train_chips_check(const char *stored, const char *now, const char *out, int say) {
    static const char *const keys[] = {"tile", "channels", "classes", "train", "val", "stats"};
    static const char *const names[] = {"chip size", "bands", "classes", "train chips", "val chips", ""};
    char was[1536], is[1536], diff[1024] = "";
    field(now, "path", is, sizeof is);
    if (!stored[0]) {
        if (say) sw_log(1, "train: --resume: '%s' does not record the chips it was trained on (an older swath): "
                        "'%s' is not checked against them", out, is);
        return SW_OK;
    }
    field(stored, "path", was, sizeof was);
    size_t len = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char a[64], b[64];
        field(stored, keys[k], a, sizeof a);
        field(now, keys[k], b, sizeof b);
        if (!strcmp(a, b) || len >= sizeof diff) continue;
        if (names[k][0])
            len += (size_t)snprintf(diff + len, sizeof diff - len, "%s%s %s (trained) vs %s (given)",
                                    len ? ", " : "", names[k], a, b);
        else
            len += (size_t)snprintf(diff + len, sizeof diff - len, "%sother statistics (mean, std, class "
                                    "histogram or names)", len ? ", " : "");
    }
    if (diff[0])
        return sw_fail(SW_ERR_INPUT, "--resume: '%s' was trained on the chips '%s', and '%s' are other chips: %s; "
                       "resume with the same chips, or start a new run (--init '%s' to refine it)",
                       out, was, is, diff, out);
    if (strcmp(was, is) && say)
        sw_log(1, "train: --resume: '%s' was trained on '%s'; continuing on '%s' (the same size, bands, classes, "
               "chip counts and statistics)", out, was, is);
    return SW_OK;
}
