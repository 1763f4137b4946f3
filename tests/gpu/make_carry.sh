#!/bin/bash
# Packs swath's library closure for the lent GPU machine (no GDAL, HDF5 or Open MPI there):
# swath and make_model, the CUDA plugin libswath_cuda.so (in sw/lib: bin/swath finds it as ../lib),
# every library ldd resolves for them except glibc's and CUDA's (the machine has its own CUDA and
# the PyTorch wheels' cuDNN / cuBLAS / NCCL), Open MPI's and PMIx's plugins, orted and orterun
# (mpiexec),
# GDAL's data and PROJ's database, as DIR/swath-carry.tar.xz (about 61 MB; the device tool
# carries 64 MiB a call). tests/gpu/device_e2e.sh unpacks and runs it there.
# Usage: tests/gpu/make_carry.sh BUILD_DIR [DIR (default .carry)]
#    or: tests/gpu/make_carry.sh --engine ENGINE_BUILD_DIR [DIR]: the engine-only build's
#        GPU tests and benchmark (cmake -S tests/gpu, built here against /usr/local/cuda) with
#        their libraries but CUDA's, as DIR/gpu-engine.tar.xz (a few MB): device_run.sh then
#        skips its build ("prebuilt"), saving a minute or two of device time per call.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# the engine's sources, hashed (device_run.sh compares this with the tree it runs in)
src_stamp() { find kernels src tests/gpu -type f \( -name '*.[ch]' -o -name '*.cu' -o -name '*.cuh' \
  -o -name '*.txt' -o -name '*.cmake' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16; }
# the libraries ldd resolves for the given files but glibc's and CUDA's; one not found stops it
closure() {
  ldd "$@" | awk '/not found/ {print "make_carry.sh: " $1 " not found" > "/dev/stderr"; bad = 1}
                  /=>/ && $3 ~ /^\// {print $3} END {exit bad}' | sort -u |
    grep -v -E 'libc\.so|libm\.so|libpthread|libdl\.so|librt\.so|ld-linux|libcuda|libcudnn|libcublas|libnccl|libcudart|libgcc_s'
}
if [ "${1:-}" = --engine ]; then
  B=${2:?usage: make_carry.sh --engine ENGINE_BUILD_DIR [DIR]}; D=${3:-.carry}
  mkdir -p "$T/lib" "$D"
  cmake --build "$B" -j2 > /dev/null   # up to date with this tree, whose stamp goes with it
  cp "$B/test_gpu_ops" "$B/test_gpu_models" "$B/bench_gpu" "$B/libswath_cuda.so" "$T/"
  closure "$B/test_gpu_ops" "$B/libswath_cuda.so" | xargs -r cp -L -t "$T/lib/"
  src_stamp > "$T/SOURCE_STAMP"
  tar -C "$T" -cf - . | xz -T2 -6 > "$D/gpu-engine.tar.xz"
  ls -la "$D/gpu-engine.tar.xz"
  exit 0
fi
B=${1:?usage: make_carry.sh BUILD_DIR [DIR]}; D=${2:-.carry}
mkdir -p "$T/sw/lib" "$T/sw/bin" "$T/usr/lib/x86_64-linux-gnu" "$T/usr/bin" "$T/etc" "$T/usr/share/proj" "$D"
cp "$B/swath" "$B/tests/make_model" "$T/sw/bin/"
cp "$B/libswath_cuda.so" "$T/sw/lib/"
closure "$B/swath" "$B/libswath_cuda.so" "$B/tests/make_model" /usr/bin/orted | xargs cp -L -t "$T/sw/lib/"
cp -a /usr/lib/x86_64-linux-gnu/openmpi /usr/lib/x86_64-linux-gnu/pmix2 "$T/usr/lib/x86_64-linux-gnu/"
cp /usr/bin/orted /usr/bin/orterun "$T/usr/bin/"; cp -a /etc/openmpi "$T/etc/"
cp -a /usr/share/openmpi /usr/share/gdal "$T/usr/share/"; cp /usr/share/proj/proj.db "$T/usr/share/proj/"
tar -C "$T" -cf - . | xz -T2 -6 > "$D/swath-carry.tar.xz"
ls -la "$D/swath-carry.tar.xz"
