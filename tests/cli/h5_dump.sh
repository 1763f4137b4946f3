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

out=$("$SWATH" info "$WORK/plain.h5" 2>&1)
rc=$?
[ $rc = 3 ] || bad "swath info plain.h5: exit $rc, expected 3"
grep -qF "plain.h5' is an HDF5 file but not one swath wrote" <<<"$out" || bad "swath info plain.h5 said: $out"

grep -qE '^ +HDF5: +1\.[0-9.]+ \(parallel\)$' <<<"$("$SWATH" --version 2>&1)" || bad "swath --version lacks the HDF5 line"
[ $fail = 0 ] && echo "ok: h5dump and swath info read run.h5; plain.h5 refused"
exit $fail
