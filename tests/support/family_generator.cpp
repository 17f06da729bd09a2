#include "tests/support/family_generator.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "tests/support/random.hpp"

namespace flowgate::test_support {
namespace {

using namespace exposition;

constexpr std::array<std::string_view, 10> kLabelNames = {"job",   "instance", "path", "method",    "code",
                                                          "flow",  "state",    "zone", "work_pool", "deployment"};
constexpr std::array<std::string_view, 8> kPlainValues = {
    "", "api", "10.0.3.17:9100", "/metrics/job/x", "GET", "Completed", "eu-west-1", "nightly-etl"};
constexpr std::array<std::string_view, 8> kTrickyValues = {
    "C:\\temp\\", "say \"hi\"", "line one\nline two", "gr\xC3\xBC\xC3\x9F" "e", "\xE6\x97\xA5\xE6\x9C\xAC",
    "\xF0\x9F\x9A\x80 launch", "\\n is not a newline", "tab\there"};
constexpr std::array<std::string_view, 8> kWords = {"requests", "tasks", "flows", "payload", "queue_depth",
                                                     "retries",  "runs",  "slots"};
constexpr std::array<std::string_view, 6> kHelpTexts = {
    "Number of things seen.", "A \"quoted\" help text.", "Back\\slash and\nnew line.",
    "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln.", "Trailing blanks  ", "Plain help"};

class Generator {
 public:
  Generator(std::uint64_t seed, const GeneratorOptions& options) : random_(seed), options_(options) {}

  Family family(std::size_t index) {
    Family family;
    family.type = pick_type();
    family.name = name(index, family.type, family.unit);
    if (options_.lint_clean || random_.chance(80)) family.help = help();
    const std::size_t series = 1 + random_.below(options_.max_series_per_family);
    family.metrics.reserve(series);
    for (std::size_t i = 0; i < series; ++i) family.metrics.push_back(metric(family.type, i, series));
    if (family.type == MetricType::stateset) {
      // Each series is one state, named by the label the family is named after.
      for (std::size_t i = 0; i < series; ++i) family.metrics[i].labels.push_back({family.name, "state_" + std::to_string(i)});
    }
    return family;
  }

 private:
  MetricType pick_type() {
    static constexpr std::array<MetricType, 8> kTypes = {
        MetricType::counter,   MetricType::gauge,           MetricType::untyped, MetricType::summary,
        MetricType::histogram, MetricType::gauge_histogram, MetricType::info,    MetricType::stateset};
    if (options_.info_and_stateset && random_.chance(25)) return kTypes[6 + random_.below(2)];
    const MetricType type = kTypes[random_.below(options_.gauge_histograms ? 6 : 5)];
    return type;
  }

  std::string name(std::size_t index, MetricType type, std::string& unit) {
    std::string name = "fg_";
    name += random_.pick(kWords);
    name += '_';
    name += std::to_string(index);
    const bool unit_allowed = type != MetricType::info && type != MetricType::stateset;
    if (unit_allowed && options_.units && random_.chance(50)) {
      unit = random_.chance(50) ? "seconds" : "bytes";
      name += '_';
      name += unit;
    }
    if (type == MetricType::counter && (options_.lint_clean || options_.openmetrics_valid || random_.chance(70))) {
      name += "_total";
    }
    if (type == MetricType::info) name += "_info";
    return name;
  }

  std::string help() {
    if (!options_.escapes_and_utf8) return "Help for a generated family.";
    return std::string(random_.pick(kHelpTexts));
  }

  std::string label_value() {
    if (options_.escapes_and_utf8 && random_.chance(30)) return std::string(random_.pick(kTrickyValues));
    return std::string(random_.pick(kPlainValues));
  }

  Labels labels(std::size_t series, std::size_t series_count) {
    Labels labels;
    std::array<std::string_view, kLabelNames.size()> names = kLabelNames;
    const std::size_t count = random_.below(4);
    for (std::size_t i = 0; i < count; ++i) {
      std::swap(names[i], names[i + random_.below(names.size() - i)]);
      labels.push_back(Label{std::string(names[i]), label_value()});
    }
    // A distinct label keeps the series of one family apart.
    if (series_count > 1) labels.push_back(Label{"series", std::to_string(series)});
    return labels;
  }

