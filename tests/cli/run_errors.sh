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
[ ! -e "$WORK/o1" ] || fail "a run that failed on its input left the folder $WORK/o1"
expect_fail 3 "$WORK/nothere.tif" R "$WORK/nothere.tif" --out "$WORK/new/deeper/o0"
[ ! -e "$WORK/new" ] || fail "a run that failed on its input left the folders it made ($WORK/new)"
R "$M" --out "$WORK/o1" 2> "$WORK/o1.log" || fail "a good run in the folder of a failed one: $(cat "$WORK/o1.log")"
# two rates, two names: the progress's tile pixels per second of the tile phase, the report's
# mosaic pixels per second of the whole run
grep -q '"tile_mpx_per_s": ' "$WORK/o1.log" && ! grep -q '"mpx_per_s"' "$WORK/o1.log" ||
  fail "the progress lines do not name their rate tile_mpx_per_s: $(grep progress "$WORK/o1.log" | tail -1)"
"$PYTHON" -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(abs(r["mpx_per_s"] - r["pixels"] / r["seconds"] / 1e6) > 1e-9 or r["pixels"] != 1024 * 1024)' \
  "$WORK/o1/report.json" || fail "report.json's mpx_per_s is not the mosaic's pixels per second"
ok "unreadable mosaic: named; no folder left behind; the folder stays usable"

gdal_translate -q -b 1 "$M" "$WORK/one.tif"
expect_fail 3 "'$WORK/one.tif' has 1 band" R "$WORK/one.tif" --out "$WORK/o2"
[ ! -e "$WORK/o2" ] || fail "a folder was left after the one-band failure"
expect_fail 3 "'$WORK/o1/run.h5' is a swath run file (HDF5), not a mosaic" R "$WORK/o1/run.h5" --out "$WORK/o2"
[ ! -e "$WORK/o2" ] || fail "a folder was left after an HDF5 input"
ok "one-band mosaic, a swath HDF5 file as the mosaic: named; no folder left"

touch "$WORK/plain"
expect_fail 4 "$WORK/plain" R "$M" --out "$WORK/plain/sub"
ok "output folder under a regular file: named"

expect_fail 4 "'$WORK/o1' already holds a run" R "$M" --out "$WORK/o1"
expect_fail 3 "'$WORK/o2' holds no run" R "$M" --out "$WORK/o2" --resume
[ ! -e "$WORK/o2" ] || fail "--resume into a new folder left it behind"
expect_fail 2 "scales 512,2048, this command gives 256,1024" R "$M" --out "$WORK/o1" --resume --scales 256,1024
expect_fail 2 "blend 'linear', this command gives 'crop'" R "$M" --out "$WORK/o1" --resume --blend crop
"$SWATH" --quiet synth defects --size 1024x1024 --seed 8 --out "$WORK/m8" >/dev/null 2>&1
expect_fail 3 "was planned with an input whose sampled pixels hash to" R "$WORK/m8/mosaic.tif" --out "$WORK/o1" --resume
gdal_translate -q -srcwin 0 0 512 512 "$M" "$WORK/small.tif"
expect_fail 3 "'$WORK/o1' was planned with an input of 1024x1024 pixels, this command gives one of 512x512 (width, height in $WORK/o1/run.h5)" \
  R "$WORK/small.tif" --out "$WORK/o1" --resume
R "$M" --out "$WORK/o1" --resume 2> "$WORK/o1b.log" || fail "the run is not resumable after refused resumes: $(cat "$WORK/o1b.log")"
ok "existing run / no run / other flags / other input: refused, naming the key and both values; still resumable"

mkdir -p "$WORK/t" "$WORK/f"
cp -r "$WORK/o1/." "$WORK/t/" && head -c 2000 "$WORK/o1/run.h5" > "$WORK/t/run.h5"
expect_fail 3 "$WORK/t/run.h5" R "$M" --out "$WORK/t" --resume
cp -r "$WORK/o1/." "$WORK/f/" && cp "$WORK/m/truth.gpkg" "$WORK/f/run.h5"
expect_fail 3 "'$WORK/f/run.h5' is not an HDF5 file" R "$M" --out "$WORK/f" --resume
ok "truncated / foreign run.h5 on --resume: named"

# A tile that fails (an injected read failure) is retried once, then journaled failed; the run
# writes every output, names it, and exits 3 (bad input) on every rank.
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/ft" --test-fail-tile 3 2> "$WORK/ft.log"
rc=$?
[ "$rc" = 3 ] || fail "a run with a failing tile exited $rc, expected 3: $(tail -3 "$WORK/ft.log")"
grep -q "tile 3 failed on rank .* (attempt 1, will retry): .*--test-fail-tile" "$WORK/ft.log" || fail "no retry of tile 3: $(cat "$WORK/ft.log")"
grep -q "tile 3 failed for good on rank .* after 2 attempts" "$WORK/ft.log" || fail "tile 3 not failed for good"
grep -q "run: failed tile 3:" "$WORK/ft.log" || fail "the summary does not list tile 3"
# swath's last line (mpiexec adds its own note after it)
last=$(grep '^swath: ' "$WORK/ft.log" | tail -1)
echo "$last" | grep -qF "swath: error: 1 of 10 tiles failed for good (bad input" ||
  fail "the last line does not say how many tiles failed: $last"
