#include "collectors/host/host_collector.hpp"

#include <optional>
#include <stdexcept>
#include <utility>

namespace flowgate::collectors {
namespace {

std::regex compile(const std::string& pattern, const char* option) {
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument(std::string(option) + ": " + e.what());
  }
}

}  // namespace

HostCollector::HostCollector(HostCollectorOptions options)
    : options_(std::move(options)),
      mount_points_exclude_(compile(options_.mount_points_exclude,
                                    "--collector.filesystem.mount-points-exclude")),
      fs_types_exclude_(compile(options_.fs_types_exclude, "--collector.filesystem.fs-types-exclude")),
      netdev_device_exclude_(compile(options_.netdev_device_exclude, "--collector.netdev.device-exclude")) {}

bool HostCollector::refresh() {
  return published_.refresh_with([]() -> std::optional<MetricFamilies> { return std::nullopt; });
}

}  // namespace flowgate::collectors
