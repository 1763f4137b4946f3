#!/bin/bash
# Builds and runs swath's own CUDA kernel tests on a GPU machine without the full build's
# dependencies (no MPI, HDF5, GDAL): nvcc and gcc straight on the kernels, the CPU references
# they are checked against, src/core/error.c and the tests. NCCL from the CUDA toolkit or from
# the nvidia-nccl Python wheel. Usage: tests/gpu/kernels_device.sh [OUTDIR] [--bench]
# Exit status: the kernel test's (0 pass, 1 fail, 77 no GPU), or the NCCL test's when that fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-/tmp/swath-cudak}
shift || true
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$NVCC")")}
GENCODE="-gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90"
mkdir -p "$OUT"
cd "$ROOT" || exit 2
CFLAGS="-O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -fopenmp -I$ROOT -I$CUDA_HOME/include"
pids=()
for f in k_act k_misc k_resize k_loss k_optim; do
  "$NVCC" -O3 $GENCODE -I"$ROOT" -c kernels/cuda/$f.cu -o "$OUT/$f.o" & pids+=($!)
done
for f in kernels/cpu/ref_act.c kernels/cpu/ref_misc.c kernels/cpu/ref_resize.c kernels/cpu/ref_pool.c \
         src/nn/loss.c src/nn/optim.c src/core/error.c tests/gpu/test_cuda_kernels.c; do
  gcc $CFLAGS -c "$f" -o "$OUT/$(basename "${f%.c}").o" & pids+=($!)
done
ok=1
for p in "${pids[@]}"; do wait "$p" || ok=0; done
[ $ok = 1 ] || { echo "kernels_device.sh: compile failed"; exit 2; }
K="$OUT/k_act.o $OUT/k_misc.o $OUT/k_resize.o $OUT/k_loss.o $OUT/k_optim.o"
"$NVCC" $GENCODE -o "$OUT/test_cuda_kernels" $K "$OUT"/ref_*.o "$OUT/loss.o" "$OUT/optim.o" \
  "$OUT/error.o" "$OUT/test_cuda_kernels.o" -Xcompiler -fopenmp -lm || exit 2

# NCCL: the toolkit's, else the Python wheel's (PyTorch's dependency nvidia-nccl-*)
NCCL_INC= NCCL_LIB=
if [ -f "$CUDA_HOME/include/nccl.h" ]; then
  NCCL_INC=$CUDA_HOME/include; NCCL_LIB=$(dirname "$(ls "$CUDA_HOME"/lib*/libnccl.so* 2>/dev/null | head -1)")
else
  d=$(python3 -c "import nvidia; print(list(nvidia.__path__)[0])" 2>/dev/null)
  h=$( [ -n "$d" ] && find "$d" -name nccl.h -path '*include*' 2>/dev/null | head -1)
  l=$( [ -n "$d" ] && find "$d" -name 'libnccl.so*' 2>/dev/null | head -1)
  [ -n "$h" ] && [ -n "$l" ] && NCCL_INC=$(dirname "$h") NCCL_LIB=$(dirname "$l")
fi
nccl_rc=0
if [ -n "$NCCL_INC" ] && [ -n "$NCCL_LIB" ]; then
  lib=$(ls "$NCCL_LIB"/libnccl.so* | head -1)
  gcc $CFLAGS -I"$NCCL_INC" -c kernels/cuda/nccl_comm.c -o "$OUT/nccl_comm.o" &&
  "$NVCC" -O2 $GENCODE -I"$ROOT" -c tests/gpu/test_nccl_comm.cu -o "$OUT/test_nccl_comm.o" &&
  "$NVCC" $GENCODE -o "$OUT/test_nccl_comm" "$OUT/test_nccl_comm.o" "$OUT/nccl_comm.o" $K \
    "$OUT/error.o" -L"$NCCL_LIB" -l:"$(basename "$lib")" -Xlinker -rpath -Xlinker "$NCCL_LIB" || exit 2
  echo "== test_nccl_comm (NCCL $lib)"
  "$OUT/test_nccl_comm"; nccl_rc=$?
else
  echo "== NCCL not found: test_nccl_comm not built"
fi
echo "== test_cuda_kernels"
"$OUT/test_cuda_kernels" "$@"; rc=$?
[ $rc = 0 ] && rc=$nccl_rc
exit $rc
