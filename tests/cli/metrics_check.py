"""Recomputes with numpy the scores test_chips_metrics wrote (metrics_out.json) from its arrays
(metrics_in.bin), with the definitions of src/metrics/multiclass.h written out here again:
IoU tp/(tp+fp+fn), precision, recall, F1 2tp/(2tp+fp+fn) per class over truth != 255; pixel
accuracy; mIoU over classes present in truth or prediction (all, then without class 0);
multi-label exact-match accuracy, per-label F1, macro F1 over labels where F1 is defined."""
import json
import math
import sys

import numpy as np

d = sys.argv[1]
out = json.load(open(f"{d}/metrics_out.json"))
K, N, S = out["K"], out["npix"], out["nsamples"]
raw = np.fromfile(f"{d}/metrics_in.bin", np.uint8)
truth, pred = raw[:N], raw[N:2 * N]
tl = raw[2 * N:2 * N + S * (K - 1)].reshape(S, K - 1)
pl = raw[2 * N + S * (K - 1):].reshape(S, K - 1)
keep = truth != 255
cm = np.zeros((K, K), np.int64)
np.add.at(cm, (truth[keep], pred[keep]), 1)
fails = 0


def same(a, b, what):
    global fails
    ok = (a is None and (b is None or math.isnan(b))) or (a is not None and b is not None and not math.isnan(b)
                                                            and abs(a - b) <= 1e-9 * max(1, abs(b)))
    if not ok:
        print(f"FAIL {what}: swath {a}, numpy {b}")
        fails += 1


def ratio(a, b):
    return a / b if b else float("nan")


ious = []
for k in range(K):
    tp = cm[k, k]
    fp = cm[:, k].sum() - tp
    fn = cm[k, :].sum() - tp
    iou = ratio(tp, tp + fp + fn)
    ious.append(iou)
    c = out["classes"][k]
    same(c["iou"], iou, f"IoU {k}")
    same(c["f1"], ratio(2 * tp, 2 * tp + fp + fn), f"F1 {k}")
    same(c["precision"], ratio(tp, tp + fp), f"precision {k}")
    same(c["recall"], ratio(tp, tp + fn), f"recall {k}")
same(out["accuracy"], ratio(np.trace(cm), cm.sum()), "pixel accuracy")
same(out["miou"], np.nanmean(ious), "mIoU")
same(out["miou_no_background"], np.nanmean(ious[1:]), "mIoU without background")
same(out["ignored"], float((~keep).sum()), "ignored")
f1s = []
for k in range(K - 1):
    tp = int(((tl[:, k] == 1) & (pl[:, k] == 1)).sum())
    fp = int(((tl[:, k] == 0) & (pl[:, k] == 1)).sum())
    fn = int(((tl[:, k] == 1) & (pl[:, k] == 0)).sum())
    f1s.append(ratio(2 * tp, 2 * tp + fp + fn))
    same(out["label_f1"][k], f1s[-1], f"label F1 {k + 1}")
same(out["ml_accuracy"], float((tl == pl).all(1).mean()), "multi-label accuracy (exact match)")
same(out["macro_f1"], float(np.nanmean(f1s)), "macro F1")
print(f"{'FAIL' if fails else 'ok'}: {K} classes, {N} pixels, {S} label vectors: every score equals numpy's "
      f"(mIoU {np.nanmean(ious):.6f}, macro F1 {np.nanmean(f1s):.6f})")
sys.exit(1 if fails else 0)
