#!/usr/bin/env bash
# A run killed by SIGKILL on rank 0 right after the N-th journal record (--test-kill-after N),
# then resumed, gives the same mask as an uninterrupted run: under mpiexec -n 2 resumed with
# -n 4 --reducers 2 after a torn record was appended to the journal; as one process killed twice.
set -u
. "$TESTS/cli/lib.sh"
. "$TESTS/cli/run_lib.sh"
synth 3072x3072 "$WORK/m" || { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
M="$WORK/m/mosaic.tif"
"$SWATH" run --job pixel-defects "$M" --out "$WORK/ref" 2> "$WORK/ref.log" || fail "reference run: $(tail -3 "$WORK/ref.log")"
ref=$(checksum "$WORK/ref/mask.tif")
refc=$(checksum "$WORK/ref/confidence.tif")
ntiles=$(grep -o '[0-9]* tiles (' "$WORK/ref.log" | head -1 | grep -o '^[0-9]*')
refp=$(polygons "$WORK/ref/defects.gpkg")
refq=$(pixels "$WORK/ref/quicklook.png")
[ -n "$refp" ] || fail "the reference run wrote no defect polygons"
areas_match "$WORK/ref" reference
echo "   reference: $ntiles tiles, mask checksum $ref, polygons $refp"

# 1. mpiexec -n 2, killed after 20 records; a torn record appended; resumed with -n 4 -r 2.
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/k" --test-kill-after 20 > "$WORK/k1.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "the killed run exited 0"
[ ! -f "$WORK/k/mask.tif" ] || fail "the killed run wrote mask.tif"
size=$(stat -c %s "$WORK/k/journal.bin")
[ "$size" -eq $((20 * REC)) ] || fail "journal.bin holds $size bytes after 20 records, expected $((20 * REC))"
ok "killed after 20 journal records (exit $rc, journal $size bytes)"
head -c 77 /dev/urandom >> "$WORK/k/journal.bin"
mpirun_swath 4 run --job pixel-defects "$M" --out "$WORK/k" --resume --reducers 2 2> "$WORK/k2.log" ||
  fail "resume -n 4: $(tail -5 "$WORK/k2.log")"
grep -q 'torn record' "$WORK/k2.log" || fail "the torn journal record was not reported"
grep -q 'already journaled' "$WORK/k2.log" || fail "the resume did not report the journaled tiles"
[ "$(checksum "$WORK/k/mask.tif")" = "$ref" ] || fail "resumed mask differs from the uninterrupted one"
[ "$(checksum "$WORK/k/confidence.tif")" = "$refc" ] || fail "resumed confidence differs"
[ "$(stat -c %s "$WORK/k/journal.bin")" -eq $((ntiles * REC)) ] || fail "journal.bin does not hold one record per tile"
[ "$(polygons "$WORK/k/defects.gpkg")" = "$refp" ] || fail "resumed polygons differ: $(polygons "$WORK/k/defects.gpkg")"
# the quicklook's cells of the tiles done before the kill: read again by rank 0, the same pixels
grep -qE 'quicklook: read ([0-9]+ tile windows|1 tile window) again \(' "$WORK/k2.log" || fail "the resume did not read the quicklook of the tiles done before"
[ "$(pixels "$WORK/k/quicklook.png")" = "$refq" ] || fail "resumed quicklook.png differs from the uninterrupted one"
ok "resumed with -n 4 --reducers 2 after a torn record: same mask, polygons and quicklook"

# 2. One process killed twice (after 10, then 25 more records), resumed under -n 2.
"$SWATH" run --job pixel-defects "$M" --out "$WORK/s" --test-kill-after 10 > "$WORK/s1.log" 2>&1
rc1=$?
"$SWATH" run --job pixel-defects "$M" --out "$WORK/s" --resume --test-kill-after 25 > "$WORK/s2.log" 2>&1
rc2=$?
[ "$rc1" -eq 137 ] && [ "$rc2" -eq 137 ] || fail "the killed runs exited $rc1 and $rc2, expected 137 (SIGKILL)"
mpirun_swath 2 run --job pixel-defects "$M" --out "$WORK/s" --resume 2> "$WORK/s3.log" || fail "resume -n 2: $(tail -5 "$WORK/s3.log")"
grep -q '35 of' "$WORK/s3.log" || fail "the second resume did not find 35 journaled tiles: $(grep resuming "$WORK/s3.log")"
[ "$(checksum "$WORK/s/mask.tif")" = "$ref" ] || fail "mask after two kills differs from the uninterrupted one"
[ "$(polygons "$WORK/s/defects.gpkg")" = "$refp" ] || fail "polygons after two kills differ"
[ "$(pixels "$WORK/s/quicklook.png")" = "$refq" ] || fail "quicklook.png after two kills differs"
ok "one process killed twice, resumed under -n 2: same mask, polygons and quicklook"

# 3. Resuming a finished run redoes nothing and writes the same mask.
"$SWATH" run --job pixel-defects "$M" --out "$WORK/s" --resume 2> "$WORK/s4.log" || fail "resume of a finished run: $(tail -3 "$WORK/s4.log")"
grep -q "$ntiles of $ntiles tiles already journaled" "$WORK/s4.log" || fail "finished run: $(grep resuming "$WORK/s4.log")"
[ "$(checksum "$WORK/s/mask.tif")" = "$ref" ] || fail "mask of a resumed finished run differs"
ok "resume of a finished run: nothing redone, same mask"
finish
