#include "pushgw/aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "exposition/protobuf_scalar_series.hpp"
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
  // The line of the series, or of the family's first series, when the body had lines.
  const Metric* located = series != nullptr ? series : (family.metrics.empty() ? nullptr : &family.metrics.front());
  std::string where;
  if (located != nullptr && located->source_line > 0) where = "line " + std::to_string(located->source_line) + ": ";
  where += "family " + quoted(family.name);
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

// `add` onto `into` for a counter, gauge or untyped family.
void add_scalar(MetricType type, Metric& into, const Metric& add, GaugeRule rule) {
  if (type == MetricType::counter) {
    into.value += add.value;
    if (!add.exemplars.empty()) into.exemplars = add.exemplars;
  } else {
    into.value = gauge_value(rule, into.value, add.value);
  }
}

// `add` onto `into`, a stored series of the same labels.
boost::system::result<void, PushError> add_series(const Family& family, Metric& into, Metric add, GaugeRule rule) {
  switch (family.type) {
    case MetricType::counter:
    case MetricType::gauge:
    case MetricType::untyped:
      add_scalar(family.type, into, add, rule);
      return {};
    case MetricType::histogram: return add_histogram(family, into, add);
    case MetricType::summary:
      into.sample_count += add.sample_count;
      into.sample_sum += add.sample_sum;
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

// What no stored value can make right, then a type other than the stored
// one (`stored_type`; null: no stored family).
boost::system::result<void, PushError> check_pushed(const Family& pushed, const MetricType* stored_type) {
  for (const auto& series : pushed.metrics) {
    if (auto checked = check_increment(pushed, series); !checked) return checked.error();
  }
  if (stored_type != nullptr && *stored_type != pushed.type) {
    return refused(pushed, nullptr,
                   "is pushed as a " + std::string(exposition::type_name(pushed.type)) + " but the group holds a " +
                       std::string(exposition::type_name(*stored_type)),
                   "aggregate-type-change");
  }
  return {};
}

// `pushed` added onto `total`, the stored family as a model.
boost::system::result<Family, PushError> add_onto_model(Family total, Family pushed, GaugeRule rule) {
  if (!pushed.help.empty()) total.help = pushed.help;
  std::unordered_map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < total.metrics.size(); ++i) at.emplace(series_key(total.metrics[i].labels), i);
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

// The labels of one scanned series.
std::span<const exposition::LabelView> labels_of(const exposition::ScalarSeries& scanned, std::uint32_t series) {
  const auto& entry = scanned.series[series];
  return std::span(scanned.labels).subspan(entry.first_label, entry.label_count);
}

void copy_labels(std::span<const exposition::LabelView> from, exposition::Labels& into) {
  into.reserve(from.size());
  for (const auto& label : from) into.push_back({std::string(label.name), std::string(label.value)});
}

bool same_labels(std::span<const exposition::LabelView> stored, const exposition::Labels& pushed) {
  return std::equal(stored.begin(), stored.end(), pushed.begin(), pushed.end(),
                    [](const exposition::LabelView& a, const exposition::Label& b) {
                      return a.name == b.name && a.value == b.value;
                    });
}

// A 64-bit hash of label names and values, eight bytes at a time (strings
// are mixed with their lengths, so "ab","c" and "a","bc" differ). `plain`
// turns false at a 0xFE or 0xFF byte, the separators of series_key (valid
// UTF-8 never holds them): for plain labels, equal sequences and equal
// series keys are the same thing.
struct LabelsHash {
  std::uint64_t state = 0x243f6a8885a308d3ULL;
  bool plain = true;

  void add(std::string_view bytes) {
    take(bytes.size());
    std::size_t at = 0;
    for (; at + 8 <= bytes.size(); at += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes.data() + at, sizeof word);
      take(word);
    }
    if (at < bytes.size()) {
      std::uint64_t word = 0;
      for (std::size_t i = at; i < bytes.size(); ++i) {
        word |= std::uint64_t{static_cast<std::uint8_t>(bytes[i])} << (8 * (i - at));
      }
      take(word);
    }
  }
  void take(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const std::uint64_t not_special = ~(word | kOnes);  // a zero byte where `word` has 0xFE or 0xFF
    plain = plain && ((not_special - kOnes) & ~not_special & kHighs) == 0;
    state = (state ^ word) * 0x9e3779b97f4a7c15ULL;
    state ^= state >> 29;
  }
  template <typename Range>
  static LabelsHash of(const Range& labels) {
    LabelsHash hash;
    for (const auto& label : labels) {
      hash.add(label.name);
      hash.add(label.value);
    }
    return hash;
  }
};

// For each pushed series, the series of the totals it adds onto: a stored
// one (< stored count), else the next new one, in push order (later pushes of
// the same labels add onto it), as add_onto_model pairs them. The stored
// series must have distinct labels. Pushes mostly repeat the stored order, so
// the series after the last one paired is tried first, and labels are hashed
// only when that guess misses. nullopt at a hash collision or at labels
// series_key would read differently: the caller pairs them by series key.
std::optional<std::vector<std::uint32_t>> pair_series(const exposition::ScalarSeries& stored,
                                                      const std::vector<Metric>& pushed) {
  const auto kept = static_cast<std::uint32_t>(stored.series.size());
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> by_hash;  // labels hash -> series of the totals
  bool hashed = false;
  std::vector<std::uint32_t> made_by;  // the pushed series that made each new one
  std::vector<std::uint32_t> targets;
  targets.reserve(pushed.size());
  std::uint32_t guess = 0;
  for (std::uint32_t j = 0; j < pushed.size(); ++j) {
    const auto& labels = pushed[j].labels;
    if (guess < kept && same_labels(labels_of(stored, guess), labels)) {
      targets.push_back(guess++);
      continue;
    }
    if (!hashed) {
      hashed = true;
      by_hash.reserve(kept + pushed.size());
      for (std::uint32_t i = 0; i < kept; ++i) {
        if (!by_hash.try_emplace(LabelsHash::of(labels_of(stored, i)).state, i).second) return std::nullopt;
      }
    }
    const auto hash = LabelsHash::of(labels);
    if (!hash.plain) return std::nullopt;
    const auto [it, fresh] = by_hash.try_emplace(hash.state, kept + static_cast<std::uint32_t>(made_by.size()));
    const std::uint32_t target = it->second;
    if (fresh) {
      made_by.push_back(j);
    } else if (target < kept ? !same_labels(labels_of(stored, target), labels)
                             : pushed[made_by[target - kept]].labels != labels) {
      return std::nullopt;
    }
    if (target < kept) guess = target + 1;
    targets.push_back(target);
  }
  return targets;
}

// Whether no two series of `stored` share their labels (the consistency
// check off can store one twice): known for families the store rendered,
// else read from their series hashes.
bool distinct_series(const StoredFamily& stored) {
  const auto& hashes = stored.series_hashes;
  return stored.distinct_series || std::adjacent_find(hashes.begin(), hashes.end()) == hashes.end();
}

// add_onto_model for a counter, gauge or untyped family whose stored series
// are plain values, read from the protobuf block without building the model:
// a paired series takes its stored value and lends its labels (`lent`), and
// only stored series the push does not carry get their labels copied from
// the block. Stored names, HELP
// and units are valid UTF-8 (every way into the store checks them), so
// model() would read the header as it is stored. nullopt where the model is
// needed: series the scan does not vouch for, stored series sharing labels,
// or a collision.
std::optional<Family> add_onto_scalars(const StoredFamily& stored, Family& pushed, GaugeRule rule, LentLabels& lent) {
  if (!distinct_series(stored)) return std::nullopt;
  const auto scanned = exposition::scan_scalar_series(stored.type, stored.block(exposition::Format::protobuf), stored.series_hashes.size());
  if (!scanned) return std::nullopt;
  const auto targets = pair_series(*scanned, pushed.metrics);
  if (!targets) return std::nullopt;
  Family total;
  total.name = stored.name;
  total.help = pushed.help.empty() ? stored.help : pushed.help;
  total.type = stored.type;
  total.unit = stored.unit;
  const std::size_t kept = scanned->series.size();
  total.metrics.resize(kept);
  for (std::size_t i = 0; i < kept; ++i) total.metrics[i].value = scanned->series[i].value;
  lent.series.clear();
  lent.series.reserve(pushed.metrics.size());
  for (std::uint32_t j = 0; j < pushed.metrics.size(); ++j) {
    Metric& series = pushed.metrics[j];
    const std::uint32_t target = (*targets)[j];
    if (target == total.metrics.size()) {
      total.metrics.push_back(series);
      continue;
    }
    Metric& into = total.metrics[target];
    if (target < kept && into.labels.empty() && !series.labels.empty()) {  // the same labels: moved, not copied
      into.labels = std::move(series.labels);
      series.labels.clear();
      lent.series.emplace_back(j, target);
    }
    add_scalar(total.type, into, series, rule);
  }
  for (std::uint32_t i = 0; i < kept; ++i) {
    if (total.metrics[i].labels.empty()) copy_labels(labels_of(*scanned, i), total.metrics[i].labels);
  }
  return total;
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
  if (auto checked = check_pushed(pushed, stored ? &stored->type : nullptr); !checked) return checked.error();
  if (!stored) return pushed;
  const GaugeRule rule = rules.rule_for(pushed.name);
  return add_onto_model(std::move(*stored), std::move(pushed), rule);
}

void prefetch_stored(const Group& group, const exposition::Families& pushed) {
  constexpr std::size_t kLine = 64;
  constexpr std::size_t kMaxBytes = 1024;  // the start of a long block: the hardware prefetcher takes it from there
  // Two passes, so that no pass waits on a load the other one started: the
  // stored families' block pointers first, then the blocks they point to.
  for (const auto& family : pushed) {
    if (const StoredFamily* stored = group.find(family.name)) __builtin_prefetch(&stored->protobuf_block);
  }
  for (const auto& family : pushed) {
    const StoredFamily* stored = group.find(family.name);
    if (stored == nullptr) continue;
    const std::string_view block = stored->protobuf_block;
    for (std::size_t at = 0; at < std::min(block.size(), kMaxBytes); at += kLine) __builtin_prefetch(block.data() + at);
  }
}

boost::system::result<Family, PushError> aggregate_stored(const StoredFamily* stored, Family& pushed,
                                                          const AggregationRules& rules, LentLabels& lent) {
  lent.series.clear();
  if (auto checked = check_pushed(pushed, stored ? &stored->type : nullptr); !checked) return checked.error();
  if (stored == nullptr) return pushed;
  const GaugeRule rule = rules.rule_for(pushed.name);
  if (auto total = add_onto_scalars(*stored, pushed, rule, lent)) return std::move(*total);
  return add_onto_model(stored->model(), pushed, rule);
}

void take_back(const StoredFamily& stored, Family& pushed, const LentLabels& lent) {
  if (lent.series.empty()) return;
  // The same block aggregate_stored scanned, so the same series.
  const auto scanned = exposition::scan_scalar_series(stored.type, stored.block(exposition::Format::protobuf));
  for (const auto& [pushed_index, stored_index] : lent.series) {
    copy_labels(labels_of(*scanned, stored_index), pushed.metrics[pushed_index].labels);
  }
}

}  // namespace flowgate::pushgw
