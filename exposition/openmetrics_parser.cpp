#include "exposition/openmetrics_parser.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "exposition/names.hpp"
#include "exposition/number_format.hpp"
#include "exposition/openmetrics_writer.hpp"
#include "exposition/text_scan.hpp"
#include "exposition/utf8.hpp"

// One pass, line by line. OpenMetrics keeps a family's lines together and a
// series' lines together, so the parser holds one open family and one open
// series; each is checked when the next one starts (or at # EOF), and the
// series table and the name sets only have to catch one that comes back.

namespace flowgate::exposition {
namespace {

using text_scan::RawLabel;

constexpr double kTwoToThe64 = 18446744073709551616.0;
// The specification's bound on an exemplar's label names and values together.
constexpr std::size_t kMaxExemplarLabelCharacters = 128;

std::string quoted(std::string_view text) { return quoted_for_message(text); }

std::string found(std::string_view line, std::size_t pos) {
  if (pos >= line.size()) return "the end of the line";
  return quoted(line.substr(pos, 1));
}

// What a sample line is to its series.
enum class Role : std::uint8_t { value, total, created, bucket, count, sum };

struct SuffixRole {
  std::string_view suffix;  // after the family name
  Role role;
};

// The sample names a type has, as suffixes of the family name.
std::span<const SuffixRole> roles_of(MetricType type) {
  static constexpr SuffixRole kCounter[] = {{"_total", Role::total}, {"_created", Role::created}};
  static constexpr SuffixRole kPlain[] = {{"", Role::value}};
  static constexpr SuffixRole kInfo[] = {{"_info", Role::value}};
  static constexpr SuffixRole kSummary[] = {
      {"", Role::value}, {"_count", Role::count}, {"_sum", Role::sum}, {"_created", Role::created}};
  static constexpr SuffixRole kHistogram[] = {
      {"_bucket", Role::bucket}, {"_count", Role::count}, {"_sum", Role::sum}, {"_created", Role::created}};
  static constexpr SuffixRole kGaugeHistogram[] = {
      {"_bucket", Role::bucket}, {"_gcount", Role::count}, {"_gsum", Role::sum}};
  switch (type) {
    case MetricType::counter: return kCounter;
    case MetricType::info: return kInfo;
    case MetricType::summary: return kSummary;
    case MetricType::histogram: return kHistogram;
    case MetricType::gauge_histogram: return kGaugeHistogram;
    case MetricType::gauge:
    case MetricType::untyped:
    case MetricType::stateset: break;
  }
  return kPlain;
}

std::string sample_names(std::string_view family, MetricType type) {
  std::string out;
  for (const SuffixRole& role : roles_of(type)) {
    if (!out.empty()) out += ", ";
    out += std::string(family) + std::string(role.suffix);
  }
  return out;
}

// The model names counters and info families as their samples are named.
std::string_view model_suffix(MetricType type) {
  if (type == MetricType::counter) return "_total";
  if (type == MetricType::info) return "_info";
  return {};
}

std::optional<MetricType> type_of_word(std::string_view word) {
  if (word == "counter") return MetricType::counter;
  if (word == "gauge") return MetricType::gauge;
  if (word == "histogram") return MetricType::histogram;
  if (word == "gaugehistogram") return MetricType::gauge_histogram;
  if (word == "summary") return MetricType::summary;
  if (word == "info") return MetricType::info;
  if (word == "stateset") return MetricType::stateset;
  if (word == "unknown") return MetricType::untyped;
  return std::nullopt;
}

bool is_histogram(MetricType type) { return type == MetricType::histogram || type == MetricType::gauge_histogram; }

bool has_no_unit(MetricType type) { return type == MetricType::info || type == MetricType::stateset; }

bool is_count(double value) { return value >= 0 && value < kTwoToThe64 && value == std::trunc(value); }

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

std::string value_text(double value) {
  std::string text;
  append_double(value, text);
  return text;
}

constexpr std::uint8_t kSeenValue = 1;  // the value, a counter's total or a quantile
constexpr std::uint8_t kSeenCreated = 2;
constexpr std::uint8_t kSeenCount = 4;
constexpr std::uint8_t kSeenSum = 8;
constexpr std::uint8_t kQuantilesUnordered = 16;

struct SeriesEntry {
  std::uint64_t hash = 0;
  std::uint32_t family = 0;
  std::uint32_t metric = 0;
  std::uint32_t first_line = 0;
  std::uint8_t seen = 0;
};

// The family whose lines are being read.
struct OpenFamily {
  std::string_view name;  // as the body writes it (a counter without _total)
  std::uint32_t index = 0;
  bool typed = false;
  bool help_seen = false;
  bool unit_seen = false;
  bool has_samples = false;
};

// The parts of a sample line after its labels.
struct SampleTail {
  double value = 0;
  std::string_view value_token;
  std::optional<std::int64_t> timestamp_ms;
  std::optional<Exemplar> exemplar;
};

class OpenMetricsParser {
 public:
  OpenMetricsParser(std::string_view body, const ParseBounds& bounds) : body_(body), bounds_(bounds) {}

