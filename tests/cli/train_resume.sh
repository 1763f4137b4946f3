#!/usr/bin/env bash
# swath train stopped mid-epoch (a stop request at step 5 on rank 1: the ranks agree, rank 0
# checkpoints, exit 75) and resumed gives exactly the uninterrupted run: the same losses, bit for
# bit, and the same final parameters (hash), across an epoch boundary with validation. The same
# for --max-steps then --resume at -n 1, and --resume keeps the run's settings from model.h5;
# --init starts from a trained model; --patience stops early; a finished run resumed with a larger
# --epochs continues to it.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/train_lib.sh"
COMMON="--arch unet --depth 3 --width 8 --crop 32 --batch 4 --epochs 2 --lr 0.003 --seed 9 --optim adamw --schedule cosine"

train full 2 $COMMON || fail "uninterrupted: $(tail -3 "$WORK/full.log")"
SWATH_TEST_STOP_AT=5:1 train part 2 $COMMON
rc=$?
[ $rc = 75 ] || fail "stop request: exit $rc, expected 75: $(tail -2 "$WORK/part.log")"
grep -q "resume" "$WORK/part.log" || fail "the stop message does not say --resume"
cp "$WORK/part.h5" "$WORK/part2.h5"
$MPI -n 2 "$SWATH" train --out "$WORK/part.h5" --resume > "$WORK/part.resumed.jsonl" 2> "$WORK/part.resumed.log" || fail "resume: $(tail -3 "$WORK/part.resumed.log")"
cat "$WORK/part.jsonl" "$WORK/part.resumed.jsonl" > "$WORK/joined.jsonl"
compare "$WORK/full.jsonl" "$WORK/joined.jsonl" 0 0 > "$WORK/cmp.txt" || fail "resumed losses differ: $(cat "$WORK/cmp.txt")"
[ "$(field "$WORK/full.jsonl" param_hash)" = "$(field "$WORK/part.resumed.jsonl" param_hash)" ] || fail "resumed model differs"
[ "$(field "$WORK/full.jsonl" val_loss)" = "$(field "$WORK/part.resumed.jsonl" val_loss)" ] || fail "val loss differs"
ok "-n 2 stopped at step 5 (rank 1's request) and resumed = uninterrupted (losses, weights, val loss)"

train m1 1 $COMMON --max-steps 11 || fail "--max-steps 11: $(tail -3 "$WORK/m1.log")"
train m1 1 $COMMON --resume > /dev/null || fail "resume at -n 1: $(tail -3 "$WORK/m1.log")"
train f1 1 $COMMON || fail "-n 1 uninterrupted: $(tail -3 "$WORK/f1.log")"
[ "$(field "$WORK/f1.jsonl" param_hash)" = "$(field "$WORK/m1.jsonl" param_hash)" ] || fail "-n 1 --max-steps + --resume differs from uninterrupted"
ok "-n 1 --max-steps 11 then --resume = uninterrupted"

# a finished run resumed with a larger --epochs continues to the new total (it printed done and
# trained nothing): with a constant learning rate it equals a run of the larger total, bit for bit;
# resumed again it has nothing left to train and says so
EXT="$COMMON --schedule const"
train x2 1 $EXT || fail "2 epochs: $(tail -3 "$WORK/x2.log")"
train x3 1 $EXT --epochs 3 || fail "3 epochs: $(tail -3 "$WORK/x3.log")"
train x2 1 --resume --epochs 3 || fail "resume --epochs 3: $(tail -3 "$WORK/x2.log")"
[ "$(field "$WORK/x2.jsonl" epoch)" = 3 ] && grep -q '"step"' "$WORK/x2.jsonl" || fail "resume --epochs 3 trained nothing: $(tail -2 "$WORK/x2.jsonl")"
[ "$(field "$WORK/x2.jsonl" param_hash)" = "$(field "$WORK/x3.jsonl" param_hash)" ] || fail "2 epochs + resume to 3 differs from 3 epochs"
grep -q "finished 2 epochs; continuing to --epochs 3" "$WORK/x2.log" || fail "no note: $(cat "$WORK/x2.log")"
train x2 1 --resume || fail "resume of a finished run: $(tail -3 "$WORK/x2.log")"
grep -q "finished its 3 epochs: nothing to train" "$WORK/x2.log" || fail "no 'nothing to train' note: $(cat "$WORK/x2.log")"
ok "--resume --epochs 3 of a finished 2-epoch run trains epoch 3 (= a 3-epoch run); again: nothing to train, said"

# --init: refinement starts from the trained weights (its architecture taken from the file)
train init 1 --init "$WORK/full.h5" --crop 32 --batch 4 --max-steps 3 --seed 9 || fail "--init: $(tail -3 "$WORK/init.log")"
"$PYTHON" -c "import sys; a=float(sys.argv[1].split()[1]); b=float(sys.argv[2].split()[1]); sys.exit(0 if a < b else 1)" \
  "$(losses "$WORK/init.jsonl" | head -1)" "$(losses "$WORK/full.jsonl" | head -1)" || fail "--init did not start from the trained model"
ok "--init starts from the trained model (lower first loss)"
# early stopping: with lr 0 the val loss never improves, so --patience 1 ends after epoch 1 of 5
train pat 1 --arch unet --depth 3 --width 8 --crop 32 --batch 4 --epochs 5 --lr 0 --patience 1 || fail "--patience: $(tail -3 "$WORK/pat.log")"
[ "$(field "$WORK/pat.jsonl" epoch)" = 2 ] && [ "$(grep -c val_loss "$WORK/pat.jsonl")" = 2 ] || fail "--patience 1 did not stop after 2 epochs: $(tail -2 "$WORK/pat.jsonl")"
ok "--patience 1 stops when the val loss does not improve"
# --device: on a GPU machine a one-rank run trains there and follows the CPU's losses (f32,
# cuDNN's summation order: 1e-4 + 1e-4 per step); without a GPU cuda is a usage error naming
# the reason and auto trains on the CPU and says so
DEV="--arch unet --depth 3 --width 8 --crop 32 --batch 4 --max-steps 8 --seed 4"
if "$SWATH" --version | grep -q "devices: [1-9]"; then
  train gpu 1 $DEV --device cuda || fail "--device cuda: $(tail -3 "$WORK/gpu.log")"
  train cpu 1 $DEV --device cpu || fail "--device cpu: $(tail -3 "$WORK/cpu.log")"
  compare "$WORK/gpu.jsonl" "$WORK/cpu.jsonl" 1e-4 1e-4 && ok "GPU training follows the CPU's losses" \
    || fail "GPU and CPU losses differ"
else
  expect_fail 2 "device cuda" "$SWATH" train --chips "$CHIPS" --out "$WORK/dev.h5" $DEV --device cuda
  train auto 1 $DEV --device auto || fail "--device auto: $(tail -3 "$WORK/auto.log")"
  grep -q "train: on the CPU (no GPU" "$WORK/auto.log" && ok "--device auto without a GPU trains on the CPU and says so" \
    || fail "--device auto: no message: $(cat "$WORK/auto.log")"
fi
expect_fail 2 "auto, cpu or cuda" "$SWATH" train --chips "$CHIPS" --out "$WORK/dev2.h5" --device tpu
expect_fail 3 "cannot open" "$SWATH" train --out "$WORK/missing.h5" --resume
ok "--resume of a missing model.h5 is an input error naming it"
finish
