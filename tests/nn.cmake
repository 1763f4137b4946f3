# The engine (src/nn, kernels/): every op and loss on every CPU backend against the reference
# loops and finite differences (test_nn_ops), then against PyTorch: tests/ref/nn_ref.py (Debian's
# /usr/bin/python3 with python3-torch) writes nn_ref.bin first, test_nn_torch compares (both skip
# with 77 without torch). test_nn_ops --bench times the conv fast path (label bench).
swath_c_test(test_nn_ops SOURCES unit/test_nn_ops.c LABELS unit;nn TIMEOUT 60)

add_test(NAME bench_nn_conv COMMAND test_nn_ops --bench)
set_tests_properties(bench_nn_conv PROPERTIES LABELS bench TIMEOUT 300)

set(SWATH_NN_REF ${CMAKE_CURRENT_BINARY_DIR}/nn_ref.bin)
add_test(NAME nn_ref_gen COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/ref/nn_ref.py ${SWATH_NN_REF})
set_tests_properties(nn_ref_gen PROPERTIES LABELS "unit;nn" TIMEOUT 60 SKIP_RETURN_CODE 77
                     FIXTURES_SETUP nn_ref)
swath_c_test(test_nn_torch SOURCES unit/test_nn_torch.c LABELS unit;nn TIMEOUT 60 ARGS ${SWATH_NN_REF})
set_tests_properties(test_nn_torch PROPERTIES FIXTURES_REQUIRED nn_ref)
