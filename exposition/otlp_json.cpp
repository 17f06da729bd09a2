// decode_json: the OTLP/JSON encoding (OTLP spec, "JSON Protobuf Encoding"):
// proto3's JSON mapping with lowerCamelCase keys (the original snake_case
// names are accepted too, as protobuf's own parsers do), 64-bit integers as
// strings or numbers, enums as integers (or their names), trace and span ids
// in hex rather than base64. Unknown keys are ignored.

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "exposition/base64.hpp"
#include "exposition/names.hpp"
#include "exposition/otlp_any_value.hpp"
#include "exposition/otlp_decode.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition::otlp {
namespace {

using Value = rapidjson::Value;

// Thrown from deep inside the walk to its one catch in decode_json, never
// past it: every member read can fail, and unwinding keeps each read one line.
struct Failure {
  DecodeError error;
};

// Where in the document a value is, for sentences: "resourceMetrics[0].scopeMetrics[1]...".
class Path {
 public:
  Path(std::string text, std::string metric) : text_(std::move(text)), metric_(std::move(metric)) {}
  Path key(std::string_view name) const {
    return {text_.empty() ? std::string(name) : text_ + "." + std::string(name), metric_};
  }
  Path index(std::size_t i) const { return {text_ + "[" + std::to_string(i) + "]", metric_}; }
  Path in_metric(const std::string& name) const { return {text_, quoted_for_message(name)}; }

  [[noreturn]] void fail(std::string rule, const std::string& sentence) const {
    std::string message = metric_.empty() ? "" : "metric " + metric_ + ": ";
    message += text_ + " " + sentence;
    throw Failure{DecodeError{std::move(rule), std::move(message), std::nullopt}};
  }

 private:
  std::string text_;
  std::string metric_;
};

// The member named `camel` (or its proto name `snake`); nullptr when absent or null.
const Value* member(const Value& object, const char* camel, const char* snake = nullptr) {
  for (const char* name : {camel, snake}) {
    if (name == nullptr) continue;
    const auto found = object.FindMember(name);
    if (found != object.MemberEnd() && !found->value.IsNull()) return &found->value;
  }
  return nullptr;
}

const Value& object(const Value& value, const Path& path) {
  if (!value.IsObject()) path.fail("wrong-json-type", "must be an object");
  return value;
}

template <typename Each>
void for_each(const Value& parent, const char* camel, const char* snake, const Path& path, Each each) {
  const Value* array = member(parent, camel, snake);
  if (array == nullptr) return;
  const Path here = path.key(camel);
  if (!array->IsArray()) here.fail("wrong-json-type", "must be an array");
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) each((*array)[i], here.index(i));
}

std::string string_of(const Value& value, const Path& path) {
  if (!value.IsString()) path.fail("wrong-json-type", "must be a string");
  std::string_view text(value.GetString(), value.GetStringLength());
  if (!is_valid_utf8(text)) path.fail("invalid-utf8", "is not valid UTF-8");
  return std::string(text);
}

std::string string_member(const Value& parent, const char* camel, const char* snake, const Path& path) {
  const Value* value = member(parent, camel, snake);
  return value == nullptr ? std::string() : string_of(*value, path.key(camel));
}

// The document keeps numbers as text (kParseNumbersAsStringsFlag), so a JSON
// number and proto3's decimal string for a 64-bit integer read alike.
std::string_view number_text(const Value& value) {
  return value.IsString() ? std::string_view(value.GetString(), value.GetStringLength()) : std::string_view();
}

template <typename Int>
Int integer_of(const Value& value, const Path& path) {
  const std::string_view text = number_text(value);
  Int out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    path.fail("wrong-json-type", "is not a whole number in range");
  }
  return out;
}

template <typename Int>
Int integer_member(const Value& parent, const char* camel, const char* snake, const Path& path) {
  const Value* value = member(parent, camel, snake);
  return value == nullptr ? Int{0} : integer_of<Int>(*value, path.key(camel));
}

double double_of(const Value& value, const Path& path) {
  const std::string_view text = number_text(value);
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) path.fail("wrong-json-type", "is not a number");
  return out;
}

std::optional<double> optional_double(const Value& parent, const char* camel, const char* snake, const Path& path) {
  const Value* value = member(parent, camel, snake);
  if (value == nullptr) return std::nullopt;
  return double_of(*value, path.key(camel));
}

// proto3 JSON writes bytes in standard base64 and reads either alphabet, padded or not.
std::string base64_decoded(std::string_view text, const Path& path) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  for (const Base64Alphabet alphabet : {Base64Alphabet::standard, Base64Alphabet::url_safe}) {
    if (auto decoded = decode_base64(text, Base64Form{alphabet, false})) return std::move(*decoded);
  }
  path.fail("invalid-base64", "is not base64");
}

