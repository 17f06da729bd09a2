#include "pushgw/persistence/change_codec.hpp"

#include "pushgw/persistence/record_codec.hpp"

namespace flowgate::pushgw::persistence {

void encode_change(const Change& change, std::string& out) {
  Encoder payload;
  std::swap(payload.bytes(), out);
  payload.u8(static_cast<std::uint8_t>(change.kind));
  switch (change.kind) {
    case ChangeKind::put:
      payload.u8(change.replaces_group ? 1 : 0);
      encode_group_body(change.key, change.push_time_seconds, change.push_failure_time_seconds, change.families,
                        payload);
      encode_group_ttl(change.ttl_seconds, payload);
      break;
    case ChangeKind::remove:
    case ChangeKind::expire:
      encode_group_body(change.key, 0, 0, {}, payload);
      break;
    case ChangeKind::wipe:
      break;
    case ChangeKind::stateful_put:
      encode_group_body(change.key, change.push_time_seconds, change.push_failure_time_seconds, change.families,
                        payload);
      encode_group_state(change.state != nullptr ? *change.state : GroupState{}, payload);
      encode_group_ttl(change.ttl_seconds, payload);
      break;
  }
  std::swap(payload.bytes(), out);
}

std::optional<Change> decode_change(std::string_view payload) {
  Decoder in(payload);
  Change change;
  const auto kind = in.u8();
  switch (kind) {
    case static_cast<std::uint8_t>(ChangeKind::put): {
      change.kind = ChangeKind::put;
      const auto replaces = in.u8();
      if (replaces > 1) return std::nullopt;
      change.replaces_group = replaces == 1;
      auto body = decode_group_body(in);
      if (!body) return std::nullopt;
      change.key = std::move(body->key);
      change.push_time_seconds = body->push_time_seconds;
      change.push_failure_time_seconds = body->push_failure_time_seconds;
      change.families = std::move(body->families);
      const auto ttl = decode_group_ttl(in);
      if (!ttl) return std::nullopt;
      change.ttl_seconds = *ttl;
      break;
    }
    case static_cast<std::uint8_t>(ChangeKind::remove):
    case static_cast<std::uint8_t>(ChangeKind::expire): {
      change.kind = static_cast<ChangeKind>(kind);
      auto body = decode_group_body(in);
      if (!body || !body->families.empty()) return std::nullopt;
      change.key = std::move(body->key);
      break;
    }
    case static_cast<std::uint8_t>(ChangeKind::wipe):
      change.kind = ChangeKind::wipe;
      break;
    case static_cast<std::uint8_t>(ChangeKind::stateful_put): {
      change.kind = ChangeKind::stateful_put;
      auto body = decode_group_body(in);
      if (!body) return std::nullopt;
      auto state = decode_group_state(in);
      if (!state) return std::nullopt;
      change.key = std::move(body->key);
      change.push_time_seconds = body->push_time_seconds;
      change.push_failure_time_seconds = body->push_failure_time_seconds;
      change.families = std::move(body->families);
      change.state = std::make_shared<const GroupState>(std::move(*state));
      const auto ttl = decode_group_ttl(in);
      if (!ttl) return std::nullopt;
      change.ttl_seconds = *ttl;
      break;
    }
    default:
      return std::nullopt;
  }
  if (!in.ok() || !in.done()) return std::nullopt;
  return change;
}

}  // namespace flowgate::pushgw::persistence
