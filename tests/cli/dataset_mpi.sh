#!/usr/bin/env bash
# swath dataset build under mpiexec -n 2 and -n 3 (oversubscribed): the ranks share the windows and
# rank 0 merges their parts; the file must equal the one a single process writes (h5diff: every
# dataset and attribute), with a capped negative policy (applied at the merge) and vector labels
# (each rank rasterizes its windows). No part file is left behind.
set -u
source "$TESTS/cli/lib.sh"
source "$TESTS/cli/run_lib.sh"
command -v h5diff > /dev/null || { echo "skipped: no h5diff"; exit 77; }
"$SWATH" --quiet synth defects --size 1024 --tile 256 --seed 3 --out "$WORK/m" || fail "synth defects"
M=$WORK/m
args=("$M/mosaic.tif" --labels "$M/truth.gpkg" --class-field class --tile 128 --stride 64 --negatives cap=3)
"$SWATH" --quiet dataset build "${args[@]}" --out "$WORK/one.h5" || fail "one process"
for n in 2 3; do
  mpirun_swath $n dataset build "${args[@]}" --out "$WORK/n$n.h5" 2> "$WORK/n$n.log" || fail "-n $n: $(cat "$WORK/n$n.log")"
  h5diff "$WORK/one.h5" "$WORK/n$n.h5" || fail "-n $n differs from one process (h5diff)"
  grep -q "negatives dropped" "$WORK/n$n.log" || fail "-n $n: no summary line"
done
ls "$WORK"/*.part* > /dev/null 2>&1 && fail "part files left: $(ls "$WORK"/*.part*)"
ok "mpiexec -n 2 and -n 3 write the file one process writes"
mpirun_swath 2 dataset build "$M/mosaic.tif" --labels "$M/truth.gpkg" --class-field NOPE --out "$WORK/bad.h5" \
  2> "$WORK/bad.log" && fail "-n 2 with an unknown class field succeeded"
grep -q "has no class field 'NOPE'" "$WORK/bad.log" || fail "-n 2: no clear error: $(cat "$WORK/bad.log")"
[ "$(grep -c "swath: error" "$WORK/bad.log")" = 1 ] || fail "-n 2: the error is not printed once"
ok "an error under mpiexec is reported once, by rank 0"
finish
