#!/bin/bash
# model.h5 layout (docs/formats.md) as h5dump -H shows it, on the file test_nn_checkpoint leaves.
set -u
F=${1:-model_ckpt_test.h5}
command -v h5dump >/dev/null || { echo "skipped: no h5dump"; exit 77; }
[ -f "$F" ] || { echo "FAIL: no $F (test_nn_checkpoint writes it)"; exit 1; }
out=$(h5dump -H "$F") || { echo "FAIL: h5dump -H $F"; exit 1; }
fail=0
for want in 'ATTRIBUTE "swath_format"' 'ATTRIBUTE "swath_format_version"' 'ATTRIBUTE "arch"' \
            'ATTRIBUTE "in_ch"' 'ATTRIBUTE "classes"' 'ATTRIBUTE "depth"' 'ATTRIBUTE "width"' \
            'ATTRIBUTE "input_size"' 'ATTRIBUTE "optimizer"' 'DATASET "classes"' \
            'GROUP "normalization"' 'DATASET "mean"' 'DATASET "std"' 'GROUP "weights"' \
            'DATASET "enc.0.conv1.weight"' 'DATASET "enc.0.bn1.running_var"' \
            'DATASET "head.bias"' 'GROUP "optimizer"' 'GROUP "state0"' 'GROUP "state1"' \
            'ATTRIBUTE "step"' 'DATASET "history"' '"train_loss"' '"val_score"'; do
  grep -qF "$want" <<<"$out" || { echo "FAIL: h5dump -H lacks $want"; fail=1; }
done
# the conv weight is (K,R,S,C): enc.0.conv1 of the test's unet is 8 x 3 x 3 x 3
grep -A3 'DATASET "enc.0.conv1.weight"' <<<"$out" | grep -q '( 8, 3, 3, 3 )' ||
  { echo "FAIL: enc.0.conv1.weight is not (8, 3, 3, 3)"; fail=1; }
[ $fail = 0 ] && echo "ok   model.h5 layout as documented"
exit $fail
