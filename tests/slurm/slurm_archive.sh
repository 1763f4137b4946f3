#!/usr/bin/env bash
# slurm/archive-submit.sh: an array over three scenes, one of them corrupt, two at a time, then the
# summary step (afterany): the two good scenes are done with the same masks as plain runs, the bad
# one is recorded (FAILED, exit 3, swath's reason) and did not stop the others; summary.csv has a
# row per scene.
set -u
. "$TESTS/slurm/prelude.sh"
mkdir -p "$WORK/in"
for s in 1 2; do
  "$SWATH" --quiet synth defects --size 1024x1024 --seed "$s" --out "$WORK/s$s" > "$WORK/synth.log" 2>&1 ||
    { echo "FAIL: synth: $(tail -3 "$WORK/synth.log")"; exit 1; }
  cp "$WORK/s$s/mosaic.tif" "$WORK/in/scene_$s.tif"
  "$SWATH" run --job pixel-defects "$WORK/in/scene_$s.tif" --out "$WORK/ref$s" 2> "$WORK/ref$s.log" || fail "reference run $s"
done
head -c 65536 /dev/urandom > "$WORK/in/scene_bad.tif"
printf '# three scenes, one corrupt\n%s\n%s\n\n%s\n' "$WORK/in/scene_1.tif" "$WORK/in/scene_bad.tif" "$WORK/in/scene_2.tif" > "$WORK/scenes.txt"

line=$("$SLURM_SCRIPTS/archive-submit.sh" -t 2 "$WORK/scenes.txt" "$WORK/out") || fail "archive-submit.sh failed"
echo "   $line"
arr=$(echo "$line" | sed -n 's/^array \([0-9]*\) .*/\1/p')
sum=$(echo "$line" | sed -n 's/.*summary \([0-9]*\) .*/\1/p')
[ -n "$arr" ] && [ -n "$sum" ] || fail "no job ids from archive-submit.sh: $line"
res=$(sj_wait "$sum" 180)
[ "$res" = "COMPLETED 0:0" ] || fail "the summary job ended '$res': $(cat "$WORK"/out/swath-archive-summary-*.out)"
for t in 0 1 2; do r[t]=$(sj_wait "${arr}_$t" 5); done
[ "${r[0]}" = "COMPLETED 0:0" ] && [ "${r[2]}" = "COMPLETED 0:0" ] || fail "good scenes ended '${r[0]}' and '${r[2]}'"
[ "${r[1]}" = "FAILED 3:0" ] || fail "the corrupt scene's task ended '${r[1]}', expected FAILED 3:0"
ok "array: tasks 0 and 2 completed, task 1 (corrupt) failed with exit 3; the summary ran after all"

for s in 1 2; do
  [ "$(checksum "$WORK/out/scene_$s/mask.tif")" = "$(checksum "$WORK/ref$s/mask.tif")" ] || fail "scene_$s: mask differs from a plain run"
done
grep -q '^exit_code=3$' "$WORK/out/scene_bad/FAILED" || fail "scene_bad/FAILED: $(cat "$WORK/out/scene_bad/FAILED")"
grep -q '^reason=.*scene_bad.tif' "$WORK/out/scene_bad/FAILED" || fail "scene_bad/FAILED names no reason"
ok "good scenes' masks equal plain runs; the corrupt one recorded: $(sed -n 's/^reason=//p' "$WORK/out/scene_bad/FAILED" | cut -c1-80)"

csv="$WORK/out/summary.csv"
[ -f "$csv" ] || fail "no summary.csv"
"$PYTHON" - "$csv" "$arr" <<'PY' || fail "summary.csv is not as expected: $(cat "$csv")"
import csv, sys
rows = {r["scene"]: r for r in csv.DictReader(open(sys.argv[1]))}
arr = sys.argv[2]
assert list(rows) == ["scene_1", "scene_bad", "scene_2"], list(rows)
for s, t in (("scene_1", 0), ("scene_2", 2)):
    r = rows[s]
    assert r["status"] == "done" and r["exit_code"] == "0", r
    assert r["slurm_job"] == f"{arr}_{t}", r
    assert int(r["tiles_done"]) == int(r["tiles_total"]) > 0, r
    assert int(r["defects"]) > 0 and int(r["count_pixel_missing"]) >= 0, r
b = rows["scene_bad"]
assert b["status"] == "failed" and b["exit_code"] == "3" and "scene_bad.tif" in b["reason"], b
assert b["slurm_job"] == f"{arr}_1", b
print("   summary.csv:", {k: (v["status"], v["defects"]) for k, v in rows.items()})
PY
ok "summary.csv: one row per scene, in the list's order, with status, job and defects"
finish
