/* The streaming driver of `swath dataset build` (see build.h): for every raster, chip windows on the
 * tile / stride grid -> split (split.c) -> image window and validity (io/raster.h) -> class window
 * (mask raster or io/rasterize.h) -> multi-labels and points (chip_labels.c) -> negative policy ->
 * chips.h5 (io/chips_write.h). Statistics (per-channel mean / std over the train chips' valid
 * pixels, class histogram of the train masks) are exact integer sums, so they do not depend on
 * the order of the work. */
#include "src/dataset/build.h"

#include "io/chips_write.h"
#include "io/raster.h"
#include "io/rasterize.h"
#include "src/core/log.h"
#include "src/core/stop.h"
#include "mpi/run_mpi.h"
#include "src/dataset/chip_labels.h"
#include "src/dataset/merge.h"
#include "src/dataset/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sw_raster *img, *mask;     /* mask: class mask raster, or NULL */
    sw_rasterizer *vec;        /* vector labels (shared when one file serves every raster) */
} source;

typedef struct {
    const sw_dataset_opts *o;
    int nsrc, C, K;
    int bands[SW_RASTER_MAX_BANDS];   /* source band per channel; 0 where the sources differ */
    source *src;
    sw_rasterizer **vecs;
    int nvecs;
    sw_raster **masks;
    char (*names)[SW_CHIPS_CLASS_NAME];
    /* per chip */
    uint8_t *pix, *valid, *mask, *labels;
    int32_t *lab_scratch, *pts;
    long long pts_cap;
    sw_components cc;
    /* statistics */
    long long sum[SW_CHIPS_MAX_CH], sumsq[SW_CHIPS_MAX_CH], npix;
    long long *hist;
} builder;

static void builder_free(builder *b) {
    for (int i = 0; i < b->nsrc; i++) sw_raster_close(b->src[i].img);
    for (int i = 0; i < b->nvecs; i++) sw_rasterize_close(b->vecs[i]);
    for (int i = 0; b->masks && i < b->nsrc; i++) sw_raster_close(b->masks[i]);
    free(b->src), free(b->vecs), free(b->masks), free(b->names), free(b->hist);
    free(b->pix), free(b->valid), free(b->mask), free(b->labels), free(b->lab_scratch), free(b->pts);
    sw_components_free(&b->cc);
}

/* The largest class value (< 255) of a mask raster into *maxv, and the count of its labelled
 * pixels of a class >= K (K > 0: --num-classes) into *over; read in strips (memory: width x 256). */
static sw_status mask_scan(sw_raster *m, const char *path, int K, int *maxv, long long *over) {
    const sw_raster_info *in = sw_raster_get_info(m);
    const int rows = 256;
    uint8_t *buf = malloc((size_t)in->width * rows), *val = malloc((size_t)in->width * rows);
    if (!buf || !val) {
        free(buf), free(val);
        return sw_fail(SW_ERR_RUNTIME, "'%s': out of memory scanning the classes", path);
    }
    sw_status st = SW_OK;
    for (int y = 0; y < in->height && !st; y += rows) {
        int h = in->height - y < rows ? in->height - y : rows;
        st = sw_raster_read_u8(m, 0, y, in->width, h, buf, val);
        for (long long i = 0; !st && i < (long long)in->width * h; i++) {
            if (!val[i] || buf[i] == 255) continue;
            if (buf[i] > *maxv) *maxv = buf[i];
            if (K > 0 && buf[i] >= K) (*over)++;
        }
    }
    free(buf), free(val);
    return st;
}