class Decoder {
 public:
  explicit Decoder(const DecodeBounds& bounds) : bounds_(bounds) {}

  ExportRequest request(const Value& root) {
    const Path path("", "");
    object(root, Path("the body", ""));
    ExportRequest out;
    for_each(root, "resourceMetrics", "resource_metrics", path, [&](const Value& v, const Path& p) {
      resource(object(v, p), p, out.resources.emplace_back());
    });
    return out;
  }

 private:
  void attributes(const Value& parent, const char* camel, const char* snake, const Path& path, Attributes& out) {
    for_each(parent, camel, snake, path, [&](const Value& v, const Path& p) {
      object(v, p);
      if (bounds_.max_attributes_per_point != 0 && out.size() >= bounds_.max_attributes_per_point) {
        p.fail("too-many-attributes", "is past the " + std::to_string(bounds_.max_attributes_per_point) +
                                          " attributes one point, scope or resource may have");
      }
      AnyValue value;
      if (const Value* any = member(v, "value")) any_value(object(*any, p.key("value")), p.key("value"), value, 0);
      out.push_back({string_member(v, "key", nullptr, p), render(value)});
    });
  }

  void any_value(const Value& v, const Path& path, AnyValue& out, int depth) {
    if (depth > kMaxAnyValueDepth) {
      path.fail("attribute-too-deep", "nests arrays or maps more than " + std::to_string(kMaxAnyValueDepth) + " deep");
    }
    if (const Value* s = member(v, "stringValue", "string_value")) {
      out.kind = AnyValue::Kind::string;
      out.text = string_of(*s, path.key("stringValue"));
    } else if (const Value* b = member(v, "boolValue", "bool_value")) {
      if (!b->IsBool()) path.key("boolValue").fail("wrong-json-type", "must be true or false");
      out.kind = AnyValue::Kind::boolean;
      out.boolean = b->GetBool();
    } else if (const Value* i = member(v, "intValue", "int_value")) {
      out.kind = AnyValue::Kind::integer;
      out.integer = integer_of<std::int64_t>(*i, path.key("intValue"));
    } else if (const Value* d = member(v, "doubleValue", "double_value")) {
      out.kind = AnyValue::Kind::floating;
      out.floating = double_of(*d, path.key("doubleValue"));
    } else if (const Value* bytes = member(v, "bytesValue", "bytes_value")) {
      out.kind = AnyValue::Kind::bytes;
      out.text = base64_decoded(string_of(*bytes, path.key("bytesValue")), path.key("bytesValue"));
    } else if (const Value* array = member(v, "arrayValue", "array_value")) {
      out.kind = AnyValue::Kind::array;
      const Path here = path.key("arrayValue");
      for_each(object(*array, here), "values", nullptr, here, [&](const Value& item, const Path& p) {
        any_value(object(item, p), p, out.items.emplace_back(), depth + 1);
      });
    } else if (const Value* map = member(v, "kvlistValue", "kvlist_value")) {
      out.kind = AnyValue::Kind::map;
      const Path here = path.key("kvlistValue");
      for_each(object(*map, here), "values", nullptr, here, [&](const Value& entry, const Path& p) {
        object(entry, p);
        auto& [key, nested] = out.entries.emplace_back();
        key = string_member(entry, "key", nullptr, p);
        if (const Value* any = member(entry, "value")) any_value(object(*any, p.key("value")), p.key("value"), nested, depth + 1);
      });
    }
  }

  void resource(const Value& v, const Path& path, Resource& out) {
    if (const Value* r = member(v, "resource")) {
      attributes(object(*r, path.key("resource")), "attributes", nullptr, path.key("resource"), out.attributes);
    }
    for_each(v, "scopeMetrics", "scope_metrics", path, [&](const Value& item, const Path& p) {
      scope(object(item, p), p, out.scopes.emplace_back());
    });
  }

  void scope(const Value& v, const Path& path, Scope& out) {
    if (const Value* s = member(v, "scope")) {
      const Path here = path.key("scope");
      object(*s, here);
      out.name = string_member(*s, "name", nullptr, here);
      out.version = string_member(*s, "version", nullptr, here);
      attributes(*s, "attributes", nullptr, here, out.attributes);
    }
    for_each(v, "metrics", nullptr, path, [&](const Value& item, const Path& p) {
      metric(object(item, p), p, out.metrics.emplace_back());
    });
  }

