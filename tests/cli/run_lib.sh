# Helpers for the swath run tests (sourced after lib.sh): mpiexec, mosaic synthesis, checksums.
RUN_IOU="$(dirname "$SWATH")/tests/run_iou"
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
