#!/usr/bin/env bash
# Checks what test_raster_write left in $RASTER_OUT with `gdalinfo -json` (GDAL's own view, parsed by
# $PYTHON with the stdlib json module): CRS (projected EPSG:32633 and geographic EPSG:4326),
# geotransform, size, bands, type, 512 / 256 tiles, compression, BigTIFF, nodata, per-dataset mask,
# RGB colour interpretation, and for the COG copy LAYOUT=COG with overviews.
set -u
if ! command -v gdalinfo >/dev/null; then echo "raster_gdalinfo: SKIPPED (gdalinfo not installed)"; exit 77; fi
: "${RASTER_OUT:?RASTER_OUT must name the output folder of test_raster_write}"
for f in utm.tif utm_cog.tif geo.tif; do
  [ -f "$RASTER_OUT/$f" ] || { echo "raster_gdalinfo: FAILED: $RASTER_OUT/$f missing (test_raster_write must run first)"; exit 1; }
done
"$PYTHON" - "$RASTER_OUT" <<'PY'
import json, subprocess, sys
out = sys.argv[1]
failed = 0

def check(cond, what):
    global failed
    print(("  ok    " if cond else "  FAIL  ") + what)
    failed += not cond

def info(name):
    return json.loads(subprocess.run(["gdalinfo", "-json", f"{out}/{name}"], check=True,
                                     capture_output=True, text=True).stdout)

def common(name, size, nbands, dtype, gt, crs_name, epsg, block, compression, mask, nodata=None):
    d = info(name)
    wkt = d.get("coordinateSystem", {}).get("wkt", "")
    check(d["size"] == size, f"{name}: size {d['size']} == {size}")
    check(len(d["bands"]) == nbands, f"{name}: {len(d['bands'])} bands == {nbands}")
    check(crs_name in wkt and f'ID["EPSG",{epsg}]' in wkt, f"{name}: CRS is '{crs_name}' (EPSG:{epsg})")
    check(all(abs(a - b) < 1e-12 for a, b in zip(d.get("geoTransform", []), gt)) and len(d.get("geoTransform", [])) == 6,
          f"{name}: geotransform {d.get('geoTransform')} == {gt}")
    ims = d["metadata"].get("IMAGE_STRUCTURE", {})
    check(ims.get("COMPRESSION") == compression, f"{name}: COMPRESSION={ims.get('COMPRESSION')} == {compression}")
    for b in d["bands"]:
        check(b["type"] == dtype and b["block"] == block,
              f"{name}: band {b['band']} {b['type']} with blocks {b['block']} == {dtype} {block}")
        flags = b.get("mask", {}).get("flags", [])
        want = ["PER_DATASET"] if mask else []  # gdalinfo lists no mask for ALL_VALID or NODATA
        check(flags == want, f"{name}: band {b['band']} mask flags {flags} == {want}")
        if nodata is not None:
            check(b.get("noDataValue") == nodata, f"{name}: band {b['band']} nodata {b.get('noDataValue')} == {nodata}")
    with open(f"{out}/{name}", "rb") as f:
        magic = f.read(4)
    return d, ims, magic

utm_gt = [400000, 2, 0, 5000000, 0, -2]
d, ims, magic = common("utm.tif", [1000, 700], 3, "Byte", utm_gt, "WGS 84 / UTM zone 33N", 32633, [512, 512], "DEFLATE", True)
check(magic == b"II+\x00", "utm.tif: BigTIFF")
check([b["colorInterpretation"] for b in d["bands"]] == ["Red", "Green", "Blue"], "utm.tif: photometric RGB")
d, ims, magic = common("utm_cog.tif", [1000, 700], 3, "Byte", utm_gt, "WGS 84 / UTM zone 33N", 32633, [512, 512], "DEFLATE", True)
check(ims.get("LAYOUT") == "COG", f"utm_cog.tif: LAYOUT={ims.get('LAYOUT')} == COG")
check(len(d["bands"][0].get("overviews", [])) >= 1, "utm_cog.tif: has overviews")
d, ims, magic = common("geo.tif", [300, 200], 1, "UInt16", [10.5, 0.001, 0, 45.25, 0, -0.001], 'GEOGCRS["WGS 84"', 4326,
                       [256, 256], "LZW", False, nodata=65535)
check(magic == b"II+\x00", "geo.tif: BigTIFF")
print("raster_gdalinfo: " + ("FAILED (%d checks)" % failed if failed else "PASSED"))
sys.exit(1 if failed else 0)
PY
