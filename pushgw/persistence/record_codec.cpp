#include "pushgw/persistence/record_codec.hpp"

#include <bit>
#include <cmath>

#include <zlib.h>

namespace flowgate::pushgw::persistence {

void Encoder::u32(std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out_ += static_cast<char>((value >> shift) & 0xFFu);
}

void Encoder::u64(std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out_ += static_cast<char>((value >> shift) & 0xFFu);
}

void Encoder::f64(double value) { u64(std::bit_cast<std::uint64_t>(value)); }

void Encoder::str(std::string_view text) {
  u32(static_cast<std::uint32_t>(text.size()));
  out_ += text;
}

namespace {

std::uint64_t little_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) value = value << 8 | static_cast<std::uint8_t>(bytes[i]);
  return value;
}

}  // namespace

std::string_view Decoder::take(std::size_t count) {
  static constexpr char kZeros[8] = {};
  if (!ok_ || count > in_.size()) {
    ok_ = false;
    return {kZeros, count <= sizeof kZeros ? count : 0};
  }
  auto piece = in_.substr(0, count);
  in_.remove_prefix(count);
  return piece;
}

std::uint8_t Decoder::u8() { return static_cast<std::uint8_t>(take(1)[0]); }
std::uint32_t Decoder::u32() { return static_cast<std::uint32_t>(little_endian(take(4))); }
std::uint64_t Decoder::u64() { return little_endian(take(8)); }
double Decoder::f64() { return std::bit_cast<double>(u64()); }
std::string_view Decoder::str() { return take(u32()); }

std::uint32_t crc32_of(std::string_view bytes) {
  // zlib's crc32 takes uInt lengths; feed it in pieces so huge payloads work.
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!bytes.empty()) {
    const auto piece = bytes.substr(0, std::size_t{1} << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data()), static_cast<uInt>(piece.size()));
    bytes.remove_prefix(piece.size());
  }
  return static_cast<std::uint32_t>(crc);
}

void frame_record(std::string_view payload, std::string& out) {
  Encoder header;
  header.u32(static_cast<std::uint32_t>(payload.size()));
  header.u32(crc32_of(payload));
  out += header.bytes();
  out += payload;
}

void seal_frame(std::string& buffer) {
  const std::string_view payload = std::string_view(buffer).substr(kFrameHeaderBytes);
  Encoder header;
  header.u32(static_cast<std::uint32_t>(payload.size()));
  header.u32(crc32_of(payload));
  buffer.replace(0, kFrameHeaderBytes, header.bytes());
}

Frame read_frame(std::string_view bytes) {
  Frame frame;
  if (bytes.size() < kFrameHeaderBytes) return frame;  // torn
  Decoder header(bytes.substr(0, kFrameHeaderBytes));
  const std::uint32_t length = header.u32();
  const std::uint32_t crc = header.u32();
  if (length == 0) {
    frame.status = FrameStatus::damaged;
    return frame;
  }
  if (length > bytes.size() - kFrameHeaderBytes) return frame;  // torn
  const auto payload = bytes.substr(kFrameHeaderBytes, length);
  if (crc32_of(payload) != crc) {
    frame.status = FrameStatus::damaged;
    return frame;
  }
  frame.status = FrameStatus::whole;
  frame.payload = payload;
  frame.size = kFrameHeaderBytes + length;
  return frame;
}

void encode_group_body(const GroupingKey& key, double push_time, double failure_time,
                       const std::vector<FamilyPtr>& families, Encoder& out) {
  out.u32(static_cast<std::uint32_t>(key.labels.size()));
  for (const auto& label : key.labels) {
    out.str(label.name);
    out.str(label.value);
  }
  out.f64(push_time);
  out.f64(failure_time);
  out.u32(static_cast<std::uint32_t>(families.size()));
  for (const auto& family : families) {
    out.str(family->name);
    out.str(family->help);
    out.u8(static_cast<std::uint8_t>(family->type));
    out.str(family->unit);
    out.f64(family->pushed_at);
    out.str(family->text_block);
    out.str(family->protobuf_block);
    out.u32(static_cast<std::uint32_t>(family->series_hashes.size()));
    for (auto hash : family->series_hashes) out.u64(hash);
  }
}

std::optional<GroupBody> decode_group_body(Decoder& in) {
  GroupBody body;
  const std::uint32_t label_count = in.u32();
  for (std::uint32_t i = 0; i < label_count && in.ok(); ++i) {
    exposition::Label label;
    label.name = in.str();
    label.value = in.str();
    body.key.labels.push_back(std::move(label));
  }
  body.push_time_seconds = in.f64();
  body.push_failure_time_seconds = in.f64();
  const std::uint32_t family_count = in.u32();
  for (std::uint32_t i = 0; i < family_count && in.ok(); ++i) {
    auto family = std::make_shared<StoredFamily>();
    family->name = in.str();
    family->help = in.str();
    const std::uint8_t type = in.u8();
    if (type > static_cast<std::uint8_t>(exposition::MetricType::stateset)) return std::nullopt;
    family->type = static_cast<exposition::MetricType>(type);
    family->unit = in.str();
    family->pushed_at = in.f64();
    family->text_block = in.str();
    family->protobuf_block = in.str();
    family->legacy_names = has_only_legacy_names(family->name, family->text_block);
    const std::uint32_t hash_count = in.u32();
    for (std::uint32_t k = 0; k < hash_count && in.ok(); ++k) family->series_hashes.push_back(in.u64());
    body.families.push_back(std::move(family));
  }
  if (!in.ok()) return std::nullopt;
  return body;
}

