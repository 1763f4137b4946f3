/* The batch job this process runs in, read from SLURM's environment (job and array ids, restarts,
 * nodes, tasks, this task's place on its node, its GPU), so that batch scripts stay short: swath
 * reads them itself. Nothing here talks to SLURM; outside a job every field is empty / unknown. */
#ifndef SWATH_CORE_JOBENV_H
#define SWATH_CORE_JOBENV_H

typedef struct {
    int in_slurm;             /* SLURM_JOB_ID is set */
    char job_id[32];          /* SLURM_JOB_ID ("" outside SLURM); an array task has its own */
    char array_job_id[32];    /* SLURM_ARRAY_JOB_ID ("" when not an array task) */
    char array_task_id[16];   /* SLURM_ARRAY_TASK_ID */
    int restarts;             /* SLURM_RESTART_COUNT: times the job was requeued (0 when unset) */
    int nodes;                /* SLURM_JOB_NUM_NODES (or SLURM_NNODES), -1 unknown */
    int node_id;              /* SLURM_NODEID, -1 unknown */
    int ntasks;               /* SLURM_NTASKS (or SLURM_NPROCS), -1 unknown */
    int local_id;             /* SLURM_LOCALID: this task's index on its node, -1 unknown */
    int local_tasks;          /* tasks on this node (SLURM_STEP_TASKS_PER_NODE / SLURM_TASKS_PER_NODE
                               * at node_id), -1 unknown */
    int cpus_per_task;        /* SLURM_CPUS_PER_TASK, -1 unknown */
    int gpus_on_node;         /* SLURM_GPUS_ON_NODE, else the entries of CUDA_VISIBLE_DEVICES, -1 unknown */
    int gpu;                  /* this task's device: local_id mod gpus_on_node (0 when one GPU is visible), -1 none */
} sw_jobenv;

/* Reads the environment now (cheap; call it where the values are needed). */
void sw_jobenv_read(sw_jobenv *e);

/* Tasks on node `node` from a SLURM tasks-per-node list such as "2(x3),1": 2 for nodes 0..2, 1 for
 * node 3; -1 when the list is malformed or shorter. */
int sw_jobenv_tasks_on_node(const char *list, int node);

#endif
