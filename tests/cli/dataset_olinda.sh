#!/usr/bin/env bash
# Vector labels in another CRS: the real olinda1.shp census polygons (geographic, GRS80) with class
# field TIPO (URBANO / RURAL) over the real Landsat scene L7_ETMs.tif (UTM 25S). Classes get ids in
# sorted order (background 0, RURAL 1, URBANO 2); chips_check.py rasterizes the reprojected
# polygons itself with GDAL over the whole scene and compares every chip.
set -u
source "$TESTS/cli/lib.sh"
PY=/usr/bin/python3
D=${SWATH_SHARED_DATA:-}
[ -f "$D/olinda1.shp" ] && [ -f "$D/L7_ETMs.tif" ] || { echo "skipped: no shared data ($D)"; exit 77; }
$PY -c 'import numpy, skimage; from osgeo import gdal' 2>/dev/null || { echo "skipped: $PY lacks numpy / skimage / GDAL"; exit 77; }
"$SWATH" dataset build "$D/L7_ETMs.tif" --labels "$D/olinda1.shp" --class-field TIPO --tile 64 --stride 32 \
  --out "$WORK/olinda.h5" 2> "$WORK/log" || fail "dataset build: $(cat "$WORK/log")"
$PY "$TESTS/cli/chips_check.py" "$WORK/olinda.h5" "$D/L7_ETMs.tif" "$D/olinda1.shp" --vector TIPO --expect-k 3 ||
  fail "olinda chips"
ok "olinda1.shp (TIPO, geographic) over L7_ETMs.tif (UTM 25S): masks equal GDAL's rasterization"
# an explicit map: URBANO only (RURAL polygons become ignore, 255)
"$SWATH" --quiet dataset build "$D/L7_ETMs.tif" --labels "$D/olinda1.shp" --class-field TIPO --classes URBANO=1 \
  --class-names land,urban --tile 64 --stride 32 --out "$WORK/urban.h5" || fail "--classes URBANO=1"
$PY - "$TESTS/cli" "$WORK" <<'PYEOF' || fail "--classes URBANO=1"
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from chips_h5 import h5_attr, h5_read
a, b = f"{sys.argv[2]}/olinda.h5", f"{sys.argv[2]}/urban.h5"
assert h5_attr(b, "/class_names") == ["land", "urban"], h5_attr(b, "/class_names")
ma, mb = h5_read(a, "/train/masks", "u1"), h5_read(b, "/train/masks", "u1")
assert ma.shape == mb.shape
want = np.select([ma == 2, ma == 1], [1, 255], ma)
assert np.array_equal(mb, want), "URBANO -> 1, RURAL -> 255, background stays 0"
print("ok: URBANO=1 gives", int((mb == 1).sum()), "urban pixels,", int((mb == 255).sum()), "ignored")
PYEOF
ok "--classes maps field values (unnamed values ignored) and --class-names names them"
finish
