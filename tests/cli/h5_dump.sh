#!/bin/bash
# io/h5 through the real tools: a swath file (`test_h5 --make`) is readable by h5dump, which shows
# swath_format = "run" (a string) and swath_format_version = 2 (int32); `swath info` identifies it
# and lists its tree; a plain HDF5 file is refused with exit 3; `swath --version` names the
# parallel HDF5.
set -u
command -v h5dump >/dev/null || { echo "h5dump not found: skipped"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
"$TEST_H5" --make "$WORK" || { echo "FAIL: test_h5 --make $WORK"; exit 1; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

dump=$(h5dump -A "$WORK/run.h5" 2>&1) || bad "h5dump -A failed: $dump"
# attr NAME: the attribute's block in the dump, up to the next ATTRIBUTE / DATASET / GROUP.
attr() { awk -v name="ATTRIBUTE \"$1\" {" 'index($0, name) { on = 1; print; next }
         on && /^   (ATTRIBUTE|DATASET|GROUP) / { on = 0 } on' <<<"$dump"; }
fmt=$(attr swath_format)
ver=$(attr swath_format_version)
grep -q 'H5T_STRING' <<<"$fmt" && grep -qF '(0): "run"' <<<"$fmt" || bad "swath_format is not the string \"run\": $fmt"
grep -q 'H5T_STD_I32LE' <<<"$ver" && grep -qF '(0): 2' <<<"$ver" || bad "swath_format_version is not int32 2: $ver"

info=$("$SWATH" info "$WORK/run.h5" 2>&1) || bad "swath info run.h5 failed: $info"
grep -qE '^format: +swath run, version 2$' <<<"$info" || bad "swath info does not identify run.h5: $info"
grep -qE '/tiles/state +dataset +uint8 \(100\)' <<<"$info" || bad "swath info does not list /tiles/state: $info"

# --json: one JSON object with the same facts; --window / --bands are refused (exit 2) naming the flag
json=$("$SWATH" info "$WORK/run.h5" --json 2>&1) || bad "swath info run.h5 --json failed: $json"
"$PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["format"] == "run" and d["version"] == 2 and d["attributes"]["swath_format"] == "run", d
assert d["attributes"]["swath_format_version"] == 2, d["attributes"]
o = {x["path"]: x for x in d["objects"]}
s = o["/tiles/state"]
assert o["/tiles"]["kind"] == "group" and s["kind"] == "dataset" and s["type"] == "uint8" and s["shape"] == [100], o
assert s["extendible"] and s["chunks"] == [25] and s["filters"] == ["shuffle", "deflate"], s
' "$json" || bad "swath info run.h5 --json: $json"
for flag in "--window 0,0,1,1" "--bands 1"; do
  out=$("$SWATH" info "$WORK/run.h5" $flag 2>&1)
  rc=$?
  [ $rc = 2 ] && grep -qF -- "${flag%% *} is for rasters; '$WORK/run.h5' is a swath HDF5 file" <<<"$out" ||
    bad "swath info run.h5 $flag: exit $rc: $out"
done

out=$("$SWATH" info "$WORK/plain.h5" 2>&1)
rc=$?
[ $rc = 3 ] || bad "swath info plain.h5: exit $rc, expected 3"
grep -qF "plain.h5' is an HDF5 file but not one swath wrote" <<<"$out" || bad "swath info plain.h5 said: $out"

grep -qE '^ +HDF5: +1\.[0-9.]+ \(parallel\)$' <<<"$("$SWATH" --version 2>&1)" || bad "swath --version lacks the HDF5 line"
[ $fail = 0 ] && echo "ok: h5dump and swath info (text and --json) read run.h5; --window / --bands refused; plain.h5 refused"
exit $fail
