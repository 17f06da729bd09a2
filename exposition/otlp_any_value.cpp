#include "exposition/otlp_any_value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "exposition/base64.hpp"

namespace flowgate::exposition::otlp {
namespace {

// ES6 Number::toString, as Go's encoding/json and OpenTelemetry's AsString
// write a double: shortest round trip, fixed unless the exponent is below -6
// or at least 21, exponents without padding.
void append_es6_number(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  const double magnitude = std::fabs(value);
  const bool scientific = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21);
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value,
                    scientific ? std::chars_format::scientific : std::chars_format::fixed);
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  if (!scientific) {
    out += text;
    return;
  }
  // "1e-07" -> "1e-7": C++ pads the exponent to two digits, ES6 does not.
  const std::size_t e = text.find('e');
  out += text.substr(0, e + 2);
  std::string_view digits = text.substr(e + 2);
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  out += digits;
}

// A JSON string as Go's encoder writes it with HTML escaping off.
void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8 || static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";  // as Go escapes them
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append_json(const AnyValue& value, std::string& out) {
  switch (value.kind) {
    case AnyValue::Kind::empty: out += "null"; return;
    case AnyValue::Kind::string: append_json_string(value.text, out); return;
    case AnyValue::Kind::boolean: out += value.boolean ? "true" : "false"; return;
    case AnyValue::Kind::integer: out += std::to_string(value.integer); return;
    case AnyValue::Kind::floating: append_es6_number(value.floating, out); return;
    case AnyValue::Kind::bytes: {
      out += '"';
      append_base64(value.text, kStandardBase64, out);
      out += '"';
      return;
    }
    case AnyValue::Kind::array: {
      out += '[';
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (i != 0) out += ',';
        append_json(value.items[i], out);
      }
      out += ']';
      return;
    }
    case AnyValue::Kind::map: {
      // Go marshals a map with its keys sorted; a key sent twice keeps the last value.
      std::vector<const AnyValue::Entry*> sorted;
      for (const auto& entry : value.entries) sorted.push_back(&entry);
      std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i + 1 < sorted.size() && sorted[i + 1]->key == sorted[i]->key) continue;
        if (!first) out += ',';
        first = false;
        append_json_string(sorted[i]->key, out);
        out += ':';
        append_json(sorted[i]->value, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string render(const AnyValue& value) {
  std::string out;
  switch (value.kind) {
    case AnyValue::Kind::empty: break;
    case AnyValue::Kind::string: out = value.text; break;
    case AnyValue::Kind::boolean: out = value.boolean ? "true" : "false"; break;
    case AnyValue::Kind::integer: out = std::to_string(value.integer); break;
    case AnyValue::Kind::floating: append_es6_number(value.floating, out); break;
    case AnyValue::Kind::bytes: append_base64(value.text, kStandardBase64, out); break;
    case AnyValue::Kind::array:
    case AnyValue::Kind::map: append_json(value, out); break;
  }
  return out;
}

}  // namespace flowgate::exposition::otlp
