#!/usr/bin/env bash
# Bad input fails clearly: an unknown class field (names the file and the field, lists the fields),
# labels that do not overlap the image (names both files), vector labels without --class-field, a
# mask of another size, bad flags; swath eval --chips on a truncated chips file (names the file), on
# a model whose input channels differ (names both numbers and both files), and on chips that are not
# a chips file. No output is left behind by a failed build. An output that is an input is refused;
# options of vector labels with rasters are refused; --num-classes that drops classes warns; eval of
# an empty split is an input error.
set -u
source "$TESTS/cli/lib.sh"
"$SWATH" --quiet synth defects --size 256 --tile 128 --seed 2 --out "$WORK/m" || fail "synth defects"
M=$WORK/m
D=${SWATH_SHARED_DATA:-}
expect_fail 3 "has no class field 'NOPE'; its fields: class, class_name" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.gpkg" \
  --class-field NOPE --tile 64 --out "$WORK/x.h5"
expect_fail 3 "truth.gpkg" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.gpkg" --class-field NOPE --tile 64 \
  --out "$WORK/x.h5"
if [ -f "$D/olinda1.shp" ]; then
  expect_fail 3 "has no class field 'CLASSE'; its fields: ID, CD_GEOCODI, TIPO" "$SWATH" dataset build "$D/L7_ETMs.tif" \
    --labels "$D/olinda1.shp" --class-field CLASSE --tile 64 --out "$WORK/x.h5"
  expect_fail 3 "labels '$D/olinda1.shp' do not overlap the image '$M/mosaic.tif'" "$SWATH" dataset build "$M/mosaic.tif" \
    --labels "$D/olinda1.shp" --class-field TIPO --tile 64 --out "$WORK/x.h5"
  expect_fail 3 "labels '$D/L7_ETMs.tif' have 6 bands: a class mask must be one Byte band" "$SWATH" dataset build \
    "$M/mosaic.tif" --labels "$D/L7_ETMs.tif" --tile 64 --out "$WORK/x.h5"
fi
"$SWATH" --quiet synth defects --size 200 --tile 128 --seed 3 --out "$WORK/m200" || fail "synth defects 200"
expect_fail 3 "a class mask must be on the image's grid" "$SWATH" dataset build "$M/mosaic.tif" \
  --labels "$WORK/m200/truth.tif" --tile 64 --out "$WORK/x.h5"
expect_fail 3 "labels '$M/mosaic.tif' have 3 bands: a class mask must be one Byte band" "$SWATH" dataset build \
  "$M/mosaic.tif" --labels "$M/mosaic.tif" --tile 64 --out "$WORK/x.h5"
expect_fail 3 "vector labels need --class-field" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.gpkg" --tile 64 \
  --out "$WORK/x.h5"
expect_fail 2 "--negatives 'some'" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --negatives some --out "$WORK/x.h5"
expect_fail 2 "required" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif"
expect_fail 3 "no training chip" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 512 --out "$WORK/x.h5"
[ -e "$WORK/x.h5" ] && fail "a failed build left $WORK/x.h5"
ls "$WORK"/x.h5.tmp* > /dev/null 2>&1 && fail "a failed build left a temporary file"
ok "dataset build: bad input fails naming the file / field / flag, and leaves nothing"
"$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 64 --stride 64 --out "$WORK/c.h5" ||
  fail "dataset build"
"$TEST_METRICS" --model "$WORK/unet4.h5" unet 4 11 8 || fail "model with 4 channels"
"$TEST_METRICS" --model "$WORK/unet3.h5" unet 3 11 8 || fail "model with 3 channels"
expect_fail 3 "the chips '$WORK/c.h5' have 3 channels but the model '$WORK/unet4.h5' takes 4" \
  "$SWATH" eval --chips "$WORK/c.h5" --model "$WORK/unet4.h5"
