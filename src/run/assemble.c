/* Rank 0's last step: DIR/mask.tif (classes, nodata 255) and DIR/confidence.tif (the winning
 * blended score, 0..255) from the output blocks, block by block (tile-aligned writes: memory is
 * one block), in the input's CRS and geotransform; --cog adds DIR/mask.cog.tif.
 *
 * With 2+ cores on the node, the two files are written at once, one thread each (separate GDAL
 * datasets; each thread decodes the blocks itself: 1 ms for 4096^2): the other ranks wait asleep
 * in sw_mpi_agree meanwhile, as for the outputs (run.c). The blocks' whole tiles go straight to
 * the file (io/raster_write.c), so a thread's time is libtiff's predictor and DEFLATE (4096^2 on
 * 2 cores: 0.04-0.05 s CPU per file; the phase 0.22-0.27 s -> 0.10-0.12 s on a busy machine). */
#include "src/run/assemble.h"

#include "jobs/defect_classes.h"
#include "src/core/fsutil.h"
#include "src/run/quicklook.h"
#include "src/run/results.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One output file: plane 0 (classes) or 1 (confidence) of the blocks, and its commit. */
typedef struct {
    const sw_run_ctx *c;
    sw_raster_writer *wr;
    int plane;
    const char *cog;          /* mask.cog.tif with --cog, else NULL */
    sw_status st;
    char err[2048];           /* the thread's error message (sw_errmsg is per thread) */
} plane_job;

static void job_done(plane_job *j, sw_status st) {
    j->st = st;
    if (st) snprintf(j->err, sizeof j->err, "%s", sw_errmsg());
}

/* Writes plane j->plane of every output block to j->wr. */
static void *write_plane(void *arg) {
    plane_job *j = arg;
    const sw_plan *p = &j->c->plan;
    uint8_t *buf = sw_malloc(2 * (size_t)p->block * p->block, "an output block");
    sw_result_buf rb = {0};
    sw_status st = buf ? SW_OK : SW_ERR_RUNTIME;
    for (int by = 0; !st && by < p->nby; by++)
        for (int bx = 0; !st && bx < p->nbx; bx++) {
            int x, y, w, h;
            sw_plan_block_rect(p, bx, by, &x, &y, &w, &h);
            if (!(st = sw_block_read(j->c->cfg->out, bx, by, w, h, buf, &rb)))
                st = sw_raster_write(j->wr, x, y, w, h, buf + (size_t)j->plane * w * h, NULL);
        }
    free(buf);
    sw_result_buf_free(&rb);
    job_done(j, st);
    return NULL;
}

static void *commit_plane(void *arg) {
    plane_job *j = arg;
    job_done(j, sw_raster_commit(j->wr, j->cog));
    return NULL;
}

/* Runs fn on both jobs: jobs[0] on a second thread when `threads` > 1 (and one starts), else in turn. */
static void run_both(void *(*fn)(void *), plane_job jobs[2], int threads) {
    pthread_t t;
    int started = threads > 1 && pthread_create(&t, NULL, fn, &jobs[0]) == 0;
    if (!started) fn(&jobs[0]);
    fn(&jobs[1]);
    if (started) pthread_join(t, NULL);
}

/* The first failure of the two, raised again on this thread. */
static sw_status first_error(const plane_job jobs[2]) {
    for (int i = 0; i < 2; i++)
        if (jobs[i].st) return sw_fail(jobs[i].st, "%s", jobs[i].err);
    return SW_OK;
}

sw_status sw_run_assemble(const sw_run_ctx *c, const sw_run_meta *m) {
    const sw_plan *p = &c->plan;
    char mpath[4200], cpath[4200], cog[4200];
    sw_status st;
    if ((st = sw_path_join(mpath, sizeof mpath, c->cfg->out, "mask.tif")) ||
        (st = sw_path_join(cpath, sizeof cpath, c->cfg->out, "confidence.tif")) ||
        (st = sw_path_join(cog, sizeof cog, c->cfg->out, "mask.cog.tif")))
        return st;
    sw_raster_spec spec = {0};
    spec.width = p->width, spec.height = p->height, spec.nbands = 1, spec.dtype = "Byte";
    for (int i = 0; i < 6; i++) spec.gt[i] = m->gt[i];
    spec.wkt = m->crs_wkt[0] ? m->crs_wkt : NULL;
    spec.tile = 512;
    spec.compress = "DEFLATE";
    spec.has_nodata = 1, spec.nodata = 255;
    /* The classes in the quicklook's colours; background and 255 transparent. */
    uint8_t pal[SW_NCLASSES][4];
    for (int k = 0; k < SW_NCLASSES; k++)
        for (int i = 0; i < 4; i++) pal[k][i] = i < 3 ? sw_quicklook_palette[k][i] : k ? 255 : 0;
    spec.palette = (const uint8_t (*)[4])pal, spec.npalette = SW_NCLASSES;
    /* The class names by value (the job's own for a model's classes, else seed 003's). */
    const char *names[SW_NCLASSES];
    for (int k = 0; k < SW_NCLASSES; k++) names[k] = sw_job_class_name(c->job, k);
    /* a model's job (argmax over its classes 0..K-1) names those only */
    spec.class_names = names, spec.nclass_names = c->job->argmax ? c->job->nclasses : SW_NCLASSES;
    plane_job jobs[2] = {{c, NULL, 0, c->cfg->cog ? cog : NULL, SW_OK, ""}, {c, NULL, 1, NULL, SW_OK, ""}};
    if ((st = sw_raster_create(&jobs[0].wr, mpath, &spec))) return st;
    spec.has_nodata = 0, spec.palette = NULL, spec.npalette = 0, spec.class_names = NULL, spec.nclass_names = 0;
    if ((st = sw_raster_create(&jobs[1].wr, cpath, &spec))) {
        sw_raster_abort(jobs[0].wr);
        return st;
    }
    /* The other ranks are in the barrier that follows (asleep): the node's cores are free. */
    int threads = c->node_cores > c->cores ? c->node_cores : c->cores;
    run_both(write_plane, jobs, threads);
    if ((st = first_error(jobs))) {
        sw_raster_abort(jobs[0].wr), sw_raster_abort(jobs[1].wr);
        return st;
    }
    /* A block that failed leaves neither file; then the commits (close, fsync, rename; the COG). */
    run_both(commit_plane, jobs, threads);
    return first_error(jobs);
}
