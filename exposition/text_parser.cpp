#include "exposition/text_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <type_traits>
#include <string>
#include <unordered_map>
#include <vector>

#include "exposition/names.hpp"
#include "exposition/number_format.hpp"
#include "exposition/text_scan.hpp"
#include "exposition/utf8.hpp"

// One pass over the body, line by line, with the state machine of
// prometheus/common's expfmt.TextParser flattened into functions. Tokens stay
// string_views into the body; labels are kept raw (still escaped) until a new
// series needs them as strings, so a histogram's bucket lines cost no
// allocation once their series exists.

namespace flowgate::exposition {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string quoted(std::string_view text) { return quoted_for_message(text); }

std::string found(std::string_view line, std::size_t pos) {
  if (pos >= line.size()) return "the end of the line";
  return quoted(line.substr(pos, 1));
}

using text_scan::kPairwiseLabels;
using text_scan::NameHash;
using text_scan::RawLabel;
using text_scan::unescape_label_value;

// What a sample line contributes to its series.
enum class Role : std::uint8_t { value, sum, count };

struct Resolution {
  std::uint32_t family = 0;
  Role role = Role::value;
};

struct FamilyState {
  bool typed = false;      // a TYPE line or a first sample fixed the type
  bool help_seen = false;
  bool type_line = false;  // the type came from a TYPE line
};

// Series seen so far, keyed by family and label set (order-independent), so a
// summary's or histogram's lines find their series and a repeated counter
// line is caught.
struct SeriesEntry {
  std::uint64_t hash = 0;
  std::uint32_t family = 0;
  std::uint32_t metric = 0;
  std::uint32_t first_line = 0;
  std::uint8_t seen = 0;  // kSeenSum | kSeenCount | kBoundsUnordered
};

constexpr std::uint8_t kSeenSum = 1;
constexpr std::uint8_t kSeenCount = 2;
constexpr std::uint8_t kBoundsUnordered = 4;

using SeriesTable = text_scan::SeriesTable<SeriesEntry>;

constexpr double kTwoToThe64 = 18446744073709551616.0;

bool is_integral_count(double value) { return value >= 0 && value < kTwoToThe64 && value == std::trunc(value); }

bool is_histogram(MetricType type) { return type == MetricType::histogram || type == MetricType::gauge_histogram; }

std::string_view strip_suffix(std::string_view name, std::string_view suffix) {
  return name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : std::string_view{};
}

class TextParser {
 public:
  TextParser(std::string_view body, const ParseBounds& bounds) : body_(body), bounds_(bounds) { families_.reserve(64); }

  boost::system::result<Families, ParseError> run() {
    std::size_t start = 0;
    while (start < body_.size()) {
      const std::size_t newline = body_.find('\n', start);
      ++line_number_;
      if (newline == std::string_view::npos) {
        line_ = body_.substr(start);
        if (line_.find_first_not_of(" \t") == std::string_view::npos) break;
        return error(line_.size() + 1, "final-newline",
                     "the body ends in the middle of a line; every line, the last one included, must end with a "
                     "newline");
      }
      line_ = body_.substr(start, newline - start);
      start = newline + 1;
      if (!parse_line()) return std::move(*error_);
    }
    return finish();
  }

 private:
  ParseError error(std::size_t column, std::string rule, std::string sentence) {
    return ParseError(line_number_, column, std::move(rule), std::move(sentence));
  }

  bool fail(std::size_t pos, std::string rule, std::string sentence) {
    error_ = error(pos + 1, std::move(rule), std::move(sentence));
    return false;
  }

  void skip_blanks() {
    while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
  }

  std::string_view read_until_blank() {
    const std::size_t begin = pos_;
    while (pos_ < line_.size() && !is_blank(line_[pos_])) ++pos_;
    return line_.substr(begin, pos_ - begin);
  }

  std::string_view read_name(NameCharClass start, NameCharClass next) {
    const std::size_t begin = pos_;
    if (pos_ < line_.size() && has_name_class(line_[pos_], start)) {
      ++pos_;
      while (pos_ < line_.size() && has_name_class(line_[pos_], next)) ++pos_;
    }
    return line_.substr(begin, pos_ - begin);
  }

  bool parse_line() {
    pos_ = 0;
    skip_blanks();
    if (pos_ == line_.size()) return true;
    if (line_[pos_] == '#') return parse_comment();
    return parse_sample();
  }

