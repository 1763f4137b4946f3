#!/usr/bin/env bash
# swath run refuses bad input with a message naming it, and leaves DIR usable: an unreadable or
# one-band mosaic, an output folder under a regular file, an existing run without --resume,
# --resume of a folder without a run, of a truncated or foreign run.h5, with other --scales or
# --blend, or with another input.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
synth 1024x1024 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
R() { "$SWATH" run --job pixel-defects "$@"; }

expect_fail 3 "$WORK/nothere.tif" R "$WORK/nothere.tif" --out "$WORK/o1"
echo "not a raster" > "$WORK/junk.tif"
expect_fail 3 "$WORK/junk.tif" R "$WORK/junk.tif" --out "$WORK/o1"
R "$M" --out "$WORK/o1" 2> "$WORK/o1.log" || fail "a good run in the folder of a failed one: $(cat "$WORK/o1.log")"
ok "unreadable mosaic: named; the folder stays usable"

gdal_translate -q -b 1 "$M" "$WORK/one.tif"
expect_fail 3 "'$WORK/one.tif' has 1 band" R "$WORK/one.tif" --out "$WORK/o2"
[ ! -e "$WORK/o2/run.h5" ] || fail "a run.h5 was left after the one-band failure"
ok "one-band mosaic: named"

touch "$WORK/plain"
expect_fail 4 "$WORK/plain" R "$M" --out "$WORK/plain/sub"
ok "output folder under a regular file: named"

expect_fail 4 "'$WORK/o1' already holds a run" R "$M" --out "$WORK/o1"
expect_fail 3 "'$WORK/o2' holds no run" R "$M" --out "$WORK/o2" --resume
expect_fail 2 "scales 512,2048, this command gives 256,1024" R "$M" --out "$WORK/o1" --resume --scales 256,1024
expect_fail 2 "blend 'linear', this command gives 'crop'" R "$M" --out "$WORK/o1" --resume --blend crop
"$SWATH" --quiet synth defects --size 1024x1024 --seed 8 --out "$WORK/m8" >/dev/null 2>&1
expect_fail 3 "fingerprint" R "$WORK/m8/mosaic.tif" --out "$WORK/o1" --resume
R "$M" --out "$WORK/o1" --resume 2> "$WORK/o1b.log" || fail "the run is not resumable after refused resumes: $(cat "$WORK/o1b.log")"
ok "existing run / no run / other flags / other input: refused, naming the key and both values; still resumable"

mkdir -p "$WORK/t" "$WORK/f"
cp -r "$WORK/o1/." "$WORK/t/" && head -c 2000 "$WORK/o1/run.h5" > "$WORK/t/run.h5"
expect_fail 3 "$WORK/t/run.h5" R "$M" --out "$WORK/t" --resume
cp -r "$WORK/o1/." "$WORK/f/" && cp "$WORK/m/truth.gpkg" "$WORK/f/run.h5"
expect_fail 3 "'$WORK/f/run.h5' is not an HDF5 file" R "$M" --out "$WORK/f" --resume
ok "truncated / foreign run.h5 on --resume: named"

# A tile that fails (an injected read failure) is retried once, then journaled failed; the run
# completes and names it.
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/ft" --test-fail-tile 3 2> "$WORK/ft.log" ||
  fail "a run with a failing tile did not complete: $(tail -3 "$WORK/ft.log")"
grep -q "tile 3 failed on rank .* (attempt 1, will retry): .*--test-fail-tile" "$WORK/ft.log" || fail "no retry of tile 3: $(cat "$WORK/ft.log")"
grep -q "tile 3 failed for good on rank .* after 2 attempts" "$WORK/ft.log" || fail "tile 3 not failed for good"
grep -q "run: failed tile 3:" "$WORK/ft.log" || fail "the summary does not list tile 3"
[ -f "$WORK/ft/mask.tif" ] || fail "no mask.tif after a failed tile"
ok "a failing tile: retried, journaled failed, listed; the run completes"

expect_fail 2 "--blend 'soft'" R "$M" --out "$WORK/o3" --blend soft
expect_fail 2 "unknown job 'nope'" "$SWATH" run --job nope "$M" --out "$WORK/o3"
ok "usage errors"
finish
