#!/bin/bash
# io/mask_vectorize.c polygon by polygon against gdal_polygonize.py (tests/cli/vectorize_check.py):
# random classes with holes, diagonal-only contacts and nodata (UTM, tiled with partial edge blocks;
# the same in EPSG:4326 in strips, 4-connected), and a region spanning the whole image with holes, islands in
# them, a staircase, a checkerboard and crossing diagonals; 4- and 8-connected; the default windows
# and 3-pixel window cells (region edges on window edges, overlapping windows). Same rings up to
# start and orientation, and pixels, confidence sums, boxes and areas equal to the burned reference.
set -u
source "$TESTS/cli/lib.sh"
PY=/usr/bin/python3
[ -x /usr/bin/gdal_polygonize.py ] && $PY -c "from osgeo import ogr; import numpy" 2>/dev/null ||
  { echo "gdal_polygonize.py / python3-gdal / numpy not found: skipped"; exit 77; }
[ -x "${TEST_MASK_VECTORIZE:-}" ] || { echo "TEST_MASK_VECTORIZE not set"; exit 1; }
export GDAL_PAM_ENABLED=NO
CHECK="$TESTS/cli/vectorize_check.py"
SWATH_READER=${SWATH_READER:-}
HAVE_LIBDEFLATE=false   # mask_vectorize.c's own inflate path is compiled in (then it must be taken)
[ -f /usr/include/libdeflate.h ] && HAVE_LIBDEFLATE=true

$PY "$CHECK" fixtures "$WORK" || fail "make the fixtures"
for f in noise span geo; do
  conns="4 8" cells="0 3"
  [ $f = geo ] && conns=4 cells=0   # the CRS coordinates; the pixels are noise's
  for conn in $conns; do
    g8=()
    [ "$conn" = 8 ] && g8=(-8)
    $PY /usr/bin/gdal_polygonize.py -q "${g8[@]}" "$WORK/$f.tif" -f GPKG "$WORK/ref_${f}_$conn.gpkg" ref DN ||
      fail "gdal_polygonize.py $f.tif"
    for cell in $cells; do
      out="$WORK/${f}_${conn}_$cell.gpkg"
      info=$("$TEST_MASK_VECTORIZE" "$WORK/$f.tif" "$WORK/${f}_conf.tif" "$out" "$conn" "$cell") ||
        fail "test_mask_vectorize $f $conn $cell"
      echo "   $f, $conn-connected, window cell $cell: $info"
      want=1
      [ $f = noise ] && want=2
      [ "$SWATH_READER" = gdal ] && want=0
      $HAVE_LIBDEFLATE && ! grep -q ", $want rasters inflated here" <<< "$info" && fail "$f: expected $want rasters inflated here"
      $PY "$CHECK" compare "$WORK/$f.tif" "$WORK/${f}_conf.tif" "$out" "$WORK/ref_${f}_$conn.gpkg" ||
        fail "$f ($conn-connected, window cell $cell) differs from gdal_polygonize.py"
    done
  done
  ok "$f: every polygon equals gdal_polygonize.py's (connectivity $conns, window cells $cells)"
done
# Without a confidence raster, conf_sum is -1.
"$TEST_MASK_VECTORIZE" "$WORK/span.tif" - "$WORK/noconf.gpkg" 4 0 >/dev/null || fail "test_mask_vectorize without conf"
$PY "$CHECK" compare "$WORK/span.tif" - "$WORK/noconf.gpkg" "$WORK/ref_span_4.gpkg" || fail "span without confidence"
ok "no confidence raster: conf_sum -1, the same polygons"
finish
