/* The job kinds of `swath run`, one file each behind one small table: what a job emits and how it
 * turns one tile of pixels into per-class scores. The runtime (src/run, mpi/) does the rest. */
#ifndef SWATH_JOBS_JOB_H
#define SWATH_JOBS_JOB_H

#include "io/raster.h"
#include "src/core/error.h"

#include <stdint.h>

#define SW_JOB_MAX_CLASSES 11
#define SW_JOB_CLASS_NAME 32

/* What a run passes to its job (the flags of `swath run` that jobs read). */
typedef struct {
    const char *model;   /* --model FILE (model.h5), or NULL */
    const char *device;  /* --device auto|cpu|cuda for jobs that run a model, or NULL (auto) */
    const char *precision; /* --precision f32|tf32|bf16|bf16-act on the GPU, or NULL (f32) */
    int deterministic;   /* --deterministic on the GPU */
} sw_job_params;

typedef struct sw_job_kind {
    const char *name;                 /* "pixel-defects" */
    int nclasses;                     /* score planes a tile result carries */
    uint8_t classes[SW_JOB_MAX_CLASSES];  /* their class ids (jobs/defect_classes.h) */
    int nbands;                       /* bands a tile read delivers (3 = R, G, B) */
    int bands[SW_RASTER_MAX_BANDS];   /* the bands to read without --bands (1-based: the bands a
                                         model was trained on), or 0: the input's default */
    /* Class resolution in the reducer: 0 = seed 003's rule (a class is present where its blended
     * score >= 0.5, the conflict rule picks among present ones, none: background); 1 = argmax
     * of the blended scores (the planes cover every class, background included). */
    int argmax;
    /* 1 when a rank may process several tiles at once on its threads (each thread gets its own
     * ctx from init); 0 for jobs that use the rank's cores themselves (a model's kernels). */
    int tile_threads;
    /* Names of the emitted classes, per plane ("" = the defect class name of jobs/
     * defect_classes.h). */
    char class_names[SW_JOB_MAX_CLASSES][SW_JOB_CLASS_NAME];
    /* (optional) completes a copy of the kind from the run's parameters before anything else
     * (a model's classes and bands); every rank calls it. */
    sw_status (*configure)(struct sw_job_kind *k, const sw_job_params *p);
    /* Per-rank state (models, scratch); *ctx may stay NULL. */
    sw_status (*init)(void **ctx, const sw_job_params *p);
    void (*free)(void *ctx);
    /* Scores of one tile: scores (nclasses, h, w), 0..255 (255 = certain), from pix (h, w, nbands)
     * and valid (h, w); invalid pixels may hold anything (the reducer gives them weight 0). */
    sw_status (*process)(void *ctx, uint8_t *scores, const uint8_t *pix, const uint8_t *valid, int w, int h);
    /* Post-processing of region classes (1..6) on a finished output block, or NULL. Pixel-based
     * classes stay exact, so pixel-defects has none. cls (h, w) in/out. */
    sw_status (*postprocess_block)(void *ctx, uint8_t *cls, int w, int h);
} sw_job_kind;

/* The name of class id `cls` as `k` emits it (its class_names, else the defect class name). */
const char *sw_job_class_name(const sw_job_kind *k, int cls);

/* The job named `name`, or NULL. */
const sw_job_kind *sw_job_find(const char *name);
/* "pixel-defects, ..." for messages. */
const char *sw_job_names(void);

extern const sw_job_kind sw_job_pixel_defects;
extern const sw_job_kind sw_job_segment;

#endif
