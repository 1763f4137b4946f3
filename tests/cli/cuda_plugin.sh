#!/usr/bin/env bash
# The CUDA plugin (kernels/cuda_plugin.h) is loaded only when the GPU is asked for: `swath run
# --help` maps no CUDA library (LD_DEBUG=files lists every object the loader opens; --version,
# which probes, is the positive control that the listing shows them), --version reports cuDNN's
# version through the plugin, the plugin is found in ../lib from a copied program (an install),
# and a plugin that does not load is named in the reason --version and --device give.
set -u
. "$TESTS/cli/lib.sh"

"$SWATH" --version > "$WORK/version.txt" || fail "--version exited $?"
if grep -q "CUDA: *no (built without CUDA)" "$WORK/version.txt"; then
  echo "built without CUDA: nothing to check"; exit 77
fi
PLUGIN=$(dirname "$SWATH")/libswath_cuda.so
[ -f "$PLUGIN" ] || fail "no plugin next to the program: $PLUGIN"
grep -Eq "CUDA: *yes, cuDNN [0-9]+\.[0-9]+\.[0-9]+;" "$WORK/version.txt" ||
  fail "--version does not report cuDNN's version: $(cat "$WORK/version.txt")"
ok "--version reports cuDNN through the plugin: $(grep CUDA: "$WORK/version.txt")"

# which shared objects a command opens (the dynamic loader's own list)
opened() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -E "file=.*\[0\]; *(needed by|dynamically loaded by)"; }
opened "$SWATH" --version > "$WORK/version.files"
for lib in libswath_cuda libcudart libcublasLt libcudnn; do
  grep -q "file=[^ ]*$lib" "$WORK/version.files" || fail "--version did not load $lib (the check below would be blind)"
done
ok "--version loads the plugin and the CUDA libraries (positive control)"
opened "$SWATH" run --help > "$WORK/help.files"
[ -s "$WORK/help.files" ] || fail "LD_DEBUG=files listed nothing for run --help"
if grep -E "libswath_cuda|libcudart|libcublas|libcudnn|libnccl" "$WORK/help.files"; then
  fail "run --help loaded CUDA libraries (above)"
fi
opened "$SWATH" info "$WORK/version.txt" > "$WORK/info.files"
if grep -E "libswath_cuda|libcudart|libcublas|libcudnn|libnccl" "$WORK/info.files"; then
  fail "info loaded CUDA libraries (above)"
fi
ok "run --help and info map no CUDA library ($(wc -l < "$WORK/help.files") objects opened)"

# an install: bin/swath finds lib/libswath_cuda.so (not the build's copy)
mkdir -p "$WORK/inst/bin" "$WORK/inst/lib"
cp "$SWATH" "$WORK/inst/bin/swath" && cp "$PLUGIN" "$WORK/inst/lib/"
opened "$WORK/inst/bin/swath" --version > "$WORK/inst.files"
grep -q "file=$WORK/inst/lib/libswath_cuda.so" "$WORK/inst.files" ||
  fail "bin/swath did not load ../lib/libswath_cuda.so: $(grep swath_cuda "$WORK/inst.files")"
ok "an installed bin/swath loads ../lib/libswath_cuda.so"

# a plugin that does not load: the reason names the file
out=$(SWATH_CUDA_PLUGIN=/nonexistent/libswath_cuda.so "$SWATH" --version)
grep -q "CUDA: .*devices: 0, none (the CUDA plugin did not load: /nonexistent/libswath_cuda.so: cannot open" <<<"$out" ||
  fail "--version with a missing plugin: $out"
out=$(SWATH_CUDA_PLUGIN=/lib/x86_64-linux-gnu/libm.so.6 "$SWATH" --version)
grep -q "none (/lib/x86_64-linux-gnu/libm.so.6 is not a CUDA plugin of this swath build" <<<"$out" ||
  fail "--version with a library that is no plugin: $out"
ok "--version names a plugin that does not load"
SWATH_CUDA_PLUGIN=/nonexistent/libswath_cuda.so \
  expect_fail 2 "--device cuda: the CUDA plugin did not load: /nonexistent/libswath_cuda.so" \
  "$SWATH" run --job segment --model "$WORK/none.h5" --device cuda "$WORK/none.tif" --out "$WORK/seg"
ok "--device cuda names a plugin that does not load"
finish
