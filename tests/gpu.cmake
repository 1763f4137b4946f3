# The CUDA backend on a GPU (tests/gpu): every op against the CPU reference in f32 / tf32 / bf16
# and the deterministic mode (test_gpu_ops), the models forward and backward against the PyTorch
# dump (test_gpu_models, fixture nn_models_ref of nn_models.cmake) and 20 AdamW steps against
# the CPU (test_gpu_trajectory). Built whenever CUDA is found (CI compiles and links them); they
# exit 77 (skipped) on a machine without a GPU. bench_gpu times the models (label bench).
# On a GPU node without MPI / HDF5 / GDAL: tests/gpu/device_run.sh (the engine-only build).
# test_gpu_models --emulate runs its bf16-act checks on the CPU emulation of that mode
# (gpu/bf16_emu.h), GPU or not: the errors the GPU's bf16a rows are judged against (about 2 s
# and 10 s on 2 cores); test_gpu_ops --emulate checks the op harness's bf16a rows the same way.
# They take both cores (PROCESSORS 2) and allow for a CI machine 8x slower than that (stop 15).
swath_c_test(test_bf16_emulation_ops SOURCES gpu/test_gpu_ops.c gpu/bf16_emu.c LABELS unit;nn
             TIMEOUT 600 ARGS --emulate)
set_tests_properties(test_bf16_emulation_ops PROPERTIES PROCESSORS 2)
swath_c_test(test_bf16_emulation SOURCES gpu/test_gpu_models.c gpu/bf16_emu.c LABELS unit;nn
             TIMEOUT 600 ARGS ${CMAKE_CURRENT_BINARY_DIR}/nn_models_ref.bin --emulate)
set_tests_properties(test_bf16_emulation PROPERTIES PROCESSORS 2 FIXTURES_REQUIRED nn_models_ref)
add_test(NAME test_bf16_emulation_trajectory
         COMMAND test_bf16_emulation ${CMAKE_CURRENT_BINARY_DIR}/nn_models_ref.bin --trajectory --emulate)
set_tests_properties(test_bf16_emulation_trajectory PROPERTIES LABELS "unit;nn" TIMEOUT 900
                     PROCESSORS 2 SKIP_RETURN_CODE 77 FIXTURES_REQUIRED nn_models_ref)
if(SWATH_HAVE_CUDA)
  swath_c_test(test_gpu_ops SOURCES gpu/test_gpu_ops.c gpu/bf16_emu.c LABELS unit;nn;gpu
               TIMEOUT 300)
  set_tests_properties(test_gpu_ops PROPERTIES SKIP_RETURN_CODE 77)
  swath_c_test(test_gpu_models SOURCES gpu/test_gpu_models.c gpu/bf16_emu.c LABELS unit;nn;gpu
               TIMEOUT 300 ARGS ${CMAKE_CURRENT_BINARY_DIR}/nn_models_ref.bin)
  set_tests_properties(test_gpu_models PROPERTIES SKIP_RETURN_CODE 77 FIXTURES_REQUIRED nn_models_ref)
  add_test(NAME test_gpu_trajectory COMMAND test_gpu_models ${CMAKE_CURRENT_BINARY_DIR}/nn_models_ref.bin --trajectory)
  set_tests_properties(test_gpu_trajectory PROPERTIES LABELS "nn;gpu;large" TIMEOUT 600
                       SKIP_RETURN_CODE 77 FIXTURES_REQUIRED nn_models_ref)
  add_executable(bench_gpu bench/bench_gpu.c)
  target_link_libraries(bench_gpu PRIVATE swathlib)
  add_test(NAME bench_gpu COMMAND bench_gpu)
  set_tests_properties(bench_gpu PROPERTIES LABELS "bench;gpu" TIMEOUT 600 SKIP_RETURN_CODE 77)
  # The CUDA plugin is loaded only when the GPU is asked for (kernels/cuda_loader.c): run --help
  # maps no CUDA library, --version reports cuDNN through it, a plugin that does not load is named.
  swath_sh_test(cuda_plugin cli/cuda_plugin.sh LABELS cli;gpu TIMEOUT 60)
endif()
