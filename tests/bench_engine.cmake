# Engine benchmark (label bench): a convolution through swath's oneDNN backend against oneDNN alone.
if(SWATH_HAVE_DNNL)
  add_executable(bench_conv_dnnl bench/bench_conv_dnnl.c)
  target_link_libraries(bench_conv_dnnl PRIVATE swathlib)
  add_test(NAME bench_conv_dnnl COMMAND bench_conv_dnnl)
  set_tests_properties(bench_conv_dnnl PROPERTIES LABELS bench TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
