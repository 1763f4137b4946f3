#!/bin/bash
# io/vector through the real reader: `test_vector --write` writes 500 polygons (rectangles, some
# with holes, some with two parts) to GeoPackage, Shapefile and GeoJSON in EPSG:32633 and EPSG:4326
# (the second write of each replacing a first, smaller one), and ogrinfo must find the feature
# count, the CRS, the geometry type, the fields and their types, the sums of area, id and score,
# the extent (x = easting / longitude) and the strings, with nothing left aside.
set -u
command -v ogrinfo >/dev/null || { echo "ogrinfo not found: skipped"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
"$TEST_VECTOR" --write "$WORK" || { echo "FAIL: test_vector --write $WORK"; exit 1; }

fail=0
bad() { echo "FAIL $name: $*"; fail=1; }
# near VALUE EXPECTED RELTOL: is |v - e| <= tol * |e|? (awk: python would start 40 times)
near() { awk -v v="$1" -v e="$2" -v t="$3" 'BEGIN { d = v - e; if (d < 0) d = -d; a = e < 0 ? -e : e; exit !(d <= t * a) }'; }

while read -r name layer geom epsg count area ids scores xmin ymin; do
  f="$WORK/$name"
  geom=${geom//_/ }
  info=$(ogrinfo -ro -so "$f" "$layer" 2>&1) || { bad "ogrinfo failed: $info"; continue; }
  grep -qx "Geometry: $geom" <<<"$info" || bad "geometry type is not '$geom'"
  grep -qx "Feature Count: $count" <<<"$info" || bad "feature count is not $count"
  grep -qx "    ID\[\"EPSG\",$epsg\]\]" <<<"$info" || bad "layer CRS is not EPSG:$epsg"
  grep -q "^id: Integer64 " <<<"$info" || bad "no Integer64 field 'id'"
  grep -q "^score: Real " <<<"$info" || bad "no Real field 'score'"
  grep -q "^label: String " <<<"$info" || bad "no String field 'label'"
  ext=$(sed -n 's/^Extent: (\([^,]*\), \([^)]*\)).*/\1 \2/p' <<<"$info")
  read -r ex ey <<<"$ext"
  { near "${ex:-0}" "$xmin" 1e-9 && near "${ey:-0}" "$ymin" 1e-9; } || bad "extent starts at ($ext), expected ($xmin $ymin)"

  # Planar areas in the layer's units (m2, degree2) by SpatiaLite; OGR SQL's SUM(OGR_GEOM_AREA)
  # came out wrong for the small degree areas in GDAL 3.6.
  gcol=$(sed -n 's/^Geometry Column = //p' <<<"$info")
  sums=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT SUM(ST_Area(\"${gcol:-GEOMETRY}\")) AS a, COUNT(*) AS n,
         SUM(id) AS s, SUM(score) AS sc FROM \"$layer\"" "$f" 2>/dev/null)
  got() { sed -n "s/^  $1 ([A-Za-z0-9]*) = //p" <<<"$sums"; }
  a=$(got a); n=$(got n); s=$(got s); sc=$(got sc)
  near "${a:-0}" "$area" 1e-6 || bad "sum of areas $a, expected $area"
  [ "$n" = "$count" ] || bad "SQL count $n, expected $count"
  [ "$s" = "$ids" ] || bad "sum of id $s, expected $ids"
  near "${sc:-0}" "$scores" 1e-12 || bad "sum of score $sc, expected $scores"

  feats=$(ogrinfo -ro -q "$f" "$layer" -where "id = 5000000007 OR id = 5000000011" 2>/dev/null)
  grep -qxF '  label (String) = café "quoted", 7' <<<"$feats" || bad "UTF-8 / quoted label did not come back"
  grep -qx "  label (String) = x\{150\}" <<<"$feats" || bad "the 150-character label did not come back whole"
  [ "$fail" = 0 ] && echo "ok   $name: $count features, area $a, EPSG:$epsg, $geom"
done <"$WORK/expected.txt"

[ "$(wc -l <"$WORK/expected.txt")" -ge 7 ] || { echo "FAIL: expected.txt is short"; fail=1; }
left=$(find "$WORK" -name '*.part*')
[ -z "$left" ] || { echo "FAIL: left aside: $left"; fail=1; }
exit $fail
