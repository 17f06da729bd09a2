#pragma once
// Host metrics under node_exporter's names and labels (CPU, load, memory,
// filesystems, disks, network, processes, boot time, clock), gathered with
// libstatgrab plus the few /proc files it does not read. refresh() runs on one
// thread at a time; Collect(), last_success() and last_duration_seconds() are
// safe from any thread and never block on a refresh in progress.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/collector.hpp"
#include "collectors/host/host_collector_options.hpp"
#include "collectors/name_filter.hpp"
#include "collectors/published_families.hpp"

namespace flowgate::collectors {

class HostCollector final : public Collector {
 public:
  // Throws std::invalid_argument naming the option when a regex does not
  // compile (a start-up misconfiguration). Initialises libstatgrab once per
  // process.
  explicit HostCollector(HostCollectorOptions options);

  std::string_view name() const override { return "host"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  bool refresh() override;
  double last_duration_seconds() const override { return published_.last_duration_seconds(); }
  bool last_success() const override { return published_.last_success(); }

  // The families of the last successful refresh (empty before the first).
  std::vector<prometheus::MetricFamily> Collect() const override { return published_.families(); }

 private:
  std::optional<MetricFamilies> gather() const;

  HostCollectorOptions options_;
  NameFilter mount_points_exclude_;
  NameFilter fs_types_exclude_;
  NameFilter netdev_device_exclude_;
  NameFilter diskstats_device_exclude_;
  PublishedFamilies published_;
};

}  // namespace flowgate::collectors
