#!/bin/bash
# swath run --job segment: a model (random weights, tests/tools/make_model) through the runtime.
# The stitched mask equals the job's own per-tile argmax (one scale, no overlap, crop blending),
# on a mosaic whose size is a multiple of the tile and on one smaller than a tile (padding);
# -n 1 and -n 3 give the same mask with overlap and linear blending; bad models fail clearly.
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
B=$(dirname "$SWATH")/tests
"$SWATH" synth defects --out "$WORK/a" --size 768x512 --seed 3 --tile 256 >/dev/null || fail "synth"
"$SWATH" synth defects --out "$WORK/b" --size 200x150 --seed 4 --tile 64 >/dev/null || fail "synth small"
"$B/make_model" "$WORK/unet.h5" unet 3 3 8 3 7 || fail "make_model"
"$B/make_model" "$WORK/cls.h5" resnet18-cls 3 4 8 || fail "make_model cls"

"$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/r1" --scales 256 --overlap 0 \
    --blend crop >"$WORK/r1.log" 2>&1 && ok "segment run, one process" || { cat "$WORK/r1.log"; fail "segment run"; }
"$B/test_segment_job" "$WORK/a/mosaic.tif" "$WORK/unet.h5" "$WORK/r1/mask.tif" 256 2 && ok "mask = the job's argmax per tile" \
    || fail "mask differs from the job's argmax"
"$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/b/mosaic.tif" --out "$WORK/r2" --scales 256 --overlap 0 \
    --blend crop >"$WORK/r2.log" 2>&1 && "$B/test_segment_job" "$WORK/b/mosaic.tif" "$WORK/unet.h5" "$WORK/r2/mask.tif" 256 \
    && ok "a mosaic smaller than a tile (padded input)" || { cat "$WORK/r2.log"; fail "padded tile"; }
grep -q '"name": "class_1"' "$WORK/r1/report.json" && ok "report names the model's classes" || fail "report class names"
"$PYTHON" -c 'import json, sys; m = json.load(open(sys.argv[1]))["model"]; sys.exit(m != sys.argv[2])' \
    "$WORK/r1/report.json" "$WORK/unet.h5" || fail "report.json's model is not the --model path"
"$SWATH" --quiet run --job pixel-defects "$WORK/b/mosaic.tif" --out "$WORK/pd" >/dev/null 2>&1 || fail "pixel-defects run"
"$PYTHON" -c 'import json, sys; m = json.load(open(sys.argv[1]))["model"]; sys.exit(m is not None)' "$WORK/pd/report.json" ||
  fail "report.json of a run without a model: model is not null"
ok "report.json names the model (null for a job without one)"
# --resume holds the run to its model's weights: other weights are refused, a copy is accepted
"$B/make_model" "$WORK/other.h5" unet 3 3 8 3 8 || fail "make_model other"
expect_fail 2 "was planned with model '$WORK/unet.h5' (weights hash" \
    "$SWATH" run --job segment --model "$WORK/other.h5" "$WORK/a/mosaic.tif" --out "$WORK/r1" --scales 256 --overlap 0 --blend crop --resume
grep -q "another model" "$WORK/stderr.txt" || fail "the refusal does not say it is another model: $(cat "$WORK/stderr.txt")"
cp "$WORK/unet.h5" "$WORK/copy.h5"
"$SWATH" --quiet run --job segment --model "$WORK/copy.h5" "$WORK/a/mosaic.tif" --out "$WORK/r1" --scales 256 --overlap 0 \
    --blend crop --resume 2> "$WORK/r1c.log" && ok "--resume: another model refused, a copy of the same one accepted" \
    || fail "--resume with a copy of the model: $(cat "$WORK/r1c.log")"
[ "$(gdalinfo "$WORK/r1/mask.tif" | sed -n '/Categories:/,/Color Table/p' | grep -c ': class_')" = 3 ] \
  && ok "mask.tif carries the model's 3 class names" || fail "mask.tif class names: $(gdalinfo "$WORK/r1/mask.tif" | grep -A5 Categories)"

