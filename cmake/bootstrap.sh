#!/usr/bin/env bash
# swath bootstrap: installs every Debian package the project needs (apt-get), configures and
# builds, then optionally runs the demo or the tests. Idempotent, and quick when all is there.
#
#   bash cmake/bootstrap.sh          install + build
#   bash cmake/bootstrap.sh demo     ... then run the built-in demo (swath demo --out out/demo)
#   bash cmake/bootstrap.sh test     ... then run the default test suite (no `large`, no `bench`)
#
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo), JOBS (default nproc),
# SWATH_SANITIZE=ON for an ASan/UBSan build, CMAKE_ARGS for anything else.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
what=${1:-build}

case "$what" in
  build|demo|test) ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bootstrap: unknown step '$what' (use build, demo or test)" >&2; exit 2 ;;
esac

# Debian 12 packages: toolchain, MPI, parallel HDF5, GDAL, libtiff, oneDNN, and what the tests
# call: gdalinfo / ogrinfo (gdal-bin), gdal_polygonize.py (python3-gdal), h5dump (hdf5-tools),
# /usr/bin/time, and the reference implementations the tests compare against (Debian's
# /usr/bin/python3 with OpenCV, scikit-image and PyTorch); SLURM 22.05 and munge for the `slurm`
# tests (tests/slurm/cluster.sh starts private daemons; the packages start none: about 13 MB).
packages=(build-essential cmake pkg-config git
          libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
          libgdal-dev gdal-bin libtiff-dev libdnnl-dev
          python3 python3-gdal python3-opencv python3-skimage python3-torch time
          slurmctld slurmd slurm-client slurm-wlm-basic-plugins munge)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A build folder configured against serial HDF5 stays serial (CMake cache): start it afresh then.
if [ -f "$build/CMakeCache.txt" ] && grep -q "HDF5_IS_PARALLEL:INTERNAL=FALSE" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
        -DSWATH_SANITIZE="${SWATH_SANITIZE:-OFF}" ${CMAKE_ARGS:-} > "$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
  grep -E "oneDNN|CUDA|HDF5:" "$build.configure.log" | sed 's/^-- /bootstrap: /' || true
fi
# Build; the progress lines are dropped, warnings and errors stay. A failed build stops here.
set +o pipefail
cmake --build "$build" -j "$jobs" 2>&1 | { grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built target)|^(gmake|make)\[' || true; }
rc=${PIPESTATUS[0]}
set -o pipefail
[ "$rc" -eq 0 ] || { echo "bootstrap: build failed (exit $rc)" >&2; exit 1; }

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
case "$what" in
  demo) "$build/swath" demo --out out/demo ;;
  test) ctest --test-dir "$build" -LE 'large|bench' --output-on-failure -j "$jobs" ;;
esac
