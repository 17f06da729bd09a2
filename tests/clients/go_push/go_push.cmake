# cmake -P helper behind the ctest fixtures in tests/exposition/protobuf.cmake.
#   -DMODE=build -DGO=<go> -DSOURCE_DIR=<this folder> -DWORK_DIR=<build dir>
#       copies the sources out of the tree (so -mod=mod never edits go.sum
#       here) and builds WORK_DIR/go_push with caches under WORK_DIR.
#   -DMODE=dump -DWORK_DIR=<build dir>
#       runs `go_push dump` into WORK_DIR/dump.pb and WORK_DIR/dump.txt.
if(MODE STREQUAL "build")
  if(NOT GO)
    message(FATAL_ERROR "go_push needs a Go toolchain (>= 1.19): none was found at configure time")
  endif()
  file(MAKE_DIRECTORY "${WORK_DIR}/src")
  file(COPY "${SOURCE_DIR}/main.go" "${SOURCE_DIR}/go.mod" "${SOURCE_DIR}/go.sum" DESTINATION "${WORK_DIR}/src")
  set(ENV{GOFLAGS} "-mod=mod -modcacherw")  # a writable cache, so deleting the build tree works
  set(ENV{GOPATH} "${WORK_DIR}/gopath")
  set(ENV{GOMODCACHE} "${WORK_DIR}/gomodcache")
  set(ENV{GOCACHE} "${WORK_DIR}/gocache")
  set(ENV{GOTOOLCHAIN} "local")
  execute_process(COMMAND "${GO}" build -o "${WORK_DIR}/go_push" .
                  WORKING_DIRECTORY "${WORK_DIR}/src" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "go build of tests/clients/go_push failed (${rc})")
  endif()
elseif(MODE STREQUAL "dump")
  execute_process(COMMAND "${WORK_DIR}/go_push" dump --text "${WORK_DIR}/dump.txt"
                  OUTPUT_FILE "${WORK_DIR}/dump.pb" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "go_push dump failed (${rc})")
  endif()
else()
  message(FATAL_ERROR "MODE must be build or dump")
endif()
