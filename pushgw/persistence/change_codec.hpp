#pragma once
// A Change as one write-ahead log record payload, and back. Pure functions.
//   payload = u8 kind, then
//     put:            u8 replaces_group, group body (record_codec.hpp)
//     remove, expire: group body with no families (the key)
//     wipe:           nothing
//     otlp:           group body (every family), OTLP state (record_codec.hpp)

#include <optional>
#include <string>
#include <string_view>

#include "pushgw/change.hpp"

namespace flowgate::pushgw::persistence {

// Appends the payload of `change` to `out`.
void encode_change(const Change& change, std::string& out);
// nullopt when `payload` is not a whole change (unknown kind, short, trailing bytes).
std::optional<Change> decode_change(std::string_view payload);

}  // namespace flowgate::pushgw::persistence
