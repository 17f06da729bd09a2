#include "exposition/otlp_translate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "exposition/names.hpp"
#include "exposition/native_histogram_check.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition::otlp {
namespace {

// This namespace has OTLP's Metric and Exemplar; these are the Prometheus model's.
using Series = exposition::Metric;
using PromExemplar = exposition::Exemplar;

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceNamespace = "service.namespace";
constexpr std::string_view kServiceInstanceId = "service.instance.id";
constexpr double kDefaultZeroThreshold = 1e-128;  // the spec's default when a point sets none
constexpr std::int32_t kMinSchema = -4;
constexpr std::int32_t kMaxSchema = 8;
// A delta exponential histogram whose buckets would span more than this is
// downscaled until they fit: an offset far from the others must not make a
// dense array of billions of buckets.
constexpr std::int64_t kMaxDenseBuckets = 4096;
// OpenMetrics bounds an exemplar's label set to 128 characters.
constexpr std::size_t kMaxExemplarLabelChars = 128;

Timestamp to_timestamp(std::uint64_t unix_nano) {
  return {static_cast<std::int64_t>(unix_nano / 1'000'000'000), static_cast<std::int32_t>(unix_nano % 1'000'000'000)};
}

std::optional<Timestamp> created_at(std::uint64_t start_unix_nano) {
  if (start_unix_nano == 0) return std::nullopt;
  return to_timestamp(start_unix_nano);
}

const std::string* find(const Attributes& attributes, std::string_view key) {
  for (const auto& attribute : attributes) {
    if (attribute.key == key) return &attribute.value;
  }
  return nullptr;
}

void sort_labels(Labels& labels) {
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
}

// Attributes as labels, `skip` left out: names made valid; attributes whose
// names become the same label have their values joined with ';' in the order
// of their original keys (the specification's rule); empty values are no label.
template <typename Skip>
// `room`: labels the caller will add (promoted attributes, the grouping
// labels the store sets), reserved here so no label is moved again.
Labels labels_from(const Attributes& attributes, const NamingOptions& naming, Skip skip, std::size_t room = 0) {
  std::vector<const Attribute*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& attribute : attributes) sorted.push_back(&attribute);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });
  Labels labels;  // in key order; stable-sorted by name below, so joined values keep that order
  labels.reserve(attributes.size() + room);
  for (const Attribute* attribute : sorted) {
    if (attribute->value.empty() || skip(attribute->key)) continue;
    auto name = label_name(attribute->key, naming);
    if (name && *name != kMetricNameLabel) labels.push_back({std::move(*name), attribute->value});
  }
  std::stable_sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keys that became one name join their values, in place.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (kept > 0 && labels[kept - 1].name == labels[i].name) {
      labels[kept - 1].value += ";" + labels[i].value;
    } else {
      if (kept != i) labels[kept] = std::move(labels[i]);
      ++kept;
    }
  }
  labels.erase(labels.begin() + static_cast<std::ptrdiff_t>(kept), labels.end());
  return labels;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

PromExemplar exemplar_from(const otlp::Exemplar& in, const NamingOptions& naming) {
  PromExemplar out;
  out.value = in.value;
  if (in.time_unix_nano != 0) out.timestamp = to_timestamp(in.time_unix_nano);
  Labels ids;
  if (!in.trace_id.empty()) ids.push_back({"trace_id", in.trace_id});
  if (!in.span_id.empty()) ids.push_back({"span_id", in.span_id});
  out.labels = labels_from(in.filtered_attributes, naming,
                           [](std::string_view key) { return key == "trace_id" || key == "span_id"; });
  out.labels.insert(out.labels.end(), ids.begin(), ids.end());
  std::size_t chars = 0;
  for (const auto& label : out.labels) chars += utf8_length(label.name) + utf8_length(label.value);
  if (chars > kMaxExemplarLabelChars) out.labels = ids;  // the ids matter most
  sort_labels(out.labels);
  return out;
}

