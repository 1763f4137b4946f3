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

# Tiles near the engine's limit of 2^31 - 1 pixels a batch: the memory and GFLOP scale with the
# pixels (no int overflow in the layers' pixel counts); past the limit, a usage error.
a=$(S --arch unet --tile 32768x32768) || fail "summary 32768x32768 exited $?"
b=$(S --arch unet --tile 32768x65504) || fail "summary 32768x65504 exited $?"
"$PYTHON" - "$a" "$b" <<'PY' || fail "32768x65504 does not have 65504/32768 times the memory and GFLOP of 32768x32768"
import re, sys
def nums(t):
    m = re.search(r"activations: +([0-9.]+) MiB forward arena", t).group(1)
    g = re.search(r"compute: +([0-9.]+) GFLOP forward", t).group(1)
    return float(m), float(g)
(ma, ga), (mb, gb) = nums(sys.argv[1]), nums(sys.argv[2])
r = 65504 / 32768
print("   activations %.0f -> %.0f MiB, %.0f -> %.0f GFLOP (x%.3f, x%.3f; pixels x%.3f)" % (ma, mb, ga, gb, mb / ma, gb / ga, r))
sys.exit(not (abs(mb / ma - r) < 0.01 * r and abs(gb / ga - r) < 0.01 * r))
PY
expect_fail 2 "a batch of 1 x 32768 x 65536 is 2147483648 pixels; the engine counts the pixels of a batch in 32-bit integers" \
    S --arch unet --tile 65536x32768
expect_fail 2 "a batch of 2 x 32768 x 32768 is 2147483648 pixels" S --arch unet --tile 32768 --batch 2
ok "tiles near 2^31 pixels: memory and GFLOP scale; past it: refused"

expect_fail 2 "unknown architecture 'vgg'" S --arch vgg
expect_fail 2 "multiples of 32" S --arch resnet18-seg --tile 100
expect_fail 2 "--arch or a model.h5" S
expect_fail 3 "$WORK/none.h5" S "$WORK/none.h5"
ok "usage errors name the problem"
finish
