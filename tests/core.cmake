# Core helpers and the command line itself.
swath_c_test(test_core SOURCES unit/test_core.c LABELS unit TIMEOUT 30)
swath_sh_test(cli_basics cli/cli_basics.sh LABELS cli TIMEOUT 60)
