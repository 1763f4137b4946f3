# swath's own CUDA kernels and the NCCL allreduce (kernels/cuda/k_*.cu, nccl_comm.c) against the
# CPU references. Built with the CUDA sources; without a GPU they exit 77 (skipped). On a GPU
# machine without the full build's dependencies, tests/gpu/kernels_device.sh builds and runs them.
# The two kernel tests link the CUDA code itself (swath_cuda_code: cuda_kernels.h, and entry.h's
# cu_nccl_*); test_nccl_boot goes through libswath's public names, so through the plugin (without
# a GPU it checks that the plugin loads and reports no device).
if(SWATH_HAVE_CUDA)
  swath_c_test(test_cuda_kernels SOURCES gpu/test_cuda_kernels.c LABELS gpu;unit TIMEOUT 300)
  target_link_libraries(test_cuda_kernels PRIVATE swath_cuda_code)
  if(SWATH_HAVE_NCCL)
    swath_c_test(test_nccl_comm SOURCES gpu/test_nccl_comm.cu LABELS gpu;unit TIMEOUT 120)
    target_link_libraries(test_nccl_comm PRIVATE swath_cuda_code)
    # the MPI bootstrap: real allreduce with a GPU per rank, else the refusal on every rank
    swath_c_test(test_nccl_boot SOURCES gpu/test_nccl_boot.c LABELS gpu;mpi TIMEOUT 60)
    target_link_libraries(test_nccl_boot PRIVATE CUDA::cudart)
    add_test(NAME test_nccl_boot_mpi2 COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2
             $<TARGET_FILE:test_nccl_boot>)
    set_tests_properties(test_nccl_boot_mpi2 PROPERTIES LABELS "gpu;mpi" TIMEOUT 60
      ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
  endif()
endif()
