# The classical image algorithms (src/image/): hand-made unit checks, and an exact comparison with
# OpenCV / scikit-image through a reference dump that tests/ref/image_ref.py writes first
# (Debian's /usr/bin/python3 with python3-opencv and python3-skimage; the pair skips without them).
swath_c_test(test_image SOURCES unit/test_image.c LABELS unit TIMEOUT 30)

set(SWATH_IMAGE_REF ${CMAKE_CURRENT_BINARY_DIR}/image_ref.bin)
# Through sh, so that a missing /usr/bin/python3 skips (77) too, never leaving a stale dump behind.
add_test(NAME image_ref_gen
         COMMAND sh -c "rm -f \"$1\"; if [ ! -x /usr/bin/python3 ]; then echo 'SKIP: no /usr/bin/python3'; exit 77; fi; exec /usr/bin/python3 \"$0\" \"$1\""
                 ${CMAKE_CURRENT_SOURCE_DIR}/ref/image_ref.py ${SWATH_IMAGE_REF})
set_tests_properties(image_ref_gen PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77
                     FIXTURES_SETUP image_ref)
swath_c_test(test_image_ref SOURCES unit/test_image_ref.c LABELS unit TIMEOUT 60 ARGS ${SWATH_IMAGE_REF})
set_tests_properties(test_image_ref PROPERTIES FIXTURES_REQUIRED image_ref)

# Speed of the pixel-defects detectors on a 2048x2048 RGB tile (label bench: not in the default run).
add_executable(bench_image bench/bench_image.c)
target_link_libraries(bench_image PRIVATE swathlib)
add_test(NAME bench_image COMMAND bench_image)
set_tests_properties(bench_image PROPERTIES LABELS bench TIMEOUT 300)
