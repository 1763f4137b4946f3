# shellcheck shell=bash
# Common start of the SLURM tests (sourced): lib.sh, run_lib.sh, a private cluster (cluster.sh) up
# in $WORK/slurm. Anything missing is a failure, never a skip: these tests exist to run SLURM.
. "$TESTS/cli/lib.sh"
for b in mpiexec gdalinfo ogrinfo; do
  command -v "$b" > /dev/null || { echo "FAIL: '$b' is not installed (cmake/bootstrap.sh installs it)"; exit 1; }
done
. "$TESTS/cli/run_lib.sh"
. "$TESTS/slurm/cluster.sh"
SLURM_SCRIPTS=$(cd "$TESTS/../slurm" && pwd)
export SWATH
slurm_up "$WORK/slurm"
cd "$WORK" || exit 1
# report_field DIR EXPR: a value of DIR/report.json (EXPR on the parsed dict `r`), printed
report_field() { "$PYTHON" -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1/report.json"; }
