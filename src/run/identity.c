/* Run identity and the --resume check (see identity.h). */
#include "src/run/identity.h"

#include "io/checkpoint.h"
#include "io/h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

enum { FP_WINDOW = 64 };

_Static_assert(SW_RUN_MAX_BANDS == SW_RASTER_MAX_BANDS && SW_STORE_MAX_BANDS == SW_RASTER_MAX_BANDS,
               "--bands, run.h5's bands and the reader's bands must agree");

/* Origin along one axis (extent n, block side bs) of sample window i of 2 (side ws): the middle of
 * the source block holding the quarter point n (2i + 1) / 4, so that a window decodes one block
 * (and one mask block), not the four around a block corner; the window centred on the quarter
 * point when the block is narrower than the window (strips), or `legacy` (the placement of runs
 * planned before 2026-11-23, still accepted by --resume). */
static int64_t fp_origin(int64_t n, int bs, int ws, int i, int legacy) {
    int64_t q = n * (2 * i + 1) / 4, o = q - ws / 2;
    if (!legacy && bs >= ws) {
        int64_t b0 = q / bs * bs, bw = n - b0 < bs ? n - b0 : bs;
        if (bw >= ws) o = b0 + (bw - ws) / 2;
    }
    if (o < 0) o = 0;
    if (o + ws > n) o = n - ws;
    return o;
}

/* FNV-1a over the size and the pixels and validity of 4 windows of 64 x 64, at the centres of a
 * 2 x 2 grid (fp_origin): more windows cost start-up time without telling scenes apart better. */
sw_status sw_run_fingerprint(sw_raster *r, int legacy, uint64_t *out) {
    const sw_raster_info *in = sw_raster_get_info(r);
    int bands[SW_RASTER_MAX_BANDS];
    int nb = sw_raster_selected_bands(r, bands);
    uint64_t h = 0xcbf29ce484222325ull;
    int64_t dims[3] = {in->width, in->height, nb};
    h = fnv(h, dims, sizeof dims);
    uint8_t pix[FP_WINDOW * FP_WINDOW * SW_RASTER_MAX_BANDS], val[FP_WINDOW * FP_WINDOW];
    int ww = in->width < FP_WINDOW ? in->width : FP_WINDOW, wh = in->height < FP_WINDOW ? in->height : FP_WINDOW;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int64_t x = fp_origin(in->width, in->block_w, ww, i, legacy), y = fp_origin(in->height, in->block_h, wh, j, legacy);
            sw_status st = sw_raster_read_u8(r, x, y, ww, wh, pix, val);
            if (st) return sw_fail_ctx(st, "fingerprinting the input");
            h = fnv(h, pix, (size_t)ww * wh * nb);
            h = fnv(h, val, (size_t)ww * wh);
        }
    *out = h;
    return SW_OK;
}

sw_status sw_run_open_input(sw_raster **r, const sw_run_config *cfg) {
    char fmt[64];
    int ver;
    *r = NULL;
    /* a file of swath's own (chips.h5, model.h5, run.h5) given where the mosaic goes */
    if (sw_h5_is_hdf5(cfg->input) && sw_h5_identify(cfg->input, fmt, sizeof fmt, &ver) == SW_OK)
        return sw_fail(SW_ERR_INPUT, "'%s' is a swath %s file (HDF5), not a mosaic: swath run reads a raster (GeoTIFF, "
                       "VRT or any GDAL raster with R, G, B)", cfg->input, fmt);
    sw_err_clear();
    sw_status st = sw_raster_open(r, cfg->input);
    if (st || !cfg->nbands) return st;
    if ((st = sw_raster_select_bands(*r, cfg->bands, cfg->nbands))) {
        sw_raster_close(*r);
        *r = NULL;
        return sw_fail_ctx(st, cfg->bands_from_model ? "the bands the model was trained on" : "--bands");
    }
    return SW_OK;
}

sw_status sw_run_identity(sw_run_meta *m, const sw_run_config *cfg, sw_raster *r) {
    const sw_raster_info *in = sw_raster_get_info(r);
    memset(m, 0, sizeof *m);
    snprintf(m->job, sizeof m->job, "%s", cfg->job);
    m->nscales = cfg->nscales;
    for (int s = 0; s < cfg->nscales; s++) m->scales[s] = cfg->scales[s];
    m->overlap = cfg->overlap;
    snprintf(m->blend, sizeof m->blend, "%s", sw_blend_name(cfg->blend));
    m->block = cfg->block;
    snprintf(m->input, sizeof m->input, "%s", cfg->input);
    m->width = in->width, m->height = in->height;
    memcpy(m->gt, in->gt, sizeof m->gt);
    snprintf(m->crs_wkt, sizeof m->crs_wkt, "%s", in->wkt ? in->wkt : "");
    int bands[SW_RASTER_MAX_BANDS];
    m->nbands = sw_raster_selected_bands(r, bands);
    for (int i = 0; i < m->nbands && i < SW_STORE_MAX_BANDS; i++) m->bands[i] = bands[i];
    if (cfg->model[0]) {
        snprintf(m->model, sizeof m->model, "%s", cfg->model);
        sw_status st = sw_checkpoint_fingerprint(cfg->model, &m->model_fingerprint);
        if (st) return sw_fail_ctx(st, "--model");
        if (!m->model_fingerprint) m->model_fingerprint = 1;   /* 0 means "none" in run.h5 */
    }
    return sw_run_fingerprint(r, 0, &m->fingerprint);
}

