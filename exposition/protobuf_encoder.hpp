#pragma once
// Protobuf wire-format writing primitives shared by every encoder here (the
// client_model writer, remote write 1.0 and 2.0): appends to a std::string,
// no allocation beyond it. The reading side is protobuf_wire.hpp.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "exposition/model.hpp"

namespace flowgate::exposition::wire {

inline constexpr std::uint32_t kVarintWire = 0;
inline constexpr std::uint32_t kFixed64Wire = 1;
inline constexpr std::uint32_t kLenWire = 2;

inline std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void put_varint(std::uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_tag(std::uint32_t field, std::uint32_t wire, std::string& out) { put_varint(field << 3 | wire, out); }

inline void put_fixed64_bits(std::uint64_t bits, std::string& out) {
  char bytes[8];
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  out.append(bytes, 8);
}

inline void put_double(std::uint32_t field, double v, std::string& out) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  put_tag(field, kFixed64Wire, out);
  put_fixed64_bits(bits, out);
}

inline void put_uint(std::uint32_t field, std::uint64_t v, std::string& out) {
  put_tag(field, kVarintWire, out);
  put_varint(v, out);
}

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

inline void put_sint(std::uint32_t field, std::int64_t v, std::string& out) { put_uint(field, zigzag(v), out); }

inline void put_string(std::uint32_t field, std::string_view s, std::string& out) {
  put_tag(field, kLenWire, out);
  put_varint(s.size(), out);
  out.append(s);
}

// Counts are doubles in the model; on the wire they are uint64. NaN and
// negatives become 0, anything past the range the largest count.
inline std::uint64_t count_bits(double count) {
  if (!(count >= 0)) return 0;
  if (count >= 18446744073709551616.0) return UINT64_MAX;
  return static_cast<std::uint64_t>(count);
}

// A nested message is written in place behind a one-byte length guess; a
// body of 128 bytes or more (rare: big histograms, whole metrics) moves right
// by the extra length bytes. This avoids a sizing pass over every message.
class Nested {
 public:
  Nested(std::uint32_t field, std::string& out) : out_(out) {
    put_tag(field, kLenWire, out);
    length_at_ = out.size();
    out.push_back('\0');
  }
  ~Nested() {
    const std::size_t size = out_.size() - length_at_ - 1;
    if (size < 0x80) {
      out_[length_at_] = static_cast<char>(size);
      return;
    }
    std::string length;
    put_varint(size, length);
    out_.replace(length_at_, 1, length);
  }
  Nested(const Nested&) = delete;
  Nested& operator=(const Nested&) = delete;

 private:
  std::string& out_;
  std::size_t length_at_ = 0;
};

// Repeated {string name = 1; string value = 2;} messages: client_model's
// LabelPair and remote write's Label share the layout.
inline void put_labels(std::uint32_t field, const Labels& labels, std::string& out) {
  for (const auto& label : labels) {
    put_tag(field, kLenWire, out);
    put_varint(2 + varint_size(label.name.size()) + label.name.size() + varint_size(label.value.size()) +
                   label.value.size(),
               out);
    put_string(1, label.name, out);
    put_string(2, label.value, out);
  }
}

// Repeated BucketSpan {sint32 offset = 1; uint32 length = 2;}: the same in both.
inline void put_spans(std::uint32_t field, const std::vector<BucketSpan>& spans, std::string& out) {
  for (const auto& span : spans) {
    Nested message(field, out);
    put_sint(1, span.offset, out);
    put_uint(2, span.length, out);
  }
}

}  // namespace flowgate::exposition::wire
