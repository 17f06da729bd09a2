#pragma once
// Parser for the protobuf delimited format (a varint length before each
// io.prometheus.client.MetricFamily message): what client_golang pushes.
// Hand-written decoder; pure function, safe from any thread.

#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/parse_bounds.hpp"
#include "exposition/parse_error.hpp"

namespace flowgate::exposition {

// The media type and parameters that select this format, as the Pushgateway
// matches them.
bool is_protobuf_delimited(std::string_view content_type);

// Families in message order. A family name repeated in one body replaces the
// earlier one (the Pushgateway's behaviour). A body over `bounds` is refused
// at the first series or label past them (replaced families count too: the
// bound is on the work, not on what is kept).
boost::system::result<Families, ParseError> parse_protobuf(std::string_view body, const ParseBounds& bounds = {});

}  // namespace flowgate::exposition
