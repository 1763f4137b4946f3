# Helpers for the swath run tests (sourced after lib.sh): mpiexec, mosaic synthesis, checksums.
RUN_IOU="$(dirname "$SWATH")/tests/run_iou"
# bytes of a journal.bin record (docs/formats.md, version 2)
REC=544
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI: no other transports than shared memory / self; quiet about missing network cards.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
if ! command -v mpiexec >/dev/null || ! command -v gdalinfo >/dev/null; then
  echo "SKIPPED: mpiexec or gdalinfo not installed"; exit 77
fi
# mpirun N ARGS...: swath ARGS under mpiexec -n N (oversubscribed: this may be a 2-core machine)
mpirun_swath() {
  local n=$1
  shift
  mpiexec -n "$n" --oversubscribe "$SWATH" "$@"
}
# synth SIZE DIR: the pixel-defects test mosaic (seed 7)
synth() { "$SWATH" --quiet synth defects --size "$1" --seed 7 --out "$2" > "$WORK/synth.log" 2>&1; }
# checksum FILE: GDAL's checksum of band 1 (decoded pixels)
checksum() { gdalinfo -checksum "$1" 2>/dev/null | sed -n 's/.*Checksum=\([0-9]*\).*/\1/p' | head -1; }
# pixels FILE: GDAL's checksums of every band, one line (decoded pixels: quicklook.png)
pixels() { gdalinfo -checksum "$1" 2>/dev/null | sed -n 's/.*Checksum=\([0-9]*\).*/\1/p' | paste -sd: -; }
# georef FILE: CRS WKT + geotransform + size, one line (from gdalinfo -json)
georef() {
  gdalinfo -json "$1" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([d.get("coordinateSystem",{}).get("wkt",""), d.get("geoTransform"), d["size"]]))'
}
# iou_check MASK TRUTH LABEL: class-10 IoU >= 0.95, prints the class-9 / 10 lines
iou_check() {
  local out
  out=$("$RUN_IOU" "$1" "$2" 10 0.95) || fail "$3: class-10 IoU below 0.95: $out"
  echo "$out" | grep -E "^class (9|10) |outside_mismatch|FAIL" | sed "s/^/   $3: /"
}
# polygons GPKG: per class "class:features:pixels:area" of defects.gpkg, one line (same polygons <=> same line)
polygons() {
  ogrinfo -ro -q -dialect SQLite -sql "SELECT class, COUNT(*) AS n, SUM(pixels) AS px, ROUND(SUM(ST_Area(geom)), 3) AS area FROM defects GROUP BY class ORDER BY class" "$1" \
    | sed -n 's/.*= \(.*\)$/\1/p' | paste -sd: -
}
# areas_match DIR LABEL: per class, the polygons' summed area equals the mask's pixel count of that
# class x the pixel area (from gdalinfo -json: histogram and geotransform), within 1e-6
areas_match() {
  gdalinfo -json -hist "$1/mask.tif" > "$WORK/hist.json" 2>/dev/null || { fail "$2: gdalinfo -hist failed"; return; }
  local sql
  sql=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT class, SUM(ST_Area(geom)) AS area FROM defects GROUP BY class" "$1/defects.gpkg" \
    | sed -n 's/.*= \(.*\)$/\1/p' | paste -sd' ' -)
  "$PYTHON" - "$sql" "$WORK/hist.json" <<'PY' || fail "$2: polygon areas do not match the mask's pixel counts"
import json, sys
d = json.load(open(sys.argv[2]))
gt = d["geoTransform"]; px_area = abs(gt[1] * gt[5] - gt[2] * gt[4])
b = d["bands"][0]["histogram"]
assert b["min"] == -0.5 and b["count"] == 256, b
counts = b["buckets"]
vals = sys.argv[1].split()
areas = {int(vals[i]): float(vals[i + 1]) for i in range(0, len(vals), 2)}
for c in range(1, 11):
    want = counts[c] * px_area
    got = areas.get(c, 0.0)
    if abs(got - want) > 1e-6 * max(1.0, want):
        print(f"class {c}: polygons {got} vs mask {want}"); sys.exit(1)
print("   areas match:", {c: counts[c] for c in range(1, 11) if counts[c]})
PY
}
