#pragma once
// flowgate's own metrics (docs/metrics.md, "flowgate itself"), held in a
// prometheus-cpp Registry. Recording is thread-safe (prometheus-cpp metrics
// are); the store and collector gauges are refreshed by whoever owns the data
// right before a scrape reads the registry.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "exporter/store_keeper.hpp"
#include "exposition/model.hpp"

namespace flowgate::exporter {

class SelfMetrics {
 public:
  SelfMetrics();
  ~SelfMetrics();

  void record_request(std::string_view handler, std::string_view method, int code, double seconds);
  void record_push_size(std::string_view method, std::size_t body_bytes);
  void record_push_rejection(std::string_view reason);
  void set_store_size(double groups, double series, double bytes);
  void set_collector_result(std::string_view collector, bool success, double seconds);
  // The store keeper's figures; the flowgate_persistence_* families appear
  // only when the store is persistent.
  void set_persistence(const StoreKeeperFigures& figures);

  prometheus::Registry& registry() { return *registry_; }
  // The type of a self-metric family by name; nullopt when not ours.
  static std::optional<exposition::MetricType> family_type(std::string_view name);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& push_size_;
  prometheus::Family<prometheus::Counter>& rejections_;
  prometheus::Family<prometheus::Gauge>& store_groups_;
  prometheus::Family<prometheus::Gauge>& store_series_;
  prometheus::Family<prometheus::Gauge>& store_bytes_;
  prometheus::Family<prometheus::Gauge>& collector_success_;
  prometheus::Family<prometheus::Gauge>& collector_duration_;
  prometheus::Family<prometheus::Counter>& groups_expired_;
  std::mutex persistence_mutex_;  // serializes set_persistence (counters are set by increments)
  struct PersistenceFamilies;
  std::unique_ptr<PersistenceFamilies> persistence_;  // created by the first persistent set_persistence
};

// Lower-case method, as the Pushgateway labels it ("put").
std::string lower_method(std::string_view method);

}  // namespace flowgate::exporter
