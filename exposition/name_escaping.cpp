#include "exposition/name_escaping.hpp"

#include <array>

#include "exposition/names.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition {
namespace {

struct SchemeName {
  NameEscaping escaping;
  std::string_view param;
};

constexpr std::array<SchemeName, 4> kSchemes = {{{NameEscaping::allow_utf8, "allow-utf-8"},
                                                 {NameEscaping::underscores, "underscores"},
                                                 {NameEscaping::dots, "dots"},
                                                 {NameEscaping::values, "values"}}};

// A character of the legacy metric-name grammar at this place in a name.
bool is_legacy_character(char32_t c, bool first) {
  if (c >= 0x80) return false;
  return has_name_class(static_cast<char>(c), first ? kMetricNameStart : kMetricNameContinue);
}

void append_hex(char32_t code, std::string& out) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  char digits[8];
  std::size_t count = 0;
  auto value = static_cast<std::uint32_t>(code);
  do {
    digits[count++] = kDigits[value & 0xF];
    value >>= 4;
  } while (value != 0);
  while (count > 0) out += digits[--count];
}

// One character of a name (nullopt: a byte that is not UTF-8) in `escaping`.
void append_escaped_character(std::optional<char32_t> c, bool first, NameEscaping escaping, std::string& out) {
  const bool legacy = c && is_legacy_character(*c, first);
  switch (escaping) {
    case NameEscaping::allow_utf8:
    case NameEscaping::underscores:
      if (legacy) {
        out += static_cast<char>(*c);
      } else {
        out += '_';
      }
      return;
    case NameEscaping::dots:
      if (c == U'_') {
        out += "__";
      } else if (c == U'.') {
        out += "_dot_";
      } else if (legacy) {
        out += static_cast<char>(*c);
      } else {
        out += "__";
      }
      return;
    case NameEscaping::values:
      if (c == U'_') {
        out += "__";
      } else if (legacy) {
        out += static_cast<char>(*c);
      } else {
        out += '_';
        append_hex(c.value_or(U'\uFFFD'), out);
        out += '_';
      }
      return;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "_<hex>_" at `pos` (just past the first '_'): at most six digits, a valid
// code point; `pos` ends past the closing '_'.
std::optional<char32_t> read_code_point(std::string_view text, std::size_t& pos) {
  std::uint32_t code = 0;
  for (std::size_t digits = 0; pos < text.size(); ++digits, ++pos) {
    if (text[pos] == '_') {
      ++pos;
      const bool valid = digits > 0 && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
      return valid ? std::optional<char32_t>(static_cast<char32_t>(code)) : std::nullopt;
    }
    const int digit = hex_value(text[pos]);
    if (digits == 6 || digit < 0) return std::nullopt;
    code = code * 16 + static_cast<std::uint32_t>(digit);
  }
  return std::nullopt;
}

}  // namespace

std::string_view escaping_param(NameEscaping escaping) {
  for (const SchemeName& scheme : kSchemes) {
    if (scheme.escaping == escaping) return scheme.param;
  }
  return "underscores";
}

std::optional<NameEscaping> parse_escaping_param(std::string_view value) {
  for (const SchemeName& scheme : kSchemes) {
    if (scheme.param == value) return scheme.escaping;
  }
  return std::nullopt;
}

namespace {

std::string escape_characters(std::string_view name, NameEscaping escaping) {
  std::string out;
  out.reserve(name.size() + 8);
  if (escaping == NameEscaping::values) out += "U__";
  std::size_t pos = 0;
  while (pos < name.size()) {
    const bool first = pos == 0;
    append_escaped_character(next_code_point(name, pos), first, escaping, out);
  }
  return out;
}

}  // namespace

std::string escape_name(std::string_view name, NameEscaping escaping) {
  if (escaping == NameEscaping::allow_utf8 || name.empty() || !needs_escaping(name)) return std::string(name);
  return escape_characters(name, escaping);
}

std::string values_escaped(std::string_view name) { return escape_characters(name, NameEscaping::values); }

std::string unescape_values_name(std::string_view name) {
  constexpr std::string_view kPrefix = "U__";
  if (!name.starts_with(kPrefix)) return std::string(name);
  const std::string_view escaped = name.substr(kPrefix.size());
  std::string out;
  std::size_t pos = 0;
  while (pos < escaped.size()) {
    if (escaped[pos] != '_') {
      out += escaped[pos++];
      continue;
    }
    ++pos;
    if (pos < escaped.size() && escaped[pos] == '_') {
      out += '_';
      ++pos;
      continue;
    }
    const auto code = read_code_point(escaped, pos);
    if (!code) return std::string(name);
    append_utf8(*code, out);
  }
  return out;
}

bool has_only_legacy_names(const Family& family) {
  if (needs_escaping(family.name)) return false;
  const auto legacy = [](const Labels& labels) {
    for (const Label& label : labels) {
      if (needs_escaping(label.name)) return false;
    }
    return true;
  };
  for (const Metric& metric : family.metrics) {
    if (!legacy(metric.labels)) return false;
    for (const Exemplar& exemplar : metric.exemplars) {
      if (!legacy(exemplar.labels)) return false;
    }
    for (const Bucket& bucket : metric.buckets) {
      if (bucket.exemplar && !legacy(bucket.exemplar->labels)) return false;
    }
  }
  return true;
}

Family escape_names(const Family& family, NameEscaping escaping) {
  Family out = family;
  const auto escape_labels = [escaping](Labels& labels) {
    for (Label& label : labels) label.name = escape_name(label.name, escaping);
  };
  out.name = escape_name(family.name, escaping);
  for (Metric& metric : out.metrics) {
    escape_labels(metric.labels);
    for (Exemplar& exemplar : metric.exemplars) escape_labels(exemplar.labels);
    for (Bucket& bucket : metric.buckets) {
      if (bucket.exemplar) escape_labels(bucket.exemplar->labels);
    }
  }
  return out;
}

}  // namespace flowgate::exposition
