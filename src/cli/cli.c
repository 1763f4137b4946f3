/* Subcommand dispatch, --version and top-level --help (see cli.h). */
#include "src/cli/cli.h"

#include "io/h5.h"
#include "io/raster.h"
#include "kernels/backend_info.h"
#include "mpi/mpi_info.h"
#include "src/core/build_config.h"
#include "src/core/error.h"
#include "src/core/log.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} sw_command;

static const sw_command commands[] = {
    {"info", sw_cmd_info, "describe a raster (size, bands, CRS, geotransform, mask) or a swath HDF5 file"},
    {"synth", sw_cmd_synth, "generate synthetic data with exact ground truth (swath synth defects)"},
    {"run", sw_cmd_run, "run a job over a mosaic in tiles, as one process or under mpiexec (swath run --job ...)"},
    {"dataset", sw_cmd_dataset, "build training chips from rasters and labels (swath dataset build -> chips.h5)"},
    {"eval", sw_cmd_eval, "score a class mask against a truth mask, or a model on chips: IoU, F1, precision, recall"},
    {"model", sw_cmd_model, "describe an engine model: layers, parameters, activation memory, GFLOP (swath model summary)"},
    {"train", sw_cmd_train, "train a segmentation model on chips.h5, data-parallel under mpiexec (swath train --chips ...)"},
    {"demo", sw_cmd_demo, "the built-in demo: synthesize a defect mosaic and describe it"},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *f) {
    fprintf(f, "usage: swath [--version] [--quiet | --verbose] COMMAND [ARGS...]\n\n"
               "Deep-learning and classical image analysis over remote-sensing imagery, from one\n"
               "scene to a national mosaic on a cluster.\n\ncommands:\n");
    for (int i = 0; commands[i].name; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`swath COMMAND --help` describes each command.\n"
               "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input, 4 output error,\n"
               "            75 stopped on SIGUSR1 / SIGTERM, resumable (run again with --resume)\n");
}

static void print_version(void) {
    char mpi[256], dev[256], cudnn[64];
    int par = 0;
    sw_mpi_library_version(mpi, sizeof mpi);
    const char *h5 = sw_h5_version(&par);
    const char *dnnl = sw_dnnl_version();
    int ndev = sw_cuda_probe(dev, sizeof dev, cudnn, sizeof cudnn);
    printf("swath %s (%s)\n", SWATH_VERSION, SWATH_BUILD_TYPE);
    printf("  MPI:           %s\n", mpi);
    printf("  HDF5:          %s (%s)\n", h5, par ? "parallel" : "serial");
    printf("  GDAL:          %s\n", sw_raster_gdal_version());
    printf("  oneDNN:        %s\n", dnnl ? dnnl : "no (built without it)");
    if (ndev < 0) printf("  CUDA:          no (built without CUDA)\n");
    else printf("  CUDA:          yes, cuDNN %s; devices: %d, %s\n", cudnn, ndev, dev);
}

int sw_cli_report(int status) { return (int)sw_report_status((sw_status)status); }

int sw_cli_main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--version")) {
            print_version();
            return 0;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            sw_log_set_level(0);
        } else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
            sw_log_set_level(2);
        } else {
            fprintf(stderr, "swath: error: unknown option '%s'\n", argv[i]);
            print_usage(stderr);
            return SW_ERR_USAGE;
        }
    }
    if (i == argc) {
        print_usage(stderr);
        return SW_ERR_USAGE;
    }
    for (int k = 0; commands[k].name; k++)
        if (!strcmp(argv[i], commands[k].name)) return commands[k].fn(argc - i - 1, argv + i + 1);
    fprintf(stderr, "swath: error: unknown command '%s' (see swath --help)\n", argv[i]);
    return SW_ERR_USAGE;
}
