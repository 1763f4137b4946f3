/* `swath dataset build RASTER... --labels FILE[,FILE...] --out chips.h5 [...]`: parses flags and
 * calls src/dataset/build. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "mpi/run_mpi.h"
#include "src/core/fsutil.h"
#include "src/core/log.h"
#include "src/dataset/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_opt build_opts[] = {
    {"labels", "FILE[,FILE...]", NULL,
     "labels: a class mask raster per raster (Byte, 255 = ignore), or vector polygons (with --class-field) "
     "for all rasters or one per raster; required"},
    {"class-field", "NAME", NULL, "vector labels: the attribute holding the class"},
    {"layer", "NAME", NULL, "vector labels: the layer (default: the first)"},
    {"classes", "V=ID,...", NULL,
     "vector labels: class ids of field values (default: integer values are the ids; string values get 1..n "
     "in sorted order); unnamed values are ignored (255); uncovered pixels are 0"},
    {"class-names", "N0,N1,...", NULL, "class names, in id order (default: background, the field values or class_<k>)"},
    {"num-classes", "K", NULL,
     "classes 0..K-1 (default: the largest value found + 1; vectors: at least the classes of the field)"},
    {"bands", "B1,B2,...", NULL, "image bands, 1-based, up to 16 (default: the reader's RGB choice); recorded in chips.h5 and the models trained on it"},
    {"tile", "N", "364", "chip side in pixels (seed 002)"},
    {"stride", "N", "120", "chip stride in pixels (seed 002)"},
    {"val", "F", "0.2", "fraction of the split blocks kept for validation (0 <= F < 1)"},
    {"block", "N", NULL, "split block side in pixels (default: 4 tiles); windows across a train/val boundary are dropped"},
    {"seed", "N", "1", "seed of the block split"},
    {"negatives", "keep|drop|cap=N", "keep",
     "chips holding only background: keep, drop (seed 003 for segmentation) or keep the first N per split"},
    {"out", "FILE", NULL, "the chips.h5 to write (atomically); required"},
    {0},
};

/* Splits a comma list in place into at most cap items. */
static int split_list(char *s, const char **items, int cap) {
    int n = 0;
    for (char *p = s; p && *p && n < cap;) {
        char *e = strchr(p, ',');
        if (e) *e = 0;
        if (*p) items[n++] = p;
        p = e ? e + 1 : NULL;
    }
    return n;
}

/* --out must not be one of the rasters or label files (it is replaced when the build ends). */
static sw_status check_out(const sw_dataset_opts *o) {
    sw_status st = SW_OK;
    for (int i = 0; !st && i < o->nrasters; i++) st = sw_check_not_input(o->out, "--out", o->rasters[i], "RASTER");
    for (int i = 0; !st && i < o->nlabels; i++) st = sw_check_not_input(o->out, "--out", o->labels[i], "--labels");
    return st;
}

