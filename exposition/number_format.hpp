#pragma once
// Number formatting and parsing exactly as Go's strconv does it for the
// exposition formats, locale-independent, on std::to_chars/std::from_chars.

#include <optional>
#include <string>
#include <string_view>

namespace flowgate::exposition {

// Go's strconv.FormatFloat(v, 'g', -1, 64) with +Inf/-Inf/NaN spelled as
// Prometheus does: shortest round-trip digits; scientific notation iff the
// decimal exponent is < -4 or >= 6 (1e+06, but 123456.7); the exponent is
// signed with at least two digits; -0 is written 0. Appends to `out`.
void append_double(double value, std::string& out);

// The text format's value grammar (decimal/exponent forms, NaN, [+-]Inf,
// Infinity, any case; no hex, no underscores). nullopt when not a number.
std::optional<double> parse_double(std::string_view token);

}  // namespace flowgate::exposition
