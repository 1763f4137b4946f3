#!/usr/bin/env bash
# swath train's start-up checks, fast (tiny chips from a synthesized mosaic, one-step runs):
# numeric settings that are not finite or not whole (flags and --config lines, naming the flag
# and file:line), and the same for the other commands' numeric flags; JSON lines with null for
# values that are not numbers; --out that is an input or another kind of file (exit 2) or cannot
# be written (exit 4) fails before training; --resume checks the chips; config comments; every
# option of --help is in docs/.
set -u
source "$TESTS/cli/lib.sh"
export OMP_NUM_THREADS=1
"$SWATH" --quiet synth defects --size 256 --tile 128 --seed 2 --out "$WORK/m" || fail "synth defects"
"$SWATH" --quiet dataset build "$WORK/m/mosaic.tif" --labels "$WORK/m/truth.tif" --tile 64 --stride 32 --val 0 \
  --out "$WORK/c.h5" || fail "dataset build"
C=$WORK/c.h5
TINY="--arch unet --depth 2 --width 4 --crop 32 --batch 4"

# A: nan / inf / fractions are usage errors naming the flag (before: a segfault with --optim sgd
# --momentum nan, a NaN model with --lr nan, 0 steps with --epochs nan, -2147483648 for --batch nan)
for f in "momentum nan" "lr nan" "lr inf" "epochs nan" "max-steps nan" "batch nan" "crop nan" "width nan" \
         "focal-gamma -inf" "crop 32.5"; do
  set -- $f
  expect_fail 2 "--$1: '$2' is not a" "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --optim sgd --$1 $2
done
[ -e "$WORK/a.h5" ] && fail "a rejected setting still wrote a model"
expect_fail 2 "--seed: 18446744073709551616 is outside" "$SWATH" train --chips "$C" --out "$WORK/a.h5" --seed 18446744073709551616
printf 'epochs = 1\nmomentum = nan\n' > "$WORK/nan.cfg"
expect_fail 2 "$WORK/nan.cfg:2: swath train: --momentum: 'nan' is not a finite number" \
  "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --optim sgd --config "$WORK/nan.cfg"
"$SWATH" train --chips "$C" --out "$WORK/e.h5" $TINY --epochs 1e0 --max-steps 1 > /dev/null 2>&1 ||
  fail "--epochs 1e0 (a whole number written as a float) was refused"
expect_fail 2 "--density: 'nan' is not a finite number" "$SWATH" synth defects --density nan --out "$WORK/s"
expect_fail 2 "--val: 'inf' is not a finite number" "$SWATH" dataset build "$WORK/m/mosaic.tif" \
  --labels "$WORK/m/truth.tif" --val inf --out "$WORK/x.h5"
K=$("$SWATH" info --json "$C" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["attributes"]["classes"])')
expect_fail 2 "--class-weights '1,2' gives 2 values; the chips have $K classes" \
  "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --class-weights 1,2
for w in nan -1 "1,,2" "1;2" inverse; do
  expect_fail 2 "--class-weights '$w': value" "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --class-weights "$w"
done
expect_fail 2 "--class-weights '1,2,': value 3 is missing after the last comma" \
  "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --class-weights 1,2,
expect_fail 2 "give one" "$SWATH" train --out "$WORK/missing.h5" --resume --overwrite
zeros=$(printf '0%.0s,' $(seq "$K")); zeros=${zeros%,}
expect_fail 2 "every weight is 0" "$SWATH" train --chips "$C" --out "$WORK/a.h5" $TINY --class-weights "$zeros"
[ -e "$WORK/a.h5" ] && fail "a rejected --class-weights still wrote a model"
ok "A: non-finite and fractional numbers are usage errors naming the flag (and the config file:line)"

# F: the JSON lines stay JSON without val chips (val_loss, val_miou null, not nan)
"$SWATH" train --chips "$C" --out "$WORK/f.h5" $TINY --epochs 1 --progress json > "$WORK/f.jsonl" 2> "$WORK/f.log" ||
  fail "one epoch: $(cat "$WORK/f.log")"
/usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ep = [r for r in rows if "val_loss" in r]
assert ep and ep[0]["val_loss"] is None and ep[0]["val_miou"] is None, ep
assert all(isinstance(r["loss"], float) for r in rows if "step" in r and "loss" in r)' "$WORK/f.jsonl" ||
  fail "progress lines are not JSON with null for missing values: $(cat "$WORK/f.jsonl")"
ok "F: progress and epoch lines are JSON (null val_loss / val_miou without val chips)"
# B: --out is never an input, nor an existing file of another kind (all were overwritten, exit 0)
cp "$C" "$WORK/c.copy.h5"
expect_fail 2 "--out '$C' is the same file as the input --chips '$C'" "$SWATH" train --chips "$C" --out "$C" $TINY
ln -sf c.h5 "$WORK/link.h5"
expect_fail 2 "the same file as the input --chips" "$SWATH" train --chips "$C" --out "$WORK/link.h5" $TINY
cmp -s "$C" "$WORK/c.copy.h5" || fail "train --out CHIPS changed the chips file"
cp "$WORK/m/mosaic.tif" "$WORK/x.tif"
expect_fail 2 "--out '$WORK/x.tif' exists and is not a swath model" "$SWATH" train --chips "$C" --out "$WORK/x.tif" $TINY
cmp -s "$WORK/x.tif" "$WORK/m/mosaic.tif" || fail "train --out x.tif replaced the file"
expect_fail 2 "(a swath 'chips' file)" "$SWATH" train --chips "$C" --out "$WORK/c.copy.h5" $TINY
expect_fail 2 "--out '$WORK/e.h5' is the same file as the input --init '$WORK/e.h5'" \
  "$SWATH" train --chips "$C" --out "$WORK/e.h5" --init "$WORK/e.h5" --crop 32 --batch 4
