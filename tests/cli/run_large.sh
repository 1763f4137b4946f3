#!/usr/bin/env bash
# Bounded reducer memory: a 20000 x 20000 run against a 5000 x 5000 run (16x the pixels) under
# mpiexec -n 3 (rank 0 master, rank 1 worker, rank 2 reducer only): the reducer's peak RSS
# (getrusage, printed by each rank with --verbose) grows by less than 1.5x. Label `large`: the
# synthesis and the run take minutes.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
rss() { sed -n "s/.*run: rank $2: .*peak RSS \([0-9]*\) KiB.*/\1/p" "$1" | tail -1; }
for size in 5000 20000; do
  t0=$(date +%s)
  synth ${size}x${size} "$WORK/m$size" || { echo "FAIL: synth $size: $(tail -3 "$WORK/synth.log")"; exit 1; }
  t1=$(date +%s)
  mpirun_swath 3 --verbose run --job pixel-defects "$WORK/m$size/mosaic.tif" --out "$WORK/o$size" --batch 4 \
    2> "$WORK/o$size.log" || fail "run $size: $(tail -5 "$WORK/o$size.log")"
  t2=$(date +%s)
  echo "   $size x $size: synth $((t1 - t0)) s, run $((t2 - t1)) s; $(grep -o 'tiles [0-9/]* (100%), [0-9.]* tile Mpx/s' "$WORK/o$size.log" | tail -1)"
  for r in 0 1 2; do echo "   $size: rank $r peak RSS $(rss "$WORK/o$size.log" $r) KiB"; done
  "$RUN_IOU" "$WORK/o$size/mask.tif" "$WORK/m$size/truth.tif" 10 0.95 | grep -E "^class (9|10) |FAIL" | sed "s/^/   $size: /" ||
    fail "$size: class-10 IoU below 0.95"
  rm -rf "$WORK/o$size/tiles"   # disk: the tile results are not needed any more
done
small=$(rss "$WORK/o5000.log" 2)
large=$(rss "$WORK/o20000.log" 2)
[ -n "$small" ] && [ -n "$large" ] || fail "no peak RSS reported by the reducer (rank 2)"
[ -n "$small" ] && [ -n "$large" ] && [ $((large * 2)) -le $((small * 3)) ] ||
  fail "reducer peak RSS $large KiB at 20000^2 is more than 1.5x the $small KiB at 5000^2"
ok "reducer peak RSS: $small KiB (5000^2) -> $large KiB (20000^2)"
finish