// Each classic bucket gets the largest exemplar that falls into it, else the
// one of the bucket below (the specification's rule for pull exporters).
void attach_exemplars(const std::vector<otlp::Exemplar>& exemplars, Series& metric, const NamingOptions& naming) {
  // One pass over both in ascending order (NaN falls in no bucket).
  std::vector<const otlp::Exemplar*> by_value;
  for (const auto& e : exemplars) {
    if (!std::isnan(e.value)) by_value.push_back(&e);
  }
  std::stable_sort(by_value.begin(), by_value.end(), [](auto* a, auto* b) { return a->value < b->value; });
  std::optional<PromExemplar> carried;
  std::size_t next = 0;
  for (auto& bucket : metric.buckets) {
    const otlp::Exemplar* best = nullptr;  // the largest in the bucket; the first sent among equals
    for (; next < by_value.size() && by_value[next]->value <= bucket.upper_bound; ++next) {
      if (best == nullptr || by_value[next]->value > best->value) best = by_value[next];
    }
    if (best != nullptr) carried = exemplar_from(*best, naming);
    bucket.exemplar = carried;
  }
}

// --- Exponential buckets -------------------------------------------------

// `buckets` at a scale `by` steps coarser: 2^by neighbours merge into one.
ExponentialBuckets downscaled(const ExponentialBuckets& buckets, std::int32_t by) {
  if (by <= 0 || buckets.counts.empty()) return buckets;
  ExponentialBuckets out;
  const std::int64_t first = (static_cast<std::int64_t>(buckets.offset)) >> by;
  out.offset = static_cast<std::int32_t>(first);
  for (std::size_t i = 0; i < buckets.counts.size(); ++i) {
    const auto index = static_cast<std::size_t>(((static_cast<std::int64_t>(buckets.offset) + static_cast<std::int64_t>(i)) >> by) - first);
    if (index >= out.counts.size()) out.counts.resize(index + 1, 0);
    out.counts[index] += buckets.counts[i];
  }
  return out;
}

// How many steps coarser two bucket sets (same scale) must get to share one
// dense array of at most kMaxDenseBuckets.
std::int32_t steps_to_fit(const ExponentialBuckets& a, const ExponentialBuckets& b) {
  std::int64_t low = std::numeric_limits<std::int64_t>::max();
  std::int64_t high = std::numeric_limits<std::int64_t>::min();
  for (const auto* buckets : {&a, &b}) {
    if (buckets->counts.empty()) continue;
    low = std::min<std::int64_t>(low, buckets->offset);
    high = std::max<std::int64_t>(high, static_cast<std::int64_t>(buckets->offset) + static_cast<std::int64_t>(buckets->counts.size()));
  }
  std::int32_t steps = 0;
  while (low <= high && ((high >> steps) - (low >> steps) + 1) > kMaxDenseBuckets) ++steps;
  return steps;
}

void add_into(ExponentialBuckets& into, const ExponentialBuckets& from) {
  if (from.counts.empty()) return;
  if (into.counts.empty()) {
    into = from;
    return;
  }
  const std::int32_t low = std::min(into.offset, from.offset);
  const std::int64_t high = std::max(static_cast<std::int64_t>(into.offset) + static_cast<std::int64_t>(into.counts.size()),
                                     static_cast<std::int64_t>(from.offset) + static_cast<std::int64_t>(from.counts.size()));
  std::vector<std::uint64_t> merged(static_cast<std::size_t>(high - low), 0);
  for (std::size_t i = 0; i < into.counts.size(); ++i) merged[static_cast<std::size_t>(into.offset - low) + i] += into.counts[i];
  for (std::size_t i = 0; i < from.counts.size(); ++i) merged[static_cast<std::size_t>(from.offset - low) + i] += from.counts[i];
  into.offset = low;
  into.counts = std::move(merged);
}

