# The outputs of a run (src/run/outputs.h: defect polygons, quicklook, report) and `swath eval`.
# test_outputs_tool makes the fixtures and drives sw_outputs_write for the shell checks, which
# compare with gdal_polygonize.py / ogrinfo / gdalinfo and parse JSON with python3.
add_executable(test_outputs_tool unit/test_outputs_tool.c)
target_link_libraries(test_outputs_tool PRIVATE swathlib)
swath_c_test(test_outputs_unit SOURCES unit/test_outputs_unit.c LABELS unit TIMEOUT 20)

swath_sh_test(outputs_polygonize cli/outputs_polygonize.sh LABELS e2e TIMEOUT 90)
swath_sh_test(outputs_files cli/outputs_files.sh LABELS e2e TIMEOUT 90)
swath_sh_test(outputs_eval cli/outputs_eval.sh LABELS e2e TIMEOUT 90)
set_property(TEST outputs_polygonize outputs_files outputs_eval APPEND PROPERTY ENVIRONMENT
             "TEST_OUTPUTS=$<TARGET_FILE:test_outputs_tool>")

# io/mask_vectorize.c polygon by polygon against gdal_polygonize.py (tests/cli/outputs_vectorize.sh).
add_executable(test_mask_vectorize unit/test_mask_vectorize.c)
target_link_libraries(test_mask_vectorize PRIVATE swathlib)
swath_sh_test(outputs_vectorize cli/outputs_vectorize.sh LABELS e2e TIMEOUT 120)
set_property(TEST outputs_vectorize APPEND PROPERTY ENVIRONMENT "TEST_MASK_VECTORIZE=$<TARGET_FILE:test_mask_vectorize>")
