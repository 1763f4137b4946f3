# swath train (src/train, mpi/train_comm.c): a test-only chips.h5 from a synthesized mosaic
# (tests/train/make_chips.c), then -n 1 vs -n 2 trajectories and a broken allreduce
# and one sample per rank through a ResNet (train_ranks), stop / resume = uninterrupted (train_resume), the device path of a GPU rank run on
# the CPU backend = the host step, bit for bit (train_device), val mIoU of a small UNet
# (train_miou), --help and errors (train_errors: bad numbers, --out checks, --resume with other
# chips, config comments, documented options; its own chips), the source bands from chips to model
# to run (train_bands); the benchmark is tests/bench/bench_train.sh.
add_executable(train_make_chips train/make_chips.c)
target_link_libraries(train_make_chips PRIVATE swathlib m)
set(SWATH_TRAIN_CHIPS ${CMAKE_CURRENT_BINARY_DIR}/train_chips.h5)
set(SWATH_TRAIN_CHIPS_BIG ${CMAKE_CURRENT_BINARY_DIR}/train_chips_big.h5)
add_test(NAME train_chips COMMAND train_make_chips ${SWATH_TRAIN_CHIPS} 256 160 48 24 1)
set_tests_properties(train_chips PROPERTIES LABELS "train;mpi" TIMEOUT 60 FIXTURES_SETUP train_chips)
add_test(NAME train_chips_big COMMAND train_make_chips ${SWATH_TRAIN_CHIPS_BIG} 512 288 64 32 2)
set_tests_properties(train_chips_big PROPERTIES LABELS "train;mpi" TIMEOUT 60 FIXTURES_SETUP train_chips_big)
foreach(t ranks resume device)
  swath_sh_test(train_${t} cli/train_${t}.sh LABELS train;mpi TIMEOUT 300)
  set_property(TEST train_${t} APPEND PROPERTY ENVIRONMENT "CHIPS=${SWATH_TRAIN_CHIPS}")
  set_tests_properties(train_${t} PROPERTIES FIXTURES_REQUIRED train_chips)
endforeach()
set_tests_properties(train_ranks PROPERTIES FIXTURES_REQUIRED "train_chips;train_chips_big")
swath_sh_test(train_miou cli/train_miou.sh LABELS train;mpi TIMEOUT 300)
set_property(TEST train_miou APPEND PROPERTY ENVIRONMENT "CHIPS=${SWATH_TRAIN_CHIPS_BIG}")
set_tests_properties(train_miou PROPERTIES FIXTURES_REQUIRED train_chips_big)
swath_sh_test(train_errors cli/train_errors.sh LABELS "train;cli" TIMEOUT 120)
# the source bands from dataset build --bands through model.h5 to what run --job segment reads
swath_sh_test(train_bands cli/train_bands.sh LABELS "train;cli;e2e" TIMEOUT 300)
# synchronized batch norm, shuffle and shards, augmentation (no MPI)
swath_c_test(test_train_units SOURCES train/test_train_units.c LABELS unit;train TIMEOUT 60)
target_link_libraries(test_train_units PRIVATE m)
# Benchmark (label bench): weak scaling -n 1 / -n 2, allreduce share per mode, raw MPI_Allreduce.
add_executable(bench_allreduce bench/bench_allreduce.c)
target_link_libraries(bench_allreduce PRIVATE swathlib)
swath_sh_test(bench_train bench/bench_train.sh LABELS bench TIMEOUT 1200)
set_property(TEST bench_train APPEND PROPERTY ENVIRONMENT
             "BENCH_MAKE_CHIPS=$<TARGET_FILE:train_make_chips>;BENCH_ALLREDUCE=$<TARGET_FILE:bench_allreduce>")
