#!/usr/bin/env bash
# The device path of swath train (src/train/step_device.c: what a GPU rank runs) on the CPU
# backend, SWATH_TEST_DEVICE_MODEL=cpu: a copy of the model in the backend's memory, the batch
# uploaded, cross-entropy on the backend or focal / dice / weighted cross-entropy on the host
# (logits down, gradient up),
# the gradients summed bucket by bucket through the hooks NCCL takes on a GPU (here each bucket
# an MPI sum), or through the host arena (cpu-staged: a GPU without NCCL), the running statistics
# averaged through the host, the optimizer on the backend, the state copied back for checkpoints.
# The same arithmetic as the host step, so the losses and the final model must be identical to
# the CPU path's, bit for bit, at -n 1 and -n 2, for each loss and optimizer; a stop and resume
# on the device path equals the uninterrupted run; a broken sum is caught; --sync-bn on several
# ranks stays on the CPU and says why.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/train_lib.sh"
COMMON="--arch unet --depth 3 --width 8 --crop 32 --batch 4 --max-steps 10 --lr 0.003 --seed 5 --bucket-mb 0.01"

same() { # same A B: identical losses and model
  compare "$WORK/$1.jsonl" "$WORK/$2.jsonl" 0 0 > "$WORK/$1.cmp" || fail "$1 vs $2 losses: $(cat "$WORK/$1.cmp")"
  [ "$(field "$WORK/$1.jsonl" param_hash)" = "$(field "$WORK/$2.jsonl" param_hash)" ] || fail "$1 and $2 give other models"
}

for loss in ce focal dice; do
  train cpu_$loss 2 $COMMON --loss $loss || fail "CPU $loss: $(tail -3 "$WORK/cpu_$loss.log")"
  SWATH_TEST_DEVICE_MODEL=cpu train dev_$loss 2 $COMMON --loss $loss || fail "device path $loss: $(tail -3 "$WORK/dev_$loss.log")"
  grep -q "device path.*buckets (MPI)" "$WORK/dev_$loss.log" || fail "device path $loss: no start line: $(head -3 "$WORK/dev_$loss.log")"
  same dev_$loss cpu_$loss
done
train cpu_cw 2 $COMMON --class-weights auto || fail "CPU --class-weights: $(tail -3 "$WORK/cpu_cw.log")"
SWATH_TEST_DEVICE_MODEL=cpu train dev_cw 2 $COMMON --class-weights auto || fail "device --class-weights: $(tail -3 "$WORK/dev_cw.log")"
same dev_cw cpu_cw
compare "$WORK/cpu_cw.jsonl" "$WORK/cpu_ce.jsonl" 1e-3 0 > /dev/null && fail "--class-weights auto did not change the ce trajectory"
ok "-n 2 device path (buckets through the hooks) = host step, bit for bit: ce, focal, dice, weighted ce"

SWATH_TEST_DEVICE_MODEL=cpu-staged train staged 2 $COMMON --loss focal || fail "staged: $(tail -3 "$WORK/staged.log")"
grep -q "through the host" "$WORK/staged.log" || fail "staged: no start line: $(head -3 "$WORK/staged.log")"
same staged cpu_focal
train cpu_sgd 2 $COMMON --optim sgd --momentum 0.9 || fail "CPU sgd: $(tail -3 "$WORK/cpu_sgd.log")"
SWATH_TEST_DEVICE_MODEL=cpu-staged train staged_sgd 2 $COMMON --optim sgd --momentum 0.9 || fail "staged sgd: $(tail -3 "$WORK/staged_sgd.log")"
same staged_sgd cpu_sgd
train cpu1 1 $COMMON --loss dice || fail "-n 1 CPU: $(tail -3 "$WORK/cpu1.log")"
SWATH_TEST_DEVICE_MODEL=cpu train dev1 1 $COMMON --loss dice || fail "-n 1 device path: $(tail -3 "$WORK/dev1.log")"
same dev1 cpu1
ok "staged through the host (focal, SGD with momentum) and -n 1 = host step, bit for bit"

