#pragma once
// Picks the scrape format from Accept: the highest-q media range flowgate
// speaks wins (the earlier one on ties); wildcards and anything else mean
// text 0.0.4, as client_golang negotiates. Also whether to gzip from
// Accept-Encoding. Pure functions.

#include <string_view>

#include "exposition/writer.hpp"

namespace flowgate::exporter {

exposition::Format negotiate_format(std::string_view accept);
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace flowgate::exporter
