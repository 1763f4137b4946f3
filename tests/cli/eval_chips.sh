#!/usr/bin/env bash
# swath eval --chips with models of seeded random weights (a UNet and a ResNet-18 classifier) on
# chips of a synthesized mosaic. The JSON is checked against the chips themselves (read with
# h5dump and numpy): per-class truth pixels and ignored pixels of the val masks, the confusion's
# totals, every IoU / F1 / precision / recall / accuracy / mIoU recomputed from the confusion,
# the multi-label truth counts from the masks or label vectors, exact-match accuracy and macro F1
# bounds. The metric functions themselves are checked against numpy by test_chips_metrics.
set -u
source "$TESTS/cli/lib.sh"
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { echo "skipped: $PY lacks numpy"; exit 77; }
command -v h5dump >/dev/null || { echo "skipped: no h5dump"; exit 77; }
"$SWATH" --quiet synth defects --size 512 --tile 256 --seed 5 --out "$WORK/m" || fail "synth defects"
"$SWATH" --quiet dataset build "$WORK/m/mosaic.tif" --labels "$WORK/m/truth.tif" --tile 68 --stride 64 \
  --out "$WORK/c.h5" || fail "dataset build"
"$TEST_METRICS" --model "$WORK/unet.h5" unet 3 11 8 || fail "unet model"
"$TEST_METRICS" --model "$WORK/cls.h5" resnet18-cls 3 11 8 || fail "classifier model"
"$SWATH" eval --chips "$WORK/c.h5" --model "$WORK/unet.h5" --json-file "$WORK/unet.json" > "$WORK/unet.txt" ||
  fail "eval unet"
grep -q "pixel accuracy" "$WORK/unet.txt" && grep -q "macro F1" "$WORK/unet.txt" || fail "no table: $(cat "$WORK/unet.txt")"
"$SWATH" eval --chips "$WORK/c.h5" --model "$WORK/cls.h5" --split train --batch 5 --json-file "$WORK/cls.json" \
  > "$WORK/cls.txt" || fail "eval classifier"
$PY - "$TESTS/cli" "$WORK" <<'PYEOF' || fail "metrics against the chips"
import json, math, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from chips_h5 import h5_read
w = sys.argv[2]
def same(a, b, what):
    if a is None:
        assert b is None or math.isnan(b), f"{what}: swath null, numpy {b}"
    else:
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), f"{what}: swath {a}, numpy {b}"
# segmentation, val split: tile 68 is cropped at the centre to 64 (the unet's multiple of 8)
r = json.load(open(f"{w}/unet.json"))
masks = h5_read(f"{w}/c.h5", "/val/masks", "u1")
assert r["n_chips"] == len(masks) and r["crop"] == [64, 64] and r["task"] == "segment"
crop = masks[:, 2:66, 2:66]
K = len(r["classes"])
cm = np.array(r["confusion"], np.int64)
hist = np.bincount(crop[crop < K].ravel(), minlength=K)
assert np.array_equal(cm.sum(1), hist), f"truth rows {cm.sum(1)} != val mask histogram {hist}"
assert r["ignored"] == int((crop == 255).sum())
ious = []
for k, c in enumerate(r["classes"]):
    tp, fp, fn = cm[k, k], cm[:, k].sum() - cm[k, k], cm[k, :].sum() - cm[k, k]
    assert c["truth_px"] == hist[k] and c["pred_px"] == cm[:, k].sum()
    rat = lambda a, b: a / b if b else float("nan")
    ious.append(rat(tp, tp + fp + fn))
    same(c["iou"], ious[-1], f"IoU {k}"), same(c["f1"], rat(2 * tp, 2 * tp + fp + fn), f"F1 {k}")
    same(c["precision"], rat(tp, tp + fp), f"precision {k}"), same(c["recall"], rat(tp, tp + fn), f"recall {k}")
    if k:  # multi-label truth: chips whose scored area holds class k
        assert c["label_tp"] + c["label_fn"] == int((crop == k).any((1, 2)).sum()), f"label truth {k}"
same(r["pixel_accuracy"], np.trace(cm) / cm.sum(), "pixel accuracy")
same(r["miou"], np.nanmean(ious), "mIoU")
same(r["miou_no_background"], np.nanmean(ious[1:]), "mIoU without background")
assert r["multilabel_samples"] == len(masks)
# classifier, train split: truth = the label vectors
r = json.load(open(f"{w}/cls.json"))
lab = h5_read(f"{w}/c.h5", "/train/labels", "u1")
assert r["task"] == "classify" and r["n_chips"] == len(lab) and "confusion" not in r
f1s = []
for k, c in enumerate(r["classes"][1:], 1):
    assert c["label_tp"] + c["label_fn"] == int(lab[:, k].sum()), f"label truth {k}"
    tp, fp, fn = c["label_tp"], c["label_fp"], c["label_fn"]
    f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan"))
    same(c["label_f1"], f1s[-1], f"label F1 {k}")
same(r["macro_f1"], np.nanmean(f1s), "macro F1")
same(r["multilabel_accuracy"], r["multilabel_exact"] / r["multilabel_samples"], "exact-match accuracy")
print(f"ok: unet mIoU {r and np.nanmean(ious):.4f}; classifier macro F1 {np.nanmean(f1s):.4f}")
PYEOF
ok "eval --chips: segmentation and classifier metrics consistent with the chips"
finish
