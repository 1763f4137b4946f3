# swath run: the distributed tile runtime (plan, journal, blending, roles over MPI, resume).
swath_c_test(test_run_units SOURCES unit/test_run_units.c LABELS unit TIMEOUT 60)
add_executable(run_iou unit/run_iou.c)
target_link_libraries(run_iou PRIVATE swathlib)
swath_sh_test(run_mpi cli/run_mpi.sh LABELS mpi;e2e TIMEOUT 240)
swath_sh_test(run_resume cli/run_resume.sh LABELS mpi;e2e TIMEOUT 240)
swath_sh_test(run_errors cli/run_errors.sh LABELS mpi;e2e TIMEOUT 120)
swath_sh_test(run_stop cli/run_stop.sh LABELS mpi;e2e TIMEOUT 240)
swath_sh_test(run_large cli/run_large.sh LABELS mpi;e2e;large TIMEOUT 1800)
