/* `swath run --job JOB INPUT --out DIR`: parses the flags and calls sw_run (src/run/run.h); the
 * same flags as one process or under mpiexec / srun. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "jobs/job.h"
#include "kernels/backend.h"
#include "src/run/run.h"

#include <stdio.h>
#include <string.h>

static const sw_opt run_opts[] = {
    {"job", "NAME", NULL, "the job: pixel-defects (seed 003's stripe noise and pixel missing) or segment (a trained model)"},
    {"model", "FILE", NULL, "the model.h5 of the segment job (from swath train)"},
    {"device", "auto|cpu|cuda", "auto", "where the segment job runs its model: auto (the rank's GPU when there is one, else the CPU, said once), cpu, or cuda (an error without a GPU)"},
    {"precision", "f32|tf32|bf16|bf16-act", "f32", "the segment job's arithmetic on the GPU: f32 (TF32 off), tf32, bf16 (bf16 operands, f32 accumulation) or bf16-act (bf16 with the activations stored in bf16); the CPU computes in f32"},
    {"deterministic", NULL, NULL, "on the GPU, only algorithms that give the same result run to run"},
    {"out", "DIR", NULL, "output folder (run.h5, journal.bin, tiles/, blocks/, mask.tif, confidence.tif, defects.gpkg, quicklook.png, report.json)"},
    {"scales", "P1,P2", NULL, "tile sides in pixels, one tile grid per scale (default 512,2048; segment: 512)"},
    {"overlap", "F", "0.2", "overlap of neighbouring tiles, as a fraction of the side (0 .. 0.45)"},
    {"blend", "MODE", "linear", "blending of overlapping tiles: crop, mean, linear, cosine"},
    {"reducers", "R", "1", "ranks that stitch output blocks (the last R ranks)"},
    {"batch", "N", "2", "tile ids per scheduler reply"},
    {"threads", "N", NULL, "tiles a worker rank processes at once, on threads sharing one cache of decoded source tiles (default: the rank's share of the node's cores, from SLURM_CPUS_PER_TASK when set; 1 for jobs that run a model, whose kernels use the rank's cores)"},
    {"block", "N", "1024", "output block side (multiple of 512)"},
    {"bands", "B1,B2,...", NULL, "the bands a tile read delivers, 1-based, at most 16 (default: the bands the segment job's model was trained on when it records them, else the input's R, G, B; the segment job needs as many as the model's input channels)"},
    {"resume", NULL, NULL, "continue the run in DIR: journaled tiles (done or failed: failed ones are not retried) and written blocks are kept"},
    {"cog", NULL, NULL, "also write DIR/mask.cog.tif (Cloud Optimized GeoTIFF)"},
    {"keep-tiles", NULL, NULL, "keep the tile results (DIR/tiles) after their blocks are written"},
    {"test-kill-after", "N", NULL, "testing only: rank 0 kills itself (SIGKILL) after N journal records"},
    {"test-fail-tile", "ID", NULL, "testing only: tile ID fails on every attempt"},
    {0},
};

int sw_cmd_run(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "run", run_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "--job NAME INPUT --out DIR [options]",
                           "Runs a job over a mosaic of any size in tiles: rank 0 plans the tiles (run.h5) and\n"
                           "schedules them, workers process them, reducers blend them into output blocks;\n"
                           "the result is DIR/mask.tif (classes, 255 outside the footprint) and\n"
                           "DIR/confidence.tif. Runs as one process or under mpiexec -n N with the same flags;\n"
                           "a killed run continues with --resume and gives the same mask. At the end rank 0\n"
                           "writes DIR/defects.gpkg (one polygon per defect, or per cluster of scattered\n"
                           "pixel defects), DIR/quicklook.png and DIR/report.json (docs/outputs.md).\n"
                           "Progress: a bar on a terminal, JSON lines otherwise (SWATH_PROGRESS=json|log).\n"
                           "SIGUSR1 or SIGTERM (any rank; SLURM's warning before the time limit, a\n"
                           "preemption): the tiles in flight are finished and journaled, exit 75; continue\n"
                           "with --resume. Under SLURM the job id goes to report.json (slurm/README.md).\n"
                           "A tile that fails twice is journaled failed: the outputs are still written (255\n"
                           "there), report.json lists it, and the run exits 3 (bad input) or 1; --resume\n"
                           "does not retry failed tiles (a new --out folder does).");
        return 0;
    }
    sw_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *job = sw_args_str(&a, "job"), *out = sw_args_str(&a, "out");
    if (!job) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --job is required (jobs: %s)", sw_job_names()));
    if (!sw_job_find(job))
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: unknown job '%s' (jobs: %s)", job, sw_job_names()));
    if (!out) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --out DIR is required"));
    if (!*out) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --out: the folder name is empty"));
    if (a.npos != 1)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: expected one INPUT mosaic, got %d arguments", a.npos));
    snprintf(cfg.job, sizeof cfg.job, "%s", job);
    if (snprintf(cfg.input, sizeof cfg.input, "%s", a.pos[0]) >= (int)sizeof cfg.input ||
        snprintf(cfg.out, sizeof cfg.out, "%s", out) >= (int)sizeof cfg.out)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: path too long"));
    const char *model = sw_args_str(&a, "model");
    int segment = !strcmp(job, "segment");
    if (segment && !model)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: the segment job needs --model FILE (a model.h5 from swath train)"));
    if (!segment && model)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --model is for the segment job, not %s", job));
    if (model && snprintf(cfg.model, sizeof cfg.model, "%s", model) >= (int)sizeof cfg.model)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: path too long"));
    const char *device = sw_args_str(&a, "device");
    if (strcmp(device, "auto") && strcmp(device, "cpu") && strcmp(device, "cuda"))
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --device '%s' is not one of auto, cpu, cuda", device));
    snprintf(cfg.device, sizeof cfg.device, "%s", device);
    const char *prec = sw_args_str(&a, "precision");
    if (nn_cuda_math_parse(prec) < 0)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --precision '%s' is not one of f32, tf32, bf16, bf16-act", prec));
    snprintf(cfg.precision, sizeof cfg.precision, "%s", prec);
    cfg.deterministic = sw_args_flag(&a, "deterministic");
    int64_t sc[SW_RUN_MAX_SCALES], v;
    if (!sw_args_str(&a, "scales")) {
        cfg.nscales = segment ? 1 : 2;
        cfg.scales[0] = 512, cfg.scales[1] = 2048;
    } else {
        if ((st = sw_args_int_list(&a, "scales", 16, 65536, sc, SW_RUN_MAX_SCALES, &cfg.nscales))) return sw_cli_report(st);
        for (int i = 0; i < cfg.nscales; i++) cfg.scales[i] = (int)sc[i];
    }
    if ((st = sw_args_double(&a, "overlap", 0.0, 0.45, &cfg.overlap))) return sw_cli_report(st);
    int b = sw_blend_parse(sw_args_str(&a, "blend"));
    if (b < 0)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --blend '%s' is not one of crop, mean, linear, cosine",
                                     sw_args_str(&a, "blend")));
    cfg.blend = (sw_blend)b;
    if ((st = sw_args_int(&a, "reducers", 1, 4096, &v))) return sw_cli_report(st);
    cfg.reducers = (int)v;
    if ((st = sw_args_int(&a, "batch", 1, 64, &v))) return sw_cli_report(st);
    cfg.batch = (int)v;
    if (sw_args_str(&a, "threads")) {
        if ((st = sw_args_int(&a, "threads", 1, SW_RUN_MAX_THREADS, &v))) return sw_cli_report(st);
        cfg.threads = (int)v;
    }
    if ((st = sw_args_int(&a, "block", 512, 16384, &v))) return sw_cli_report(st);
    if (v % 512) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath run: --block %lld is not a multiple of 512", (long long)v));
    cfg.block = (int)v;
    if (sw_args_str(&a, "bands")) {
        int64_t b64[SW_RUN_MAX_BANDS];
        if ((st = sw_args_int_list(&a, "bands", 1, 1 << 20, b64, SW_RUN_MAX_BANDS, &cfg.nbands))) return sw_cli_report(st);
        for (int i = 0; i < cfg.nbands; i++) cfg.bands[i] = (int)b64[i];
    }
    cfg.resume = sw_args_flag(&a, "resume");
    cfg.cog = sw_args_flag(&a, "cog");
    cfg.keep_tiles = sw_args_flag(&a, "keep-tiles");
    if (sw_args_str(&a, "test-kill-after")) {
        if ((st = sw_args_int(&a, "test-kill-after", 1, (int64_t)1 << 40, &v))) return sw_cli_report(st);
        cfg.kill_after = v;
    }
    cfg.fail_tile = -1;
    if (sw_args_str(&a, "test-fail-tile")) {
        if ((st = sw_args_int(&a, "test-fail-tile", 0, (int64_t)1 << 40, &v))) return sw_cli_report(st);
        cfg.fail_tile = v;
    }
    int print = 1;
    st = sw_run(&cfg, &print);
    if (st && print) return sw_cli_report(st);
    return st;
}