// OTLP's dense buckets (index i covers (base^(offset+i), base^(offset+i+1)])
// as Prometheus spans and deltas (index k covers (base^(k-1), base^k]), merged
// 2^scale_down at a time; runs of more than two empty buckets start a new span.
bool to_spans(const ExponentialBuckets& buckets, std::int32_t scale_down, std::vector<BucketSpan>& spans,
              std::vector<std::int64_t>& deltas) {
  std::int64_t previous_index = 0;
  std::int64_t previous_count = 0;
  std::int64_t index = 0;
  std::int64_t count = 0;
  bool collecting = false;
  const auto flush = [&]() -> bool {
    if (count == 0) return true;
    if (index < std::numeric_limits<std::int32_t>::min() || index > std::numeric_limits<std::int32_t>::max()) return false;
    const std::int64_t gap = spans.empty() ? 0 : index - previous_index - 1;
    if (spans.empty() || gap > 2) {
      spans.push_back({static_cast<std::int32_t>(spans.empty() ? index : gap), 0});
    } else {
      for (std::int64_t g = 0; g < gap; ++g) {  // a short run of empty buckets stays in the span
        deltas.push_back(-previous_count);
        previous_count = 0;
        ++spans.back().length;
      }
    }
    ++spans.back().length;
    deltas.push_back(count - previous_count);
    previous_count = count;
    previous_index = index;
    return true;
  };
  for (std::size_t i = 0; i < buckets.counts.size(); ++i) {
    const std::int64_t k = ((static_cast<std::int64_t>(buckets.offset) + static_cast<std::int64_t>(i)) >> scale_down) + 1;
    if (collecting && k == index) {
      count += static_cast<std::int64_t>(buckets.counts[i]);
      continue;
    }
    if (collecting && !flush()) return false;
    index = k;
    count = static_cast<std::int64_t>(buckets.counts[i]);
    collecting = true;
  }
  return !collecting || flush();
}

// Classic buckets at the native bucket bounds, for scrapes that cannot carry
// a native histogram: negative buckets (most negative first), the zero
// bucket, positive buckets; each cumulative.
void classic_fallback(const NativeHistogram& native, Series& metric) {
  const double base_exponent = std::ldexp(1.0, -native.schema);  // bucket k's bound is 2^(k * 2^-schema)
  const auto bound = [&](std::int64_t k) { return std::exp2(static_cast<double>(k) * base_exponent); };
  const auto walk = [](const std::vector<BucketSpan>& spans, const std::vector<std::int64_t>& deltas, auto visit) {
    std::int64_t k = 0;
    std::int64_t count = 0;
    std::size_t d = 0;
    for (std::size_t s = 0; s < spans.size(); ++s) {
      k += spans[s].offset;
      for (std::uint32_t j = 0; j < spans[s].length && d < deltas.size(); ++j, ++k) {
        count += deltas[d++];
        visit(k, count);
      }
    }
  };
  std::vector<std::pair<std::int64_t, std::int64_t>> negative;
  walk(native.negative_spans, native.negative_deltas, [&](std::int64_t k, std::int64_t c) { negative.emplace_back(k, c); });
  double cumulative = 0;
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) {
    cumulative += static_cast<double>(it->second);
    if (it->second != 0) metric.buckets.push_back({-bound(it->first - 1), cumulative, std::nullopt});
  }
  cumulative += native.zero_count;
  metric.buckets.push_back({native.zero_threshold, cumulative, std::nullopt});
  walk(native.positive_spans, native.positive_deltas, [&](std::int64_t k, std::int64_t c) {
    cumulative += static_cast<double>(c);
    if (c != 0) metric.buckets.push_back({bound(k), cumulative, std::nullopt});
  });
  // Bounds must ascend strictly; a bound that rounds onto its neighbour is dropped.
  metric.buckets.erase(std::unique(metric.buckets.begin(), metric.buckets.end(),
                                   [](const Bucket& a, const Bucket& b) { return !(a.upper_bound < b.upper_bound); }),
                       metric.buckets.end());
  if (!metric.buckets.empty() && std::isinf(metric.buckets.back().upper_bound)) metric.buckets.pop_back();
}

// Labels as one string key: 0xFE and 0xFF never occur in UTF-8, so the parts
// cannot run into each other.
void append_labels_key(const Labels& labels, std::string& key) {
  for (const auto& label : labels) key.append(label.name).append(1, '\xfe').append(label.value).append(1, '\xff');
}

// One series per label set, the last one sent, in the order of first appearance.
void dedupe_series(Family& family) {
  std::unordered_map<std::string, std::size_t> slot;
  std::vector<Series> unique;
  unique.reserve(family.metrics.size());
  for (auto& series : family.metrics) {
    std::string key;
    append_labels_key(series.labels, key);
    auto [it, inserted] = slot.try_emplace(std::move(key), unique.size());
    if (inserted) {
      unique.push_back(std::move(series));
    } else {
      unique[it->second] = std::move(series);
    }
  }
  family.metrics = std::move(unique);
}

// --- One resource ----------------------------------------------------------

