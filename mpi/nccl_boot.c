/* NCCL bootstrap over MPI (see nccl_boot.h). */
#include "mpi/nccl_boot.h"

#include "mpi/run_mpi.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

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

/* Checks that this rank's GPU (device `local` mod the visible count, the CUDA backend's choice)
 * is no other rank's on this node: with one GPU visible per rank (SLURM's --gpus-per-task) the
 * index is 0 everywhere but the GPUs differ; with every GPU visible the indices differ. The PCI bus
 * ids tell. Collective over the node. */
static sw_status gpu_of_rank(int rank, int *device) {
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS)
        return sw_fail(SW_ERR_RUNTIME, "rank %d: MPI_Comm_split_type(SHARED) failed", rank);
    int local = 0, nlocal = 1;
    MPI_Comm_rank(node, &local);
    MPI_Comm_size(node, &nlocal);
    const int ndev = cuk_device_count();
    char bus[CUK_BUS_ID_BYTES] = {0};
    sw_status st = SW_OK;
    if (ndev <= 0) st = sw_fail(SW_ERR_RUNTIME, "rank %d: no CUDA device", rank);
    else if (cuk_device_bus_id(local % ndev, bus, sizeof bus))
        st = sw_fail_ctx(SW_ERR_RUNTIME, "rank %d", rank);
    bus[sizeof bus - 1] = 0;
    char *all = calloc((size_t)nlocal, sizeof bus);
    if (!all) sw_mpi_abort(sw_fail(SW_ERR_RUNTIME, "rank %d: out of memory for %d bus ids", rank, nlocal));
    if (MPI_Allgather(bus, (int)sizeof bus, MPI_CHAR, all, (int)sizeof bus, MPI_CHAR, node) !=
            MPI_SUCCESS && !st)
        st = sw_fail(SW_ERR_RUNTIME, "rank %d: MPI_Allgather of the GPUs' bus ids failed", rank);
    for (int j = 0; !st && j < nlocal; j++)
        if (j != local && !strcmp(all + (size_t)j * sizeof bus, bus))
            st = sw_fail(SW_ERR_RUNTIME,
                         "rank %d: node ranks %d and %d have the same GPU %s (%d ranks on this "
                         "node, %d GPUs visible here): run one rank per GPU (NCCL refuses two "
                         "ranks on one GPU)", rank, local < j ? local : j, local < j ? j : local,
                         bus, nlocal, ndev);
    free(all);
    MPI_Comm_free(&node);
    *device = ndev > 0 ? local % ndev : -1;
    return st;
}

sw_status sw_mpi_nccl_start(cuk_nccl **comm, int *device) {
    int rank = 0, size = 1, dev = -1;
    *comm = NULL, *device = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sw_status st = gpu_of_rank(rank, &dev);
    if ((st = sw_mpi_agree_all(st))) return st;

    unsigned char id[CUK_NCCL_ID_BYTES] = {0};
    if (rank == 0 && cuk_nccl_unique_id(id)) st = SW_ERR_RUNTIME;
    if ((st = sw_mpi_agree(st, 0))) return st;
    if ((st = sw_mpi_bcast(id, sizeof id, 0))) return st;

    /* NCCL init is collective: a rank that fails here leaves the others waiting inside NCCL until
     * its own timeout; the checks above catch the usual causes first. */
    if (cuk_nccl_init(comm, id, size, rank, dev))
        st = sw_fail_ctx(SW_ERR_RUNTIME, "rank %d (device %d)", rank, dev);
    if ((st = sw_mpi_agree_all(st))) {
        cuk_nccl_free(*comm);
        *comm = NULL;
        return st;
    }
    *device = dev;
    return SW_OK;
}
