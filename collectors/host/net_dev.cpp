#include "collectors/host/net_dev.hpp"

#include "collectors/proc_text.hpp"

namespace flowgate::collectors {
namespace {

// Columns after "<device>:": 8 receive counters then 8 transmit counters;
// drop is the 4th of each group.
constexpr std::size_t kReceiveDrop = 3;
constexpr std::size_t kTransmitDrop = 11;
constexpr std::size_t kCounters = 16;

}  // namespace

std::vector<NetDevDrops> parse_net_dev_drops(std::string_view text) {
  std::vector<NetDevDrops> devices;
  for (const auto line : split_lines(text)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name_fields = split_fields(line.substr(0, colon));
    const auto counters = split_fields(line.substr(colon + 1));
    if (name_fields.size() != 1 || counters.size() < kCounters) continue;
    const auto receive_drop = parse_u64(counters[kReceiveDrop]);
    const auto transmit_drop = parse_u64(counters[kTransmitDrop]);
    if (!receive_drop || !transmit_drop) continue;
    devices.push_back({std::string(name_fields[0]), *receive_drop, *transmit_drop});
  }
  return devices;
}

}  // namespace flowgate::collectors
