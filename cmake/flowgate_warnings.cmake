# Warnings for our own code only: third-party headers come in as SYSTEM, so
# -Werror (CMAKE_COMPILE_WARNING_AS_ERROR in the ci preset) stays ours.
# Not -Wnull-dereference: at -O2 g++ 12 reports it inside inlined libstdc++
# (vector, streambuf, string) on code with no null path, so it cannot be kept
# at zero without contorting correct code.
add_library(flowgate_warnings INTERFACE)
target_compile_options(flowgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  -Wconversion -Wno-sign-conversion)

# flowgate_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One static library per folder, aliased flowgate::<name>, includes spelled
# from the repository root.
function(flowgate_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(flowgate_${name} STATIC ${arg_SOURCES})
  add_library(flowgate::${name} ALIAS flowgate_${name})
  target_include_directories(flowgate_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(flowgate_${name} PUBLIC ${arg_PUBLIC_DEPS} PRIVATE ${arg_PRIVATE_DEPS} flowgate_warnings)
endfunction()
