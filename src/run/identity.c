/* Run identity and the --resume check (see identity.h). */
#include "src/run/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
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
    int nb = sw_raster_selected_bands(r, bands);
    uint64_t h = 0xcbf29ce484222325ull;
    int64_t dims[3] = {in->width, in->height, nb};
    h = fnv(h, dims, sizeof dims);
    enum { S = 64 };
    uint8_t pix[S * S * SW_RASTER_MAX_BANDS], val[S * S];
    int ww = in->width < S ? in->width : S, wh = in->height < S ? in->height : S;
    /* 4 windows, at the centres of a 2 x 2 grid: each decodes a source block (a 512 x 512 tile is
     * 256 kpx), so more windows cost start-up time without telling scenes apart any better. */
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int64_t x = (int64_t)in->width * (2 * i + 1) / 4 - ww / 2, y = (int64_t)in->height * (2 * j + 1) / 4 - wh / 2;
            if (x < 0) x = 0;
            if (y < 0) y = 0;
            if (x + ww > in->width) x = in->width - ww;
            if (y + wh > in->height) y = in->height - wh;
            sw_status st = sw_raster_read_u8(r, x, y, ww, wh, pix, val);
            if (st) return sw_fail_ctx(st, "fingerprinting the input");
            h = fnv(h, pix, (size_t)ww * wh * nb);
            h = fnv(h, val, (size_t)ww * wh);
        }
    m->fingerprint = h;
    return SW_OK;
}

static void scales_text(char *buf, size_t cap, const sw_run_meta *m) {
    size_t k = 0;
    buf[0] = 0;
    for (int s = 0; s < m->nscales && k < cap; s++) k += (size_t)snprintf(buf + k, cap - k, "%s%d", s ? "," : "", m->scales[s]);
}

sw_status sw_run_identity_check(const sw_run_meta *a, const sw_run_meta *b, const char *dir) {
    const char *tail = "resume with the same flags and input, or start a new run in another folder";
    char sa[128], sb[128];
#define DIFF(code, key, fmt, va, vb)                                                                            \
    return sw_fail(code, "--resume: the run in '%s' was planned with %s " fmt ", this command gives " fmt        \
                   " (%s in %s/run.h5); %s", dir, key, va, vb, key, dir, tail)
    if (strcmp(a->job, b->job)) DIFF(SW_ERR_USAGE, "job", "'%s'", a->job, b->job);
    scales_text(sa, sizeof sa, a), scales_text(sb, sizeof sb, b);
    if (strcmp(sa, sb)) DIFF(SW_ERR_USAGE, "scales", "%s", sa, sb);
    if (a->overlap != b->overlap) DIFF(SW_ERR_USAGE, "overlap", "%g", a->overlap, b->overlap);
    if (strcmp(a->blend, b->blend)) DIFF(SW_ERR_USAGE, "blend", "'%s'", a->blend, b->blend);
    if (a->block != b->block) DIFF(SW_ERR_USAGE, "block", "%d", a->block, b->block);
    if (a->width != b->width || a->height != b->height) {
        snprintf(sa, sizeof sa, "%lldx%lld", (long long)a->width, (long long)a->height);
        snprintf(sb, sizeof sb, "%lldx%lld", (long long)b->width, (long long)b->height);
        DIFF(SW_ERR_INPUT, "width/height", "an input of %s", sa, sb);
    }
    for (int i = 0; i < 6; i++)
        if (a->gt[i] != b->gt[i]) {
            snprintf(sa, sizeof sa, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", a->gt[0], a->gt[1], a->gt[2], a->gt[3], a->gt[4], a->gt[5]);
            snprintf(sb, sizeof sb, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", b->gt[0], b->gt[1], b->gt[2], b->gt[3], b->gt[4], b->gt[5]);
            DIFF(SW_ERR_INPUT, "geotransform", "%s", sa, sb);
        }
    if (strcmp(a->crs_wkt, b->crs_wkt)) DIFF(SW_ERR_INPUT, "crs_wkt", "%.60s...", a->crs_wkt, b->crs_wkt);
    if (a->fingerprint != b->fingerprint)
        DIFF(SW_ERR_INPUT, "fingerprint", "an input whose sampled pixels hash to %016llx", (unsigned long long)a->fingerprint,
             (unsigned long long)b->fingerprint);
#undef DIFF
    return SW_OK;
}
