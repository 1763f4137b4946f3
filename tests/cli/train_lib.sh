# Helpers for the swath train tests: $CHIPS (made by train_make_chips), mpi runs, JSON lines.
MPI="mpiexec --oversubscribe --bind-to none"
export OMP_NUM_THREADS=1
# train NAME RANKS ARGS...: runs swath train under mpiexec -n RANKS, JSON lines in $WORK/NAME.jsonl
train() {
  local name=$1 n=$2
  shift 2
  $MPI -n "$n" "$SWATH" train --chips "$CHIPS" --out "$WORK/$name.h5" "$@" > "$WORK/$name.jsonl" 2> "$WORK/$name.log"
}
# losses FILE: "step loss" per step line
losses() { "$PYTHON" -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if "loss" in d and "step" in d: print(d["step"], repr(d["loss"]))' "$1"; }
# field FILE KEY: the last value of KEY
field() { "$PYTHON" -c '
import json, sys
v = None
for l in open(sys.argv[1]):
    d = json.loads(l)
    if sys.argv[2] in d: v = d[sys.argv[2]]
print(v)' "$1" "$2"; }
# compare A B TOL0 TOLSTEP [common]: max relative loss difference per step <= TOL0 + TOLSTEP * step
# (with "common": over the steps both files have);
# prints the worst step; exit 1 when above (or when the steps differ)
compare() { "$PYTHON" -c '
import json, sys
def load(p):
    return {d["step"]: d["loss"] for d in map(json.loads, open(p)) if "loss" in d and "step" in d}
a, b = load(sys.argv[1]), load(sys.argv[2])
t0, ts = float(sys.argv[3]), float(sys.argv[4])
if len(sys.argv) > 5:  # "common": the steps both have
    a = {s: v for s, v in a.items() if s in b}; b = {s: v for s, v in b.items() if s in a}
if sorted(a) != sorted(b) or not a: print("steps differ:", sorted(a), sorted(b)); sys.exit(1)
worst, bad = (0, 0.0), []
for s in sorted(a):
    r = abs(a[s] - b[s]) / max(abs(a[s]), 1e-12)
    if r > worst[1]: worst = (s, r)
    if r > t0 + ts * s: bad.append((s, a[s], b[s], r))
print("max relative difference %.3g at step %d; first losses %.6f %.6f" % (worst[1], worst[0], a[min(a)], b[min(b)]))
if bad: print("above tolerance:", bad[:3]); sys.exit(1)' "$@"; }
