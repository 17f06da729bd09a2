#include "exposition/protobuf_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "exposition/names.hpp"
#include "exposition/number_format.hpp"
#include "exposition/protobuf_wire.hpp"
#include "exposition/native_histogram_check.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition {
namespace {

// ---------------------------------------------------------------------------
// Media type, as Go's mime.ParseMediaType reads it and the Pushgateway then
// compares it: type and parameter names case-insensitive, values exact.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool is_tspecial(char c) { return std::string_view(R"(()<>@,;:\"/[]?=)").find(c) != std::string_view::npos; }

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  const auto token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// A token or a quoted string; nullopt when neither is there.
std::optional<std::string> take_value(std::string_view& s) {
  if (s.empty() || s.front() != '"') {
    auto token = take_token(s);
    if (token.empty()) return std::nullopt;
    return std::string(token);
  }
  std::string value;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return value;
    }
    if (c == '\\' && i + 1 < s.size() && is_tspecial(s[i + 1])) {
      value += s[++i];
    } else if (c == '\r' || c == '\n') {
      return std::nullopt;
    } else {
      value += c;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Wire format: exposition/protobuf_wire.hpp.

using Wire = wire::WireType;
using wire::as_double;
using wire::Field;
using wire::Span;
using wire::zigzag32;
using wire::zigzag64;

// Counts past 2^53 round; this is the model's documented limit.
double count_to_double(std::uint64_t count) { return static_cast<double>(count); }

// The first bound that appears twice among `items` (NaN never equals
// itself, and the text parser drops NaN bounds anyway). Items usually come
// sorted; otherwise a sorted copy keeps the check n log n.
template <typename Item, typename Bound>
std::optional<double> repeated_bound(const std::vector<Item>& items, Bound bound) {
  const auto same = [&](const Item& a, const Item& b) { return bound(a) == bound(b); };
  const auto before = [&](const Item& a, const Item& b) { return bound(a) < bound(b); };
  if (std::is_sorted(items.begin(), items.end(), before)) {
    const auto it = std::adjacent_find(items.begin(), items.end(), same);
    return it == items.end() ? std::nullopt : std::optional<double>(bound(*it));
  }
  std::vector<double> bounds;
  bounds.reserve(items.size());
  for (const Item& item : items) bounds.push_back(bound(item));
  std::sort(bounds.begin(), bounds.end());  // NaN stays where it is, unequal to its neighbours
  const auto it = std::adjacent_find(bounds.begin(), bounds.end());
  return it == bounds.end() ? std::nullopt : std::optional<double>(*it);
}

MetricType to_metric_type(std::uint64_t value) {
  switch (value) {
    case 0: return MetricType::counter;
    case 1: return MetricType::gauge;
    case 2: return MetricType::summary;
    case 3: return MetricType::untyped;
    case 4: return MetricType::histogram;
    default: return MetricType::gauge_histogram;
  }
}

class Decoder {
 public:
  Decoder(std::string_view body, const ParseBounds& bounds) : body_(body), reader_(body), bounds_(bounds) {}

  boost::system::result<Families, ParseError> run() {
    Families families;
    std::unordered_map<std::string, std::size_t> index_by_name;
    std::size_t pos = 0;
    while (pos < body_.size()) {
      ++family_;
      Span prefix{pos, body_.size()};
      std::uint64_t length = 0;
      if (!read_varint(prefix, length, "the length of family", nullptr)) return *error_;
      const std::size_t remaining = body_.size() - prefix.pos;
      if (length > remaining) {
        fail(prefix.pos, "truncated-message",
             "the body ends in the middle of family " + std::to_string(family_) + ": " +
                 std::to_string(length - remaining) + " more bytes were announced than sent");
        return *error_;
      }
      Span message{prefix.pos, prefix.pos + static_cast<std::size_t>(length)};
      Family family;
      if (!decode_family(message, family)) return *error_;
      pos = message.end;
      auto [it, inserted] = index_by_name.try_emplace(family.name, families.size());
      if (inserted) {
        families.push_back(std::move(family));
      } else {
        families[it->second] = std::move(family);
      }
    }
    return families;
  }

 private:
  // Rules are spelled "protobuf-..." so ParseError::describe() says "family N, byte M".
  bool fail(std::size_t offset, std::string_view rule, std::string message) {
    error_.emplace(family_, offset + 1, "protobuf-" + std::string(rule), std::move(message));
    return false;
  }

  // A failed read of the wire reader becomes this parser's error.
  bool wire_failed() {
    const auto& problem = *reader_.problem();
    return fail(problem.offset, problem.rule, problem.message);
  }

  // `what` names the varint for a sentence, with `of` the message it is in;
  // without one, the family being read ("the length of family 3").
  bool read_varint(Span& span, std::uint64_t& value, const char* what, const char* of) {
    const bool ok = of != nullptr ? reader_.read_varint(span, value, what, of)
                                  : reader_.read_varint(span, value, std::string(what) + " " + std::to_string(family_));
    return ok || wire_failed();
  }

  bool read_fixed(Span& span, std::size_t size, std::uint64_t& value, const char* message) {
    return reader_.read_fixed(span, size, value, message) || wire_failed();
  }

  // Reads the next field of `message` (a message name for error sentences).
  bool next_field(Span& span, Field& field, const char* message) {
    return reader_.next_field(span, field, message) || wire_failed();
  }

  bool read_string(const Field& field, std::string& out, const char* what) {
    const auto text = body_.substr(field.begin, field.end - field.begin);
    if (!is_valid_utf8(text)) return fail(field.begin, "invalid-utf8", std::string(what) + " is not valid UTF-8");
    out.assign(text);
    return true;
  }

  template <typename Decode>
  bool read_message(const Field& field, Decode&& decode) {
    Span inner{field.begin, field.end};
    return decode(inner);
  }

  // A repeated scalar, packed (one len field) or not (one field per value);
  // `wire` is the element encoding.
  template <typename Convert, typename T>
  bool read_repeated(const Field& field, Wire wire, std::vector<T>& out, Convert convert, const char* message) {
    if (field.wire == wire) {
      out.push_back(convert(field.bits));
      return true;
    }
    if (field.wire != Wire::len) return true;  // a mismatched wire type is an unknown field
    Span packed{field.begin, field.end};
    while (!packed.done()) {
      std::uint64_t bits = 0;
      const bool ok = wire == Wire::varint ? read_varint(packed, bits, "a packed value", message)
                                           : read_fixed(packed, 8, bits, message);
      if (!ok) return false;
      out.push_back(convert(bits));
    }
    return true;
  }

  // Two passes over the family: fields come in any order, and a series can
  // only be read into the model once the family's type is known.
  bool decode_family(Span& span, Family& family) {
    std::size_t series = 0;
    if (!decode_family_header(span, family, series)) return false;
    family.metrics.reserve(series);  // each series took at least two bytes of the input
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "MetricFamily")) return false;
      if (f.number == 4 && f.wire == Wire::len && !decode_series(f, family)) return false;
    }
    return true;
  }

  // The first pass: name, HELP, type and unit, checked, and how many series follow.
  bool decode_family_header(Span span, Family& family, std::size_t& series) {
    const std::size_t start = span.pos;
    bool has_name = false;
    std::uint64_t type = 0;
    std::size_t type_offset = start;
    std::size_t name_offset = start;
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "MetricFamily")) return false;
      if (f.number == 3 && f.wire == Wire::varint) {
        type = f.bits;
        type_offset = f.offset;
      }
      if (f.wire != Wire::len) continue;
      bool ok = true;
      switch (f.number) {
        case 1:
          ok = read_string(f, family.name, "the family name");
          has_name = true;
          name_offset = f.begin;
          break;
        case 2: ok = read_string(f, family.help, "the HELP text"); break;
        case 4: ++series; break;
        case 5: ok = read_string(f, family.unit, "the unit"); break;
        default: break;
      }
      if (!ok) return false;
    }
    if (!has_name || family.name.empty()) {
      return fail(start, "family-name-missing", "family " + std::to_string(family_) + " has no name");
    }
    if (!is_metric_name(family.name, bounds_.names)) {
      return fail(name_offset, "metric-name",
                  "the family name " + quoted_for_message(family.name) + " is not a valid metric name; " +
                      metric_name_rule(bounds_.names));
    }
    family_name_ = &family.name;
    if (type > 5) {
      return fail(type_offset, "unknown-metric-type",
                  "family \"" + family.name + "\" has type " + std::to_string(type) + ", which is not a metric type");
    }
    family.type = to_metric_type(type);
    return true;
  }

  // One Metric field `f` of the family, read, bounded and checked.
  bool decode_series(const Field& f, Family& family) {
    if (bounds_.max_series != 0 && ++series_count_ > bounds_.max_series) {
      return fail(f.offset, kTooManySeriesRule,
                  "the body has more than " + std::to_string(bounds_.max_series) + " series, the most one push may have");
    }
    bool has_value = false;
    auto& metric = family.metrics.emplace_back();
    if (!read_message(f, [&](Span& s) { return decode_metric(s, family.type, metric, has_value); })) return false;
    if (!has_value) {
      return fail(f.offset, "metric-type-mismatch",
                  "series " + std::to_string(family.metrics.size()) + " of " + std::string(type_name(family.type)) +
                      " family \"" + family.name + "\" carries no " + std::string(type_name(family.type)) + " value");
    }
    if (!check_bounds(f.offset, family, metric) || !check_classic_counts(f.offset, family, metric)) return false;
    if (auto violation = check_native_histogram(metric)) {
      return fail(f.offset, violation->rule,
                  "series " + std::to_string(family.metrics.size()) + " of histogram family \"" + family.name +
                      "\": " + violation->sentence);
    }
    return true;
  }

  // A bucket or quantile given twice would be two samples of one series in
  // the text scrape (which the text parser, like Prometheus, refuses).
  bool check_bounds(std::size_t offset, const Family& family, const Metric& metric) {
    const bool summary = family.type == MetricType::summary;
    const auto repeated = summary ? repeated_bound(metric.quantiles, [](const Quantile& q) { return q.quantile; })
                                  : repeated_bound(metric.buckets, [](const Bucket& b) { return b.upper_bound; });
    if (!repeated) return true;
    std::string bound;
    append_double(*repeated, bound);
    const std::string item = summary ? "quantile" : "bucket";
    return fail(offset, "duplicate-" + item,
                "series " + std::to_string(family.metrics.size()) + " of " + std::string(type_name(family.type)) +
                    " family \"" + family.name + "\" has two " + item + "s for " + (summary ? "quantile" : "le") +
                    "=\"" + bound + "\"; each " + item + " may appear once per series");
  }

  // Float counts (the *_float fields) can be negative on the wire; the text
  // parser refuses what they would be written as.
  bool check_classic_counts(std::size_t offset, const Family& family, const Metric& metric) {
    if (family.type != MetricType::histogram && family.type != MetricType::gauge_histogram) return true;
    double negative = metric.sample_count;
    for (const Bucket& bucket : metric.buckets) {
      if (bucket.cumulative_count < 0) negative = bucket.cumulative_count;
    }
    if (!(negative < 0)) return true;
    std::string count;
    append_double(negative, count);
    return fail(offset, "negative-count",
                "series " + std::to_string(family.metrics.size()) + " of histogram family \"" + family.name +
                    "\" has the negative count \"" + count + "\"; bucket populations and counts cannot be negative");
  }

  // Reads one series of a family of `type`. Sub-messages of other types are
  // checked for well-formedness, as protobuf would, and then dropped;
  // `has_value` says whether the part `type` names was there. A singular
  // sub-message that appears twice is merged, as protobuf does.
  bool decode_metric(Span& span, MetricType type, Metric& metric, bool& has_value) {
    const bool histogram = type == MetricType::histogram || type == MetricType::gauge_histogram;
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Metric")) return false;
      if (f.number == 6 && f.wire == Wire::varint) metric.timestamp_ms = static_cast<std::int64_t>(f.bits);
      if (f.wire != Wire::len || f.number > 7) continue;
      // The part for this family's type goes into `metric`; others into a scratch series.
      const bool ours = (f.number == 2 && type == MetricType::gauge) || (f.number == 3 && type == MetricType::counter) ||
                        (f.number == 4 && type == MetricType::summary) ||
                        (f.number == 5 && type == MetricType::untyped) || (f.number == 7 && histogram);
      Metric& target = ours ? metric : scratch_;
      has_value = has_value || ours;
      bool ok = true;
      switch (f.number) {
        case 1:
          if (bounds_.max_labels_per_series != 0 && metric.labels.size() == bounds_.max_labels_per_series) {
            return fail(f.offset, kTooManyLabelsRule,
                        "a series of family " + quoted_for_message(*family_name_) + " has more than " +
                            std::to_string(bounds_.max_labels_per_series) + " labels, the most one series may have");
          }
          ok = read_message(f, [&](Span& s) { return decode_label(s, metric.labels.emplace_back(), LabelOf::series); });
          break;
        case 2: ok = read_message(f, [&](Span& s) { return decode_single_value(s, target.value, "Gauge"); }); break;
        case 3: ok = read_message(f, [&](Span& s) { return decode_counter(s, target); }); break;
        case 4: ok = read_message(f, [&](Span& s) { return decode_summary(s, target); }); break;
        case 5: ok = read_message(f, [&](Span& s) { return decode_single_value(s, target.value, "Untyped"); }); break;
        case 7: ok = read_message(f, [&](Span& s) { return decode_histogram(s, target); }); break;
        default: break;
      }
      if (!ok) return false;
      if (!ours) scratch_ = Metric{};
    }
    return true;
  }

  // The name rules are the text parser's: a series label may not be __name__.
  enum class LabelOf : std::uint8_t { series, exemplar };
  bool decode_label(Span& span, Label& label, LabelOf owner) {
    const std::size_t start = span.pos;
    std::size_t name_offset = start;
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "LabelPair")) return false;
      if (f.wire != Wire::len) continue;
      if (f.number == 1) name_offset = f.begin;
      if (f.number == 1 && !read_string(f, label.name, "a label name")) return false;
      if (f.number == 2 && !read_string(f, label.value, "a label value")) return false;
    }
    if (!is_label_name(label.name, bounds_.names)) {
      const char* what = owner == LabelOf::series ? "invalid label name " : "invalid exemplar label name ";
      return fail(name_offset, "label-name",
                  what + quoted_for_message(label.name) + " for metric " + quoted_for_message(*family_name_) + "; " +
                      label_name_rule(bounds_.names));
    }
    if (owner == LabelOf::series && label.name == kMetricNameLabel) {
      return fail(name_offset, "label-reserved",
                  "label name \"__name__\" of metric " + quoted_for_message(*family_name_) +
                      " is reserved; the metric name is the family's name");
    }
    return true;
  }

  // Gauge and Untyped: a message whose only field is `double value = 1`.
  bool decode_single_value(Span& span, double& value, const char* message) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, message)) return false;
      if (f.number == 1 && f.wire == Wire::fixed64) value = as_double(f.bits);
    }
    return true;
  }

  bool decode_counter(Span& span, Metric& metric) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Counter")) return false;
      bool ok = true;
      if (f.number == 1 && f.wire == Wire::fixed64) {
        metric.value = as_double(f.bits);
      } else if (f.number == 2 && f.wire == Wire::len) {
        if (metric.exemplars.empty()) metric.exemplars.emplace_back();
        ok = read_message(f, [&](Span& s) { return decode_exemplar(s, metric.exemplars.front()); });
      } else if (f.number == 3 && f.wire == Wire::len) {
        ok = read_created(f, metric);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool read_created(const Field& f, Metric& metric) {
    if (!metric.created) metric.created.emplace();
    return read_message(f, [&](Span& s) { return decode_timestamp(s, *metric.created); });
  }

  bool decode_summary(Span& span, Metric& metric) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Summary")) return false;
      bool ok = true;
      if (f.number == 1 && f.wire == Wire::varint) {
        metric.sample_count = count_to_double(f.bits);
      } else if (f.number == 2 && f.wire == Wire::fixed64) {
        metric.sample_sum = as_double(f.bits);
      } else if (f.number == 3 && f.wire == Wire::len) {
        ok = read_message(f, [&](Span& s) { return decode_quantile(s, metric.quantiles.emplace_back()); });
      } else if (f.number == 4 && f.wire == Wire::len) {
        ok = read_created(f, metric);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool decode_quantile(Span& span, Quantile& quantile) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Quantile")) return false;
      if (f.wire != Wire::fixed64) continue;
      if (f.number == 1) quantile.quantile = as_double(f.bits);
      if (f.number == 2) quantile.value = as_double(f.bits);
    }
    return true;
  }

  bool decode_histogram(Span& span, Metric& metric) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Histogram")) return false;
      const bool native = f.number >= 5 && f.number <= 14;
      if (!(native ? decode_native_histogram_field(f, metric) : decode_classic_histogram_field(f, metric))) {
        return false;
      }
    }
    return true;
  }

  // Histogram fields 1-4, 15 and 16: count, sum, buckets, created, exemplars.
  bool decode_classic_histogram_field(const Field& f, Metric& metric) {
    const bool fixed64 = f.wire == Wire::fixed64;
    const bool len = f.wire == Wire::len;
    switch (f.number) {
      case 1:
        if (f.wire == Wire::varint) metric.sample_count = count_to_double(f.bits);
        return true;
      case 4:
        if (fixed64) {
          metric.sample_count = as_double(f.bits);
          metric.float_counts = true;
        }
        return true;
      case 2:
        if (fixed64) metric.sample_sum = as_double(f.bits);
        return true;
      case 3:
        return !len || read_message(f, [&](Span& s) { return decode_bucket(s, metric.buckets.emplace_back(), metric); });
      case 15: return !len || read_created(f, metric);
      case 16:
        return !len || read_message(f, [&](Span& s) { return decode_exemplar(s, metric.exemplars.emplace_back()); });
      default: return true;
    }
  }

  // Histogram fields 5-14: the native histogram's schema, zero bucket, spans
  // and buckets. A field of another wire type is unknown and makes no native part.
  bool decode_native_histogram_field(const Field& f, Metric& metric) {
    const auto native = [&metric]() -> NativeHistogram& {
      return metric.native ? *metric.native : metric.native.emplace();
    };
    const bool varint = f.wire == Wire::varint;
    const bool fixed64 = f.wire == Wire::fixed64;
    const bool len = f.wire == Wire::len;
    switch (f.number) {
      case 5:
        if (varint) native().schema = zigzag32(f.bits);
        return true;
      case 6:
        if (fixed64) native().zero_threshold = as_double(f.bits);
        return true;
      case 7:
        if (varint) native().zero_count = count_to_double(f.bits);
        return true;
      case 8:
        if (fixed64) {
          native().zero_count = as_double(f.bits);
          metric.float_counts = true;
        }
        return true;
      case 9:
      case 12: {
        if (!len) return true;
        auto& spans = f.number == 9 ? native().negative_spans : native().positive_spans;
        return read_message(f, [&](Span& s) { return decode_span(s, spans.emplace_back()); });
      }
      case 10:
      case 13: {
        if (!varint && !len) return true;
        auto& deltas = f.number == 10 ? native().negative_deltas : native().positive_deltas;
        return read_repeated(f, Wire::varint, deltas, zigzag64, "Histogram");
      }
      default: {  // 11 and 14
        if (!fixed64 && !len) return true;
        auto& counts = f.number == 11 ? native().negative_counts : native().positive_counts;
        return read_repeated(f, Wire::fixed64, counts, as_double, "Histogram");
      }
    }
  }

  bool decode_bucket(Span& span, Bucket& bucket, Metric& metric) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Bucket")) return false;
      bool ok = true;
      if (f.number == 1 && f.wire == Wire::varint) {
        bucket.cumulative_count = count_to_double(f.bits);
      } else if (f.number == 4 && f.wire == Wire::fixed64) {
        bucket.cumulative_count = as_double(f.bits);
        metric.float_counts = true;
      } else if (f.number == 2 && f.wire == Wire::fixed64) {
        bucket.upper_bound = as_double(f.bits);
      } else if (f.number == 3 && f.wire == Wire::len) {
        if (!bucket.exemplar) bucket.exemplar.emplace();
        ok = read_message(f, [&](Span& s) { return decode_exemplar(s, *bucket.exemplar); });
      }
      if (!ok) return false;
    }
    return true;
  }

  bool decode_span(Span& span, BucketSpan& bucket_span) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "BucketSpan")) return false;
      if (f.wire != Wire::varint) continue;
      if (f.number == 1) bucket_span.offset = zigzag32(f.bits);
      if (f.number == 2) bucket_span.length = static_cast<std::uint32_t>(f.bits);
    }
    return true;
  }

  bool decode_exemplar(Span& span, Exemplar& exemplar) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Exemplar")) return false;
      bool ok = true;
      if (f.number == 1 && f.wire == Wire::len) {
        ok = read_message(f, [&](Span& s) { return decode_label(s, exemplar.labels.emplace_back(), LabelOf::exemplar); });
      } else if (f.number == 2 && f.wire == Wire::fixed64) {
        exemplar.value = as_double(f.bits);
      } else if (f.number == 3 && f.wire == Wire::len) {
        if (!exemplar.timestamp) exemplar.timestamp.emplace();
        ok = read_message(f, [&](Span& s) { return decode_timestamp(s, *exemplar.timestamp); });
      }
      if (!ok) return false;
    }
    return true;
  }

  bool decode_timestamp(Span& span, Timestamp& timestamp) {
    Field f;
    while (!span.done()) {
      if (!next_field(span, f, "Timestamp")) return false;
      if (f.wire != Wire::varint) continue;
      if (f.number == 1) timestamp.seconds = static_cast<std::int64_t>(f.bits);
      if (f.number == 2) timestamp.nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(f.bits));
    }
    return true;
  }

  std::string_view body_;
  wire::Reader reader_;
  ParseBounds bounds_;
  std::size_t series_count_ = 0;
  std::size_t family_ = 0;  // 1-based index of the family being read
  std::optional<ParseError> error_;
  Metric scratch_;  // where sub-messages for another type than the family's are checked
  const std::string* family_name_ = nullptr;  // of the family whose series are being read
};

}  // namespace

