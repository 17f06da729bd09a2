# OTLP decoding and translation (issue 18): tests/exposition/otlp_test.cpp.
add_executable(otlp_test otlp_test.cpp)
target_link_libraries(otlp_test PRIVATE flowgate::exposition GTest::gtest_main flowgate_warnings)
gtest_discover_tests(otlp_test TEST_PREFIX "exposition." DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)

# Snappy block and framing formats (issue 18: Content-Encoding: snappy pushes; issue 17: remote write).
add_executable(snappy_test snappy_test.cpp)
target_link_libraries(snappy_test PRIVATE flowgate::exposition GTest::gtest_main flowgate_warnings)
gtest_discover_tests(snappy_test TEST_PREFIX "exposition." DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)