static sw_status open_labels(builder *b) {
    const sw_dataset_opts *o = b->o;
    if (o->nlabels != 1 && o->nlabels != o->nrasters)
        return sw_fail(SW_ERR_USAGE, "--labels: %d files for %d rasters (give one for all, or one per raster)",
                       o->nlabels, o->nrasters);
    sw_status st = SW_OK;
    if (o->class_field) {
        b->vecs = calloc((size_t)o->nlabels, sizeof *b->vecs);
        if (!b->vecs) return sw_fail(SW_ERR_RUNTIME, "out of memory");
        int best = 0;
        for (int i = 0; i < o->nlabels && !st; i++) {
            st = sw_rasterize_open(&b->vecs[i], o->labels[i], o->layer, o->class_field, o->class_map);
            if (st) break;
            b->nvecs++;
            int k = sw_rasterize_classes(b->vecs[i], NULL);
            if (k > b->K) b->K = k, best = i;
        }
        for (int i = 0; i < o->nrasters && !st; i++) {
            b->src[i].vec = b->vecs[o->nlabels == 1 ? 0 : i];
            const sw_raster_info *in = sw_raster_get_info(b->src[i].img);
            st = sw_rasterize_set_grid(b->src[i].vec, o->rasters[i], in->wkt, in->gt, in->width, in->height);
        }
        if (st) return st;
        const char(*nm)[SW_CHIPS_CLASS_NAME];
        const int found = sw_rasterize_classes(b->vecs[best], &nm);
        if (o->num_classes > b->K) b->K = o->num_classes;   /* classes the layer happens to lack */
        b->names = calloc((size_t)b->K, SW_CHIPS_CLASS_NAME);
        if (!b->names) return sw_fail(SW_ERR_RUNTIME, "out of memory");
        memcpy(b->names, nm, (size_t)found * SW_CHIPS_CLASS_NAME);
        for (int k = found; k < b->K; k++) snprintf(b->names[k], SW_CHIPS_CLASS_NAME, "class_%d", k);
        return SW_OK;
    }
    if (o->nlabels != o->nrasters)
        return sw_fail(SW_ERR_USAGE, "--labels: mask rasters need one per raster (%d rasters, %d labels); vector "
                       "labels need --class-field", o->nrasters, o->nlabels);
    b->masks = calloc((size_t)o->nrasters, sizeof *b->masks);
    if (!b->masks) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    int maxv = 0;
    long long over = 0;
    for (int i = 0; i < o->nrasters && !st; i++) {
        st = sw_raster_open(&b->masks[i], o->labels[i]);
        if (st) return sw_fail_ctx(st, "labels (vector labels need --class-field)");
        const sw_raster_info *mi = sw_raster_get_info(b->masks[i]), *ii = sw_raster_get_info(b->src[i].img);
        if (mi->nbands != 1)
            return sw_fail(SW_ERR_INPUT, "labels '%s' have %d bands: a class mask must be one Byte band (0..254 "
                           "classes, 255 ignore)", o->labels[i], mi->nbands);
        if (strcmp(mi->dtype, "Byte") != 0)
            return sw_fail(SW_ERR_INPUT, "labels '%s' are %s: a class mask must be Byte (0..254 classes, 255 ignore)",
                           o->labels[i], mi->dtype);
        if (mi->width != ii->width || mi->height != ii->height)
            return sw_fail(SW_ERR_INPUT, "labels '%s' are %d x %d but the image '%s' is %d x %d: a class mask must be "
                           "on the image's grid", o->labels[i], mi->width, mi->height, o->rasters[i], ii->width,
                           ii->height);
        if (mi->has_gt && ii->has_gt)
            for (int k = 0; k < 6; k++)
                if (fabs(mi->gt[k] - ii->gt[k]) > 1e-6 * (fabs(ii->gt[1]) + fabs(ii->gt[5])) * (k == 0 || k == 3 ? 1 : 1e-3))
                    return sw_fail(SW_ERR_INPUT, "labels '%s' and image '%s' have different geotransforms: a class "
                                   "mask must be on the image's grid", o->labels[i], o->rasters[i]);
        b->src[i].mask = b->masks[i];
        st = mask_scan(b->masks[i], o->labels[i], o->num_classes, &maxv, &over);
    }
    if (st) return st;
    if (over && o->rank == 0) /* they become 255 in read_chip: say so, once */
        sw_log(0, "warning: dataset build: %lld labelled pixels have a class >= --num-classes %d (the largest "
               "is %d): they are ignored (255)", over, o->num_classes, maxv);
    b->K = o->num_classes ? o->num_classes : maxv + 1;
    if (b->K < 2) b->K = 2;
    b->names = calloc((size_t)b->K, SW_CHIPS_CLASS_NAME);
    if (!b->names) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    /* the first mask's category names (synth's truth.tif, a run's mask.tif), else class_<k> */
    for (int k = 0; k < b->K; k++)
        if (!sw_raster_category_name(b->masks[0], k, b->names[k], SW_CHIPS_CLASS_NAME))
            snprintf(b->names[k], SW_CHIPS_CLASS_NAME, k ? "class_%d" : "background", k);
    return SW_OK;
}

static sw_status apply_names(builder *b) {
    const char *p = b->o->class_names;
    if (!p || !*p) return SW_OK;
    int k = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        if (!e) e = p + strlen(p);
        if (k >= b->K)
            return sw_fail(SW_ERR_USAGE, "--class-names names more than the %d classes of the labels", b->K);
        snprintf(b->names[k++], SW_CHIPS_CLASS_NAME, "%.*s", (int)(e - p < SW_CHIPS_CLASS_NAME - 1 ? e - p : SW_CHIPS_CLASS_NAME - 1), p);
        p = *e ? e + 1 : e;
    }
    return SW_OK;
}

