#pragma once
// Number formatting and parsing exactly as Go's strconv does it for the
// exposition formats, locale-independent, on std::to_chars/std::from_chars.

#include <optional>
#include <string>
#include <string_view>

#include "exposition/model.hpp"

namespace flowgate::exposition {

// Go's strconv.FormatFloat(v, 'g', -1, 64) with +Inf/-Inf/NaN spelled as
// Prometheus does: shortest round-trip digits; scientific notation iff the
// decimal exponent is < -4 or >= 6 (1e+06, but 123456.7); the exponent is
// signed with at least two digits; -0 is written 0. Appends to `out`.
void append_double(double value, std::string& out);

// The text format's value grammar (decimal/exponent forms, NaN, [+-]Inf,
// Infinity, any case; no hex, no underscores). nullopt when not a number.
std::optional<double> parse_double(std::string_view token);

// A decimal number of seconds ([+-] digits [. digits] [e [+-] digits]; no
// NaN, Inf or hex) as whole seconds and nanoseconds (0 <= nanos < 1e9),
// exactly: digits past the ninth decimal are dropped, never rounded through a
// double, so the seconds an OpenMetrics writer printed read back bit for bit.
// nullopt when it is not such a number or its seconds do not fit an int64.
std::optional<Timestamp> parse_seconds(std::string_view token);

}  // namespace flowgate::exposition
