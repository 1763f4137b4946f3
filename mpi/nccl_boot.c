/* NCCL bootstrap over MPI (see nccl_boot.h). */
#include "mpi/nccl_boot.h"

#include "mpi/run_mpi.h"

#include <mpi.h>

sw_status sw_mpi_node_rank(int *local_rank, int *local_size) {
    MPI_Comm node;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS)
        return sw_fail(SW_ERR_RUNTIME, "rank %d: MPI_Comm_split_type(SHARED) failed", rank);
    MPI_Comm_rank(node, local_rank);
    MPI_Comm_size(node, local_size);
    MPI_Comm_free(&node);
    return SW_OK;
}

sw_status sw_mpi_nccl_start(cuk_nccl **comm, int *device) {
    int rank = 0, size = 1, local = 0, nlocal = 1;
    *comm = NULL, *device = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sw_status st = sw_mpi_node_rank(&local, &nlocal);
    if (!st) {
        const int ndev = cuk_device_count();
        if (ndev <= 0)
            st = sw_fail(SW_ERR_RUNTIME, "rank %d: no CUDA device", rank);
        else if (nlocal > ndev)
            st = sw_fail(SW_ERR_RUNTIME,
                         "rank %d: %d ranks on this node but %d GPUs: run one rank per GPU (NCCL "
                         "refuses two ranks on one GPU)", rank, nlocal, ndev);
    }
    if ((st = sw_mpi_agree_all(st))) return st;

    unsigned char id[CUK_NCCL_ID_BYTES] = {0};
    if (rank == 0 && cuk_nccl_unique_id(id)) st = SW_ERR_RUNTIME;
    if ((st = sw_mpi_agree(st, 0))) return st;
    if ((st = sw_mpi_bcast(id, sizeof id, 0))) return st;

    /* NCCL init is collective: a rank that fails here leaves the others waiting inside NCCL until
     * its own timeout; the checks above catch the usual causes first. */
    if (cuk_nccl_init(comm, id, size, rank, local))
        st = sw_fail_ctx(SW_ERR_RUNTIME, "rank %d (node rank %d)", rank, local);
    if ((st = sw_mpi_agree_all(st))) {
        cuk_nccl_free(*comm);
        *comm = NULL;
        return st;
    }
    *device = local;
    return SW_OK;
}
