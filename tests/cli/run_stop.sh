#!/usr/bin/env bash
# Stop requests (SIGUSR1 / SIGTERM) during `swath run`: whichever rank gets the signal, the run
# journals the tiles in flight and every rank exits 75; --resume then gives the uninterrupted mask.
# 1. mpiexec -n 3, SIGUSR1 to rank 2 only (a reducer, no worker); 2. resumed with -n 4 --reducers 2
# --threads 3, SIGUSR1 to mpiexec (it forwards it to every rank; each worker's pool has tiles in
# flight); 3. one process (on 2 cores: 2 tile threads), SIGTERM; 4. resumed under
# mpiexec -n 2 to the end. SWATH_TEST_TILE_DELAY_MS (test only) slows tiles so that a signal lands
# half-way.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
synth 2048x2048 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
"$SWATH" run --job pixel-defects "$M" --out "$WORK/ref" 2> "$WORK/ref.log" || fail "reference run: $(tail -3 "$WORK/ref.log")"
ref=$(checksum "$WORK/ref/mask.tif")
refp=$(polygons "$WORK/ref/defects.gpkg")
ntiles=$(grep -o '[0-9]* tiles (' "$WORK/ref.log" | head -1 | grep -o '^[0-9]*')
J="$WORK/s/journal.bin"
jsize() { stat -c %s "$J" 2>/dev/null || echo 0; }
# wait_records N PID: until the journal holds N more records than now, or PID ended
wait_records() {
  local want=$(($(jsize) + REC * $1)) t0=$SECONDS
  while [ "$(jsize)" -lt "$want" ] && kill -0 "$2" 2>/dev/null && [ $((SECONDS - t0)) -lt 60 ]; do sleep 0.1; done
}
# rank_pid PARENT RANK: the pid of the child of PARENT with OMPI_COMM_WORLD_RANK=RANK
rank_pid() {
  local p
  for p in $(pgrep -P "$1"); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return; }
  done
}
# stopped LABEL RC LOG SIGNAL PREV: exit 75, a whole number of records, more than PREV, not all
stopped() {
  local s
  s=$(jsize)
  [ "$2" -eq 75 ] || fail "$1: exit $2, expected 75: $(tail -3 "$3")"
  grep -q "stopped by $4" "$3" || fail "$1: no 'stopped by $4' in the log: $(tail -3 "$3")"
  grep -q "swath: stopped: $4" "$3" || fail "$1: no 'swath: stopped' message"
  [ $((s % REC)) -eq 0 ] && [ "$s" -gt "$5" ] && [ "$s" -lt $((ntiles * REC)) ] ||
    fail "$1: journal.bin holds $s bytes (before: $5, all: $((ntiles * REC)))"
  [ ! -f "$WORK/s/mask.tif" ] || fail "$1: a stopped run wrote mask.tif"
}
export SWATH_TEST_TILE_DELAY_MS=300

mpiexec -n 3 --oversubscribe "$SWATH" run --job pixel-defects "$M" --out "$WORK/s" 2> "$WORK/s1.log" &   # $! is mpiexec
pid=$!
wait_records 3 "$pid"
r2=$(rank_pid "$pid" 2)
[ -n "$r2" ] && kill -USR1 "$r2" || fail "could not signal rank 2"
wait "$pid"
stopped "-n 3, SIGUSR1 to rank 2" $? "$WORK/s1.log" SIGUSR1 0
grep -q "SIGUSR1 on rank 2" "$WORK/s1.log" || fail "the master did not name rank 2"
ok "mpiexec -n 3, SIGUSR1 to rank 2 (a reducer): exit 75 after $(($(jsize) / REC)) of $ntiles tiles"

s1=$(jsize)
mpiexec -n 4 --oversubscribe "$SWATH" run --job pixel-defects "$M" --out "$WORK/s" --resume --reducers 2 --threads 3 2> "$WORK/s2.log" &
pid=$!
wait_records 3 "$pid"
kill -USR1 "$pid"
wait "$pid"
stopped "-n 4 --reducers 2 --threads 3, SIGUSR1 to mpiexec" $? "$WORK/s2.log" SIGUSR1 "$s1"
ok "mpiexec -n 4 --reducers 2 --threads 3, SIGUSR1 to mpiexec: exit 75 after $(($(jsize) / REC)) tiles"

s2=$(jsize)
"$SWATH" run --job pixel-defects "$M" --out "$WORK/s" --resume 2> "$WORK/s3.log" &
pid=$!
wait_records 2 "$pid"
kill -TERM "$pid"
wait "$pid"
stopped "one process, SIGTERM" $? "$WORK/s3.log" SIGTERM "$s2"
ok "one process, SIGTERM: exit 75 after $(($(jsize) / REC)) tiles"

s3=$(jsize)
unset SWATH_TEST_TILE_DELAY_MS
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/s" --resume 2> "$WORK/s4.log" || fail "final resume: $(tail -3 "$WORK/s4.log")"
[ "$(checksum "$WORK/s/mask.tif")" = "$ref" ] || fail "the mask after three stops differs from the uninterrupted one"
[ "$(polygons "$WORK/s/defects.gpkg")" = "$refp" ] || fail "the polygons after three stops differ"
[ "$(jsize)" -eq $((ntiles * REC)) ] || fail "journal.bin holds $(jsize) bytes, expected one record per tile"
got=$("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["tiles_resumed"], r["slurm"])' "$WORK/s/report.json")
[ "$got" = "$((s3 / REC)) None" ] || fail "report.json tiles_resumed / slurm: '$got', expected '$((s3 / REC)) None'"
ok "resumed to the end: same mask and polygons, every tile journaled once"
finish
