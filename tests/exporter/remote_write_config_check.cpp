// Test-only: judges remote write config files as flowgate's start judges
// --remote-write.config-file (read, check, resolve and open the files each
// destination names), printing "FILE SUCCESS" or "FILE FAILED: why" on stderr
// and exiting 1 when any file failed. config_differential.py runs it beside
// `promtool check config`.

#include <iostream>

#include "exporter/config/remote_write_config.hpp"

int main(int argc, char** argv) {
  bool all = true;
  for (int i = 1; i < argc; ++i) {
    auto config = flowgate::exporter::load_remote_write_config(argv[i]);
    if (config) {
      std::cerr << argv[i] << " SUCCESS\n";
    } else {
      std::cerr << argv[i] << " FAILED: " << config.error().message << '\n';
      all = false;
    }
  }
  return all ? 0 : 1;
}
