# Finds every dependency of swath. Required: MPI, parallel HDF5, GDAL, libtiff, OpenMP.
# Optional (SWATH_DNNL / SWATH_CUDA = AUTO|ON|OFF): oneDNN, CUDA toolkit with cuDNN, cuBLAS, NCCL.
# Pitfalls handled here are the ones in ../shared/reference/build-and-slurm.md section 1.4.

find_package(MPI REQUIRED COMPONENTS C)

# libgdal-dev pulls in the serial HDF5 too: prefer the parallel one, and refuse the serial one.
set(HDF5_PREFER_PARALLEL TRUE)
if(NOT HDF5_C_COMPILER_EXECUTABLE AND EXISTS /usr/bin/h5pcc)
  set(HDF5_C_COMPILER_EXECUTABLE /usr/bin/h5pcc CACHE FILEPATH "parallel HDF5 compiler wrapper")
endif()
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "HDF5 at ${HDF5_INCLUDE_DIRS} is the serial build; install libhdf5-openmpi-dev "
                      "and configure a fresh build folder (cmake/bootstrap.sh does both)")
endif()

find_package(GDAL REQUIRED)
find_package(TIFF REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS C)

set(SWATH_HAVE_DNNL 0)
if(NOT SWATH_DNNL STREQUAL "OFF")
  # Found by hand: Debian's dnnl-config.cmake insists on OpenCL headers we do not use.
  find_path(DNNL_INCLUDE_DIR dnnl.h)
  find_library(DNNL_LIBRARY dnnl)
  if(DNNL_INCLUDE_DIR AND DNNL_LIBRARY)
    set(SWATH_HAVE_DNNL 1)
    add_library(swath_dnnl UNKNOWN IMPORTED)
    set_target_properties(swath_dnnl PROPERTIES IMPORTED_LOCATION ${DNNL_LIBRARY}
                          INTERFACE_INCLUDE_DIRECTORIES ${DNNL_INCLUDE_DIR})
    message(STATUS "oneDNN ${DNNL_LIBRARY}: CPU fast paths on")
  elseif(SWATH_DNNL STREQUAL "ON")
    message(FATAL_ERROR "SWATH_DNNL=ON but oneDNN (libdnnl-dev) was not found")
  else()
    message(STATUS "oneDNN not found: CPU reference kernels only")
  endif()
endif()

set(SWATH_HAVE_CUDA 0)
set(SWATH_HAVE_NCCL 0)   # NCCL gradient allreduce (kernels/cuda/nccl_comm.c, mpi/nccl_boot.c)
if(NOT SWATH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)   # H100 / H200; "native" fails on a machine without a GPU
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit)
    find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
    find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
    if(CUDAToolkit_FOUND AND CUDNN_LIBRARY AND CUDNN_INCLUDE_DIR)
      set(SWATH_HAVE_CUDA 1)
      add_library(cudnn::cudnn UNKNOWN IMPORTED)
      set_target_properties(cudnn::cudnn PROPERTIES IMPORTED_LOCATION ${CUDNN_LIBRARY}
                            INTERFACE_INCLUDE_DIRECTORIES ${CUDNN_INCLUDE_DIR})
      message(STATUS "CUDA ${CUDAToolkit_VERSION} with cuDNN: GPU sources are built (sm_${CMAKE_CUDA_ARCHITECTURES})")
      if(NCCL_LIBRARY AND NCCL_INCLUDE_DIR)
        set(SWATH_HAVE_NCCL 1)
        add_library(nccl::nccl UNKNOWN IMPORTED)
        set_target_properties(nccl::nccl PROPERTIES IMPORTED_LOCATION ${NCCL_LIBRARY}
                              INTERFACE_INCLUDE_DIRECTORIES ${NCCL_INCLUDE_DIR})
        message(STATUS "NCCL ${NCCL_LIBRARY}: GPU gradient allreduce on")
      endif()
    endif()
  endif()
  if(NOT SWATH_HAVE_CUDA)
    if(SWATH_CUDA STREQUAL "ON")
      message(FATAL_ERROR "SWATH_CUDA=ON but the CUDA toolkit with cuDNN was not found")
    endif()
    message(STATUS "CUDA toolkit with cuDNN not found: CPU only")
  endif()
endif()
