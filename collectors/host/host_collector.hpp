#pragma once
// Host metrics under node_exporter's names and labels (CPU, load, memory,
// filesystems, disks, network, processes, boot time, clock), gathered with
// libstatgrab plus the few /proc files it does not read. Threading as for
// every GatheringCollector.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/gathering_collector.hpp"
#include "collectors/host/host_collector_options.hpp"
#include "collectors/name_filter.hpp"
#include "collectors/proc_stat.hpp"

namespace flowgate::collectors {

class HostCollector final : public GatheringCollector {
 public:
  // Throws std::invalid_argument naming the option when a regex does not
  // compile (a start-up misconfiguration). Initialises libstatgrab once per
  // process.
  explicit HostCollector(HostCollectorOptions options);

 private:
  std::optional<MetricFamilies> gather() const override;
  // One part each (HostParts); false when its source could not be read.
  bool gather_cpu(const ProcStat& proc_stat, MetricFamilies& families) const;
  bool gather_stat(const ProcStat& proc_stat, MetricFamilies& families) const;
  bool gather_memory(MetricFamilies& families) const;
  bool gather_network(MetricFamilies& families) const;

  HostCollectorOptions options_;
  NameFilter mount_points_exclude_;
  NameFilter fs_types_exclude_;
  NameFilter netdev_device_exclude_;
  NameFilter diskstats_device_exclude_;
};

}  // namespace flowgate::collectors
