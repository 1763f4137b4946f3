/* `swath demo`: the README's main-job command on built-in data: synthesize a defect mosaic with
 * exact truth, run the pixel-defects inspection job over it, and score the result. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "src/core/fsutil.h"
#include "src/core/log.h"

#include <stdio.h>
#include <stdlib.h>

static const sw_opt demo_opts[] = {
    {"out", "DIR", "out/demo", "output folder"},
    {"size", "WxH", "2048x2048", "mosaic size in pixels"},
    {"seed", "N", "7", "random seed"},
    {0},
};

int sw_cmd_demo(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "demo", demo_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "[--out DIR] [--size WxH] [--seed N]",
                           "Runs the built-in demo: synthesizes a quality-inspection mosaic with all ten\n"
                           "defect types and exact ground truth (swath synth defects) into DIR/synth,\n"
                           "describes it (swath info), runs the pixel-defects inspection job over it\n"
                           "(swath run, into DIR/run: mask.tif, defects.gpkg, quicklook.png, report.json)\n"
                           "and scores the mask against the truth (swath eval). Runs as one process, or\n"
                           "under mpiexec -n N.");
        return 0;
    }
    if (a.npos) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath demo: unexpected argument '%s'", a.pos[0]));
    const char *out = sw_args_str(&a, "out");
    char synth_dir[4096], run_dir[4096], mosaic[4096], truth[4096], mask[4096];
    if ((st = sw_path_join(synth_dir, sizeof synth_dir, out, "synth")) ||
        (st = sw_path_join(run_dir, sizeof run_dir, out, "run")) ||
        (st = sw_path_join(mosaic, sizeof mosaic, synth_dir, "mosaic.tif")) ||
        (st = sw_path_join(truth, sizeof truth, synth_dir, "truth.tif")) ||
        (st = sw_path_join(mask, sizeof mask, run_dir, "mask.tif")))
        return sw_cli_report(st);
    double t0 = sw_now();
    sw_log(1, "demo: 1/4 synthesizing a %s defect mosaic into %s", sw_args_str(&a, "size"), synth_dir);
    char *synth_argv[] = {"defects", "--size", (char *)sw_args_str(&a, "size"), "--seed",
                          (char *)sw_args_str(&a, "seed"), "--out", synth_dir, NULL};
    if ((st = sw_cmd_synth(7, synth_argv))) return st;
    fflush(stdout);
    sw_log(1, "demo: 2/4 describing the mosaic");
    char *info_argv[] = {mosaic, NULL};
    if ((st = sw_cmd_info(1, info_argv))) return st;
    fflush(stdout);
    /* A fresh run each time: the demo's run folder is its own, so an old one is replaced. */
    sw_log(1, "demo: 3/4 running the pixel-defects inspection job into %s", run_dir);
    if (sw_path_exists(run_dir)) {
        char *resume_argv[] = {"--job", "pixel-defects", mosaic, "--out", run_dir, "--resume", NULL};
        st = sw_cmd_run(6, resume_argv);
    } else {
        char *run_argv[] = {"--job", "pixel-defects", mosaic, "--out", run_dir, NULL};
        st = sw_cmd_run(5, run_argv);
    }
    if (st) return st;
    fflush(stdout);
    sw_log(1, "demo: 4/4 scoring %s against the truth", mask);
    char *eval_argv[] = {"--mask", mask, "--truth", truth, NULL};
    if ((st = sw_cmd_eval(4, eval_argv))) return st;
    fflush(stdout);
    sw_log(1, "demo: done in %.1f s. Mosaic and truth: %s; inspection outputs: %s (mask.tif, defects.gpkg, "
              "quicklook.png, report.json)", sw_now() - t0, synth_dir, run_dir);
    return 0;
}
