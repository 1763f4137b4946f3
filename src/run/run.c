/* The run driver (see run.h). */
#include "src/run/run.h"

#include "jobs/defect_classes.h"
#include "mpi/run_mpi.h"
#include "src/core/fsutil.h"
#include "src/core/jobenv.h"
#include "src/core/log.h"
#include "src/core/stop.h"
#include "src/run/assemble.h"
#include "src/run/context.h"
#include "src/run/identity.h"
#include "src/run/results.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/run/outputs.h"
#include "src/run/quicklook.h"

/* The quicklook's reduced mosaic, read by rank 0 on a thread of its own while the tiles are
 * processed (a decode of the whole mosaic that needs no result; the tile phase leaves a core
 * idle when rank 0 has several). A failure here only means the outputs read it again (and report
 * that error if it recurs). */
typedef struct {
    const char *path;
    sw_ql_mosaic m;
    pthread_t thread;
    int started;
} early_quicklook;

static void *early_quicklook_main(void *arg) {
    early_quicklook *e = arg;
    sw_outputs_spec s;
    sw_outputs_spec_init(&s);   /* its quicklook_max: the outputs then take the same reduction */
    if (sw_outputs_reduce_mosaic(e->path, s.quicklook_max, &e->m)) memset(&e->m, 0, sizeof e->m);
    return NULL;
}

/* Polygons (defects.gpkg), quicklook and report.json from mask.tif + confidence.tif (rank 0, after
 * both are committed); the tiles' rectangles give each polygon its `tiles` attribute. */
static sw_status write_outputs(const sw_run_ctx *c, const sw_run_meta *meta, const sw_ql_mosaic *reduced) {
    char mask[4200], conf[4200];
    sw_status st;
    if ((st = sw_path_join(mask, sizeof mask, c->cfg->out, "mask.tif")) ||
        (st = sw_path_join(conf, sizeof conf, c->cfg->out, "confidence.tif")))
        return st;
    int64_t n = c->plan.ntiles;
    sw_tile_rect *rects = sw_malloc(sizeof *rects * (size_t)(n ? n : 1), "the tile rectangles");
    char *ids = sw_malloc(12 * (size_t)(n ? n : 1), "the tile ids");
    if (!rects || !ids) {
        free(rects), free(ids);
        return SW_ERR_RUNTIME;
    }
    for (int64_t i = 0; i < n; i++) {
        const sw_tile *t = &c->plan.tiles[i];
        snprintf(ids + 12 * i, 12, "%u", t->id);
        rects[i] = (sw_tile_rect){ids + 12 * i, t->x, t->y, t->w, t->h};
    }
    /* The runtime's part of the report. */
    const sw_run_config *cfg = c->cfg;
    char run_id[32], scales[64] = "", overlap[32], reducers[16], batch[16], block[16], ranks[16], threads[16];
    snprintf(run_id, sizeof run_id, "%016llx", (unsigned long long)meta->fingerprint);
    for (int i = 0, k = 0; i < cfg->nscales; i++) k += snprintf(scales + k, sizeof scales - (size_t)k, "%s%d", i ? "," : "", cfg->scales[i]);
    snprintf(overlap, sizeof overlap, "%g", cfg->overlap);
    snprintf(reducers, sizeof reducers, "%d", c->nreducers);
    snprintf(batch, sizeof batch, "%d", cfg->batch);
    snprintf(block, sizeof block, "%d", cfg->block);
    snprintf(ranks, sizeof ranks, "%d", c->size);
    snprintf(threads, sizeof threads, "%d", c->threads);
    sw_report_kv kv[] = {{"job", cfg->job}, {"scales", scales}, {"overlap", overlap}, {"blend", sw_blend_name(cfg->blend)},
                         {"reducers", reducers}, {"batch", batch}, {"block", block}, {"ranks", ranks},
                         {"threads", threads}};
    sw_report_tile_note notes[32];
    char tids[32][12];
    for (int i = 0; i < c->nfailed_notes; i++) {
        snprintf(tids[i], sizeof tids[i], "%u", c->failed[i].tile);
        notes[i] = (sw_report_tile_note){tids[i], "failed", c->failed[i].reason};
    }
    /* wall seconds of the phases; then the workers' seconds in the three parts of a tile, summed
     * over the workers (with W workers they add up to about W x "tiles") */
    sw_report_timing tm[] = {{"plan", c->t_plan},           {"tiles", c->t_tiles},
                             {"assemble", c->t_assemble},   {"tile_read_sum", c->t_part[0]},
                             {"tile_job_sum", c->t_part[1]}, {"tile_write_sum", c->t_part[2]}};
    sw_report *r = sw_calloc(1, sizeof *r, "the report");
    if (!r) {
        free(rects), free(ids);
        return SW_ERR_RUNTIME;
    }
    r->input = cfg->input, r->model = cfg->model[0] ? cfg->model : NULL, r->run_id = run_id, r->config = kv, r->nconfig = (int)(sizeof kv / sizeof kv[0]);
    r->tiles_total = c->plan.ntiles + c->plan.nskipped, r->tiles_done = c->plan.ntiles - c->tiles_failed;
    r->tiles_failed = c->tiles_failed, r->tiles_skipped = c->plan.nskipped;
    r->notes = notes, r->nnotes = c->nfailed_notes, r->timings = tm, r->ntimings = (int)(sizeof tm / sizeof tm[0]);
    r->pixels = (int64_t)c->plan.width * c->plan.height, r->seconds = sw_now() - c->t_start, r->ranks = c->size;
    sw_jobenv je;
    sw_jobenv_read(&je);
    r->jobenv = &je;
    r->tiles_resumed = c->nprior;
    sw_outputs_spec s;
    sw_outputs_spec_init(&s);
    s.mask_path = mask, s.conf_path = conf, s.mosaic_path = cfg->input, s.out_dir = cfg->out;
    /* A job with its own classes (segment): its names, and no clustering of pixel defects. */
    const char *names[SW_NCLASSES] = {0};
    int own = 0;
    for (int k = 0; k < c->job->nclasses; k++)
        if (c->job->class_names[k][0] && c->job->classes[k] < SW_NCLASSES)
            names[c->job->classes[k]] = c->job->class_names[k], own = 1;
    if (own) s.class_names = names, r->class_names = names, s.cluster_px = SW_CLUSTER_OFF;
    s.tiles = rects, s.ntiles = n, s.report = r, s.mosaic_reduced = reduced;
    /* The other ranks of this node wait (asleep) while rank 0 writes the outputs: their cores too. */
    s.threads = c->node_cores;
    st = sw_outputs_write(&s);
    free(rects), free(ids), free(r);
    return st;
}

