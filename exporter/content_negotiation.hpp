#pragma once
// Picks the scrape format from Accept: the highest-q media range flowgate
// speaks wins (the earlier one on ties); wildcards and anything else mean
// text 0.0.4, as client_golang negotiates. With it the name escaping, from
// the `escaping=` parameter (Prometheus 3 sends it) of the last range up to
// the chosen one that names a known scheme, as expfmt.Negotiate reads it;
// underscores when none does. Also whether to gzip from Accept-Encoding.
// Pure functions.

#include <string_view>

#include "exposition/name_escaping.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exporter {

struct Negotiated {
  exposition::Format format = exposition::Format::text;
  exposition::NameEscaping escaping = exposition::NameEscaping::underscores;
};

Negotiated negotiate(std::string_view accept);
exposition::Format negotiate_format(std::string_view accept);
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace flowgate::exporter
