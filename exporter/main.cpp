// flowgate: a Pushgateway-compatible metrics cache and exporter; see exporter/README.md.
#include <string_view>
#include <vector>

#include "exporter/app.hpp"

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return flowgate::exporter::run(args);
}