namespace {

void encode_exponential(const exposition::otlp::ExponentialBuckets& buckets, Encoder& out) {
  out.u32(static_cast<std::uint32_t>(buckets.offset));
  out.u32(static_cast<std::uint32_t>(buckets.counts.size()));
  for (auto count : buckets.counts) out.u64(count);
}

void decode_exponential(Decoder& in, exposition::otlp::ExponentialBuckets& buckets) {
  buckets.offset = static_cast<std::int32_t>(in.u32());
  const std::uint32_t count = in.u32();
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) buckets.counts.push_back(in.u64());
}

void encode_delta(const exposition::otlp::DeltaSeries& delta, Encoder& out) {
  out.u64(delta.start_time_unix_nano);
  out.u64(delta.last_time_unix_nano);
  out.f64(delta.value);
  out.u64(delta.count);
  out.f64(delta.sum);
  out.u32(static_cast<std::uint32_t>(delta.bounds.size()));
  for (double bound : delta.bounds) out.f64(bound);
  out.u32(static_cast<std::uint32_t>(delta.buckets.size()));
  for (auto bucket : delta.buckets) out.u64(bucket);
  out.u32(static_cast<std::uint32_t>(delta.scale));
  out.u64(delta.zero_count);
  encode_exponential(delta.positive, out);
  encode_exponential(delta.negative, out);
}

exposition::otlp::DeltaSeries decode_delta(Decoder& in) {
  exposition::otlp::DeltaSeries delta;
  delta.start_time_unix_nano = in.u64();
  delta.last_time_unix_nano = in.u64();
  delta.value = in.f64();
  delta.count = in.u64();
  delta.sum = in.f64();
  const std::uint32_t bounds = in.u32();
  for (std::uint32_t i = 0; i < bounds && in.ok(); ++i) delta.bounds.push_back(in.f64());
  const std::uint32_t buckets = in.u32();
  for (std::uint32_t i = 0; i < buckets && in.ok(); ++i) delta.buckets.push_back(in.u64());
  delta.scale = static_cast<std::int32_t>(in.u32());
  delta.zero_count = in.u64();
  decode_exponential(in, delta.positive);
  decode_exponential(in, delta.negative);
  return delta;
}

}  // namespace

void encode_group_state(const GroupState& state, Encoder& out) {
  out.u32(static_cast<std::uint32_t>(state.deltas.size()));
  for (const auto& [key, delta] : state.deltas) {
    out.str(key);
    encode_delta(delta, out);
  }
  out.u32(static_cast<std::uint32_t>(state.last_seen.size()));
  for (const auto& [series, seconds] : state.last_seen) {
    out.u64(series);
    out.f64(seconds);
  }
  out.u32(static_cast<std::uint32_t>(state.idempotency_keys.size()));
  for (const auto& [key, seconds] : state.idempotency_keys) {
    out.str(key);
    out.f64(seconds);
  }
}

constexpr std::uint8_t kGroupTtlField = 'T';

void encode_group_ttl(double ttl_seconds, Encoder& out) {
  if (ttl_seconds == 0) return;
  out.u8(kGroupTtlField);
  out.f64(ttl_seconds);
}

std::optional<double> decode_group_ttl(Decoder& in) {
  if (in.done()) return 0.0;
  if (in.u8() != kGroupTtlField) return std::nullopt;
  const double ttl_seconds = in.f64();
  if (!in.ok() || !(ttl_seconds > 0) || !std::isfinite(ttl_seconds)) return std::nullopt;
  return ttl_seconds;
}

std::optional<GroupState> decode_group_state(Decoder& in) {
  GroupState state;
  const std::uint32_t deltas = in.u32();
  for (std::uint32_t i = 0; i < deltas && in.ok(); ++i) {
    std::string key(in.str());
    state.deltas.insert_or_assign(std::move(key), decode_delta(in));
  }
  const std::uint32_t seen = in.u32();
  for (std::uint32_t i = 0; i < seen && in.ok(); ++i) {
    const std::uint64_t series = in.u64();
    state.last_seen.insert_or_assign(series, in.f64());
  }
  const std::uint32_t keys = in.u32();
  for (std::uint32_t i = 0; i < keys && in.ok(); ++i) {
    std::string key(in.str());
    state.idempotency_keys.insert_or_assign(std::move(key), in.f64());
  }
  if (!in.ok()) return std::nullopt;
  return state;
}

}  // namespace flowgate::pushgw::persistence
