#!/usr/bin/env python3
"""Collects the scenes of an archive reprocessing (slurm/archive.sbatch) into one CSV table.

    python3 slurm/collect.py [--scenes SCENES.txt] [--out summary.csv] OUTROOT

One row per scene: its status (done: OUTROOT/NAME/report.json; failed: OUTROOT/NAME/FAILED, with
the exit code and swath's error; stopped: a run folder without report, resumable with --resume;
missing: never started), the SLURM job, the tiles, the time and the defects found per class. With
--scenes the rows follow the list (and scenes never started show up); otherwise every folder of
OUTROOT. Python's standard library only. Exit 0 whatever the scenes' states; 2 on bad arguments.
"""
import argparse
import csv
import io
import json
import os
import sys

# Column order of the per-class counts (the report's own names; others follow alphabetically).
CLASSES = ["cloud", "shadow", "stretching_blur_pattern", "blur", "spectral_overflow", "distortion",
           "stitching_trace", "stitching_misalignment", "stripe_noise", "pixel_missing"]
FIELDS = ["scene", "status", "exit_code", "reason", "slurm_job", "restarts", "width", "height",
          "tiles_total", "tiles_done", "tiles_failed", "tiles_resumed", "seconds", "mpx_per_s",
          "defects", "defect_pixels", "defect_area_m2"]


def scene_names(path):
    names = []
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith("#"):
                names.append(os.path.splitext(os.path.basename(s))[0])
    return names


def read_failed(path):
    kv = {}
    with open(path, errors="replace") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            kv[k] = v
    return kv


def row_for(root, name):
    d = os.path.join(root, name)
    row = {"scene": name}
    rep = os.path.join(d, "report.json")
    failed = os.path.join(d, "FAILED")
    if os.path.isfile(failed):
        kv = read_failed(failed)
        row.update(status="failed", exit_code=kv.get("exit_code", ""), reason=kv.get("reason", ""),
                   slurm_job=kv.get("job_id", ""))
        return row
    if not os.path.isfile(rep):
        row["status"] = "stopped" if os.path.isfile(os.path.join(d, "run.h5")) else "missing"
        return row
    try:
        with open(rep) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        row.update(status="failed", reason="unreadable report.json: %s" % e)
        return row
    slurm = r.get("slurm") or {}
    job = slurm.get("job_id") or ""
    if slurm.get("array_job_id"):
        job = "%s_%s" % (slurm["array_job_id"], slurm.get("array_task_id"))
    tiles = r.get("tiles") or {}
    raster = r.get("raster") or {}
    totals = r.get("totals") or {}
    row.update(status="done", exit_code=0, slurm_job=job, restarts=slurm.get("restarts", ""),
               width=raster.get("width"), height=raster.get("height"),
               tiles_total=tiles.get("total"), tiles_done=tiles.get("done"),
               tiles_failed=tiles.get("failed"), tiles_resumed=r.get("tiles_resumed"),
               seconds=r.get("seconds"), mpx_per_s=r.get("mpx_per_s"),
               defects=totals.get("count"), defect_pixels=totals.get("pixels"),
               defect_area_m2=totals.get("area_m2"))
    for c in r.get("classes") or []:
        row["count_" + str(c.get("name"))] = c.get("count")
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", help="OUTROOT of archive.sbatch")
    ap.add_argument("--scenes", help="the scene list given to archive.sbatch (rows in its order)")
    ap.add_argument("--out", help="CSV file to write (written aside, then renamed); default stdout")
    a = ap.parse_args()
    if not os.path.isdir(a.root):
        ap.error("%s is not a folder" % a.root)
    if a.scenes:
        names = scene_names(a.scenes)
    else:
        names = sorted(n for n in os.listdir(a.root) if os.path.isdir(os.path.join(a.root, n)))
    rows = [row_for(a.root, n) for n in names]
    extra = []
    for r in rows:
        extra += [k for k in r if k.startswith("count_") and k not in extra]
    order = {("count_" + n): i for i, n in enumerate(CLASSES)}
    extra.sort(key=lambda k: (order.get(k, len(order)), k))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS + extra, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    if a.out:
        tmp = a.out + ".part"
        with open(tmp, "w") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, a.out)
    else:
        sys.stdout.write(buf.getvalue())
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print("collect.py: %d scenes: %s" % (len(rows), ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