bool is_protobuf_delimited(std::string_view content_type) {
  auto rest = content_type;
  const auto semicolon = rest.find(';');
  const auto media_type = trim(rest.substr(0, semicolon));
  if (!equals_ignoring_case(media_type, "application/vnd.google.protobuf")) return false;
  rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon);

  std::optional<std::string> proto;
  std::optional<std::string> encoding;
  std::vector<std::string> names;  // Go's parser rejects a repeated parameter name
  while (true) {
    rest = trim_left(rest);
    if (rest.empty()) break;
    if (rest.front() != ';') return false;
    rest = trim_left(rest.substr(1));
    if (rest.empty()) break;  // a trailing semicolon is allowed
    const auto name = take_token(rest);
    if (name.empty()) return false;
    rest = trim_left(rest);
    if (rest.empty() || rest.front() != '=') return false;
    rest = trim_left(rest.substr(1));
    auto value = take_value(rest);
    if (!value) return false;
    std::string lowered(name);
    for (auto& c : lowered) c = lower(c);
    for (const auto& seen : names) {
      if (seen == lowered) return false;
    }
    if (lowered == "proto") proto = *value;
    if (lowered == "encoding") encoding = *value;
    names.push_back(std::move(lowered));
  }
  return proto == "io.prometheus.client.MetricFamily" && encoding == "delimited";
}

boost::system::result<Families, ParseError> parse_protobuf(std::string_view body, const ParseBounds& bounds) {
  return Decoder(body, bounds).run();
}

}  // namespace flowgate::exposition