static sw_status open_all(builder *b) {
    const sw_dataset_opts *o = b->o;
    if (o->nrasters < 1) return sw_fail(SW_ERR_USAGE, "dataset build: no raster given");
    if (o->tile < 8 || o->stride < 1) return sw_fail(SW_ERR_USAGE, "--tile %d (>= 8), --stride %d (>= 1)", o->tile, o->stride);
    b->src = calloc((size_t)o->nrasters, sizeof *b->src);
    if (!b->src) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    for (int i = 0; i < o->nrasters; i++) {
        sw_status st = sw_raster_open(&b->src[i].img, o->rasters[i]);
        if (st) return st;
        b->nsrc++;
        if (o->nbands && (st = sw_raster_select_bands(b->src[i].img, o->bands, o->nbands))) return st;
        int bands[SW_RASTER_MAX_BANDS];
        int C = sw_raster_selected_bands(b->src[i].img, bands);
        if (i == 0) b->C = C;
        else if (C != b->C)
            return sw_fail(SW_ERR_INPUT, "'%s' gives %d channels but '%s' %d: every raster must give the same bands",
                           o->rasters[i], C, o->rasters[0], b->C);
        for (int c = 0; c < C; c++) b->bands[c] = i == 0 || b->bands[c] == bands[c] ? bands[c] : 0;
    }
    /* GDAL's block cache: enough for the band of tile rows in progress (windows go in raster order
     * and overlap by tile - stride), so each block is decoded about once; capped, so memory stays
     * bounded on very wide mosaics (a smaller cache only decodes some blocks again). */
    int64_t wmax = 0;
    for (int i = 0; i < o->nrasters; i++)
        if (sw_raster_get_info(b->src[i].img)->width > wmax) wmax = sw_raster_get_info(b->src[i].img)->width;
    int64_t cache = wmax * (o->tile + 512) * (b->C + 1) * 2 + (64 << 20);
    sw_raster_configure(cache < (512 << 20) ? cache : (512 << 20), 1);
    sw_status st = open_labels(b);
    if (!st) st = apply_names(b);
    if (st) return st;
    const size_t T = (size_t)o->tile * o->tile;
    b->pix = malloc(T * (size_t)b->C);
    b->valid = malloc(T);
    b->mask = malloc(T);
    b->labels = malloc((size_t)b->K);
    b->lab_scratch = malloc(T * sizeof *b->lab_scratch);
    b->hist = calloc((size_t)b->K, sizeof *b->hist);
    if (!b->pix || !b->valid || !b->mask || !b->labels || !b->lab_scratch || !b->hist)
        return sw_fail(SW_ERR_RUNTIME, "out of memory for a %d x %d chip", o->tile, o->tile);
    sw_components_init(&b->cc);
    return SW_OK;
}

/* The "no training chip" error (merge.h). */
sw_status no_train_chip(const sw_dataset_stats *s) {
    return sw_fail(SW_ERR_INPUT, "dataset build: no training chip (%lld windows: %lld in the guard band, %lld without "
                   "labelled pixels, %lld negatives dropped); try a smaller --tile or --block, or --val 0",
                   s->windows, s->guard, s->empty, s->negatives_dropped);
}

/* Reads one window into b->pix / b->mask; returns 0 when it has no valid labelled pixel. */
static sw_status read_chip(builder *b, int s, int x, int y, int *useful) {
    const int T = b->o->tile;
    sw_status st = sw_raster_read_u8(b->src[s].img, x, y, T, T, b->pix, b->valid);
    if (st) return st;
    if (b->src[s].mask) st = sw_raster_read_u8(b->src[s].mask, x, y, T, T, b->mask, (uint8_t *)b->lab_scratch);
    else st = sw_rasterize_window(b->src[s].vec, x, y, T, T, b->mask);
    if (st) return st;
    const uint8_t *mvalid = b->src[s].mask ? (const uint8_t *)b->lab_scratch : NULL;
    int any = 0;
    for (int i = 0; i < T * T; i++) {
        uint8_t m = b->mask[i];
        if (!b->valid[i] || (mvalid && !mvalid[i]) || m >= b->K) m = 255;
        b->mask[i] = m;
        any |= m != 255;
    }
    *useful = any;
    return SW_OK;
}

