# Raster I/O (io/raster.h): window reads, the 16-bit stretch, writing GeoTIFF / COG, errors.
# The whole set runs in a few seconds; fixtures are made by the tests themselves with GDAL.
swath_c_test(test_raster_read SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_read.c LABELS unit;io TIMEOUT 60)
swath_c_test(test_raster_stretch SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_stretch.c LABELS unit;io TIMEOUT 60)
swath_c_test(test_raster_write SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_write.c LABELS unit;io TIMEOUT 60)
# gdalinfo's view of test_raster_write's outputs (a CTest fixture orders the two).
set_tests_properties(test_raster_write PROPERTIES FIXTURES_SETUP raster_outputs)
swath_sh_test(raster_gdalinfo cli/raster_gdalinfo.sh LABELS cli;io TIMEOUT 60)
set_property(TEST raster_gdalinfo APPEND PROPERTY ENVIRONMENT "RASTER_OUT=${CMAKE_CURRENT_BINARY_DIR}/raster_write")
set_tests_properties(raster_gdalinfo PROPERTIES FIXTURES_REQUIRED raster_outputs)
swath_sh_test(raster_info cli/raster_info.sh LABELS cli;io TIMEOUT 60)
set_property(TEST raster_info APPEND PROPERTY ENVIRONMENT "RASTER_OUT=${CMAKE_CURRENT_BINARY_DIR}/raster_write")
set_tests_properties(raster_info PROPERTIES FIXTURES_REQUIRED raster_outputs)
# Real data from ../shared/data; skips (77) when the folder is missing.
swath_sh_test(raster_landsat cli/raster_landsat.sh LABELS cli;io TIMEOUT 60)
