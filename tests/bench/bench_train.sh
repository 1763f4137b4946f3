#!/usr/bin/env bash
# swath train weak scaling (label bench): a UNet (BENCH_DEPTH 4, BENCH_WIDTH 32) on 128 px crops,
# 4 images per rank (global batch 4 at -n 1, 8 at -n 2), one OpenMP thread per rank. Reports the
# median images/s per rank over steps 4..BENCH_STEPS, the exposed allreduce share of a step
# (time waiting after backward / step time) for each --allreduce mode, raw MPI_Allreduce of the
# gradient size (bench_allreduce), and the weak-scaling efficiency (per-rank rate at -n 2 over
# -n 1). Figures go to docs/performance.md by hand.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/train_lib.sh"
D=${BENCH_DEPTH:-4} W=${BENCH_WIDTH:-32} STEPS=${BENCH_STEPS:-24} CROP=${BENCH_CROP:-128}
CHIPS="$WORK/chips.h5"
"$BENCH_MAKE_CHIPS" "$CHIPS" 1024 640 160 80 4 > "$WORK/chips.log" || { echo "FAIL: chips"; exit 1; }
stats() { "$PYTHON" -c '
import json, sys, statistics as st
r = int(sys.argv[2])
rows = [d for d in map(json.loads, open(sys.argv[1])) if "img_s" in d][3:]
img = st.median(d["img_s"] for d in rows) / r
share = sum(d["comm_s"] for d in rows) / sum(d["step_s"] for d in rows)
print("%.2f %.4f %.4f" % (img, share, st.median(d["step_s"] for d in rows)))' "$1" "$2"; }
COMMON="--arch unet --depth $D --width $W --crop $CROP --max-steps $STEPS --augment 0 --seed 1"
train n1 1 $COMMON --batch 4 || fail "-n 1: $(tail -2 "$WORK/n1.log")"
read i1 s1 t1 <<< "$(stats "$WORK/n1.jsonl" 1)"
echo "-n 1: $i1 img/s per rank, step $t1 s, allreduce share $s1"
for mode in progress thread blocking; do
  train n2$mode 2 $COMMON --batch 8 --allreduce $mode || fail "-n 2 $mode: $(tail -2 "$WORK/n2$mode.log")"
  read i2 s2 t2 <<< "$(stats "$WORK/n2$mode.jsonl" 2)"
  eff=$("$PYTHON" -c "print('%.1f' % (100 * $i2 / $i1))")
  echo "-n 2 --allreduce $mode: $i2 img/s per rank, step $t2 s, exposed allreduce share $s2, weak-scaling efficiency $eff %"
done
$MPI -n 2 "$BENCH_ALLREDUCE" unet "$D" "$W" 3 3 50 || fail "bench_allreduce"
ok "bench_train"
finish
