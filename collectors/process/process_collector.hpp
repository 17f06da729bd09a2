#pragma once
// The standard process_* metrics of this process, named and explained as
// client_golang's process collector does, read from <procfs>/self/{stat,status,
// limits,fd} and <procfs>/stat. refresh() runs on one thread at a time;
// Collect(), last_success() and last_duration_seconds() are safe from any
// thread and never block on a refresh in progress.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/collector.hpp"
#include "collectors/published_families.hpp"

namespace flowgate::collectors {

struct ProcessCollectorOptions {
  // Where procfs is mounted; tests point it at a copy or at nothing.
  std::string procfs = "/proc";
  std::chrono::milliseconds interval{15'000};
};

class ProcessCollector final : public Collector {
 public:
  explicit ProcessCollector(ProcessCollectorOptions options = {});

  std::string_view name() const override { return "process"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  bool refresh() override;
  double last_duration_seconds() const override { return published_.last_duration_seconds(); }
  bool last_success() const override { return published_.last_success(); }

  // The families of the last successful refresh (empty before the first).
  std::vector<prometheus::MetricFamily> Collect() const override { return published_.families(); }

 private:
  std::optional<MetricFamilies> gather() const;

  ProcessCollectorOptions options_;
  PublishedFamilies published_;
};

}  // namespace flowgate::collectors