/* GDAL's cache and threads from this rank's share of the node: cores from SLURM_CPUS_PER_TASK,
 * else the online cores divided by the ranks on this node (SLURM's tasks on this node, else Open
 * MPI's local size); cache 1/8 of the node's memory divided by those ranks, at most 512 MiB. */
static void configure_gdal(int *cores_out, int *node_cores) {
    sw_jobenv je;
    sw_jobenv_read(&je);
    int local = je.local_tasks > 0 ? je.local_tasks : sw_mpi_local_size();
    long cores = je.cpus_per_task > 0 ? je.cpus_per_task : sysconf(_SC_NPROCESSORS_ONLN) / local;
    if (cores < 1) cores = 1;
    int64_t mem = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    int64_t cache = mem > 0 ? mem / 8 / local : (int64_t)256 << 20;
    if (cache > (int64_t)512 << 20) cache = (int64_t)512 << 20;
    if (cache < (int64_t)32 << 20) cache = (int64_t)32 << 20;
    /* GDAL's own worker threads stay at 1: each rank reads one window at a time from its event
     * loop, and on a 2-core node GDAL_NUM_THREADS=2 made a one-process run 1.2x slower and the
     * whole-raster polygonize 3.5x slower (tests/bench/bench_run.sh, docs/performance.md). The
     * rank's share of the node (`cores`) is what jobs with threaded kernels may use. */
    sw_raster_configure(cache, 1);
    sw_log(2, "run: GDAL cache %lld MiB, %ld cores for this rank (%d ranks on this node)", (long long)(cache >> 20),
           cores, local);
    *cores_out = (int)cores, *node_cores = (int)cores * local;
}

