#pragma once
// Parser for OpenMetrics 1.0 text (application/openmetrics-text), into the
// model the text parser produces: a counter family is named as its _total
// samples are, an info family as its _info samples, `_created` becomes
// Metric::created, `# UNIT` Family::unit, exemplars of counter totals and
// histogram buckets are kept, gaugehistogram/info/stateset keep their types.
// It refuses what the specification forbids (a missing `# EOF`, interleaved
// families or series, metadata after samples, unordered or non-cumulative
// buckets, negative counters, units that are not the name's suffix, exemplar
// label sets over 128 characters, ...) with the text parser's line, column,
// rule and sentence. Pure function: no I/O, no locale, safe from any thread.

#include <cstdint>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/parse_bounds.hpp"
#include "exposition/parse_error.hpp"

namespace flowgate::exposition {

enum class OpenMetricsContentType : std::uint8_t {
  other,            // not application/openmetrics-text
  supported,        // version 1.0.0 or 0.0.1, or no version
  unknown_version,  // a version this parser does not read
};

// What a Content-Type header says (media type and parameters in any case).
OpenMetricsContentType classify_openmetrics(std::string_view content_type);

// Families in body order, without families that have no samples. Only the
// legacy name grammar of names.hpp is accepted (OpenMetrics 1.0 has no
// quoted names). A body over `bounds` is refused at the first series or label
// past them. Timestamps (seconds in the body) become milliseconds, truncated.
boost::system::result<Families, ParseError> parse_openmetrics(std::string_view body, const ParseBounds& bounds = {});

}  // namespace flowgate::exposition
