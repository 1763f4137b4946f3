/* The run report as JSON (see report.h): hand-written, one key per line at the top level. */
#include "src/run/report.h"

#include "src/core/build_config.h"
#include "src/core/fsutil.h"
#include "src/core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void jnum(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

/* An optional count: 0 = unknown (null) unless `known`. */
static void jcount(FILE *f, int64_t v, int known) {
    if (known) fprintf(f, "%lld", (long long)v);
    else fputs("null", f);
}

/* An optional integer: -1 = unknown (null). */
static void jint(FILE *f, int v) {
    if (v >= 0) fprintf(f, "%d", v);
    else fputs("null", f);
}

/* The batch job the run ran in: "slurm": {...}, or null outside SLURM. A requeued job keeps its
 * id; `restarts` counts the requeues. */
static void write_slurm(FILE *f, const sw_jobenv *e) {
    fputs("  \"slurm\": ", f);
    if (!e || !e->in_slurm) {
        fputs("null,\n", f);
        return;
    }
    fputs("{\"job_id\": ", f);
    sw_json_str(f, e->job_id);
    fputs(", \"array_job_id\": ", f);
    sw_json_str(f, e->array_job_id[0] ? e->array_job_id : NULL);
    fputs(", \"array_task_id\": ", f);
    sw_json_str(f, e->array_task_id[0] ? e->array_task_id : NULL);
    fprintf(f, ", \"restarts\": %d, \"nodes\": ", e->restarts);
    jint(f, e->nodes);
    fputs(", \"tasks\": ", f);
    jint(f, e->ntasks);
    fputs(", \"gpus_on_node\": ", f);
    jint(f, e->gpus_on_node);
    fputs("},\n", f);
}

static void write_run(FILE *f, const sw_report *r) {
    fputs("  \"input\": ", f);
    sw_json_str(f, r->input);
    fputs(",\n  \"run_id\": ", f);
    sw_json_str(f, r->run_id);
    fputs(",\n  \"model\": ", f);
    sw_json_str(f, r->model);
    fputs(",\n  \"config\": {", f);
    for (int i = 0; i < r->nconfig; i++) {
        fputs(i ? ", " : "", f);
        sw_json_str(f, r->config[i].key ? r->config[i].key : "");
        fputs(": ", f);
        sw_json_str(f, r->config[i].value);
    }
    int tiles_known = r->tiles_total || r->tiles_done || r->tiles_failed || r->tiles_skipped;
    fputs("},\n  \"tiles\": {\"total\": ", f);
    jcount(f, r->tiles_total, tiles_known);
    fputs(", \"done\": ", f);
    jcount(f, r->tiles_done, tiles_known);
    fputs(", \"failed\": ", f);
    jcount(f, r->tiles_failed, tiles_known);
    fputs(", \"skipped\": ", f);
    jcount(f, r->tiles_skipped, tiles_known);
    fputs(", \"notes\": [", f);
    for (int i = 0; i < r->nnotes; i++) {
        fputs(i ? ",\n    {\"tile\": " : "\n    {\"tile\": ", f);
        sw_json_str(f, r->notes[i].tile);
        fputs(", \"state\": ", f);
        sw_json_str(f, r->notes[i].state);
        fputs(", \"reason\": ", f);
        sw_json_str(f, r->notes[i].reason);
        fputc('}', f);
    }
    fputs(r->nnotes ? "\n  ]},\n" : "]},\n", f);
    fputs("  \"timings_s\": {", f);
    for (int i = 0; i < r->ntimings; i++) {
        fputs(i ? ", " : "", f);
        sw_json_str(f, r->timings[i].name ? r->timings[i].name : "");
        fputs(": ", f);
        jnum(f, r->timings[i].seconds);
    }
    fputs("},\n  \"pixels\": ", f);
    jcount(f, r->pixels, r->pixels > 0);
    fputs(", \"seconds\": ", f);
    jnum(f, r->seconds > 0 ? r->seconds : NAN);
    fputs(", \"mpx_per_s\": ", f);
    jnum(f, r->pixels > 0 && r->seconds > 0 ? (double)r->pixels / r->seconds / 1e6 : NAN);
    fputs(", \"ranks\": ", f);
    jcount(f, r->ranks, r->ranks > 0);
    fprintf(f, ", \"tiles_resumed\": %lld,\n", (long long)r->tiles_resumed);
    write_slurm(f, r->jobenv);
}

