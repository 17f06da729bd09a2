#include "collectors/metric_family_builder.hpp"

namespace flowgate::collectors {

prometheus::MetricFamily make_family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void add_sample(prometheus::MetricFamily& family, double value, const Labels& labels) {
  prometheus::ClientMetric metric;
  metric.label.reserve(labels.size());
  for (const auto& [name, label_value] : labels) metric.label.push_back({name, label_value});
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

prometheus::MetricFamily single_sample_family(std::string name, std::string help,
                                              prometheus::MetricType type, double value) {
  auto family = make_family(std::move(name), std::move(help), type);
  add_sample(family, value);
  return family;
}

}  // namespace flowgate::collectors
