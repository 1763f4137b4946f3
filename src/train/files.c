/* Start-up checks of train's files (see files.h). */
#include "src/train/files.h"

#include "io/h5.h"
#include "src/core/fsutil.h"
#include "src/core/log.h"

#include <string.h>
#include <sys/stat.h>

/* An existing --out: a folder cannot be written over; a file that is not a swath model is kept. */
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
    sw_log(1, "train: --out '%s' holds a model: this new run replaces it (--resume would continue it)", c->out);
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
