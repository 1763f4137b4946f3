#!/usr/bin/env bash
# swath dataset build on a synthesized 1024 x 1024 mosaic, tile 128: chips from the class mask
# (truth.tif) and from the polygons (truth.gpkg, class field 'class'), each checked independently
# by chips_check.py (h5dump + numpy + GDAL + scikit-image): shapes, images and masks equal the
# rasters' windows, multi-label vectors, one point per connected region, train / val windows
# disjoint, mean / std / histogram. Then the negative policies, the seed and determinism.
set -u
source "$TESTS/cli/lib.sh"
PY=/usr/bin/python3
$PY -c 'import numpy, skimage; from osgeo import gdal' 2>/dev/null || { echo "skipped: $PY lacks numpy / skimage / GDAL"; exit 77; }
command -v h5dump >/dev/null || { echo "skipped: no h5dump"; exit 77; }
"$SWATH" dataset build --help | grep -q -- "--negatives" || fail "dataset build --help lacks --negatives"
"$SWATH" dataset --help | grep -q "build" || fail "dataset --help lacks build"
ok "--help"
"$SWATH" --quiet synth defects --size 1024 --tile 256 --seed 3 --out "$WORK/m" || fail "synth defects"
M=$WORK/m
# the command line docs/cli.md gives for a small chips file
"$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 128 --stride 64 --out "$WORK/mask.h5" \
  2> "$WORK/build.log" || fail "dataset build (mask raster): $(cat "$WORK/build.log")"
grep -q "train [1-9]" "$WORK/build.log" || fail "no summary line: $(cat "$WORK/build.log")"
$PY "$TESTS/cli/chips_check.py" "$WORK/mask.h5" "$M/mosaic.tif" "$M/truth.tif" --expect-k 11 || fail "chips from truth.tif"
h5dump -a /class_names "$WORK/mask.h5" | tr -d '\n ' | grep -q '"background","cloud","shadow","stretching_blur_pattern"' \
  || fail "chips class names are not truth.tif's category names: $(h5dump -a /class_names "$WORK/mask.h5")"
ok "chips from the class mask raster, named by its categories (seed 003's classes)"
"$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.gpkg" --class-field class --tile 128 --stride 64 \
  --out "$WORK/vec.h5" || fail "dataset build (vector)"
# the polygons hold exactly the pixels of truth.tif: their rasterized windows must equal its windows
# (dataset_olinda.sh compares vector chips with GDAL's own rasterization of reprojected polygons)
$PY "$TESTS/cli/chips_check.py" "$WORK/vec.h5" "$M/mosaic.tif" "$M/truth.tif" > /dev/null || fail "vector chips against truth.tif"
ok "chips from the polygons (truth.gpkg, field 'class') equal truth.tif's windows"
for n in drop cap=2; do
  "$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 128 --stride 64 --negatives $n \
    --out "$WORK/$n.h5" || fail "--negatives $n"
done
$PY - "$TESTS/cli" "$WORK" <<'PYEOF' || fail "negative policies"
import sys
sys.path.insert(0, sys.argv[1])
from chips_h5 import h5_read
w = sys.argv[2]
def negatives(f, split):
    lab = h5_read(f, f"/{split}/labels", "u1")
    return int((lab[:, 1:].sum(1) == 0).sum()), len(lab)
for split in ("train", "val"):
    keep, nkeep = negatives(f"{w}/mask.h5", split)
    drop, ndrop = negatives(f"{w}/drop.h5", split)
    cap, ncap = negatives(f"{w}/cap=2.h5", split)
    print(f"{split}: negatives keep {keep}/{nkeep}, drop {drop}/{ndrop}, cap=2 {cap}/{ncap}")
    assert keep > 2 and drop == 0 and cap == 2, "negative counts"
    assert ndrop == nkeep - keep and ncap == nkeep - keep + 2, "positive chips must all stay"
PYEOF
ok "--negatives keep | drop | cap=N"
# determinism: the same command gives the same datasets; another seed another split
"$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 128 --stride 64 --out "$WORK/again.h5"
h5diff -q "$WORK/mask.h5" "$WORK/again.h5" || fail "two runs differ (h5diff)"
for s in 1 2; do   # 16 blocks of 256, 3 for validation
  "$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 128 --stride 64 --block 256 --seed $s \
    --out "$WORK/seed$s.h5" || fail "--block 256 --seed $s"
done
[ "$(h5dump -d /val/origin "$WORK/seed1.h5" | tail -n +2)" = "$(h5dump -d /val/origin "$WORK/seed2.h5" | tail -n +2)" ] &&
  fail "--seed 2 gives the same val chips"
ok "deterministic; --seed changes the split"
finish
