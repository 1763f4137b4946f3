# swath run --job segment (jobs/segment.c): a model with random weights from tests/tools/make_model
# through the runtime, checked against the job run tile by tile (test_segment_job), -n 1 against
# -n 3, and bad models.
add_executable(make_model tools/make_model.c)
target_link_libraries(make_model PRIVATE swathlib)
add_executable(test_segment_job unit/test_segment_job.c)
target_link_libraries(test_segment_job PRIVATE swathlib)
swath_sh_test(run_segment cli/run_segment.sh LABELS cli;mpi;e2e TIMEOUT 300)
