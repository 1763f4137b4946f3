/* The report of an inspection run (DIR/report.json): what the runtime did (it fills the first
 * part of sw_report), the defects found (sw_outputs_write fills the second), and a JSON writer. */
#ifndef SWATH_RUN_REPORT_H
#define SWATH_RUN_REPORT_H

#include "jobs/defect_classes.h"
#include "src/core/error.h"
#include "src/core/jobenv.h"

#include <stdint.h>

/* A tile that did not complete: state "failed" or "skipped", and why ("all nodata", "CUDA out of
 * memory after 3 attempts", ...). */
typedef struct {
    const char *tile;    /* tile id */
    const char *state;   /* "failed" or "skipped" */
    const char *reason;
} sw_report_tile_note;

typedef struct {
    const char *name;    /* "read", "infer", "blend", "vectorize", ... */
    double seconds;
} sw_report_timing;

typedef struct {
    const char *key, *value;   /* one configuration entry, as text ("tile_size" = "1024") */
} sw_report_kv;

/* Per class: features written (after clustering), polygons before clustering, pixels, area. */
typedef struct {
    int64_t features, polygons, pixels;
    double area_m2;
    double conf_sum;     /* sum of confidence over the pixels; < 0 when unknown */
} sw_report_class;

typedef struct {
    /* ---- filled by the runtime; every field optional (NULL / 0 = unknown, written as null) ---- */
    const char *input;              /* the mosaic inspected */
    const char *run_id, *model;
    const sw_report_kv *config;     /* the run's configuration, (nconfig) */
    int nconfig;
    int64_t tiles_total, tiles_done, tiles_failed, tiles_skipped;
    const sw_report_tile_note *notes;   /* failed / skipped tiles with reasons, (nnotes) */
    int nnotes;
    const sw_report_timing *timings;    /* (ntimings) */
    int ntimings;
    int64_t pixels;                 /* pixels inspected (for Mpx/s) */
    double seconds;                 /* wall time of the run (for Mpx/s) */
    int ranks;
    int64_t tiles_resumed;          /* tiles found journaled by an earlier, stopped run (--resume) */
    const sw_jobenv *jobenv;        /* the batch job (SLURM); NULL or !in_slurm: "slurm": null */
    const char *const *class_names; /* (SW_NCLASSES) by class id, or NULL: the defect names */

    /* ---- filled by sw_outputs_write ---- */
    int width, height;
    char crs_name[128];
    int geographic;
    double pixel_area_m2;           /* 0 for a geographic CRS (areas are ellipsoidal) */
    sw_report_class classes[SW_NCLASSES];   /* [0] (background) stays zero */
    int connectivity, cluster_px;
    unsigned cluster_classes;       /* bit c: class c is clustered */
    double seconds_vectorize, seconds_quicklook;
    char defects[3][4096];          /* vector files written ("" unused) */
    char quicklook[4096];          /* "" when none */
} sw_report;

/* Writes the report as JSON to `path` (atomically: PATH.part then renamed). Strings are escaped;
 * non-finite numbers are written as null. Errors name the file (SW_ERR_OUTPUT). */
sw_status sw_report_write_json(const char *path, const sw_report *r);

#endif