/* The chip's statistics record (sw_chip_stats layout) into rec. */
static void chip_stats(const builder *b, long long *rec) {
    const int T = b->o->tile, C = b->C;
    long long *sum = rec + 1, *sq = rec + 1 + C, *hist = rec + 1 + 2 * C;
    memset(rec, 0, (size_t)sw_chip_stats_len(C, b->K) * sizeof *rec);
    for (int i = 0; i < T * T; i++) {
        if (b->mask[i] != 255) hist[b->mask[i]]++;
        if (!b->valid[i]) continue;
        rec[0]++;
        for (int c = 0; c < C; c++) {
            long long v = b->pix[(size_t)i * C + c];
            sum[c] += v, sq[c] += v * v;
        }
    }
}

static void add_stats(builder *b, const long long *rec) {
    const int C = b->C;
    b->npix += rec[0];
    for (int c = 0; c < C; c++) b->sum[c] += rec[1 + c], b->sumsq[c] += rec[1 + C + c];
    for (int k = 0; k < b->K; k++) b->hist[k] += rec[1 + 2 * C + k];
}

/* Cuts every window of every source (with several ranks: the windows of this rank, by index) into
 * w. A worker of a multi-rank build keeps every negative chip and writes each train chip's
 * statistics record to `rec_out`; the merge applies the negative policy (merge.c). */
static sw_status run(builder *b, sw_chips_writer *w, sw_dataset_stats *stats, FILE *rec_out) {
    const sw_dataset_opts *o = b->o;
    const int T = o->tile, worker = o->nranks > 1;
    long long g = -1;   /* global window index */
    long long *rec = malloc((size_t)sw_chip_stats_len(b->C, b->K) * sizeof *rec);
    if (!rec) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    long long total = 0;
    for (int s = 0; s < b->nsrc; s++) {
        const sw_raster_info *in = sw_raster_get_info(b->src[s].img);
        int nx = sw_tile_positions(in->width, T, o->stride, NULL), ny = sw_tile_positions(in->height, T, o->stride, NULL);
        if (!nx || !ny)
            sw_log(1, "dataset build: '%s' (%d x %d) is smaller than one %d x %d tile: no chips from it\n",
                   o->rasters[s], in->width, in->height, T, T);
        total += (long long)nx * ny;
    }
    sw_progress prog;
    sw_progress_init(&prog, "dataset build", total);
    sw_status st = SW_OK;
    for (int s = 0; s < b->nsrc && !st; s++) {
        const sw_raster_info *in = sw_raster_get_info(b->src[s].img);
        int nx = sw_tile_positions(in->width, T, o->stride, NULL), ny = sw_tile_positions(in->height, T, o->stride, NULL);
        if (!nx || !ny) continue;
        int *xs = malloc((size_t)nx * sizeof *xs), *ys = malloc((size_t)ny * sizeof *ys);
        sw_split_plan plan;
        st = !xs || !ys ? sw_fail(SW_ERR_RUNTIME, "out of memory")
                        : sw_split_plan_make(&plan, in->width, in->height, o->block ? o->block : 4 * T, o->val,
                                             o->seed + 0x9e3779b97f4a7c15ull * (unsigned long long)s);
        if (!st) {
            sw_tile_positions(in->width, T, o->stride, xs);
            sw_tile_positions(in->height, T, o->stride, ys);
            sw_log(2, "dataset build: '%s': %d x %d blocks of %d px, %d for validation\n", o->rasters[s], plan.nbx,
                   plan.nby, plan.block, plan.nval);
        }
        for (int j = 0; j < ny && !st; j++)
            for (int i = 0; i < nx && !st; i++) {
                if (sw_stop_requested()) {
                    st = sw_fail(SW_INTERRUPTED, "dataset build stopped on request (nothing written; run it again)");
                    break;
                }
                stats->windows++;
                sw_progress_add(&prog, 1);
                const int x = xs[i], y = ys[j], split = sw_split_window(&plan, x, y, T, T);
                if (split < 0) {
                    stats->guard++;
                    continue;
                }
                if (worker && ++g % o->nranks != o->rank) continue;
                int useful;
                st = read_chip(b, s, x, y, &useful);
                if (st) break;
                if (!useful) {
                    stats->empty++;
                    continue;
                }
                const int positive = sw_chip_classes(b->labels, b->mask, T, T, b->K);
                if (!positive && !worker && (o->negatives == SW_NEG_DROP ||
                                             (o->negatives == SW_NEG_CAP && stats->negatives[split] >= o->neg_cap))) {
                    stats->negatives_dropped++;
                    continue;
                }
                long long np = 0;
                st = sw_chip_points(&b->pts, &b->pts_cap, &np, &b->cc, b->lab_scratch, b->mask, b->labels, T, T, b->K);
                const int32_t origin[3] = {s, x, y};
                if (!st) st = sw_chips_writer_add(w, (sw_split)split, b->pix, b->mask, b->labels, origin, b->pts, np);
                if (st) break;
                stats->chips[split]++;
                stats->points[split] += np;
                if (!positive) stats->negatives[split]++;
                if (split == 0) {
                    chip_stats(b, rec);
                    if (!worker) add_stats(b, rec);
                    else if (fwrite(rec, sizeof *rec, (size_t)sw_chip_stats_len(b->C, b->K), rec_out) !=
                             (size_t)sw_chip_stats_len(b->C, b->K))
                        st = sw_fail(SW_ERR_OUTPUT, "cannot write the statistics of rank %d's part (disk full?)", o->rank);
                }
            }
        free(xs), free(ys);
        sw_split_plan_free(&plan);
    }
    sw_progress_finish(&prog);
    free(rec);
    return st;
}

