#include "pushgw/aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pushgw/group.hpp"
#include "pushgw/label_rules.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::Family;
using exposition::Metric;
using exposition::MetricType;
using exposition::NativeHistogram;

std::optional<GaugeRule> rule_named(std::string_view word) {
  if (word == "last") return GaugeRule::last;
  if (word == "sum") return GaugeRule::sum;
  if (word == "max") return GaugeRule::max;
  if (word == "min") return GaugeRule::min;
  return std::nullopt;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::string series_key(const exposition::Labels& labels) {
  std::string key;
  for (const auto& label : labels) key.append(label.name).append(1, '\xfe').append(label.value).append(1, '\xff');
  return key;
}

PushError refused(const Family& family, const Metric* series, std::string problem, std::string_view rule) {
  std::string where = "family " + quoted(family.name);
  if (series != nullptr) where += ": series " + describe_series(family.name, series->labels);
  return PushError(PushErrorKind::inconsistent,
                   where + " " + std::move(problem) + " (rule " + std::string(rule) + ")");
}

// A native histogram's buckets of one sign as index → count.
using DenseBuckets = std::map<std::int32_t, double>;

DenseBuckets dense(const std::vector<exposition::BucketSpan>& spans, const std::vector<std::int64_t>& deltas,
                   const std::vector<double>& counts, bool float_counts) {
  DenseBuckets out;
  std::int32_t index = 0;
  std::size_t at = 0;
  std::int64_t running = 0;
  for (const auto& span : spans) {
    index += span.offset;
    for (std::uint32_t i = 0; i < span.length; ++i, ++index, ++at) {
      double count = 0;
      if (float_counts) {
        count = at < counts.size() ? counts[at] : 0;
      } else {
        running += at < deltas.size() ? deltas[at] : 0;
        count = static_cast<double>(running);
      }
      if (count != 0) out[index] += count;
    }
  }
  return out;
}

// Bucket i at schema s covers (2^(2^-s (i-1)), 2^(2^-s i)]; `steps` schemas
// coarser it falls into ((i - 1) >> steps) + 1, as Prometheus reduces them.
DenseBuckets reduced(const DenseBuckets& buckets, std::int32_t steps) {
  if (steps == 0) return buckets;
  DenseBuckets out;
  for (const auto& [index, count] : buckets) out[((index - 1) >> steps) + 1] += count;
  return out;
}

void write_sparse(const DenseBuckets& buckets, bool float_counts, std::vector<exposition::BucketSpan>& spans,
                  std::vector<std::int64_t>& deltas, std::vector<double>& counts) {
  spans.clear();
  deltas.clear();
  counts.clear();
  std::int32_t next = 0;
  std::int64_t previous = 0;
  bool first = true;
  for (const auto& [index, count] : buckets) {
    if (first || index != next) {
      spans.push_back({first ? index : index - next, 0});
      first = false;
    }
    ++spans.back().length;
    next = index + 1;
    if (float_counts) {
      counts.push_back(count);
    } else {
      const auto whole = static_cast<std::int64_t>(count);
      deltas.push_back(whole - previous);
      previous = whole;
    }
  }
}

boost::system::result<void, PushError> add_native(const Family& family, Metric& into, const Metric& add) {
  if (!into.native || !add.native) {
    return refused(family, &add, "mixes a native with a classic histogram", "aggregate-histogram-kind");
  }
  NativeHistogram& a = *into.native;
  const NativeHistogram& b = *add.native;
  if (a.zero_threshold != b.zero_threshold) {
    return refused(family, &add,
                   "has zero threshold " + std::to_string(b.zero_threshold) + " where the stored one has " +
                       std::to_string(a.zero_threshold),
                   "aggregate-zero-threshold");
  }
  const bool float_counts = into.float_counts || add.float_counts;
  const std::int32_t schema = std::min(a.schema, b.schema);
  for (auto [spans_a, deltas_a, counts_a, spans_b, deltas_b, counts_b] :
       {std::tuple{&a.positive_spans, &a.positive_deltas, &a.positive_counts, &b.positive_spans, &b.positive_deltas,
                   &b.positive_counts},
        std::tuple{&a.negative_spans, &a.negative_deltas, &a.negative_counts, &b.negative_spans, &b.negative_deltas,
                   &b.negative_counts}}) {
    DenseBuckets sum = reduced(dense(*spans_a, *deltas_a, *counts_a, into.float_counts), a.schema - schema);
    for (const auto& [index, count] : reduced(dense(*spans_b, *deltas_b, *counts_b, add.float_counts), b.schema - schema)) {
      sum[index] += count;
    }
    write_sparse(sum, float_counts, *spans_a, *deltas_a, *counts_a);
  }
  a.schema = schema;
  a.zero_count += b.zero_count;
  into.float_counts = float_counts;
  return {};
}

boost::system::result<void, PushError> add_histogram(const Family& family, Metric& into, const Metric& add) {
  if (into.native || add.native) {
    if (auto added = add_native(family, into, add); !added) return added;
  } else {
    const bool same_bounds = into.buckets.size() == add.buckets.size() &&
                             std::equal(into.buckets.begin(), into.buckets.end(), add.buckets.begin(),
                                        [](const auto& x, const auto& y) { return x.upper_bound == y.upper_bound; });
    if (!same_bounds) {
      return refused(family, &add, "has bucket bounds other than the stored series'; aggregated histograms keep one layout",
                     "aggregate-bucket-layout");
    }
    for (std::size_t i = 0; i < into.buckets.size(); ++i) {
      into.buckets[i].cumulative_count += add.buckets[i].cumulative_count;
      if (add.buckets[i].exemplar) into.buckets[i].exemplar = add.buckets[i].exemplar;
    }
  }
  into.sample_count += add.sample_count;
  into.sample_sum += add.sample_sum;
  return {};
}

double gauge_value(GaugeRule rule, double stored, double pushed) {
  switch (rule) {
    case GaugeRule::sum: return stored + pushed;
    case GaugeRule::max: return std::max(stored, pushed);
    case GaugeRule::min: return std::min(stored, pushed);
    case GaugeRule::last: break;
  }
  return pushed;
}

// `add` onto `into`, a stored series of the same labels.
boost::system::result<void, PushError> add_series(const Family& family, Metric& into, Metric add, GaugeRule rule) {
  switch (family.type) {
    case MetricType::counter:
      into.value += add.value;
      if (!add.exemplars.empty()) into.exemplars = std::move(add.exemplars);
      return {};
    case MetricType::histogram: return add_histogram(family, into, add);
    case MetricType::summary:
      into.sample_count += add.sample_count;
      into.sample_sum += add.sample_sum;
      return {};
    case MetricType::gauge:
    case MetricType::untyped:
      into.value = gauge_value(rule, into.value, add.value);
      return {};
    case MetricType::gauge_histogram:
    case MetricType::info:
    case MetricType::stateset:
      break;
  }
  into = std::move(add);
  return {};
}

// What no stored value can make right: checked on every pushed series.
boost::system::result<void, PushError> check_increment(const Family& family, const Metric& series) {
  if (family.type == MetricType::counter && (series.value < 0 || std::isnan(series.value))) {
    return refused(family, &series, "is a counter pushed with the increment " + std::to_string(series.value) +
                                        "; an aggregated counter only grows",
                   "aggregate-negative-increment");
  }
  if (family.type == MetricType::summary && !series.quantiles.empty()) {
    return refused(family, &series, "is a summary with quantiles, which cannot be added up; push it without them or "
                                    "as a histogram",
                   "aggregate-summary-quantiles");
  }
  return {};
}

}  // namespace

