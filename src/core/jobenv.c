/* SLURM's job environment (see jobenv.h). */
#include "src/core/jobenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_env(char *dst, size_t n, const char *name) {
    const char *v = getenv(name);
    snprintf(dst, n, "%s", v ? v : "");
}

/* A non-negative integer variable, or -1 when unset or not a number. */
static int int_env(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) return -1;
    char *end;
    long x = strtol(v, &end, 10);
    return *end || x < 0 || x > 1 << 30 ? -1 : (int)x;
}

int sw_jobenv_tasks_on_node(const char *list, int node) {
    if (!list || node < 0) return -1;
    const char *p = list;
    int first = 0;   /* first node of the current entry */
    while (*p) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 0) return -1;
        long reps = 1;
        p = end;
        if (*p == '(') {
            if (p[1] != 'x') return -1;
            reps = strtol(p + 2, &end, 10);
            if (end == p + 2 || *end != ')' || reps < 1) return -1;
            p = end + 1;
        }
        if (node < first + reps) return (int)n;
        first += (int)reps;
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    return -1;
}

/* Entries of a comma-separated list ("0,1,3" -> 3); "" or "NoDevFiles" -> 0. */
static int count_list(const char *s) {
    if (!s || !*s || !strcmp(s, "NoDevFiles")) return 0;
    int n = 1;
    for (; *s; s++) n += *s == ',';
    return n;
}

void sw_jobenv_read(sw_jobenv *e) {
    memset(e, 0, sizeof *e);
    copy_env(e->job_id, sizeof e->job_id, "SLURM_JOB_ID");
    if (!e->job_id[0]) copy_env(e->job_id, sizeof e->job_id, "SLURM_JOBID");
    e->in_slurm = e->job_id[0] != 0;
    copy_env(e->array_job_id, sizeof e->array_job_id, "SLURM_ARRAY_JOB_ID");
    copy_env(e->array_task_id, sizeof e->array_task_id, "SLURM_ARRAY_TASK_ID");
    e->restarts = int_env("SLURM_RESTART_COUNT");
    if (e->restarts < 0) e->restarts = 0;
    e->nodes = int_env("SLURM_JOB_NUM_NODES");
    if (e->nodes < 0) e->nodes = int_env("SLURM_NNODES");
    e->node_id = int_env("SLURM_NODEID");
    e->ntasks = int_env("SLURM_NTASKS");
    if (e->ntasks < 0) e->ntasks = int_env("SLURM_NPROCS");
    e->local_id = int_env("SLURM_LOCALID");
    e->cpus_per_task = int_env("SLURM_CPUS_PER_TASK");
    /* A step's own layout first (srun inside a larger allocation), then the job's. */
    const char *tpn = getenv("SLURM_STEP_TASKS_PER_NODE");
    if (!tpn) tpn = getenv("SLURM_TASKS_PER_NODE");
    e->local_tasks = sw_jobenv_tasks_on_node(tpn, e->node_id < 0 ? 0 : e->node_id);
    e->gpus_on_node = int_env("SLURM_GPUS_ON_NODE");
    const char *cvd = getenv("CUDA_VISIBLE_DEVICES");
    if (e->gpus_on_node < 0 && cvd) e->gpus_on_node = count_list(cvd);
    e->gpu = -1;
    /* With --gpus-per-task / --gpu-bind SLURM leaves one device visible to each task: device 0. */
    int visible = cvd ? count_list(cvd) : e->gpus_on_node;
    if (visible == 1) e->gpu = 0;
    else if (visible > 1) e->gpu = e->local_id >= 0 ? e->local_id % visible : 0;
}