static void write_defects(FILE *f, const sw_report *r) {
    fprintf(f, "  \"raster\": {\"width\": %d, \"height\": %d, \"crs\": ", r->width, r->height);
    sw_json_str(f, r->crs_name);
    fprintf(f, ", \"geographic\": %s, \"pixel_area_m2\": ", r->geographic ? "true" : "false");
    jnum(f, r->geographic ? NAN : r->pixel_area_m2);
    fprintf(f, ", \"area\": \"%s\"},\n", r->geographic ? "ellipsoidal" : "planar");
    fprintf(f, "  \"vectorize\": {\"connectivity\": %d, \"cluster_px\": %d, \"cluster_classes\": [",
            r->connectivity, r->cluster_px);
    for (int c = 0, k = 0; c < 32; c++)
        if (r->cluster_classes & (1u << c)) fprintf(f, "%s%d", k++ ? ", " : "", c);
    fputs("], \"seconds\": ", f);
    jnum(f, r->seconds_vectorize);
    fputs("},\n  \"classes\": [", f);
    sw_report_class tot = {0};
    for (int c = 1; c < SW_NCLASSES; c++) {
        const sw_report_class *k = &r->classes[c];
        fprintf(f, "%s\n    {\"id\": %d, \"name\": ", c > 1 ? "," : "", c);
        sw_json_str(f, r->class_names && r->class_names[c] ? r->class_names[c] : sw_class_name(c));
        fprintf(f, ", \"count\": %lld, \"polygons\": %lld, \"pixels\": %lld, \"area_m2\": ", (long long)k->features,
                (long long)k->polygons, (long long)k->pixels);
        jnum(f, k->area_m2);
        fputs(", \"mean_conf\": ", f);
        jnum(f, k->conf_sum >= 0 && k->pixels > 0 ? k->conf_sum / (double)k->pixels / 255.0 : NAN);
        fputc('}', f);
        tot.features += k->features, tot.polygons += k->polygons, tot.pixels += k->pixels, tot.area_m2 += k->area_m2;
    }
    fprintf(f, "\n  ],\n  \"totals\": {\"count\": %lld, \"polygons\": %lld, \"pixels\": %lld, \"area_m2\": ",
            (long long)tot.features, (long long)tot.polygons, (long long)tot.pixels);
    jnum(f, tot.area_m2);
    fputs("},\n  \"outputs\": {\"defects\": [", f);
    for (int i = 0, k = 0; i < 3; i++)
        if (r->defects[i][0]) {
            fputs(k++ ? ", " : "", f);
            sw_json_str(f, r->defects[i]);
        }
    fputs("], \"quicklook\": ", f);
    sw_json_str(f, r->quicklook[0] ? r->quicklook : NULL);
    fputs(", \"quicklook_seconds\": ", f);
    jnum(f, r->quicklook[0] ? r->seconds_quicklook : NAN);
    fputs("}\n", f);
}

sw_status sw_report_write_json(const char *path, const sw_report *r) {
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp)
        return sw_fail(SW_ERR_OUTPUT, "path too long: %s", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return sw_fail(SW_ERR_OUTPUT, "cannot write '%s': %s", tmp, strerror(errno));
    fprintf(f, "{\n  \"format\": \"swath-report\", \"version\": 1, \"swath\": \"%s\",\n", SWATH_VERSION);
    write_run(f, r);
    write_defects(f, r);
    fputs("}\n", f);
    int bad = ferror(f);
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        unlink(tmp);
        return sw_fail(SW_ERR_OUTPUT, "cannot write '%s': %s", path, strerror(errno));
    }
    return sw_rename_durable(tmp, path);
}
