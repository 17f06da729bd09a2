# cmake -P helper behind the expfmt comparison in tests/exposition/text.cmake.
#   -DMODE=build -DGO=<go> -DSOURCE_DIR=<this folder> -DWORK_DIR=<build dir>
#       builds WORK_DIR/text_go_reference with its caches under WORK_DIR
#       (the sources are copied out so -mod=mod never edits go.sum here).
#   -DMODE=compare -DWORK_DIR=<build dir> -DTOOL=<text_sample_tool> -DSEED=<n>
#       writes generated families with flowgate's text writer, rewrites them
#       with expfmt, and fails unless both bodies are byte-identical.
if(MODE STREQUAL "build")
  if(NOT GO)
    message(FATAL_ERROR "text_go_reference needs a Go toolchain (>= 1.21): none was found at configure time")
  endif()
  file(MAKE_DIRECTORY "${WORK_DIR}/src")
  file(COPY "${SOURCE_DIR}/main.go" "${SOURCE_DIR}/go.mod" "${SOURCE_DIR}/go.sum" DESTINATION "${WORK_DIR}/src")
  set(ENV{GOFLAGS} "-mod=mod -modcacherw")
  set(ENV{GOPATH} "${WORK_DIR}/gopath")
  set(ENV{GOMODCACHE} "${WORK_DIR}/gomodcache")
  set(ENV{GOCACHE} "${WORK_DIR}/gocache")
  set(ENV{GOTOOLCHAIN} "local")
  execute_process(COMMAND "${GO}" build -o "${WORK_DIR}/text_go_reference" .
                  WORKING_DIRECTORY "${WORK_DIR}/src" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "go build of tests/exposition/text_go_reference failed (${rc})")
  endif()
elseif(MODE STREQUAL "compare")
  set(ours "${WORK_DIR}/flowgate.${SEED}.txt")
  set(theirs "${WORK_DIR}/expfmt.${SEED}.txt")
  execute_process(COMMAND "${TOOL}" text expfmt "${SEED}" 300 OUTPUT_FILE "${ours}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "text_sample_tool failed (${rc})")
  endif()
  execute_process(COMMAND "${WORK_DIR}/text_go_reference" INPUT_FILE "${ours}" OUTPUT_FILE "${theirs}"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "expfmt could not round-trip ${ours} (${rc})")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${ours}" "${theirs}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "flowgate's text writer and expfmt differ: diff ${ours} ${theirs}")
  endif()
else()
  message(FATAL_ERROR "MODE must be build or compare")
endif()