# stop at step 4 on rank 1, resume: the device model's state goes to model.h5 and comes back
R="--arch unet --depth 3 --width 8 --crop 32 --batch 4 --epochs 2 --lr 0.003 --seed 9 --loss focal"
train rfull 2 $R || fail "uninterrupted: $(tail -3 "$WORK/rfull.log")"
SWATH_TEST_DEVICE_MODEL=cpu SWATH_TEST_STOP_AT=4:1 train rpart 2 $R
rc=$?
[ $rc = 75 ] || fail "stop on the device path: exit $rc: $(tail -2 "$WORK/rpart.log")"
SWATH_TEST_DEVICE_MODEL=cpu $MPI -n 2 "$SWATH" train --out "$WORK/rpart.h5" --resume > "$WORK/rpart.resumed.jsonl" 2> "$WORK/rpart.resumed.log" || fail "resume: $(tail -3 "$WORK/rpart.resumed.log")"
cat "$WORK/rpart.jsonl" "$WORK/rpart.resumed.jsonl" > "$WORK/rjoined.jsonl"
same rjoined rfull
ok "device path stopped at step 4 and resumed = uninterrupted host run"

# each rank steps on its own gradient: the trajectory leaves the host run's, and at the end of the
# epoch (8 steps) the ranks' models differ (exit 1)
for mode in cpu cpu-staged; do
  SWATH_TEST_BREAK_ALLREDUCE=1 SWATH_TEST_DEVICE_MODEL=$mode train broken_$mode 2 $COMMON
  rc=$?
  [ $rc = 1 ] && grep -q "models differ" "$WORK/broken_$mode.log" || fail "broken $mode: exit $rc, $(tail -2 "$WORK/broken_$mode.log")"
  compare "$WORK/broken_$mode.jsonl" "$WORK/cpu_ce.jsonl" 1e-5 1e-6 common > "$WORK/broken_$mode.cmp" && fail "a broken $mode sum stayed within 1e-5: $(cat "$WORK/broken_$mode.cmp")"
  echo "   broken $mode: $(tail -1 "$WORK/broken_$mode.cmp" | cut -c1-160)"
done
ok "a missing gradient sum on the device path is caught (buckets and staged)"

SWATH_TEST_DEVICE_MODEL=cpu train sbn 2 $COMMON --sync-bn || fail "--sync-bn: $(tail -3 "$WORK/sbn.log")"
grep -q "train: on the CPU (the GPU path does not take --sync-bn" "$WORK/sbn.log" || fail "--sync-bn: no message: $(head -3 "$WORK/sbn.log")"
train sbn_cpu 2 $COMMON --sync-bn || fail "--sync-bn CPU: $(tail -3 "$WORK/sbn_cpu.log")"
same sbn sbn_cpu
expect_fail 2 "--precision 'fp8' (f32, tf32, bf16 or bf16-act)" "$SWATH" train --chips "$CHIPS" --out "$WORK/p.h5" $COMMON --precision fp8
if ! "$SWATH" --version | grep -q "devices: [1-9]"; then
  train auto2 2 $COMMON --device auto --precision bf16 --deterministic || fail "-n 2 --device auto: $(tail -3 "$WORK/auto2.log")"
  grep -q "train: on the CPU (no GPU.*--precision applies on the GPU: f32 here" "$WORK/auto2.log" || fail "-n 2 --device auto: no message: $(head -3 "$WORK/auto2.log")"
  same auto2 cpu_ce
  train auto2a 2 $COMMON --device auto --precision bf16-act || fail "--precision bf16-act: $(tail -3 "$WORK/auto2a.log")"
  grep -q "precision applies on the GPU" "$WORK/auto2a.log" || fail "--precision bf16-act: no message: $(head -3 "$WORK/auto2a.log")"
  same auto2a cpu_ce
  expect_fail 2 "device cuda" $MPI -n 2 "$SWATH" train --chips "$CHIPS" --out "$WORK/c2.h5" $COMMON --device cuda
fi
ok "--sync-bn on several ranks and no GPU stay on the CPU and say why (--precision too); --device cuda there fails; --precision checked"
finish
