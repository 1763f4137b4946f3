# The engine's models (src/nn/models) against PyTorch: tests/ref/nn_models_ref.py (Debian's
# /usr/bin/python3 with python3-torch) writes nn_models_ref.bin first, test_nn_models loads the
# weights into our arenas and compares logits, loss, every gradient, running statistics, 10-step
# SGD and AdamW trajectories and full-size parameter counts (both skip with 77 without torch).
# Unloaded: the dump about 40 s (torch f64 and f32), the C test under 10 s. Both take the two
# cores (PROCESSORS 2: CTest runs nothing beside them), and their timeouts allow for a CI machine
# where these OpenMP / oneDNN loops ran 8x slower than here (stop 15: 180 s for the C test).
set(SWATH_NN_MODELS_REF ${CMAKE_CURRENT_BINARY_DIR}/nn_models_ref.bin)
add_test(NAME nn_models_ref_gen
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/ref/nn_models_ref.py ${SWATH_NN_MODELS_REF})
set_tests_properties(nn_models_ref_gen PROPERTIES LABELS "unit;nn" TIMEOUT 900 SKIP_RETURN_CODE 77
                     PROCESSORS 2 FIXTURES_SETUP nn_models_ref)
swath_c_test(test_nn_models SOURCES unit/test_nn_models.c LABELS unit;nn TIMEOUT 900
             ARGS ${SWATH_NN_MODELS_REF})
set_tests_properties(test_nn_models PROPERTIES PROCESSORS 2 FIXTURES_REQUIRED nn_models_ref)
# Batch norm folded into the convolution for inference = the plain eval forward.
swath_c_test(test_nn_fold SOURCES unit/test_nn_fold.c LABELS unit;nn TIMEOUT 120)
target_link_libraries(test_nn_fold PRIVATE m)

# model.h5 (io/checkpoint.c): round trip and bad files, then its layout under h5dump -H.
swath_c_test(test_nn_checkpoint SOURCES unit/test_nn_checkpoint.c LABELS unit;nn;io TIMEOUT 60)
set_tests_properties(test_nn_checkpoint PROPERTIES FIXTURES_SETUP model_h5)
add_test(NAME model_h5_layout COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/unit/model_h5_layout.sh
         ${CMAKE_CURRENT_BINARY_DIR}/model_ckpt_test.h5)
set_tests_properties(model_h5_layout PROPERTIES LABELS "unit;nn;io" TIMEOUT 60 SKIP_RETURN_CODE 77
                     FIXTURES_REQUIRED model_h5)

# swath model summary (src/cli/cmd_model.c)
swath_sh_test(model_summary cli/model_summary.sh LABELS cli;nn TIMEOUT 60)

# Training-step speed of UNet and resnet34-seg against PyTorch on the CPU (label bench).
add_executable(bench_nn_models bench/bench_nn_models.c)
target_link_libraries(bench_nn_models PRIVATE swathlib)
target_compile_definitions(bench_nn_models PRIVATE SWATH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME bench_nn_models COMMAND bench_nn_models)
set_tests_properties(bench_nn_models PROPERTIES LABELS bench TIMEOUT 600)
