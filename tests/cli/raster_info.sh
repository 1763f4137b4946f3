#!/usr/bin/env bash
# `swath info` over what test_raster_write left in $RASTER_OUT: the description (JSON), a window read
# with the mask as validity, and the errors a user meets (missing file, not a raster, window outside
# the image, a band that does not exist): exit code 3 and a message naming the file / window / band.
set -u
: "${RASTER_OUT:?RASTER_OUT must name the output folder of test_raster_write}"
mkdir -p "$WORK"
failed=0
ok() { echo "  ok    $1"; }
fail() { echo "  FAIL  $1"; failed=$((failed + 1)); }
utm="$RASTER_OUT/utm.tif"

json=$("$SWATH" info "$utm" --json) || fail "swath info --json $utm exited $?"
echo "$json" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
want = {"width": 1000, "height": 700, "bands": 3, "type": "Byte", "crs_name": "WGS 84 / UTM zone 33N",
        "mask": "mask band", "block": [512, 512], "tiled": True, "read_bands": [1, 2, 3],
        "geotransform": [400000, 2, 0, 5000000, 0, -2], "has_geotransform": True}
bad = {k: (d.get(k), v) for k, v in want.items() if d.get(k) != v}
print("  ok    info --json: " + ", ".join(want) if not bad else "  FAIL  info --json: %s" % bad)
sys.exit(1 if bad else 0)' || failed=$((failed + 1))

# 90 x 90 of the window is inside; the mask clears the 50 x 50 block at the origin: 5600 valid.
out=$("$SWATH" info "$utm" --window -10,-10,100,100) || fail "swath info --window exited $?"
if echo "$out" | grep -q "window -10,-10,100,100: 5600 of 10000 pixels valid"; then ok "window -10,-10,100,100: 5600 of 10000 valid"
else fail "window -10,-10,100,100: $(echo "$out" | grep window)"; fi

# --json with --window: one JSON document, the window's statistics inside it (no text after it).
json=$("$SWATH" info "$utm" --json --window -10,-10,100,100) || fail "swath info --json --window exited $?"
echo "$json" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
w = d["window"]
assert d["width"] == 1000 and w["x"] == -10 and w["width"] == 100 and w["pixels"] == 10000 and w["valid"] == 5600, w
assert [b["band"] for b in w["bands"]] == [1, 2, 3] and all(0 <= b["min"] <= b["mean"] <= b["max"] <= 255 for b in w["bands"]), w
' && ok "info --json --window: one JSON object with the window inside" || fail "info --json --window: $json"

# expect_error NAME EXPECTED_CODE TEXT... -- ARGS: runs swath ARGS, wants the code and every TEXT in stderr.
expect_error() {
  local name=$1 code=$2; shift 2
  local texts=()
  while [ "$1" != "--" ]; do texts+=("$1"); shift; done
  shift
  "$SWATH" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
  local rc=$? msg
  msg=$(cat "$WORK/err.txt")
  if [ $rc -ne "$code" ]; then fail "$name: exit $rc, expected $code ($msg)"; return; fi
  for t in "${texts[@]}"; do
    if ! grep -qF -- "$t" "$WORK/err.txt"; then fail "$name: message '$msg' lacks '$t'"; return; fi
  done
  ok "$name: exit $rc: $msg"
}
echo "this is not a raster" >"$WORK/notes.txt"
expect_error "missing file" 3 "$WORK/missing.tif" -- info "$WORK/missing.tif"
expect_error "text file" 3 "$WORK/notes.txt" "not recognized" -- info "$WORK/notes.txt"
expect_error "window outside" 3 "5000,0,10,10" "$utm" -- info "$utm" --window 5000,0,10,10
expect_error "band 9" 3 "band 9 does not exist in $utm (3 bands)" -- info "$utm" --bands 1,9
[ $failed -eq 0 ] && echo "raster_info: PASSED" || echo "raster_info: FAILED ($failed checks)"
exit $((failed > 0))