"$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/s1" --scales 256 --overlap 0.25 \
    >/dev/null 2>&1 || fail "overlap run -n 1"
mpirun_swath 3 run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/s3" --scales 256 --overlap 0.25 \
    >"$WORK/s3.log" 2>&1 || { cat "$WORK/s3.log"; fail "overlap run -n 3"; }
[ "$(checksum "$WORK/s1/mask.tif")" = "$(checksum "$WORK/s3/mask.tif")" ] && ok "-n 1 and -n 3 give the same mask" \
    || fail "-n 1 and -n 3 differ"

# batch norm folded into the convolutions (the default) against the plain passes (SWATH_FOLD_BN=0):
# the same mask but for argmax ties moved by rounding (test_nn_fold checks the logits themselves)
SWATH_FOLD_BN=0 "$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/nf" --scales 256 \
    --overlap 0 --blend crop >/dev/null 2>&1 || fail "segment run without folding"
"$SWATH" eval --mask "$WORK/nf/mask.tif" --truth "$WORK/r1/mask.tif" --json | "$PYTHON" -c '
import json, sys; d = json.load(sys.stdin); a = d["accuracy"]; print("   unfolded vs folded mask agreement", a); sys.exit(a < 0.9999)' \
  && ok "folded and plain batch norm give the same mask" || fail "folded and plain batch norm masks differ"

# --device: cuda fails clearly where there is no GPU (the run above used auto: the CPU here);
# on a GPU machine the GPU's mask must agree with the CPU's almost everywhere (f32 rounding).
if "$SWATH" --version | grep -q "devices: [1-9]"; then
  "$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/g1" --scales 256 --overlap 0 \
      --blend crop --device cuda >/dev/null 2>&1 || fail "segment on the GPU"
  "$SWATH" eval --mask "$WORK/g1/mask.tif" --truth "$WORK/r1/mask.tif" --json | "$PYTHON" -c '
import json, sys; d = json.load(sys.stdin); a = d["accuracy"]; print("GPU vs CPU mask agreement", a); sys.exit(a < 0.999)' \
      && ok "GPU and CPU masks agree" || fail "GPU and CPU masks differ"
else
  # a build with CUDA says there is no device; a build without it (-DSWATH_CUDA=OFF) says so
  why="no CUDA device"
  "$SWATH" --version | grep -q "CUDA: *no (built without" && why="built without CUDA"
  expect_fail 2 "$why" "$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/g1" --device cuda
fi
# --bands: a 6-band mosaic without colour interpretation reads 3,2,1 by default; a 4-channel model
# says so and how to choose, --bands 1,2,3,4 runs it (and --resume holds the run to those bands),
# a wrong count is a usage error, a missing band an input error; 5 channels cannot be read.
"$B/make_model" "$WORK/unet4.h5" unet 4 3 8 3 7 && "$B/make_model" "$WORK/unet5.h5" unet 5 3 8 3 7 || fail "make_model 4 / 5 channels"
gdal_translate -q -b 1 -b 2 -b 3 -b 1 -b 2 -b 3 -colorinterp undefined,undefined,undefined,undefined,undefined,undefined \
    "$WORK/a/mosaic.tif" "$WORK/six.tif" || fail "gdal_translate six bands"
expect_fail 3 "the segment job needs 4 bands (the input channels of model '$WORK/unet4.h5') but reads 3 of '$WORK/six.tif' (bands 3,2,1: the default R, G, B of a 6-band file): choose 4 of its 6 bands with --bands, e.g. --bands 1,2,3,4" \
    "$SWATH" run --job segment --model "$WORK/unet4.h5" "$WORK/six.tif" --out "$WORK/b4" --scales 256
"$SWATH" --quiet run --job segment --model "$WORK/unet4.h5" "$WORK/six.tif" --out "$WORK/b4" --scales 256 --bands 1,2,3,4 \
    2> "$WORK/b4.log" || fail "--bands 1,2,3,4 with a 4-channel model: $(cat "$WORK/b4.log")"
