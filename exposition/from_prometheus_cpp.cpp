#include "exposition/from_prometheus_cpp.hpp"


namespace flowgate::exposition {
namespace {

MetricType to_type(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter: return MetricType::counter;
    case prometheus::MetricType::Gauge: return MetricType::gauge;
    case prometheus::MetricType::Summary: return MetricType::summary;
    case prometheus::MetricType::Untyped: return MetricType::untyped;
    case prometheus::MetricType::Histogram: return MetricType::histogram;
  }
  return MetricType::untyped;
}

Labels to_labels(const std::vector<prometheus::ClientMetric::Label>& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const auto& label : labels) out.push_back({label.name, label.value});
  return out;
}

Metric to_metric(MetricType type, const prometheus::ClientMetric& in) {
  Metric out;
  out.labels = to_labels(in.label);
  // prometheus-cpp uses 0 for "no timestamp", as its serializers do.
  if (in.timestamp_ms != 0) out.timestamp_ms = in.timestamp_ms;
  switch (type) {
    case MetricType::counter: out.value = in.counter.value; break;
    case MetricType::gauge:
    case MetricType::info:  // prometheus-cpp has neither; to_type never gives them
    case MetricType::stateset: out.value = in.gauge.value; break;
    case MetricType::untyped: out.value = in.untyped.value; break;
    case MetricType::summary:
      out.sample_count = static_cast<double>(in.summary.sample_count);
      out.sample_sum = in.summary.sample_sum;
      out.quantiles.reserve(in.summary.quantile.size());
      for (const auto& q : in.summary.quantile) out.quantiles.push_back({q.quantile, q.value});
      break;
    case MetricType::histogram:
    case MetricType::gauge_histogram:
      out.sample_count = static_cast<double>(in.histogram.sample_count);
      out.sample_sum = in.histogram.sample_sum;
      out.buckets.reserve(in.histogram.bucket.size());
      for (const auto& b : in.histogram.bucket) {
        out.buckets.push_back({b.upper_bound, static_cast<double>(b.cumulative_count), std::nullopt});
      }
      break;
  }
  return out;
}

}  // namespace

Families from_prometheus_cpp(const std::vector<prometheus::MetricFamily>& families) {
  Families out;
  out.reserve(families.size());
  for (const auto& in : families) {
    Family family;
    family.name = in.name;
    family.help = in.help;
    family.type = to_type(in.type);
    family.metrics.reserve(in.metric.size());
    for (const auto& metric : in.metric) family.metrics.push_back(to_metric(family.type, metric));
    out.push_back(std::move(family));
  }
  return out;
}

}  // namespace flowgate::exposition
