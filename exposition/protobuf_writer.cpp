#include "exposition/protobuf_writer.hpp"

#include <cstdint>

#include "exposition/protobuf_encoder.hpp"

namespace flowgate::exposition {
namespace {

using wire::count_bits;
using wire::kLenWire;
using wire::Nested;
using wire::put_double;
using wire::put_labels;
using wire::put_spans;
using wire::put_string;
using wire::put_tag;
using wire::put_uint;
using wire::put_varint;
using wire::varint_size;
using wire::zigzag;

void put_timestamp(std::uint32_t field, const Timestamp& ts, std::string& out) {
  Nested message(field, out);
  if (ts.seconds != 0) put_uint(1, static_cast<std::uint64_t>(ts.seconds), out);
  if (ts.nanos != 0) put_uint(2, static_cast<std::uint64_t>(static_cast<std::int64_t>(ts.nanos)), out);
}

void put_exemplar(std::uint32_t field, const Exemplar& exemplar, std::string& out) {
  Nested message(field, out);
  put_labels(1, exemplar.labels, out);
  put_double(2, exemplar.value, out);
  if (exemplar.timestamp) put_timestamp(3, *exemplar.timestamp, out);
}

// metrics.proto is proto2 without [packed=true], so Go writes one field per
// element; we do the same (the parser reads both forms).
void put_deltas(std::uint32_t field, const std::vector<std::int64_t>& deltas, std::string& out) {
  for (auto d : deltas) put_uint(field, zigzag(d), out);
}

void put_doubles(std::uint32_t field, const std::vector<double>& values, std::string& out) {
  for (auto v : values) put_double(field, v, out);
}

void put_count(std::uint32_t int_field, std::uint32_t float_field, double count, bool float_counts,
               std::string& out) {
  if (float_counts) {
    put_double(float_field, count, out);
  } else {
    put_uint(int_field, count_bits(count), out);
  }
}

void put_histogram(const Metric& metric, std::string& out) {
  // Fields go out in field-number order, as Go's encoder writes them, so
  // that our bytes equal client_golang's for the same data.
  Nested message(7, out);
  if (!metric.float_counts) put_uint(1, count_bits(metric.sample_count), out);
  put_double(2, metric.sample_sum, out);
  for (const auto& bucket : metric.buckets) {
    Nested b(3, out);
    if (!metric.float_counts) put_uint(1, count_bits(bucket.cumulative_count), out);
    put_double(2, bucket.upper_bound, out);
    if (bucket.exemplar) put_exemplar(3, *bucket.exemplar, out);
    if (metric.float_counts) put_double(4, bucket.cumulative_count, out);
  }
  if (metric.float_counts) put_double(4, metric.sample_count, out);
  if (metric.native) {
    // Schema, threshold and zero count always go out: they are what marks a
    // histogram as native to a reader, even with no populated bucket.
    const auto& native = *metric.native;
    put_uint(5, zigzag(native.schema), out);
    put_double(6, native.zero_threshold, out);
    put_count(7, 8, native.zero_count, metric.float_counts, out);
    put_spans(9, native.negative_spans, out);
    put_deltas(10, native.negative_deltas, out);
    put_doubles(11, native.negative_counts, out);
    put_spans(12, native.positive_spans, out);
    put_deltas(13, native.positive_deltas, out);
    put_doubles(14, native.positive_counts, out);
  }
  if (metric.created) put_timestamp(15, *metric.created, out);
  for (const auto& exemplar : metric.exemplars) put_exemplar(16, exemplar, out);
}

void put_metric(MetricType type, const Metric& metric, std::string& out) {
  Nested message(4, out);
  put_labels(1, metric.labels, out);
  switch (type) {
    case MetricType::gauge:
    case MetricType::info:
    case MetricType::stateset:
    case MetricType::untyped: {
      // client_model has no info or stateset: they go out as gauges.
      Nested value(type == MetricType::untyped ? 5 : 2, out);
      put_double(1, metric.value, out);
      break;
    }
    case MetricType::counter: {
      Nested counter(3, out);
      put_double(1, metric.value, out);
      // The model allows one counter exemplar; protobuf has room for one.
      if (!metric.exemplars.empty()) put_exemplar(2, metric.exemplars.front(), out);
      if (metric.created) put_timestamp(3, *metric.created, out);
      break;
    }
    case MetricType::summary: {
      Nested summary(4, out);
      put_uint(1, count_bits(metric.sample_count), out);
      put_double(2, metric.sample_sum, out);
      for (const auto& quantile : metric.quantiles) {
        Nested q(3, out);
        put_double(1, quantile.quantile, out);
        put_double(2, quantile.value, out);
      }
      if (metric.created) put_timestamp(4, *metric.created, out);
      break;
    }
    case MetricType::histogram:
    case MetricType::gauge_histogram: break;
  }
  if (metric.timestamp_ms) put_uint(6, static_cast<std::uint64_t>(*metric.timestamp_ms), out);
  if (type == MetricType::histogram || type == MetricType::gauge_histogram) put_histogram(metric, out);
}

std::uint64_t type_number(MetricType type) {
  switch (type) {
    case MetricType::counter: return 0;
    case MetricType::gauge:
    case MetricType::info:
    case MetricType::stateset: return 1;
    case MetricType::summary: return 2;
    case MetricType::untyped: return 3;
    case MetricType::histogram: return 4;
    case MetricType::gauge_histogram: return 5;
  }
  return 3;
}

std::size_t string_field_size(std::string_view s) { return 1 + varint_size(s.size()) + s.size(); }

}  // namespace

void write_protobuf_samples(const Family& family, std::string& out) {
  for (const auto& metric : family.metrics) put_metric(family.type, metric, out);
}

void write_protobuf_header(const FamilyHeader& header, std::size_t samples_size, std::string& out) {
  const auto type = type_number(header.type);
  std::size_t size = string_field_size(header.name) + 1 + varint_size(type) + samples_size;
  if (!header.help.empty()) size += string_field_size(header.help);
  if (!header.unit.empty()) size += string_field_size(header.unit);
  put_varint(size, out);
  put_string(1, header.name, out);
  if (!header.help.empty()) put_string(2, header.help, out);
  put_uint(3, type, out);
  if (!header.unit.empty()) put_string(5, header.unit, out);
}

}  // namespace flowgate::exposition
