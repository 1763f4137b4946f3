#!/usr/bin/env bash
# swath model summary: the parameter counts PyTorch gives for the full-size models (checked by
# tests/ref/nn_models_ref.py + test_nn_models: the same configurations), the FLOP figure of a
# known layer, and clear usage errors.
set -u
. "$TESTS/cli/lib.sh"
S() { "$SWATH" model summary "$@"; }
for pair in unet:1927339 resnet18-seg:16548171 resnet34-seg:26656331 resnet50-seg:103627403 \
            resnet18-cls:11182155 resnet34-cls:21290315 resnet50-cls:23530571; do
  arch=${pair%%:*} want=${pair##*:}
  out=$(S --arch "$arch" --in-ch 3 --classes 11 --tile 512) || fail "summary $arch exited $?"
  grep -q "^parameters: *$want " <<<"$out" || fail "$arch: not $want parameters: $(grep parameters <<<"$out")"
done
ok "parameter counts of the seven architectures equal PyTorch's"

out=$(S --arch resnet34-cls --tile 224 --layers) || fail "summary --layers exited $?"
# ResNet-34 at 224: 3.6 G multiply-adds (7.3 GFLOP); conv1 118 M multiply-adds (236.0 MFLOP)
grep -q "^conv1 .* 1x112x112x64 .* 9408 .* 236.0$" <<<"$out" || fail "conv1 row: $(grep '^conv1 ' <<<"$out")"
grep -q "^compute: *7.3[0-9] GFLOP forward" <<<"$out" || fail "resnet34 GFLOP: $(grep compute <<<"$out")"
ok "layer rows and GFLOP of ResNet-34 at 224"

expect_fail 2 "unknown architecture 'vgg'" S --arch vgg
expect_fail 2 "multiples of 32" S --arch resnet18-seg --tile 100
expect_fail 2 "--arch or a model.h5" S
expect_fail 3 "$WORK/none.h5" S "$WORK/none.h5"
ok "usage errors name the problem"
finish
