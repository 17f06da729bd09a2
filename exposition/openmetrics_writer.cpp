#include "exposition/openmetrics_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>

#include "exposition/name_escaping.hpp"
#include "exposition/number_format.hpp"
#include "exposition/text_writer.hpp"

namespace flowgate::exposition {
namespace {

constexpr double kTwoToThe64 = 18446744073709551616.0;

// The suffix every sample of a counter or info family carries; the family is
// named without it.
std::string_view sample_suffix(MetricType type) {
  if (type == MetricType::counter) return "_total";
  if (type == MetricType::info) return "_info";
  return {};
}

std::string_view family_name(std::string_view name, MetricType type) {
  const std::string_view suffix = sample_suffix(type);
  if (!suffix.empty() && name.ends_with(suffix)) name.remove_suffix(suffix.size());
  return name;
}

template <typename Integer>
void append_integer(Integer value, std::string& out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// As client_golang's OpenMetrics writer: Go's shortest form, with ".0" on
// integral values so that they read as floats.
void append_float(double value, std::string& out) {
  const std::size_t start = out.size();
  append_double(value, out);
  if (std::isnan(value) || std::isinf(value)) return;
  if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
}

void append_count(double value, bool float_counts, std::string& out) {
  if (!float_counts && value >= 0 && value < kTwoToThe64 && value == std::trunc(value)) {
    append_integer(static_cast<std::uint64_t>(value), out);
  } else {
    append_float(value, out);
  }
}

// Seconds with up to nine decimals, exactly (no binary rounding on the way).
void append_seconds(std::int64_t seconds, std::int64_t nanos, std::string& out) {
  // Give both parts one sign, so that -1.5 s prints as "-1.5".
  if (seconds > 0 && nanos < 0) {
    seconds -= 1;
    nanos += 1'000'000'000;
  } else if (seconds < 0 && nanos > 0) {
    seconds += 1;
    nanos -= 1'000'000'000;
  }
  if (seconds < 0 || nanos < 0) {
    out += '-';
    seconds = -seconds;
    nanos = -nanos;
  }
  append_integer(seconds, out);
  if (nanos == 0) return;
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  std::size_t length = 9;
  while (digits[length - 1] == '0') --length;
  out += '.';
  out.append(digits, length);
}

void append_timestamp_ms(std::int64_t milliseconds, std::string& out) {
  append_seconds(milliseconds / 1000, (milliseconds % 1000) * 1'000'000, out);
}

void append_exemplar(const Exemplar& exemplar, std::string& out) {
  out += " # {";
  append_label_pairs(exemplar.labels, out);
  out += "} ";
  append_float(exemplar.value, out);
  if (exemplar.timestamp) {
    out += ' ';
    append_seconds(exemplar.timestamp->seconds, exemplar.timestamp->nanos, out);
  }
}

class SeriesLines {
 public:
  SeriesLines(std::string_view name, std::string& pairs, std::string& out)
      : name_(name), quoted_(needs_escaping(name)), pairs_(pairs), out_(out) {}

  void start(const Metric& metric) {
    pairs_.clear();
    append_label_pairs(metric.labels, pairs_);
    metric_ = &metric;
  }

  // Writes `name<suffix>{labels[,bound_label="bound"]} ` and returns `out` for the value.
  std::string& begin(std::string_view suffix, std::string_view bound_label = {}, double bound = 0) {
    bool open = open_sample(name_, quoted_, suffix, pairs_, out_);
    if (!bound_label.empty()) {
      out_ += open ? ',' : '{';
      open = true;
      out_ += bound_label;
      out_ += "=\"";
      append_float(bound, out_);
      out_ += '"';
    }
    if (open) out_ += '}';
    out_ += ' ';
    return out_;
  }

  void end(const Exemplar* exemplar = nullptr) {
    if (metric_->timestamp_ms) {
      out_ += ' ';
      append_timestamp_ms(*metric_->timestamp_ms, out_);
    }
    if (exemplar != nullptr) append_exemplar(*exemplar, out_);
    out_ += '\n';
  }

  void created() {
    if (!metric_->created) return;
    append_seconds(metric_->created->seconds, metric_->created->nanos, begin("_created"));
    end();
  }

 private:
  std::string_view name_;
  bool quoted_;
  std::string& pairs_;
  std::string& out_;
  const Metric* metric_ = nullptr;
};

void write_histogram(const Metric& metric, bool gauge, SeriesLines& lines) {
  for (const Bucket& bucket : metric.buckets) {
    append_count(bucket.cumulative_count, metric.float_counts, lines.begin("_bucket", "le", bucket.upper_bound));
    lines.end(bucket.exemplar ? &*bucket.exemplar : nullptr);
  }
  if (metric.buckets.empty() || metric.buckets.back().upper_bound != std::numeric_limits<double>::infinity()) {
    append_count(metric.sample_count, metric.float_counts,
                 lines.begin("_bucket", "le", std::numeric_limits<double>::infinity()));
    lines.end();
  }
  append_count(metric.sample_count, metric.float_counts, lines.begin(gauge ? "_gcount" : "_count"));
  lines.end();
  append_float(metric.sample_sum, lines.begin(gauge ? "_gsum" : "_sum"));
  lines.end();
  if (!gauge) lines.created();
}

}  // namespace

std::string_view openmetrics_type_word(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::summary: return "summary";
    case MetricType::untyped: return "unknown";
    case MetricType::histogram: return "histogram";
    case MetricType::gauge_histogram: return "gaugehistogram";
    case MetricType::info: return "info";
    case MetricType::stateset: return "stateset";
  }
  return "unknown";
}

void write_openmetrics_header(const FamilyHeader& header, std::string& out) {
  const std::string_view name = family_name(header.name, header.type);
  if (!header.help.empty()) {
    out += "# HELP ";
    append_name(name, out);
    out += ' ';
    append_escaped(header.help, true, out);
    out += '\n';
  }
  out += "# TYPE ";
  append_name(name, out);
  out += ' ';
  out += openmetrics_type_word(header.type);
  out += '\n';
  // OpenMetrics requires the unit to be the name's suffix, and has none for
  // info and stateset; a unit that breaks this is left out rather than making
  // the whole body invalid.
  const bool unit_allowed = header.type != MetricType::info && header.type != MetricType::stateset;
  if (unit_allowed && !header.unit.empty() && name.size() > header.unit.size() && name.ends_with(header.unit) &&
      name[name.size() - header.unit.size() - 1] == '_') {
    out += "# UNIT ";
    append_name(name, out);
    out += ' ';
    out += header.unit;
    out += '\n';
  }
}

void write_openmetrics_samples(const Family& family, std::string& out) {
  std::string pairs;
  SeriesLines lines(family_name(family.name, family.type), pairs, out);
  for (const Metric& metric : family.metrics) {
    lines.start(metric);
    switch (family.type) {
      case MetricType::counter:
        append_float(metric.value, lines.begin("_total"));
        lines.end(metric.exemplars.empty() ? nullptr : &metric.exemplars.front());
        lines.created();
        break;
      case MetricType::gauge:
      case MetricType::untyped:
      case MetricType::info:
      case MetricType::stateset:
        append_float(metric.value, lines.begin(sample_suffix(family.type)));
        lines.end();
        break;
      case MetricType::summary:
        for (const Quantile& quantile : metric.quantiles) {
          append_float(quantile.value, lines.begin("", "quantile", quantile.quantile));
          lines.end();
        }
        append_float(metric.sample_sum, lines.begin("_sum"));
        lines.end();
        append_count(metric.sample_count, false, lines.begin("_count"));
        lines.end();
        lines.created();
        break;
      case MetricType::histogram:
      case MetricType::gauge_histogram:
        write_histogram(metric, family.type == MetricType::gauge_histogram, lines);
        break;
    }
  }
}

}  // namespace flowgate::exposition
