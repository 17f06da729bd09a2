#pragma once
// Finding families and samples in a collector's output, for the collectors
// tests only.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace flowgate::collectors::testing {

inline const prometheus::MetricFamily* find_family(const std::vector<prometheus::MetricFamily>& families,
                                                   std::string_view name) {
  const auto it = std::find_if(families.begin(), families.end(),
                               [&](const prometheus::MetricFamily& family) { return family.name == name; });
  return it == families.end() ? nullptr : &*it;
}

inline std::optional<std::string> label_value(const prometheus::ClientMetric& metric, std::string_view name) {
  for (const auto& label : metric.label) {
    if (label.name == name) return label.value;
  }
  return std::nullopt;
}

inline double sample_value(const prometheus::MetricFamily& family, const prometheus::ClientMetric& metric) {
  return family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
}

// The value of the sample of `name` whose labels include all of `labels`.
inline std::optional<double> find_value(const std::vector<prometheus::MetricFamily>& families, std::string_view name,
                                        const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  const auto* family = find_family(families, name);
  if (family == nullptr) return std::nullopt;
  for (const auto& metric : family->metric) {
    const bool matches = std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
      return label_value(metric, wanted.first) == wanted.second;
    });
    if (matches) return sample_value(*family, metric);
  }
  return std::nullopt;
}

// The values of label `name` over the samples of family `family_name`.
inline std::vector<std::string> label_values(const std::vector<prometheus::MetricFamily>& families,
                                             std::string_view family_name, std::string_view name) {
  std::vector<std::string> values;
  if (const auto* family = find_family(families, family_name)) {
    for (const auto& metric : family->metric) {
      if (auto value = label_value(metric, name)) values.push_back(std::move(*value));
    }
  }
  return values;
}

}  // namespace flowgate::collectors::testing
