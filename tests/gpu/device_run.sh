#!/bin/bash
# On a GPU machine without MPI / HDF5 / GDAL (the device tool's): the engine-only build
# (tests/gpu/CMakeLists.txt) against the cuDNN and cuBLAS of the PyTorch wheels, then the op
# harness, the models against the PyTorch dump, the 20-step trajectory, and (with "bench") the
# benchmark against PyTorch. Logs to $OUT (default ./gpu-out); a short table last.
# Usage: tests/gpu/device_run.sh [tests|quick] [bench] [nocompile] [notorch] [profile] [prebuilt]
# (prebuilt: the binaries of .carry/gpu-engine.tar.xz, made here by make_carry.sh --engine and
# carried, instead of building; the build runs when they are missing, were built from other
# sources than this tree's (their SOURCE_STAMP) or a library is not found)
# (quick: the op harness and the models against PyTorch, not the 20-step trajectories)
# (profile: bench_gpu's and PyTorch's tables of where a training step's time goes)
# (BENCH_MODES=tf32,bf16 limits the swath modes timed)
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$SRC/gpu-out}
B=${B:-/tmp/build-gpu-engine}
mkdir -p "$OUT" "$B"
ARGS=" $* "
want() { [[ $ARGS == *" $1 "* ]]; }
PY=python3
wheel() { $PY -c "import nvidia.$1 as m, os; print(list(m.__path__)[0])" 2>/dev/null; }
CUDNN=$(wheel cudnn); CUBLAS=$(wheel cublas)
[ -e /usr/local/cuda/lib64/libcublas.so ] && CUBLAS_ROOT=/usr/local/cuda || CUBLAS_ROOT=$CUBLAS
export LD_LIBRARY_PATH=$CUDNN/lib:$CUBLAS/lib:${LD_LIBRARY_PATH:-}
{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
  nvcc --version | tail -2; cmake --version | head -1
  echo "cudnn wheel: $CUDNN"; echo "cublas: $CUBLAS_ROOT"; ls "$CUDNN/lib" | head
} 2>&1 | tee "$OUT/env.log"
t0=$(date +%s)
rc_build=1
SWLIB=""   # the carried libraries, for the carried programs only (not for python and torch)
: > "$OUT/build.log"
if want prebuilt && [ -f "$SRC/.carry/gpu-engine.tar.xz" ]; then
  tar -C "$B" -xJf "$SRC/.carry/gpu-engine.tar.xz"
  here=$(cd "$SRC" && find kernels src tests/gpu -type f \( -name '*.[ch]' -o -name '*.cu' -o -name '*.cuh' \
    -o -name '*.txt' -o -name '*.cmake' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  if [ "$(cat "$B/SOURCE_STAMP" 2>/dev/null)" != "$here" ]; then
    echo "prebuilt binaries are of other sources ($(cat "$B/SOURCE_STAMP" 2>/dev/null) != $here): building" >> "$OUT/build.log"
  elif LD_LIBRARY_PATH=$B/lib:$LD_LIBRARY_PATH ldd "$B/test_gpu_ops" "$B/libswath_cuda.so" >> "$OUT/build.log" 2>&1 &&
       ! grep -q "not found" "$OUT/build.log"; then
    rc_build=0; SWLIB=$B/lib
    echo "prebuilt binaries from .carry/gpu-engine.tar.xz (sources $here)" >> "$OUT/build.log"
  fi
fi
if [ $rc_build -ne 0 ]; then
  rm -f "$B/SOURCE_STAMP"
  cmake -S "$SRC/tests/gpu" -B "$B" -DCMAKE_BUILD_TYPE=Release -DCUDNN_ROOT="$CUDNN" \
        -DCUBLAS_ROOT="$CUBLAS_ROOT" >> "$OUT/build.log" 2>&1 &&
    cmake --build "$B" -j16 >> "$OUT/build.log" 2>&1
  rc_build=$?
fi
sw() { LD_LIBRARY_PATH=${SWLIB:+$SWLIB:}$LD_LIBRARY_PATH "$@"; }
echo "build rc=$rc_build ($(( $(date +%s) - t0 )) s)"; tail -5 "$OUT/build.log"
[ $rc_build -eq 0 ] || exit 1
declare -A RC
if [[ $ARGS == *" tests "* || $ARGS == *" quick "* ]]; then
  t0=$(date +%s)
  OMP_NUM_THREADS=16 $PY "$SRC/tests/ref/nn_models_ref.py" "$B/nn_models_ref.bin" > "$OUT/dump.log" 2>&1
  echo "dump rc=$? ($(( $(date +%s) - t0 )) s)"
  sw timeout 300 "$B/test_gpu_ops" > "$OUT/ops.log" 2>&1; RC[ops]=$?
  sw timeout 300 "$B/test_gpu_models" "$B/nn_models_ref.bin" > "$OUT/models.log" 2>&1; RC[models]=$?
  [[ $ARGS == *" quick "* ]] || { OMP_NUM_THREADS=16 sw timeout 300 "$B/test_gpu_models" "$B/nn_models_ref.bin" --trajectory > "$OUT/trajectory.log" 2>&1; RC[trajectory]=$?; }
  grep -E "^FAIL" "$OUT/ops.log" | head -30
  grep -E "^FAIL" "$OUT/models.log" "$OUT/trajectory.log" | head -30
fi
if [[ $ARGS == *" bench "* ]]; then
  PROF=""; [[ $ARGS == *" profile "* ]] && PROF=--profile
  SWATH_PROFILE=${PROF:+1} sw timeout 320 "$B/bench_gpu" 16 512 512 5 ${BENCH_MODES:-f32,tf32,bf16,bf16-act} > "$OUT/bench.log" 2>&1; RC[bench]=$?
  NC=""; [[ $ARGS == *" nocompile "* ]] && NC=--no-compile
  [[ $ARGS == *" notorch "* ]] || { PYTHONUNBUFFERED=1 timeout 420 $PY "$SRC/tests/bench/bench_gpu_torch.py" 16 512 512 5 $NC $PROF > "$OUT/torch.log" 2>&1; RC[torch]=$?; }
fi
echo "================ summary"
for k in "${!RC[@]}"; do echo "$k rc=${RC[$k]}"; done
[ -f "$OUT/ops.log" ] && tail -1 "$OUT/ops.log"
[ -f "$OUT/models.log" ] && grep -E "^(ok|FAIL)" "$OUT/models.log" | head -40 && tail -1 "$OUT/models.log"
[ -f "$OUT/trajectory.log" ] && grep -E "^(ok|FAIL)|losses" "$OUT/trajectory.log" | head -40 && tail -1 "$OUT/trajectory.log"
[ -f "$OUT/bench.log" ] && cat "$OUT/bench.log"
[ -f "$OUT/torch.log" ] && grep -E "^torch|Error|error" "$OUT/torch.log" | head -20
exit 0
