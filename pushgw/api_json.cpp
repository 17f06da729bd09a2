#include "pushgw/api_json.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "exposition/number_format.hpp"
#include "exposition/rfc3339.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

// RapidJSON's default allocator returns NULL when memory runs out and its
// buffer then writes through it (a segfault under an address-space limit);
// this one throws std::bad_alloc, which the server answers with a 503.
class ThrowingAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(std::size_t size) {
    if (size == 0) return nullptr;
    return checked(std::malloc(size));
  }
  void* Realloc(void* original, std::size_t /*original_size*/, std::size_t new_size) {
    if (new_size == 0) {
      std::free(original);
      return nullptr;
    }
    return checked(std::realloc(original, new_size));
  }
  static void Free(void* pointer) { std::free(pointer); }
  bool operator==(const ThrowingAllocator&) const { return true; }
  bool operator!=(const ThrowingAllocator&) const { return false; }

 private:
  static void* checked(void* pointer) {
    if (pointer == nullptr) throw std::bad_alloc();
    return pointer;
  }
};

using JsonBuffer = rapidjson::GenericStringBuffer<rapidjson::UTF8<>, ThrowingAllocator>;
using JsonWriter = rapidjson::Writer<JsonBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, ThrowingAllocator>;
using exposition::MetricType;

void string(JsonWriter& json, std::string_view text) {
  json.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string_view upper_type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "COUNTER";
    case MetricType::gauge: return "GAUGE";
    case MetricType::summary: return "SUMMARY";
    case MetricType::untyped: return "UNTYPED";
    case MetricType::histogram: return "HISTOGRAM";
    case MetricType::gauge_histogram: return "GAUGE_HISTOGRAM";
  }
  return "UNTYPED";
}

// Counts are uint64 in client_model unless the histogram carries float counts.
std::string count_string(double count, bool float_counts) {
  if (float_counts || !(count >= 0) || count >= 18446744073709551616.0 || std::floor(count) != count) {
    return go_float(count);
  }
  return std::to_string(static_cast<std::uint64_t>(count));
}

void write_labels(JsonWriter& json, const exposition::Labels& labels) {
  json.StartObject();
  for (const auto& label : labels) {
    string(json, label.name);
    string(json, label.value);
  }
  json.EndObject();
}

// One sparse side of a native histogram as (bucket index, count) pairs with
// absolute counts, empty buckets dropped.
std::vector<std::pair<std::int32_t, double>> native_side(const std::vector<exposition::BucketSpan>& spans,
                                                         const std::vector<std::int64_t>& deltas,
                                                         const std::vector<double>& counts, bool float_counts) {
  std::vector<std::pair<std::int32_t, double>> buckets;
  std::int32_t index = 0;
  std::size_t position = 0;
  std::int64_t running = 0;
  for (const auto& span : spans) {
    index += span.offset;
    for (std::uint32_t k = 0; k < span.length; ++k, ++index, ++position) {
      double count = 0;
      if (float_counts) {
        count = position < counts.size() ? counts[position] : 0;
      } else {
        running += position < deltas.size() ? deltas[position] : 0;
        count = static_cast<double>(running);
      }
      if (count != 0) buckets.emplace_back(index, count);
    }
  }
  return buckets;
}

// Upper bound of bucket `index` at `schema`: 2^(index * 2^-schema).
double native_bound(std::int32_t index, std::int32_t schema) {
  if (schema <= 0) return std::ldexp(1.0, index << -schema);
  return std::exp2(static_cast<double>(index) / static_cast<double>(1 << schema));
}

