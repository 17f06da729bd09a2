// Test helper: a text exposition on stdin → one snappy-compressed remote
// write request on stdout, as flowgate would send it. Lets the end-to-end
// tests check the encoding against real receivers.
//   remote_write_body v1|v2 <timestamp_ms> [name=value ...]   (target labels)

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "exposition/snappy.hpp"
#include "exposition/text_parser.hpp"
#include "remote_write/series.hpp"
#include "remote_write/write_request.hpp"

int main(int argc, char** argv) {
  using namespace flowgate;
  if (argc < 3 || (std::string(argv[1]) != "v1" && std::string(argv[1]) != "v2")) {
    std::cerr << "usage: remote_write_body v1|v2 <timestamp_ms> [name=value ...] < exposition.txt\n";
    return 2;
  }
  const auto protocol = std::string(argv[1]) == "v1" ? remote_write::Protocol::v1 : remote_write::Protocol::v2;
  const std::int64_t timestamp_ms = std::atoll(argv[2]);
  exposition::Labels target;
  for (int i = 3; i < argc; ++i) {
    const std::string pair = argv[i];
    const auto equals = pair.find('=');
    target.push_back({pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1)});
  }
  const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  auto families = exposition::parse_text(text);
  if (!families) {
    std::cerr << families.error().describe() << "\n";
    return 1;
  }
  std::vector<remote_write::TimeSeries> series;
  for (const auto& family : *families) remote_write::append_series(family, target, timestamp_ms, series);
  const std::string body = exposition::snappy_compress_block(remote_write::encode(protocol, series));
  std::fwrite(body.data(), 1, body.size(), stdout);
  return 0;
}
