#include "exposition/names.hpp"

#include <algorithm>

#include "exposition/utf8.hpp"

namespace flowgate::exposition {
namespace {

void append_hex_escape(unsigned char byte, std::string& out) {
  constexpr std::string_view kHex = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

}  // namespace

bool is_metric_name(std::string_view name, NameValidation validation) {
  if (validation == NameValidation::legacy) return is_metric_name(name);
  return !name.empty() && is_valid_utf8(name);
}

bool is_label_name(std::string_view name, NameValidation validation) {
  if (validation == NameValidation::legacy) return is_label_name(name);
  return !name.empty() && is_valid_utf8(name);
}

namespace {

std::string name_rule(std::string_view what, std::string_view grammar, NameValidation validation) {
  if (validation == NameValidation::utf8) return std::string(what) + " names are non-empty valid UTF-8";
  return std::string(what) + " names match " + std::string(grammar) + " (any UTF-8 with --push.enable-utf8-names)";
}

}  // namespace

std::string metric_name_rule(NameValidation validation) {
  return name_rule("metric", "[a-zA-Z_:][a-zA-Z0-9_:]*", validation);
}

std::string label_name_rule(NameValidation validation) {
  return name_rule("label", "[a-zA-Z_][a-zA-Z0-9_]*", validation);
}

std::string quoted_for_message(std::string_view text, std::size_t max_bytes) {
  std::size_t shown_size = std::min(text.size(), max_bytes);
  // Cut before a character, not inside one, so that valid text stays readable.
  while (shown_size > 0 && shown_size < text.size() && (static_cast<unsigned char>(text[shown_size]) & 0xC0) == 0x80) {
    --shown_size;
  }
  const std::string_view shown = text.substr(0, shown_size);
  const bool utf8 = is_valid_utf8(shown);
  std::string out = "\"";
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F || (byte >= 0x80 && !utf8)) {
      append_hex_escape(byte, out);
    } else {
      out += c;
    }
  }
  if (text.size() > shown_size) out += "...";
  out += '"';
  return out;
}

}  // namespace flowgate::exposition