cp "$WORK/e.h5" "$WORK/e.before.h5"
expect_fail 4 "--out '$WORK/e.h5' already holds a model: continue it with --resume, replace it with --overwrite" \
  "$SWATH" train --chips "$C" --out "$WORK/e.h5" $TINY --max-steps 1
cmp -s "$WORK/e.h5" "$WORK/e.before.h5" || fail "a refused run changed the model at --out"
expect_fail 2 "give one" "$SWATH" train --chips "$C" --out "$WORK/e.h5" --resume --overwrite
"$SWATH" train --chips "$C" --out "$WORK/e.h5" $TINY --max-steps 1 --overwrite > /dev/null 2> "$WORK/e.log" ||
  fail "--overwrite into an existing model: $(cat "$WORK/e.log")"
grep -q "holds a model: --overwrite, this new run replaces it" "$WORK/e.log" || fail "no note on replacing a model: $(cat "$WORK/e.log")"
cmp -s "$WORK/e.h5" "$WORK/e.before.h5" && fail "--overwrite left the old model"
ok "B: train --out that is --chips / --init, an existing non-model file or model (without --overwrite) is refused"

# E: an --out that cannot be written fails at once (exit 4, naming --out), not after an epoch
touch "$WORK/afile"
for out in /proc/t.h5 "$WORK/afile/t.h5" "$WORK/nodir/t.h5"; do
  expect_fail 4 "--out '$out' cannot be written" "$SWATH" train --chips "$C" --out "$out" $TINY --epochs 1
  grep -q '"step"' "$WORK/stdout.txt" && fail "--out $out: trained before failing"
done
expect_fail 4 "--out '$WORK/m' is a folder" "$SWATH" train --chips "$C" --out "$WORK/m" $TINY
ok "E: an unwritable --out (read-only / special folder, a file as folder, no folder) is exit 4 before training"
# C: --resume checks the chips against those the run was trained on (model.h5 records them)
"$SWATH" --quiet dataset build "$WORK/m/mosaic.tif" --labels "$WORK/m/truth.tif" --tile 32 --stride 32 --val 0 \
  --out "$WORK/d.h5" || fail "dataset build tile 32"
"$SWATH" train --chips "$C" --out "$WORK/r.h5" $TINY --epochs 1 --max-steps 2 > /dev/null 2>&1 || fail "2 steps"
expect_fail 3 "--resume: '$WORK/r.h5' was trained on the chips '$C', and '$WORK/d.h5' are other chips: chip size 64x64 (trained) vs 32x32 (given)" \
  "$SWATH" train --chips "$WORK/d.h5" --out "$WORK/r.h5" --resume
cp "$WORK/r.h5" "$WORK/r0.h5"
"$SWATH" train --chips "$WORK/c.copy.h5" --out "$WORK/r.h5" --resume > /dev/null 2> "$WORK/r.log" ||
  fail "resume on a copy of the chips: $(cat "$WORK/r.log")"
grep -q "continuing on '$WORK/c.copy.h5' (the same size" "$WORK/r.log" || fail "no note on the chips' new path: $(cat "$WORK/r.log")"
# a model of an older swath (no /train_state/chips: renamed in the file) resumes, with a note
/usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"chips\x00") == 1, "the attribute name is not unique in the file"
open(sys.argv[2], "wb").write(d.replace(b"chips\x00", b"chipz\x00"))' "$WORK/r0.h5" "$WORK/old.h5" || fail "old-style model"
"$SWATH" train --chips "$WORK/d.h5" --out "$WORK/old.h5" --resume --crop 32 > /dev/null 2> "$WORK/old.log" ||
  fail "resume of a model without the chips' identity: $(cat "$WORK/old.log")"
grep -q "does not record the chips it was trained on" "$WORK/old.log" || fail "no note: $(cat "$WORK/old.log")"
ok "C: --resume with other chips is an input error naming both files and what differs; a copy or an old model resumes with a note"
# G: a config file takes trailing comments (they were an error); a # inside a word is the value
printf 'epochs = 1   # one epoch\n# a comment line\n  max-steps = 1\t# quick\nout = %s\n' "$WORK/run#2.h5" > "$WORK/g.cfg"
"$SWATH" train --chips "$C" $TINY --config "$WORK/g.cfg" > /dev/null 2> "$WORK/g.log" || fail "config with comments: $(cat "$WORK/g.log")"
[ -f "$WORK/run#2.h5" ] || fail "out = run#2.h5 in a config file did not write run#2.h5"
printf 'lr = 0.01 # fine\nlr = x\n' > "$WORK/g2.cfg"
expect_fail 2 "$WORK/g2.cfg:2: swath train: --lr: 'x' is not a finite number" "$SWATH" train --chips "$C" --out "$WORK/g.h5" --config "$WORK/g2.cfg"
# every option of train --help and dataset build --help is in docs/, and --help says what 0 means
"$SWATH" train --help | grep -q "0 or unset: the architecture's default" || fail "train --help does not say what --width 0 means"
for cmd in "train" "dataset build"; do
  for o in $("$SWATH" $cmd --help | sed -n 's/^  --\([a-z-]*\).*/\1/p'); do
    [ "$o" = help ] || grep -q -- "--$o\b" "$TESTS"/../docs/*.md || fail "swath $cmd --$o is not in docs/"
  done
done
ok "G: config comments, and every train / dataset build option documented"
finish
