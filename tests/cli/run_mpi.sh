#!/usr/bin/env bash
# swath run --job pixel-defects on a 3072 x 3072 synthetic mosaic as one process and under
# mpiexec -n 2 and -n 4 (oversubscribed), with 1 and 2 reducers, and with several tile threads: class-10 IoU vs the truth >= 0.95,
# the same mask (decoded pixels) and confidence every time, the source CRS and geotransform on
# mask.tif, run.h5 readable by h5dump.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
synth 3072x3072 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
ref_georef=$(georef "$M")

t0=$(date +%s.%N)
"$SWATH" run --job pixel-defects "$M" --out "$WORK/n1" 2> "$WORK/n1.log" || fail "one process: $(tail -3 "$WORK/n1.log")"
t1=$(date +%s.%N)
echo "   one process: $(grep -o 'tiles [0-9/]* (100%), [0-9.]* tile Mpx/s' "$WORK/n1.log" | tail -1), $(echo "$t1 - $t0" | bc) s wall"
[ -f "$WORK/n1/mask.tif" ] && [ -f "$WORK/n1/confidence.tif" ] || fail "one process: mask.tif / confidence.tif missing"
iou_check "$WORK/n1/mask.tif" "$WORK/m/truth.tif" "-n 1"
ref=$(checksum "$WORK/n1/mask.tif")
refc=$(checksum "$WORK/n1/confidence.tif")
[ -n "$ref" ] || fail "no checksum for n1/mask.tif"
[ "$(georef "$WORK/n1/mask.tif")" = "$ref_georef" ] || fail "mask.tif CRS / geotransform / size differ from the mosaic's"
gdalinfo "$WORK/n1/mask.tif" | grep -q 'NoData Value=255' || fail "mask.tif has no nodata 255"
gdalinfo "$WORK/n1/mask.tif" | grep -A11 'Categories:' | grep -q '10: pixel_missing' || fail "mask.tif lacks the class names"
h5dump -H "$WORK/n1/run.h5" > "$WORK/h5dump.txt" 2>&1 || fail "h5dump cannot read run.h5"
grep -q 'DATASET "tiles"' "$WORK/h5dump.txt" && grep -q '"swath_format"' "$WORK/h5dump.txt" || fail "run.h5 lacks /tiles or swath_format"
[ -z "$(ls "$WORK/n1/tiles")" ] || fail "tile results left in n1/tiles after their blocks were written"
ok "one process: mask, confidence, georeference, run.h5"

# The quicklook the tiles reduce from their own reads: the same pixels as the whole mosaic read
# reduced at the end and written by GDAL's PNG driver (SWATH_QUICKLOOK=mosaic SWATH_PNG_GDAL=1, the
# reference paths), and no window read again.
SWATH_QUICKLOOK=mosaic SWATH_PNG_GDAL=1 "$SWATH" run --job pixel-defects "$M" --out "$WORK/qref" 2> "$WORK/qref.log" || fail "SWATH_QUICKLOOK=mosaic: $(tail -3 "$WORK/qref.log")"
refq=$(pixels "$WORK/qref/quicklook.png")
[ -n "$refq" ] && [ "$(pixels "$WORK/n1/quicklook.png")" = "$refq" ] || fail "the tiles' quicklook.png differs from the mosaic's reduced read"
! grep -q 'quicklook: read' "$WORK/n1.log" || fail "a fresh run read quicklook windows again"
ok "one process: the tiles' quicklook equals the reduced read of the mosaic"

# name N REDUCERS
for cfg in "n2 2 1" "n4 4 1" "n4r2 4 2"; do
  set -- $cfg
  t0=$(date +%s.%N)
  mpirun_swath "$2" run --job pixel-defects "$M" --out "$WORK/$1" --reducers "$3" 2> "$WORK/$1.log" ||
    fail "-n $2 --reducers $3: $(tail -5 "$WORK/$1.log")"
  t1=$(date +%s.%N)
  echo "   -n $2 --reducers $3: $(grep -o 'tiles [0-9/]* (100%), [0-9.]* tile Mpx/s' "$WORK/$1.log" | tail -1), $(echo "$t1 - $t0" | bc) s wall"
  iou_check "$WORK/$1/mask.tif" "$WORK/m/truth.tif" "-n $2 -r $3"
  [ "$(checksum "$WORK/$1/mask.tif")" = "$ref" ] || fail "-n $2 --reducers $3: mask differs from the one-process mask"
  [ "$(checksum "$WORK/$1/confidence.tif")" = "$refc" ] || fail "-n $2 --reducers $3: confidence differs"
  [ "$(georef "$WORK/$1/mask.tif")" = "$ref_georef" ] || fail "-n $2: georeference differs"
  [ "$(pixels "$WORK/$1/quicklook.png")" = "$refq" ] || fail "-n $2 --reducers $3: quicklook.png differs"
  ok "-n $2 --reducers $3: same mask and quicklook as one process"
done

# Tiles on several threads of one rank (the default above uses the rank's cores; 3 threads on 2
# cores, and 2 ranks x 2 threads): the same mask.
"$SWATH" run --job pixel-defects "$M" --out "$WORK/t3" --threads 3 2> "$WORK/t3.log" || fail "--threads 3: $(tail -3 "$WORK/t3.log")"
grep -q '"threads": "3"' "$WORK/t3/report.json" || fail "--threads 3: report.json does not say 3 threads"
[ "$(checksum "$WORK/t3/mask.tif")" = "$ref" ] && [ "$(checksum "$WORK/t3/confidence.tif")" = "$refc" ] ||
  fail "--threads 3: mask or confidence differs from the one-process run"
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/n2t2" --threads 2 2> "$WORK/n2t2.log" || fail "-n 2 --threads 2: $(tail -3 "$WORK/n2t2.log")"
[ "$(checksum "$WORK/n2t2/mask.tif")" = "$ref" ] || fail "-n 2 --threads 2: mask differs from the one-process run"
# Without --threads: the rank's cores (this machine's for one process; SLURM_CPUS_PER_TASK when set).
cores=$(getconf _NPROCESSORS_ONLN)   # not nproc, which follows OMP_NUM_THREADS
grep -q "\"threads\": \"$cores\"" "$WORK/n1/report.json" || fail "one process: report.json does not say $cores threads (the cores)"
SLURM_CPUS_PER_TASK=1 "$SWATH" run --job pixel-defects "$M" --out "$WORK/c1" 2> "$WORK/c1.log" || fail "SLURM_CPUS_PER_TASK=1: $(tail -3 "$WORK/c1.log")"
grep -q '"threads": "1"' "$WORK/c1/report.json" || fail "SLURM_CPUS_PER_TASK=1: report.json does not say 1 thread"
[ "$(checksum "$WORK/c1/mask.tif")" = "$ref" ] || fail "SLURM_CPUS_PER_TASK=1: mask differs"
ok "--threads 3, -n 2 --threads 2, SLURM_CPUS_PER_TASK=1: same mask; the default is the rank's cores"

# The crop blend (each pixel from the one tile whose core holds it) gives the same class 10.
for b in crop; do
  "$SWATH" run --job pixel-defects "$M" --out "$WORK/b_$b" --blend "$b" 2> "$WORK/b_$b.log" || fail "--blend $b: $(tail -3 "$WORK/b_$b.log")"
  iou_check "$WORK/b_$b/mask.tif" "$WORK/m/truth.tif" "--blend $b"
  ok "--blend $b"
done
finish
