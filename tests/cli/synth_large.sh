#!/usr/bin/env bash
# Label `large`: a 20000 x 20000 mosaic in bounded memory. Max RSS (GNU time) must stay under
# SWATH_SYNTH_RSS_KB (default 1.5 GB): memory grows with the width, not with the area.
# SWATH_SYNTH_LARGE_SIZE changes the size (to try the test quickly).
set -eu
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (GNU time) missing"; exit 77; }
limit=${SWATH_SYNTH_RSS_KB:-1572864}
size=${SWATH_SYNTH_LARGE_SIZE:-20000x20000}
rm -rf "$WORK" && mkdir -p "$WORK"
/usr/bin/time -v "$SWATH" synth defects --size "$size" --seed 7 --out "$WORK/big" >"$WORK/summary" 2>"$WORK/time"
cat "$WORK/summary"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
echo "$size: wall $wall, max RSS $rss kB (limit $limit kB)"
[ -n "$rss" ] && [ "$rss" -lt "$limit" ] || { echo "FAIL: max RSS $rss kB >= $limit kB"; exit 1; }
gdalinfo "$WORK/big/mosaic.tif" | grep -q "Size is ${size%x*}, ${size#*x}" || { echo "FAIL: wrong mosaic size"; exit 1; }
echo "ok"
