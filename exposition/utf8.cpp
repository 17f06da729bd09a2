#include "exposition/utf8.hpp"

#include <cstdint>
#include <string>

namespace flowgate::exposition {

std::optional<char32_t> next_code_point(std::string_view bytes, std::size_t& pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + pos;
  const std::size_t left = bytes.size() - pos;
  const unsigned char c = *p;
  if (c < 0x80) {
    ++pos;
    return c;
  }
  std::size_t length = 0;
  std::uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) {
    length = 2;
    code = c & 0x1Fu;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3;
    code = c & 0x0Fu;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4;
    code = c & 0x07u;
  }
  bool valid = length != 0 && left >= length;
  for (std::size_t i = 1; valid && i < length; ++i) {
    valid = (p[i] & 0xC0) == 0x80;
    code = (code << 6) | (p[i] & 0x3Fu);
  }
  const bool overlong = (length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  if (!valid || overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    ++pos;
    return std::nullopt;
  }
  pos += length;
  return static_cast<char32_t>(code);
}

bool is_valid_utf8(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if (!next_code_point(bytes, pos)) return false;
  }
  return true;
}

void append_utf8(char32_t code, std::string& out) {
  const auto byte = [&out](std::uint32_t value) { out += static_cast<char>(value); };
  const auto c = static_cast<std::uint32_t>(code);
  if (c < 0x80) {
    byte(c);
  } else if (c < 0x800) {
    byte(0xC0 | (c >> 6));
    byte(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    byte(0xE0 | (c >> 12));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  } else {
    byte(0xF0 | (c >> 18));
    byte(0x80 | ((c >> 12) & 0x3F));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  }
}

}  // namespace flowgate::exposition
