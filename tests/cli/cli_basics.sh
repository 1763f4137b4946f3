#!/usr/bin/env bash
# The command line: --version lists the build's features, every command has --help, usage
# errors exit 2 with a message naming the bad word.
set -u
. "$TESTS/cli/lib.sh"

out=$("$SWATH" --version) || fail "--version exited $?"
for f in "MPI:" "HDF5:" "parallel" "GDAL:" "oneDNN:" "CUDA:"; do
  grep -q "$f" <<<"$out" || fail "--version lacks '$f': $out"
done
ok "--version lists MPI, parallel HDF5, GDAL, oneDNN, CUDA"

"$SWATH" --help | grep -q "exit codes" || fail "swath --help lacks exit codes"
for c in info synth "synth defects" demo run dataset "dataset build" eval model "model summary" train; do
  # shellcheck disable=SC2086
  "$SWATH" $c --help > "$WORK/help.txt" || fail "swath $c --help exited $?"
  grep -q "usage: swath" "$WORK/help.txt" || fail "swath $c --help prints no usage"
done
ok "--help on every command"

expect_fail 2 "frobnicate" "$SWATH" frobnicate
expect_fail 2 "--bogus" "$SWATH" info --bogus x.tif
expect_fail 2 "--window" "$SWATH" info "$WORK/help.txt" --window 1,2,3
expect_fail 2 "" "$SWATH"
ok "usage errors exit 2 and name the bad word"
finish
