#pragma once
// UTF-8 validation as Go's utf8.ValidString has it (what the Pushgateway
// applies to label values): no overlong forms, no surrogates, nothing past
// U+10FFFF. Pure functions; safe from any thread.

#include <cstddef>
#include <optional>
#include <string_view>

namespace flowgate::exposition {

bool is_valid_utf8(std::string_view bytes);

// The code point that starts at `pos` (pos < bytes.size()), advancing `pos`
// past it; nullopt for a byte that starts no valid character (pos advances
// by one byte then, as Go's range over a string does).
std::optional<char32_t> next_code_point(std::string_view bytes, std::size_t& pos);

// `code` (a valid code point) appended as UTF-8.
void append_utf8(char32_t code, std::string& out);

}  // namespace flowgate::exposition
