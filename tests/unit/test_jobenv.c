/* Unit tests of src/core/jobenv.c (SLURM's job environment) and src/core/stop.c (stop requests:
 * a real SIGUSR1 / SIGTERM sets the flag and does not end the process). */
#define _POSIX_C_SOURCE 200809L
#include "src/core/jobenv.h"
#include "src/core/stop.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

static void clear_env(void) {
    const char *v[] = {"SLURM_JOB_ID", "SLURM_JOBID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_RESTART_COUNT",
                       "SLURM_JOB_NUM_NODES", "SLURM_NNODES", "SLURM_NODEID", "SLURM_NTASKS", "SLURM_NPROCS",
                       "SLURM_LOCALID", "SLURM_CPUS_PER_TASK", "SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE",
                       "SLURM_GPUS_ON_NODE", "CUDA_VISIBLE_DEVICES"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) unsetenv(v[i]);
}

static void test_tasks_per_node(void) {
    const char *l = "2(x3),1,4(x2)";
    int want[] = {2, 2, 2, 1, 4, 4, -1};
    for (int n = 0; n < 7; n++)
        CHECK(sw_jobenv_tasks_on_node(l, n) == want[n], "'%s' node %d: %d, expected %d", l, n,
              sw_jobenv_tasks_on_node(l, n), want[n]);
    CHECK(sw_jobenv_tasks_on_node("8", 0) == 8, "plain count");
    CHECK(sw_jobenv_tasks_on_node("", 0) == -1, "empty list");
    CHECK(sw_jobenv_tasks_on_node("2(x", 0) == -1, "malformed");
    CHECK(sw_jobenv_tasks_on_node("2(y3)", 0) == -1, "malformed repeat");
    CHECK(sw_jobenv_tasks_on_node("a", 0) == -1, "not a number");
    CHECK(sw_jobenv_tasks_on_node(NULL, 0) == -1, "NULL");
}

static void test_read(void) {
    sw_jobenv e;
    clear_env();
    sw_jobenv_read(&e);
    CHECK(!e.in_slurm && !e.job_id[0] && e.ntasks == -1 && e.local_id == -1 && e.gpu == -1 && e.restarts == 0,
          "outside SLURM: in %d, job '%s', tasks %d, local %d, gpu %d", e.in_slurm, e.job_id, e.ntasks, e.local_id, e.gpu);
    setenv("SLURM_JOB_ID", "4242", 1);
    setenv("SLURM_ARRAY_JOB_ID", "4240", 1);
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    setenv("SLURM_RESTART_COUNT", "3", 1);
    setenv("SLURM_JOB_NUM_NODES", "2", 1);
    setenv("SLURM_NODEID", "1", 1);
    setenv("SLURM_NTASKS", "7", 1);
    setenv("SLURM_LOCALID", "2", 1);
    setenv("SLURM_TASKS_PER_NODE", "4,3", 1);
    setenv("SLURM_CPUS_PER_TASK", "6", 1);
    setenv("SLURM_GPUS_ON_NODE", "4", 1);
    setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3", 1);
    sw_jobenv_read(&e);
    CHECK(e.in_slurm && !strcmp(e.job_id, "4242") && !strcmp(e.array_job_id, "4240") && !strcmp(e.array_task_id, "2"),
          "ids '%s' '%s' '%s'", e.job_id, e.array_job_id, e.array_task_id);
    CHECK(e.restarts == 3 && e.nodes == 2 && e.node_id == 1 && e.ntasks == 7 && e.local_id == 2, "counts %d %d %d %d %d",
          e.restarts, e.nodes, e.node_id, e.ntasks, e.local_id);
    CHECK(e.local_tasks == 3, "tasks on node 1 of '4,3': %d", e.local_tasks);
    CHECK(e.cpus_per_task == 6 && e.gpus_on_node == 4 && e.gpu == 2, "cpus %d gpus %d gpu %d", e.cpus_per_task,
          e.gpus_on_node, e.gpu);
    setenv("SLURM_STEP_TASKS_PER_NODE", "2(x2)", 1);   /* a step's layout wins over the job's */
    setenv("CUDA_VISIBLE_DEVICES", "3", 1);           /* --gpus-per-task=1: one device visible */
    unsetenv("SLURM_GPUS_ON_NODE");
    sw_jobenv_read(&e);
    CHECK(e.local_tasks == 2 && e.gpus_on_node == 1 && e.gpu == 0, "step layout %d, gpus %d, gpu %d", e.local_tasks,
          e.gpus_on_node, e.gpu);
    setenv("SLURM_NTASKS", "x", 1);
    setenv("SLURM_RESTART_COUNT", "-1", 1);
    setenv("CUDA_VISIBLE_DEVICES", "NoDevFiles", 1);
    sw_jobenv_read(&e);
    CHECK(e.ntasks == -1 && e.restarts == 0 && e.gpus_on_node == 0 && e.gpu == -1, "bad values: %d %d %d %d", e.ntasks,
          e.restarts, e.gpus_on_node, e.gpu);
    clear_env();
}

static void test_stop(void) {
    CHECK(sw_stop_requested() == 0, "no stop at start");
    sw_stop_install();
    raise(SIGUSR1);
    CHECK(sw_stop_requested() == SIGUSR1, "SIGUSR1 sets the flag: %d", sw_stop_requested());
    raise(SIGUSR1);   /* again: still only the flag */
    CHECK(sw_stop_requested() == SIGUSR1, "second SIGUSR1");
    sw_stop_request(0);
    raise(SIGTERM);   /* the first SIGTERM only sets the flag too */
    CHECK(sw_stop_requested() == SIGTERM, "SIGTERM sets the flag: %d", sw_stop_requested());
    CHECK(!strcmp(sw_stop_signame(SIGUSR1), "SIGUSR1") && !strcmp(sw_stop_signame(SIGTERM), "SIGTERM"), "names");
    CHECK(strstr(sw_stop_signame(99), "99") != NULL, "other signal: %s", sw_stop_signame(99));
}

int main(void) {
    test_tasks_per_node();
    test_read();
    test_stop();
    printf("%s\n", failures ? "test_jobenv: FAILED" : "test_jobenv: all passed");
    return failures ? 1 : 0;
}