echo "$last" | grep -qF "$WORK/ft/report.json lists them" || fail "the last line does not name report.json"
for f in mask.tif confidence.tif defects.gpkg quicklook.png report.json; do
  [ -f "$WORK/ft/$f" ] || fail "no $f after a failed tile"
done
ok "a failing tile: retried, journaled failed, listed; every output written; exit 3 with a last line naming report.json"

# A mosaic with a block that cannot be decoded, under a path of 500+ characters: the tiles reading
# it fail for good, the outputs are written (the quicklook too), the run exits 3; report.json holds
# each reason with the path cut in its middle and the cause whole. --resume says it does not retry
# them and exits 3 again.
if /usr/bin/python3 -c 'from osgeo import gdal' 2>/dev/null; then
  long="$WORK/$(printf 'a_folder_with_a_long_name_%.0s' {1..9})/$(printf 'and_another_one_%.0s' {1..14})"
  mkdir -p "$long"
  "$SWATH" --quiet synth defects --size 1024x1024 --tile 256 --seed 7 --out "$WORK/m256" > /dev/null 2>&1
  cp "$WORK/m256/mosaic.tif" "$long/corrupt.tif"
  # garbage over the compressed bytes of image block (2, 0): away from the 4 blocks the run's
  # fingerprint reads, under 3 of the 10 tiles
  /usr/bin/python3 - "$long/corrupt.tif" <<'PY' || fail "could not overwrite block (2, 0)"
import sys
from osgeo import gdal
p = sys.argv[1]
d = gdal.Open(p)
b = d.GetRasterBand(1)
o, n = int(b.GetMetadataItem("BLOCK_OFFSET_2_0", "TIFF")), int(b.GetMetadataItem("BLOCK_SIZE_2_0", "TIFF"))
b = d = None
with open(p, "r+b") as f:
    f.seek(o + 4)
    f.write(bytes((i * 37 + 11) % 256 for i in range(n - 8)))
PY
  R "$long/corrupt.tif" --out "$WORK/yc" 2> "$WORK/yc.log"
  rc=$?
  [ "$rc" = 3 ] || fail "a run over an undecodable block exited $rc, expected 3: $(tail -2 "$WORK/yc.log")"
  tail -1 "$WORK/yc.log" | grep -qF "swath: error: 3 of 10 tiles failed for good (bad input" ||
    fail "last line: $(tail -1 "$WORK/yc.log")"
  for f in mask.tif confidence.tif defects.gpkg quicklook.png report.json; do
    [ -f "$WORK/yc/$f" ] || fail "no $f after tiles failed on a corrupt block"
  done
  "$PYTHON" - "$WORK/yc/report.json" "$long/corrupt.tif" <<'PY' || fail "report.json's reasons"
import json, sys
r = json.load(open(sys.argv[1]))
path = sys.argv[2]
t = r["tiles"]
assert len(path) > 500 and t["failed"] == 3 and len(t["notes"]) == 3, t
for n in t["notes"]:
    why = n["reason"]
    assert 400 < len(why) < 512, (len(why), why)
    assert why.startswith("tile " + n["tile"] + " ("), why
    assert why.endswith(": libtiff cannot decode image tile 2,0: Decoding error at scanline 512"), why
    assert path[:30] in why and "..." in why and "and_another_one_/corrupt.tif: libtiff" in why, why
print("   reason:", t["notes"][0]["reason"][:70], "...", t["notes"][0]["reason"][-100:])
PY
  R "$long/corrupt.tif" --out "$WORK/yc" --resume 2> "$WORK/ycr.log"
  rc=$?
  [ "$rc" = 3 ] || fail "--resume of a run with failed tiles exited $rc, expected 3"
  grep -q "3 of them failed for good in an earlier run; --resume does not retry failed tiles" "$WORK/ycr.log" ||
    fail "--resume does not say it keeps the failed tiles: $(cat "$WORK/ycr.log")"
  ok "an undecodable block: outputs written, exit 3, reasons keep the cause with the path cut in the middle; --resume says it does not retry"
else
  echo "   (skipped the corrupt-block check: /usr/bin/python3 lacks GDAL)"
fi

expect_fail 2 "--blend 'soft'" R "$M" --out "$WORK/o3" --blend soft
expect_fail 2 "unknown job 'nope'" "$SWATH" run --job nope "$M" --out "$WORK/o3"
expect_fail 2 "--out: the folder name is empty" R "$M" --out ""
ok "usage errors"
finish
