# io: vector output (OGR) and HDF5 helpers. The shell checks read what the test programs write
# with the real tools (ogrinfo, h5dump) and `swath info`; they find the programs in $TEST_VECTOR
# and $TEST_H5.
swath_c_test(test_vector SOURCES unit/test_vector.c LABELS io TIMEOUT 30)
swath_c_test(test_h5 SOURCES unit/test_h5.c LABELS io TIMEOUT 20)

swath_sh_test(vector_formats cli/vector_formats.sh LABELS io TIMEOUT 30)
swath_sh_test(vector_large cli/vector_large.sh LABELS io TIMEOUT 40)
swath_sh_test(h5_dump cli/h5_dump.sh LABELS io TIMEOUT 20)
set_property(TEST vector_formats vector_large APPEND PROPERTY ENVIRONMENT "TEST_VECTOR=$<TARGET_FILE:test_vector>")
set_property(TEST h5_dump APPEND PROPERTY ENVIRONMENT "TEST_H5=$<TARGET_FILE:test_h5>")
