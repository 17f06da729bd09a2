#pragma once
// The metric model every parser produces and every writer consumes: families
// of samples as the Prometheus data model (client_model's metrics.proto) has
// them, native histograms included. Plain values: copyable, no sharing, no
// invariants beyond the comments; parsers enforce the exposition rules.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowgate::exposition {

enum class MetricType : std::uint8_t {
  counter,
  gauge,
  summary,
  untyped,
  histogram,
  gauge_histogram,
  // OpenMetrics-only types. Text 0.0.4 and protobuf have no word for them and
  // write them as gauges, as Prometheus' client libraries do; an info family
  // is named with its "_info" suffix, as its samples are.
  info,
  stateset,
};

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

// In the order the writer emits them (pushgw sorts them by name before
// storing, as the Pushgateway does); `le` and `quantile` never appear here,
// they are written from Bucket::upper_bound and Quantile::quantile.
using Labels = std::vector<Label>;

// Seconds and nanoseconds since the Unix epoch, as google.protobuf.Timestamp.
struct Timestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct Exemplar {
  Labels labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
};

struct Quantile {
  double quantile = 0;
  double value = 0;
};

struct Bucket {
  double upper_bound = 0;
  // Cumulative; an integer unless Metric::float_counts is set. Counts above
  // 2^53 lose precision (a documented limit of this model).
  double cumulative_count = 0;
  std::optional<Exemplar> exemplar;
};

struct BucketSpan {
  std::int32_t offset = 0;
  std::uint32_t length = 0;
  friend bool operator==(const BucketSpan&, const BucketSpan&) = default;
};

// Sparse buckets of a native histogram, exactly as metrics.proto carries them:
// deltas for integer histograms, absolute counts for float histograms.
struct NativeHistogram {
  std::int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;  // integer unless Metric::float_counts
  std::vector<BucketSpan> negative_spans;
  std::vector<std::int64_t> negative_deltas;
  std::vector<double> negative_counts;
  std::vector<BucketSpan> positive_spans;
  std::vector<std::int64_t> positive_deltas;
  std::vector<double> positive_counts;
};

// One series. Which fields mean something depends on the family's type:
// counter/gauge/untyped/info/stateset use `value`; summary uses sample_count, sample_sum and
// quantiles; (gauge_)histogram uses sample_count, sample_sum, buckets and
// optionally native.
struct Metric {
  Labels labels;
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;

  double sample_count = 0;  // an integer unless float_counts
  double sample_sum = 0;
  std::vector<Quantile> quantiles;  // ascending by quantile
  std::vector<Bucket> buckets;      // ascending by upper bound
  bool float_counts = false;        // histogram counts are floats (protobuf *_float fields)
  std::optional<NativeHistogram> native;

  // A counter's exemplar (at most one), or a native histogram's exemplars.
  std::vector<Exemplar> exemplars;
  std::optional<Timestamp> created;  // counter, summary, histogram

  // The body line of the series' first sample, for messages about it
  // (the text and OpenMetrics parsers set it; 0: none, e.g. protobuf). Not
  // part of the series: identical() and every writer ignore it.
  std::uint32_t source_line = 0;
};

struct Family {
  std::string name;
  std::string help;  // unescaped; empty means no HELP line is written
  MetricType type = MetricType::untyped;
  std::string unit;  // OpenMetrics/protobuf unit; empty when unknown
  std::vector<Metric> metrics;
};

using Families = std::vector<Family>;

// Structural equality in which doubles compare by bit pattern, so NaN equals
// the same NaN and 0 differs from -0: the equality that "parse(write(x)) == x"
// round trips promise.
bool identical(const Family& a, const Family& b);
bool identical(const Families& a, const Families& b);

// The name as written for the type, e.g. "counter", "gauge_histogram" is
// written "histogram" in text 0.0.4 (as the Pushgateway does), info and
// stateset "gauge".
std::string_view type_name(MetricType type);

}  // namespace flowgate::exposition
