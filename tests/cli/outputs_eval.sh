#!/bin/bash
# `swath eval`: the 512x512 "shapes" mask (tests/unit/test_outputs_tool.c) against itself (IoU 1
# for every class present) and against copies with a known number of changed pixels (exact IoU,
# precision and recall); the synth truth against itself when `swath synth` is there; clear errors
# for missing files, other sizes and other geotransforms.
set -u
source "$TESTS/cli/lib.sh"
export GDAL_PAM_ENABLED=NO
T=$TEST_OUTPUTS
$T mask "$WORK/m.tif" EPSG:32650 2 500000 2900000 || { fail "fixture"; finish; exit 1; }

"$SWATH" eval --mask "$WORK/m.tif" --truth "$WORK/m.tif" --json >"$WORK/self.json" || fail "eval self"
"$PYTHON" - "$WORK/self.json" <<'EOF' || fail "self IoU"
import json, sys
r = json.load(open(sys.argv[1]))
px = {1: 7600, 2: 1236, 3: 1100, 4: 200, 5: 3200, 6: 600, 7: 200, 8: 109, 9: 94, 10: 1000}
for k in r["classes"]:
    if k["id"] == 0: continue
    assert k["iou"] == 1 and k["precision"] == 1 and k["recall"] == 1, k
    assert k["truth_px"] == px[k["id"]] == k["pred_px"] == k["tp"] and k["fp"] == 0 and k["fn"] == 0, k
assert r["ignored"] == 8 * 512 and r["accuracy"] == 1 and r["miou"] == 1, r
EOF
"$SWATH" eval --mask "$WORK/m.tif" --truth "$WORK/m.tif" | grep -q "^1   cloud .* 1.0000 1.0000 1.0000$" || fail "table"
ok "eval of a mask against itself: IoU, precision, recall 1; 255 ignored; table and JSON"

# 500 cloud pixels -> background, then 300 cloud pixels -> shadow (class 2).
[ "$($T modify "$WORK/m.tif" "$WORK/m_bg.tif" 500 1 0)" = 500 ] || fail "modify 1 -> 0"
[ "$($T modify "$WORK/m.tif" "$WORK/m_sh.tif" 300 1 2)" = 300 ] || fail "modify 1 -> 2"
"$SWATH" eval --mask "$WORK/m_bg.tif" --truth "$WORK/m.tif" --json >"$WORK/bg.json" || fail "eval bg"
"$SWATH" eval --mask "$WORK/m_sh.tif" --truth "$WORK/m.tif" --json >"$WORK/sh.json" || fail "eval sh"
"$PYTHON" - "$WORK/bg.json" "$WORK/sh.json" <<'EOF' || fail "exact IoU of the modified masks"
import json, sys
bg = {k["id"]: k for k in json.load(open(sys.argv[1]))["classes"]}
sh = {k["id"]: k for k in json.load(open(sys.argv[2]))["classes"]}
T0 = 512 * 504 - 15339          # background pixels of the truth: valid pixels minus defects
def near(a, b): return abs(a - b) <= 1e-9
assert near(bg[1]["iou"], 7100 / 7600) and near(bg[1]["recall"], 7100 / 7600) and bg[1]["precision"] == 1, bg[1]
assert near(bg[0]["iou"], T0 / (T0 + 500)) and near(bg[0]["precision"], T0 / (T0 + 500)), bg[0]
assert near(sh[1]["iou"], 7300 / 7600) and near(sh[2]["iou"], 1236 / 1536), (sh[1], sh[2])
assert near(sh[2]["precision"], 1236 / 1536) and sh[2]["recall"] == 1 and sh[0]["iou"] == 1, sh[2]
print("   IoU cloud %.9f (7100/7600), background %.9f, shadow %.9f (1236/1536)" % (bg[1]["iou"], bg[0]["iou"], sh[2]["iou"]))
EOF
ok "eval against copies with 500 / 300 changed pixels: exact IoU, precision, recall"

if "$SWATH" synth defects --help >/dev/null 2>&1; then
  "$SWATH" -q synth defects --size 1024x1024 --seed 7 --out "$WORK/synth" >/dev/null || fail "synth"
  "$SWATH" eval --mask "$WORK/synth/truth.tif" --truth "$WORK/synth/truth.tif" --json | grep -q '"miou": 1,' || fail "synth self"
  ok "synth truth against itself: mean IoU 1"
fi

expect_fail 3 "$WORK/none.tif" "$SWATH" eval --mask "$WORK/none.tif" --truth "$WORK/m.tif"
expect_fail 3 "$WORK/none.tif" "$SWATH" eval --mask "$WORK/m.tif" --truth "$WORK/none.tif"
command -v gdal_translate >/dev/null && {
  gdal_translate -q -outsize 256 256 "$WORK/m.tif" "$WORK/m256.tif"
  expect_fail 3 "the mask '$WORK/m256.tif' is 256x256 but the truth '$WORK/m.tif' is 512x512" \
    "$SWATH" eval --mask "$WORK/m256.tif" --truth "$WORK/m.tif"
  gdal_translate -q -a_ullr 500010 2900000 501034 2898976 "$WORK/m.tif" "$WORK/shift.tif"
  expect_fail 3 "the mask '$WORK/shift.tif' and the truth '$WORK/m.tif' have different geotransforms" \
    "$SWATH" eval --mask "$WORK/shift.tif" --truth "$WORK/m.tif"
}
gdal_translate -q -b 1 -b 1 -b 1 "$WORK/m.tif" "$WORK/rgb.tif" || fail "gdal_translate rgb.tif"
expect_fail 3 "mask '$WORK/rgb.tif' has 3 bands: a class mask has one band" "$SWATH" eval --mask "$WORK/rgb.tif" \
  --truth "$WORK/m.tif"
expect_fail 2 "--mask and --truth are required" "$SWATH" eval --mask "$WORK/m.tif"
"$SWATH" eval --help | grep -q "^usage: swath eval --mask" || fail "swath eval --help"
"$SWATH" --help | grep -q "^  eval " || fail "swath --help does not list eval"
ok "bad input: missing files, other size, other geotransform -> exit 3 naming both; missing flag -> 2"
finish
