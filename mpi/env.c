/* MPI start / stop and collective helpers (see run_mpi.h). */
#include "mpi/run_mpi.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int we_initialized;

static int env_is(const char *name, const char *value) {
    const char *v = getenv(name);
    return v && !strcmp(v, value);
}

void sw_mpi_quick_start_env(void) {
    static const char *launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "PMI_FD", NULL};
    int alone = 1;
    for (int i = 0; launched[i]; i++) alone &= getenv(launched[i]) == NULL;
    const char *ws = getenv("OMPI_COMM_WORLD_SIZE");
    int one_node = alone || (ws && env_is("OMPI_COMM_WORLD_LOCAL_SIZE", ws)) || env_is("SLURM_STEP_NUM_NODES", "1");
    /* setenv(..., 0): the user's own settings win */
    if (alone) setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
    if (one_node && !getenv("OMPI_MCA_pml") && !getenv("OMPI_MCA_btl")) {
        setenv("OMPI_MCA_pml", "ob1", 0);
        setenv("OMPI_MCA_btl", alone ? "self" : "self,vader", 0);
    }
}

sw_status sw_mpi_start(int *rank, int *size) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        sw_mpi_quick_start_env();
        if (MPI_Init(NULL, NULL) != MPI_SUCCESS) return sw_fail(SW_ERR_RUNTIME, "MPI_Init failed");
        we_initialized = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return SW_OK;
}

void sw_mpi_stop(void) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (we_initialized && !fin) MPI_Finalize();
    we_initialized = 0;
}

int sw_mpi_local_size(void) {
    const char *s = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    int n = s ? atoi(s) : 1;
    return n > 0 ? n : 1;
}

sw_status sw_mpi_bcast(void *buf, size_t n, int root) {
    char *p = buf;
    while (n) {
        int k = n > (1u << 30) ? (1 << 30) : (int)n;
        if (MPI_Bcast(p, k, MPI_BYTE, root, MPI_COMM_WORLD) != MPI_SUCCESS)
            return sw_fail(SW_ERR_RUNTIME, "MPI_Bcast of %zu bytes from rank %d failed", n, root);
        p += k, n -= (size_t)k;
    }
    return SW_OK;
}

/* Completes a non-blocking collective, sleeping 0.5 ms between tests: a rank that waits here (for
 * rank 0 writing mask.tif and the polygons, say) leaves its core to the ranks that work, where
 * Open MPI's blocking collectives would spin on it. */
static void wait_idle(MPI_Request *r) {
    for (int done = 0;;) {
        MPI_Test(r, &done, MPI_STATUS_IGNORE);
        if (done) return;
        usleep(500);
    }
}

typedef struct {
    int32_t st;
    char msg[2048];
} status_msg;

sw_status sw_mpi_agree(sw_status st, int root) {
    status_msg m = {st, ""};
    snprintf(m.msg, sizeof m.msg, "%s", sw_errmsg());
    MPI_Request r;
    MPI_Ibcast(&m, sizeof m, MPI_BYTE, root, MPI_COMM_WORLD, &r);
    wait_idle(&r);
    if (m.st) return sw_fail(m.st, "%s", m.msg);
    return SW_OK;
}

sw_status sw_mpi_agree_all(sw_status st) {
    int rank, in[2], out[2];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    in[0] = st ? rank : 1 << 30, in[1] = 0;
    MPI_Request r;
    MPI_Iallreduce(in, out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &r);
    wait_idle(&r);
    if (out[0] == 1 << 30) return SW_OK;
    return sw_mpi_agree(st, out[0]);
}

void sw_mpi_barrier(void) {
    MPI_Request r;
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    wait_idle(&r);
}

sw_status sw_mpi_max_u8(uint8_t *buf, size_t n, int root) {
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    /* Blocking, not wait_idle: a reduction of megabytes advances a segment per progress call, and
     * 0.5 ms sleeps between them made 5 MB take 0.4 s under mpiexec -n 2. */
    while (n) {
        int k = n > (1u << 30) ? (1 << 30) : (int)n;
        if (MPI_Reduce(rank == root ? MPI_IN_PLACE : buf, buf, k, MPI_UNSIGNED_CHAR, MPI_MAX, root, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return sw_fail(SW_ERR_RUNTIME, "MPI_Reduce of %zu bytes to rank %d failed", n, root);
        buf += k, n -= (size_t)k;
    }
    return SW_OK;
}

int64_t sw_mpi_max_i64(int64_t v) {
    long long in = v, out = v;
    MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

void sw_mpi_abort(sw_status st) {
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    fprintf(stderr, "swath: error: rank %d: %s\n", rank, sw_errmsg());
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, st ? (int)st : 1);
}
