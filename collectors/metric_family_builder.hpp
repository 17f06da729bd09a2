#pragma once
// Small helpers that build prometheus-cpp families the way the collectors
// publish them: one family per name, samples appended in a stable order.

#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

namespace flowgate::collectors {

using Labels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily make_family(std::string name, std::string help, prometheus::MetricType type);

// Appends one sample; `family.type` decides whether it is a gauge or counter.
void add_sample(prometheus::MetricFamily& family, double value, const Labels& labels = {});

// A family holding exactly one unlabelled sample.
prometheus::MetricFamily single_sample_family(std::string name, std::string help,
                                              prometheus::MetricType type, double value);

}  // namespace flowgate::collectors
