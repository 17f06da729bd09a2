#pragma once
// Who built this binary: version (CMake project version), git revision and
// branch (configure time), compiler. Constant; safe from any thread.

#include <string_view>

namespace flowgate::exporter {

struct BuildInfo {
  std::string_view version;
  std::string_view revision;
  std::string_view branch;
  std::string_view compiler;
  std::string_view build_date;
};

const BuildInfo& build_info();

}  // namespace flowgate::exporter
