#pragma once
// The last families a collector gathered, with the outcome and duration of its
// last refresh. One writer (the collector's refresh) publishes by swapping a
// pointer to an immutable vector; readers copy from whatever pointer they load
// and never wait for a refresh to finish.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/published.hpp"

namespace flowgate::collectors {

using MetricFamilies = std::vector<prometheus::MetricFamily>;

class PublishedFamilies {
 public:
  // Times `gather`, publishes what it returns when it returns a value, and
  // records the outcome. On failure the previous families stay published.
  template <typename Gather>
  bool refresh_with(Gather&& gather);

  MetricFamilies families() const;
  // Publishes `families` between two refreshes (for a collector with a
  // second source, Prefect's events), leaving the last outcome and duration.
  void replace(MetricFamilies families);
  bool last_success() const { return last_success_.load(std::memory_order_relaxed); }
  double last_duration_seconds() const { return last_duration_seconds_.load(std::memory_order_relaxed); }

 private:
  void record(std::optional<MetricFamilies>&& gathered, double seconds);

  Published<MetricFamilies> families_;
  std::atomic<bool> last_success_{false};
  std::atomic<double> last_duration_seconds_{0.0};
};

template <typename Gather>
bool PublishedFamilies::refresh_with(Gather&& gather) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<MetricFamilies> gathered = gather();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const bool ok = gathered.has_value();
  record(std::move(gathered), took.count());
  return ok;
}

}  // namespace flowgate::collectors
