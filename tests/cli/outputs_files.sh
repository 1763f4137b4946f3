#!/bin/bash
# sw_outputs_write end to end on the 512x512 "shapes" mask (tests/unit/test_outputs_tool.c) with a
# (x + y) % 256 confidence, a constant-100 RGB mosaic and 256-px tiles: defects.gpkg / .shp /
# .geojson (fields, clustering of the 1000 scattered class-10 pixels, tile ids, mean_conf),
# quicklook.png (size, class colours at known pixels), report.json (parses, counts, escaping), and
# clear errors for a missing mask and a confidence raster of another size.
set -u
source "$TESTS/cli/lib.sh"
command -v ogrinfo >/dev/null && command -v gdalinfo >/dev/null && command -v gdallocationinfo >/dev/null ||
  { echo "ogrinfo / gdalinfo / gdallocationinfo not found: skipped"; exit 77; }
export GDAL_PAM_ENABLED=NO
T=$TEST_OUTPUTS
O=$WORK/out
$T mask "$WORK/m.tif" EPSG:32650 2 500000 2900000 && $T conf "$WORK/c.tif" "$WORK/m.tif" &&
  $T mosaic "$WORK/x.tif" "$WORK/m.tif" 100 || { fail "fixtures"; finish; exit 1; }
$T write --mask "$WORK/m.tif" --conf "$WORK/c.tif" --mosaic "$WORK/x.tif" --out "$O" --tile 256 \
  --formats gpkg,shp,geojson || fail "sw_outputs_write"

# sql FILE LAYER "SELECT ... AS v": the value v of the first row
sql() { ogrinfo -ro -q -dialect SQLite -sql "$3" "$1" 2>/dev/null | sed -n 's/^  v ([A-Za-z0-9]*) = //p' | head -1; }
G=$O/defects.gpkg
[ "$(sql "$G" defects "SELECT COUNT(*) AS v FROM defects")" = 16 ] || fail "defects.gpkg: not 16 features"
[ "$(sql "$G" defects "SELECT COUNT(*) AS v FROM defects WHERE class = 10")" = 4 ] || fail "class 10: not 4 clusters"
[ "$(sql "$G" defects "SELECT SUM(pixels) AS v FROM defects WHERE class = 10")" = 1000 ] || fail "class 10: pixels do not sum to 1000"
[ "$(sql "$G" defects "SELECT MIN(parts) AS v FROM defects WHERE class = 10")" = 250 ] || fail "class 10: a cluster without 250 parts"
[ "$(sql "$G" defects "SELECT COUNT(*) AS v FROM defects WHERE class = 9")" = 1 ] || fail "class 9: the stripe is not one feature"
ok "clustering: 1000 scattered pixels in 4 clumps -> 4 features of 250 parts; a 94-pixel dotted stripe -> 1"
[ "$(sql "$G" defects "SELECT tiles AS v FROM defects WHERE class = 9")" = "r1c0,r1c1" ] || fail "class 9 tiles"
[ "$(sql "$G" defects "SELECT tiles AS v FROM defects WHERE class = 7")" = "r0c0" ] || fail "class 7 tiles"
[ "$(sql "$G" defects "SELECT class_name AS v FROM defects WHERE class = 8")" = "stitching_misalignment" ] || fail "class_name"
mc=$(sql "$G" defects "SELECT mean_conf AS v FROM defects WHERE class = 6")
awk -v m="$mc" 'BEGIN { d = m - 168 / 255; exit !(d < 1e-12 && d > -1e-12) }' || fail "class 6 mean_conf $mc, expected 168/255"
[ "$(sql "$G" defects "SELECT area_m2 AS v FROM defects WHERE class = 1")" = 30400 ] || fail "class 1 area_m2 (7600 px x 4 m2)"
ok "attributes: tiles by pixel bbox, class_name, mean_conf from confidence.tif, area_m2"
for f in defects.shp defects.geojson; do
  n=$(ogrinfo -ro -so "$O/$f" defects 2>/dev/null | sed -n 's/^Feature Count: //p')
  [ "$n" = 16 ] || fail "$f has '$n' features, expected 16"
done
[ -z "$(find "$O" -name '*.part*' -o -name '*spool*')" ] || fail "left behind: $(ls -a "$O")"
ok "Shapefile and GeoJSON carry the same 16 features; nothing left aside"

