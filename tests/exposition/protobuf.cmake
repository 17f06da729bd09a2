# The protobuf side of the exposition tests: parser, writer round trips,
# gzip, the prometheus-cpp bridge, and client_golang's bytes (via Go).

# flowgate_protobuf_test(<name> <source> [extra test properties...])
function(flowgate_protobuf_test name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE flowgate::exposition GTest::gtest_main flowgate_warnings)
  gtest_discover_tests(${name} TEST_PREFIX "exposition." DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit ${ARGN})
endfunction()

flowgate_protobuf_test(protobuf_parser_test protobuf_parser_test.cpp)
flowgate_protobuf_test(protobuf_scalar_series_test protobuf_scalar_series_test.cpp)
flowgate_protobuf_test(protobuf_roundtrip_test protobuf_roundtrip_test.cpp)
target_link_libraries(protobuf_roundtrip_test PRIVATE flowgate::test_support)
flowgate_protobuf_test(gzip_test gzip_test.cpp)
flowgate_protobuf_test(bridge_test bridge_test.cpp)
flowgate_protobuf_test(names_test names_test.cpp)

# client_golang's bytes. Two fixtures build and run tests/clients/go_push;
# the e2e tests may require `go_push_binary` too (the program is then at
# ${FLOWGATE_GO_PUSH_DIR}/go_push). /usr/local/go is preferred: the pinned
# client_golang needs Go >= 1.19.
find_program(FLOWGATE_GO go PATHS /usr/local/go/bin NO_DEFAULT_PATH)
find_program(FLOWGATE_GO go)
set(FLOWGATE_GO_PUSH_DIR ${PROJECT_BINARY_DIR}/tests/clients/go_push CACHE INTERNAL "where go_push is built")
set(go_push_script ${PROJECT_SOURCE_DIR}/tests/clients/go_push/go_push.cmake)
add_test(NAME clients.go_push.build
  COMMAND ${CMAKE_COMMAND} -DMODE=build -DGO=${FLOWGATE_GO} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/tests/clients/go_push
          -DWORK_DIR=${FLOWGATE_GO_PUSH_DIR} -P ${go_push_script})
set_tests_properties(clients.go_push.build PROPERTIES LABELS unit FIXTURES_SETUP go_push_binary TIMEOUT 600)
add_test(NAME clients.go_push.dump
  COMMAND ${CMAKE_COMMAND} -DMODE=dump -DWORK_DIR=${FLOWGATE_GO_PUSH_DIR} -P ${go_push_script})
set_tests_properties(clients.go_push.dump PROPERTIES LABELS unit FIXTURES_REQUIRED go_push_binary
                                                     FIXTURES_SETUP go_push_dump)

flowgate_protobuf_test(protobuf_go_client_test protobuf_go_client_test.cpp FIXTURES_REQUIRED go_push_dump)
target_compile_definitions(protobuf_go_client_test PRIVATE FLOWGATE_GO_PUSH_DIR="${FLOWGATE_GO_PUSH_DIR}")
