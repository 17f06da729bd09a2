#pragma once
// An OTLP metrics export request (opentelemetry.proto.collector.metrics.v1.
// ExportMetricsServiceRequest) as plain values, whichever encoding it came in
// (protobuf or JSON): what the decoders produce and the translation to the
// Prometheus model reads. Only what the translation uses is kept; attribute
// values are already rendered as strings, as Prometheus labels need them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowgate::exposition::otlp {

// An attribute with its value rendered as OpenTelemetry's AsString does:
// strings as they are, booleans and integers in decimal, doubles as ES6
// numbers, bytes in base64, arrays and maps as JSON.
struct Attribute {
  std::string key;
  std::string value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};
using Attributes = std::vector<Attribute>;

enum class Temporality : std::uint8_t { unspecified = 0, delta = 1, cumulative = 2 };

// DataPointFlags.FLAG_NO_RECORDED_VALUE: the series has ended (a staleness marker).
inline constexpr std::uint32_t kNoRecordedValue = 1;

struct Exemplar {
  Attributes filtered_attributes;
  std::uint64_t time_unix_nano = 0;
  double value = 0;
  std::string trace_id;  // lowercase hex, empty when unset
  std::string span_id;
};

struct NumberPoint {
  Attributes attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  double value = 0;  // as_int is converted (exact up to 2^53)
  bool has_value = false;
  std::uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
};

struct HistogramPoint {
  Attributes attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  std::optional<double> sum;
  std::vector<std::uint64_t> bucket_counts;  // per bucket, not cumulative; explicit_bounds.size() + 1 of them
  std::vector<double> explicit_bounds;
  std::uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
};

// The scales OpenTelemetry defines for exponential histograms; others are refused.
inline constexpr std::int32_t kMinExponentialScale = -10;
inline constexpr std::int32_t kMaxExponentialScale = 20;

struct ExponentialBuckets {
  std::int32_t offset = 0;
  std::vector<std::uint64_t> counts;  // dense, from `offset` on
  friend bool operator==(const ExponentialBuckets&, const ExponentialBuckets&) = default;
};

struct ExponentialHistogramPoint {
  Attributes attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  std::optional<double> sum;
  std::int32_t scale = 0;
  std::uint64_t zero_count = 0;
  double zero_threshold = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  std::uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
};

struct ValueAtQuantile {
  double quantile = 0;
  double value = 0;
};

struct SummaryPoint {
  Attributes attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  double sum = 0;
  std::vector<ValueAtQuantile> quantiles;
  std::uint32_t flags = 0;
};

enum class MetricKind : std::uint8_t { none, gauge, sum, histogram, exponential_histogram, summary };

struct Metric {
  std::string name;
  std::string description;
  std::string unit;
  MetricKind kind = MetricKind::none;
  Temporality temporality = Temporality::unspecified;  // sum and both histograms
  bool monotonic = false;                              // sum
  std::vector<NumberPoint> numbers;                    // gauge, sum
  std::vector<HistogramPoint> histograms;
  std::vector<ExponentialHistogramPoint> exponential_histograms;
  std::vector<SummaryPoint> summaries;
  Attributes metadata;  // e.g. prometheus.type
};

struct Scope {
  std::string name;
  std::string version;
  Attributes attributes;
  std::vector<Metric> metrics;
};

struct Resource {
  Attributes attributes;
  std::vector<Scope> scopes;
};

struct ExportRequest {
  std::vector<Resource> resources;
};

// How much one request may make a decoder build (zero: no bound), so a
// hostile body is refused after the work its bound allows.
struct DecodeBounds {
  std::size_t max_points = 0;                // data points in the whole request
  std::size_t max_attributes_per_point = 0;  // attributes of one point, resource or scope
  std::size_t max_buckets_per_point = 0;     // explicit or exponential buckets of one point
};

}  // namespace flowgate::exposition::otlp