  void metric(const Value& v, const Path& where, Metric& out) {
    out.name = string_member(v, "name", nullptr, where);
    const Path path = where.in_metric(out.name);
    out.description = string_member(v, "description", nullptr, path);
    out.unit = string_member(v, "unit", nullptr, path);
    attributes(v, "metadata", nullptr, path, out.metadata);
    struct Kind {
      const char* camel;
      const char* snake;
      MetricKind kind;
    };
    for (const Kind& k : {Kind{"gauge", nullptr, MetricKind::gauge}, Kind{"sum", nullptr, MetricKind::sum},
                          Kind{"histogram", nullptr, MetricKind::histogram},
                          Kind{"exponentialHistogram", "exponential_histogram", MetricKind::exponential_histogram},
                          Kind{"summary", nullptr, MetricKind::summary}}) {
      if (const Value* data = member(v, k.camel, k.snake)) {
        if (out.kind != MetricKind::none) path.fail("two-data-kinds", "has more than one of gauge, sum, histogram, exponentialHistogram and summary");
        out.kind = k.kind;
        metric_data(object(*data, path.key(k.camel)), path.key(k.camel), out);
      }
    }
  }

  void metric_data(const Value& v, const Path& path, Metric& out) {
    if (const Value* t = member(v, "aggregationTemporality", "aggregation_temporality")) {
      out.temporality = temporality(*t, path.key("aggregationTemporality"));
    }
    if (const Value* m = member(v, "isMonotonic", "is_monotonic")) {
      if (!m->IsBool()) path.key("isMonotonic").fail("wrong-json-type", "must be true or false");
      out.monotonic = m->GetBool();
    }
    for_each(v, "dataPoints", "data_points", path, [&](const Value& item, const Path& p) {
      object(item, p);
      if (bounds_.max_points != 0 && ++points_ > bounds_.max_points) {
        p.fail("too-many-points", "is past the " + std::to_string(bounds_.max_points) +
                                      " data points one export may have");
      }
      point(item, p, out);
    });
  }

  static Temporality temporality(const Value& v, const Path& path) {
    if (v.IsString()) {
      const std::string_view name(v.GetString(), v.GetStringLength());
      if (name == "AGGREGATION_TEMPORALITY_DELTA" || name == "1") return Temporality::delta;
      if (name == "AGGREGATION_TEMPORALITY_CUMULATIVE" || name == "2") return Temporality::cumulative;
      if (name == "AGGREGATION_TEMPORALITY_UNSPECIFIED" || name == "0") return Temporality::unspecified;
    }
    path.fail("unknown-temporality", "is not a temporality (0, 1 or 2)");
  }

  void common(const Value& v, const Path& path, Attributes& attrs, std::uint64_t& start, std::uint64_t& time,
              std::uint32_t& flags) {
    attributes(v, "attributes", nullptr, path, attrs);
    start = integer_member<std::uint64_t>(v, "startTimeUnixNano", "start_time_unix_nano", path);
    time = integer_member<std::uint64_t>(v, "timeUnixNano", "time_unix_nano", path);
    flags = integer_member<std::uint32_t>(v, "flags", nullptr, path);
  }

  void point(const Value& v, const Path& path, Metric& out) {
    switch (out.kind) {
      case MetricKind::gauge:
      case MetricKind::sum: number_point(v, path, out.numbers.emplace_back()); return;
      case MetricKind::histogram: histogram_point(v, path, out.histograms.emplace_back()); return;
      case MetricKind::exponential_histogram: exponential_point(v, path, out.exponential_histograms.emplace_back()); return;
      case MetricKind::summary: summary_point(v, path, out.summaries.emplace_back()); return;
      case MetricKind::none: return;
    }
  }

  void number_point(const Value& v, const Path& path, NumberPoint& out) {
    common(v, path, out.attributes, out.start_time_unix_nano, out.time_unix_nano, out.flags);
    if (const Value* d = member(v, "asDouble", "as_double")) {
      out.value = double_of(*d, path.key("asDouble"));
      out.has_value = true;
    } else if (const Value* i = member(v, "asInt", "as_int")) {
      out.value = static_cast<double>(integer_of<std::int64_t>(*i, path.key("asInt")));
      out.has_value = true;
    }
    exemplars(v, path, out.exemplars);
  }

  template <typename Int>
  void counts(const Value& v, const char* camel, const char* snake, const Path& path, std::vector<Int>& out) {
    for_each(v, camel, snake, path, [&](const Value& item, const Path& p) {
      if (bounds_.max_buckets_per_point != 0 && out.size() >= bounds_.max_buckets_per_point) {
        p.fail("too-many-buckets", "is past the " + std::to_string(bounds_.max_buckets_per_point) +
                                       " buckets one point may have");
      }
      if constexpr (std::is_same_v<Int, double>) {
        out.push_back(double_of(item, p));
      } else {
        out.push_back(integer_of<Int>(item, p));
      }
    });
  }

