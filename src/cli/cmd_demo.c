/* `swath demo`: the README's main-job command on built-in data. For now it synthesizes a defect
 * mosaic and describes it; it becomes the full inspection run as the runtime lands. */
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
                           "defect types and exact ground truth (swath synth defects), then describes the\n"
                           "mosaic and its truth (swath info). Real Landsat texture from ../shared/data is\n"
                           "not needed: the land texture is procedural.");
        return 0;
    }
    if (a.npos) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath demo: unexpected argument '%s'", a.pos[0]));
    const char *out = sw_args_str(&a, "out");
    char *synth_argv[] = {"defects", "--size", (char *)sw_args_str(&a, "size"), "--seed",
                          (char *)sw_args_str(&a, "seed"), "--out", (char *)out, NULL};
    sw_log(1, "demo: synthesizing a %s defect mosaic into %s", sw_args_str(&a, "size"), out);
    double t0 = sw_now();
    if ((st = sw_cmd_synth(7, synth_argv))) return st;
    char path[4096];
    const char *files[] = {"mosaic.tif", "truth.tif"};
    for (int i = 0; i < 2; i++) {
        if ((st = sw_path_join(path, sizeof path, out, files[i]))) return sw_cli_report(st);
        printf("\n");
        char *info_argv[] = {path, NULL};
        fflush(stdout);
        if ((st = sw_cmd_info(1, info_argv))) return st;
    }
    fflush(stdout);
    sw_log(1, "demo: done in %.1f s; outputs in %s (mosaic.tif, truth.tif, truth.gpkg)", sw_now() - t0, out);
    return 0;
}
