/* The pixel-defects job: stripe noise (9) and pixel missing (10) by the seed's threshold methods
 * (src/image/pixel_defects.h), each as its own binary score plane (0 or 255), so that the
 * reducer blends them and resolves 10 over 9 by the paper's rule. Also the job table. */
#include "jobs/job.h"

#include "jobs/defect_classes.h"
#include "src/image/pixel_defects.h"

#include <stdlib.h>
#include <string.h>

/* The released code's variant (no saturation boost); the paper's +100 boost is an option of the
 * detector (sw_stripe_noise_mark) that no run flag exposes yet. */
#define PD_SAT_BOOST 0

static sw_status pd_init(void **ctx, const sw_job_params *p) {
    (void)p;
    sw_pixel_defects_ws *ws = sw_malloc(sizeof *ws, "the pixel-defects scratch");
    if (!ws) return SW_ERR_RUNTIME;
    sw_pixel_defects_ws_init(ws);
    *ctx = ws;
    return SW_OK;
}

static void pd_free(void *ctx) {
    if (!ctx) return;
    sw_pixel_defects_ws_free(ctx);
    free(ctx);
}

static sw_status pd_process(void *ctx, uint8_t *scores, const uint8_t *pix, const uint8_t *valid, int w, int h) {
    size_t n = (size_t)w * h;
    uint8_t *stripe = scores, *missing = scores + n;
    memset(scores, 0, 2 * n);
    sw_status st = sw_stripe_noise_mark(ctx, stripe, pix, valid, w, h, PD_SAT_BOOST, 255);
    if (st) return st;
    sw_pixel_missing_mark(missing, pix, valid, w, h, 255);
    return SW_OK;
}

const sw_job_kind sw_job_pixel_defects = {
    .name = "pixel-defects",
    .nclasses = 2,
    .classes = {9, 10},
    .nbands = 3,
    .init = pd_init,
    .tile_threads = 1,
    .free = pd_free,
    .process = pd_process,
    .postprocess_block = NULL,
};

static const sw_job_kind *const jobs[] = {&sw_job_pixel_defects, &sw_job_segment, NULL};

const sw_job_kind *sw_job_find(const char *name) {
    for (int i = 0; jobs[i]; i++)
        if (!strcmp(jobs[i]->name, name)) return jobs[i];
    return NULL;
}

const char *sw_job_names(void) { return "pixel-defects, segment"; }

const char *sw_job_class_name(const sw_job_kind *k, int cls) {
    for (int i = 0; k && i < k->nclasses; i++)
        if (k->classes[i] == cls && k->class_names[i][0]) return k->class_names[i];
    return sw_class_name(cls);
}