/* Mean and std from the exact sums. */
void sw_chip_stats_finish(long long npix, const long long *sum, const long long *sumsq, int C, float *mean, float *sd) {
    for (int c = 0; c < C; c++) {
        double n = npix ? (double)npix : 1.0, m = (double)sum[c] / n, v = (double)sumsq[c] / n - m * m;
        mean[c] = (float)m;
        sd[c] = v > 1e-6 ? (float)sqrt(v) : 1.0f;
    }
}

sw_status sw_dataset_build(const sw_dataset_opts *o, sw_dataset_stats *stats) {
    memset(stats, 0, sizeof *stats);
    builder b = {.o = o};
    const int worker = o->nranks > 1;
    char part[4200], recs[4300];
    snprintf(part, sizeof part, "%s.part%d", o->out, o->rank);
    snprintf(recs, sizeof recs, "%s.stats", part);
    FILE *rec_out = NULL;
    sw_status st = open_all(&b);
    sw_chips_writer *w = NULL;
    if (!st) {
        size_t n = 1;
        for (int i = 0; i < o->nrasters; i++) n += strlen(o->rasters[i]) + 1;
        char *sources = malloc(n);
        if (!sources) st = sw_fail(SW_ERR_RUNTIME, "out of memory");
        else {
            sources[0] = 0;
            for (int i = 0; i < o->nrasters; i++) strcat(strcat(sources, i ? ";" : ""), o->rasters[i]);
            sw_chips_header h = {b.C, b.K, o->tile, o->tile, o->stride, (const char(*)[SW_CHIPS_CLASS_NAME])b.names,
                                 sources, b.bands};
            st = sw_chips_writer_create(worker ? part : o->out, &h, &w);
            free(sources);
        }
    }
    if (!st && worker && !(rec_out = fopen(recs, "wb")))
        st = sw_fail(SW_ERR_OUTPUT, "rank %d: cannot write '%s'", o->rank, recs);
    stats->classes = b.K, stats->channels = b.C;
    if (!st) st = run(&b, w, stats, rec_out);
    if (rec_out && fclose(rec_out) != 0 && !st)
        st = sw_fail(SW_ERR_OUTPUT, "rank %d: cannot write '%s' (disk full?)", o->rank, recs);
    if (worker) {   /* every rank's part, then rank 0 merges them in raster order */
        float mean[SW_CHIPS_MAX_CH] = {0}, sd[SW_CHIPS_MAX_CH] = {0};
        if (!st) st = sw_chips_writer_finish(w, mean, sd, b.hist);
        else sw_chips_writer_abort(w);
        w = NULL;
        double t0 = sw_now();
        st = sw_mpi_agree_all(st);
        double t1 = sw_now();
        if (!st && o->rank == 0) st = sw_dataset_merge(o, b.C, b.K, stats);
        sw_log(2, "dataset build: rank %d waited %.1f s for the other parts; the merge took %.1f s\n", o->rank,
               t1 - t0, sw_now() - t1);
        st = sw_mpi_agree(st, 0);
        remove(part);
        remove(recs);
        builder_free(&b);
        return st;
    }
    if (!st && stats->chips[0] == 0) st = no_train_chip(stats);
    if (st) {
        sw_chips_writer_abort(w);
        builder_free(&b);
        return st;
    }
    float mean[SW_CHIPS_MAX_CH], sd[SW_CHIPS_MAX_CH];
    sw_chip_stats_finish(b.npix, b.sum, b.sumsq, b.C, mean, sd);
    st = sw_chips_writer_finish(w, mean, sd, b.hist);
    builder_free(&b);
    return st;
}
