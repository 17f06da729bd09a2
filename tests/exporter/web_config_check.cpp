// Test-only: judges web config files as flowgate's start judges
// --web.config.file (read and check the file, then build the TLS context,
// which loads the certificate and key), printing "FILE SUCCESS" or
// "FILE FAILED: why" on stderr as `promtool check web-config` does, and
// exiting 1 when any file failed. config_differential.py runs both.

#include <iostream>

#include "exporter/server/tls_context.hpp"
#include "exporter/web_config.hpp"

namespace {

bool check(const std::string& path) {
  auto config = flowgate::exporter::load_web_config(path);
  if (!config) {
    std::cerr << path << " FAILED: " << config.error().message << '\n';
    return false;
  }
  if (config->tls) {
    if (auto context = flowgate::exporter::make_tls_context(*config->tls); !context) {
      std::cerr << path << " FAILED: " << context.error().message << '\n';
      return false;
    }
  }
  std::cerr << path << " SUCCESS\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool all = true;
  for (int i = 1; i < argc; ++i) all = check(argv[i]) && all;
  return all ? 0 : 1;
}
