# The CUDA plugin (kernels/cuda_plugin.h), for the main build (kernels/CMakeLists.txt) and the
# engine-only build (tests/gpu/CMakeLists.txt):
#   swath_cuda_code  OBJECT library: every CUDA source (probe, backend, cuDNN ops, swath's own
#                    kernels; nccl_comm.c with NCCL), position-independent, hidden symbols. Tests
#                    that call the CUDA code directly (cuda_kernels.h, entry.h) link it.
#   swath_cuda       MODULE libswath_cuda.so in OUTPUT_DIR (next to the program): swath_cuda_code
#                    + plugin.c, linked to the CUDA libraries; it exports swath_cuda_plugin only and
#                    leaves no symbol undefined (libswath lends its error functions at load).
# swath_cuda_plugin(TOP dir OUTPUT_DIR dir NCCL 0|1 LIBS targets-or-files...)
function(swath_cuda_plugin)
  cmake_parse_arguments(P "" "TOP;OUTPUT_DIR;NCCL" "LIBS" ${ARGN})
  set(K ${P_TOP}/kernels/cuda)
  add_library(swath_cuda_code OBJECT
    ${K}/device.cu ${K}/backend_cuda.cu ${K}/conv_cudnn.cu ${K}/conv_gemm.cu ${K}/bn_cudnn.cu
    ${K}/pool_cudnn.cu
    ${K}/k_extra.cu ${K}/k_pool.cu ${K}/k_act.cu ${K}/k_misc.cu ${K}/k_resize.cu ${K}/k_loss.cu ${K}/k_optim.cu)
  if(P_NCCL)
    target_sources(swath_cuda_code PRIVATE ${K}/nccl_comm.c)
  endif()
  target_include_directories(swath_cuda_code PUBLIC ${P_TOP})
  target_link_libraries(swath_cuda_code PUBLIC ${P_LIBS})
  set_target_properties(swath_cuda_code PROPERTIES POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden CUDA_SEPARABLE_COMPILATION OFF)

  add_library(swath_cuda MODULE ${K}/plugin.c)
  target_link_libraries(swath_cuda PRIVATE swath_cuda_code)
  if(P_NCCL)
    target_compile_definitions(swath_cuda PRIVATE SWATH_PLUGIN_NCCL)
  endif()
  target_link_options(swath_cuda PRIVATE -Wl,--no-undefined)
  set_target_properties(swath_cuda PROPERTIES C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
endfunction()
