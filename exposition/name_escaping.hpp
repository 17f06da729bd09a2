#pragma once
// How a scrape writes names outside the legacy grammar (exposition/names.hpp),
// as the `escaping=` parameter of Accept asks (Prometheus 3; the schemes of
// prometheus/common's model): allow-utf-8 writes them as they are (quoted in
// text and OpenMetrics), the others rewrite them into legacy names. A name
// that is already a legacy metric name is never changed (the test is the
// metric-name grammar for label names too, as prometheus/common applies it).
// Pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exposition/model.hpp"
#include "exposition/names.hpp"

namespace flowgate::exposition {

enum class NameEscaping : std::uint8_t {
  allow_utf8,   // "allow-utf-8": as they are
  underscores,  // "underscores": each character outside the grammar becomes '_' (the default)
  dots,         // "dots": '_' becomes "__", '.' "_dot_", any other character outside the grammar "__"
  values,       // "values": "U__" + the name, '_' as "__", others as "_<hex code point>_"
};

// The parameter value ("allow-utf-8", "underscores", "dots", "values") and back;
// nullopt for a value that names no scheme.
std::string_view escaping_param(NameEscaping escaping);
std::optional<NameEscaping> parse_escaping_param(std::string_view value);

// True when `name` must be quoted (allow-utf-8) or escaped: it is not a legacy metric name.
inline bool needs_escaping(std::string_view name) { return !is_metric_name(name); }

// `name` as `escaping` writes it.
std::string escape_name(std::string_view name, NameEscaping escaping);

// `name` in values escaping even when it is a legacy name ("U__" + ...), so
// that unescape_values_name gives it back whatever it looks like (a legacy
// name starting with "U__" included). Only [a-zA-Z0-9_:] in the result.
std::string values_escaped(std::string_view name);

// The reverse of values escaping ("U__a_2e_b" → "a.b"), as the Pushgateway
// reads grouping label names with UTF-8 names on; a name without the prefix,
// or one that does not decode to valid code points, comes back unchanged.
std::string unescape_values_name(std::string_view name);

// Whether every name of `family` (its name, its series' and exemplars'
// label names) reads the same in every scheme.
bool has_only_legacy_names(const Family& family);

// `family` with every name escaped by `escaping`.
Family escape_names(const Family& family, NameEscaping escaping);

}  // namespace flowgate::exposition
