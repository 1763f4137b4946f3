# chips.h5 (io/chips, io/chips_write), `swath dataset build` and `swath eval --chips`. The shell
# tests check the chips with h5dump + numpy + GDAL + scikit-image (Debian's /usr/bin/python3).
swath_c_test(test_chips_io SOURCES unit/test_chips_io.c LABELS io TIMEOUT 30)
swath_c_test(test_chips_metrics SOURCES unit/test_chips_metrics.c LABELS unit TIMEOUT 30
  ARGS ${CMAKE_CURRENT_SOURCE_DIR}/cli/metrics_check.py work/test_chips_metrics)
swath_sh_test(dataset_build cli/dataset_build.sh LABELS "cli;io" TIMEOUT 120)
swath_sh_test(dataset_olinda cli/dataset_olinda.sh LABELS "cli;io" TIMEOUT 60)
swath_sh_test(dataset_errors cli/dataset_errors.sh LABELS "cli;io" TIMEOUT 60)
swath_sh_test(eval_chips cli/eval_chips.sh LABELS "cli" TIMEOUT 120)
set_property(TEST dataset_errors eval_chips APPEND PROPERTY ENVIRONMENT "TEST_METRICS=$<TARGET_FILE:test_chips_metrics>")
swath_sh_test(dataset_mpi cli/dataset_mpi.sh LABELS "cli;mpi" TIMEOUT 120)
