/* A worker's unit of work: read one tile window, run the job, store the result durably. */
#include "src/run/context.h"

#include "src/core/log.h"
#include "src/run/identity.h"
#include "src/run/results.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int64_t sw_peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

sw_status sw_worker_state_init(sw_worker_state *w, const sw_run_ctx *c) {
    memset(w, 0, sizeof *w);
    sw_status st = sw_run_open_input(&w->r, c->cfg);
    if (st) return sw_fail_ctx(st, "rank %d", c->rank);
    sw_job_params jp = {c->cfg->model[0] ? c->cfg->model : NULL, c->cfg->device[0] ? c->cfg->device : NULL,
                        c->cfg->precision[0] ? c->cfg->precision : NULL, c->cfg->deterministic};
    if (c->job->init && (st = c->job->init(&w->job_ctx, &jp))) {
        sw_raster_close(w->r);
        w->r = NULL;
        return sw_fail_ctx(st, "rank %d", c->rank);
    }
    return SW_OK;
}

void sw_worker_state_free(sw_worker_state *w, const sw_run_ctx *c) {
    if (w->job_ctx && c->job->free) c->job->free(w->job_ctx);
    if (w->r) sw_raster_close(w->r);
    free(w->pix), free(w->valid), free(w->planes);
    sw_result_buf_free(&w->enc);
    memset(w, 0, sizeof *w);
}

sw_status sw_tile_work(sw_worker_state *w, const sw_run_ctx *c, uint32_t id, uint32_t *bytes, float part[3]) {
    const sw_tile *t = &c->plan.tiles[id];
    size_t n = (size_t)t->w * t->h;
    int np = 1 + c->job->nclasses;
    if (n > w->cap) {
        free(w->pix), free(w->valid), free(w->planes);
        w->pix = sw_malloc_big(n * c->job->nbands, "a tile's pixels");
        w->valid = sw_malloc_big(n, "a tile's validity");
        w->planes = sw_malloc_big(n * np, "a tile's scores");
        w->cap = w->pix && w->valid && w->planes ? n : 0;
        if (!w->cap) return SW_ERR_RUNTIME;
    }
    double t0 = sw_now();
    sw_status st = sw_raster_read_u8(w->r, t->x, t->y, t->w, t->h, w->pix, w->valid);
    double t1 = sw_now();
    if (!st && (int64_t)id == c->cfg->fail_tile) st = sw_fail(SW_ERR_INPUT, "failure injected by --test-fail-tile");
    if (!st) st = c->job->process(w->job_ctx, w->planes + n, w->pix, w->valid, t->w, t->h);
    /* the quicklook cells this tile owns, from the pixels at hand (none unless largest scale) */
    if (!st && c->ql.img) sw_ql_tiles_reduce(&c->ql, &c->plan, t, w->pix, w->valid);
    double t2 = sw_now();
    if (!st) {
        memcpy(w->planes, w->valid, n);
        st = sw_tile_result_write(c->cfg->out, id, t->w, t->h, np, w->planes, &w->enc, bytes);
    }
    part[0] = (float)(t1 - t0), part[1] = (float)(t2 - t1), part[2] = (float)(sw_now() - t2);
    if (st) return sw_fail_ctx(st, "tile %u (%d,%d %dx%d) on rank %d", id, t->x, t->y, t->w, t->h, c->rank);
    return SW_OK;
}
