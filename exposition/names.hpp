#pragma once
// Which metric and label names a push may use. By default the legacy
// Prometheus grammar, the one text 0.0.4 carries unquoted, applied alike to
// text and protobuf pushes: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label
// names [a-zA-Z_][a-zA-Z0-9_]*. With UTF-8 names (the Pushgateway 1.11's
// --push.enable-utf8-names) any non-empty valid UTF-8; writers quote or
// escape those (exposition/name_escaping.hpp). Pure functions; safe from any
// thread.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace flowgate::exposition {

// Defined below, inline: writers test every label name they write.
inline bool is_metric_name(std::string_view name);
inline bool is_label_name(std::string_view name);

enum class NameValidation : std::uint8_t {
  legacy,  // the grammar above
  utf8,    // any non-empty valid UTF-8 (model.UTF8Validation in prometheus/common)
};

bool is_metric_name(std::string_view name, NameValidation validation);
bool is_label_name(std::string_view name, NameValidation validation);
// The rule a refusal ends with, e.g. "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*
// (any UTF-8 with --push.enable-utf8-names)" or "label names are non-empty
// valid UTF-8".
std::string metric_name_rule(NameValidation validation);
std::string label_name_rule(NameValidation validation);

// The one label name a push may not set: the metric name goes before the '{'
// (text) or in the family (protobuf). Other "__" names are the store's to
// refuse (pushgw), as the Pushgateway does after parsing.
inline constexpr std::string_view kMetricNameLabel = "__name__";

// Byte classes of the grammar, for scanners that read names in place.
enum NameCharClass : std::uint8_t {
  kMetricNameStart = 1,
  kMetricNameContinue = 2,
  kLabelNameStart = 4,
  kLabelNameContinue = 8,
};

namespace detail {
constexpr std::array<std::uint8_t, 256> make_name_char_classes() {
  std::array<std::uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    std::uint8_t bits = 0;
    if (letter || c == ':') bits |= kMetricNameStart | kMetricNameContinue;
    if (digit) bits |= kMetricNameContinue | kLabelNameContinue;
    if (letter) bits |= kLabelNameStart | kLabelNameContinue;
    classes[static_cast<std::size_t>(c)] = bits;
  }
  return classes;
}
inline constexpr std::array<std::uint8_t, 256> kNameCharClasses = make_name_char_classes();
}  // namespace detail

inline bool has_name_class(char c, NameCharClass bit) {
  return (detail::kNameCharClasses[static_cast<unsigned char>(c)] & bit) != 0;
}

namespace detail {
inline bool matches(std::string_view name, NameCharClass start, NameCharClass next) {
  if (name.empty() || !has_name_class(name.front(), start)) return false;
  for (const char c : name.substr(1)) {
    if (!has_name_class(c, next)) return false;
  }
  return true;
}
}  // namespace detail

inline bool is_metric_name(std::string_view name) {
  return detail::matches(name, kMetricNameStart, kMetricNameContinue);
}

inline bool is_label_name(std::string_view name) { return detail::matches(name, kLabelNameStart, kLabelNameContinue); }

// Input bytes as a quoted, one-line string for an error sentence: `"` and `\`
// escaped, control bytes, DEL and bytes that are not UTF-8 as \xNN or \n, \t,
// \r, and at most `max_bytes` shown ("..." after), so a message never carries
// the raw bytes a pusher chose.
std::string quoted_for_message(std::string_view text, std::size_t max_bytes = 64);

}  // namespace flowgate::exposition
