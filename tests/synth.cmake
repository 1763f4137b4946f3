# swath synth defects (docs/synth.md): unit tests of the pure parts, an end-to-end consistency
# check, CLI tests; the 20000 x 20000 memory test has the label `large` (not in the default run).
swath_c_test(test_synth_star SOURCES unit/test_synth_star.c LABELS "unit;synth" TIMEOUT 60)
swath_c_test(test_synth_render SOURCES unit/test_synth_render.c LABELS "unit;synth" TIMEOUT 120)
swath_c_test(test_synth_check SOURCES unit/test_synth_check.c LABELS "synth;cli" TIMEOUT 180)
swath_sh_test(synth_determinism cli/synth_determinism.sh LABELS "synth;cli" TIMEOUT 120)
swath_sh_test(synth_geographic cli/synth_geographic.sh LABELS "synth;cli" TIMEOUT 120)
swath_sh_test(synth_errors cli/synth_errors.sh LABELS "synth;cli" TIMEOUT 60)
swath_sh_test(synth_background cli/synth_background.sh LABELS "synth;cli" TIMEOUT 120)
swath_sh_test(synth_large cli/synth_large.sh LABELS "synth;large" TIMEOUT 1800)
