#!/usr/bin/env bash
# A geographic CRS (EPSG:4326): the mosaic is georeferenced in degrees, polygons agree with the
# truth pixels in degrees^2, and area_m2 is the ground area (pixel count x pixel ground size).
set -eu
command -v gdalinfo >/dev/null && command -v ogr2ogr >/dev/null || { echo "SKIP: gdalinfo / ogr2ogr missing"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK"
"$SWATH" -q synth defects --size 1024x1024 --seed 4 --crs EPSG:4326 --gsd 0.00001 --out "$WORK/g" >/dev/null
gdalinfo -json "$WORK/g/mosaic.tif" > "$WORK/info.json"
gdalinfo -json -hist "$WORK/g/truth.tif" > "$WORK/truth.json"
ogr2ogr -f CSV /vsistdout/ "$WORK/g/truth.gpkg" -dialect SQLite \
    -sql "SELECT class, SUM(ST_Area(geom)) AS area, SUM(pixels) AS pixels, SUM(area_m2) AS m2 FROM truth GROUP BY class" \
    > "$WORK/areas.csv"
"$PYTHON" - "$WORK" <<'PY'
import csv, json, math, sys
w = sys.argv[1]
info = json.load(open(w + "/info.json"))
wkt = info["coordinateSystem"]["wkt"]
assert wkt.startswith("GEOGCRS") and "WGS 84" in wkt, "not geographic WGS 84: " + wkt[:60]
gt = info["geoTransform"]
assert abs(gt[1] - 1e-5) < 1e-12 and abs(gt[5] + 1e-5) < 1e-12, gt
lon, lat = info["cornerCoordinates"]["center"]
assert abs(lon - 106.7) < 0.01 and abs(lat - 26.6) < 0.01, (lon, lat)
assert info["bands"][0]["mask"]["flags"] == ["PER_DATASET"], info["bands"][0]["mask"]
truth = json.load(open(w + "/truth.json"))["bands"][0]
hist = truth["histogram"]
assert hist["count"] == 256 and truth["noDataValue"] == 255, (hist["count"], truth.get("noDataValue"))
buckets = hist["buckets"]
px_deg2 = 1e-10
px_m2 = (6371008.8 * math.radians(1e-5)) ** 2 * math.cos(math.radians(lat))
rows = list(csv.DictReader(open(w + "/areas.csv")))
assert rows, "no polygons"
for r in rows:
    c = int(r["class"]); area = float(r["area"]); pixels = int(r["pixels"]); m2 = float(r["m2"])
    assert pixels == buckets[c], f"class {c}: pixels {pixels} vs truth.tif {buckets[c]}"
    assert abs(area - pixels * px_deg2) <= 0.01 * pixels * px_deg2, f"class {c}: {area} deg2 vs {pixels} px"
    assert abs(m2 - pixels * px_m2) <= 0.01 * pixels * px_m2, f"class {c}: {m2} m2 vs {pixels * px_m2}"
print("ok: EPSG:4326 mosaic georeferenced, %d classes with polygons agreeing with truth.tif" % len(rows))
PY
