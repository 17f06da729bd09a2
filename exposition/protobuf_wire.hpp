#pragma once
// The protobuf wire format, read field by field from one body without
// copying: what every hand-written protobuf decoder here (OTLP; later the
// client_model parser) stands on. Bounds are checked on every read; the first
// problem is kept with its byte offset and every read after it fails, so a
// decoder can return as soon as a call returns false.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowgate::exposition::wire {

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, len = 2, group_start = 3, group_end = 4, fixed32 = 5 };

// A byte range [pos, end) of the body: one message being read.
struct Span {
  std::size_t pos = 0;
  std::size_t end = 0;
  bool done() const { return pos >= end; }
};

// One field as read. Scalars keep their raw bits; length-delimited fields
// their payload's range in the body.
struct Field {
  std::uint32_t number = 0;
  WireType wire = WireType::varint;
  std::uint64_t bits = 0;
  std::size_t offset = 0;  // where the tag starts
  std::size_t begin = 0;   // len fields: the payload
  std::size_t end = 0;
  Span payload() const { return {begin, end}; }
};

// The first problem met: a stable kebab-case rule and one sentence.
struct WireProblem {
  std::size_t offset = 0;  // 0-based byte offset in the body
  std::string rule;
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string_view body) : body_(body) {}

  Span whole() const { return {0, body_.size()}; }
  std::string_view bytes(const Field& field) const { return body_.substr(field.begin, field.end - field.begin); }

  // Reads the next field of `span`; `message` names the message in sentences.
  // Deprecated groups are skipped whole (nesting bounded).
  bool next_field(Span& span, Field& field, std::string_view message);
  // `what` and `of` name the value for a sentence ("a field tag", "Metric"):
  // joined only on failure, since this is every decoder's hot path.
  bool read_varint(Span& span, std::uint64_t& value, std::string_view what, std::string_view of = {});

  bool read_fixed(Span& span, std::size_t size, std::uint64_t& value, std::string_view message);

  // Records a problem (the first one wins) and returns false.
  bool fail(std::size_t offset, std::string_view rule, std::string message);
  const std::optional<WireProblem>& problem() const { return problem_; }

 private:
  bool skip_group(Span& span, std::uint32_t number, std::string_view message, int depth);
  bool next_field_at_depth(Span& span, Field& field, std::string_view message, int depth);

  std::string_view body_;
  std::optional<WireProblem> problem_;
};

// Scalar decodings of a field's raw bits.
double as_double(std::uint64_t bits);
std::int32_t zigzag32(std::uint64_t bits);
std::int64_t zigzag64(std::uint64_t bits);

}  // namespace flowgate::exposition::wire