static int build(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "dataset build", build_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "RASTER... --labels FILE[,FILE...] --out chips.h5 [OPTIONS]",
                           "Cuts rasters into chips (tile x tile every stride pixels) with their class\n"
                           "masks, multi-label vectors and one point per connected object, and writes\n"
                           "them to chips.h5 (docs/formats.md) for swath train and swath eval. Train and\n"
                           "val come from spatially disjoint blocks (seeded, --val of them for val);\n"
                           "windows that straddle a boundary are dropped, so no val pixel is trained on.\n"
                           "Vector labels are reprojected to each raster's CRS and rasterized through\n"
                           "GDAL one window at a time. Mean / std are over the train chips' valid pixels.\n"
                           "Memory holds one chip. Under mpiexec -n N the ranks share the windows\n"
                           "and rank 0 merges their parts into the same file one process writes.");
        return 0;
    }
    static const char *rasters[SW_ARGS_MAX_POS], *labels[SW_ARGS_MAX_POS];
    sw_dataset_opts o = {0};
    for (int i = 0; i < a.npos; i++) rasters[i] = a.pos[i];
    o.rasters = rasters;
    o.nrasters = a.npos;
    const char *lab = sw_args_str(&a, "labels");
    o.out = sw_args_str(&a, "out");
    if (!a.npos || !lab || !o.out)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath dataset build: rasters, --labels and --out are required "
                                     "(see swath dataset build --help)"));
    char *labcopy = strdup(lab);
    o.labels = labels;
    o.nlabels = split_list(labcopy, labels, SW_ARGS_MAX_POS);
    o.class_field = sw_args_str(&a, "class-field");
    o.layer = sw_args_str(&a, "layer");
    o.class_map = sw_args_str(&a, "classes");
    o.class_names = sw_args_str(&a, "class-names");
    st = check_out(&o);
    if (!st && !o.class_field && (o.class_map || o.layer))
        st = sw_fail(SW_ERR_USAGE, "--%s applies to vector labels only (with --class-field); the labels here are "
                     "class mask rasters", o.class_map ? "classes" : "layer");
    int64_t v, list[SW_RASTER_MAX_BANDS];
    int n = 0;
    if (!st && sw_args_str(&a, "num-classes") && !(st = sw_args_int(&a, "num-classes", 2, SW_CHIPS_MAX_CLASSES, &v)))
        o.num_classes = (int)v;
    if (!st && sw_args_str(&a, "bands") && !(st = sw_args_int_list(&a, "bands", 1, 1 << 16, list, SW_RASTER_MAX_BANDS, &n))) {
        o.nbands = n;
        for (int i = 0; i < n; i++) o.bands[i] = (int)list[i];
    }
    if (!st && !(st = sw_args_int(&a, "tile", 8, 8192, &v))) o.tile = (int)v;
    if (!st && !(st = sw_args_int(&a, "stride", 1, 8192, &v))) o.stride = (int)v;
    if (!st && sw_args_str(&a, "block") && !(st = sw_args_int(&a, "block", 8, 1 << 30, &v))) o.block = (int)v;
    if (!st && !(st = sw_args_int(&a, "seed", 0, INT64_MAX, &v))) o.seed = (unsigned long long)v;
    if (!st) st = sw_args_double(&a, "val", 0.0, 0.99, &o.val);
    const char *neg = sw_args_str(&a, "negatives");
    if (!st) {
        char *e;
        if (!strcmp(neg, "keep")) o.negatives = SW_NEG_KEEP;
        else if (!strcmp(neg, "drop")) o.negatives = SW_NEG_DROP;
        else if (!strncmp(neg, "cap=", 4) && (o.neg_cap = strtoll(neg + 4, &e, 10)) >= 0 && neg[4] && !*e)
            o.negatives = SW_NEG_CAP;
        else st = sw_fail(SW_ERR_USAGE, "--negatives '%s': expected keep, drop or cap=N", neg);
    }
    sw_dataset_stats s;
    int reported = 0;
    if (!st && !(st = sw_mpi_start(&o.rank, &o.nranks))) {
        if (o.rank > 0) sw_log_set_level(0);   /* rank 0 reports */
        st = sw_dataset_build(&o, &s);
        /* rank 0's message before MPI_Finalize, which every rank waits in: under mpiexec a rank
         * exiting non-zero first gets the others killed (as in swath run) */
        if (st && o.rank == 0) sw_cli_report(st);
        reported = 1;
        sw_mpi_stop();
    }
    free(labcopy);
    if (st) return o.rank > 0 || reported ? (int)st : sw_cli_report(st);
    if (o.rank > 0) return 0;
    sw_log(1, "dataset build: %s: %d channels, %d classes, %d x %d chips: train %lld (%lld points, %lld negative), "
           "val %lld (%lld points, %lld negative); of %lld windows %lld in the guard band, %lld without labelled "
           "pixels, %lld negatives dropped\n", o.out, s.channels, s.classes, o.tile, o.tile, s.chips[0], s.points[0],
           s.negatives[0], s.chips[1], s.points[1], s.negatives[1], s.windows, s.guard, s.empty, s.negatives_dropped);
    return 0;
}

int sw_cmd_dataset(int argc, char **argv) {
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        printf("usage: swath dataset build RASTER... --labels FILE --out chips.h5 [OPTIONS]\n\n"
               "  build   cut rasters and labels into train / val chips (chips.h5)\n\n"
               "`swath dataset build --help` lists the options.\n");
        return argc < 1 ? SW_ERR_USAGE : 0;
    }
    if (!strcmp(argv[0], "build")) return build(argc - 1, argv + 1);
    return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath dataset: unknown subcommand '%s' (known: build)", argv[0]));
}