// Prometheus' JSON form: [boundary rule, "lower", "upper", "count"], rule
// 0 = (a,b], 1 = [a,b), 3 = [a,b]; negatives, zero bucket, positives, ascending.
void write_native_buckets(JsonWriter& json, const exposition::Metric& metric) {
  const auto& native = *metric.native;
  auto bucket = [&](int rule, double lower, double upper, double count) {
    json.StartArray();
    json.Int(rule);
    string(json, go_float(lower));
    string(json, go_float(upper));
    string(json, go_float(count));
    json.EndArray();
  };
  json.StartArray();
  auto negative = native_side(native.negative_spans, native.negative_deltas, native.negative_counts, metric.float_counts);
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) {
    bucket(1, -native_bound(it->first, native.schema), -native_bound(it->first - 1, native.schema), it->second);
  }
  if (native.zero_count > 0) bucket(3, -native.zero_threshold, native.zero_threshold, native.zero_count);
  for (const auto& [index, count] :
       native_side(native.positive_spans, native.positive_deltas, native.positive_counts, metric.float_counts)) {
    bucket(0, native_bound(index - 1, native.schema), native_bound(index, native.schema), count);
  }
  json.EndArray();
}

void write_metric(JsonWriter& json, MetricType type, const exposition::Metric& metric) {
  json.StartObject();
  string(json, "labels");
  write_labels(json, metric.labels);
  switch (type) {
    case MetricType::counter:
    case MetricType::gauge:
    case MetricType::untyped:
      string(json, "value");
      string(json, go_float(metric.value));
      break;
    case MetricType::summary:
      string(json, "quantiles");
      json.StartObject();
      for (const auto& quantile : metric.quantiles) {
        string(json, go_float(quantile.quantile));
        string(json, go_float(quantile.value));
      }
      json.EndObject();
      string(json, "count");
      string(json, count_string(metric.sample_count, false));
      string(json, "sum");
      string(json, go_float(metric.sample_sum));
      break;
    case MetricType::histogram:
    case MetricType::gauge_histogram:
      string(json, "buckets");
      if (metric.native && (!metric.native->positive_spans.empty() || !metric.native->negative_spans.empty())) {
        write_native_buckets(json, metric);
      } else {
        json.StartObject();
        for (const auto& bucket : metric.buckets) {
          string(json, go_float(bucket.upper_bound));
          string(json, count_string(bucket.cumulative_count, metric.float_counts));
        }
        json.EndObject();
      }
      string(json, "count");
      string(json, count_string(metric.sample_count, metric.float_counts));
      string(json, "sum");
      string(json, go_float(metric.sample_sum));
      break;
  }
  json.EndObject();
}

void write_group(JsonWriter& json, const Group& group) {
  json.StartObject();
  string(json, "labels");
  write_labels(json, group.key.labels);
  string(json, "last_push_successful");
  json.Bool(group.last_push_successful());
  for (const auto& stored : group.families) {
    const exposition::Family family = stored->model();
    string(json, family.name);
    json.StartObject();
    string(json, "time_stamp");
    string(json, exposition::format_rfc3339(exposition::unix_nanos(stored->pushed_at), exposition::SecondFraction::go_nanos));
    string(json, "type");
    string(json, upper_type_name(family.type));
    if (!family.help.empty()) {
      string(json, "help");
      string(json, family.help);
    }
    string(json, "metrics");
    json.StartArray();
    for (const auto& metric : family.metrics) write_metric(json, family.type, metric);
    json.EndArray();
    json.EndObject();
  }
  json.EndObject();
}

}  // namespace

std::string go_float(double value) {
  if (value == 0 && std::signbit(value)) return "-0";
  std::string out;
  exposition::append_double(value, out);
  return out;
}

std::string api_metrics_json(const Snapshot& snapshot) {
  JsonBuffer buffer;
  JsonWriter json(buffer);
  json.StartObject();
  string(json, "status");
  string(json, "success");
  string(json, "data");
  json.StartArray();
  for (const auto& group : snapshot.groups()) write_group(json, *group);
  json.EndArray();
  json.EndObject();
  // Go's encoder escapes <, > and & (HTML safety); outside strings JSON has
  // none of them, so escaping every occurrence is exact.
  std::string out;
  out.reserve(buffer.GetSize());
  for (char c : std::string_view(buffer.GetString(), buffer.GetSize())) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace flowgate::pushgw
