# The small encodings several folders share: base64, RFC 3339 time stamps.
add_executable(exposition_encoding_tests base64_test.cpp rfc3339_test.cpp)
target_link_libraries(exposition_encoding_tests PRIVATE flowgate::exposition GTest::gtest_main flowgate_warnings)
gtest_discover_tests(exposition_encoding_tests TEST_PREFIX "exposition." PROPERTIES LABELS unit)
