#include "exposition/protobuf_writer.hpp"

#include <cstdint>
#include <cstring>

namespace flowgate::exposition {
namespace {

constexpr std::uint32_t kVarint = 0;
constexpr std::uint32_t kFixed64 = 1;
constexpr std::uint32_t kLen = 2;

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::uint32_t field, std::uint32_t wire, std::string& out) { put_varint(field << 3 | wire, out); }

std::uint64_t double_bits(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

void put_fixed64_bits(std::uint64_t bits, std::string& out) {
  char bytes[8];
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  out.append(bytes, 8);
}

void put_double(std::uint32_t field, double v, std::string& out) {
  put_tag(field, kFixed64, out);
  put_fixed64_bits(double_bits(v), out);
}

void put_uint(std::uint32_t field, std::uint64_t v, std::string& out) {
  put_tag(field, kVarint, out);
  put_varint(v, out);
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

void put_string(std::uint32_t field, std::string_view s, std::string& out) {
  put_tag(field, kLen, out);
  put_varint(s.size(), out);
  out.append(s);
}

// Counts are doubles in the model; on the wire they are uint64. NaN and
// negatives become 0, anything past the range the largest count.
std::uint64_t count_bits(double count) {
  if (!(count >= 0)) return 0;
  if (count >= 18446744073709551616.0) return UINT64_MAX;
  return static_cast<std::uint64_t>(count);
}

// A nested message is written in place behind a one-byte length guess; a
// body of 128 bytes or more (rare: big histograms, whole metrics) moves right
// by the extra length bytes. This avoids a sizing pass over every message.
class Nested {
 public:
  Nested(std::uint32_t field, std::string& out) : out_(out) {
    put_tag(field, kLen, out);
    length_at_ = out.size();
    out.push_back('\0');
  }
  ~Nested() {
    const std::size_t size = out_.size() - length_at_ - 1;
    if (size < 0x80) {
      out_[length_at_] = static_cast<char>(size);
      return;
    }
    std::string length;
    put_varint(size, length);
    out_.replace(length_at_, 1, length);
  }
  Nested(const Nested&) = delete;
  Nested& operator=(const Nested&) = delete;

 private:
  std::string& out_;
  std::size_t length_at_ = 0;
};

void put_labels(std::uint32_t field, const Labels& labels, std::string& out) {
  for (const auto& label : labels) {
    put_tag(field, kLen, out);
    put_varint(2 + varint_size(label.name.size()) + label.name.size() + varint_size(label.value.size()) +
                   label.value.size(),
               out);
    put_string(1, label.name, out);
    put_string(2, label.value, out);
  }
}

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

void put_spans(std::uint32_t field, const std::vector<BucketSpan>& spans, std::string& out) {
  for (const auto& span : spans) {
    Nested message(field, out);
    put_uint(1, zigzag(span.offset), out);
    put_uint(2, span.length, out);
  }
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
    case MetricType::untyped: {
      Nested value(type == MetricType::gauge ? 2 : 5, out);
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
    case MetricType::gauge: return 1;
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
