#!/usr/bin/env bash
# The real time-limit path (label `large`: about 2 minutes): slurm/inspect.sbatch with --time=1
# and --signal=B:USR1@40, tiles slowed to 3 s (SWATH_TEST_TILE_DELAY_MS, test only) so that the
# run outlasts the limit: SLURM signals the batch shell, swath stops with 75, the script requeues,
# the next start resumes and finishes; the mask is the uninterrupted one.
set -u
. "$TESTS/slurm/prelude.sh"
synth 2048x2048 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
"$SWATH" run --job pixel-defects "$M" --out "$WORK/ref" 2> "$WORK/ref.log" || fail "reference run: $(tail -3 "$WORK/ref.log")"
jid=$(SWATH_TEST_TILE_DELAY_MS=3000 sj_submit --ntasks-per-node=2 --time=1 --signal=B:USR1@40 -o "$WORK/t.out" \
  "$SLURM_SCRIPTS/inspect.sbatch" "$M" "$WORK/t")
res=$(sj_wait "$jid" 400)
[ "$res" = "COMPLETED 0:0" ] || fail "job $jid ended '$res': $(tail -5 "$WORK/t.out")"
grep -q 'stop signal: passing it to the step' "$WORK/t.out" || fail "the batch shell got no signal before the time limit"
grep -q 'stopped by SIGUSR1' "$WORK/t.out" || fail "swath did not stop on SIGUSR1"
n=$(scontrol show job "$jid" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
[ "${n:-0}" -ge 1 ] || fail "the job was not requeued (Restarts=$n)"
[ "$(checksum "$WORK/t/mask.tif")" = "$(checksum "$WORK/ref/mask.tif")" ] || fail "the mask differs from the uninterrupted one"
ok "--time=1 --signal=B:USR1@40: stopped before the limit, requeued $n time(s), same mask ($res)"
finish