  boost::system::result<Families, ParseError> run() {
    std::size_t start = 0;
    while (start < body_.size()) {
      const std::size_t newline = body_.find('\n', start);
      const std::size_t end = newline == std::string_view::npos ? body_.size() : newline;
      ++line_number_;
      line_ = body_.substr(start, end - start);
      start = end + 1;
      if (eof_) {
        return error(1, "after-eof", "\"# EOF\" must be the last line; the body goes on after it");
      }
      if (!parse_line()) return std::move(*error_);
    }
    if (!eof_) {
      ++line_number_;
      return error(1, "eof-missing", "the body does not end with \"# EOF\"; an OpenMetrics body's last line is # EOF");
    }
    Families out;
    out.reserve(families_.size());
    for (Family& family : families_) {
      if (!family.metrics.empty()) out.push_back(std::move(family));
    }
    return out;
  }

 private:
  ParseError error(std::size_t column, std::string rule, std::string sentence) const {
    return ParseError(line_number_, column, std::move(rule), std::move(sentence));
  }

  bool fail(std::size_t pos, std::string rule, std::string sentence) {
    error_ = error(pos + 1, std::move(rule), std::move(sentence));
    return false;
  }

  bool fail_at_line(std::size_t line, std::string rule, std::string sentence) {
    error_ = ParseError(line, 1, std::move(rule), std::move(sentence));
    return false;
  }

  std::string_view read_name(NameCharClass start, NameCharClass next) {
    const std::size_t begin = pos_;
    if (pos_ < line_.size() && has_name_class(line_[pos_], start)) {
      ++pos_;
      while (pos_ < line_.size() && has_name_class(line_[pos_], next)) ++pos_;
    }
    return line_.substr(begin, pos_ - begin);
  }

  std::string_view read_token() {
    const std::size_t begin = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ') ++pos_;
    return line_.substr(begin, pos_ - begin);
  }

  std::string_view token_at(std::size_t begin) const {
    const std::size_t end = line_.find(' ', begin);
    return line_.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  }

  Family& family() { return families_[family_.index]; }
  MetricType type() const { return families_[family_.index].type; }

  bool parse_line() {
    pos_ = 0;
    if (line_.empty()) {
      return fail(0, "blank-line",
                  "OpenMetrics has no blank lines; each line is metadata, a sample or the final # EOF");
    }
    if (line_[0] == '#') return parse_metadata();
    return parse_sample();
  }

  // ---- metadata and families ----

  bool parse_metadata() {
    if (line_ == "# EOF") {
      eof_ = true;
      return close_family();
    }
    const std::string_view keyword = line_.starts_with("# ") ? token_at(2) : std::string_view{};
    if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT") {
      return fail(0, "comment",
                  "OpenMetrics has no comments: a line starting with '#' is # HELP, # TYPE, # UNIT or the final "
                  "# EOF, found " + quoted(line_));
    }
    pos_ = 2 + keyword.size() + 1;
    const std::size_t name_pos = pos_;
    const std::string_view name = pos_ <= line_.size() ? read_name(kMetricNameStart, kMetricNameContinue) : "";
    if (name.empty() || (pos_ < line_.size() && line_[pos_] != ' ')) {
      return fail(name_pos, "comment-metric-name",
                  "the " + std::string(keyword) + " line names an invalid metric " +
                      quoted(name_pos < line_.size() ? token_at(name_pos) : "") +
                      "; metric names match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    if (pos_ == line_.size()) {
      return fail(pos_, "metadata-format",
                  "the " + std::string(keyword) + " line of metric " + quoted(name) + " ends after the name; write " +
                      quoted("# " + std::string(keyword) + " " + std::string(name) + " <text>"));
    }
    ++pos_;
    if (!enter_family(name, name_pos)) return false;
    if (family_.has_samples) {
      return fail(0, "metadata-after-samples",
                  "the " + std::string(keyword) + " line of metric " + quoted(name) +
                      " comes after its samples; a family's metadata must come before its samples");
    }
    const std::string_view text = line_.substr(pos_);
    if (keyword == "HELP") return set_help(text);
    if (keyword == "TYPE") return set_type(text);
    return set_unit(text);
  }

