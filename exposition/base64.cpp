#include "exposition/base64.hpp"

#include <array>
#include <cstdint>

namespace flowgate::exposition {
namespace {

constexpr std::string_view kStandard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::string_view alphabet_of(Base64Alphabet alphabet) {
  return alphabet == Base64Alphabet::standard ? kStandard : kUrlSafe;
}

constexpr std::uint8_t kNotInAlphabet = 0xFF;

constexpr std::array<std::uint8_t, 256> make_values(std::string_view alphabet) {
  std::array<std::uint8_t, 256> values{};
  values.fill(kNotInAlphabet);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    values[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return values;
}

constexpr auto kStandardValues = make_values(kStandard);
constexpr auto kUrlSafeValues = make_values(kUrlSafe);

std::uint32_t byte_at(std::string_view bytes, std::size_t i) { return static_cast<unsigned char>(bytes[i]); }

}  // namespace

void append_base64(std::string_view bytes, Base64Form form, std::string& out) {
  const std::string_view alphabet = alphabet_of(form.alphabet);
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8 | byte_at(bytes, i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(group >> shift) & 0x3Fu];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t group = byte_at(bytes, i) << 16;
  if (rest == 2) group |= byte_at(bytes, i + 1) << 8;
  out += alphabet[(group >> 18) & 0x3Fu];
  out += alphabet[(group >> 12) & 0x3Fu];
  if (rest == 2) out += alphabet[(group >> 6) & 0x3Fu];
  if (form.padded) out.append(3 - rest, '=');
}

std::string encode_base64(std::string_view bytes, Base64Form form) {
  std::string out;
  append_base64(bytes, form, out);
  return out;
}

boost::system::result<std::string, Base64Error> decode_base64(std::string_view text, Base64Form form) {
  const auto& values = form.alphabet == Base64Alphabet::standard ? kStandardValues : kUrlSafeValues;
  std::size_t data = text.size();  // characters before the padding
  if (form.padded) {
    if (text.size() % 4 != 0) return Base64Error{text.size() / 4 * 4};
    for (int pads = 0; pads < 2 && data > 0 && text[data - 1] == '='; ++pads) --data;
  } else if (text.size() % 4 == 1) {
    // One character of a group carries six bits, less than a byte. Go blames
    // that character, unless an earlier one is outside the alphabet.
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (values[static_cast<unsigned char>(text[i])] == kNotInAlphabet) return Base64Error{i};
    }
    return Base64Error{text.size() - 1};
  }
  std::string out;
  out.reserve(data * 3 / 4);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < data; ++i) {
    const std::uint8_t value = values[static_cast<unsigned char>(text[i])];
    if (value == kNotInAlphabet) return Base64Error{i};
    bits = (bits << 6) | value;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFFu);
    }
  }
  if (form.padded && (bits & ((1u << bit_count) - 1)) != 0) return Base64Error{data - 1};
  return out;
}

}  // namespace flowgate::exposition