[ -f "$WORK/b4/report.json" ] || fail "no report.json after --bands 1,2,3,4"
expect_fail 2 "planned with bands 1,2,3,4, this command gives 1,2,3,5" \
    "$SWATH" run --job segment --model "$WORK/unet4.h5" "$WORK/six.tif" --out "$WORK/b4" --scales 256 --bands 1,2,3,5 --resume
expect_fail 2 "--bands 1,2 gives 2 bands of '$WORK/six.tif'; the segment job needs 4" \
    "$SWATH" run --job segment --model "$WORK/unet4.h5" "$WORK/six.tif" --out "$WORK/b5" --scales 256 --bands 1,2
expect_fail 3 "band 9 does not exist" \
    "$SWATH" run --job segment --model "$WORK/unet4.h5" "$WORK/six.tif" --out "$WORK/b6" --scales 256 --bands 1,2,3,9
expect_fail 3 "the segment job needs 5 bands (the input channels of model '$WORK/unet5.h5') but reads 3 of '$WORK/six.tif' (bands 3,2,1: the default R, G, B of a 6-band file): choose 5 of its 6 bands with --bands, e.g. --bands 1,2,3,4,5" \
    "$SWATH" run --job segment --model "$WORK/unet5.h5" "$WORK/six.tif" --out "$WORK/b7" --scales 256
# more than 4 bands: a 5-channel model reads 5 of the 6 bands (GDAL's path: the libtiff one takes
# 1 to 4), and its mask is the job's own argmax on those bands, tile by tile
"$SWATH" --quiet run --job segment --model "$WORK/unet5.h5" "$WORK/six.tif" --out "$WORK/b8" --scales 256 --overlap 0 \
    --blend crop --bands 6,1,5,2,4 2> "$WORK/b8.log" || fail "--bands 6,1,5,2,4 with a 5-channel model: $(cat "$WORK/b8.log")"
BANDS=6,1,5,2,4 "$B/test_segment_job" "$WORK/six.tif" "$WORK/unet5.h5" "$WORK/b8/mask.tif" 256 2 \
    || fail "the 5-band mask differs from the job's argmax"
# the read itself: bands 6,1,5,2,4 of six.tif are bands 3,1,2,2,1 of the mosaic (mean, min, max)
stats() { "$SWATH" info "$1" --bands "$2" --window 0,0,256,256 --json | "$PYTHON" -c '
import json, sys; print([(b["mean"], b["min"], b["max"]) for b in json.load(sys.stdin)["window"]["bands"]])'; }
[ "$(stats "$WORK/six.tif" 6,1,5,2,4)" = "$(stats "$WORK/a/mosaic.tif" 3,1,2,2,1)" ] && ok "a 5-band read delivers the bands asked for" \
    || fail "bands 6,1,5,2,4 of six.tif: $(stats "$WORK/six.tif" 6,1,5,2,4), not $(stats "$WORK/a/mosaic.tif" 3,1,2,2,1)"
"$B/make_model" "$WORK/unet17.h5" unet 17 3 8 3 7 || fail "make_model 17 channels"
expect_fail 3 "needs 17 bands (the input channels of model '$WORK/unet17.h5'), but swath run reads at most 16" \
    "$SWATH" run --job segment --model "$WORK/unet17.h5" "$WORK/six.tif" --out "$WORK/b9" --scales 256
ok "--bands: the bands read and the model's channels named; 4 and 5 channel models run; resume keeps the bands"
expect_fail 2 "not one of auto, cpu, cuda" "$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/g2" --device tpu
expect_fail 2 "--precision 'fp8' is not one of f32, tf32, bf16" "$SWATH" run --job segment --model "$WORK/unet.h5" "$WORK/a/mosaic.tif" --out "$WORK/g2" --precision fp8
expect_fail 2 "needs --model" "$SWATH" run --job segment "$WORK/a/mosaic.tif" --out "$WORK/e1"
expect_fail 3 "a classifier" "$SWATH" run --job segment --model "$WORK/cls.h5" "$WORK/a/mosaic.tif" --out "$WORK/e2"
expect_fail 3 "nope.h5" "$SWATH" run --job segment --model "$WORK/nope.h5" "$WORK/a/mosaic.tif" --out "$WORK/e3"
finish