static void bands_text(char *buf, size_t cap, const int *bands, int n) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s%d", i ? "," : "", bands[i]);
}

/* The bands a tile read delivers must be the job's: R, G, B for pixel-defects, the model's input
 * channels for segment. The message says what is read, what is needed and how to choose. */
static sw_status check_bands(sw_raster *r, const sw_job_kind *job, const sw_run_config *cfg) {
    int bands[SW_RASTER_MAX_BANDS], nb = sw_raster_selected_bands(r, bands), need = job->nbands;
    if (nb == need) return SW_OK;
    const sw_raster_info *in = sw_raster_get_info(r);
    const char *path = cfg->input;
    char what[4200], got[8 * SW_RASTER_MAX_BANDS], eg[8 * SW_RASTER_MAX_BANDS];
    if (cfg->model[0]) snprintf(what, sizeof what, "the input channels of model '%s'", cfg->model);
    else snprintf(what, sizeof what, "R, G, B");
    if (need > SW_RASTER_MAX_BANDS)
        return sw_fail(SW_ERR_INPUT, "the %s job needs %d bands (%s), but swath run reads at most %d bands of a mosaic",
                       job->name, need, what, SW_RASTER_MAX_BANDS);
    if (in->nbands < need)
        return sw_fail(SW_ERR_INPUT, "'%s' has %d band%s; the %s job needs %d (%s)", path, in->nbands,
                       in->nbands == 1 ? "" : "s", job->name, need, what);
    bands_text(got, sizeof got, bands, nb);
    int first[SW_RASTER_MAX_BANDS];
    for (int i = 0; i < need; i++) first[i] = i + 1;
    bands_text(eg, sizeof eg, first, need);
    if (cfg->nbands && !cfg->bands_from_model)
        return sw_fail(SW_ERR_USAGE, "--bands %s gives %d band%s of '%s'; the %s job needs %d (%s): give %d of its %d bands",
                       got, nb, nb == 1 ? "" : "s", path, job->name, need, what, need, in->nbands);
    return sw_fail(SW_ERR_INPUT, "the %s job needs %d bands (%s) but reads %d of '%s' (bands %s: the default R, G, B of a "
                   "%d-band file): choose %d of its %d bands with --bands, e.g. --bands %s", job->name, need, what, nb,
                   path, got, in->nbands, need, in->nbands, eg);
}

/* Rank 0: the quicklook's size, when the workers' reads can build it (src/run/ql_tiles.h): the
 * mosaic read as stored at integer factors (else the outputs read it reduced at the end, as with
 * SWATH_QUICKLOOK=mosaic, the reference path of the tests). */
static void choose_quicklook(sw_run_ctx *c, const sw_raster *r) {
    sw_outputs_spec s;
    sw_outputs_spec_init(&s);
    int ow, oh;
    sw_quicklook_size(c->plan.width, c->plan.height, s.quicklook_max, &ow, &oh);
    const char *env = getenv("SWATH_QUICKLOOK");
    if (env && !strcmp(env, "mosaic")) return;
    /* the quicklook shows the default R, G, B: from the tiles' reads only when they read those */
    const sw_raster_info *in = sw_raster_get_info(r);
    int sel[SW_RASTER_MAX_BANDS], n = sw_raster_selected_bands(r, sel);
    int ndef = in->rgb[0] == in->rgb[1] && in->rgb[1] == in->rgb[2] ? 1 : 3, same = n == ndef;
    for (int i = 0; same && i < n; i++) same = sel[i] == in->rgb[i];
    if (!same) return;
    if (sw_raster_reduced_rgb_tiled(r, ow, oh)) c->ql.ow = ow, c->ql.oh = oh;
}

