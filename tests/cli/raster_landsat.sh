#!/usr/bin/env bash
# A real Landsat-7 scene (6 Byte bands, no colour interpretation): `swath info` must pick bands
# 3,2,1 (red, green, blue: multispectral products store blue first) and read the whole scene.
set -u
l7="${SWATH_SHARED_DATA:-}/L7_ETMs.tif"
if [ ! -f "$l7" ]; then echo "raster_landsat: SKIPPED ($l7 not found; set SWATH_SHARED_DATA to the shared data folder)"; exit 77; fi
json=$("$SWATH" info "$l7" --json) || { echo "raster_landsat: FAILED (swath info exited $?)"; exit 1; }
echo "$json" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
want = {"width": 349, "height": 352, "bands": 6, "type": "Byte", "read_bands": [3, 2, 1],
        "crs_name": "SIRGAS 2000 / UTM zone 25S", "mask": "none", "driver": "GTiff"}
bad = {k: (d.get(k), v) for k, v in want.items() if d.get(k) != v}
for k, v in want.items():
    print(("  ok    " if k not in bad else "  FAIL  ") + "%s = %s (want %s)" % (k, d.get(k), v))
ok = not bad and "EPSG\",31985" in d["crs_wkt"]
print(("  ok    " if ok else "  FAIL  ") + "CRS WKT names EPSG:31985")
sys.exit(0 if ok else 1)' || { echo "raster_landsat: FAILED"; exit 1; }
out=$("$SWATH" info "$l7" --window 0,0,349,352) || { echo "raster_landsat: FAILED (window read exited $?)"; exit 1; }
echo "$out" | grep -q "window 0,0,349,352: 122848 of 122848 pixels valid" ||
  { echo "$out"; echo "raster_landsat: FAILED (whole-scene read)"; exit 1; }
echo "  ok    whole scene read as bands 3,2,1: 122848 pixels valid"
echo "raster_landsat: PASSED"