size=$(stat -c %s "$WORK/c.h5")
head -c $((size / 2)) "$WORK/c.h5" > "$WORK/trunc.h5"
expect_fail 3 "'$WORK/trunc.h5'" "$SWATH" eval --chips "$WORK/trunc.h5" --model "$WORK/unet3.h5"
expect_fail 3 "truncated" "$SWATH" eval --chips "$WORK/trunc.h5" --model "$WORK/unet3.h5"
expect_fail 3 "is a swath 'model' file, expected 'chips'" "$SWATH" eval --chips "$WORK/unet3.h5" --model "$WORK/unet3.h5"
expect_fail 2 "--chips and --model go together" "$SWATH" eval --chips "$WORK/c.h5"
ok "eval --chips: channel mismatch, truncated file, wrong format fail naming the files"
# outputs that are inputs are refused (they were replaced, exit 0): build --out RASTER / LABELS,
# eval --json-file CHIPS / MODEL
cp "$M/mosaic.tif" "$WORK/mosaic.copy.tif"
expect_fail 2 "--out '$M/mosaic.tif' is the same file as the input RASTER '$M/mosaic.tif'" \
  "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 64 --out "$M/mosaic.tif"
expect_fail 2 "the same file as the input --labels '$M/truth.tif'" \
  "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 64 --out "$M/../m/truth.tif"
cmp -s "$M/mosaic.tif" "$WORK/mosaic.copy.tif" || fail "dataset build --out MOSAIC changed the mosaic"
cp "$WORK/c.h5" "$WORK/c.copy.h5"
expect_fail 2 "--json-file '$WORK/c.h5' is the same file as the input --chips '$WORK/c.h5'" \
  "$SWATH" eval --chips "$WORK/c.h5" --model "$WORK/unet3.h5" --json-file "$WORK/c.h5"
expect_fail 2 "the same file as the input --model" \
  "$SWATH" eval --chips "$WORK/c.h5" --model "$WORK/unet3.h5" --json-file "$WORK/unet3.h5"
cmp -s "$WORK/c.h5" "$WORK/c.copy.h5" || fail "eval --json-file CHIPS changed the chips"
ok "dataset build --out and eval --json-file that name an input are refused, the input kept"
# --classes / --layer with class mask rasters were ignored: a usage error; --num-classes below the
# labels' classes warns with the count of pixels it ignores (numpy's count of truth >= 5)
expect_fail 2 "--classes applies to vector labels only" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" \
  --classes 1=2 --tile 64 --out "$WORK/x.h5"
expect_fail 2 "--layer applies to vector labels only" "$SWATH" dataset build "$M/mosaic.tif" --labels "$M/truth.tif" \
  --layer truth --tile 64 --out "$WORK/x.h5"
"$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --num-classes 5 --tile 64 --stride 64 \
  --out "$WORK/n5.h5" 2> "$WORK/n5.log" || fail "--num-classes 5: $(cat "$WORK/n5.log")"
n=$(/usr/bin/python3 -c 'import sys; from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray(); print(int(((a >= 5) & (a != 255)).sum()))' "$M/truth.tif")
grep -q "warning: dataset build: $n labelled pixels have a class >= --num-classes 5" "$WORK/n5.log" ||
  fail "no warning with $n pixels: $(cat "$WORK/n5.log")"
[ "$(grep -c warning "$WORK/n5.log")" = 1 ] || fail "more than one warning line"
# eval --chips on an empty split (chips built with --val 0) was a table of '-' and exit 0
"$SWATH" --quiet dataset build "$M/mosaic.tif" --labels "$M/truth.tif" --tile 64 --stride 64 --val 0 --out "$WORK/v0.h5" ||
  fail "dataset build --val 0"
expect_fail 3 "'$WORK/v0.h5': the val split holds no chips" "$SWATH" eval --chips "$WORK/v0.h5" --model "$WORK/unet3.h5"
ok "dataset build: --classes / --layer with rasters refused, --num-classes truncation warned; eval of an empty split refused"
finish
