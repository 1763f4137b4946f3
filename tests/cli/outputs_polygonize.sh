#!/bin/bash
# The defect polygons against GDAL's own tool: on the 512x512 "shapes" mask (holes, an island in a
# hole, diagonal touches, a 1-px line, 1000 scattered pixels; tests/unit/test_outputs_tool.c) and
# on the truth of `swath synth defects --size 2048x2048 --seed 7`, with clustering off, per class:
#   - the polygon count equals gdal_polygonize.py's (4-connected; and -8 against --connectivity 8),
#   - the summed area (ogrinfo SQLite dialect, SUM(ST_Area(geom))) equals gdal_polygonize.py's,
#   - area_m2 and pixels equal the raster histogram's pixel count x pixel area (within 1e-6);
# on the same mask in EPSG:4326, area_m2 (ellipsoidal) equals an independent computation: every
# pixel row's cells projected by PROJ to a Lambert azimuthal equal-area CRS centred on the row,
# times the class's pixels in that row (within 1e-6), and the spherical approximation (within 0.5 %).
set -u
source "$TESTS/cli/lib.sh"
PY=/usr/bin/python3
command -v ogrinfo >/dev/null && [ -x /usr/bin/gdal_polygonize.py ] && $PY -c "from osgeo import ogr" 2>/dev/null ||
  { echo "gdal_polygonize.py / ogrinfo / python3-gdal not found: skipped"; exit 77; }
export GDAL_PAM_ENABLED=NO

# compare MASK OURS.gpkg REF.gpkg: per-class counts and areas, ours vs gdal_polygonize vs histogram.
compare() {
  $PY - "$@" <<'EOF'
import sys
from osgeo import gdal, ogr
mask, ours, ref = sys.argv[1:4]
ds = gdal.Open(mask)
b = ds.GetRasterBand(1)
hist = b.GetHistogram(-0.5, 255.5, 256, include_out_of_range=0, approx_ok=0)
gt = ds.GetGeoTransform()
px_area = abs(gt[1] * gt[5] - gt[2] * gt[4])
def per_class(path, sql):
    d = ogr.Open(path)
    lyr = d.ExecuteSQL(sql, dialect="SQLite")
    out = {int(f.GetField(0)): [f.GetField(i) for i in range(1, f.GetFieldCount())] for f in lyr}
    d.ReleaseResultSet(lyr)
    return out
o = per_class(ours, "SELECT class, COUNT(*), SUM(ST_Area(geom)), SUM(area_m2), SUM(pixels) FROM defects GROUP BY class")
r = per_class(ref, "SELECT DN, COUNT(*), SUM(ST_Area(geom)) FROM ref WHERE DN BETWEEN 1 AND 10 GROUP BY DN")
bad = 0
for c in range(1, 11):
    oc, rc, n = o.get(c, [0, 0, 0, 0]), r.get(c, [0, 0]), hist[c]
    exp = n * px_area
    okc = oc[0] == rc[0]
    oka = abs(oc[1] - rc[1]) <= 1e-9 * max(1, rc[1]) and abs(oc[2] - exp) <= 1e-6 * max(1, exp) and oc[3] == n
    print("  class %2d: polygons %5d (gdal %5d), area %.6f (gdal %.6f, pixels %d x %g = %.6f), pixels %d %s"
          % (c, oc[0], rc[0], oc[2], rc[1], n, px_area, exp, oc[3], "" if okc and oka else "<-- MISMATCH"))
    bad += not (okc and oka)
sys.exit(1 if bad else 0)
EOF
}

# our polygons and gdal_polygonize.py's for MASK into DIR (extra args: -8 / --connectivity 8)
both() {
  local mask=$1 dir=$2 conn=${3:-4}
  local g8=()
  [ "$conn" = 8 ] && g8=(-8)
  "$TEST_OUTPUTS" write --mask "$mask" --out "$dir" --cluster-px off --connectivity "$conn" || fail "write $mask"
  $PY /usr/bin/gdal_polygonize.py -q "${g8[@]}" "$mask" -f GPKG "$dir/ref.gpkg" ref DN || fail "gdal_polygonize.py $mask"
  compare "$mask" "$dir/defects.gpkg" "$dir/ref.gpkg" || fail "$mask ($conn-connected) differs from gdal_polygonize.py"
}

