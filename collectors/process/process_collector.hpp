#pragma once
// The standard process_* metrics of this process, named and explained as
// client_golang's process collector does, read from <procfs>/self/{stat,status,
// limits,fd} and <procfs>/stat. Threading as for every GatheringCollector.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/gathering_collector.hpp"

namespace flowgate::collectors {

struct ProcessCollectorOptions {
  // Where procfs is mounted; tests point it at a copy or at nothing.
  std::string procfs = "/proc";
  std::chrono::milliseconds interval{15'000};
};

class ProcessCollector final : public GatheringCollector {
 public:
  explicit ProcessCollector(ProcessCollectorOptions options = {});

 private:
  std::optional<MetricFamilies> gather() const override;

  ProcessCollectorOptions options_;
};

}  // namespace flowgate::collectors
