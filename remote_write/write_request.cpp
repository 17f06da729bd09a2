#include "remote_write/write_request.hpp"

#include <cstring>
#include <unordered_map>

#include "exposition/protobuf_encoder.hpp"

namespace flowgate::remote_write {
namespace {

namespace wire = exposition::wire;
using exposition::MetricType;

// Both versions number the metric types alike (0 unknown ... 5 summary, 6 info, 7 stateset).
std::uint64_t metric_type_number(MetricType type) {
  switch (type) {
    case MetricType::counter: return 1;
    case MetricType::gauge: return 2;
    case MetricType::histogram: return 3;
    case MetricType::gauge_histogram: return 4;
    case MetricType::summary: return 5;
    case MetricType::untyped: return 0;
    case MetricType::info: return 6;
    case MetricType::stateset: return 7;
  }
  return 0;
}

// Fields of Histogram, the same numbers in both versions; 2.0 adds start_timestamp (17).
void put_histogram(std::uint32_t field, const Histogram& h, Protocol protocol, std::string& out) {
  wire::Nested message(field, out);
  if (h.float_counts) {
    wire::put_double(2, h.count, out);
  } else {
    wire::put_uint(1, wire::count_bits(h.count), out);
  }
  wire::put_double(3, h.sum, out);
  wire::put_sint(4, h.native.schema, out);
  wire::put_double(5, h.native.zero_threshold, out);
  if (h.float_counts) {
    wire::put_double(7, h.native.zero_count, out);
  } else {
    wire::put_uint(6, wire::count_bits(h.native.zero_count), out);
  }
  wire::put_spans(8, h.native.negative_spans, out);
  for (const auto d : h.native.negative_deltas) wire::put_sint(9, d, out);
  for (const auto c : h.native.negative_counts) wire::put_double(10, c, out);
  wire::put_spans(11, h.native.positive_spans, out);
  for (const auto d : h.native.positive_deltas) wire::put_sint(12, d, out);
  for (const auto c : h.native.positive_counts) wire::put_double(13, c, out);
  if (h.gauge) wire::put_uint(14, 3, out);  // ResetHint GAUGE
  wire::put_uint(15, static_cast<std::uint64_t>(h.timestamp_ms), out);
  if (protocol == Protocol::v2 && h.start_timestamp_ms != 0) {
    wire::put_uint(17, static_cast<std::uint64_t>(h.start_timestamp_ms), out);
  }
}

void put_sample(std::uint32_t field, const Sample& sample, Protocol protocol, std::string& out) {
  wire::Nested message(field, out);
  wire::put_double(1, sample.value, out);
  wire::put_uint(2, static_cast<std::uint64_t>(sample.timestamp_ms), out);
  if (protocol == Protocol::v2 && sample.start_timestamp_ms != 0) {
    wire::put_uint(3, static_cast<std::uint64_t>(sample.start_timestamp_ms), out);
  }
}

std::string encode_v1(const std::vector<TimeSeries>& series) {
  std::string out;
  std::unordered_map<std::string_view, const Metadata*> families;
  for (const auto& s : series) {
    put_v1_series(s, out);
    families.try_emplace(s.family->name, &s.family->metadata);
  }
  // One MetricMetadata per family, as Prometheus sends it.
  for (const auto& [family, metadata] : families) put_v1_metadata(family, *metadata, out);
  return out;
}

// 2.0's symbol table: every string once; the empty string is symbol 0.
class Symbols {
 public:
  Symbols() { ref(""); }
  std::uint32_t ref(std::string_view text) {
    auto [it, inserted] = index_.try_emplace(std::string(text), static_cast<std::uint32_t>(order_.size()));
    if (inserted) order_.push_back(&it->first);
    return it->second;
  }
  void put(std::string& out) const {
    for (const std::string* symbol : order_) wire::put_string(4, *symbol, out);
  }

 private:
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<const std::string*> order_;  // node-based map: the keys stay put
};

void put_label_refs(std::uint32_t field, const exposition::Labels& labels, Symbols& symbols, std::string& out) {
  wire::Nested packed(field, out);
  for (const auto& label : labels) {
    wire::put_varint(symbols.ref(label.name), out);
    wire::put_varint(symbols.ref(label.value), out);
  }
}

std::string encode_v2(const std::vector<TimeSeries>& series) {
  Symbols symbols;
  std::string timeseries;
  for (const auto& s : series) {
    wire::Nested message(5, timeseries);
    put_label_refs(1, s.labels, symbols, timeseries);
    for (const auto& sample : s.samples) put_sample(2, sample, Protocol::v2, timeseries);
    for (const auto& h : s.histograms) put_histogram(3, h, Protocol::v2, timeseries);
    for (const auto& e : s.exemplars) {
      wire::Nested exemplar(4, timeseries);
      put_label_refs(1, e.labels, symbols, timeseries);
      wire::put_double(2, e.value, timeseries);
      wire::put_uint(3, static_cast<std::uint64_t>(e.timestamp_ms), timeseries);
    }
    wire::Nested metadata(5, timeseries);
    const Metadata& family = s.family->metadata;
    wire::put_uint(1, metric_type_number(family.type), timeseries);
    if (!family.help.empty()) wire::put_uint(3, symbols.ref(family.help), timeseries);
    if (!family.unit.empty()) wire::put_uint(4, symbols.ref(family.unit), timeseries);
  }
  std::string out;
  symbols.put(out);  // field 4, before the series (field 5) as Prometheus writes it
  out += timeseries;
  return out;
}

}  // namespace

void put_v1_series(const TimeSeries& s, std::string& out) {
  wire::Nested timeseries(1, out);
  wire::put_labels(1, s.labels, out);
  for (const auto& sample : s.samples) put_sample(2, sample, Protocol::v1, out);
  for (const auto& e : s.exemplars) {
    wire::Nested exemplar(3, out);
    wire::put_labels(1, e.labels, out);
    wire::put_double(2, e.value, out);
    wire::put_uint(3, static_cast<std::uint64_t>(e.timestamp_ms), out);
  }
  for (const auto& h : s.histograms) put_histogram(4, h, Protocol::v1, out);
}

void put_v1_metadata(std::string_view family, const Metadata& metadata, std::string& out) {
  wire::Nested message(3, out);
  wire::put_uint(1, metric_type_number(metadata.type), out);
  wire::put_string(2, family, out);
  if (!metadata.help.empty()) wire::put_string(4, metadata.help, out);
  if (!metadata.unit.empty()) wire::put_string(5, metadata.unit, out);
}

double stale_nan() {
  double value = 0;
  std::memcpy(&value, &kStaleNaNBits, sizeof value);
  return value;
}

std::string encode(Protocol protocol, const std::vector<TimeSeries>& series) {
  return protocol == Protocol::v1 ? encode_v1(series) : encode_v2(series);
}

std::string_view content_type(Protocol protocol) {
  return protocol == Protocol::v1 ? "application/x-protobuf" : "application/x-protobuf;proto=io.prometheus.write.v2.Request";
}

std::string_view version_header(Protocol protocol) { return protocol == Protocol::v1 ? "0.1.0" : "2.0.0"; }

}  // namespace flowgate::remote_write
