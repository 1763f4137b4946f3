#!/usr/bin/env bash
# The source bands travel from chips to model to run: `dataset build --bands 4,5,6` on a 6-band
# mosaic without colour interpretation records bands 4,5,6 in chips.h5 (root attribute 'bands'),
# `swath train` copies them into model.h5 (root attribute 'bands'), and `swath run --job segment`
# reads those bands without --bands: its mask equals that of a run given --bands 4,5,6, and
# run.h5 records them. A --bands that differs from the model's is run, with a warning; a model
# without recorded bands (tests/tools/make_model) reads the input's default, as before.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
B=$(dirname "$SWATH")/tests
"$SWATH" --quiet synth defects --out "$WORK/a" --size 512x384 --seed 5 --tile 256 >/dev/null || fail "synth"
# bands 4,5,6 hold R, G, B again, while the default of a 6-band file without colour
# interpretation is 3,2,1 (B, G, R): the model's bands are a choice the default does not make
gdal_translate -q -b 1 -b 2 -b 3 -b 1 -b 2 -b 3 -colorinterp undefined,undefined,undefined,undefined,undefined,undefined \
    "$WORK/a/mosaic.tif" "$WORK/six.tif" || fail "gdal_translate six bands"
"$SWATH" --quiet dataset build "$WORK/six.tif" --labels "$WORK/a/truth.tif" --bands 4,5,6 --tile 64 --stride 64 \
    --out "$WORK/chips.h5" 2> "$WORK/ds.log" || fail "dataset build: $(tail -3 "$WORK/ds.log")"
h5attr() { h5dump -a "$2" "$1" | tr -s ' ' | sed -n 's/^ *([0-9]*): //p' | tr -d '\n'; }
[ "$(h5attr "$WORK/chips.h5" /bands)" = "4, 5, 6" ] && ok "chips.h5 records bands 4,5,6" \
    || fail "chips.h5 bands: '$(h5attr "$WORK/chips.h5" /bands)'"
"$SWATH" --quiet train --chips "$WORK/chips.h5" --out "$WORK/model.h5" --arch unet --depth 2 --width 8 --crop 64 \
    --batch 4 --epochs 1 --seed 1 > /dev/null 2> "$WORK/train.log" || fail "train: $(tail -3 "$WORK/train.log")"
[ "$(h5attr "$WORK/model.h5" /bands)" = "4, 5, 6" ] && ok "model.h5 records bands 4,5,6" \
    || fail "model.h5 bands: '$(h5attr "$WORK/model.h5" /bands)'"

"$SWATH" run --job segment --model "$WORK/model.h5" "$WORK/six.tif" --out "$WORK/r1" --scales 256 > "$WORK/r1.log" 2>&1 \
    || fail "run without --bands: $(tail -3 "$WORK/r1.log")"
grep -q "reading bands 4,5,6 of '$WORK/six.tif', the bands model '$WORK/model.h5' was trained on" "$WORK/r1.log" \
    && ok "run says it reads the model's bands" || fail "no line on the model's bands: $(cat "$WORK/r1.log")"
[ "$(h5attr "$WORK/r1/run.h5" /bands)" = "4, 5, 6" ] && ok "run.h5 records bands 4,5,6" \
    || fail "run.h5 bands: '$(h5attr "$WORK/r1/run.h5" /bands)'"
"$SWATH" --quiet run --job segment --model "$WORK/model.h5" "$WORK/six.tif" --out "$WORK/r2" --scales 256 --bands 4,5,6 \
    2> "$WORK/r2.log" || fail "run --bands 4,5,6: $(tail -3 "$WORK/r2.log")"
[ "$(checksum "$WORK/r1/mask.tif")" = "$(checksum "$WORK/r2/mask.tif")" ] \
    && ok "the same mask as --bands 4,5,6" || fail "the model's bands give another mask than --bands 4,5,6"