  // Mirrors expfmt's setOrCreateCurrentMF: an exact family first, then the
  // summary or histogram whose _sum/_count/_bucket this is, if that family was
  // typed before; otherwise a new family.
  Resolution resolve(std::string_view name) {
    if (name == cached_name_) return cached_;
    Resolution resolution;
    if (const auto it = index_.find(name); it != index_.end()) {
      resolution.family = it->second;
    } else if (!resolve_suffix(name, resolution)) {
      resolution.family = static_cast<std::uint32_t>(families_.size());
      families_.emplace_back().name = std::string(name);
      states_.emplace_back();
      index_.emplace(name, resolution.family);
    }
    cached_name_ = name;
    cached_ = resolution;
    return resolution;
  }

  bool resolve_suffix(std::string_view name, Resolution& resolution) {
    struct Suffix {
      std::string_view text;
      Role role;
      bool summary;
    };
    constexpr std::array<Suffix, 3> kSuffixes = {
        {{"_sum", Role::sum, true}, {"_count", Role::count, true}, {"_bucket", Role::value, false}}};
    for (const Suffix& suffix : kSuffixes) {
      const std::string_view base = strip_suffix(name, suffix.text);
      if (base.empty()) continue;
      const auto it = index_.find(base);
      if (it == index_.end()) continue;
      const MetricType type = families_[it->second].type;
      const bool typed = states_[it->second].typed;
      if (typed && ((suffix.summary && type == MetricType::summary) || is_histogram(type))) {
        resolution.family = it->second;
        resolution.role = suffix.role;
        return true;
      }
    }
    return false;
  }

  bool parse_comment() {
    ++pos_;
    skip_blanks();
    const std::string_view keyword = read_until_blank();
    if (keyword != "HELP" && keyword != "TYPE") return true;  // an ordinary comment
    skip_blanks();
    const std::size_t name_pos = pos_;
    std::string_view name;
    if (!read_comment_name(keyword, name)) return false;
    if (pos_ == line_.size()) return true;  // "# HELP" or "# TYPE name" alone: ignored, as expfmt does
    const Resolution resolution = resolve(name);
    skip_blanks();
    if (pos_ == line_.size()) return true;
    return keyword == "HELP" ? parse_help(resolution.family, name) : parse_type(resolution.family, name, name_pos);
  }

  // The metric name of a HELP or TYPE line, bare or quoted, and then a blank
  // or the end of the line.
  bool read_comment_name(std::string_view keyword, std::string_view& name) {
    const std::size_t name_pos = pos_;
    if (pos_ < line_.size() && line_[pos_] == '"') {
      if (!read_quoted_name(name) || !check_metric_name(name, name_pos)) return false;
      if (pos_ == line_.size() || is_blank(line_[pos_])) return true;
      return fail(pos_, "comment-metric-name",
                  "the " + std::string(keyword) + " line's metric name " + quoted(name) + " is followed by " +
                      found(line_, pos_) + "; put a blank between the name and the rest");
    }
    name = read_name(kMetricNameStart, kMetricNameContinue);
    if (pos_ == line_.size() || is_blank(line_[pos_])) return true;
    return fail(name_pos, "comment-metric-name",
                "the " + std::string(keyword) + " line names an invalid metric " +
                    quoted(line_.substr(name_pos, read_until_blank_from(name_pos))) + "; " +
                    bare_name_rule());
  }

  // A quoted name ("my.metric", Prometheus 3's form for UTF-8 names) at pos_,
  // with the escapes of a label value; pos_ ends past the closing quote. The
  // name is a view into the line, or into unescaped_names_ when it had escapes.
  bool read_quoted_name(std::string_view& name) {
    const std::size_t open = pos_++;
    bool escaped = false;
    for (; pos_ < line_.size() && line_[pos_] != '"'; ++pos_) {
      if (line_[pos_] != '\\') continue;
      escaped = true;
      const char next = pos_ + 1 < line_.size() ? line_[pos_ + 1] : '\n';
      if (next != '\\' && next != '"' && next != 'n') {
        return fail(pos_, "name-escape",
                    "invalid escape sequence " + quoted(std::string("\\") + next) +
                        " in a quoted name; only \\\\, \\\" and \\n are allowed in quoted names");
      }
      ++pos_;
    }
    if (pos_ == line_.size()) {
      return fail(open, "name-quote",
                  "the quoted name " + quoted(line_.substr(open)) + " runs to the end of the line; close it with '\"'");
    }
    name = line_.substr(open + 1, pos_ - open - 1);
    ++pos_;
    if (escaped) {
      std::string& unescaped = unescaped_names_.emplace_back();
      unescape_label_value(name, unescaped);
      name = unescaped;
    }
    return true;
  }

