// decode_protobuf: the binary OTLP encoding, field numbers as in
// opentelemetry-proto (collector/metrics/v1, metrics/v1, common/v1,
// resource/v1). Unknown fields are skipped, as protobuf does.

#include <optional>
#include <string>
#include <utility>

#include "exposition/names.hpp"
#include "exposition/otlp_any_value.hpp"
#include "exposition/otlp_decode.hpp"
#include "exposition/protobuf_wire.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition::otlp {
namespace {

using wire::Field;
using wire::Span;
using wire::WireType;

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

class Decoder {
 public:
  Decoder(std::string_view body, const DecodeBounds& bounds) : reader_(body), bounds_(bounds) {}

  boost::system::result<ExportRequest, DecodeError> run() {
    ExportRequest request;
    Span span = reader_.whole();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ExportMetricsServiceRequest")) return error();
      if (f.number == 1 && is_len(f, "ExportMetricsServiceRequest.resource_metrics")) {
        Span inner = f.payload();
        if (!resource_metrics(inner, request.resources.emplace_back())) return error();
      }
      if (reader_.problem()) return error();
    }
    if (auto problem = check_request(request)) return *problem;
    return request;
  }

 private:
  DecodeError error() const {
    const auto& problem = *reader_.problem();
    std::string message = problem.message;
    if (!metric_name_.empty()) message = "metric " + metric_name_ + ": " + message;
    return DecodeError{problem.rule, std::move(message), problem.offset + 1};
  }

  // A known field sent with a wire type it cannot have: the body is not this message.
  bool is_len(const Field& f, std::string_view what) {
    if (f.wire == WireType::len) return true;
    return reader_.fail(f.offset, "wrong-wire-type", std::string(what) + " must be length-delimited");
  }

  bool is_scalar(const Field& f, WireType wire, std::string_view what) {
    if (f.wire == wire) return true;
    return reader_.fail(f.offset, "wrong-wire-type", std::string(what) + " has the wrong wire type");
  }

  bool string_field(const Field& f, std::string& out, std::string_view what) {
    if (!is_len(f, what)) return false;
    const auto bytes = reader_.bytes(f);
    if (!is_valid_utf8(bytes)) return reader_.fail(f.begin, "invalid-utf8", std::string(what) + " is not valid UTF-8");
    out.assign(bytes);
    return true;
  }

