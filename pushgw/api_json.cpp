#include "pushgw/api_json.hpp"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "exposition/number_format.hpp"
#include "exposition/rfc3339.hpp"
#include "pushgw/json_writer.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::MetricType;

std::string_view upper_type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "COUNTER";
    // client_model has no info or stateset type: the protobuf scrape calls them gauges too.
    case MetricType::gauge:
    case MetricType::info:
    case MetricType::stateset: return "GAUGE";
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
    write_string(json, label.name);
    write_string(json, label.value);
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
    write_string(json, go_float(lower));
    write_string(json, go_float(upper));
    write_string(json, go_float(count));
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
  write_string(json, "labels");
  write_labels(json, metric.labels);
  switch (type) {
    case MetricType::counter:
    case MetricType::gauge:
    case MetricType::untyped:
    case MetricType::info:
    case MetricType::stateset:
      write_string(json, "value");
      write_string(json, go_float(metric.value));
      break;
    case MetricType::summary:
      write_string(json, "quantiles");
      json.StartObject();
      for (const auto& quantile : metric.quantiles) {
        write_string(json, go_float(quantile.quantile));
        write_string(json, go_float(quantile.value));
      }
      json.EndObject();
      write_string(json, "count");
      write_string(json, count_string(metric.sample_count, false));
      write_string(json, "sum");
      write_string(json, go_float(metric.sample_sum));
      break;
    case MetricType::histogram:
    case MetricType::gauge_histogram:
      write_string(json, "buckets");
      if (metric.native && (!metric.native->positive_spans.empty() || !metric.native->negative_spans.empty())) {
        write_native_buckets(json, metric);
      } else {
        json.StartObject();
        for (const auto& bucket : metric.buckets) {
          write_string(json, go_float(bucket.upper_bound));
          write_string(json, count_string(bucket.cumulative_count, metric.float_counts));
        }
        json.EndObject();
      }
      write_string(json, "count");
      write_string(json, count_string(metric.sample_count, metric.float_counts));
      write_string(json, "sum");
      write_string(json, go_float(metric.sample_sum));
      break;
  }
  json.EndObject();
}

void write_group(JsonWriter& json, const Group& group) {
  json.StartObject();
  write_string(json, "labels");
  write_labels(json, group.key.labels);
  write_string(json, "last_push_successful");
  json.Bool(group.last_push_successful());
  for (const auto& stored : group.families) {
    const exposition::Family family = stored->model();
    write_string(json, family.name);
    json.StartObject();
    write_string(json, "time_stamp");
    write_string(json, exposition::format_rfc3339(exposition::unix_nanos(stored->pushed_at), exposition::SecondFraction::go_nanos));
    write_string(json, "type");
    write_string(json, upper_type_name(family.type));
    if (!family.help.empty()) {
      write_string(json, "help");
      write_string(json, family.help);
    }
    write_string(json, "metrics");
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
  write_string(json, "status");
  write_string(json, "success");
  write_string(json, "data");
  json.StartArray();
  for (const auto& group : snapshot.groups()) write_group(json, *group);
  json.EndArray();
  json.EndObject();
  return go_json(buffer);
}

}  // namespace flowgate::pushgw
