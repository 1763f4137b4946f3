# SLURM: the batch scripts of slurm/ against real daemons (munged, slurmctld, slurmd started by
# tests/slurm/cluster.sh on localhost with a private configuration, stopped by PID). They need root
# and Debian's slurm-wlm + munge (cmake/bootstrap.sh); where SLURM cannot start they FAIL. One at a
# time (RESOURCE_LOCK): each starts its own cluster.
swath_c_test(test_jobenv SOURCES unit/test_jobenv.c LABELS unit TIMEOUT 30)
swath_sh_test(slurm_inspect slurm/slurm_inspect.sh LABELS slurm;mpi;e2e TIMEOUT 300)
swath_sh_test(slurm_requeue slurm/slurm_requeue.sh LABELS slurm;mpi;e2e TIMEOUT 400)
swath_sh_test(slurm_archive slurm/slurm_archive.sh LABELS slurm;e2e TIMEOUT 300)
# the real time limit (--time=1, --signal=B:USR1@40): about 2 minutes, so `large`
swath_sh_test(slurm_timelimit slurm/slurm_timelimit.sh LABELS slurm;large TIMEOUT 600)
set_tests_properties(slurm_inspect slurm_requeue slurm_archive slurm_timelimit PROPERTIES RESOURCE_LOCK slurm)
# train.sbatch: needs the train_chips fixture of tests/train.cmake (its file, named here: that
# area file is included after this one).
swath_sh_test(slurm_train slurm/slurm_train.sh LABELS slurm;train;mpi TIMEOUT 400)
set_property(TEST slurm_train APPEND PROPERTY ENVIRONMENT "CHIPS=${CMAKE_CURRENT_BINARY_DIR}/train_chips.h5")
set_tests_properties(slurm_train PROPERTIES RESOURCE_LOCK slurm FIXTURES_REQUIRED train_chips)