  double value(bool non_negative) {
    double v = 0;
    switch (random_.below(10)) {
      case 0: v = static_cast<double>(random_.below(1000)); break;
      case 1: v = static_cast<double>(random_.below(1'000'000'000'000ull)); break;
      case 2: v = random_.unit() * 1000; break;
      case 3: v = random_.unit() * 1e-7; break;
      case 4: v = random_.unit() * 1e300; break;
      case 5: v = std::round(random_.unit() * 1e6) / 1000; break;
      case 6:
        if (options_.special_values) return special(non_negative);
        v = 1;
        break;
      default: v = static_cast<double>(random_.below(100)); break;
    }
    if (!non_negative && random_.chance(30)) v = -v;
    return v;
  }

  double special(bool non_negative) {
    switch (random_.below(4)) {
      case 0:
        if (!non_negative || !options_.openmetrics_valid) return std::numeric_limits<double>::quiet_NaN();
        return 0;
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return non_negative ? 0.0 : -std::numeric_limits<double>::infinity();
      default: return non_negative ? 0.0 : -0.0;
    }
  }

  std::optional<Timestamp> timestamp() {
    if (!random_.chance(50)) return std::nullopt;
    return Timestamp{1'600'000'000 + static_cast<std::int64_t>(random_.below(100'000'000)),
                     static_cast<std::int32_t>(random_.below(1'000'000'000))};
  }

  Exemplar exemplar(double value) {
    Exemplar exemplar;
    exemplar.labels.push_back(Label{"trace_id", std::to_string(random_.next() % 0xFFFFFFFFFFull)});
    exemplar.value = value;
    exemplar.timestamp = timestamp();
    return exemplar;
  }

  Metric metric(MetricType type, std::size_t series, std::size_t series_count) {
    Metric metric;
    metric.labels = labels(series, series_count);
    if (options_.timestamps && random_.chance(30)) {
      // Python's OpenMetrics parser misreads negative fractional seconds.
      const std::int64_t earliest = options_.openmetrics_valid ? 0 : -1'000'000'000'000;
      metric.timestamp_ms = static_cast<std::int64_t>(random_.below(4'000'000'000'000ull)) + earliest;
    }
    const bool om = options_.openmetrics_valid;
    switch (type) {
      case MetricType::counter:
        metric.value = value(om);
        if (options_.exemplars && random_.chance(50)) metric.exemplars.push_back(exemplar(value(true)));
        break;
      case MetricType::gauge:
      case MetricType::untyped: metric.value = value(false); break;
      case MetricType::info: metric.value = 1; break;
      case MetricType::stateset: metric.value = random_.chance(50) ? 1 : 0; break;
      case MetricType::summary: summary(metric); break;
      case MetricType::histogram:
      case MetricType::gauge_histogram: histogram(metric, type == MetricType::gauge_histogram); break;
    }
    const bool has_created = type == MetricType::counter || type == MetricType::summary || type == MetricType::histogram;
    if (options_.created && has_created && random_.chance(60)) {
      metric.created = Timestamp{1'600'000'000 + static_cast<std::int64_t>(random_.below(100'000'000)),
                                 static_cast<std::int32_t>(random_.below(1'000'000'000))};
    }
    return metric;
  }

  void summary(Metric& metric) {
    const bool om = options_.openmetrics_valid;
    double quantile = 0;
    const std::size_t count = random_.below(5);
    for (std::size_t i = 0; i < count; ++i) {
      quantile += om ? random_.unit() * 0.2 + 0.01 : random_.unit() * 0.5 + 0.001;
      if (om && quantile > 1) break;
      metric.quantiles.push_back(Quantile{quantile, value(om)});
    }
    metric.sample_count = static_cast<double>(random_.below(1'000'000));
    metric.sample_sum = value(om);
  }

  void histogram(Metric& metric, bool gauge) {
    const bool om = options_.openmetrics_valid;
    double bound = om ? random_.unit() * 0.1 : (random_.chance(30) ? -random_.unit() * 10 : random_.unit() * 0.1);
    double count = 0;
    const std::size_t finite = random_.below(6);
    for (std::size_t i = 0; i < finite; ++i) {
      count += static_cast<double>(random_.below(100));
      Bucket bucket{bound, count, std::nullopt};
      if (options_.exemplars && random_.chance(30)) bucket.exemplar = exemplar(bound - random_.unit());
      metric.buckets.push_back(std::move(bucket));
      bound += random_.unit() * 10 + 0.001;
    }
    count += static_cast<double>(random_.below(10));
    if (options_.float_counts && !om && random_.chance(20)) {
      // A float histogram: one non-integral count is what makes the text
      // parser choose float counts again.
      count += 0.5;
      metric.float_counts = true;
    }
    metric.buckets.push_back(Bucket{std::numeric_limits<double>::infinity(), count, std::nullopt});
    metric.sample_count = count;
    metric.sample_sum = value(om || gauge);
    if (options_.native_histograms && !gauge && random_.chance(50)) {
      metric.native = native(metric.float_counts);
      if (!metric.float_counts) match_count(metric);
    }
  }

  // Prometheus' rule for integer native histograms: the count is the zero
  // bucket plus every bucket. The zero bucket takes up what is missing, or
  // the count (and the classic +Inf bucket with it) grows.
  static void match_count(Metric& metric) {
    NativeHistogram& native = *metric.native;
    double observed = native.zero_count;
    for (const auto* deltas : {&native.negative_deltas, &native.positive_deltas}) {
      std::int64_t running = 0;
      for (const std::int64_t delta : *deltas) observed += static_cast<double>(running += delta);
    }
    if (observed <= metric.sample_count) {
      native.zero_count += metric.sample_count - observed;
    } else {
      metric.sample_count = observed;
      metric.buckets.back().cumulative_count = observed;
    }
  }

  NativeHistogram native(bool float_counts) {
    NativeHistogram native;
    native.schema = static_cast<std::int32_t>(random_.below(13)) - 4;
    native.zero_threshold = random_.chance(50) ? 0 : 1e-128;
    native.zero_count = static_cast<double>(random_.below(20)) + (float_counts ? 0.25 : 0);
    auto side = [&](std::vector<BucketSpan>& spans, std::vector<std::int64_t>& deltas, std::vector<double>& counts) {
      const std::size_t span_count = random_.below(3);
      std::int64_t previous = 0;
      for (std::size_t i = 0; i < span_count; ++i) {
        const auto length = static_cast<std::uint32_t>(1 + random_.below(3));
        // Only the first span of a side may step back.
        const auto offset = static_cast<std::int32_t>(random_.below(i == 0 ? 7 : 4)) - (i == 0 ? 3 : 0);
        spans.push_back(BucketSpan{offset, length});
        for (std::uint32_t j = 0; j < length; ++j) {
          const auto next = static_cast<std::int64_t>(random_.below(50));
          if (float_counts) {
            counts.push_back(static_cast<double>(next) + 0.5);
          } else {
            deltas.push_back(next - previous);  // deltas chain across spans
          }
          previous = next;
        }
      }
    };
    side(native.positive_spans, native.positive_deltas, native.positive_counts);
    side(native.negative_spans, native.negative_deltas, native.negative_counts);
    return native;
  }

  Random random_;
  GeneratorOptions options_;
};

}  // namespace

exposition::Families generate_families(std::uint64_t seed, std::size_t count, const GeneratorOptions& options) {
  Generator generator(seed, options);
  exposition::Families families;
  families.reserve(count);
  for (std::size_t i = 0; i < count; ++i) families.push_back(generator.family(i));
  return families;
}

}  // namespace flowgate::test_support