/* Rank 0, --resume: the stored plan, once run.h5 agrees with this command and input. */
static sw_status reopen(sw_run_ctx *c, sw_run_meta *meta, sw_raster *r, const char *h5) {
    const sw_run_config *cfg = c->cfg;
    sw_run_meta stored;
    sw_store_tile *tiles;
    int64_t nt;
    sw_status st = sw_store_open(cfg->out, &stored, &tiles, &nt);
    if (st) return st;
    if ((st = sw_run_identity_check(&stored, meta, cfg->out, r))) {
        free(tiles);
        return st;
    }
    sw_plan_geometry(&c->plan, cfg, (int)meta->width, (int)meta->height);
    c->plan.tiles = tiles;
    c->plan.ntiles = nt;
    c->plan.nskipped = stored.nskipped;
    for (int64_t i = 0; !st && i < nt; i++)
        if (tiles[i].id != (uint32_t)i || tiles[i].scale < 0 || tiles[i].scale >= cfg->nscales)
            st = sw_fail(SW_ERR_INPUT, "row %lld of /tiles in %s is corrupt", (long long)i, h5);
    return st;
}

/* Rank 0, a new run: the folder (made only now, once the input is known to be good: `created`
 * says what this run made), the plan and run.h5. */
static sw_status plan_new(sw_run_ctx *c, sw_run_meta *meta, sw_raster *r, const char *jl, char *created, size_t cap) {
    const sw_run_config *cfg = c->cfg;
    sw_status st = sw_mkdir_p_new(cfg->out, created, cap);
    if (st || (st = sw_plan_build(&c->plan, cfg, r))) return st;
    meta->nskipped = c->plan.nskipped;
    unlink(jl);   /* a journal without run.h5 is a leftover: run.h5 is written first */
    if (!(st = sw_results_mkdirs(cfg->out))) st = sw_store_create(cfg->out, meta, c->plan.tiles, c->plan.ntiles);
    return st;
}

/* Rank 0: folder checks, input checks, plan or reopen, store, journal. Nothing is created before
 * the input and the folder's state are checked, and a folder this run made is removed again when
 * setup fails while it holds nothing but empty folders. */
static sw_status setup(sw_run_ctx *c, sw_run_meta *meta) {
    const sw_run_config *cfg = c->cfg;
    double t0 = sw_now();
    char h5[4200], jl[4200], created[4096] = "";
    sw_status st;
    if ((st = sw_path_join(h5, sizeof h5, cfg->out, "run.h5")) || (st = sw_path_join(jl, sizeof jl, cfg->out, "journal.bin")))
        return st;
    int exists = sw_path_exists(h5);
    if (!cfg->resume && exists)
        return sw_fail(SW_ERR_OUTPUT, "'%s' already holds a run (run.h5): continue it with --resume, or choose a new --out folder",
                       cfg->out);
    if (cfg->resume && !exists)
        return sw_fail(SW_ERR_INPUT, "--resume: '%s' holds no run (no run.h5); start one without --resume", cfg->out);
    sw_raster *r;
    if ((st = sw_run_open_input(&r, cfg))) return st;
    if (!(st = check_bands(r, c->job, cfg))) st = sw_run_identity(meta, cfg, r);
    if (!st) st = cfg->resume ? reopen(c, meta, r, h5) : plan_new(c, meta, r, jl, created, sizeof created);
    if (!st) choose_quicklook(c, r);
    sw_raster_close(r);
    if (!st) st = sw_results_mkdirs(cfg->out);
    if (!st) {
        int64_t dropped = 0;
        st = sw_journal_open(&c->journal, cfg->out, &c->prior, &c->nprior, &dropped);
        if (!st && dropped) sw_log(1, "run: dropped a torn record at the end of %s", jl);
    }
    if (st && created[0]) sw_rmdir_empty(created);
    if (!st)
        sw_log(1, "run: %s on %lldx%lld: %lld tiles (%lld skipped: no valid pixel), %d x %d output blocks; %s in %.1f s",
               cfg->job, (long long)meta->width, (long long)meta->height, (long long)c->plan.ntiles,
               (long long)c->plan.nskipped, c->plan.nbx, c->plan.nby, cfg->resume ? "reopened" : "planned", sw_now() - t0);
    return st;
}

/* Every rank gets rank 0's plan, and whether the tiles build the quicklook (c->ql, rank 0's
 * choice: it has checked the mosaic). */
