# Every third-party dependency is found here, once, and turned into a target.
# All of them come from Debian 12 packages (.ci/install-deps).

find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Snappy CONFIG REQUIRED)  # libsnappy-dev
find_package(OpenSSL REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS system url)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
find_package(PkgConfig REQUIRED)
pkg_check_modules(STATGRAB REQUIRED IMPORTED_TARGET libstatgrab)
# RE2 (libre2-dev) compiles every user-supplied regular expression, so the
# Go/RE2 syntax Prometheus users write means the same here.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# yaml-cpp (libyaml-cpp-dev) reads the web config and the authorization file.
# g++ 12 reports a false -Wdangling-pointer inside yaml-cpp 0.7's inlined
# node/impl.h (after inlining, so the system-header exemption does not apply):
# the wrapper turns it off only where yaml-cpp is used.
find_package(yaml-cpp CONFIG REQUIRED)
if(NOT TARGET flowgate_yaml_cpp)
  add_library(flowgate_yaml_cpp INTERFACE)
  target_link_libraries(flowgate_yaml_cpp INTERFACE yaml-cpp)
  target_compile_options(flowgate_yaml_cpp INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-dangling-pointer>)
endif()

# rapidjson-dev's config file only sets a variable; wrap it in a target once.
find_package(RapidJSON CONFIG REQUIRED)
if(NOT TARGET flowgate_rapidjson)
  add_library(flowgate_rapidjson INTERFACE)
  target_include_directories(flowgate_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
  target_compile_definitions(flowgate_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
endif()

# libxcrypt's crypt() checks the bcrypt hashes of basic_auth_users.
find_library(FLOWGATE_LIBCRYPT crypt REQUIRED)

if(FLOWGATE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(FLOWGATE_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