  // What a bare name must be; other names go in quotes.
  std::string bare_name_rule() const {
    if (bounds_.names == NameValidation::legacy) return metric_name_rule(bounds_.names);
    return metric_name_rule(bounds_.names) + ", in quotes unless they match [a-zA-Z_:][a-zA-Z0-9_:]*";
  }

  bool check_metric_name(std::string_view name, std::size_t pos) {
    if (is_metric_name(name, bounds_.names)) return true;
    return fail(pos, "metric-name", "invalid metric name " + quoted(name) + "; " + metric_name_rule(bounds_.names));
  }

  std::size_t read_until_blank_from(std::size_t begin) const {
    std::size_t end = begin;
    while (end < line_.size() && !is_blank(line_[end])) ++end;
    return end - begin;
  }

  bool parse_help(std::uint32_t family, std::string_view name) {
    FamilyState& state = states_[family];
    if (state.help_seen) {
      return fail(pos_, "help-twice",
                  "metric " + quoted(families_[family].name) +
                      " was given a second HELP line; a family has at most one HELP");
    }
    const std::string_view text = line_.substr(pos_);
    // Go's parser takes any bytes here, but a scrape carrying them is not
    // UTF-8 and Prometheus' HELP is a Go string: refused, as in protobuf pushes.
    if (!is_valid_utf8(text)) {
      return fail(pos_, "help-utf8", "the HELP text of metric " + quoted(name) + " is not valid UTF-8");
    }
    std::string help;
    if (const std::size_t i = text_scan::unescape_help(text, help); i != std::string_view::npos) {
      const char next = i + 1 < text.size() ? text[i + 1] : '\n';
      return fail(pos_ + i, "help-escape",
                  "the HELP text of metric " + quoted(name) + " has the escape sequence " +
                      quoted(std::string("\\") + next) + "; only \\\\, \\n and \\\" are allowed there");
    }
    state.help_seen = true;
    families_[family].help = std::move(help);
    return true;
  }