static sw_status share_plan(sw_run_ctx *c) {
    int64_t g[5] = {c->plan.width, c->plan.height, c->plan.ntiles, c->ql.ow, c->ql.oh};
    sw_status st = sw_mpi_bcast(g, sizeof g, 0);
    if (st) return st;
    if (c->rank != 0) {
        sw_plan_geometry(&c->plan, c->cfg, (int)g[0], (int)g[1]);
        c->plan.ntiles = g[2];
        c->ql.ow = (int)g[3], c->ql.oh = (int)g[4];
        c->plan.tiles = sw_malloc(sizeof *c->plan.tiles * (size_t)(g[2] ? g[2] : 1), "the tile table");
        if (!c->plan.tiles) return SW_ERR_RUNTIME;   /* fatal on this rank: reported by agree_all */
    }
    return sw_mpi_bcast(c->plan.tiles, sizeof *c->plan.tiles * (size_t)g[2], 0);
}

/* Every rank, once the plan is shared: the geometry, and the buffers where tiles are reduced. */
static sw_status start_quicklook(sw_run_ctx *c) {
    int ow = c->ql.ow, oh = c->ql.oh;
    if (!ow) return SW_OK;
    if (!sw_ql_tiles_geometry(&c->ql, &c->plan, ow, oh)) return SW_OK;   /* the overlap is too thin */
    return c->is_worker || c->rank == 0 ? sw_ql_tiles_alloc(&c->ql) : SW_OK;
}

/* After the tiles: rank 0 gathers the cells every rank reduced and reads the windows no rank
 * reduced in this run (tiles done before a --resume). */
static sw_status gather_quicklook(sw_run_ctx *c) {
    if (!c->ql.ow) return SW_OK;
    size_t n = (size_t)c->ql.ow * c->ql.oh;
    uint8_t *scratch = NULL;
    if (!c->ql.img && !(scratch = sw_calloc(5 * n, 1, "the quicklook"))) return SW_ERR_RUNTIME;
    sw_status st = sw_mpi_max_u8(c->ql.img ? c->ql.img : scratch, 5 * n, 0);
    free(scratch);
    if (!st && c->rank == 0) {
        double t0 = sw_now();
        int64_t k = sw_ql_tiles_fill(&c->ql, &c->plan, c->cfg->input);
        if (k == 1) sw_log(1, "run: quicklook: read 1 tile window again (its tile was not run in this run: journaled "
                              "earlier, or failed) in %.1f s", sw_now() - t0);
        else if (k) sw_log(1, "run: quicklook: read %lld tile windows again (their tiles were not run in this run: "
                              "journaled earlier, or failed) in %.1f s", (long long)k, sw_now() - t0);
    }
    return st;
}

/* Rank 0, after the outputs: a run with tiles that failed for good has written every output (their
 * pixels are 255 where no other tile covers them) but is not a success. 3 when every failure was
 * bad input (a block of the mosaic that cannot be decoded), else 1 (docs/cli.md). */
static sw_status failed_tiles_status(const sw_run_ctx *c) {
    if (!c->tiles_failed) return SW_OK;
    int64_t n = c->tiles_failed, all = c->plan.ntiles;
    int listed = c->nfailed_notes;
    char where[64] = "them";
    if (listed < n) snprintf(where, sizeof where, "the first %d", listed);
    return sw_fail(c->tiles_failed_input == n ? SW_ERR_INPUT : SW_ERR_RUNTIME,
                   "%lld of %lld tile%s failed for good%s; the outputs are written, with 255 (no data) where no other "
                   "tile covers them; %s/report.json lists %s with the reason (tiles.notes); --resume does not "
                   "retry them: a new --out folder does",
                   (long long)n, (long long)all, all == 1 ? "" : "s",
                   c->tiles_failed_input == n ? " (bad input: the mosaic could not be read there)" : "", c->cfg->out,
                   where);
}