GaugeRule AggregationRules::rule_for(std::string_view family) const {
  const auto it = families.find(family);
  return it != families.end() ? it->second : gauges;
}

boost::system::result<AggregationRules, std::string> parse_aggregation_rules(std::string_view header) {
  AggregationRules rules;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = trimmed(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.empty()) continue;
    const auto equals = item.find('=');
    const std::string_view word = trimmed(equals == std::string_view::npos ? item : item.substr(equals + 1));
    const auto rule = rule_named(word);
    if (!rule) return "gauge aggregation " + quoted(item) + ": expected last, sum, max or min";
    if (equals == std::string_view::npos) {
      rules.gauges = *rule;
    } else {
      rules.families.insert_or_assign(std::string(trimmed(item.substr(0, equals))), *rule);
    }
  }
  return rules;
}

boost::system::result<Family, PushError> aggregate_family(std::optional<Family> stored, Family pushed,
                                                          const AggregationRules& rules) {
  for (const auto& series : pushed.metrics) {
    if (auto checked = check_increment(pushed, series); !checked) return checked.error();
  }
  if (!stored) return pushed;
  if (stored->type != pushed.type) {
    return refused(pushed, nullptr,
                   "is pushed as a " + std::string(exposition::type_name(pushed.type)) + " but the group holds a " +
                       std::string(exposition::type_name(stored->type)),
                   "aggregate-type-change");
  }
  Family total = std::move(*stored);
  if (!pushed.help.empty()) total.help = pushed.help;
  std::unordered_map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < total.metrics.size(); ++i) at.emplace(series_key(total.metrics[i].labels), i);
  const GaugeRule rule = rules.rule_for(pushed.name);
  for (auto& series : pushed.metrics) {
    const auto found = at.find(series_key(series.labels));
    if (found == at.end()) {
      at.emplace(series_key(series.labels), total.metrics.size());
      total.metrics.push_back(std::move(series));
      continue;
    }
    if (auto added = add_series(total, total.metrics[found->second], std::move(series), rule); !added) {
      return added.error();
    }
  }
  return total;
}

}  // namespace flowgate::pushgw
