#!/usr/bin/env bash
# slurm/train.sbatch on a private SLURM: 2 ranks (srun --mpi=pmix), stopped mid-run by USR1 to the
# batch shell (as --signal=B:USR1@T before the time limit): rank 0 checkpoints, exit 75, the script
# requeues, the job continues with --resume; the final model is the uninterrupted mpiexec run's
# (same parameter hash, same validation loss). $CHIPS: the train_chips fixture (tests/train.cmake).
set -u
. "$TESTS/slurm/prelude.sh"
[ -f "${CHIPS:-}" ] || fail "no chips file '${CHIPS:-}' (the train_chips fixture)"
export OMP_NUM_THREADS=1
COMMON="--chips $CHIPS --arch unet --depth 3 --width 8 --crop 32 --batch 4 --epochs 30 --lr 0.003 --seed 9 --optim adamw --schedule cosine --progress json"
# field FILE KEY: the last value of KEY in JSON lines
field() { "$PYTHON" -c '
import json, sys
v = None
for l in open(sys.argv[1]):
    l = l.strip()
    if l.startswith("{"):
        d = json.loads(l)
        if sys.argv[2] in d: v = d[sys.argv[2]]
print(v)' "$1" "$2"; }
laststep() { grep -ao '"step":[0-9]*' "$WORK/t.out" 2>/dev/null | tail -1 | cut -d: -f2; }

mpiexec --oversubscribe --bind-to none -n 2 "$SWATH" train $COMMON --out "$WORK/full.h5" > "$WORK/full.jsonl" 2> "$WORK/full.log" ||
  fail "uninterrupted mpiexec -n 2: $(tail -3 "$WORK/full.log")"
steps=$(field "$WORK/full.jsonl" steps)
hash=$(field "$WORK/full.jsonl" param_hash)
echo "   mpiexec -n 2: $steps steps, parameter hash $hash"

jid=$(sj_submit --ntasks-per-node=2 --cpus-per-task=1 -o "$WORK/t.out" "$SLURM_SCRIPTS/train.sbatch" $COMMON --out "$WORK/model.h5")
t0=$SECONDS
until [ "$(laststep)" -ge 10 ] 2>/dev/null || [ $((SECONDS - t0)) -ge 90 ]; do sleep 0.2; done
at=$(laststep)
if ! [ "${at:-0}" -ge 10 ] || ! [ "$at" -lt "$steps" ]; then
  fail "could not catch the training mid-run (last step '$at' of $steps; job $(sj_state "$jid")): $(tail -3 "$WORK/t.out" 2>&1)"
  finish
  exit 1
fi
scancel --signal=USR1 --batch "$jid" || fail "scancel --signal=USR1 --batch $jid failed"
t0=$SECONDS
until [ "$(scontrol show job "$jid" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')" = 1 ] || [ $((SECONDS - t0)) -ge 60 ]; do sleep 0.3; done
grep -q 'swath stopped with 75 (resume me): requeueing' "$WORK/t.out" || fail "no exit 75 / requeue after USR1: $(tail -5 "$WORK/t.out")"
[ -f "$WORK/model.h5" ] || fail "no checkpoint after the stop"
ok "USR1 to the batch shell at step ~$at of $steps: checkpoint, exit 75, requeued"

res=$(sj_wait "$jid" 200)
[ "$res" = "COMPLETED 0:0" ] || fail "train.sbatch job $jid ended '$res': $(tail -5 "$WORK/t.out")"
grep -q 'restart 1: .*--resume' "$WORK/t.out" || fail "the requeued job did not run with --resume"
[ "$(field "$WORK/t.out" param_hash)" = "$hash" ] || fail "final parameters differ: $(field "$WORK/t.out" param_hash) vs $hash"
[ "$(field "$WORK/t.out" val_loss)" = "$(field "$WORK/full.jsonl" val_loss)" ] || fail "validation loss differs"
ok "resumed to the end: the same parameters (hash $hash) and validation loss as uninterrupted ($res)"

# --overwrite: the first start replaces the finished model (no --resume added), here with 1 epoch
ONE="--chips $CHIPS --arch unet --depth 3 --width 8 --crop 32 --batch 4 --epochs 1 --lr 0.003 --seed 9 --progress json"
jid=$(sj_submit --ntasks-per-node=2 --cpus-per-task=1 -o "$WORK/o.out" "$SLURM_SCRIPTS/train.sbatch" $ONE --out "$WORK/model.h5" --overwrite)
res=$(sj_wait "$jid" 120)
[ "$res" = "COMPLETED 0:0" ] || fail "train.sbatch --overwrite job $jid ended '$res': $(tail -5 "$WORK/o.out")"
grep -q -- '--resume' "$WORK/o.out" && fail "--overwrite on a first start added --resume: $(grep -- --resume "$WORK/o.out")"
grep -q "holds a model: --overwrite, this new run replaces it" "$WORK/o.out" || fail "no replacement note: $(tail -5 "$WORK/o.out")"
[ "$(field "$WORK/o.out" param_hash)" != "$hash" ] || fail "--overwrite left the 30-epoch model"
ok "train.sbatch --overwrite replaces an existing model on its first start"
finish