static void assign_roles(sw_run_ctx *c) {
    int R = c->cfg->reducers < c->size ? c->cfg->reducers : c->size;
    if (R < 1) R = 1;
    c->nreducers = R;
    c->reducer_index = c->rank >= c->size - R ? c->rank - (c->size - R) : -1;
    if (c->size > R + 1) {   /* dedicated workers: ranks 1 .. size-R-1 */
        c->is_worker = c->rank >= 1 && c->rank < c->size - R;
        c->nworkers = c->size - R - 1;
    } else {                 /* few ranks: every rank works too */
        c->is_worker = 1;
        c->nworkers = c->size;
    }
}

/* The bands a model was trained on (chips.h5 -> model.h5) are what the segment job reads unless
 * --bands says otherwise; a --bands that differs from them gets a warning. */
static void model_bands(sw_run_config *cfg, const sw_job_kind *job, int rank) {
    if (!job->bands[0]) return;
    char want[8 * SW_RASTER_MAX_BANDS], got[8 * SW_RASTER_MAX_BANDS];   /* up to 16 bands of 7 digits */
    bands_text(want, sizeof want, job->bands, job->nbands);
    if (!cfg->nbands) {
        cfg->nbands = job->nbands, cfg->bands_from_model = 1;
        for (int i = 0; i < job->nbands; i++) cfg->bands[i] = job->bands[i];
        if (rank == 0)
            sw_log(1, "run: reading bands %s of '%s', the bands model '%s' was trained on (--bands chooses others)", want,
                   cfg->input, cfg->model);
        return;
    }
    bands_text(got, sizeof got, cfg->bands, cfg->nbands);
    if (rank == 0 && strcmp(want, got))
        sw_log(1, "run: warning: --bands %s, but model '%s' was trained on bands %s of its chips' sources", got, cfg->model,
               want);
}

