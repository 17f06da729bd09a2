#include "exposition/protobuf_scalar_series.hpp"

#include <bit>
#include <cstring>

#include "exposition/names.hpp"
#include "exposition/utf8.hpp"

namespace flowgate::exposition {

namespace {

// metrics.proto's wire types: the only two a plain series uses.
constexpr std::uint64_t kLen = 2;
constexpr std::uint64_t kFixed64 = 1;

// The Metric field that carries a value of `type` (metrics.proto), 0: none of ours.
std::uint64_t value_field(MetricType type) {
  switch (type) {
    case MetricType::gauge: return 2;
    case MetricType::counter: return 3;
    case MetricType::untyped: return 5;
    default: return 0;
  }
}

// A bounds-checked walk over one message's bytes. Hand-rolled rather than
// wire::Reader: this is a hot path, and any surprise just gives up (the
// caller then parses), so no problem needs describing.
struct Cursor {
  std::string_view bytes;

  bool done() const { return bytes.empty(); }

  [[gnu::always_inline]] bool varint(std::uint64_t& value) {
    if (!bytes.empty() && static_cast<unsigned char>(bytes.front()) < 0x80) {  // tags and short lengths
      value = static_cast<unsigned char>(bytes.front());
      bytes.remove_prefix(1);
      return true;
    }
    value = 0;
    for (unsigned shift = 0; shift < 64 && !bytes.empty(); shift += 7) {
      const auto byte = static_cast<unsigned char>(bytes.front());
      bytes.remove_prefix(1);
      if (shift == 63 && byte > 1) return false;  // past 64 bits, which the parser refuses
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // The next field, which must be length-delimited; its number and payload.
  [[gnu::always_inline]] bool len_field(std::uint64_t& number, std::string_view& payload) {
    std::uint64_t tag = 0;
    std::uint64_t length = 0;
    if (!varint(tag) || (tag & 7) != kLen || !varint(length) || length > bytes.size()) return false;
    number = tag >> 3;
    payload = bytes.substr(0, length);
    bytes.remove_prefix(length);
    return true;
  }
};

// Whether `bytes` are all ASCII, checked a word at a time.
bool ascii(std::string_view bytes) {
  std::uint64_t any = 0;
  std::size_t at = 0;
  for (; at + 8 <= bytes.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + at, sizeof word);
    any |= word;
  }
  if (at < bytes.size() && bytes.size() >= 8) {  // the last word, overlapping
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + bytes.size() - 8, sizeof word);
    any |= word;
  } else {
    for (; at < bytes.size(); ++at) any |= static_cast<unsigned char>(bytes[at]);
  }
  return (any & 0x8080808080808080ULL) == 0;
}

// A LabelPair's name and value: exactly one of each, nothing else.
bool split_label(std::string_view message, LabelView& label) {
  // As writers lay it out: 0x0A, name length, name, 0x12, value length, value (lengths below 128).
  const auto byte = [message](std::size_t at) { return static_cast<unsigned char>(message[at]); };
  const std::size_t size = message.size();
  const std::size_t name_size = size > 1 ? byte(1) : 0x80;
  const std::size_t value_at = 2 + name_size + 2;
  if (size >= 4 && byte(0) == 0x0A && name_size < 0x80 && value_at <= size && byte(value_at - 2) == 0x12 &&
      byte(value_at - 1) < 0x80 && value_at + byte(value_at - 1) == size) {
    label.name = message.substr(2, name_size);
    label.value = message.substr(value_at);
    return true;
  }
  Cursor cursor{message};
  std::uint64_t number = 0;
  return cursor.len_field(number, label.name) && number == 1 && cursor.len_field(number, label.value) &&
         number == 2 && cursor.done();
}

// A LabelPair as the parser accepts it.
bool read_label(std::string_view message, LabelView& label) {
  if (!split_label(message, label)) return false;
  // Tags and short lengths are ASCII too: one look at the whole pair mostly settles both strings.
  const bool utf8 = ascii(message) || (is_valid_utf8(label.name) && is_valid_utf8(label.value));
  return utf8 && !label.name.empty() && label.name != kMetricNameLabel;
}

// A Gauge, Counter or Untyped message holding only its double value.
bool read_value(std::string_view message, double& value) {
  constexpr std::size_t kSize = 9;  // the tag byte and 8 bytes, little-endian
  if (message.size() != kSize || static_cast<unsigned char>(message[0]) != ((1 << 3) | kFixed64)) return false;
  static_assert(std::endian::native == std::endian::little, "the wire's fixed64 is read in place");
  std::memcpy(&value, message.data() + 1, sizeof value);
  return true;
}

bool read_series(std::string_view message, std::uint64_t value_number, ScalarSeries& out) {
  auto& series = out.series.emplace_back();
  series.first_label = static_cast<std::uint32_t>(out.labels.size());
  bool has_value = false;
  Cursor cursor{message};
  std::uint64_t number = 0;
  std::string_view payload;
  while (!cursor.done()) {
    if (!cursor.len_field(number, payload)) return false;
    if (number == 1) {
      if (!read_label(payload, out.labels.emplace_back())) return false;
      ++series.label_count;
    } else if (number == value_number && !has_value) {
      if (!read_value(payload, series.value)) return false;
      has_value = true;
    } else {
      return false;
    }
  }
  return has_value;
}

}  // namespace

std::optional<ScalarSeries> scan_scalar_series(MetricType type, std::string_view block, std::size_t series_hint) {
  const std::uint64_t value_number = value_field(type);
  if (value_number == 0) return std::nullopt;
  ScalarSeries out;
  constexpr std::size_t kLabelsPerSeries = 8;  // a guess, for one allocation in the common case
  out.series.reserve(series_hint);
  out.labels.reserve(series_hint * kLabelsPerSeries);
  Cursor cursor{block};
  std::uint64_t number = 0;
  std::string_view payload;
  while (!cursor.done()) {
    if (!cursor.len_field(number, payload) || number != 4) return std::nullopt;
    if (!read_series(payload, value_number, out)) return std::nullopt;
  }
  return out;
}

}  // namespace flowgate::exposition