  // Makes `name` the open family, closing the one before it.
  bool enter_family(std::string_view name, std::size_t name_pos) {
    if (has_family_ && family_.name == name) return true;
    if (!close_family()) return false;
    if (!family_names_.insert(name).second) {
      return fail(name_pos, "family-interleaved",
                  "the lines of metric family " + quoted(name) +
                      " are split by another family's; a family's metadata and samples must come together");
    }
    Family& added = families_.emplace_back();
    added.name = std::string(name);
    family_ = OpenFamily{name, static_cast<std::uint32_t>(families_.size() - 1)};
    has_family_ = true;
    return true;
  }

  bool close_family() {
    if (!has_family_) return true;
    return close_series();
  }

  bool set_help(std::string_view text) {
    if (family_.help_seen) {
      return fail(pos_, "help-twice",
                  "metric " + quoted(family_.name) + " was given a second HELP line; a family has at most one HELP");
    }
    if (!is_valid_utf8(text)) {
      return fail(pos_, "help-utf8", "the HELP text of metric " + quoted(family_.name) + " is not valid UTF-8");
    }
    std::string help;
    if (const std::size_t i = text_scan::unescape_help(text, help); i != std::string_view::npos) {
      const char next = i + 1 < text.size() ? text[i + 1] : '\n';
      return fail(pos_ + i, "help-escape",
                  "the HELP text of metric " + quoted(family_.name) + " has the escape sequence " +
                      quoted(std::string("\\") + next) + "; only \\\\, \\n and \\\" are allowed there");
    }
    family_.help_seen = true;
    family().help = std::move(help);
    return true;
  }

  bool set_type(std::string_view word) {
    if (family_.typed) {
      return fail(pos_, "type-twice",
                  "metric " + quoted(family_.name) + " was given a second TYPE line; a family has at most one TYPE");
    }
    const std::optional<MetricType> type = type_of_word(word);
    if (!type) {
      return fail(pos_, "type-unknown",
                  "unknown metric type " + quoted(word) + " for metric " + quoted(family_.name) +
                      "; OpenMetrics types are counter, gauge, histogram, gaugehistogram, summary, info, stateset "
                      "and unknown");
    }
    if (has_no_unit(*type) && !family().unit.empty()) return unit_not_allowed(*type);
    family_.typed = true;
    family().type = *type;
    return true;
  }

  bool unit_not_allowed(MetricType type) {
    return fail(0, "unit-type",
                "metric " + quoted(family_.name) + " is of type " + std::string(openmetrics_type_word(type)) +
                    " and has a UNIT; info and stateset families have no unit");
  }

  bool set_unit(std::string_view unit) {
    if (family_.unit_seen) {
      return fail(pos_, "unit-twice",
                  "metric " + quoted(family_.name) + " was given a second UNIT line; a family has at most one UNIT");
    }
    for (std::size_t i = 0; i < unit.size(); ++i) {
      if (!has_name_class(unit[i], kMetricNameContinue)) {
        return fail(pos_ + i, "unit-name",
                    "the unit " + quoted(unit) + " of metric " + quoted(family_.name) +
                        " is not a name; units match [a-zA-Z0-9_:]*");
      }
    }
    const std::string_view name = family_.name;
    if (!unit.empty() && !(name.size() > unit.size() + 1 && name.ends_with(unit) &&
                           name[name.size() - unit.size() - 1] == '_')) {
      return fail(pos_, "unit-suffix",
                  "metric " + quoted(name) + " has the unit " + quoted(unit) +
                      ", which is not its name's suffix; name it " + quoted(std::string(name) + "_" + std::string(unit)));
    }
    if (!unit.empty() && has_no_unit(type())) return unit_not_allowed(type());
    family_.unit_seen = true;
    family().unit = std::string(unit);
    return true;
  }

  // ---- samples ----