sw_status sw_run(const sw_run_config *cfg_in, int *print) {
    sw_run_ctx c;
    memset(&c, 0, sizeof c);
    sw_run_config cfg_run = *cfg_in;   /* this run's settings: --bands may come from the model */
    const sw_run_config *cfg = &cfg_run;
    c.cfg = cfg;
    c.t_start = sw_now();
    *print = 1;
    const sw_job_kind *found = sw_job_find(cfg->job);
    if (!found) return sw_fail(SW_ERR_USAGE, "unknown job '%s' (jobs: %s)", cfg->job, sw_job_names());
    /* This run's copy of the job, completed from its parameters (a model's classes). */
    sw_job_kind job = *found;
    sw_job_params jp = {cfg->model[0] ? cfg->model : NULL, cfg->device[0] ? cfg->device : NULL,
                        cfg->precision[0] ? cfg->precision : NULL, cfg->deterministic};
    if (job.configure) {
        sw_status jst = job.configure(&job, &jp);
        if (jst) return jst;
    }
    c.job = &job;
    /* SIGUSR1 / SIGTERM (SLURM's warning before the time limit, a preemption, scancel) now only set
     * a flag: the run journals the tiles in flight and exits 75 (docs/cli.md). Before MPI_Init, so
     * that a signal during start-up does not kill the rank (MPI installs no handler for these). */
    sw_stop_install();
    /* Freed buffers stay in the process for the next tile or block (glibc would hand back each one
     * over its mmap threshold and fault it in again): on the 4096^2 bench 12k -> 9k page faults. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    sw_status st = sw_mpi_start(&c.rank, &c.size);
    if (st) return st;
    *print = c.rank == 0;
    model_bands(&cfg_run, &job, c.rank);
    configure_gdal(&c.cores, &c.node_cores);
    /* Tiles processed at once on this rank: --threads, by default the rank's cores, and 1 for a job
     * that uses the cores itself (a model's kernels). The threads share one cache of decoded source
     * tiles (mpi/worker.c), so a group of tiles is decoded once however many threads work on it. */
    c.threads = !job.tile_threads ? 1 : cfg->threads > 0 ? cfg->threads : c.cores;
    if (c.threads > SW_RUN_MAX_THREADS) c.threads = SW_RUN_MAX_THREADS;
    if (c.rank == 0) {
        sw_jobenv je;
        sw_jobenv_read(&je);
        if (je.in_slurm)
            sw_log(1, "run: SLURM job %s%s%s%s, restart %d, %d ranks", je.job_id, je.array_task_id[0] ? " (array task " : "",
                   je.array_task_id, je.array_task_id[0] ? ")" : "", je.restarts, c.size);
    }
    sw_run_meta *meta = sw_calloc(1, sizeof *meta, "the run metadata");
    st = meta ? SW_OK : SW_ERR_RUNTIME;
    if (c.rank == 0 && !st) st = setup(&c, meta);
    c.t_plan = sw_now() - c.t_start;
    st = sw_mpi_agree(st, 0);
    if (!st) {
        st = share_plan(&c);
        if (!st) st = sw_plan_index(&c.plan);
        st = sw_mpi_agree_all(st);
    }
    early_quicklook eq = {cfg->input, {0}, 0, 0};
    if (!st) {
        assign_roles(&c);
        st = sw_mpi_agree_all(start_quicklook(&c));
    }
    if (!st) {
        /* Without the tiles' quicklook: its read on a thread of rank 0 during the tiles, only where
         * rank 0 has a core to spare: with one core per rank it would slow the tiles (mpiexec -n 2
         * on 2 cores: tile phase 1.04 -> 1.22 s), and the outputs read it beside the polygons anyway. */
        if (c.rank == 0 && c.cores >= 2 && !c.ql.img)
            eq.started = pthread_create(&eq.thread, NULL, early_quicklook_main, &eq) == 0;
        double t0 = sw_now();
        st = sw_mpi_run_roles(&c);
        c.t_tiles = sw_now() - t0;
    }
    if (!st) st = sw_mpi_agree_all(gather_quicklook(&c));
    if (!st) {
        sw_mpi_barrier();
        if (c.rank == 0) {
            double t0 = sw_now();
            st = sw_run_assemble(&c, meta);
            c.t_assemble = sw_now() - t0;
            if (!st) sw_log(1, "run: wrote %s/mask.tif and confidence.tif in %.1f s", cfg->out, sw_now() - t0);
            /* A stop request during the assembly: the vector outputs are left to the resumed run. */
            if (!st && sw_stop_requested())
                st = sw_fail(SW_INTERRUPTED, "stopped by %s after mask.tif; run again with --resume to write the "
                                             "polygons, quicklook and report", sw_stop_signame(sw_stop_requested()));
        }
        st = sw_mpi_agree(st, 0);
    }
    sw_log(2, "run: rank %d: %lld tiles, %lld blocks, peak RSS %lld KiB", c.rank, (long long)c.tiles_done,
           (long long)c.blocks_written, (long long)sw_peak_rss_kb());
    if (!st && c.rank == 0) {
        /* Vector outputs (polygons, quicklook, report) from mask.tif + confidence.tif. */
        if (eq.started) pthread_join(eq.thread, NULL), eq.started = 0;
        /* the tiles' quicklook (a view: c.ql keeps the buffers) */
        sw_ql_mosaic tiles_ql = {c.plan.width, c.plan.height, c.ql.ow, c.ql.oh, c.ql.img, c.ql.valid, 0};
        st = write_outputs(&c, meta, c.ql.img ? &tiles_ql : &eq.m);
        if (!st) sw_log(1, "run: done in %.1f s; outputs in %s (mask.tif, confidence.tif, defects.gpkg, "
                           "quicklook.png, report.json)", sw_now() - c.t_start, cfg->out);
        if (!st) st = failed_tiles_status(&c);
    }
    /* Every rank exits with rank 0's verdict (tiles that failed for good, the outputs). */
    st = sw_mpi_agree(st, 0);
    if (eq.started) pthread_join(eq.thread, NULL);
    sw_ql_mosaic_free(&eq.m);
    sw_ql_tiles_free(&c.ql);
    if (c.journal) sw_journal_close(c.journal);
    free(c.prior);
    sw_plan_free(&c.plan);
    free(meta);
    /* Rank 0 says how the run ended before MPI_Finalize: under mpiexec the first rank to exit
     * with a non-zero code gets the others killed, and rank 0 could lose its message (seen in
     * run_stop). Finalize waits for every rank, so nobody exits before it is printed. */
    if (st && *print) sw_report_status(st);
    *print = 0;
    sw_mpi_stop();
    return st;
}
