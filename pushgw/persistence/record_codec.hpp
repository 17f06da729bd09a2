#pragma once
// The byte layout shared by the snapshot file and the write-ahead log: little-
// endian integers, length-prefixed strings, IEEE doubles as their bits, and
// the framing `u32 payload length, u32 CRC32 of payload, payload` that lets a
// reader tell a whole record from a torn or damaged one. Plain functions and
// value types; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pushgw/group.hpp"

namespace flowgate::pushgw::persistence {

class Encoder {
 public:
  void u8(std::uint8_t value) { out_ += static_cast<char>(value); }
  void u32(std::uint32_t value);
  void u64(std::uint64_t value);
  void f64(double value);
  void str(std::string_view text);
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads what Encoder wrote. A read past the end yields zeros and clears ok(),
// so callers check once at the end instead of after every field.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  double f64();
  std::string_view str();

 private:
  std::string_view take(std::size_t count);
  std::string_view in_;
  bool ok_ = true;
};

std::uint32_t crc32_of(std::string_view bytes);

inline constexpr std::size_t kFrameHeaderBytes = 8;

// Appends `u32 length, u32 CRC32, payload` to `out`.
void frame_record(std::string_view payload, std::string& out);
// `buffer` is kFrameHeaderBytes placeholder bytes followed by the payload:
// fills in the header, so the payload is framed without a copy.
void seal_frame(std::string& buffer);

enum class FrameStatus { whole, torn, damaged };
struct Frame {
  FrameStatus status = FrameStatus::torn;
  std::string_view payload;  // when whole
  std::size_t size = 0;      // header + payload bytes, when whole
};
// The record starting at the front of `bytes`: whole, torn (cut short: the
// header or payload runs past the end) or damaged (CRC mismatch, zero length).
Frame read_frame(std::string_view bytes);

// Grouping labels, push times, then every family with its blocks and hashes.
void encode_group_body(const GroupingKey& key, double push_time, double failure_time,
                       const std::vector<FamilyPtr>& families, Encoder& out);
struct GroupBody {
  GroupingKey key;
  double push_time_seconds = 0;
  double push_failure_time_seconds = 0;
  std::vector<FamilyPtr> families;
};
std::optional<GroupBody> decode_group_body(Decoder& in);

// A group's GroupState: its OTLP delta totals, its series' last export times,
// then its idempotency keys.
void encode_group_state(const GroupState& state, Encoder& out);
std::optional<GroupState> decode_group_state(Decoder& in);

// A group's declared time to live (Group::ttl_seconds), the optional last
// field of a record that holds a group: `u8 'T', f64 seconds`, written only
// when one is declared, so records of groups without one read as before
// (and as older versions wrote them). decode_group_ttl reads 0 at the end of
// the record; nullopt when the field is not one.
void encode_group_ttl(double ttl_seconds, Encoder& out);
std::optional<double> decode_group_ttl(Decoder& in);

}  // namespace flowgate::pushgw::persistence