"$TEST_OUTPUTS" mask "$WORK/shapes.tif" EPSG:32650 2 500000 2900000 || fail "make the shapes mask"
both "$WORK/shapes.tif" "$WORK/s4" 4
ok "shapes mask, 4-connected: counts and areas equal gdal_polygonize.py's and the histogram's"
both "$WORK/shapes.tif" "$WORK/s8" 8
n4=$(ogrinfo -ro -q -sql "SELECT COUNT(*) AS n FROM defects WHERE class = 4" "$WORK/s4/defects.gpkg" | sed -n 's/.*n (Integer) = //p')
n8=$(ogrinfo -ro -q -sql "SELECT COUNT(*) AS n FROM defects WHERE class = 4" "$WORK/s8/defects.gpkg" | sed -n 's/.*n (Integer) = //p')
[ "$n4" = 2 ] && [ "$n8" = 1 ] || fail "diagonal squares: $n4 polygons 4-connected (expected 2), $n8 8-connected (expected 1)"
holes=$(ogrinfo -ro -q "$WORK/s4/defects.gpkg" defects -where "class = 1" | grep -o '),(' | wc -l)
[ "$holes" = 1 ] || fail "the class-1 rectangle has $holes holes, expected 1"
ok "shapes mask, 8-connected: equal to gdal_polygonize.py -8; diagonal squares 2 vs 1; holes kept"

if "$SWATH" synth defects --help >/dev/null 2>&1; then
  "$SWATH" -q synth defects --size 2048x2048 --seed 7 --out "$WORK/synth" >/dev/null || fail "swath synth defects"
  t0=$(date +%s.%N)
  both "$WORK/synth/truth.tif" "$WORK/t4" 4
  echo "   (2048x2048 truth: ours + gdal_polygonize.py in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s)"
  ok "synth truth 2048x2048: counts and areas equal gdal_polygonize.py's and the histogram's"
else
  echo "   swath synth defects not available: the synth truth comparison is skipped"
fi

# Geographic: the same shapes at 1e-4 degree pixels near 106.7 E, 26.6 N.
"$TEST_OUTPUTS" mask "$WORK/geo.tif" EPSG:4326 0.0001 106.7 26.6 || fail "make the EPSG:4326 mask"
"$TEST_OUTPUTS" write --mask "$WORK/geo.tif" --out "$WORK/geo" --cluster-px off || fail "write geo"
$PY - "$WORK/geo.tif" "$WORK/geo/defects.gpkg" <<'EOF' || fail "EPSG:4326 areas differ from the independent computation"
import math, sys
from osgeo import gdal, ogr, osr
ds = gdal.Open(sys.argv[1])
W, H = ds.RasterXSize, ds.RasterYSize
gt = ds.GetGeoTransform()
data = ds.GetRasterBand(1).ReadRaster(0, 0, W, H)
wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326); wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
def cell_area_laea(lon0, lat_top, dlon, dlat):
    laea = osr.SpatialReference()
    laea.ImportFromProj4("+proj=laea +lat_0=%.12f +lon_0=%.12f +ellps=WGS84 +units=m" % (lat_top - dlat / 2, lon0 + dlon / 2))
    laea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ring = ogr.Geometry(ogr.wkbLinearRing)
    n = 50   # densify the parallels (they are curves in LAEA)
    for i in range(n + 1): ring.AddPoint_2D(lon0 + dlon * i / n, lat_top)
    for i in range(n + 1): ring.AddPoint_2D(lon0 + dlon - dlon * i / n, lat_top - dlat)
    ring.AddPoint_2D(lon0, lat_top)
    poly = ogr.Geometry(ogr.wkbPolygon); poly.AddGeometry(ring)
    poly.Transform(osr.CoordinateTransformation(wgs, laea))
    return poly.GetArea()
R = 6371008.8   # mean Earth radius, for the spherical approximation
exp = [0.0] * 11; sph = [0.0] * 11
for y in range(H):
    row = data[y * W:(y + 1) * W]
    counts = [row.count(bytes([c])) for c in range(11)]
    if not any(counts[1:]): continue
    lat_top = gt[3] + y * gt[5]
    a = cell_area_laea(gt[0], lat_top, gt[1], -gt[5])
    s = R * R * math.radians(gt[1]) * (math.sin(math.radians(lat_top)) - math.sin(math.radians(lat_top + gt[5])))
    for c in range(1, 11): exp[c] += counts[c] * a; sph[c] += counts[c] * s
d = ogr.Open(sys.argv[2])
lyr = d.ExecuteSQL("SELECT class, SUM(area_m2) FROM defects GROUP BY class", dialect="SQLite")
got = {int(f.GetField(0)): f.GetField(1) for f in lyr}
bad = 0
for c in range(1, 11):
    g = got.get(c, 0.0)
    e1 = abs(g - exp[c]) / exp[c]; e2 = abs(g - sph[c]) / sph[c]
    print("  class %2d: area %.4f m2, PROJ LAEA %.4f (rel %.2e), sphere %.4f (rel %.2e)" % (c, g, exp[c], e1, sph[c], e2))
    bad += e1 > 1e-6 or e2 > 5e-3
sys.exit(1 if bad else 0)
EOF
ok "EPSG:4326 mask: ellipsoidal area_m2 equals PROJ's equal-area cells (1e-6) and the sphere (0.5 %)"
finish
