#pragma once
// A collector whose refresh gathers all its families at once and publishes
// them whole, or keeps the previous ones when gathering fails (the host and
// process collectors). refresh() runs on one thread at a time; Collect(),
// last_success() and last_duration_seconds() are safe from any thread and
// never block on a refresh in progress.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/collector.hpp"
#include "collectors/published_families.hpp"

namespace flowgate::collectors {

class GatheringCollector : public Collector {
 public:
  std::string_view name() const final { return name_; }
  std::chrono::milliseconds interval() const final { return interval_; }
  bool refresh() final {
    return published_.refresh_with([this] { return gather(); });
  }
  double last_duration_seconds() const final { return published_.last_duration_seconds(); }
  bool last_success() const final { return published_.last_success(); }

  // The families of the last successful refresh (empty before the first).
  std::vector<prometheus::MetricFamily> Collect() const final { return published_.families(); }

 protected:
  GatheringCollector(std::string_view name, std::chrono::milliseconds interval) : name_(name), interval_(interval) {}

  // Everything at once, or nullopt when a source could not be read.
  virtual std::optional<MetricFamilies> gather() const = 0;

 private:
  std::string_view name_;  // a literal
  std::chrono::milliseconds interval_;
  PublishedFamilies published_;
};

}  // namespace flowgate::collectors
