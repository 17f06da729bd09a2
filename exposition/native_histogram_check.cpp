#include "exposition/native_histogram_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "exposition/number_format.hpp"

namespace flowgate::exposition {
namespace {

using Violation = NativeHistogramViolation;

// Integers up to here are exact in the model's doubles.
constexpr double kExactLimit = 9007199254740992.0;  // 2^53

std::string number(double value) {
  std::string text;
  append_double(value, text);
  return text;
}

// The bucket indices a float64 observation can fall into at `schema`, with a
// bucket of margin on each side: the smallest subnormal, 2^-1074, lies in
// bucket ceil(-1074·2^schema), the largest double below 2^1024 in bucket
// 1024·2^schema, and client_golang puts ±Inf one bucket above that.
struct IndexRange {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

IndexRange reachable_indices(std::int32_t schema) {
  const std::int64_t scale = schema >= 0 ? std::int64_t{1} << schema : 1;
  const std::int64_t divisor = schema >= 0 ? 1 : std::int64_t{1} << -schema;
  const auto ceil_div = [divisor](std::int64_t n) { return (n + divisor - 1) / divisor; };
  return {-ceil_div(1075 * scale) - 1, ceil_div(1024 * scale) + 2};
}

struct Side {
  std::string_view name;  // "positive" or "negative"
  const std::vector<BucketSpan>& spans;
  const std::vector<std::int64_t>& deltas;
  const std::vector<double>& counts;
};

std::optional<Violation> check_spans(const Side& side, std::int32_t schema, bool float_counts) {
  const IndexRange range = reachable_indices(schema);
  std::int64_t next = 0;  // the index after the previous span, kept <= range.max + 1 (see below)
  std::uint64_t buckets = 0;
  for (std::size_t i = 0; i < side.spans.size(); ++i) {
    const BucketSpan& span = side.spans[i];
    const std::string which = "span " + std::to_string(i + 1) + " of the " + std::string(side.name) + " side";
    if (i > 0 && span.offset < 0) {
      return Violation{"native-span-offset", which + " has the offset " + std::to_string(span.offset) +
                                                 "; only the first span of a side may have a negative offset"};
    }
    const std::int64_t first = next + span.offset;
    const std::int64_t last = first + static_cast<std::int64_t>(span.length) - 1;
    if (span.length > 0 && (first < range.min || last > range.max)) {
      return Violation{"native-bucket-index",
                       which + " covers bucket indices " + std::to_string(first) + " to " + std::to_string(last) +
                           "; at schema " + std::to_string(schema) + " a float64 observation lies between " +
                           std::to_string(range.min) + " and " + std::to_string(range.max)};
    }
    // Past range.max every later bucket is refused anyway (offsets are >= 0
    // from here on), so stopping there keeps the sum from overflowing,
    // whatever number of empty spans follows.
    next = std::min(last + 1, range.max + 1);
    buckets += span.length;
  }
  const std::size_t sent = float_counts ? side.counts.size() : side.deltas.size();
  if (buckets != sent) {
    return Violation{"native-span-length",
                     "the spans of the " + std::string(side.name) + " side cover " + std::to_string(buckets) +
                         " buckets but " + std::to_string(sent) + (float_counts ? " counts" : " deltas") +
                         " were sent; the span lengths must add up to the number of buckets"};
  }
  return std::nullopt;
}

// Adds the side's bucket populations to `total` (saturating at 2^64-1).
std::optional<Violation> check_counts(const Side& side, bool float_counts, std::uint64_t& total) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const auto bucket = [&side](std::size_t i) {
    return "bucket " + std::to_string(i + 1) + " of the " + std::string(side.name) + " side";
  };
  if (float_counts) {
    for (std::size_t i = 0; i < side.counts.size(); ++i) {
      const double count = side.counts[i];
      if (!(std::isfinite(count) && count >= 0)) {
        return Violation{"native-bucket-count", bucket(i) + " holds " + number(count) +
                                                    " observations; a count must be a finite number >= 0"};
      }
    }
    return std::nullopt;
  }
  std::int64_t running = 0;
  for (std::size_t i = 0; i < side.deltas.size(); ++i) {
    if (__builtin_add_overflow(running, side.deltas[i], &running) || running < 0) {
      return Violation{"native-bucket-count", bucket(i) + " has the delta " + std::to_string(side.deltas[i]) +
                                                  ", which takes its count below 0 or past 2^63; counts are >= 0"};
    }
    const auto population = static_cast<std::uint64_t>(running);
    total = total > kMax - population ? kMax : total + population;
  }
  return std::nullopt;
}

// Prometheus reads a protobuf histogram as native only when one of these is set.
bool read_as_native(const NativeHistogram& native) {
  return !native.positive_spans.empty() || !native.negative_spans.empty() || native.zero_threshold > 0 ||
         native.zero_count > 0;
}

std::optional<Violation> check_total(const Metric& metric, std::uint64_t buckets) {
  const double count = metric.sample_count;
  const double zero = metric.native->zero_count;
  if (!(count >= 0 && count < kExactLimit) || !(zero >= 0 && zero < kExactLimit)) return std::nullopt;  // inexact
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const auto zero_count = static_cast<std::uint64_t>(zero);
  const std::uint64_t observed = buckets > kMax - zero_count ? kMax : buckets + zero_count;
  const auto expected = static_cast<std::uint64_t>(count);
  const bool nan_sum = std::isnan(metric.sample_sum);
  if (nan_sum ? observed <= expected : observed == expected) return std::nullopt;
  const std::string in_buckets = observed == kMax
                                     ? "more than 2^64 observations"
                                     : std::to_string(observed) + " observations";
  return Violation{"native-count",
                   "the zero bucket and the buckets hold " + in_buckets + " but the count is " +
                       std::to_string(expected) +
                       (nan_sum ? "; with a NaN sum the count must be at least that"
                                : "; the count must equal the observations in the buckets")};
}

}  // namespace

std::optional<NativeHistogramViolation> check_native_histogram(const Metric& metric) {
  if (!metric.native || !read_as_native(*metric.native)) return std::nullopt;
  const NativeHistogram& native = *metric.native;
  if (native.schema < kMinNativeSchema || native.schema > kMaxNativeSchema) {
    return Violation{"native-schema", "the schema is " + std::to_string(native.schema) + "; Prometheus accepts " +
                                          std::to_string(kMinNativeSchema) + " to " +
                                          std::to_string(kMaxNativeSchema)};
  }
  if (!(std::isfinite(native.zero_threshold) && native.zero_threshold >= 0)) {
    return Violation{"native-zero-threshold", "the zero threshold is " + number(native.zero_threshold) +
                                                  "; it must be a finite number >= 0"};
  }
  if (metric.float_counts && !(std::isfinite(native.zero_count) && native.zero_count >= 0)) {
    return Violation{"native-bucket-count", "the zero bucket holds " + number(native.zero_count) +
                                                " observations; a count must be a finite number >= 0"};
  }
  const Side sides[] = {
      {"negative", native.negative_spans, native.negative_deltas, native.negative_counts},
      {"positive", native.positive_spans, native.positive_deltas, native.positive_counts},
  };
  std::uint64_t buckets = 0;
  for (const Side& side : sides) {
    if (auto violation = check_spans(side, native.schema, metric.float_counts)) return violation;
    if (auto violation = check_counts(side, metric.float_counts, buckets)) return violation;
  }
  // Float histograms: Prometheus leaves the count alone (rounding makes it inexact).
  if (metric.float_counts) return std::nullopt;
  return check_total(metric, buckets);
}

}  // namespace flowgate::exposition
