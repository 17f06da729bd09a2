#include "exporter/build_info.hpp"

#ifndef FLOWGATE_VERSION
#define FLOWGATE_VERSION "unknown"
#endif
#ifndef FLOWGATE_REVISION
#define FLOWGATE_REVISION "unknown"
#endif
#ifndef FLOWGATE_BRANCH
#define FLOWGATE_BRANCH "unknown"
#endif

namespace flowgate::exporter {

const BuildInfo& build_info() {
#if defined(__clang__)
  static constexpr std::string_view compiler = "clang-" __clang_version__;
#elif defined(__GNUC__)
  static constexpr std::string_view compiler = "gcc-" __VERSION__;
#else
  static constexpr std::string_view compiler = "unknown";
#endif
  static const BuildInfo info{FLOWGATE_VERSION, FLOWGATE_REVISION, FLOWGATE_BRANCH, compiler, __DATE__};
  return info;
}

}  // namespace flowgate::exporter
