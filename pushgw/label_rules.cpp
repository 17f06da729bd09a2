#include "pushgw/label_rules.hpp"

#include <cstdint>

namespace flowgate::pushgw {

bool is_reserved_label_name(std::string_view name) { return name.starts_with("__"); }

std::string quoted(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string quoted_start(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return quoted(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0u) == 0x80u) --cut;
  return quoted(text.substr(0, cut)) + "...";
}

}  // namespace flowgate::pushgw
