#pragma once
// The label rules the Pushgateway enforces on URLs and pushed series beyond
// the name grammar (exposition/names.hpp), and the Go-style quoting its
// messages use. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace flowgate::pushgw {

// Names starting with "__" are reserved for Prometheus itself.
bool is_reserved_label_name(std::string_view name);

// User input quoted for a message (exposition::quoted_for_message, whole):
// "…" with \" \\, control bytes and bytes that are not UTF-8 escaped, so a
// message is always one line of text.
std::string quoted(std::string_view text);

// quoted() of at most the first `max_bytes` of `text` (cut where a UTF-8
// character starts), followed by "..." when cut: for messages about input
// that may be megabytes long.
std::string quoted_start(std::string_view text, std::size_t max_bytes = 64);

}  // namespace flowgate::pushgw