class ResourceTranslator {
 public:
  ResourceTranslator(const Resource& resource, const TranslateOptions& options, const DeltaLookup& state,
                     Translation& out)
      : resource_(resource), options_(options), state_(state), out_(out) {
    const std::string* name = find(resource.attributes, kServiceName);
    const std::string* space = find(resource.attributes, kServiceNamespace);
    std::string job = name != nullptr && !name->empty() ? *name : "unknown_service";
    if (space != nullptr && !space->empty()) job = *space + "/" + job;
    group_.grouping.push_back({"job", std::move(job)});
    if (const std::string* instance = find(resource.attributes, kServiceInstanceId); instance && !instance->empty()) {
      group_.grouping.insert(group_.grouping.begin(), {"instance", *instance});  // sorted by name
    }
    promoted_ = labels_from(resource.attributes, options.naming, [&](std::string_view key) {
      const auto& keys = options.promote_resource_attributes;
      return std::find(keys.begin(), keys.end(), key) == keys.end();
    });
  }

  TranslatedGroup run() {
    for (const auto& scope : resource_.scopes) {
      for (const auto& metric : scope.metrics) translate_metric(metric);
    }
    add_target_info();
    for (auto& [name, family] : families_) {
      dedupe_series(family);
      group_.families.push_back(std::move(family));
    }
    return std::move(group_);
  }

 private:
  void reject(const otlp::Metric& metric, std::size_t points, const std::string& why) {
    out_.rejected_points += points;
    out_.rejections.push_back("metric " + quoted_for_message(metric.name) + ": " + why);
  }

  static std::size_t point_count(const otlp::Metric& m) {
    return m.numbers.size() + m.histograms.size() + m.exponential_histograms.size() + m.summaries.size();
  }

  static bool is_grouping_label(std::string_view key) { return key == "job" || key == "instance"; }

