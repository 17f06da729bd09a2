#pragma once
// Parser for the Prometheus text exposition format 0.0.4, with the rules of
// prometheus/common's expfmt text parser (what the Pushgateway accepts).
// Pure function: no I/O, no locale, safe to call from any thread.

#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/parse_bounds.hpp"
#include "exposition/parse_error.hpp"

namespace flowgate::exposition {

// Families in order of first appearance; samples of a family name that
// reappears later are merged into the first. Families without samples are
// dropped. The input is not copied except into the returned model. A body
// over `bounds` is refused at the first series or label past them.
boost::system::result<Families, ParseError> parse_text(std::string_view body, const ParseBounds& bounds = {});

}  // namespace flowgate::exposition