# quicklook: 512 wide, 512 + a 61-px legend (2 columns, 5 rows) high; class colours blended 50 %
# with the mosaic's 100: cloud (0,200,255) -> (50,150,178); distortion (0,255,0) -> (50,178,50).
info=$(gdalinfo "$O/quicklook.png")
grep -q "^Driver: PNG" <<<"$info" || fail "quicklook.png is not a PNG"
grep -q "^Size is 512, 573" <<<"$info" || fail "quicklook.png size: $(grep '^Size' <<<"$info")"
px() { gdallocationinfo -valonly "$1" "$2" "$3" | tr '\n' ' ' | sed 's/ $//'; }
[ "$(px "$O/quicklook.png" 110 310)" = "50 178 50" ] || fail "distortion pixel: $(px "$O/quicklook.png" 110 310)"
[ "$(px "$O/quicklook.png" 30 30)" = "50 150 178" ] || fail "cloud pixel: $(px "$O/quicklook.png" 30 30)"
[ "$(px "$O/quicklook.png" 52 42)" = "100 100 100" ] || fail "the hole in the cloud is not plain mosaic"
$T write --mask "$WORK/m.tif" --mosaic "$WORK/x.tif" --out "$WORK/small" --quicklook 256 || fail "write --quicklook 256"
grep -q "^Size is 256, 372" <<<"$(gdalinfo "$WORK/small/quicklook.png")" || fail "reduced quicklook size"
[ "$(px "$WORK/small/quicklook.png" 35 30)" = "50 150 178" ] || fail "reduced cloud pixel: $(px "$WORK/small/quicklook.png" 35 30)"
# defects under 3 reduced pixels get a 5x5 hollow square: the 5x5 class-8 square at (180,300)
# (centre (91,151) at half scale), the 1-px class-7 line (centre (125,60)).
[ "$(px "$WORK/small/quicklook.png" 89 149)" = "160 82 45" ] || fail "no class-8 mark: $(px "$WORK/small/quicklook.png" 89 149)"
[ "$(px "$WORK/small/quicklook.png" 123 58)" = "255 0 0" ] || fail "no class-7 mark: $(px "$WORK/small/quicklook.png" 123 58)"
ok "quicklook.png: PNG of the right size, class colours at known defect pixels, reduced to 256 with small defects marked"

"$PYTHON" - "$O/report.json" <<'EOF' || fail "report.json"
import json, sys
r = json.load(open(sys.argv[1]))
c = {k["id"]: k for k in r["classes"]}
assert c[10]["count"] == 4 and c[10]["polygons"] == 1000 and c[10]["pixels"] == 1000, c[10]
assert c[1]["count"] == 1 and c[1]["pixels"] == 7600 and c[1]["area_m2"] == 30400, c[1]
assert c[4]["count"] == 2 and c[9]["count"] == 1 and c[9]["pixels"] == 94, (c[4], c[9])
assert abs(c[6]["mean_conf"] - 168 / 255) < 1e-12, c[6]
assert r["totals"]["count"] == 16 and r["totals"]["pixels"] == sum(k["pixels"] for k in r["classes"])
assert r["tiles"] == {"total": 4, "done": 2, "failed": 1, "skipped": 1, "notes": [
    {"tile": "r0c1", "state": "failed", "reason": "CUDA out of memory\nafter 3 attempts"},
    {"tile": "r1c0", "state": "skipped", "reason": "all nodata"}]}, r["tiles"]
assert r["config"]["note"] == 'quote " and \\ back'
assert abs(r["mpx_per_s"] - 0.131072) < 1e-12 and r["raster"]["pixel_area_m2"] == 4
assert r["raster"]["crs"] == "WGS 84 / UTM zone 50N" and r["vectorize"]["cluster_classes"] == [9, 10]
assert len(r["outputs"]["defects"]) == 3 and r["outputs"]["quicklook"].endswith("quicklook.png")
print("   report.json: 10 classes, totals", r["totals"])
EOF
ok "report.json parses with the right counts, runtime fields and escaped strings"

expect_fail 3 "$WORK/nope.tif" "$T" write --mask "$WORK/nope.tif" --out "$WORK/bad"
gdal_translate -q -outsize 256 256 "$WORK/c.tif" "$WORK/c256.tif"
expect_fail 3 "c256.tif' is 256x256, the mask '$WORK/m.tif' 512x512" "$T" write --mask "$WORK/m.tif" --conf "$WORK/c256.tif" --out "$WORK/bad"
gdal_translate -q -outsize 256 256 "$WORK/x.tif" "$WORK/x256.tif"
expect_fail 3 "is 256x256 but the mask" "$T" write --mask "$WORK/m.tif" --mosaic "$WORK/x256.tif" --out "$WORK/bad"
ok "bad inputs: missing mask, confidence or mosaic of another size -> exit 3 naming the files"
finish
