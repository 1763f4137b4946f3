# Inspection-run benchmarks (label bench only: not in the default `ctest -LE 'large|bench'`).
# bench_read: GDAL window reads (sw_raster_read_u8) against libtiff's direct tile decoding.
# bench_run: the whole `swath run --job pixel-defects` against gdal_translate (the read floor) and
# its vector outputs against gdal_polygonize.py. Both synthesize their mosaic (BENCH_SIZE, 4096).
swath_c_test(bench_read SOURCES bench/bench_read.c LABELS bench TIMEOUT 900)
swath_sh_test(bench_run bench/bench_run.sh LABELS bench TIMEOUT 1800)