"$SWATH" run --job segment --model "$WORK/model.h5" "$WORK/six.tif" --out "$WORK/r3" --scales 256 --bands 1,2,3 \
    > "$WORK/r3.log" 2>&1 || fail "run --bands 1,2,3: $(tail -3 "$WORK/r3.log")"
grep -q "warning: --bands 1,2,3, but model '$WORK/model.h5' was trained on bands 4,5,6" "$WORK/r3.log" \
    && ok "other --bands: a warning" || fail "no warning for --bands 1,2,3: $(cat "$WORK/r3.log")"
[ "$(h5attr "$WORK/r3/run.h5" /bands)" = "1, 2, 3" ] || fail "run.h5 of --bands 1,2,3: '$(h5attr "$WORK/r3/run.h5" /bands)'"
# --resume of the first run holds it to the model's bands
"$SWATH" --quiet run --job segment --model "$WORK/model.h5" "$WORK/six.tif" --out "$WORK/r1" --scales 256 --resume \
    2> "$WORK/r1b.log" || fail "resume without --bands: $(tail -3 "$WORK/r1b.log")"
# five bands (more than R, G, B and one more): chips, model and run carry them all
"$SWATH" --quiet dataset build "$WORK/six.tif" --labels "$WORK/a/truth.tif" --bands 2,3,4,5,6 --tile 64 --stride 64 \
    --out "$WORK/chips5.h5" 2> "$WORK/ds5.log" || fail "dataset build --bands 2,3,4,5,6: $(tail -3 "$WORK/ds5.log")"
"$SWATH" --quiet train --chips "$WORK/chips5.h5" --out "$WORK/model5.h5" --arch unet --depth 2 --width 8 --crop 64 \
    --batch 4 --epochs 1 --seed 1 > /dev/null 2> "$WORK/train5.log" || fail "train on 5 bands: $(tail -3 "$WORK/train5.log")"
"$SWATH" --quiet run --job segment --model "$WORK/model5.h5" "$WORK/six.tif" --out "$WORK/r5" --scales 256 \
    2> "$WORK/r5.log" || fail "run of a 5-band model: $(tail -3 "$WORK/r5.log")"
[ "$(h5attr "$WORK/model5.h5" /bands)" = "2, 3, 4, 5, 6" ] && [ "$(h5attr "$WORK/r5/run.h5" /bands)" = "2, 3, 4, 5, 6" ] \
    && ok "five bands from dataset build to run" || fail "5 bands: model '$(h5attr "$WORK/model5.h5" /bands)', run '$(h5attr "$WORK/r5/run.h5" /bands)'"
# a mosaic without the model's bands: the error names where the bands came from, not --bands
expect_fail 3 "the bands the model was trained on: band 4 does not exist" \
    "$SWATH" run --job segment --model "$WORK/model5.h5" "$WORK/a/mosaic.tif" --out "$WORK/r6" --scales 256
# a model without recorded bands: the default R, G, B (3,2,1 of a 6-band file), no line
"$B/make_model" "$WORK/plain.h5" unet 3 3 8 2 7 || fail "make_model"
h5dump -a /bands "$WORK/plain.h5" > /dev/null 2>&1 && fail "make_model's model records bands"
"$SWATH" run --job segment --model "$WORK/plain.h5" "$WORK/six.tif" --out "$WORK/p1" --scales 256 > "$WORK/p1.log" 2>&1 \
    || fail "run of a model without bands: $(tail -3 "$WORK/p1.log")"
grep -q "reading bands" "$WORK/p1.log" && fail "a model without bands claims some: $(grep 'reading bands' "$WORK/p1.log")"
[ "$(h5attr "$WORK/p1/run.h5" /bands)" = "3, 2, 1" ] && ok "a model without bands reads the default 3,2,1" \
    || fail "run.h5 bands of a model without bands: '$(h5attr "$WORK/p1/run.h5" /bands)'"
finish