static void scales_text(char *buf, size_t cap, const sw_run_meta *m) {
    size_t k = 0;
    buf[0] = 0;
    for (int s = 0; s < m->nscales && k < cap; s++) k += (size_t)snprintf(buf + k, cap - k, "%s%d", s ? "," : "", m->scales[s]);
}

static void bands_text(char *buf, size_t cap, const sw_run_meta *m) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < m->nbands && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s%d", i ? "," : "", m->bands[i]);
}

/* "--resume: the run in 'DIR' was planned with <was>, this command gives <now> (<keys> in
 * DIR/run.h5); ..." */
static sw_status differ(sw_status code, const char *dir, const char *was, const char *now, const char *keys) {
    return sw_fail(code, "--resume: the run in '%s' was planned with %s, this command gives %s (%s in %s/run.h5); resume "
                   "with the same flags and input, or start a new run in another folder", dir, was, now, keys, dir);
}

sw_status sw_run_identity_check(const sw_run_meta *a, const sw_run_meta *b, const char *dir, sw_raster *r) {
    char sa[160], sb[160], wa[200], wb[200];
    /* a flag: "<key> <value>", then the value alone */
#define DIFF(code, key, fmt, va, vb)                                                                            \
    do {                                                                                                        \
        snprintf(wa, sizeof wa, "%s " fmt, key, va);                                                            \
        snprintf(wb, sizeof wb, fmt, vb);                                                                       \
        return differ(code, dir, wa, wb, key);                                                                  \
    } while (0)
    if (strcmp(a->job, b->job)) DIFF(SW_ERR_USAGE, "job", "'%s'", a->job, b->job);
    scales_text(sa, sizeof sa, a), scales_text(sb, sizeof sb, b);
    if (strcmp(sa, sb)) DIFF(SW_ERR_USAGE, "scales", "%s", sa, sb);
    if (a->overlap != b->overlap) DIFF(SW_ERR_USAGE, "overlap", "%g", a->overlap, b->overlap);
    if (strcmp(a->blend, b->blend)) DIFF(SW_ERR_USAGE, "blend", "'%s'", a->blend, b->blend);
    if (a->block != b->block) DIFF(SW_ERR_USAGE, "block", "%d", a->block, b->block);
    if (a->nbands && b->nbands) {   /* older run.h5 files do not say (the fingerprint covers it) */
        bands_text(sa, sizeof sa, a), bands_text(sb, sizeof sb, b);
        if (strcmp(sa, sb)) DIFF(SW_ERR_USAGE, "bands", "%s", sa, sb);
    }
    if (a->width != b->width || a->height != b->height) {
        snprintf(wa, sizeof wa, "an input of %lldx%lld pixels", (long long)a->width, (long long)a->height);
        snprintf(wb, sizeof wb, "one of %lldx%lld", (long long)b->width, (long long)b->height);
        return differ(SW_ERR_INPUT, dir, wa, wb, "width, height");
    }
    for (int i = 0; i < 6; i++)
        if (a->gt[i] != b->gt[i]) {
            snprintf(sa, sizeof sa, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", a->gt[0], a->gt[1], a->gt[2], a->gt[3], a->gt[4], a->gt[5]);
            snprintf(sb, sizeof sb, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", b->gt[0], b->gt[1], b->gt[2], b->gt[3], b->gt[4], b->gt[5]);
            DIFF(SW_ERR_INPUT, "geotransform", "%s", sa, sb);
        }
    if (strcmp(a->crs_wkt, b->crs_wkt)) DIFF(SW_ERR_INPUT, "crs_wkt", "%.60s...", a->crs_wkt, b->crs_wkt);
    if (a->model_fingerprint && b->model_fingerprint && a->model_fingerprint != b->model_fingerprint) {
        snprintf(wa, sizeof wa, "model '%.60s' (weights hash %016llx)", a->model, (unsigned long long)a->model_fingerprint);
        snprintf(wb, sizeof wb, "'%.60s' (weights hash %016llx): another model", b->model,
                 (unsigned long long)b->model_fingerprint);
        return differ(SW_ERR_USAGE, dir, wa, wb, "model_fingerprint");
    }
    uint64_t legacy = 0;   /* a run planned before the windows moved inside blocks (2026-11-23) */
    if (a->fingerprint != b->fingerprint && r) {
        sw_status st = sw_run_fingerprint(r, 1, &legacy);
        if (st) return st;
    }
    if (a->fingerprint != b->fingerprint && a->fingerprint != legacy) {
        snprintf(wa, sizeof wa, "an input whose sampled pixels hash to %016llx", (unsigned long long)a->fingerprint);
        snprintf(wb, sizeof wb, "one whose pixels hash to %016llx: another image", (unsigned long long)b->fingerprint);
        return differ(SW_ERR_INPUT, dir, wa, wb, "fingerprint");
    }
#undef DIFF
    return SW_OK;
}
