#include "exposition/model.hpp"

#include <bit>
#include <cstdint>
#include <string_view>

namespace flowgate::exposition {
namespace {

bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

template <typename T, typename Eq>
bool same_range(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}

bool same_doubles(const std::vector<double>& a, const std::vector<double>& b) { return same_range(a, b, same); }

bool same_exemplar(const Exemplar& a, const Exemplar& b) {
  return a.labels == b.labels && same(a.value, b.value) && a.timestamp == b.timestamp;
}

bool same_optional_exemplar(const std::optional<Exemplar>& a, const std::optional<Exemplar>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same_exemplar(*a, *b);
}

bool same_native(const NativeHistogram& a, const NativeHistogram& b) {
  return a.schema == b.schema && same(a.zero_threshold, b.zero_threshold) && same(a.zero_count, b.zero_count) &&
         a.negative_spans == b.negative_spans && a.negative_deltas == b.negative_deltas &&
         same_doubles(a.negative_counts, b.negative_counts) && a.positive_spans == b.positive_spans &&
         a.positive_deltas == b.positive_deltas && same_doubles(a.positive_counts, b.positive_counts);
}

bool same_metric(const Metric& a, const Metric& b) {
  if (a.labels != b.labels || !same(a.value, b.value) || a.timestamp_ms != b.timestamp_ms ||
      !same(a.sample_count, b.sample_count) || !same(a.sample_sum, b.sample_sum) ||
      a.float_counts != b.float_counts || a.created != b.created || a.native.has_value() != b.native.has_value()) {
    return false;
  }
  if (a.native && !same_native(*a.native, *b.native)) return false;
  return same_range(a.quantiles, b.quantiles,
                    [](const Quantile& x, const Quantile& y) {
                      return same(x.quantile, y.quantile) && same(x.value, y.value);
                    }) &&
         same_range(a.buckets, b.buckets,
                    [](const Bucket& x, const Bucket& y) {
                      return same(x.upper_bound, y.upper_bound) && same(x.cumulative_count, y.cumulative_count) &&
                             same_optional_exemplar(x.exemplar, y.exemplar);
                    }) &&
         same_range(a.exemplars, b.exemplars, same_exemplar);
}

}  // namespace

bool identical(const Family& a, const Family& b) {
  return a.name == b.name && a.help == b.help && a.type == b.type && a.unit == b.unit &&
         same_range(a.metrics, b.metrics, same_metric);
}

bool identical(const Families& a, const Families& b) {
  return same_range(a, b, [](const Family& x, const Family& y) { return identical(x, y); });
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge:
    case MetricType::info:
    case MetricType::stateset: return "gauge";
    case MetricType::summary: return "summary";
    case MetricType::untyped: return "untyped";
    case MetricType::histogram:
    case MetricType::gauge_histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace flowgate::exposition
