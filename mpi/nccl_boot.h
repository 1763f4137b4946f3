/* The GPU data-parallel start over MPI: one rank per GPU, the node-local rank (MPI_Comm_split_type
 * SHARED) picks the device, rank 0 draws the NCCL unique id and MPI_Bcast shares it, every rank
 * makes its communicator (kernels/cuda/nccl_comm.h). MPI stays here, CUDA and NCCL in kernels/.
 * Built when NCCL is found. */
#ifndef SWATH_MPI_NCCL_BOOT_H
#define SWATH_MPI_NCCL_BOOT_H

#include "kernels/cuda/nccl_comm.h"
#include "src/core/error.h"

/* This rank's index among the ranks of its node, and their number. */
sw_status sw_mpi_node_rank(int *local_rank, int *local_size);

/* Collective over MPI_COMM_WORLD: selects device = node-local rank mod the GPUs this rank sees
 * (the CUDA backend's choice), checks by PCI bus id that no two ranks of a node have the same GPU,
 * and creates the NCCL communicator of all ranks. Every rank gets the same status (the lowest
 * failing rank's message). */
sw_status sw_mpi_nccl_start(cuk_nccl **comm, int *device);

#endif