  bool parse_type(std::uint32_t family, std::string_view name, std::size_t name_pos) {
    FamilyState& state = states_[family];
    if (state.typed) {
      if (state.type_line) {
        return fail(name_pos, "type-twice",
                    "metric " + quoted(families_[family].name) +
                        " was given a second TYPE line; a family's TYPE must come once, before its samples");
      }
      return fail(name_pos, "type-after-samples",
                  "the TYPE line of metric " + quoted(families_[family].name) +
                      " comes after its samples; a family's TYPE must come once, before its samples");
    }
    const std::string_view word = line_.substr(pos_);
    // expfmt reads the type word without escapes and drops every backslash.
    std::string lower;
    for (const char c : word) {
      if (c != '\\') lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    MetricType type{};
    if (lower == "counter") {
      type = MetricType::counter;
    } else if (lower == "gauge") {
      type = MetricType::gauge;
    } else if (lower == "summary") {
      type = MetricType::summary;
    } else if (lower == "untyped") {
      type = MetricType::untyped;
    } else if (lower == "histogram") {
      type = MetricType::histogram;
    } else if (lower == "gauge_histogram" || lower == "gaugehistogram") {
      type = MetricType::gauge_histogram;
    } else {
      return fail(pos_, "type-unknown",
                  "unknown metric type " + quoted(word) + " for metric " + quoted(name) +
                      "; use counter, gauge, summary, histogram, gaugehistogram or untyped, with nothing after it");
    }
    families_[family].type = type;
    state.typed = true;
    state.type_line = true;
    return true;
  }

  bool parse_sample() {
    sample_pos_ = pos_;
    bound_seen_ = false;
    braced_name_pos_ = std::string_view::npos;
    std::string_view name;
    bool in_braces = false;
    if (!read_sample_name(name, in_braces)) return false;
    const Resolution resolution = resolve(name);
    Family& family = families_[resolution.family];
    FamilyState& state = states_[resolution.family];
    state.typed = true;  // a sample fixes the type (untyped unless a TYPE line came first)
    const bool summary = family.type == MetricType::summary;
    const bool histogram = is_histogram(family.type);

    skip_blanks();
    labels_.clear();
    bound_ = std::nullopt;
    if (in_braces || (pos_ < line_.size() && line_[pos_] == '{')) {
      if (!in_braces) ++pos_;
      if (!parse_labels(family, summary, histogram)) return false;
      skip_blanks();
    }

    const std::size_t value_pos = pos_;
    const std::string_view value_token = read_until_blank();
    const std::optional<double> value = parse_double(value_token);
    if (!value) {
      return fail(value_pos, "sample-value",
                  "expected a number as the value of metric " + quoted(name) + ", got " + quoted(value_token) +
                      "; numbers look like 1, -1.5e3, NaN or +Inf");
    }
    std::optional<std::int64_t> timestamp;
    if (pos_ < line_.size()) {
      skip_blanks();
      const std::size_t timestamp_pos = pos_;
      const std::string_view token = read_until_blank();
      if (token.empty()) {
        return fail(value_pos + value_token.size(), "timestamp",
                    "the line of metric " + quoted(name) +
                        " has blanks after its value; remove them or put an integer timestamp in milliseconds there");
      }
      timestamp = parse_timestamp(token);
      if (!timestamp) {
        return fail(timestamp_pos, "timestamp",
                    "expected an integer timestamp in milliseconds after the value of metric " + quoted(name) +
                        ", got " + quoted(token));
      }
      if (pos_ < line_.size()) {
        return fail(pos_, "after-timestamp",
                    "unexpected " + quoted(line_.substr(pos_)) + " after the timestamp of metric " + quoted(name) +
                        "; a sample line ends with its timestamp");
      }
    }
    return add_sample(resolution, name, *value, timestamp);
  }

  // The metric name of a sample: bare (the legacy grammar), quoted, or quoted
  // as the first item inside the braces ({"name",label="value"}, Prometheus
  // 3's form). For the last, `in_braces` is set and pos_ ends past the name
  // and its comma, inside the braces.
  bool read_sample_name(std::string_view& name, bool& in_braces) {
    const std::size_t start = pos_;
    if (line_[pos_] == '"') return read_quoted_name(name) && check_metric_name(name, start);
    if (line_[pos_] != '{') {
      name = read_name(kMetricNameStart, kMetricNameContinue);
      if (!name.empty()) return true;
      return fail(pos_, "metric-name",
                  "expected a metric name at the start of the line, found " +
                      quoted(line_.substr(pos_, read_until_blank_from(pos_))) + "; " + bare_name_rule());
    }
    ++pos_;
    const std::size_t inside = pos_;
    const std::size_t name_pos = find_name_in_braces();
    if (name_pos != std::string_view::npos) {
      pos_ = name_pos;
      if (!read_braced_name(name)) return false;
      skip_blanks();
      if (pos_ < line_.size() && line_[pos_] == ',') ++pos_;
      if (name_pos != first_item(inside)) {
        // Elsewhere than first: parse_labels steps over it.
        braced_name_pos_ = name_pos;
        pos_ = inside;
      }
      in_braces = true;
      return check_metric_name(name, name_pos);
    }
    pos_ = first_item(inside);
    if (pos_ < line_.size() && line_[pos_] == '"') {
      std::string_view first;
      if (!read_quoted_name(first)) return false;
      skip_blanks();
      if (pos_ == line_.size() || line_[pos_] != '=') {
        return fail(pos_, "metric-name-end",
                    "expected ',' or '}' after the metric name " + quoted(first) + ", found " + found(line_, pos_));
      }
    }
    return fail(start, "metric-name",
                "the sample has no metric name before '{' or inside it; write name{label=\"value\"} value or "
                "{\"name\",label=\"value\"} value");
  }

  bool read_braced_name(std::string_view& name) {
    // Bare inside the braces, it is read as a label name would be (no ':').
    if (line_[pos_] == '"') return read_quoted_name(name);
    name = read_name(kLabelNameStart, kLabelNameContinue);
    return true;
  }

  std::size_t first_item(std::size_t inside) const {
    while (inside < line_.size() && is_blank(line_[inside])) ++inside;
    return inside;
  }

  // Where the metric name inside the braces starts (an item, quoted or bare,
  // that '=' does not follow; Go's parser takes it anywhere among the labels), or
  // npos. Reads ahead from pos_ without moving it; gives up (npos) on
  // anything malformed, which the real pass then reports.
  std::size_t find_name_in_braces() const {
    std::size_t at = pos_;
    const auto blanks = [&] {
      while (at < line_.size() && is_blank(line_[at])) ++at;
    };
    const auto skip_quoted = [&] {
      for (++at; at < line_.size() && line_[at] != '"'; ++at) {
        if (line_[at] == '\\') ++at;
      }
      if (at >= line_.size()) return false;
      ++at;
      return true;
    };
    for (;;) {
      blanks();
      if (at >= line_.size() || line_[at] == '}') return std::string_view::npos;
      const std::size_t item = at;
      if (line_[at] == '"') {
        if (!skip_quoted()) return std::string_view::npos;
      } else {
        while (at < line_.size() && has_name_class(line_[at], kLabelNameContinue)) ++at;
      }
      blanks();
      if (at < line_.size() && (line_[at] == ',' || line_[at] == '}')) return at > item ? item : std::string_view::npos;
      if (at >= line_.size() || line_[at] != '=') return std::string_view::npos;
      ++at;
      blanks();
      if (at >= line_.size() || line_[at] != '"' || !skip_quoted()) return std::string_view::npos;
      blanks();
      if (at < line_.size() && line_[at] == ',') ++at;
    }
  }

  static std::optional<std::int64_t> parse_timestamp(std::string_view token) {
    if (token.front() == '+') {
      token.remove_prefix(1);
      if (token.empty() || token.front() < '0' || token.front() > '9') return std::nullopt;
    }
    std::int64_t value = 0;
    const auto result = std::from_chars(token.data(), token.data() + token.size(), value);
    if (result.ec != std::errc() || result.ptr != token.data() + token.size()) return std::nullopt;
    return value;
  }

  bool parse_labels(const Family& family, bool summary, bool histogram) {
    for (;;) {
      skip_blanks();
      if (pos_ == line_.size()) {
        return fail(pos_, "labels-end", "the labels of metric " + quoted(family.name) + " are not closed with '}'");
      }
      if (line_[pos_] == '}') {
        ++pos_;
        return labels_.size() <= kPairwiseLabels || no_duplicate_among_many(family);
      }
      if (pos_ == braced_name_pos_) {
        skip_braced_name();
        continue;
      }
      RawLabel label;
      if (!read_label(family, label) || !keep_label(family, summary, histogram, label)) return false;
      skip_blanks();
      if (pos_ < line_.size() && line_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < line_.size() && line_[pos_] == '}') continue;
      return fail(pos_, "label-value-end",
                  "expected ',' or '}' after the value of label " + quoted(label.name) + " of metric " +
                      quoted(family.name) + ", found " + found(line_, pos_));
    }
  }

  // name="value", the value still escaped.
  bool read_label(const Family& family, RawLabel& label) {
    const std::size_t name_pos = pos_;
    std::string_view name;
    if (!read_label_name(family, name)) return false;
    skip_blanks();
    if (pos_ == line_.size() || line_[pos_] != '=') {
      return fail(pos_, "label-equals",
                  "expected '=' after label name " + quoted(name) + " of metric " + quoted(family.name) +
                      ", found " + found(line_, pos_));
    }
    if (name == kMetricNameLabel) {
      return fail(name_pos, "label-reserved", "label name \"__name__\" is reserved; the metric name goes before the '{'");
    }
    ++pos_;
    skip_blanks();
    if (pos_ == line_.size() || line_[pos_] != '"') {
      return fail(pos_, "label-value-quote",
                  "the value of label " + quoted(name) + " of metric " + quoted(family.name) +
                      " must start with '\"', found " + found(line_, pos_));
    }
    ++pos_;
    label = RawLabel{name, {}, false, name_pos};
    return read_label_value(family, label);
  }

  // Steps over the metric name read_sample_name found among the labels.
  void skip_braced_name() {
    std::string_view name;
    read_braced_name(name);
    skip_blanks();
    if (pos_ < line_.size() && line_[pos_] == ',') ++pos_;
    braced_name_pos_ = std::string_view::npos;
  }

  // A label name, bare (the legacy grammar) or quoted; a quoted name that no
  // '=' follows would be a second metric name.
  bool read_label_name(const Family& family, std::string_view& name) {
    const std::size_t name_pos = pos_;
    if (pos_ < line_.size() && line_[pos_] == '"') {
      if (!read_quoted_name(name)) return false;
      const std::size_t after = pos_;
      skip_blanks();
      if (pos_ < line_.size() && (line_[pos_] == ',' || line_[pos_] == '}')) {
        return fail(name_pos, "metric-name-twice",
                    "metric " + quoted(family.name) + " is named a second time, " + quoted(name) +
                        ", inside '{'; a sample has one metric name, before '{' or first inside it");
      }
      pos_ = after;
    } else {
      name = read_name(kLabelNameStart, kLabelNameContinue);
      if (!name.empty()) return true;  // the legacy grammar: valid in both modes
    }
    if (is_label_name(name, bounds_.names)) return true;
    const std::string_view shown =
        line_[name_pos] == '"' ? name : line_.substr(name_pos, read_until_blank_from(name_pos));
    return fail(name_pos, "label-name",
                "invalid label name " + quoted(shown) + " for metric " + quoted(family.name) + "; " +
                    label_name_rule(bounds_.names));
  }

  // A summary's quantile or a histogram's le becomes the line's bound; any
  // other label joins the series' labels, at most once each.
  bool keep_label(const Family& family, bool summary, bool histogram, const RawLabel& label) {
    if (labels_.size() < kPairwiseLabels) {
      for (const RawLabel& seen : labels_) {
        if (seen.name == label.name) return duplicate_label(family, label.pos, label.name);
      }
    }
    if ((summary && label.name == "quantile") || (histogram && label.name == "le")) {
      return read_bound(family, summary, label);
    }
    if (bounds_.max_labels_per_series != 0 && labels_.size() == bounds_.max_labels_per_series) {
      return fail(label.pos, std::string(kTooManyLabelsRule),
                  "a sample of metric " + quoted(family.name) + " has more than " +
                      std::to_string(bounds_.max_labels_per_series) + " labels, the most one series may have");
    }
    labels_.push_back(label);
    return true;
  }

  bool read_bound(const Family& family, bool summary, const RawLabel& label) {
    if (bound_seen_) return duplicate_label(family, label.pos, label.name);
    bound_seen_ = true;
    std::string decoded;
    if (label.escaped) unescape_label_value(label.value, decoded);
    const std::string_view text = label.escaped ? std::string_view(decoded) : label.value;
    bound_ = parse_double(text);
    if (bound_) return true;
    return fail(label.pos, summary ? "quantile-value" : "le-value",
                "the " + std::string(label.name) + " label of " + (summary ? "summary " : "histogram ") +
                    quoted(family.name) + " must be a number, got " + quoted(text));
  }

  bool no_duplicate_among_many(const Family& family) {
    const RawLabel* repeated = text_scan::repeated_label(labels_);
    return repeated == nullptr || duplicate_label(family, repeated->pos, repeated->name);
  }

  bool duplicate_label(const Family& family, std::size_t pos, std::string_view name) {
    return fail(pos, "duplicate-label",
                "metric " + quoted(family.name) + " has the label " + quoted(name) +
                    " twice in one sample; each label name may appear once");
  }

  bool read_label_value(const Family& family, RawLabel& label) {
    const std::size_t begin = pos_;
    const text_scan::LabelValueScan scan = text_scan::scan_label_value(line_, begin);
    label.escaped = scan.escaped;
    if (scan.bad_escape != scan.npos) {
      const char next = scan.bad_escape + 1 < line_.size() ? line_[scan.bad_escape + 1] : '\n';
      return fail(scan.bad_escape, "label-value-escape",
                  "invalid escape sequence " + quoted(std::string("\\") + next) + " in the value of label " +
                      quoted(label.name) + " of metric " + quoted(family.name) +
                      "; only \\\\, \\\" and \\n are allowed in label values");
    }
    if (scan.end == scan.npos) {
      return fail(begin - 1, "label-value-newline",
                  "the value of label " + quoted(label.name) + " of metric " + quoted(family.name) +
                      " runs to the end of the line; close it with '\"' and write line breaks as \\n");
    }
    pos_ = scan.end + 1;
    label.value = line_.substr(begin, scan.end - begin);
    if (scan.non_ascii && !is_valid_utf8(label.value)) {
      return fail(begin, "label-value-utf8",
                  "the value of label " + quoted(label.name) + " of metric " + quoted(family.name) +
                      " is not valid UTF-8");
    }
    return true;
  }

  std::uint64_t label_set_hash(std::uint32_t family) const { return text_scan::label_set_hash(labels_, family); }

  bool same_labels(const Labels& stored) const { return text_scan::same_labels(labels_, stored); }

  std::string describe_labels() const { return describe(labels_); }

  template <typename LabelList>
  static std::string describe(const LabelList& labels) {
    return text_scan::describe_labels(labels);
  }

  bool add_sample(Resolution resolution, std::string_view name, double value, std::optional<std::int64_t> timestamp) {
    Family& family = families_[resolution.family];
    const std::uint64_t hash = label_set_hash(resolution.family);
    SeriesEntry* entry = series_.find(hash, [&](const SeriesEntry& candidate) {
      return candidate.family == resolution.family && same_labels(family.metrics[candidate.metric].labels);
    });
    const bool grouped = family.type == MetricType::summary || is_histogram(family.type);
    if (entry != nullptr && !grouped) {
      return fail(sample_pos_, "duplicate-series",
                  "metric " + quoted(name) + " has two samples with the labels " + describe_labels() +
                      "; each series may appear once per push");
    }
    if (entry == nullptr) {
      if (bounds_.max_series != 0 && ++series_count_ > bounds_.max_series) {
        return fail(sample_pos_, std::string(kTooManySeriesRule),
                    "the body has more than " + std::to_string(bounds_.max_series) +
                        " series, the most one push may have");
      }
      Metric& metric = family.metrics.emplace_back();
      metric.source_line = static_cast<std::uint32_t>(line_number_);
      metric.labels.reserve(labels_.size());
      for (const RawLabel& raw : labels_) {
        Label& label = metric.labels.emplace_back();
        label.name.assign(raw.name);
        if (raw.escaped) {
          unescape_label_value(raw.value, label.value);
        } else {
          label.value.assign(raw.value);
        }
      }
      entry = &series_.insert(
          SeriesEntry{hash, resolution.family, static_cast<std::uint32_t>(family.metrics.size() - 1),
                      static_cast<std::uint32_t>(line_number_), 0});
    }
    Metric& metric = family.metrics[entry->metric];
    if (timestamp) metric.timestamp_ms = timestamp;
    if (!grouped) {
      metric.value = value;
      return true;
    }
    if (resolution.role == Role::sum) return set_once(*entry, kSeenSum, "_sum", name, metric.sample_sum, value);
    if (resolution.role == Role::count) return add_count(*entry, family, name, metric, value);
    // Go's parser ignores grouped lines without a usable quantile/le (NaN included).
    if (!bound_ || std::isnan(*bound_)) return true;
    if (family.type == MetricType::summary) return add_quantile(*entry, family, name, metric, *bound_, value);
    return add_bucket(*entry, family, name, metric, *bound_, value);
  }

  bool set_once(SeriesEntry& entry, std::uint8_t bit, std::string_view suffix, std::string_view name, double& field,
                double value) {
    if ((entry.seen & bit) != 0) {
      return fail(sample_pos_, "duplicate-series",
                  "metric " + quoted(name) + " has two " + std::string(suffix) + " samples with the labels " +
                      describe_labels() + "; each series may appear once per push");
    }
    entry.seen |= bit;
    field = value;
    return true;
  }

  bool add_count(SeriesEntry& entry, const Family& family, std::string_view name, Metric& metric, double value) {
    if (family.type == MetricType::summary) {
      // 2^64 is how a double spells counts near 2^64-1 (protobuf pushes carry them).
      if (!(value >= 0 && value <= kTwoToThe64)) {
        return fail(sample_pos_, "summary-count",
                    "summary " + quoted(family.name) + " has the count " + quoted(value_text(value)) +
                        "; a summary's count must be a non-negative number");
      }
      return set_once(entry, kSeenCount, "_count", name, metric.sample_count, std::trunc(value));
    }
    if (!check_histogram_count(family, metric, value)) return false;
    return set_once(entry, kSeenCount, "_count", name, metric.sample_count, value);
  }

  static std::string value_text(double value) {
    std::string text;
    append_double(value, text);
    return text;
  }

  bool check_histogram_count(const Family& family, Metric& metric, double value) {
    if (value < 0) {
      return fail(sample_pos_, "negative-count",
                  "histogram " + quoted(family.name) + " has the negative count " + quoted(value_text(value)) +
                      "; bucket populations and counts cannot be negative");
    }
    if (!is_integral_count(value)) metric.float_counts = true;
    return true;
  }

  static double bound_of(const Quantile& quantile) { return quantile.quantile; }
  static double bound_of(const Bucket& bucket) { return bucket.upper_bound; }

  // In order (the usual case) a repeated bound can only be the last one; out
  // of order, the check waits for the sort in finish(), so that a long
  // shuffled series costs n log n rather than n^2.
  template <typename Item>
  bool add_bound(SeriesEntry& entry, const Family& family, std::string_view name, std::vector<Item>& items,
                 Item item) {
    const double bound = bound_of(item);
    if (!items.empty() && bound_of(items.back()) == bound) {
      return fail(sample_pos_, "duplicate-series", repeated_bound(family, bound, "samples of " + quoted(name)) +
                                                       " with the labels " + describe_labels() + bound_rule(family));
    }
    if (!items.empty() && bound < bound_of(items.back()) && (entry.seen & kBoundsUnordered) == 0) {
      entry.seen |= kBoundsUnordered;
      unordered_.push_back(entry);
    }
    items.push_back(std::move(item));
    return true;
  }

  static std::string repeated_bound(const Family& family, double bound, const std::string& what) {
    const bool summary = family.type == MetricType::summary;
    return std::string(summary ? "summary " : "histogram ") + quoted(family.name) + " has two " + what +
           (summary ? " for quantile=\"" : " for le=\"") + value_text(bound) + "\"";
  }

  static std::string bound_rule(const Family& family) {
    return family.type == MetricType::summary ? "; each quantile may appear once per series"
                                              : "; each bucket may appear once per series";
  }

  bool add_quantile(SeriesEntry& entry, const Family& family, std::string_view name, Metric& metric,
                    double quantile, double value) {
    return add_bound(entry, family, name, metric.quantiles, Quantile{quantile, value});
  }

  bool add_bucket(SeriesEntry& entry, const Family& family, std::string_view name, Metric& metric, double bound,
                  double count) {
    if (!check_histogram_count(family, metric, count)) return false;
    return add_bound(entry, family, name, metric.buckets, Bucket{bound, count, std::nullopt});
  }

  template <typename Item>
  bool sort_bounds(const SeriesEntry& series, std::vector<Item>& items) {
    const auto by_bound = [](const Item& a, const Item& b) { return bound_of(a) < bound_of(b); };
    std::stable_sort(items.begin(), items.end(), by_bound);
    const auto same_bound = [](const Item& a, const Item& b) { return bound_of(a) == bound_of(b); };
    const auto repeated = std::adjacent_find(items.begin(), items.end(), same_bound);
    if (repeated == items.end()) return true;
    const Family& family = families_[series.family];
    error_ = ParseError(series.first_line, 1, "duplicate-series",
                        repeated_bound(family, bound_of(*repeated), "samples") + " in the series " +
                            describe(family.metrics[series.metric].labels) + " that starts on this line" +
                            bound_rule(family));
    return false;
  }

  boost::system::result<Families, ParseError> finish() {
    for (const SeriesEntry& series : unordered_) {
      Metric& metric = families_[series.family].metrics[series.metric];
      if (!sort_bounds(series, metric.buckets) || !sort_bounds(series, metric.quantiles)) return std::move(*error_);
    }
    Families out;
    out.reserve(families_.size());
    for (Family& family : families_) {
      if (!family.metrics.empty()) out.push_back(std::move(family));
    }
    return out;
  }

  std::string_view body_;
  ParseBounds bounds_;
  std::size_t series_count_ = 0;
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
  std::optional<ParseError> error_;

  Families families_;
  std::vector<FamilyState> states_;
  std::unordered_map<std::string_view, std::uint32_t, NameHash> index_;
  std::string_view cached_name_;
  Resolution cached_;
  SeriesTable series_;
  std::vector<SeriesEntry> unordered_;  // series whose quantiles or buckets came out of order
  std::deque<std::string> unescaped_names_;  // quoted names that had escapes (stable addresses)

  // The sample line being parsed.
  std::vector<RawLabel> labels_;
  std::optional<double> bound_;  // its quantile or le
  bool bound_seen_ = false;
  std::size_t sample_pos_ = 0;
  std::size_t braced_name_pos_ = std::string_view::npos;  // a metric name among the labels, not first
};

}  // namespace

boost::system::result<Families, ParseError> parse_text(std::string_view body, const ParseBounds& bounds) {
  return TextParser(body, bounds).run();
}

}  // namespace flowgate::exposition
