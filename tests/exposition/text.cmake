# The text side of flowgate::exposition: parser, text and OpenMetrics
# writers, number formatting, assembler.
add_executable(exposition_text_tests
  text_parser_cases_test.cpp text_parser_test.cpp text_number_format_test.cpp text_round_trip_test.cpp
  text_writer_test.cpp text_openmetrics_writer_test.cpp text_assembler_test.cpp text_utf8_test.cpp
  text_utf8_names_test.cpp)
target_link_libraries(exposition_text_tests PRIVATE
  flowgate::exposition flowgate::test_support GTest::gtest_main flowgate_warnings)
gtest_discover_tests(exposition_text_tests TEST_PREFIX "exposition." PROPERTIES LABELS unit)

# Generated families for the checkers outside C++.
add_executable(exposition_text_sample_tool text_sample_tool.cpp)
target_link_libraries(exposition_text_sample_tool PRIVATE flowgate::exposition flowgate::test_support flowgate_warnings)

# promtool (Debian's prometheus package) must read the text writer's output
# and find nothing to lint. An absent promtool fails the test, loudly.
find_program(FLOWGATE_PROMTOOL promtool PATHS /usr/bin)
if(NOT FLOWGATE_PROMTOOL)
  set(FLOWGATE_PROMTOOL promtool)
endif()
foreach(seed IN ITEMS 1 2 3)
  add_test(NAME exposition.promtool_check_metrics_accepts_text_writer_output.seed${seed}
    COMMAND bash -o pipefail -c
      "'$<TARGET_FILE:exposition_text_sample_tool>' text lint ${seed} 300 | '${FLOWGATE_PROMTOOL}' check metrics")
  set_tests_properties(exposition.promtool_check_metrics_accepts_text_writer_output.seed${seed}
    PROPERTIES LABELS unit FAIL_REGULAR_EXPRESSION "[a-z]")
endforeach()

# Python's prometheus_client OpenMetrics parser must read the OpenMetrics
# writer's output and find the values that were written.
add_test(NAME exposition.openmetrics_writer_output_parsed_by_prometheus_client
  COMMAND ${FLOWGATE_PYTHON} -m pytest -q -p no:cacheprovider
    ${CMAKE_CURRENT_SOURCE_DIR}/text_openmetrics_python_check.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(exposition.openmetrics_writer_output_parsed_by_prometheus_client PROPERTIES
  LABELS unit ENVIRONMENT "FLOWGATE_TEXT_SAMPLE_TOOL=$<TARGET_FILE:exposition_text_sample_tool>")

# Byte-for-byte: prometheus/common's expfmt (what the Pushgateway runs) reads
# the text writer's output and writes it back identically. The Go program is
# built once, as a fixture; its modules come through the Go module proxy.
find_program(FLOWGATE_GO go PATHS /usr/local/go/bin NO_DEFAULT_PATH)
find_program(FLOWGATE_GO go)
set(text_go_reference_dir ${CMAKE_CURRENT_BINARY_DIR}/text_go_reference)
# The adversarial tests check every scrape with it too (fixture text_go_reference).
set(FLOWGATE_TEXT_GO_REFERENCE ${text_go_reference_dir}/text_go_reference CACHE INTERNAL "expfmt reference binary")
set(text_go_reference_script ${CMAKE_CURRENT_SOURCE_DIR}/text_go_reference/text_go_reference.cmake)
add_test(NAME exposition.text_go_reference.build
  COMMAND ${CMAKE_COMMAND} -DMODE=build -DGO=${FLOWGATE_GO} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/text_go_reference
          -DWORK_DIR=${text_go_reference_dir} -P ${text_go_reference_script})
set_tests_properties(exposition.text_go_reference.build PROPERTIES
  LABELS unit FIXTURES_SETUP text_go_reference TIMEOUT 600)
foreach(seed IN ITEMS 1 2 3)
  add_test(NAME exposition.text_writer_output_equals_expfmt_rewrite.seed${seed}
    COMMAND ${CMAKE_COMMAND} -DMODE=compare -DWORK_DIR=${text_go_reference_dir}
            -DTOOL=$<TARGET_FILE:exposition_text_sample_tool> -DSEED=${seed} -P ${text_go_reference_script})
  set_tests_properties(exposition.text_writer_output_equals_expfmt_rewrite.seed${seed} PROPERTIES
    LABELS unit FIXTURES_REQUIRED text_go_reference)
endforeach()

# parse_text judges a seeded corpus of bodies as expfmt does (same verdict,
# same line) but for the deliberate differences the script lists.
add_test(NAME exposition.text_parser_verdicts_match_expfmt
  COMMAND ${FLOWGATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/text_parser_expfmt_check.py
          $<TARGET_FILE:exposition_text_sample_tool> ${text_go_reference_dir}/text_go_reference)
set_tests_properties(exposition.text_parser_verdicts_match_expfmt PROPERTIES
  LABELS unit FIXTURES_REQUIRED text_go_reference)
