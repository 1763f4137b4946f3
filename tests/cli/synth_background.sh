#!/usr/bin/env bash
# --background: a real image (Landsat 7 from shared/data) mixed under the procedural texture.
set -eu
bg="${SWATH_SHARED_DATA:-}/L7_ETMs.tif"
[ -f "$bg" ] || { echo "SKIP: $bg not found (shared data missing)"; exit 77; }
command -v gdalinfo >/dev/null || { echo "SKIP: gdalinfo missing"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK"
"$SWATH" -q synth defects --size 768x640 --seed 9 --out "$WORK/plain" >/dev/null
"$SWATH" -q synth defects --size 768x640 --seed 9 --background "$bg" --out "$WORK/bg" >"$WORK/summary"
sums() { gdalinfo -checksum "$1" | grep -E 'Checksum=' | tr -d ' '; }
[ "$(sums "$WORK/plain/truth.tif")" = "$(sums "$WORK/bg/truth.tif")" ] || { echo "FAIL: the background changed the truth"; exit 1; }
[ "$(sums "$WORK/plain/mosaic.tif")" != "$(sums "$WORK/bg/mosaic.tif")" ] || { echo "FAIL: the background changed nothing"; exit 1; }
echo "ok: background mixed in, truth unchanged"