  Labels series_labels(const Attributes& attributes) const {
    // Room for the promoted attributes and the job/instance (and instance="") the store adds.
    Labels labels = labels_from(attributes, options_.naming, [](std::string_view) { return false; },
                                promoted_.size() + 3);
    std::erase_if(labels, [](const Label& l) { return is_grouping_label(l.name); });
    for (const auto& promoted : promoted_) {
      const bool taken = std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == promoted.name; });
      if (!taken && !is_grouping_label(promoted.name)) labels.push_back(promoted);
    }
    sort_labels(labels);
    return labels;
  }

  // The family for `metric` as `type`, or nullptr (rejected) when its name is
  // unusable or already taken by a family of another type in this resource.
  Family* family_for(const otlp::Metric& metric, MetricType type, NameKind kind) {
    auto name = metric_name(metric.name, metric.unit, kind, options_.naming);
    if (!name || (!options_.naming.utf8 && !is_metric_name(*name))) {
      reject(metric, point_count(metric), "the name leaves no valid Prometheus metric name");
      return nullptr;
    }
    auto [it, inserted] = families_.try_emplace(*name);
    Family& family = it->second;
    if (inserted) {
      family.name = *name;
      family.type = type;
      if (is_valid_utf8(metric.description)) family.help = metric.description;
    } else if (family.type != type) {
      reject(metric, point_count(metric),
             "its Prometheus name " + quoted_for_message(*name) + " is already a " + std::string(type_name(family.type)) +
                 " in this export");
      return nullptr;
    }
    return &family;
  }

  // Series of the same labels are made one at the end (dedupe_series).
  static void put(Family& family, Series&& series) { family.metrics.push_back(std::move(series)); }


  // True when the point is current; false for one to skip (its series ended).
  bool live(const Family& family, std::uint32_t flags, const Labels& labels) {
    if ((flags & kNoRecordedValue) == 0) return true;
    group_.ended.emplace_back(family.name, labels);
    return false;
  }

  // Into the request's updates (a later point of this request finds it
  // there) and the group's (what its owner stores with the group).
  void record_delta(const std::string& key, DeltaSeries next) {
    group_.delta_updates[key] = next;
    out_.delta_updates[key] = std::move(next);
  }

  const DeltaSeries* previous(const std::string& key) const {
    if (auto it = out_.delta_updates.find(key); it != out_.delta_updates.end()) return &it->second;
    return state_(group_.grouping, key);
  }

  // The running entry after adding a delta point, or nullopt for a resend
  // (not newer than the last delta added): it is not added twice.
  std::optional<DeltaSeries> advanced(const std::string& key, std::uint64_t start, std::uint64_t time) const {
    DeltaSeries next;
    if (const DeltaSeries* before = previous(key)) {
      if (time <= before->last_time_unix_nano) return std::nullopt;
      next = *before;
    } else {
      next.start_time_unix_nano = start != 0 ? start : time;
    }
    next.last_time_unix_nano = time;
    return next;
  }

  void translate_metric(const otlp::Metric& metric) {
    const bool delta = metric.temporality == Temporality::delta;
    switch (metric.kind) {
      case MetricKind::none: return;  // no data: nothing to store
      case MetricKind::gauge: return numbers(metric, gauge_type(metric), NameKind::gauge, false);
      case MetricKind::sum:
        if (metric.monotonic) return numbers(metric, MetricType::counter, NameKind::counter, delta);
        if (delta) return reject(metric, point_count(metric), "a non-monotonic sum with delta temporality has no Prometheus type");
        return numbers(metric, gauge_type(metric), NameKind::gauge, false);
      case MetricKind::histogram: return histograms(metric, delta);
      case MetricKind::exponential_histogram: return exponential_histograms(metric, delta);
      case MetricKind::summary: return summaries(metric);
    }
  }

  // A gauge whose metadata says prometheus.type=unknown stays untyped.
  static MetricType gauge_type(const otlp::Metric& metric) {
    const std::string* type = find(metric.metadata, "prometheus.type");
    return type != nullptr && *type == "unknown" ? MetricType::untyped : MetricType::gauge;
  }

  void numbers(const otlp::Metric& metric, MetricType type, NameKind kind, bool delta) {
    Family* family = family_for(metric, type, kind);
    if (family == nullptr) return;
    for (const auto& point : metric.numbers) {
      Series series;
      series.labels = series_labels(point.attributes);
      if (!live(*family, point.flags, series.labels)) continue;
      if (!point.has_value) {
        reject(metric, 1, "a point carries neither as_double nor as_int");
        continue;
      }
      series.value = point.value;
      if (type == MetricType::counter) {
        series.created = created_at(point.start_time_unix_nano);
        if (delta && !add_delta_sum(*family, point, series)) continue;
        if (!point.exemplars.empty()) {
          const auto latest = std::max_element(point.exemplars.begin(), point.exemplars.end(),
                                               [](auto& a, auto& b) { return a.time_unix_nano < b.time_unix_nano; });
          series.exemplars.push_back(exemplar_from(*latest, options_.naming));
        }
      }
      put(*family, std::move(series));
    }
  }

  bool add_delta_sum(const Family& family, const NumberPoint& point, Series& series) {
    const std::string key = delta_key(group_.grouping, family.name, series.labels);
    auto next = advanced(key, point.start_time_unix_nano, point.time_unix_nano);
    if (!next) return false;
    next->value += point.value;
    series.value = next->value;
    series.created = created_at(next->start_time_unix_nano);
    record_delta(key, std::move(*next));
    return true;
  }

  void histograms(const otlp::Metric& metric, bool delta) {
    Family* family = family_for(metric, MetricType::histogram, NameKind::other);
    if (family == nullptr) return;
    for (const auto& original : metric.histograms) {
      Series series;
      series.labels = series_labels(original.attributes);
      if (!live(*family, original.flags, series.labels)) continue;
      HistogramPoint point = original;
      if (delta && !add_delta_histogram(*family, series.labels, point)) continue;
      series.sample_count = static_cast<double>(point.count);
      series.sample_sum = point.sum.value_or(0);
      series.created = created_at(point.start_time_unix_nano);
      double cumulative = 0;
      for (std::size_t i = 0; i < point.explicit_bounds.size() && i < point.bucket_counts.size(); ++i) {
        cumulative += static_cast<double>(point.bucket_counts[i]);
        if (!std::isinf(point.explicit_bounds[i])) series.buckets.push_back({point.explicit_bounds[i], cumulative, std::nullopt});
      }
      attach_exemplars(point.exemplars, series, options_.naming);
      put(*family, std::move(series));
    }
  }

  // Adds a delta histogram point to its running total; the point becomes the
  // total. Bounds that changed start the total again from this point.
  bool add_delta_histogram(const Family& family, const Labels& labels, HistogramPoint& point) {
    const std::string key = delta_key(group_.grouping, family.name, labels);
    auto next = advanced(key, point.start_time_unix_nano, point.time_unix_nano);
    if (!next) return false;
    if (next->bounds != point.explicit_bounds || next->buckets.size() != point.bucket_counts.size()) {
      next->bounds = point.explicit_bounds;
      next->buckets.assign(point.bucket_counts.size(), 0);
      next->count = 0;
      next->sum = 0;
      next->start_time_unix_nano = point.start_time_unix_nano != 0 ? point.start_time_unix_nano : point.time_unix_nano;
    }
    for (std::size_t i = 0; i < point.bucket_counts.size(); ++i) next->buckets[i] += point.bucket_counts[i];
    next->count += point.count;
    next->sum += point.sum.value_or(0);
    point.bucket_counts = next->buckets;
    point.count = next->count;
    point.sum = next->sum;
    point.start_time_unix_nano = next->start_time_unix_nano;
    record_delta(key, std::move(*next));
    return true;
  }

  void exponential_histograms(const otlp::Metric& metric, bool delta) {
    Family* family = family_for(metric, MetricType::histogram, NameKind::other);
    if (family == nullptr) return;
    for (const auto& original : metric.exponential_histograms) {
      Series series;
      series.labels = series_labels(original.attributes);
      if (!live(*family, original.flags, series.labels)) continue;
      ExponentialHistogramPoint point = original;
      if (delta && !add_delta_exponential(*family, series.labels, point)) continue;
      if (!native_from(point, series)) {
        reject(metric, 1, "an exponential histogram point has scale " + std::to_string(point.scale) +
                              " or buckets beyond what a native histogram can hold (schema -4 to 8)");
        continue;
      }
      series.created = created_at(point.start_time_unix_nano);
      for (const auto& e : point.exemplars) series.exemplars.push_back(exemplar_from(e, options_.naming));
      attach_exemplars(point.exemplars, series, options_.naming);
      put(*family, std::move(series));
    }
  }

  bool add_delta_exponential(const Family& family, const Labels& labels, ExponentialHistogramPoint& point) {
    const std::string key = delta_key(group_.grouping, family.name, labels);
    auto next = advanced(key, point.start_time_unix_nano, point.time_unix_nano);
    if (!next) return false;
    const bool first = next->count == 0 && next->positive.counts.empty() && next->negative.counts.empty();
    if (first) next->scale = point.scale;
    // Both at the coarser scale, then coarser still until the buckets fit.
    std::int32_t scale = std::min(next->scale, point.scale);
    auto positive = downscaled(point.positive, point.scale - scale);
    auto negative = downscaled(point.negative, point.scale - scale);
    next->positive = downscaled(next->positive, next->scale - scale);
    next->negative = downscaled(next->negative, next->scale - scale);
    const std::int32_t steps = std::max(steps_to_fit(next->positive, positive), steps_to_fit(next->negative, negative));
    for (auto* b : {&positive, &negative, &next->positive, &next->negative}) *b = downscaled(*b, steps);
    next->scale = scale - steps;
    add_into(next->positive, positive);
    add_into(next->negative, negative);
    next->zero_count += point.zero_count;
    next->count += point.count;
    next->sum += point.sum.value_or(0);
    point.scale = next->scale;
    point.positive = next->positive;
    point.negative = next->negative;
    point.zero_count = next->zero_count;
    point.count = next->count;
    point.sum = next->sum;
    point.start_time_unix_nano = next->start_time_unix_nano;
    record_delta(key, std::move(*next));
    return true;
  }

  static bool native_from(const ExponentialHistogramPoint& point, Series& series) {
    if (point.scale < kMinSchema) return false;
    const std::int32_t scale_down = std::max(0, point.scale - kMaxSchema);
    NativeHistogram native;
    native.schema = std::min(point.scale, kMaxSchema);
    native.zero_threshold = point.zero_threshold > 0 ? point.zero_threshold : kDefaultZeroThreshold;
    native.zero_count = static_cast<double>(point.zero_count);
    if (!to_spans(point.positive, scale_down, native.positive_spans, native.positive_deltas) ||
        !to_spans(point.negative, scale_down, native.negative_spans, native.negative_deltas)) {
      return false;
    }
    series.sample_count = static_cast<double>(point.count);
    series.sample_sum = point.sum.value_or(0);
    series.native = std::move(native);
    if (check_native_histogram(series)) return false;
    classic_fallback(*series.native, series);
    return true;
  }

  void summaries(const otlp::Metric& metric) {
    Family* family = family_for(metric, MetricType::summary, NameKind::other);
    if (family == nullptr) return;
    for (const auto& point : metric.summaries) {
      Series series;
      series.labels = series_labels(point.attributes);
      if (!live(*family, point.flags, series.labels)) continue;
      series.sample_count = static_cast<double>(point.count);
      series.sample_sum = point.sum;
      series.created = created_at(point.start_time_unix_nano);
      for (const auto& q : point.quantiles) series.quantiles.push_back({q.quantile, q.value});
      std::sort(series.quantiles.begin(), series.quantiles.end(),
                [](const Quantile& a, const Quantile& b) { return a.quantile < b.quantile; });
      series.quantiles.erase(std::unique(series.quantiles.begin(), series.quantiles.end(),
                                         [](const Quantile& a, const Quantile& b) { return a.quantile == b.quantile; }),
                             series.quantiles.end());
      put(*family, std::move(series));
    }
  }

  void add_target_info() {
    if (!options_.target_info) return;
    Labels labels = labels_from(resource_.attributes, options_.naming, [](std::string_view key) {
      return key == kServiceName || key == kServiceNamespace || key == kServiceInstanceId;
    });
    std::erase_if(labels, [](const Label& l) { return is_grouping_label(l.name); });
    if (labels.empty()) return;
    auto [it, inserted] = families_.try_emplace("target_info");
    if (!inserted) return;  // a metric of that name came first
    it->second.name = "target_info";
    it->second.help = "Target metadata";
    it->second.type = MetricType::gauge;
    Series series;
    series.labels = std::move(labels);
    series.value = 1;
    it->second.metrics.push_back(std::move(series));
  }

  const Resource& resource_;
  const TranslateOptions& options_;
  const DeltaLookup& state_;
  Translation& out_;
  TranslatedGroup group_;
  Labels promoted_;
  std::map<std::string, Family> families_;
};

