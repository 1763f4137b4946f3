# The libtiff fast path of window reads (io/raster_tiff.c): byte for byte against GDAL's path
# (SWATH_READER=gdal) on tiled RGB / RGBA GeoTIFFs, and the files it must leave to GDAL.
swath_c_test(test_raster_tiff SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_raster_tiff.c LABELS unit;io TIMEOUT 120)
