/* Rank 0's last step: DIR/mask.tif (classes, nodata 255) and DIR/confidence.tif (the winning
 * blended score, 0..255) from the output blocks, block by block (tile-aligned writes: memory is
 * one block), in the input's CRS and geotransform; --cog adds DIR/mask.cog.tif. */
#include "src/run/assemble.h"

#include "jobs/defect_classes.h"
#include "src/core/fsutil.h"
#include "src/run/quicklook.h"
#include "src/run/results.h"

#include <stdio.h>
#include <stdlib.h>

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
    sw_raster_writer *wm = NULL, *wc = NULL;
    if ((st = sw_raster_create(&wm, mpath, &spec))) return st;
    spec.has_nodata = 0, spec.palette = NULL, spec.npalette = 0, spec.class_names = NULL, spec.nclass_names = 0;
    if ((st = sw_raster_create(&wc, cpath, &spec))) {
        sw_raster_abort(wm);
        return st;
    }
    size_t n = (size_t)p->block * p->block;
    uint8_t *cls = sw_malloc(2 * n, "an output block");
    sw_result_buf rb = {0};
    st = cls ? SW_OK : SW_ERR_RUNTIME;
    for (int by = 0; !st && by < p->nby; by++)
        for (int bx = 0; !st && bx < p->nbx; bx++) {
            int x, y, w, h;
            sw_plan_block_rect(p, bx, by, &x, &y, &w, &h);
            uint8_t *conf = cls + (size_t)w * h;
            if (!(st = sw_block_read(c->cfg->out, bx, by, w, h, cls, &rb)) &&
                !(st = sw_raster_write(wm, x, y, w, h, cls, NULL)))
                st = sw_raster_write(wc, x, y, w, h, conf, NULL);
        }
    free(cls);
    sw_result_buf_free(&rb);
    if (st) {
        sw_raster_abort(wm), sw_raster_abort(wc);
        return st;
    }
    st = sw_raster_commit(wm, c->cfg->cog ? cog : NULL);
    sw_status st2 = sw_raster_commit(wc, NULL);
    return st ? st : st2;
}
