// Test-only: refreshes the host and process collectors once and prints their
// families through exposition's text writer, for the node_exporter
// cross-check.
// Usage: collectors_dump [--collector.filesystem.mount-points-exclude=RE]
//                        [--collector.netdev.device-exclude=RE]

#include <cstdio>
#include <string_view>

#include "collectors/host/host_collector.hpp"
#include "collectors/process/process_collector.hpp"
#include "exposition/from_prometheus_cpp.hpp"
#include "exposition/writer.hpp"

int main(int argc, char** argv) {
  using namespace flowgate::collectors;
  HostCollectorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    constexpr std::string_view kMounts = "--collector.filesystem.mount-points-exclude=";
    constexpr std::string_view kNetdev = "--collector.netdev.device-exclude=";
    if (arg.starts_with(kMounts)) {
      options.mount_points_exclude = arg.substr(kMounts.size());
    } else if (arg.starts_with(kNetdev)) {
      options.netdev_device_exclude = arg.substr(kNetdev.size());
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  HostCollector host(options);
  ProcessCollector process;
  if (!host.refresh() || !process.refresh()) {
    std::fprintf(stderr, "refresh failed\n");
    return 1;
  }
  auto families = host.Collect();
  const auto process_families = process.Collect();
  families.insert(families.end(), process_families.begin(), process_families.end());
  const std::string text = flowgate::exposition::write(flowgate::exposition::Format::text,
                                                      flowgate::exposition::from_prometheus_cpp(families));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
