#include "exposition/protobuf_wire.hpp"

#include <cstring>

namespace flowgate::exposition::wire {

namespace {
constexpr int kMaxGroupDepth = 64;  // hostile nesting must not exhaust the stack
constexpr std::uint64_t kMaxFieldNumber = 536870911;
}  // namespace

bool Reader::fail(std::size_t offset, std::string_view rule, std::string message) {
  if (!problem_) problem_ = WireProblem{offset, std::string(rule), std::move(message)};
  return false;
}

namespace {
std::string named(std::string_view what, std::string_view of) {
  std::string out(what);
  if (!of.empty()) out.append(" of ").append(of);
  return out;
}
}  // namespace

bool Reader::read_varint(Span& span, std::uint64_t& value, std::string_view what, std::string_view of) {
  if (problem_) return false;
  value = 0;
  const std::size_t start = span.pos;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (span.pos >= span.end) return fail(start, "truncated-varint", named(what, of) + " is cut off in the middle of a varint");
    const auto byte = static_cast<unsigned char>(body_[span.pos++]);
    if (shift == 63 && byte > 1) return fail(start, "varint-overflow", named(what, of) + " is a varint larger than 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return fail(start, "varint-overflow", named(what, of) + " is a varint longer than 10 bytes");
}

bool Reader::read_fixed(Span& span, std::size_t size, std::uint64_t& value, std::string_view message) {
  if (problem_) return false;
  if (span.end - span.pos < size) {
    return fail(span.pos, "truncated-field",
                "a " + std::to_string(size * 8) + "-bit field of " + std::string(message) +
                    " is cut off by the end of its message");
  }
  value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(body_[span.pos + i])) << (8 * i);
  }
  span.pos += size;
  return true;
}

bool Reader::next_field(Span& span, Field& field, std::string_view message) {
  return next_field_at_depth(span, field, message, 0);
}

bool Reader::next_field_at_depth(Span& span, Field& field, std::string_view message, int depth) {
  if (problem_) return false;
  const std::size_t start = span.pos;
  std::uint64_t tag = 0;
  if (!read_varint(span, tag, "a field tag", message)) return false;
  const std::uint64_t number = tag >> 3;
  const auto of = [&] { return named("", message); };  // " of <message>", built only for a sentence
  if (number == 0 || number > kMaxFieldNumber) {
    return fail(start, "invalid-field-number",
                "a field" + of() + " has number " + std::to_string(number) + ", which protobuf does not allow");
  }
  field.number = static_cast<std::uint32_t>(number);
  field.offset = start;
  field.wire = static_cast<WireType>(tag & 7);
  switch (field.wire) {
    case WireType::varint: return read_varint(span, field.bits, "a field", message);
    case WireType::fixed64: return read_fixed(span, 8, field.bits, message);
    case WireType::fixed32: return read_fixed(span, 4, field.bits, message);
    case WireType::len: {
      std::uint64_t length = 0;
      if (!read_varint(span, length, "the length of a field", message)) return false;
      if (length > span.end - span.pos) {
        return fail(start, "truncated-field",
                    "field " + std::to_string(number) + of() + " announces " + std::to_string(length) +
                        " bytes but only " + std::to_string(span.end - span.pos) + " remain in its message");
      }
      field.begin = span.pos;
      field.end = span.pos + static_cast<std::size_t>(length);
      span.pos = field.end;
      return true;
    }
    case WireType::group_start: return skip_group(span, field.number, message, depth + 1);
    case WireType::group_end:
      return fail(start, "unexpected-group-end",
                  "field " + std::to_string(number) + of() + " ends a group that was never started");
  }
  return fail(start, "invalid-wire-type",
              "field " + std::to_string(number) + of() + " uses wire type " + std::to_string(tag & 7) +
                  ", which protobuf does not define");
}

bool Reader::skip_group(Span& span, std::uint32_t number, std::string_view message, int depth) {
  if (depth > kMaxGroupDepth) return fail(span.pos, "group-too-deep", "groups in " + std::string(message) + " nest too deeply");
  const std::size_t start = span.pos;
  while (!span.done()) {
    const std::size_t tag_pos = span.pos;
    std::uint64_t tag = 0;
    if (!read_varint(span, tag, "a field tag", message)) return false;
    if ((tag & 7) == static_cast<std::uint64_t>(WireType::group_end)) {
      if ((tag >> 3) == number) return true;
      return fail(tag_pos, "mismatched-group-end",
                  "a group in " + std::string(message) + " ends with the wrong field number");
    }
    span.pos = tag_pos;
    Field inner;
    if (!next_field_at_depth(span, inner, message, depth)) return false;
  }
  return fail(start, "truncated-group", "a group in " + std::string(message) + " is never ended");
}

double as_double(std::uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::int32_t zigzag32(std::uint64_t bits) {
  const auto v = static_cast<std::uint32_t>(bits);
  return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

std::int64_t zigzag64(std::uint64_t v) { return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

}  // namespace flowgate::exposition::wire
