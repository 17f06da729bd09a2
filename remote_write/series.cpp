#include "remote_write/series.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "exposition/number_format.hpp"

namespace flowgate::remote_write {
namespace {

using exposition::Family;
using exposition::Label;
using exposition::Labels;
using exposition::Metric;
using exposition::MetricType;

std::int64_t start_ms(const Metric& metric) {
  if (!metric.created) return 0;
  return metric.created->seconds * 1000 + metric.created->nanos / 1'000'000;
}

// `name`, the series' own labels, `extra` (le or quantile) and the target's.
Labels series_labels(std::string name, const Labels& own, const Label* extra, const Labels& target) {
  Labels labels;
  labels.reserve(own.size() + target.size() + 2);
  labels.push_back({"__name__", std::move(name)});
  for (const auto& label : own) {
    if (!label.value.empty()) labels.push_back(label);
  }
  if (extra != nullptr) labels.push_back(*extra);
  for (const auto& label : target) {
    const bool taken = std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == label.name; });
    if (!taken && !label.value.empty()) labels.push_back(label);
  }
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  return labels;
}

std::string bound_text(double bound) {
  std::string text;
  exposition::append_double(bound, text);
  return text;
}

class Flattener {
 public:
  Flattener(const Family& family, const Labels& target, std::int64_t timestamp_ms, bool stale,
            std::vector<TimeSeries>& out)
      : family_(family),
        metadata_(std::make_shared<const FamilyMetadata>(
            FamilyMetadata{family.name, {family.type, family.help, family.unit}})),
        target_(target),
        timestamp_ms_(timestamp_ms),
        stale_(stale),
        out_(out) {}

  void run() {
    for (const auto& metric : family_.metrics) {
      switch (family_.type) {
        case MetricType::counter:
        case MetricType::gauge:
        case MetricType::untyped:
        case MetricType::info:
        case MetricType::stateset: plain(metric); break;
        case MetricType::summary: summary(metric); break;
        case MetricType::histogram:
        case MetricType::gauge_histogram: histogram(metric); break;
      }
    }
  }

 private:
  TimeSeries& add(std::string_view suffix, const Metric& metric, const Label* extra, double value) {
    TimeSeries& series = out_.emplace_back();
    series.family = metadata_;
    std::string name;
    name.reserve(family_.name.size() + suffix.size());
    name.append(family_.name).append(suffix);
    series.labels = series_labels(std::move(name), metric.labels, extra, target_);
    series.samples.push_back({stale_ ? stale_nan() : value, timestamp_ms_, start_ms(metric)});
    return series;
  }

  void plain(const Metric& metric) {
    TimeSeries& series = add("", metric, nullptr, metric.value);
    if (!stale_ && family_.type == MetricType::counter) {
      for (const auto& e : metric.exemplars) series.exemplars.push_back(exemplar(e));
    }
  }

  void summary(const Metric& metric) {
    for (const auto& q : metric.quantiles) {
      const Label quantile{"quantile", bound_text(q.quantile)};
      add("", metric, &quantile, q.value);
    }
    add("_sum", metric, nullptr, metric.sample_sum);
    add("_count", metric, nullptr, metric.sample_count);
  }

  void histogram(const Metric& metric) {
    if (metric.native && !stale_) {
      TimeSeries& series = out_.emplace_back();
      series.family = metadata_;
      series.labels = series_labels(family_.name, metric.labels, nullptr, target_);
      series.histograms.push_back({*metric.native, metric.sample_count, metric.sample_sum, metric.float_counts,
                                   family_.type == MetricType::gauge_histogram, timestamp_ms_, start_ms(metric)});
      for (const auto& e : metric.exemplars) series.exemplars.push_back(exemplar(e));
      return;
    }
    if (metric.native) {  // a stale native histogram is a stale float sample of its name
      add("", metric, nullptr, 0);
      return;
    }
    bool has_infinity = false;
    for (const auto& bucket : metric.buckets) {
      const Label le{"le", bound_text(bucket.upper_bound)};
      has_infinity = has_infinity || bucket.upper_bound == std::numeric_limits<double>::infinity();
      TimeSeries& series = add("_bucket", metric, &le, bucket.cumulative_count);
      if (bucket.exemplar && !stale_) series.exemplars.push_back(exemplar(*bucket.exemplar));
    }
    if (!has_infinity) {  // implied by the count, as in a text scrape
      const Label le{"le", "+Inf"};
      add("_bucket", metric, &le, metric.sample_count);
    }
    add("_sum", metric, nullptr, metric.sample_sum);
    add("_count", metric, nullptr, metric.sample_count);
  }

  Exemplar exemplar(const exposition::Exemplar& in) const {
    Exemplar out{in.labels, in.value, timestamp_ms_};
    if (in.timestamp) out.timestamp_ms = in.timestamp->seconds * 1000 + in.timestamp->nanos / 1'000'000;
    std::sort(out.labels.begin(), out.labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
    return out;
  }

  const Family& family_;
  const std::shared_ptr<const FamilyMetadata> metadata_;
  const Labels& target_;
  std::int64_t timestamp_ms_;
  bool stale_;
  std::vector<TimeSeries>& out_;
};

}  // namespace

void append_series(const Family& family, const Labels& target, std::int64_t timestamp_ms, std::vector<TimeSeries>& out) {
  Flattener(family, target, timestamp_ms, false, out).run();
}

void append_stale_series(const Family& family, const Labels& target, std::int64_t timestamp_ms,
                         std::vector<TimeSeries>& out) {
  Flattener(family, target, timestamp_ms, true, out).run();
}

}  // namespace flowgate::remote_write
