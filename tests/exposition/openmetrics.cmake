# The OpenMetrics 1.0 parser (pushes of application/openmetrics-text).
add_executable(exposition_openmetrics_tests openmetrics_parser_test.cpp)
target_link_libraries(exposition_openmetrics_tests PRIVATE
  flowgate::exposition flowgate::test_support GTest::gtest_main flowgate_warnings)
gtest_discover_tests(exposition_openmetrics_tests TEST_PREFIX "exposition." PROPERTIES LABELS unit)