  bool parse_sample() {
    const std::string_view name = read_name(kMetricNameStart, kMetricNameContinue);
    if (name.empty()) {
      return fail(0, "metric-name",
                  "expected a metric name at the start of the line, found " + quoted(token_at(0)) +
                      "; metric names match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    Role role = Role::value;
    if (!resolve(name, role)) return false;
    sample_name_ = name;
    labels_.clear();
    bound_.reset();
    if (pos_ < line_.size() && line_[pos_] == '{') {
      // One more than the bound: le or quantile do not count.
      const std::size_t max = bounds_.max_labels_per_series == 0 ? 0 : bounds_.max_labels_per_series + 1;
      if (!read_label_set(labels_, max)) return false;
    }
    if (!take_bound(role) || !check_sample_labels()) return false;
    SampleTail tail;
    if (!read_tail(role, tail)) return false;
    return add_sample(role, tail);
  }

  // The family and role of a sample name: the open family's when the name is
  // one of its sample names, else a new family of type unknown.
  bool resolve(std::string_view name, Role& role) {
    if (has_family_ && name.starts_with(family_.name)) {
      const std::string_view suffix = name.substr(family_.name.size());
      for (const SuffixRole& candidate : roles_of(type())) {
        if (candidate.suffix == suffix) {
          role = candidate.role;
          return start_samples();
        }
      }
      if (suffix.empty()) {
        return fail(0, "sample-name",
                    "the samples of " + std::string(openmetrics_type_word(type())) + " " + quoted(family_.name) +
                        " are named " + sample_names(family_.name, type()) + ", not " + quoted(name));
      }
    }
    role = Role::value;
    return enter_family(name, 0) && start_samples();
  }

  // At a family's first sample its model name is fixed, and must be new.
  bool start_samples() {
    if (family_.has_samples) return true;
    std::string name = std::string(family_.name) + std::string(model_suffix(type()));
    if (!model_names_.insert(name).second) {
      return fail(0, "name-clash",
                  "the samples of metric family " + quoted(family_.name) + " are named " + quoted(name) +
                      " as another family's in this body; each metric name may belong to one family");
    }
    family().name = std::move(name);
    family_.has_samples = true;
    return true;
  }

  // ---- labels ----

  std::string owner() const {
    return in_exemplar_ ? "the exemplar of metric " + quoted(sample_name_) : "metric " + quoted(sample_name_);
  }

  // {name="value",...} into `out` (values still escaped); at most `max`
  // labels (0: no bound).
  bool read_label_set(std::vector<RawLabel>& out, std::size_t max) {
    ++pos_;
    if (pos_ < line_.size() && line_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      RawLabel label;
      if (!read_label(label)) return false;
      if (!new_label_name(out, label)) return false;
      if (max != 0 && out.size() == max) return too_many_labels(label.pos);
      out.push_back(label);
      if (pos_ < line_.size() && line_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < line_.size() && line_[pos_] == '}') break;
      return fail(pos_, "label-value-end",
                  "expected ',' or '}' after the value of label " + quoted(label.name) + " of " + owner() +
                      ", found " + found(line_, pos_));
    }
    ++pos_;
    const RawLabel* repeated = out.size() > text_scan::kPairwiseLabels ? text_scan::repeated_label(out) : nullptr;
    return repeated == nullptr || duplicate_label(*repeated);
  }

  bool too_many_labels(std::size_t pos) {
    if (in_exemplar_) {
      return fail(pos, "exemplar-labels-length",
                  owner() + " has more labels than " + std::to_string(kMaxExemplarLabelCharacters) +
                      " characters of label names and values, the most OpenMetrics allows, can hold");
    }
    return fail(pos, std::string(kTooManyLabelsRule),
                owner() + " has more than " + std::to_string(bounds_.max_labels_per_series) +
                    " labels, the most one series may have");
  }

  bool new_label_name(const std::vector<RawLabel>& labels, const RawLabel& label) {
    if (labels.size() >= text_scan::kPairwiseLabels) return true;  // checked sorted at the end
    for (const RawLabel& seen : labels) {
      if (seen.name == label.name) return duplicate_label(label);
    }
    return true;
  }

  bool duplicate_label(const RawLabel& label) {
    return fail(label.pos, "duplicate-label",
                owner() + " has the label " + quoted(label.name) + " twice; each label name may appear once");
  }

  // name="value", the value still escaped.
  bool read_label(RawLabel& label) {
    const std::size_t name_pos = pos_;
    const std::string_view name = read_name(kLabelNameStart, kLabelNameContinue);
    if (name.empty()) {
      if (pos_ < line_.size() && line_[pos_] == '}') {
        return fail(pos_, "label-name", "the labels of " + owner() + " end in ','; OpenMetrics has none before '}'");
      }
      return fail(name_pos, "label-name",
                  "invalid label name " + quoted(line_.substr(name_pos, std::min<std::size_t>(16, line_.size()))) +
                      " for " + owner() + "; label names match [a-zA-Z_][a-zA-Z0-9_]*");
    }
    if (pos_ == line_.size() || line_[pos_] != '=') {
      return fail(pos_, "label-equals",
                  "expected '=' after label name " + quoted(name) + " of " + owner() + ", found " + found(line_, pos_));
    }
    if (!in_exemplar_ && name == kMetricNameLabel) {
      return fail(name_pos, "label-reserved", "label name \"__name__\" is reserved; the metric name goes before the '{'");
    }
    ++pos_;
    if (pos_ == line_.size() || line_[pos_] != '"') {
      return fail(pos_, "label-value-quote",
                  "the value of label " + quoted(name) + " of " + owner() + " must start with '\"', found " +
                      found(line_, pos_));
    }
    label = RawLabel{name, {}, false, name_pos};
    return read_label_value(label, ++pos_);
  }

  bool read_label_value(RawLabel& label, std::size_t begin) {
    const text_scan::LabelValueScan scan = text_scan::scan_label_value(line_, begin);
    if (scan.bad_escape != scan.npos) {
      const char next = scan.bad_escape + 1 < line_.size() ? line_[scan.bad_escape + 1] : '\n';
      return fail(scan.bad_escape, "label-value-escape",
                  "invalid escape sequence " + quoted(std::string("\\") + next) + " in the value of label " +
                      quoted(label.name) + " of " + owner() + "; only \\\\, \\\" and \\n are allowed in label values");
    }
    if (scan.end == scan.npos) {
      return fail(begin - 1, "label-value-newline",
                  "the value of label " + quoted(label.name) + " of " + owner() + " is not closed with '\"'");
    }
    label.value = line_.substr(begin, scan.end - begin);
    label.escaped = scan.escaped;
    pos_ = scan.end + 1;
    if (scan.non_ascii && !is_valid_utf8(label.value)) {
      return fail(begin, "label-value-utf8",
                  "the value of label " + quoted(label.name) + " of " + owner() + " is not valid UTF-8");
    }
    return true;
  }

  static std::string unescaped(const RawLabel& label) {
    std::string value;
    if (!label.escaped) return std::string(label.value);
    text_scan::unescape_label_value(label.value, value);
    return value;
  }

  // A histogram bucket's le and a summary quantile's quantile leave the
  // labels for bound_; on any other line of those families they are refused.
  bool take_bound(Role role) {
    const MetricType family_type = type();
    const bool histogram = is_histogram(family_type);
    const bool summary = family_type == MetricType::summary;
    if (!histogram && !summary) return true;
    const std::string_view bound_name = histogram ? "le" : "quantile";
    const bool wanted = histogram ? role == Role::bucket : role == Role::value;
    const auto it = std::find_if(labels_.begin(), labels_.end(),
                                 [&](const RawLabel& label) { return label.name == bound_name; });
    const char* rule = histogram ? "le-label" : "quantile-label";
    if (it == labels_.end()) {
      if (!wanted) return true;
      return fail(pos_, rule,
                  "the " + std::string(histogram ? "_bucket" : "quantile") + " line of " + owner() + " has no " +
                      std::string(bound_name) + " label");
    }
    if (!wanted) {
      return fail(it->pos, rule,
                  owner() + " has a " + std::string(bound_name) + " label; only the " +
                      (histogram ? "_bucket lines of a histogram have one" : "quantile lines of a summary have one"));
    }
    std::string decoded;
    if (it->escaped) text_scan::unescape_label_value(it->value, decoded);
    const std::string_view text = it->escaped ? std::string_view(decoded) : it->value;
    bound_ = parse_double(text);
    const bool in_range = bound_ && !std::isnan(*bound_) && (histogram || (*bound_ >= 0 && *bound_ <= 1));
    if (!in_range) {
      return fail(it->pos, histogram ? "le-value" : "quantile-value",
                  "the " + std::string(bound_name) + " label of " + owner() + " must be " +
                      (histogram ? "a number" : "a number from 0 to 1") + ", got " + quoted(text));
    }
    labels_.erase(it);
    return true;
  }

  bool check_sample_labels() {
    if (bounds_.max_labels_per_series != 0 && labels_.size() > bounds_.max_labels_per_series) {
      return too_many_labels(labels_.back().pos);
    }
    if (type() == MetricType::stateset &&
        std::none_of(labels_.begin(), labels_.end(), [&](const RawLabel& l) { return l.name == family_.name; })) {
      return fail(0, "stateset-label",
                  "the sample of stateset " + quoted(family_.name) + " has no label " + quoted(family_.name) +
                      "; a stateset's label named as the family says which state the sample is");
    }
    return true;
  }

  // ---- value, timestamp, exemplar ----

  bool read_tail(Role role, SampleTail& tail) {
    if (pos_ == line_.size() || line_[pos_] != ' ') {
      return fail(pos_, "sample-value",
                  "expected one blank and the value after " + owner() + ", found " + found(line_, pos_));
    }
    const std::size_t value_pos = ++pos_;
    tail.value_token = read_token();
    const std::optional<double> value = parse_double(tail.value_token);
    if (!value) {
      return fail(value_pos, "sample-value",
                  "expected a number as the value of " + owner() + ", got " + quoted(tail.value_token) +
                      "; numbers look like 1, -1.5e3, NaN or +Inf, after exactly one blank");
    }
    tail.value = *value;
    if (pos_ == line_.size()) return true;
    if (line_.substr(pos_).starts_with(" # ")) return read_exemplar(role, tail);
    const std::size_t timestamp_pos = ++pos_;
    const std::string_view token = read_token();
    const std::optional<Timestamp> timestamp = parse_seconds(token);
    const auto kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000 - 1;
    if (!timestamp || timestamp->seconds > kMaxSeconds || timestamp->seconds < -kMaxSeconds) {
      return fail(timestamp_pos, "timestamp",
                  "expected a timestamp in seconds (like 1700000000.25) after the value of " + owner() + ", got " +
                      quoted(token));
    }
    tail.timestamp_ms = timestamp->seconds * 1000 + timestamp->nanos / 1'000'000;
    if (pos_ == line_.size()) return true;
    if (line_.substr(pos_).starts_with(" # ")) return read_exemplar(role, tail);
    return fail(pos_, "after-timestamp",
                "unexpected " + quoted(line_.substr(pos_)) + " after the timestamp of " + owner() +
                    "; a sample line ends with its timestamp or an exemplar \" # {labels} value\"");
  }

  bool read_exemplar(Role role, SampleTail& tail) {
    const bool allowed = (type() == MetricType::counter && role == Role::total) ||
                         (is_histogram(type()) && role == Role::bucket);
    if (!allowed) {
      return fail(pos_ + 1, "exemplar-placement",
                  owner() + " has an exemplar; only counter _total and histogram _bucket lines may have one");
    }
    pos_ += 3;
    if (pos_ == line_.size() || line_[pos_] != '{') {
      return fail(pos_, "exemplar-syntax",
                  "the exemplar of " + owner() + " must start with its labels in '{}', found " + found(line_, pos_));
    }
    in_exemplar_ = true;
    exemplar_labels_.clear();
    const bool read = read_label_set(exemplar_labels_, kMaxExemplarLabelCharacters + 1) &&
                      read_exemplar_value(tail);
    in_exemplar_ = false;
    return read;
  }

  bool read_exemplar_value(SampleTail& tail) {
    Exemplar& exemplar = tail.exemplar.emplace();
    std::size_t characters = 0;
    for (const RawLabel& raw : exemplar_labels_) {
      Label& label = exemplar.labels.emplace_back(Label{std::string(raw.name), unescaped(raw)});
      characters += label.name.size() + code_points(label.value);
    }
    if (characters > kMaxExemplarLabelCharacters) {
      return fail(0, "exemplar-labels-length",
                  owner() + " has " + std::to_string(characters) + " characters in its label names and values; " +
                      "the most OpenMetrics allows is " + std::to_string(kMaxExemplarLabelCharacters));
    }
    const std::size_t value_pos = pos_ + 1;
    const std::string_view value_token = pos_ < line_.size() && line_[pos_] == ' ' ? (++pos_, read_token()) : "";
    const std::optional<double> value = parse_double(value_token);
    if (!value) {
      return fail(value_pos, "exemplar-value",
                  "expected one blank and a number as the value of " + owner() + ", got " + quoted(value_token));
    }
    exemplar.value = *value;
    if (pos_ == line_.size()) return true;
    const std::size_t timestamp_pos = ++pos_;
    const std::string_view token = read_token();
    exemplar.timestamp = parse_seconds(token);
    if (!exemplar.timestamp || pos_ != line_.size()) {
      return fail(timestamp_pos, "exemplar-timestamp",
                  "expected a timestamp in seconds to end the exemplar of " + owner() + ", got " +
                      quoted(line_.substr(timestamp_pos)));
    }
    return true;
  }

  // ---- series ----

  bool bad_value(const SampleTail& tail, std::string rule, std::string_view why) {
    return fail(0, std::move(rule), owner() + " has the value " + quoted(tail.value_token) + "; " + std::string(why));
  }

  bool check_value(Role role, const SampleTail& tail) {
    const double v = tail.value;
    switch (role) {
      case Role::total:
        return v >= 0 || bad_value(tail, "counter-value", "a counter's total is a non-negative number, not NaN");
      case Role::created:
        created_ = parse_seconds(tail.value_token);
        return created_ || bad_value(tail, "created-value", "a _created value is a time in seconds since the epoch");
      case Role::bucket:
      case Role::count:
        return is_count(v) || bad_value(tail, role == Role::bucket ? "bucket-value" : "count-value",
                                        "bucket values and counts are non-negative integers");
      case Role::sum:
        if (type() == MetricType::gauge_histogram) {
          return !std::isnan(v) || bad_value(tail, "sum-value", "a _gsum is a number, not NaN");
        }
        return v >= 0 || bad_value(tail, "sum-value", "a sum is a non-negative number, not NaN");
      case Role::value: break;
    }
    if (type() == MetricType::info && v != 1) return bad_value(tail, "info-value", "an info sample's value is always 1");
    if (type() == MetricType::stateset && v != 0 && v != 1) {
      return bad_value(tail, "stateset-value", "a state is 1 (set) or 0 (not set)");
    }
    return true;
  }

  bool add_sample(Role role, const SampleTail& tail) {
    if (!check_value(role, tail)) return false;
    const std::uint64_t hash = text_scan::label_set_hash(labels_, family_.index);
    Family& open = family();
    SeriesEntry* entry = series_.find(hash, [&](const SeriesEntry& candidate) {
      return candidate.family == family_.index && text_scan::same_labels(labels_, open.metrics[candidate.metric].labels);
    });
    if (entry != nullptr && entry != current_) {
      return fail(0, "series-interleaved",
                  "the lines of " + owner() + " with the labels " + text_scan::describe_labels(labels_) +
                      " are split by another series' lines; a series' lines must come together");
    }
    if (entry == nullptr) {
      if (!close_series() || !open_series(hash)) return false;
      entry = current_;
      open.metrics.back().timestamp_ms = tail.timestamp_ms;
    }
    Metric& metric = open.metrics[entry->metric];
    if (metric.timestamp_ms != tail.timestamp_ms) {
      return fail(0, "series-timestamp",
                  "the lines of " + owner() + " with the labels " + text_scan::describe_labels(labels_) +
                      " carry different timestamps; one series has one timestamp, or none");
    }
    return apply(role, tail, *entry, metric);
  }

  bool open_series(std::uint64_t hash) {
    if (bounds_.max_series != 0 && ++series_count_ > bounds_.max_series) {
      return fail(0, std::string(kTooManySeriesRule),
                  "the body has more than " + std::to_string(bounds_.max_series) + " series, the most one push may have");
    }
    Family& open = family();
    Metric& metric = open.metrics.emplace_back();
    metric.source_line = static_cast<std::uint32_t>(line_number_);
    metric.labels.reserve(labels_.size());
    for (const RawLabel& raw : labels_) metric.labels.push_back(Label{std::string(raw.name), unescaped(raw)});
    current_ = &series_.insert(SeriesEntry{hash, family_.index, static_cast<std::uint32_t>(open.metrics.size() - 1),
                                           static_cast<std::uint32_t>(line_number_), 0});
    return true;
  }

  bool once(SeriesEntry& entry, std::uint8_t bit, std::string_view what) {
    if ((entry.seen & bit) == 0) {
      entry.seen |= bit;
      return true;
    }
    return fail(0, "duplicate-series",
                owner() + " has a second " + std::string(what) + " line for the labels " +
                    text_scan::describe_labels(labels_) + "; each series may appear once per push");
  }

  bool apply(Role role, const SampleTail& tail, SeriesEntry& entry, Metric& metric) {
    switch (role) {
      case Role::total:
        if (!once(entry, kSeenValue, "_total")) return false;
        metric.value = tail.value;
        if (tail.exemplar) metric.exemplars.assign(1, *tail.exemplar);
        return true;
      case Role::created:
        if (!once(entry, kSeenCreated, "_created")) return false;
        metric.created = created_;
        return true;
      case Role::count:
        if (!once(entry, kSeenCount, "count")) return false;
        metric.sample_count = tail.value;
        return true;
      case Role::sum:
        if (!once(entry, kSeenSum, "sum")) return false;
        metric.sample_sum = tail.value;
        return true;
      case Role::bucket: return add_bucket(metric, tail);
      case Role::value: break;
    }
    if (type() == MetricType::summary) return add_quantile(entry, metric, tail.value);
    if (!once(entry, kSeenValue, "value")) return false;
    metric.value = tail.value;
    return true;
  }

  bool add_bucket(Metric& metric, const SampleTail& tail) {
    const double bound = *bound_;
    if (!metric.buckets.empty()) {
      const Bucket& last = metric.buckets.back();
      if (bound == last.upper_bound) {
        return fail(0, "duplicate-series",
                    owner() + " has a second bucket le=\"" + value_text(bound) + "\" for the labels " +
                        text_scan::describe_labels(labels_) + "; each bucket may appear once per series");
      }
      if (bound < last.upper_bound) {
        return fail(0, "bucket-order",
                    owner() + " has the bucket le=\"" + value_text(bound) + "\" after le=\"" +
                        value_text(last.upper_bound) + "\"; buckets come in ascending order of le");
      }
      if (tail.value < last.cumulative_count) {
        return fail(0, "bucket-cumulative",
                    owner() + " counts " + value_text(tail.value) + " in le=\"" + value_text(bound) + "\" but " +
                        value_text(last.cumulative_count) + " in le=\"" + value_text(last.upper_bound) +
                        "\"; bucket values are cumulative and cannot fall");
      }
    }
    metric.buckets.push_back(Bucket{bound, tail.value, tail.exemplar});
    return true;
  }

  bool add_quantile(SeriesEntry& entry, Metric& metric, double value) {
    const double quantile = *bound_;
    for (const Quantile& seen : metric.quantiles) {
      if (seen.quantile == quantile) {
        return fail(0, "duplicate-series",
                    owner() + " has a second quantile=\"" + value_text(quantile) + "\" line for the labels " +
                        text_scan::describe_labels(labels_) + "; each quantile may appear once per series");
      }
    }
    if (!metric.quantiles.empty() && quantile < metric.quantiles.back().quantile) entry.seen |= kQuantilesUnordered;
    metric.quantiles.push_back(Quantile{quantile, value});
    return true;
  }

  // The open series is complete: what only its whole can break is checked,
  // at the line where it starts.
  bool close_series() {
    SeriesEntry* entry = current_;
    current_ = nullptr;
    if (entry == nullptr) return true;
    const Family& open = families_[entry->family];
    Metric& metric = families_[entry->family].metrics[entry->metric];
    if (open.type == MetricType::counter && (entry->seen & kSeenValue) == 0) {
      return bad_series(*entry, "counter-total", "has no _total line");
    }
    if ((entry->seen & kQuantilesUnordered) != 0) {
      std::stable_sort(metric.quantiles.begin(), metric.quantiles.end(),
                       [](const Quantile& a, const Quantile& b) { return a.quantile < b.quantile; });
    }
    return !is_histogram(open.type) || close_histogram(*entry, metric);
  }

  // A problem of a whole series, reported at the line where it starts.
  bool bad_series(const SeriesEntry& entry, std::string rule, const std::string& problem) {
    const Family& open = families_[entry.family];
    return fail_at_line(entry.first_line, std::move(rule),
                        std::string(openmetrics_type_word(open.type)) + " " + quoted(family_.name) + " " +
                            text_scan::describe_labels(open.metrics[entry.metric].labels) +
                            " that starts on this line " + problem);
  }

  bool close_histogram(const SeriesEntry& entry, Metric& metric) {
    if (metric.buckets.empty() || metric.buckets.back().upper_bound != std::numeric_limits<double>::infinity()) {
      return bad_series(entry, "histogram-inf-bucket", "has no le=\"+Inf\" bucket; every histogram has one");
    }
    const bool count = (entry.seen & kSeenCount) != 0;
    if (count != ((entry.seen & kSeenSum) != 0)) {
      return bad_series(entry, "histogram-count-sum",
                        std::string(count ? "has a count but no sum" : "has a sum but no count") +
                            "; the two come together or not at all");
    }
    const double infinite = metric.buckets.back().cumulative_count;
    if (count && metric.sample_count != infinite) {
      return bad_series(entry, "histogram-count",
                        "has the count " + value_text(metric.sample_count) + " but " + value_text(infinite) +
                            " in its le=\"+Inf\" bucket; they must be equal");
    }
    metric.sample_count = infinite;
    return true;
  }

  std::string_view body_;
  ParseBounds bounds_;
  std::size_t series_count_ = 0;
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
  bool eof_ = false;
  std::optional<ParseError> error_;

  Families families_;
  OpenFamily family_;
  bool has_family_ = false;
  std::unordered_set<std::string_view, text_scan::NameHash> family_names_;  // as the body writes them
  std::unordered_set<std::string> model_names_;
  text_scan::SeriesTable<SeriesEntry> series_;
  SeriesEntry* current_ = nullptr;  // the open series

  // The sample line being read.
  std::string_view sample_name_;
  std::vector<RawLabel> labels_;
  std::optional<double> bound_;  // its le or quantile
  std::optional<Timestamp> created_;
  bool in_exemplar_ = false;
  std::vector<RawLabel> exemplar_labels_;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

OpenMetricsContentType classify_openmetrics(std::string_view content_type) {
  std::size_t semicolon = content_type.find(';');
  if (!equals_ignoring_case(trim(content_type.substr(0, semicolon)), "application/openmetrics-text")) {
    return OpenMetricsContentType::other;
  }
  while (semicolon != std::string_view::npos) {
    const std::size_t next = content_type.find(';', semicolon + 1);
    const std::string_view parameter = content_type.substr(semicolon + 1, next - semicolon - 1);
    semicolon = next;
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || !equals_ignoring_case(trim(parameter.substr(0, equals)), "version")) {
      continue;
    }
    std::string_view version = trim(parameter.substr(equals + 1));
    if (version.size() >= 2 && version.front() == '"' && version.back() == '"') version = version.substr(1, version.size() - 2);
    if (version != "1.0.0" && version != "0.0.1") return OpenMetricsContentType::unknown_version;
  }
  return OpenMetricsContentType::supported;
}

boost::system::result<Families, ParseError> parse_openmetrics(std::string_view body, const ParseBounds& bounds) {
  return OpenMetricsParser(body, bounds).run();
}

}  // namespace flowgate::exposition
