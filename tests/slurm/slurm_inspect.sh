#!/usr/bin/env bash
# slurm/inspect.sbatch on a private SLURM (tests/slurm/cluster.sh) writes the same mask, confidence
# and polygons as the same run under mpiexec: launched with srun --mpi=pmix on 2 tasks, and with
# mpiexec inside a 3-task allocation with --reducers 2; report.json names the SLURM job.
set -u
. "$TESTS/slurm/prelude.sh"
synth 2048x2048 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/ref" 2> "$WORK/ref.log" || fail "mpiexec reference: $(tail -3 "$WORK/ref.log")"
ref=$(checksum "$WORK/ref/mask.tif")
refc=$(checksum "$WORK/ref/confidence.tif")
refp=$(polygons "$WORK/ref/defects.gpkg")
[ -n "$ref" ] && [ -n "$refp" ] || fail "the reference run wrote no mask or no polygons"
echo "   mpiexec -n 2: mask checksum $ref, polygons $refp"

# same_as_ref DIR LABEL JOBID TASKS
same_as_ref() {
  [ "$(checksum "$1/mask.tif")" = "$ref" ] || fail "$2: mask differs from the mpiexec run"
  [ "$(checksum "$1/confidence.tif")" = "$refc" ] || fail "$2: confidence differs from the mpiexec run"
  [ "$(polygons "$1/defects.gpkg")" = "$refp" ] || fail "$2: polygons differ: $(polygons "$1/defects.gpkg")"
  local got
  got=$(report_field "$1" 'r["slurm"]["job_id"], r["slurm"]["tasks"], r["slurm"]["restarts"], r["ranks"]')
  [ "$got" = "$3 $4 0 $4" ] || fail "$2: report.json slurm job / tasks / restarts / ranks: '$got', expected '$3 $4 0 $4'"
}

# 1. srun --mpi=pmix, 2 tasks.
jid=$(sj_submit --ntasks-per-node=2 -o "$WORK/a.out" "$SLURM_SCRIPTS/inspect.sbatch" "$M" "$WORK/a")
[ -n "$jid" ] || fail "sbatch inspect.sbatch failed"
res=$(sj_wait "$jid" 120)
[ "$res" = "COMPLETED 0:0" ] || fail "inspect.sbatch job $jid ended '$res': $(tail -5 "$WORK/a.out")"
grep -q "SLURM job $jid" "$WORK/a.out" || fail "swath did not log the SLURM job id"
same_as_ref "$WORK/a" "srun --mpi=pmix -n 2" "$jid" 2
ok "inspect.sbatch (srun --mpi=pmix, 2 tasks): same mask, confidence and polygons as mpiexec -n 2 ($res)"

# 2. mpiexec inside a 3-task allocation, the last 2 ranks reducers (flags pass through).
jid=$(SWATH_LAUNCH=mpiexec sj_submit --ntasks-per-node=3 -o "$WORK/b.out" "$SLURM_SCRIPTS/inspect.sbatch" "$M" "$WORK/b" --reducers 2)
res=$(sj_wait "$jid" 120)
[ "$res" = "COMPLETED 0:0" ] || fail "inspect.sbatch (mpiexec) job $jid ended '$res': $(tail -5 "$WORK/b.out")"
grep -q -- '--reducers 2' "$WORK/b.out" || fail "the swath run flags did not reach swath"
same_as_ref "$WORK/b" "mpiexec -n 3 --reducers 2" "$jid" 3
ok "inspect.sbatch (SWATH_LAUNCH=mpiexec, 3 tasks, --reducers 2): same mask and polygons"
finish
