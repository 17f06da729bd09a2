#include "exposition/text_writer.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "exposition/name_escaping.hpp"
#include "exposition/number_format.hpp"

namespace flowgate::exposition {
namespace {

// Writes the lines of one series; the label pairs are rendered once per series
// and reused by each of a histogram's bucket lines.
class SeriesLines {
 public:
  SeriesLines(std::string_view name, std::string& pairs, std::string& out)
      : name_(name), quoted_(needs_escaping(name)), pairs_(pairs), out_(out) {}

  void start(const Metric& metric) {
    pairs_.clear();
    append_label_pairs(metric.labels, pairs_);
    timestamp_ = metric.timestamp_ms;
  }

  void line(std::string_view suffix, double value) {
    if (open_sample(name_, quoted_, suffix, pairs_, out_)) out_ += '}';
    finish(value);
  }

  void line_with(std::string_view suffix, std::string_view bound_label, double bound, double value) {
    out_ += open_sample(name_, quoted_, suffix, pairs_, out_) ? ',' : '{';
    out_ += bound_label;
    out_ += "=\"";
    append_double(bound, out_);
    out_ += "\"}";
    finish(value);
  }

 private:
  void finish(double value) {
    out_ += ' ';
    append_double(value, out_);
    if (timestamp_) {
      char buffer[24];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, *timestamp_);
      out_ += ' ';
      out_.append(buffer, result.ptr);
    }
    out_ += '\n';
  }

  std::string_view name_;
  bool quoted_;
  std::string& pairs_;
  std::string& out_;
  std::optional<std::int64_t> timestamp_;
};

}  // namespace

void append_escaped(std::string_view text, bool escape_quotes, std::string& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' && c != '\n' && (c != '"' || !escape_quotes)) continue;
    out.append(text.data() + start, i - start);
    out += '\\';
    out += c == '\n' ? 'n' : c;
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

void append_name(std::string_view name, std::string& out) {
  if (!needs_escaping(name)) {
    out += name;
    return;
  }
  out += '"';
  append_escaped(name, true, out);
  out += '"';
}

bool open_sample(std::string_view name, bool quoted, std::string_view suffix, std::string_view pairs,
                 std::string& out) {
  if (quoted) {
    out += "{\"";
    append_escaped(name, true, out);
    out += suffix;
    out += '"';
    if (!pairs.empty()) {
      out += ',';
      out += pairs;
    }
    return true;
  }
  out += name;
  out += suffix;
  if (pairs.empty()) return false;
  out += '{';
  out += pairs;
  return true;
}

void append_label_pairs(const Labels& labels, std::string& out) {
  bool first = true;
  for (const Label& label : labels) {
    if (!first) out += ',';
    first = false;
    append_name(label.name, out);
    out += "=\"";
    append_escaped(label.value, true, out);
    out += '"';
  }
}

void write_text_header(const FamilyHeader& header, std::string& out) {
  if (!header.help.empty()) {
    out += "# HELP ";
    append_name(header.name, out);
    out += ' ';
    append_escaped(header.help, false, out);
    out += '\n';
  }
  out += "# TYPE ";
  append_name(header.name, out);
  out += ' ';
  out += type_name(header.type);
  out += '\n';
}

void write_text_samples(const Family& family, std::string& out) {
  std::string pairs;
  SeriesLines lines(family.name, pairs, out);
  for (const Metric& metric : family.metrics) {
    lines.start(metric);
    switch (family.type) {
      case MetricType::counter:
      case MetricType::gauge:
      case MetricType::untyped:
      case MetricType::info:
      case MetricType::stateset:
        lines.line("", metric.value);
        break;
      case MetricType::summary:
        for (const Quantile& quantile : metric.quantiles) {
          lines.line_with("", "quantile", quantile.quantile, quantile.value);
        }
        lines.line("_sum", metric.sample_sum);
        lines.line("_count", metric.sample_count);
        break;
      case MetricType::histogram:
      case MetricType::gauge_histogram:
        for (const Bucket& bucket : metric.buckets) {
          lines.line_with("_bucket", "le", bucket.upper_bound, bucket.cumulative_count);
        }
        // As expfmt does: a +Inf bucket is implied by the count when absent.
        if (metric.buckets.empty() || !std::isinf(metric.buckets.back().upper_bound) ||
            metric.buckets.back().upper_bound < 0) {
          lines.line_with("_bucket", "le", std::numeric_limits<double>::infinity(), metric.sample_count);
        }
        lines.line("_sum", metric.sample_sum);
        lines.line("_count", metric.sample_count);
        break;
    }
  }
}

}  // namespace flowgate::exposition
