#pragma once
// OTLP exports built from the model for the pushgw tests: one resource
// (service "etl", instance "pod-1"), one metric per call.

#include <cstdint>
#include <string>
#include <vector>

#include "exposition/otlp_model.hpp"

namespace flowgate::pushgw::testing {

namespace otlp = exposition::otlp;

inline otlp::ExportRequest export_of(std::vector<otlp::Metric> metrics, std::string service = "etl") {
  otlp::Resource resource;
  resource.attributes = {{"service.name", std::move(service)}, {"service.instance.id", "pod-1"}};
  resource.scopes.push_back({"test", "1", {}, std::move(metrics)});
  return otlp::ExportRequest{{std::move(resource)}};
}

// A monotonic sum with one point per `series` label value, all of `value`.
inline otlp::Metric counter(std::string name, double value, otlp::Temporality temporality,
                            std::vector<std::string> series = {"a"}, std::uint64_t start = 10, std::uint64_t time = 20) {
  otlp::Metric metric;
  metric.name = std::move(name);
  metric.kind = otlp::MetricKind::sum;
  metric.monotonic = true;
  metric.temporality = temporality;
  for (auto& label : series) {
    otlp::NumberPoint point;
    point.attributes = {{"step", std::move(label)}};
    point.start_time_unix_nano = start;
    point.time_unix_nano = time;
    point.value = value;
    point.has_value = true;
    metric.numbers.push_back(std::move(point));
  }
  return metric;
}

inline otlp::Metric gauge(std::string name, double value) {
  otlp::Metric metric;
  metric.name = std::move(name);
  metric.kind = otlp::MetricKind::gauge;
  otlp::NumberPoint point;
  point.time_unix_nano = 20;
  point.value = value;
  point.has_value = true;
  metric.numbers.push_back(std::move(point));
  return metric;
}

}  // namespace flowgate::pushgw::testing
