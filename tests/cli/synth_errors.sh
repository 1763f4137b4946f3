#!/usr/bin/env bash
# Clear errors: bad flags are usage errors (exit 2) naming the flag; an output folder that cannot
# be made is an output error (exit 4) naming it; a missing background is an input error (exit 3).
set -u
rm -rf "$WORK" && mkdir -p "$WORK"
fails=0
expect() {  # code pattern args...
    local code=$1 pat=$2; shift 2
    "$SWATH" "$@" >"$WORK/out" 2>"$WORK/err"; local rc=$?
    if [ "$rc" != "$code" ] || ! grep -q -- "$pat" "$WORK/err" "$WORK/out"; then
        echo "FAIL: swath $* -> exit $rc (want $code), output:"; cat "$WORK/err" "$WORK/out"; fails=$((fails + 1))
    fi
}
expect 0 "defects" synth --help
expect 0 "--size" synth defects --help
expect 2 "which kind" synth
expect 2 "unknown kind 'bogus'" synth bogus
expect 2 "unknown option '--bogus'" synth defects --bogus --out "$WORK/x"
expect 2 "\-\-out" synth defects --size 64
expect 2 "\-\-out: the folder name is empty" synth defects --size 64 --out ""
expect 2 "\-\-size" synth defects --size 10x10 --out "$WORK/x"
expect 2 "\-\-size" synth defects --size 12ax4 --out "$WORK/x"
expect 2 "\-\-size: '12y4' is not WxH" synth defects --size 12y4 --out "$WORK/x"
expect 2 "\-\-background: the path is empty" synth defects --size 64 --background '' --out "$WORK/x"
expect 2 "\-\-tile" synth defects --tile 100 --out "$WORK/x"
expect 2 "\-\-density" synth defects --density -1 --out "$WORK/x"
expect 2 "\-\-counts" synth defects --counts 1,2,3 --out "$WORK/x"
# stitching patches beyond the 64 a scene holds: the flag that asked for them is named
expect 2 "\-\-density 1 gives 82 stitching patches (classes 7 and 8) on this 50000 x 50000 mosaic; at most 64: lower --density" \
    synth defects --size 50000 --seed 7 --density 1 --out "$WORK/x"
expect 2 "\-\-counts asks for 70 stitching patches (classes 7 and 8: its 7th and 8th values); at most 64: lower them" \
    synth defects --size 512 --counts -1,-1,-1,-1,-1,-1,40,30,-1,-1 --out "$WORK/x"
expect 2 "\-\-gsd" synth defects --gsd 1000 --out "$WORK/x"
expect 2 "\-\-crs" synth defects --crs EPSG:999999 --out "$WORK/x"
expect 2 "\-\-origin" synth defects --origin 1 --out "$WORK/x"
touch "$WORK/file"
expect 4 "$WORK/file" synth defects --size 64 --out "$WORK/file/sub"
expect 3 "\-\-background: cannot open raster $WORK/nothere.tif" synth defects --size 64 --background "$WORK/nothere.tif" --out "$WORK/y"
# the polygon progress counts the instances written (not per mille): N/N, N = the polygons column
"$SWATH" synth defects --size 256 --seed 7 --out "$WORK/z" >"$WORK/z.out" 2>"$WORK/z.err"
n=$(awk '/^ *([1-9]|10) [a-z_]+ +[0-9]+ +[0-9]+ / {s += $4} END {print s}' "$WORK/z.out")
grep -q "writing instance polygons: $n/$n (100%)" "$WORK/z.err" ||
  { echo "FAIL: polygon progress is not $n/$n: $(grep polygon "$WORK/z.err")"; fails=$((fails + 1)); }
for d in x y; do
  [ ! -e "$WORK/$d" ] || { echo "FAIL: a failed run left $WORK/$d"; fails=$((fails + 1)); }
done
[ "$fails" = 0 ] && echo "ok: errors are clear" || exit 1
