#!/usr/bin/env bash
# A slurm/inspect.sbatch job stopped twice mid-run gives the same mask as an uninterrupted run:
# first USR1 to the batch shell only (`scancel --signal=USR1 --batch`, what --signal=B:USR1@T does
# before the time limit): the script passes it on, swath journals the tiles in flight and exits 75,
# the script requeues; then `scontrol requeue` (SIGTERM to every task, as a preemption): SLURM
# requeues. Each start continues with --resume. SWATH_TEST_TILE_DELAY_MS (test only) slows tiles.
set -u
. "$TESTS/slurm/prelude.sh"
synth 2048x2048 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
"$SWATH" run --job pixel-defects "$M" --out "$WORK/ref" 2> "$WORK/ref.log" || fail "reference run: $(tail -3 "$WORK/ref.log")"
ref=$(checksum "$WORK/ref/mask.tif")
refp=$(polygons "$WORK/ref/defects.gpkg")
ntiles=$(grep -o '[0-9]* tiles (' "$WORK/ref.log" | head -1 | grep -o '^[0-9]*')
echo "   reference: $ntiles tiles, mask checksum $ref"
J="$WORK/j/journal.bin"
jsize() { stat -c %s "$J" 2>/dev/null || echo 0; }
restarts() { scontrol show job "$1" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p'; }
# wait_for SECS COND: poll COND (a shell expression) every 0.2 s
wait_for() {
  local t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$1" ]; do eval "$2" && return 0; sleep 0.2; done
  return 1
}

jid=$(SWATH_TEST_TILE_DELAY_MS=400 sj_submit --ntasks-per-node=2 -o "$WORK/j.out" "$SLURM_SCRIPTS/inspect.sbatch" "$M" "$WORK/j")
wait_for 60 '[ "$(jsize)" -ge $((4 * REC)) ]' || fail "the job journaled no 4 tiles in 60 s: $(tail -3 "$WORK/j.out")"
scancel --signal=USR1 --batch "$jid" || fail "scancel --signal=USR1 --batch $jid failed"
wait_for 60 '[ "$(restarts "$jid")" = 1 ]' || fail "the job was not requeued after USR1: $(tail -5 "$WORK/j.out")"
s1=$(jsize)
grep -q 'stopped by SIGUSR1' "$WORK/j.out" || fail "swath did not report the stop on SIGUSR1"
grep -q 'swath stopped with 75 (resume me): requeueing' "$WORK/j.out" || fail "the batch script did not requeue on exit 75"
[ $((s1 % REC)) -eq 0 ] && [ "$s1" -lt $((ntiles * REC)) ] || fail "after USR1 journal.bin holds $s1 bytes ($ntiles tiles)"
[ ! -f "$WORK/j/mask.tif" ] || fail "the stopped run wrote mask.tif"
ok "USR1 to the batch shell: swath stopped after $((s1 / REC)) of $ntiles tiles, exit 75, job requeued by the script"

wait_for 90 '[ "$(sj_state "$jid")" = RUNNING ] && [ "$(jsize)" -ge $((s1 + 3 * REC)) ]' ||
  fail "the requeued job did not continue: $(sj_state "$jid"), journal $(jsize) bytes"
scontrol requeue "$jid" || fail "scontrol requeue $jid failed"
wait_for 60 '[ "$(restarts "$jid")" = 2 ]' || fail "scontrol requeue did not requeue the job"
s2=$(jsize)
[ "$s2" -gt "$s1" ] && [ "$s2" -lt $((ntiles * REC)) ] || fail "after the requeue journal.bin holds $s2 bytes"
ok "scontrol requeue (SIGTERM to the tasks) after $((s2 / REC)) tiles"

res=$(sj_wait "$jid" 180)
[ "$res" = "COMPLETED 0:0" ] || fail "job $jid ended '$res': $(tail -5 "$WORK/j.out")"
[ "$(grep -c 'stopped by SIG' "$WORK/j.out")" -eq 2 ] || fail "expected two stops in the log: $(grep 'stopped by' "$WORK/j.out")"
[ "$(grep -c -- 'resuming:' "$WORK/j.out")" -eq 2 ] || fail "expected two resumed starts in the log"
[ "$(checksum "$WORK/j/mask.tif")" = "$ref" ] || fail "the mask after two stops differs from the uninterrupted one"
[ "$(polygons "$WORK/j/defects.gpkg")" = "$refp" ] || fail "the polygons after two stops differ"
[ "$(jsize)" -eq $((ntiles * REC)) ] || fail "journal.bin holds $(jsize) bytes, expected one record per tile ($((ntiles * REC)))"
# The tiles in flight when SLURM counted the requeue are still journaled by the stopping run (each
# rank's tile thread finishes its tile): the last start found at least s2 / REC, as its log says.
last=$(grep -o 'resuming: [0-9]* of' "$WORK/j.out" | tail -1 | grep -o '[0-9]*')
[ -n "$last" ] && [ "$last" -ge $((s2 / REC)) ] || fail "the last start resumed '$last' tiles, fewer than the $((s2 / REC)) journaled at the requeue"
got=$(report_field "$WORK/j" 'r["slurm"]["job_id"], r["slurm"]["restarts"], r["tiles_resumed"]')
[ "$got" = "$jid 2 $last" ] || fail "report.json job / restarts / tiles_resumed: '$got', expected '$jid 2 $last'"
ok "resumed twice: same mask and polygons as the uninterrupted run, every tile journaled once ($res)"
finish
