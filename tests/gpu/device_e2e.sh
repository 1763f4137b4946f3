#!/bin/bash
# On the lent GPU machine, with .carry/swath-carry.tar.xz from tests/gpu/make_carry.sh: the whole
# program on the GPU. Chips from a synthesized mosaic, `swath train` on the GPU and on the CPU
# (same seed, 20 steps: the losses compared; cross-entropy, focal, dice; the NCCL bucket hooks on
# one rank; two ranks on the one GPU with the sums through the host), then `swath run --job segment` with a model on
# the GPU and on the CPU (the masks compared with swath eval). Logs and JSON lines to $OUT.
# Run through the device tool: command "bash tests/gpu/device_e2e.sh", carry [".carry"]. STEPS=2
# makes a quick smoke run (on a machine without a GPU the cuda runs fail and say why); ONLY=segment
# trains the one GPU model and runs only the segment jobs.
set -u
OUT=${OUT:-/tmp/e2e-out}; mkdir -p "$OUT"
R=/tmp/swroot; mkdir -p $R && tar -C $R -xJf .carry/swath-carry.tar.xz || exit 1
# Open MPI / PMIx plugins, orted, mpiexec and GDAL / PROJ data at their Debian paths (absent there)
cp -an $R/usr/lib/x86_64-linux-gnu/openmpi $R/usr/lib/x86_64-linux-gnu/pmix2 /usr/lib/x86_64-linux-gnu/
mkdir -p /usr/share/proj; cp -an $R/usr/bin/orted $R/usr/bin/orterun /usr/bin/
cp -an $R/etc/openmpi /etc/
cp -an $R/usr/share/openmpi $R/usr/share/gdal /usr/share/; cp -an $R/usr/share/proj/proj.db /usr/share/proj/
SP=$(python3 -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))")/nvidia
export LD_LIBRARY_PATH=$R/sw/lib:$SP/cudnn/lib:$SP/cublas/lib:$SP/nccl/lib:/usr/local/cuda/lib64
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=16
S=$R/sw/bin/swath; W=/tmp/w; rm -rf $W; mkdir -p $W   # a warm machine keeps the last run's models
$S --version | tee "$OUT/version.txt"
$S --quiet synth defects --size 2048 --seed 5 --out $W/m >/dev/null 2>&1
$S --quiet dataset build $W/m/mosaic.tif --labels $W/m/truth.tif --tile 128 --stride 128 --out $W/chips.h5
A="--chips $W/chips.h5 --arch unet --depth 4 --width 16 --crop 128 --batch 16 --max-steps ${STEPS:-20} --seed 3 --progress json"
# train NAME RANKS ARGS...: swath train under mpiexec, JSON lines and log in $W
train() {
  local name=$1 n=$2; shift 2
  /usr/bin/time -f "train $name: %e s wall" /usr/bin/orterun --bind-to none -n $n $S train $A --out $W/$name.h5 "$@" \
    > $W/$name.jsonl 2> $W/$name.log
  echo "train $name: rc=$?"; grep -E "train:|error|wall" $W/$name.log | head -4
}
train cuda 1 --device cuda
if [ "${ONLY:-}" != segment ]; then # ONLY=segment: the model, then the segment runs alone
train cpu 1 --device cpu
for l in focal dice; do train cuda_$l 1 --device cuda --loss $l; train cpu_$l 1 --device cpu --loss $l; done
train cuda_tf32 1 --device cuda --precision tf32
train cuda_bf16 1 --device cuda --precision bf16
train cuda_bf16a 1 --device cuda --precision bf16-act     # activations stored in bf16
train cuda_det 1 --device cuda --deterministic; train cuda_det2 1 --device cuda --deterministic
SWATH_NCCL=1 train nccl1 1 --device cuda                   # the NCCL bucket hooks, one rank
SWATH_NCCL=0 train staged2 2 --device cuda                 # two ranks on the one GPU, sums through the host
train nccl2 2 --device cuda                                # NCCL refuses two ranks on one GPU: staged, says so
train cpu2 2 --device cpu
python3 - <<'PY'
import json
def L(p): return {d["step"]: d["loss"] for d in map(json.loads, open("/tmp/w/%s.jsonl" % p)) if "loss" in d and "step" in d}
for a, b in [("cuda", "cpu"), ("cuda_tf32", "cpu"), ("cuda_bf16", "cpu"), ("cuda_bf16a", "cpu"), ("cuda_det", "cuda_det2"), ("cuda_focal", "cpu_focal"), ("cuda_dice", "cpu_dice"), ("nccl1", "cuda"),
             ("nccl1", "cpu"), ("staged2", "cpu2"), ("nccl2", "cpu2")]:
    try:
        g, c = L(a), L(b)
        print("train %s vs %s: steps %d %d, worst relative loss difference %.3g" % (a, b, len(g), len(c),
              max(abs(g[k] - c[k]) / abs(c[k]) for k in c if k in g)))
    except Exception as e:
        print("train %s vs %s: %s" % (a, b, e))
PY
fi
for d in cuda cpu; do
  /usr/bin/time -f "segment $d: %e s wall" $S run --job segment --model $W/cuda.h5 $W/m/mosaic.tif --out $W/seg_$d \
      --device $d 2>&1 | grep -E "done in|error|GPU|wall"
done
$S eval --mask $W/seg_cuda/mask.tif --truth $W/seg_cpu/mask.tif | tail -3
for d in cuda cpu; do echo "segment $d phases (s): $(python3 -c "import json; print(json.load(open('$W/seg_$d/report.json'))['timings_s'])")"; done
/usr/bin/time -f "segment bf16: %e s wall" $S run --job segment --model $W/cuda.h5 $W/m/mosaic.tif --out $W/seg_bf16 \
    --device cuda --precision bf16 2>&1 | grep -E "done in|error|GPU|wall"
$S eval --mask $W/seg_bf16/mask.tif --truth $W/seg_cpu/mask.tif | tail -3
/usr/bin/time -f "segment bf16-act: %e s wall" $S run --job segment --model $W/cuda.h5 $W/m/mosaic.tif \
    --out $W/seg_bf16a --device cuda --precision bf16-act 2>&1 | grep -E "done in|error|GPU|wall"
$S eval --mask $W/seg_bf16a/mask.tif --truth $W/seg_cpu/mask.tif | tail -3
SWATH_FOLD_BN=0 /usr/bin/time -f "segment unfolded: %e s wall" $S run --job segment --model $W/cuda.h5 $W/m/mosaic.tif \
    --out $W/seg_nofold --device cuda 2>&1 | grep -E "done in|error|GPU|wall"
$S eval --mask $W/seg_nofold/mask.tif --truth $W/seg_cuda/mask.tif | tail -3
cp $W/*.jsonl $W/*.log "$OUT/" 2>/dev/null
