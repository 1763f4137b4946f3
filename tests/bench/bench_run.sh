#!/usr/bin/env bash
# The whole inspection run against its floors, in one run on one mosaic:
#   (a) read floor: gdal_translate of the mosaic to an uncompressed GeoTIFF in tmpfs (/dev/shm when
#       it exists, else $WORK), and to GDAL's MEM driver (pure decode, nothing written);
#   (b) `swath run --job pixel-defects` as one plain process and under `mpiexec -n 2`
#       (OMP_NUM_THREADS=1), each in a fresh --out folder;
#   (c) gdal_polygonize.py of the run's mask.tif to GeoPackage against swath's own vectorize step
#       (report.json: vectorize.seconds).
# Prints Mpx/s (image pixels / wall seconds), the ratios job / read floor (goal <= 1.25) and swath
# vectorize / gdal_polygonize (goal < 1), medians of BENCH_REPS (3) runs, each with the load average
# at its start. A measurement: exits 0 unless a command fails. Env: SWATH, WORK, PYTHON (from ctest),
# BENCH_SIZE (4096), BENCH_REPS (3), BENCH_MOSAIC (an existing mosaic.tif: skips the synthesis).
set -euo pipefail
SWATH=${SWATH:?set SWATH to the swath binary}
WORK=${WORK:-$(mktemp -d)}
PYTHON=${PYTHON:-python3}
SIZE=${BENCH_SIZE:-4096}
REPS=${BENCH_REPS:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for tool in gdal_translate gdal_polygonize.py mpiexec; do
    command -v "$tool" > /dev/null || { echo "SKIP: $tool not found"; exit 77; }
done
mkdir -p "$WORK"
rm -rf "$WORK"/run_n1_* "$WORK"/run_n2_* "$WORK"/poly_*.gpkg "$WORK/mosaic"   # only what this script makes
SHM=/dev/shm
[ -d "$SHM" ] && [ -w "$SHM" ] || SHM=$WORK
FLOOR="$SHM/swath_bench_floor_$$.tif"
trap 'rm -f "$FLOOR" "$FLOOR.msk"' EXIT

if [ -n "${BENCH_MOSAIC:-}" ]; then
    MOSAIC=$BENCH_MOSAIC
else
    echo "bench_run: synthesizing a ${SIZE}x${SIZE} mosaic"
    "$SWATH" synth defects --size "$SIZE" --seed 7 --out "$WORK/mosaic" > /dev/null 2>&1
    MOSAIC=$WORK/mosaic/mosaic.tif
fi
gdal_translate -q -of MEM "$MOSAIC" /dev/null   # warm the page cache

TIMES=$WORK/times.tsv   # step <tab> rep <tab> seconds <tab> load1
: > "$TIMES"
now() { date +%s.%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# timed STEP REP CMD...: runs CMD, appends its wall time; a failing CMD fails the benchmark.
timed() {
    local step=$1 rep=$2 l t0 t1
    shift 2
    l=$(load1)
    t0=$(now)
    if ! "$@" > "$WORK/$step.$rep.log" 2>&1; then
        echo "bench_run: FAIL: $step (rep $rep): $*"
        tail -20 "$WORK/$step.$rep.log"
        exit 1
    fi
    t1=$(now)
    printf '%s\t%s\t%s\t%s\n' "$step" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$l" >> "$TIMES"
}

for rep in $(seq 1 "$REPS"); do
    rm -f "$FLOOR" "$FLOOR.msk"
    timed translate_tmpfs "$rep" gdal_translate -q "$MOSAIC" "$FLOOR"
    timed translate_mem "$rep" gdal_translate -q -of MEM "$MOSAIC" /dev/null
    rm -f "$FLOOR" "$FLOOR.msk"
    timed run_n1 "$rep" "$SWATH" run --job pixel-defects "$MOSAIC" --out "$WORK/run_n1_$rep"
    timed run_n2 "$rep" env OMP_NUM_THREADS=1 mpiexec -n 2 -x OMP_NUM_THREADS "$SWATH" run --job pixel-defects "$MOSAIC" \
        --out "$WORK/run_n2_$rep"
    rm -f "$WORK/poly_$rep.gpkg"
    timed polygonize "$rep" gdal_polygonize.py -q "$WORK/run_n1_$rep/mask.tif" -f GPKG "$WORK/poly_$rep.gpkg" defects class
done

"$PYTHON" - "$WORK" "$TIMES" "$MOSAIC" "$REPS" "$SHM" << 'EOF'
import json, statistics, subprocess, sys
work, times, mosaic, reps, shm = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rows = [l.rstrip("\n").split("\t") for l in open(times)]
t, load = {}, {}
for step, rep, sec, l in rows:
    t.setdefault(step, []).append(float(sec))
    load.setdefault(step, []).append(l)
info = json.loads(subprocess.run(["gdalinfo", "-json", mosaic], capture_output=True, text=True, check=True).stdout)
w, h = info["size"]
mpx = w * h / 1e6
rep = {}
for n in ("n1", "n2"):
    for r in range(1, reps + 1):
        j = json.load(open(f"{work}/run_{n}_{r}/report.json"))
        tm = j["timings_s"]
        for k, v in (("plan", tm["plan"]), ("tiles", tm["tiles"]), ("assemble", tm["assemble"]),
                     ("read", tm.get("tile_read_sum", 0)), ("job", tm.get("tile_job_sum", 0)),
                     ("write", tm.get("tile_write_sum", 0)), ("seconds", j["seconds"]),
                     ("vectorize", j["vectorize"]["seconds"]), ("quicklook", j["outputs"]["quicklook_seconds"]),
                     ("polygons", j["totals"]["polygons"])):
            rep.setdefault((n, k), []).append(v)
med = {k: statistics.median(v) for k, v in t.items()}
rmed = {k: statistics.median(v) for k, v in rep.items()}
poly_n = subprocess.run(["ogrinfo", "-so", "-al", f"{work}/poly_1.gpkg"], capture_output=True, text=True).stdout
poly_n = next((l.split(":")[1].strip() for l in poly_n.splitlines() if "Feature Count" in l), "?")

print(f"\nbench_run: {mosaic}: {w} x {h} ({mpx:.1f} Mpx), medians of {reps} (all runs: {work}/times.tsv)")
print("| step | wall s (median) | runs | Mpx/s | load avg (1 min) at start |")
print("| --- | --- | --- | --- | --- |")
def row(name, step):
    v = t[step]
    print(f"| {name} | {med[step]:.2f} | {', '.join(f'{x:.2f}' for x in v)} | {mpx / med[step]:.1f} | {', '.join(load[step])} |")
row(f"read floor: gdal_translate -> uncompressed GeoTIFF in {shm}", "translate_tmpfs")
row("read floor: gdal_translate -of MEM (decode only)", "translate_mem")
row("swath run --job pixel-defects, 1 process", "run_n1")
row("swath run, mpiexec -n 2, OMP_NUM_THREADS=1", "run_n2")
row(f"gdal_polygonize.py mask.tif -> GPKG ({poly_n} features)", "polygonize")
print("\nswath run phases (report.json, medians, s): plan / tiles / assemble / vectorize / quicklook; "
      "report's own total; polygons; inside the tiles, summed over workers: read / job / write")
for n, name in (("n1", "1 process"), ("n2", "mpiexec -n 2")):
    print(f"  {name}: {rmed[(n, 'plan')]:.2f} / {rmed[(n, 'tiles')]:.2f} / {rmed[(n, 'assemble')]:.2f} / "
          f"{rmed[(n, 'vectorize')]:.2f} / {rmed[(n, 'quicklook')]:.2f}; {rmed[(n, 'seconds')]:.2f}; "
          f"{rmed[(n, 'polygons')]:.0f}; {rmed[(n, 'read')]:.2f} / {rmed[(n, 'job')]:.2f} / {rmed[(n, 'write')]:.2f}")
floor = med["translate_tmpfs"]
print("\nratios (goal):")
for n, step in (("1 process", "run_n1"), ("mpiexec -n 2", "run_n2")):
    r = med[step] / floor
    print(f"  job / read floor, {n}: {r:.2f}x (goal <= 1.25x: {'met' if r <= 1.25 else 'NOT met'})")
for n, name in (("n1", "1 process"), ("n2", "mpiexec -n 2")):
    r = rmed[(n, "vectorize")] / med["polygonize"]
    print(f"  swath vectorize ({name}) / gdal_polygonize.py: {rmed[(n, 'vectorize')]:.2f} s / {med['polygonize']:.2f} s = "
          f"{r:.2f}x (goal < 1: {'met' if r < 1 else 'NOT met'})")
EOF
