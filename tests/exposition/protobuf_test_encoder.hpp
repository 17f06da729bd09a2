#pragma once
// A deliberately naive protobuf encoder for building test inputs byte by
// byte, independent of exposition/protobuf_writer.cpp so that parser tests do
// not trust the writer they also check.

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace flowgate::exposition::test {

inline std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

inline std::string tag(std::uint32_t field, std::uint32_t wire) { return varint(std::uint64_t{field} << 3 | wire); }

inline std::string uint_field(std::uint32_t field, std::uint64_t v) { return tag(field, 0) + varint(v); }

inline std::string sint_field(std::uint32_t field, std::int64_t v) {
  return uint_field(field, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

inline std::string fixed64(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  return out;
}

inline std::string double_field(std::uint32_t field, double v) { return tag(field, 1) + fixed64(v); }

inline std::string bytes_field(std::uint32_t field, std::string_view payload) {
  return tag(field, 2) + varint(payload.size()) + std::string(payload);
}

inline std::string concat(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

inline std::string delimited(std::string_view message) { return varint(message.size()) + std::string(message); }

inline std::string label(std::string_view name, std::string_view value) {
  return bytes_field(1, bytes_field(1, name) + bytes_field(2, value));
}

// MetricFamily{name, help, type, metric...}, length-prefixed.
inline std::string family(std::string_view name, std::uint64_t type, std::initializer_list<std::string> metrics,
                          std::string_view help = "") {
  std::string message = bytes_field(1, name);
  if (!help.empty()) message += bytes_field(2, help);
  message += uint_field(3, type);
  for (const auto& m : metrics) message += bytes_field(4, m);
  return delimited(message);
}

}  // namespace flowgate::exposition::test
