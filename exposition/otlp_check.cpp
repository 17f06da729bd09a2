// check_request: the rules a decoded export must meet whatever its encoding.
// A point flagged "no recorded value" carries no data to check.

#include <cmath>
#include <string>

#include "exposition/names.hpp"
#include "exposition/otlp_decode.hpp"

namespace flowgate::exposition::otlp {
namespace {

DecodeError problem(const Metric& metric, std::string rule, const std::string& sentence) {
  return DecodeError{std::move(rule), "metric " + quoted_for_message(metric.name) + ": " + sentence, std::nullopt};
}

std::string nth(std::size_t index) { return "point " + std::to_string(index + 1); }

std::optional<DecodeError> check_histogram(const Metric& metric, std::size_t index, const HistogramPoint& point) {
  const auto& bounds = point.explicit_bounds;
  if (!point.bucket_counts.empty() && point.bucket_counts.size() != bounds.size() + 1) {
    return problem(metric, "histogram-bucket-count",
                   nth(index) + " has " + std::to_string(point.bucket_counts.size()) + " bucket counts for " +
                       std::to_string(bounds.size()) +
                       " explicit bounds; a histogram has one count more than bounds (the last is above them)");
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (std::isnan(bounds[i]) || (i != 0 && !(bounds[i - 1] < bounds[i]))) {
      return problem(metric, "histogram-bounds-order",
                     nth(index) + " has explicit bounds that do not strictly ascend (bound " + std::to_string(i + 1) +
                         ")");
    }
  }
  if (point.bucket_counts.empty()) return std::nullopt;
  std::uint64_t total = 0;
  bool wrapped = false;
  for (const auto count : point.bucket_counts) wrapped |= __builtin_add_overflow(total, count, &total);
  if (wrapped) return problem(metric, "histogram-count-overflow", nth(index) + " has bucket counts past 2^64 in sum");
  if (total != point.count) {
    return problem(metric, "histogram-count-mismatch",
                   nth(index) + " has count " + std::to_string(point.count) + " but its buckets hold " +
                       std::to_string(total));
  }
  return std::nullopt;
}

std::optional<DecodeError> check_exponential(const Metric& metric, std::size_t index,
                                             const ExponentialHistogramPoint& point) {
  if (point.scale < kMinExponentialScale || point.scale > kMaxExponentialScale) {
    return problem(metric, "exponential-scale",
                   nth(index) + " has scale " + std::to_string(point.scale) + "; OpenTelemetry's scales run from " +
                       std::to_string(kMinExponentialScale) + " to " + std::to_string(kMaxExponentialScale));
  }
  std::uint64_t total = point.zero_count;
  bool wrapped = false;
  for (const auto count : point.positive.counts) wrapped |= __builtin_add_overflow(total, count, &total);
  for (const auto count : point.negative.counts) wrapped |= __builtin_add_overflow(total, count, &total);
  if (wrapped) return problem(metric, "histogram-count-overflow", nth(index) + " has bucket counts past 2^64 in sum");
  if (total != point.count) {
    return problem(metric, "histogram-count-mismatch",
                   nth(index) + " has count " + std::to_string(point.count) + " but its buckets hold " +
                       std::to_string(total));
  }
  if (point.zero_threshold < 0 || std::isnan(point.zero_threshold)) {
    return problem(metric, "zero-threshold", nth(index) + " has a negative or NaN zero_threshold");
  }
  return std::nullopt;
}

std::optional<DecodeError> check_summary(const Metric& metric, std::size_t index, const SummaryPoint& point) {
  for (const auto& quantile : point.quantiles) {
    if (!(quantile.quantile >= 0 && quantile.quantile <= 1)) {
      return problem(metric, "quantile-range", nth(index) + " has a quantile outside [0, 1]");
    }
  }
  return std::nullopt;
}

template <typename Point, typename Check>
std::optional<DecodeError> check_points(const Metric& metric, const std::vector<Point>& points, Check check) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    if ((points[i].flags & kNoRecordedValue) != 0) continue;
    if (auto found = check(metric, i, points[i])) return found;
  }
  return std::nullopt;
}

std::optional<DecodeError> check_metric(const Metric& metric) {
  if (metric.name.empty()) return DecodeError{"metric-name-missing", "a metric has no name", std::nullopt};
  const bool has_temporality = metric.kind == MetricKind::sum || metric.kind == MetricKind::histogram ||
                               metric.kind == MetricKind::exponential_histogram;
  if (has_temporality && metric.temporality == Temporality::unspecified) {
    return problem(metric, "temporality-unspecified",
                   "aggregation_temporality is unspecified; it must be delta (1) or cumulative (2)");
  }
  switch (metric.kind) {
    case MetricKind::histogram: return check_points(metric, metric.histograms, check_histogram);
    case MetricKind::exponential_histogram: return check_points(metric, metric.exponential_histograms, check_exponential);
    case MetricKind::summary: return check_points(metric, metric.summaries, check_summary);
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<DecodeError> check_request(const ExportRequest& request) {
  for (const auto& resource : request.resources) {
    for (const auto& scope : resource.scopes) {
      for (const auto& metric : scope.metrics) {
        if (auto found = check_metric(metric)) return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace flowgate::exposition::otlp