// Two resources with one grouping key are one group: the later's families
// join the earlier's (sorted by name), a series of the same labels replacing
// the earlier one.
void merge_into(TranslatedGroup& into, TranslatedGroup&& from) {
  const auto by_name = [](const Family& a, const Family& b) { return a.name < b.name; };
  const std::size_t before = into.families.size();
  for (auto& family : from.families) {
    const auto end = into.families.begin() + static_cast<std::ptrdiff_t>(before);
    const auto same = std::lower_bound(into.families.begin(), end, family, by_name);
    if (same == end || same->name != family.name) {
      into.families.push_back(std::move(family));
    } else if (same->type == family.type) {
      for (auto& series : family.metrics) same->metrics.push_back(std::move(series));
      dedupe_series(*same);
    }
  }
  std::sort(into.families.begin(), into.families.end(), by_name);
  into.ended.insert(into.ended.end(), from.ended.begin(), from.ended.end());
  for (auto& [key, entry] : from.delta_updates) into.delta_updates[key] = std::move(entry);
}

}  // namespace

std::string delta_key(const Labels& grouping, std::string_view family, const Labels& labels) {
  std::string key;
  append_labels_key(grouping, key);
  key.append(1, '\xff').append(family).append(1, '\xff');
  append_labels_key(labels, key);
  return key;
}

Translation translate(const ExportRequest& request, const TranslateOptions& options, const DeltaState& state) {
  const DeltaLookup lookup = [&state](const Labels&, const std::string& key) -> const DeltaSeries* {
    const auto it = state.find(key);
    return it != state.end() ? &it->second : nullptr;
  };
  return translate_with_totals(request, options, lookup);
}

Translation translate_with_totals(const ExportRequest& request, const TranslateOptions& options,
                                  const DeltaLookup& state) {
  Translation out;
  std::unordered_map<std::string, std::size_t> group_of;  // grouping labels → index in out.groups
  for (const auto& resource : request.resources) {
    TranslatedGroup group = ResourceTranslator(resource, options, state, out).run();
    std::string key;
    append_labels_key(group.grouping, key);
    auto [it, inserted] = group_of.try_emplace(std::move(key), out.groups.size());
    if (inserted) {
      out.groups.push_back(std::move(group));
    } else {
      merge_into(out.groups[it->second], std::move(group));
    }
  }
  return out;
}

}  // namespace flowgate::exposition::otlp
