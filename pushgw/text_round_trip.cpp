#include "pushgw/text_round_trip.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "exposition/name_escaping.hpp"
#include "exposition/names.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::Metric;
using exposition::MetricType;

// The text writer spells every NaN "NaN" (read back as the quiet NaN) and -0 as 0.
bool text_keeps(double value) {
  if (std::isnan(value)) {
    return std::bit_cast<std::uint64_t>(value) ==
           std::bit_cast<std::uint64_t>(std::numeric_limits<double>::quiet_NaN());
  }
  return value != 0 || !std::signbit(value);
}

// A count the parser reads back as the same integral count (it marks
// fractional histogram counts as float counts and truncates summary counts).
bool integral_count(double count) {
  constexpr double kTwoToThe53 = 9007199254740992.0;
  return count >= 0 && count <= kTwoToThe53 && std::trunc(count) == count && !std::signbit(count);
}

bool plain_series(const Metric& metric) {
  return !metric.timestamp_ms && !metric.created && metric.exemplars.empty() && !metric.native &&
         !metric.float_counts;
}

bool labels_round_trip(const Metric& metric, std::string_view bound_label) {
  for (const auto& label : metric.labels) {
    if (!exposition::is_label_name(label.name, exposition::NameValidation::legacy) || label.name.starts_with("__") || label.name == bound_label) {
      return false;
    }
  }
  return true;
}

// Bounds strictly ascending and not NaN: the parser drops NaN-bound lines and sorts.
template <typename Items, typename Bound>
bool ascending(const Items& items, Bound bound) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (std::isnan(bound(items[i])) || !text_keeps(bound(items[i]))) return false;
    if (i > 0 && !(bound(items[i - 1]) < bound(items[i]))) return false;
  }
  return true;
}

bool summary_round_trips(const Metric& metric) {
  if (!integral_count(metric.sample_count) || !text_keeps(metric.sample_sum)) return false;
  for (const auto& quantile : metric.quantiles) {
    if (!text_keeps(quantile.value)) return false;
  }
  return ascending(metric.quantiles, [](const exposition::Quantile& q) { return q.quantile; });
}

// The writer adds a +Inf bucket when the last one is not +Inf.
bool histogram_round_trips(const Metric& metric) {
  if (!integral_count(metric.sample_count) || !text_keeps(metric.sample_sum)) return false;
  if (metric.buckets.empty() || metric.buckets.back().upper_bound != std::numeric_limits<double>::infinity()) {
    return false;
  }
  for (const auto& bucket : metric.buckets) {
    if (!integral_count(bucket.cumulative_count) || bucket.exemplar) return false;
  }
  return ascending(metric.buckets, [](const exposition::Bucket& b) { return b.upper_bound; });
}

bool series_round_trips(MetricType type, const Metric& metric) {
  if (!plain_series(metric)) return false;
  switch (type) {
    case MetricType::summary:
      return labels_round_trip(metric, "quantile") && summary_round_trips(metric);
    case MetricType::histogram:
    case MetricType::gauge_histogram:
      return labels_round_trip(metric, "le") && histogram_round_trips(metric);
    case MetricType::counter:
    case MetricType::gauge:
    case MetricType::untyped:
    case MetricType::info:
    case MetricType::stateset:
      break;
  }
  return labels_round_trip(metric, {}) && text_keeps(metric.value);
}

}  // namespace

bool text_round_trips(const exposition::Family& family, bool distinct_series) {
  if (!distinct_series || family.metrics.empty() || exposition::needs_escaping(family.name)) return false;
  for (const auto& metric : family.metrics) {
    if (!series_round_trips(family.type, metric)) return false;
  }
  return true;
}

}  // namespace flowgate::pushgw
