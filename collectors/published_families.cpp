#include "collectors/published_families.hpp"

namespace flowgate::collectors {

MetricFamilies PublishedFamilies::families() const {
  return *families_.load();
}

void PublishedFamilies::replace(MetricFamilies families) {
  families_.store(std::make_shared<const MetricFamilies>(std::move(families)));
}

void PublishedFamilies::record(std::optional<MetricFamilies>&& gathered, double seconds) {
  if (gathered) {
    families_.store(std::make_shared<const MetricFamilies>(std::move(*gathered)));
  }
  last_duration_seconds_.store(seconds, std::memory_order_relaxed);
  last_success_.store(gathered.has_value(), std::memory_order_relaxed);
}

}  // namespace flowgate::collectors