  bool resource_metrics(Span& span, Resource& resource) {
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ResourceMetrics")) return false;
      if (f.number == 1 && is_len(f, "ResourceMetrics.resource")) {
        Span inner = f.payload();
        if (!attributes_of(inner, 1, resource.attributes, "Resource")) return false;
      } else if (f.number == 2 && is_len(f, "ResourceMetrics.scope_metrics")) {
        Span inner = f.payload();
        if (!scope_metrics(inner, resource.scopes.emplace_back())) return false;
      }
      if (reader_.problem()) return false;
    }
    return true;
  }

  // The repeated KeyValue field `number` of a message whose other fields are skipped.
  bool attributes_of(Span& span, std::uint32_t number, Attributes& out, std::string_view message) {
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, message)) return false;
      if (f.number == number && !key_value(f, out)) return false;
    }
    return true;
  }

  bool key_value(const Field& field, Attributes& out) {
    if (!is_len(field, "an attribute")) return false;
    if (bounds_.max_attributes_per_point != 0 && out.size() >= bounds_.max_attributes_per_point) {
      return reader_.fail(field.offset, "too-many-attributes",
                          "more than " + std::to_string(bounds_.max_attributes_per_point) +
                              " attributes on one point, scope or resource");
    }
    Attribute attribute;
    AnyValue value;
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "KeyValue")) return false;
      if (f.number == 1 && !string_field(f, attribute.key, "an attribute key")) return false;
      if (f.number == 2 && is_len(f, "KeyValue.value")) {
        Span inner = f.payload();
        if (!any_value(inner, value, 0)) return false;
      }
      if (reader_.problem()) return false;
    }
    attribute.value = render(value);
    out.push_back(std::move(attribute));
    return true;
  }

  bool any_value(Span& span, AnyValue& value, int depth) {
    if (depth > kMaxAnyValueDepth) {
      return reader_.fail(span.pos, "attribute-too-deep",
                          "an attribute value nests arrays or maps more than " + std::to_string(kMaxAnyValueDepth) +
                              " deep");
    }
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "AnyValue")) return false;
      switch (f.number) {
        case 1:
          value.kind = AnyValue::Kind::string;
          if (!string_field(f, value.text, "a string attribute")) return false;
          break;
        case 2:
          value.kind = AnyValue::Kind::boolean;
          if (!is_scalar(f, WireType::varint, "a bool attribute")) return false;
          value.boolean = f.bits != 0;
          break;
        case 3:
          value.kind = AnyValue::Kind::integer;
          if (!is_scalar(f, WireType::varint, "an int attribute")) return false;
          value.integer = static_cast<std::int64_t>(f.bits);
          break;
        case 4:
          value.kind = AnyValue::Kind::floating;
          if (!is_scalar(f, WireType::fixed64, "a double attribute")) return false;
          value.floating = wire::as_double(f.bits);
          break;
        case 5:
        case 6: {
          if (!is_len(f, "an array or map attribute")) return false;
          value.kind = f.number == 5 ? AnyValue::Kind::array : AnyValue::Kind::map;
          if (!nested_values(f, value, depth)) return false;
          break;
        }
        case 7:
          value.kind = AnyValue::Kind::bytes;
          if (!is_len(f, "a bytes attribute")) return false;
          value.text.assign(reader_.bytes(f));
          break;
        default: break;
      }
    }
    return true;
  }

  // ArrayValue (values = 1: AnyValue) or KeyValueList (values = 1: KeyValue).
  bool nested_values(const Field& field, AnyValue& value, int depth) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, value.kind == AnyValue::Kind::array ? "ArrayValue" : "KeyValueList")) {
        return false;
      }
      if (f.number != 1 || !is_len(f, "a nested attribute value")) {
        if (reader_.problem()) return false;
        continue;
      }
      Span inner = f.payload();
      if (value.kind == AnyValue::Kind::array) {
        if (!any_value(inner, value.items.emplace_back(), depth + 1)) return false;
        continue;
      }
      auto& [key, nested] = value.entries.emplace_back();
      Field g;
      while (!inner.done()) {
        if (!reader_.next_field(inner, g, "KeyValue")) return false;
        if (g.number == 1 && !string_field(g, key, "an attribute key")) return false;
        if (g.number == 2 && is_len(g, "KeyValue.value")) {
          Span deeper = g.payload();
          if (!any_value(deeper, nested, depth + 1)) return false;
        }
        if (reader_.problem()) return false;
      }
    }
    return true;
  }

  bool scope_metrics(Span& span, Scope& scope) {
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ScopeMetrics")) return false;
      if (f.number == 1 && is_len(f, "ScopeMetrics.scope")) {
        if (!instrumentation_scope(f, scope)) return false;
      } else if (f.number == 2 && is_len(f, "ScopeMetrics.metrics")) {
        Span inner = f.payload();
        if (!metric(inner, scope.metrics.emplace_back())) return false;
        metric_name_.clear();
      }
      if (reader_.problem()) return false;
    }
    return true;
  }

  bool instrumentation_scope(const Field& field, Scope& scope) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "InstrumentationScope")) return false;
      if (f.number == 1 && !string_field(f, scope.name, "the scope name")) return false;
      if (f.number == 2 && !string_field(f, scope.version, "the scope version")) return false;
      if (f.number == 3 && !key_value(f, scope.attributes)) return false;
    }
    return true;
  }

  // Fields come in any order, so the name is read first for the sentences.
  bool metric(Span& span, Metric& metric) {
    Field f;
    for (Span first = span; !first.done();) {
      if (!reader_.next_field(first, f, "Metric")) return false;
      if (f.number == 1 && !string_field(f, metric.name, "the metric name")) return false;
    }
    metric_name_ = quoted_for_message(metric.name);
    while (!span.done()) {
      if (!reader_.next_field(span, f, "Metric")) return false;
      bool ok = true;
      switch (f.number) {
        case 2: ok = string_field(f, metric.description, "the description"); break;
        case 3: ok = string_field(f, metric.unit, "the unit"); break;
        case 5: ok = data(f, MetricKind::gauge, metric); break;
        case 7: ok = data(f, MetricKind::sum, metric); break;
        case 9: ok = data(f, MetricKind::histogram, metric); break;
        case 10: ok = data(f, MetricKind::exponential_histogram, metric); break;
        case 11: ok = data(f, MetricKind::summary, metric); break;
        case 12: ok = key_value(f, metric.metadata); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  // Gauge, Sum, Histogram, ExponentialHistogram, Summary: points are field 1,
  // temporality 2, is_monotonic 3 (Sum). A second data field replaces the
  // first's kind (protobuf's oneof keeps the last).
  bool data(const Field& field, MetricKind kind, Metric& metric) {
    if (!is_len(field, "the metric's data")) return false;
    if (metric.kind != kind) {
      metric.numbers.clear();
      metric.histograms.clear();
      metric.exponential_histograms.clear();
      metric.summaries.clear();
    }
    metric.kind = kind;
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "the metric's data")) return false;
      if (f.number == 2 && kind != MetricKind::gauge && kind != MetricKind::summary) {
        if (!is_scalar(f, WireType::varint, "aggregation_temporality")) return false;
        metric.temporality = f.bits > 2 ? Temporality::unspecified : static_cast<Temporality>(f.bits);
        if (f.bits > 2) {
          return reader_.fail(f.offset, "unknown-temporality",
                              "aggregation_temporality " + std::to_string(f.bits) + " is not a temporality");
        }
      } else if (f.number == 3 && kind == MetricKind::sum) {
        if (!is_scalar(f, WireType::varint, "is_monotonic")) return false;
        metric.monotonic = f.bits != 0;
      } else if (f.number == 1 && is_len(f, "a data point")) {
        if (!count_point(f)) return false;
        if (!point(f, kind, metric)) return false;
      }
      if (reader_.problem()) return false;
    }
    return true;
  }

  bool count_point(const Field& f) {
    if (bounds_.max_points == 0 || ++points_ <= bounds_.max_points) return true;
    return reader_.fail(f.offset, "too-many-points",
                        "the request has more than " + std::to_string(bounds_.max_points) +
                            " data points, the most one export may have");
  }

  bool point(const Field& field, MetricKind kind, Metric& metric) {
    switch (kind) {
      case MetricKind::gauge:
      case MetricKind::sum: return number_point(field, metric.numbers.emplace_back());
      case MetricKind::histogram: return histogram_point(field, metric.histograms.emplace_back());
      case MetricKind::exponential_histogram:
        return exponential_point(field, metric.exponential_histograms.emplace_back());
      case MetricKind::summary: return summary_point(field, metric.summaries.emplace_back());
      case MetricKind::none: break;
    }
    return true;
  }

  bool fixed64(const Field& f, std::uint64_t& out, std::string_view what) {
    if (!is_scalar(f, WireType::fixed64, what)) return false;
    out = f.bits;
    return true;
  }

  bool double_field(const Field& f, double& out, std::string_view what) {
    if (!is_scalar(f, WireType::fixed64, what)) return false;
    out = wire::as_double(f.bits);
    return true;
  }

  bool flags(const Field& f, std::uint32_t& out) {
    if (!is_scalar(f, WireType::varint, "flags")) return false;
    out = static_cast<std::uint32_t>(f.bits);
    return true;
  }

  bool number_point(const Field& field, NumberPoint& point) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "NumberDataPoint")) return false;
      bool ok = true;
      switch (f.number) {
        case 7: ok = key_value(f, point.attributes); break;
        case 2: ok = fixed64(f, point.start_time_unix_nano, "start_time_unix_nano"); break;
        case 3: ok = fixed64(f, point.time_unix_nano, "time_unix_nano"); break;
        case 4:
          ok = double_field(f, point.value, "as_double");
          point.has_value = true;
          break;
        case 6:
          ok = is_scalar(f, WireType::fixed64, "as_int");
          point.value = static_cast<double>(static_cast<std::int64_t>(f.bits));
          point.has_value = true;
          break;
        case 5: ok = exemplar(f, point.exemplars.emplace_back()); break;
        case 8: ok = flags(f, point.flags); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  // A repeated fixed64/double field, packed or not.
  bool repeated_fixed64(const Field& f, std::vector<std::uint64_t>& out, std::string_view what) {
    if (f.wire == WireType::fixed64) {
      out.push_back(f.bits);
    } else if (is_len(f, what)) {
      const auto bytes = reader_.bytes(f);
      if (bytes.size() % 8 != 0) {
        return reader_.fail(f.begin, "truncated-field", std::string(what) + " is not a whole number of 64-bit values");
      }
      if (!bucket_bound(f, out.size() + bytes.size() / 8)) return false;
      for (std::size_t i = 0; i < bytes.size(); i += 8) {
        std::uint64_t bits = 0;
        for (std::size_t b = 0; b < 8; ++b) bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
        out.push_back(bits);
      }
    } else {
      return false;
    }
    return bucket_bound(f, out.size());
  }

  bool repeated_double(const Field& f, std::vector<double>& out, std::string_view what) {
    std::vector<std::uint64_t> bits;
    if (!repeated_fixed64(f, bits, what)) return false;
    for (const auto b : bits) out.push_back(wire::as_double(b));
    return bucket_bound(f, out.size());
  }

  bool bucket_bound(const Field& f, std::size_t count) {
    if (bounds_.max_buckets_per_point == 0 || count <= bounds_.max_buckets_per_point) return true;
    return reader_.fail(f.offset, "too-many-buckets",
                        "a point has more than " + std::to_string(bounds_.max_buckets_per_point) + " buckets");
  }

  // Fields 2 to 5, alike in both histogram points: start, time, count, sum.
  // nullopt for any other field.
  template <typename Point>
  std::optional<bool> histogram_common(const Field& f, Point& point) {
    double sum = 0;
    switch (f.number) {
      case 2: return fixed64(f, point.start_time_unix_nano, "start_time_unix_nano");
      case 3: return fixed64(f, point.time_unix_nano, "time_unix_nano");
      case 4: return fixed64(f, point.count, "count");
      case 5:
        if (!double_field(f, sum, "sum")) return false;
        point.sum = sum;
        return true;
      default: return std::nullopt;
    }
  }

  bool histogram_point(const Field& field, HistogramPoint& point) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "HistogramDataPoint")) return false;
      if (auto handled = histogram_common(f, point)) {
        if (!*handled) return false;
        continue;
      }
      bool ok = true;
      switch (f.number) {
        case 9: ok = key_value(f, point.attributes); break;
        case 6: ok = repeated_fixed64(f, point.bucket_counts, "bucket_counts"); break;
        case 7: ok = repeated_double(f, point.explicit_bounds, "explicit_bounds"); break;
        case 8: ok = exemplar(f, point.exemplars.emplace_back()); break;
        case 10: ok = flags(f, point.flags); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  bool exponential_buckets(const Field& field, ExponentialBuckets& buckets) {
    if (!is_len(field, "exponential buckets")) return false;
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ExponentialHistogramDataPoint.Buckets")) return false;
      if (f.number == 1) {
        if (!is_scalar(f, WireType::varint, "the bucket offset")) return false;
        buckets.offset = wire::zigzag32(f.bits);
      } else if (f.number == 2) {
        if (f.wire == WireType::varint) {
          buckets.counts.push_back(f.bits);
        } else if (is_len(f, "bucket_counts")) {
          Span packed = f.payload();
          while (!packed.done()) {
            std::uint64_t count = 0;
            if (!reader_.read_varint(packed, count, "a bucket count")) return false;
            buckets.counts.push_back(count);
            if (!bucket_bound(f, buckets.counts.size())) return false;
          }
        }
        if (reader_.problem() || !bucket_bound(f, buckets.counts.size())) return false;
      }
    }
    return true;
  }

  bool exponential_point(const Field& field, ExponentialHistogramPoint& point) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ExponentialHistogramDataPoint")) return false;
      if (auto handled = histogram_common(f, point)) {
        if (!*handled) return false;
        continue;
      }
      bool ok = true;
      switch (f.number) {
        case 1: ok = key_value(f, point.attributes); break;
        case 6:
          ok = is_scalar(f, WireType::varint, "scale");
          point.scale = wire::zigzag32(f.bits);
          break;
        case 7: ok = fixed64(f, point.zero_count, "zero_count"); break;
        case 8: ok = exponential_buckets(f, point.positive); break;
        case 9: ok = exponential_buckets(f, point.negative); break;
        case 10: ok = flags(f, point.flags); break;
        case 11: ok = exemplar(f, point.exemplars.emplace_back()); break;
        case 14: ok = double_field(f, point.zero_threshold, "zero_threshold"); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  bool summary_point(const Field& field, SummaryPoint& point) {
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "SummaryDataPoint")) return false;
      bool ok = true;
      switch (f.number) {
        case 7: ok = key_value(f, point.attributes); break;
        case 2: ok = fixed64(f, point.start_time_unix_nano, "start_time_unix_nano"); break;
        case 3: ok = fixed64(f, point.time_unix_nano, "time_unix_nano"); break;
        case 4: ok = fixed64(f, point.count, "count"); break;
        case 5: ok = double_field(f, point.sum, "sum"); break;
        case 6: ok = quantile(f, point.quantiles.emplace_back()) && bucket_bound(f, point.quantiles.size()); break;
        case 8: ok = flags(f, point.flags); break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  bool quantile(const Field& field, ValueAtQuantile& quantile) {
    if (!is_len(field, "a quantile")) return false;
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "ValueAtQuantile")) return false;
      if (f.number == 1 && !double_field(f, quantile.quantile, "quantile")) return false;
      if (f.number == 2 && !double_field(f, quantile.value, "value")) return false;
    }
    return true;
  }

  bool exemplar(const Field& field, Exemplar& exemplar) {
    if (!is_len(field, "an exemplar")) return false;
    Span span = field.payload();
    Field f;
    while (!span.done()) {
      if (!reader_.next_field(span, f, "Exemplar")) return false;
      bool ok = true;
      switch (f.number) {
        case 7: ok = key_value(f, exemplar.filtered_attributes); break;
        case 2: ok = fixed64(f, exemplar.time_unix_nano, "the exemplar time"); break;
        case 3: ok = double_field(f, exemplar.value, "the exemplar value"); break;
        case 6:
          ok = is_scalar(f, WireType::fixed64, "the exemplar value");
          exemplar.value = static_cast<double>(static_cast<std::int64_t>(f.bits));
          break;
        case 4:
          ok = is_len(f, "span_id");
          if (ok) exemplar.span_id = hex(reader_.bytes(f));
          break;
        case 5:
          ok = is_len(f, "trace_id");
          if (ok) exemplar.trace_id = hex(reader_.bytes(f));
          break;
        default: break;
      }
      if (!ok) return false;
    }
    return true;
  }

  wire::Reader reader_;
  const DecodeBounds& bounds_;
  std::size_t points_ = 0;
  std::string metric_name_;  // quoted, for sentences; empty outside a metric
};

}  // namespace

std::string DecodeError::describe() const {
  if (!byte) return message;
  return "byte " + std::to_string(*byte) + ": " + message;
}

boost::system::result<ExportRequest, DecodeError> decode_protobuf(std::string_view body, const DecodeBounds& bounds) {
  return Decoder(body, bounds).run();
}

}  // namespace flowgate::exposition::otlp
