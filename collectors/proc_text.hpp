#pragma once
// Tokenizing for the line-oriented procfs formats (/proc/stat, meminfo,
// net/dev, limits): whitespace-separated fields, decimal numbers parsed
// without locale. Pure functions over views into the caller's text.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace flowgate::collectors {

// The lines of `text` without their '\n' (a trailing newline adds no line).
std::vector<std::string_view> split_lines(std::string_view text);

// The space- or tab-separated fields of `line`, empty fields dropped.
std::vector<std::string_view> split_fields(std::string_view line);

// A whole field as an unsigned decimal number, or nothing.
std::optional<std::uint64_t> parse_u64(std::string_view field);

}  // namespace flowgate::collectors
