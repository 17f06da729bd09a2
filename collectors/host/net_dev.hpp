#pragma once
// Per-device drop counters from /proc/net/dev, which libstatgrab's network
// stats do not carry. Pure parsing; the caller reads the file.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate::collectors {

struct NetDevDrops {
  std::string device;
  std::uint64_t receive_drop = 0;
  std::uint64_t transmit_drop = 0;
};

// One entry per well-formed device line; the two header lines are skipped.
std::vector<NetDevDrops> parse_net_dev_drops(std::string_view text);

}  // namespace flowgate::collectors