  void histogram_point(const Value& v, const Path& path, HistogramPoint& out) {
    common(v, path, out.attributes, out.start_time_unix_nano, out.time_unix_nano, out.flags);
    out.count = integer_member<std::uint64_t>(v, "count", nullptr, path);
    out.sum = optional_double(v, "sum", nullptr, path);
    counts(v, "bucketCounts", "bucket_counts", path, out.bucket_counts);
    counts(v, "explicitBounds", "explicit_bounds", path, out.explicit_bounds);
    exemplars(v, path, out.exemplars);
  }

  void buckets(const Value& v, const char* camel, const Path& path, ExponentialBuckets& out) {
    const Value* b = member(v, camel);
    if (b == nullptr) return;
    const Path here = path.key(camel);
    object(*b, here);
    out.offset = integer_member<std::int32_t>(*b, "offset", nullptr, here);
    counts(*b, "bucketCounts", "bucket_counts", here, out.counts);
  }

  void exponential_point(const Value& v, const Path& path, ExponentialHistogramPoint& out) {
    common(v, path, out.attributes, out.start_time_unix_nano, out.time_unix_nano, out.flags);
    out.count = integer_member<std::uint64_t>(v, "count", nullptr, path);
    out.sum = optional_double(v, "sum", nullptr, path);
    out.scale = integer_member<std::int32_t>(v, "scale", nullptr, path);
    out.zero_count = integer_member<std::uint64_t>(v, "zeroCount", "zero_count", path);
    out.zero_threshold = optional_double(v, "zeroThreshold", "zero_threshold", path).value_or(0);
    buckets(v, "positive", path, out.positive);
    buckets(v, "negative", path, out.negative);
    exemplars(v, path, out.exemplars);
  }

  void summary_point(const Value& v, const Path& path, SummaryPoint& out) {
    common(v, path, out.attributes, out.start_time_unix_nano, out.time_unix_nano, out.flags);
    out.count = integer_member<std::uint64_t>(v, "count", nullptr, path);
    out.sum = optional_double(v, "sum", nullptr, path).value_or(0);
    for_each(v, "quantileValues", "quantile_values", path, [&](const Value& item, const Path& p) {
      object(item, p);
      out.quantiles.push_back({optional_double(item, "quantile", nullptr, p).value_or(0),
                               optional_double(item, "value", nullptr, p).value_or(0)});
    });
  }

  void exemplars(const Value& v, const Path& path, std::vector<Exemplar>& out) {
    for_each(v, "exemplars", nullptr, path, [&](const Value& item, const Path& p) {
      object(item, p);
      Exemplar& e = out.emplace_back();
      attributes(item, "filteredAttributes", "filtered_attributes", p, e.filtered_attributes);
      e.time_unix_nano = integer_member<std::uint64_t>(item, "timeUnixNano", "time_unix_nano", p);
      if (const Value* d = member(item, "asDouble", "as_double")) e.value = double_of(*d, p.key("asDouble"));
      if (const Value* i = member(item, "asInt", "as_int")) {
        e.value = static_cast<double>(integer_of<std::int64_t>(*i, p.key("asInt")));
      }
      e.trace_id = hex_id(item, "traceId", "trace_id", p);
      e.span_id = hex_id(item, "spanId", "span_id", p);
    });
  }

  static std::string hex_id(const Value& v, const char* camel, const char* snake, const Path& path) {
    std::string id = string_member(v, camel, snake, path);
    for (char& c : id) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) path.key(camel).fail("invalid-id", "is not hex");
    }
    return id;
  }

  const DecodeBounds& bounds_;
  std::size_t points_ = 0;
};

}  // namespace

boost::system::result<ExportRequest, DecodeError> decode_json(std::string_view body, const DecodeBounds& bounds) {
  rapidjson::Document document;
  // Iterative: a hostile nesting depth must not exhaust the stack. Numbers
  // stay text and are read by std::from_chars, exactly as Go reads them
  // (RapidJSON's full-precision path also trips UBSan on inputs like "0e99").
  document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    return DecodeError{"invalid-json",
                       std::string("the body is not JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                           " (byte " + std::to_string(document.GetErrorOffset() + 1) + ")",
                       std::nullopt};
  }
  try {
    ExportRequest request = Decoder(bounds).request(document);
    if (auto problem = check_request(request)) return *problem;
    return request;
  } catch (const Failure& failure) {
    return failure.error;
  }
}

}  // namespace flowgate::exposition::otlp
