# The libtiff fast path of window reads (io/raster_tiff.c): byte for byte against GDAL's path
# (SWATH_READER=gdal) on tiled RGB / RGBA GeoTIFFs, and the files it must leave to GDAL.
swath_c_test(test_raster_tiff SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_tiff.c LABELS unit;io TIMEOUT 120)
# The plan's validity scan (sw_raster_valid_cells, sw_plan_build) and the quicklook's reduced read on
# the libtiff path against GDAL's path, cell for cell and byte for byte (tests/unit/test_raster_cells.c).
swath_c_test(test_raster_cells SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_cells.c LABELS unit;io TIMEOUT 120)
