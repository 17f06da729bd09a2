#pragma once
// The bridge from prometheus-cpp's model (what Collectables and the Registry
// return) to ours, for self-metrics and collectors.

#include <vector>

#include <prometheus/metric_family.h>

#include "exposition/model.hpp"

namespace flowgate::exposition {

Families from_prometheus_cpp(const std::vector<prometheus::MetricFamily>& families);

}  // namespace flowgate::exposition
