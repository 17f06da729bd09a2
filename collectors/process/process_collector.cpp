#include "collectors/process/process_collector.hpp"

#include <optional>
#include <utility>

namespace flowgate::collectors {

ProcessCollector::ProcessCollector(ProcessCollectorOptions options) : options_(std::move(options)) {}

bool ProcessCollector::refresh() {
  return published_.refresh_with([]() -> std::optional<MetricFamilies> { return std::nullopt; });
}

}  // namespace flowgate::collectors
